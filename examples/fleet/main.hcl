# A fleet (DESIGN.md §8): one repository drives every host. Seed 001's
# servers make their own applications' snapshots into a shared S3-compatible
# store (MinIO, Ceph RGW, Garage, SeaweedFS), and seed 002's pull-backup
# server, backup1, pulls them onto its disks, which every host reaches over
# SFTP as the rclone remote "backupsrv" of its rclone.conf.
#
# Every host runs the same `strata watch -C <checkout> --pull 1m`; its node
# is its host name (or --node NAME), and it runs only what its node owns:
#
#   zg-3.softxs.ch     hydro's snapshots and hooks (and its purges in "local")
#   loki.softxs.ch     the wiki's
#   backup1.softxs.ch  every transfer into "remote" and on to "offsite"
#
# `strata plan --node backup1.softxs.ch` shows the others' actions as owned
# by them. The store is shared and leases on it are the only coordination.

destination "store" {
  remote = ":s3,provider=Minio,endpoint='https://s3.softxs.ch':backups/local"
  options = {
    access_key_id     = env("S3_KEY")
    secret_access_key = env("S3_SECRET")
  }
}

destination "backup1" {
  remote   = "backupsrv:/v01/backup/remote"
  min_free = "10GiB"
}

destination "offsite" {
  remote = ":s3,provider=Minio,endpoint='https://s3.offsite.example.org':offsite/softxs"
  options = {
    access_key_id     = env("OFFSITE_KEY")
    secret_access_key = env("OFFSITE_SECRET")
  }
}

tier "local" { # no node: each application's node makes its snapshots here
  destinations = [destination.store]
  path         = "${app.server}/${app.vm}/${app.relpath}"
  keep {
    last = 7
  }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.backup1]
  path         = "${app.server}/${app.vm}/${app.relpath}"
  node         = "backup1.softxs.ch" # a pull backup server
  keep {
    last    = 7
    daily   = 14
    weekly  = 8
    monthly = 12
  }
  verify {
    every = "7d"
  }
}

tier "offsite" { # no node: sent by the sender, backup1
  from         = tier.remote
  destinations = [destination.offsite]
  path         = "${app.server}/${app.vm}/${app.relpath}"
  keep {
    monthly = 24
  }
}

application "hydro" {
  node     = "zg-3.softxs.ch"
  server   = "zg-3.softxs.ch"
  vm       = "web"
  relpath  = "demo.softxs.ch/hydro"
  schedule = "0 2 * * *"
  timezone = "Europe/Zurich"

  source {
    paths   = ["/home/v2/rails/demo.softxs.ch/hydro-app/releases", "/v01/rails/data/demo.softxs.ch/hydro/var"]
    exclude = ["**/log/**", "**/tmp/**"]
  }

  hook "dump-db" { # runs on zg-3, where the database is
    command = ["sh", "-c", "pg_dump --format=custom hydro > hydro.dump"]
  }
}

application "wiki" {
  node     = "loki.softxs.ch"
  server   = "loki.softxs.ch"
  vm       = "wiki"
  relpath  = "wiki/softxs.ch"
  schedule = "30 2 * * *"
  timezone = "Europe/Zurich"

  source {
    paths = ["/home/wiki/www/html"]
  }
}

variable "backup_root" {
  default = "/v01/backup"
}

destination "local" {
  remote = "${var.backup_root}/local"          # a local path
}

destination "backup1" {
  remote   = "backupsrv:/v01/backup/remote/zg-3.softxs.ch"   # a remote of the user's rclone.conf
  split    = "1GiB"                          # pieces of at most 1 GiB
  min_free = "10GiB"                         # never write below this much free space
}

destination "offsite" {
  remote = ":s3,provider=Minio,endpoint='https://s3.example.org':offsite/strata"
  options = {                                # rclone backend options
    access_key_id     = env("S3_KEY")
    secret_access_key = env("S3_SECRET")     # from env(): never printed
  }
  encrypt {
    password = env("STRATA_CRYPT_PASSWORD")  # rclone crypt over this destination
  }
}

tier "local" {                               # no `from`: snapshots are created here
  destinations = [destination.local]
  path         = "${app.vm}/${app.relpath}"  # seed 001's naming convention
  keep { last = 7 }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.backup1]
  path         = "${app.server}/${app.vm}/${app.relpath}"
  keep {
    last    = 7
    daily   = 14
    weekly  = 8
    monthly = 12
  }
  verify { every = "7d" }
}

tier "offsite" {
  from         = tier.remote
  destinations = [destination.offsite]
  keep { monthly = 24 }
}

application "hydro" {
  server   = "zg-3.softxs.ch"
  vm       = "web"
  relpath  = "demo.softxs.ch/hydro"
  schedule = "0 2 * * *"                     # cron; also @daily, @hourly, @every 30m
  timezone = "Europe/Zurich"                 # default UTC
  # tiers = [tier.local, tier.remote]        # optional: default is every tier

  source {
    paths   = ["/home/v2/rails/demo.softxs.ch/hydro-app/releases",
               "/v01/rails/data/demo.softxs.ch/hydro/var"]
    exclude = ["**/log/**", "**/tmp/**"]
  }

  # Runs before archiving, in a fresh staging directory whose files join the
  # snapshot under hooks/dump-db/. Environment: STRATA_APP, STRATA_SNAPSHOT_ID.
  hook "dump-db" {
    command = ["sh", "-c", "pg_dump --format=custom hydro > hydro.dump"]
  }
}

# Seed 001 — SoftXS "V2 Backups": applications on VMs on servers, nightly
# backups to the server's local backup partition, copied whole to remote
# backup servers and on to an off-site USB drive. The naming convention finds
# every backup from relpath + VM + server:
#
#   {partition}/local/{vm}/{relpath}                    local backups
#   {partition}/remote/{server}/{vm}/{relpath}          remote backups
#
# Moving an application to another VM or server means changing its `vm` or
# `server` label, nothing else. The remote server is a remote of the user's
# rclone.conf (RCLONE_CONFIG honoured), e.g. an sftp remote "backupsrv".

variable "partition" {
  default = "/v01/backup"
}

destination "local" {
  remote = "${var.partition}/local"
}

destination "backup1" {
  remote   = "backupsrv:${var.partition}/remote"
  min_free = "10GiB"
}

destination "usb" {
  remote = "/media/offsite-usb/strata" # the off-site drive, when mounted
}

tier "local" {
  destinations = [destination.local]
  path         = "${app.vm}/${app.relpath}"
  keep {
    last = 7
  }
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
  verify {
    every = "7d"
  }
}

tier "offsite" {
  from         = tier.remote
  destinations = [destination.usb]
  path         = "${app.server}/${app.vm}/${app.relpath}"
  keep {
    monthly = 24
  }
}

application "hydro" {
  server   = "zg-3.softxs.ch"
  vm       = "web"
  relpath  = "demo.softxs.ch/hydro"
  schedule = "0 2 * * *" # nightly
  timezone = "Europe/Zurich"

  source {
    paths = ["/home/v2/rails/demo.softxs.ch/hydro-app/shared",
    "/v01/rails/data/demo.softxs.ch/hydro"]
    exclude = ["**/log/**", "**/tmp/**"]
  }

  # The application's database joins the snapshot under hooks/dump-db/.
  hook "dump-db" {
    command = ["sh", "-c", "mysqldump --single-transaction hydro > hydro.sql"]
  }
}

application "wiki" {
  server   = "zg-3.softxs.ch"
  vm       = "wiki"
  relpath  = "wiki.softxs.ch"
  schedule = "30 2 * * *"
  timezone = "Europe/Zurich"

  source {
    paths = ["/var/lib/mediawiki"]
  }

  hook "dump-db" {
    command = ["sh", "-c", "mysqldump --single-transaction wikidb > wikidb.sql"]
  }
}

application "git" {
  server   = "odin.softxs.ch"
  vm       = "scm"
  relpath  = "git.softxs.ch"
  schedule = "0 3 * * *"
  timezone = "Europe/Zurich"

  source {
    paths = ["/srv/git"]
  }
}

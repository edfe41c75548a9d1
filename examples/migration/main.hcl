# strata migration: application "hydro" moved from server zg-1 to zg-3
# (seed 003), its backup history kept.
#
# Before the migration this configuration said server = "zg-1.softxs.ch",
# so the remote tier stored hydro under zg-1.softxs.ch/web/hydro. The
# migration changed the label and added the moved block below; the next
#
#   strata -C examples/migration plan
#
# shows one move per location whose path changed,
#
#   ~ move  hydro  at remote/backup1: zg-1.softxs.ch/web/hydro -> zg-3.softxs.ch/web/hydro, 14 snapshots
#
# and apply renames the snapshot directories on the server: nothing is
# downloaded or uploaded again, and retention counts the moved history.
# The local tier's path does not use the server, so nothing moves there.
# The block may stay: once the old paths are empty it plans nothing.

variable "backup_root" {
  default = "/tmp/strata-migration"
}

destination "local" {
  remote = "${var.backup_root}/local"
}

destination "backup1" {
  remote = "${var.backup_root}/backup1" # e.g. ":sftp,host=backup1:/v01/backup"
}

tier "local" {
  destinations = [destination.local]
  path         = "${app.vm}/${app.name}"
  keep {
    last = 3
  }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.backup1]
  path         = "${app.server}/${app.vm}/${app.name}"
  keep {
    last  = 7
    daily = 14
  }
}

application "hydro" {
  server   = "zg-3.softxs.ch" # was "zg-1.softxs.ch"
  vm       = "web"
  schedule = "@daily"

  source {
    paths = ["sample-data"] # relative to this directory
  }
}

# The snapshots stored under hydro's old labels belong to hydro now.
# from_labels says what changed (server, vm, relpath, or a free-form label);
# a rename is from = application.old_name, with or without from_labels.
moved {
  from        = application.hydro
  to          = application.hydro
  from_labels = { server = "zg-1.softxs.ch" }
}

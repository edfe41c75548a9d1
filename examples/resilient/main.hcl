# strata resilient pair: seed 002's export, pull-backup and import
# instances. The export side snapshots every hour (the origin tier), the
# pull-backup server keeps an incremental history of its own (the pull
# tier), and a standby keeps the newest healthy snapshot of the pull tier
# restored, ready to take over:
#
#   strata -C examples/resilient plan
#
#   + snapshot  erp5  at export/local  (ID known after apply)
#   > transfer  erp5  (new snapshot)  export/local -> pull/backup1
#   ? verify    erp5  (new snapshot)  at pull/backup1
#   ~ standby   erp5  erp5-import: /tmp/strata-resilient/standby/erp5 <- pull/backup1 (known after apply)
#
# A refresh restores beside the standby (every chunk and the whole stream
# checked against their digests), swaps it in with a rename, removes the
# old one, then runs `after`. `strata ls` shows what the standby holds.

variable "backup_root" {
  default = "/tmp/strata-resilient"
}

destination "local" {
  remote = "${var.backup_root}/export"
}

destination "backup1" {
  remote = "${var.backup_root}/pull" # e.g. ":sftp,host=pbs1:/srv/backup"
}

tier "export" {
  destinations = [destination.local]
  keep {
    last = 3
  }
}

tier "pull" {
  from         = tier.export
  destinations = [destination.backup1]
  keep {
    hourly = 24
    daily  = 30
  }
  verify {
    every = "7d"
  }
}

application "erp5" {
  schedule = "@every 60m"

  source {
    paths = ["sample-data"] # relative to this directory
  }
}

# The import instance: the newest healthy snapshot of the pull tier, kept
# restored at path. after runs once per refresh, in the standby directory,
# with STRATA_SNAPSHOT_ID, STRATA_STANDBY and STRATA_APP set; in production
# it would reload the standby, e.g. ["systemctl", "reload", "erp5-import"].
standby "erp5-import" {
  application = application.erp5
  from        = tier.pull
  path        = "${var.backup_root}/standby/erp5"
  after       = ["sh", "-c", "echo \"$STRATA_STANDBY holds $STRATA_SNAPSHOT_ID\""]
}

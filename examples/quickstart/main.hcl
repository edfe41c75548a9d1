# strata quickstart: one application, two tiers on local directories.
#
#   strata -C examples/quickstart plan
#   strata -C examples/quickstart apply --auto-approve
#   strata -C examples/quickstart ls         # also the last restore test (check)
#   strata -C examples/quickstart restore docs --to /tmp/docs-restored
#
# Override where the backups go with -var backup_root=/some/dir
# (or STRATA_VAR_backup_root=/some/dir).

variable "backup_root" {
  default = "/tmp/strata-quickstart"
}

destination "primary" {
  remote = "${var.backup_root}/primary" # a local directory
}

destination "secondary" {
  remote = "${var.backup_root}/secondary" # e.g. another disk
}

# The origin tier: no `from`, snapshots are made here.
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 3
  }
}

# Every snapshot flows on to the second tier, which keeps more history.
tier "copy" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last  = 3
    daily = 7
  }
  verify {
    every = "7d"
  }
}

application "docs" {
  schedule = "@daily"

  source {
    paths   = ["sample-data"] # relative to this directory
    exclude = ["**/*.tmp"]
  }

  # Runs before archiving in a fresh staging directory; its files join the
  # snapshot under hooks/inventory/.
  hook "inventory" {
    command = ["sh", "-c", "echo \"snapshot $STRATA_SNAPSHOT_ID of $STRATA_APP\" > inventory.txt"]
  }
}

# A restore test: weekly, the newest healthy snapshot at tier copy is
# restored (only the hook's output here) into a scratch directory and the
# command runs there; a failure warns and notifies, it deletes nothing.
check "docs-restores" {
  application = application.docs
  from        = tier.copy
  every       = "7d"
  paths       = ["hooks/inventory"]
  command     = ["sh", "-c", "grep -q 'of docs' hooks/inventory/inventory.txt"]
}

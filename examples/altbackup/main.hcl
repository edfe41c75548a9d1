# Seed 004 — altbackup: a daily tarball of each folder, transferred by SSH to
# a target host that keeps the last N per folder, with digests checked at
# both ends. strata does the same declaratively: the archive's SHA-256 is
# computed while it is written (data.tar.sha256 works with `sha256sum -c`),
# every transfer hashes what it reads, and the target copy is re-verified.
#
#   strata -C examples/altbackup restore www --day -1 --to /tmp/www-yesterday
#
# The target is an on-the-fly SFTP remote: non-interactive, key-based, with
# host-key checking against known_hosts (no password prompt can hang it).

variable "target_host" {
  default = "backup.example.org"
}

destination "source" {
  remote = "/var/backups/altbackup"
}

destination "target" {
  remote = ":sftp,host=${var.target_host},user=altbackup:/srv/altbackup"
  options = {
    key_file        = "/root/.ssh/id_ed25519"
    known_hosts_file = "/root/.ssh/known_hosts"
  }
}

tier "source" {
  destinations = [destination.source]
  keep {
    last = 2 # the dump area holds today's and yesterday's tarballs
  }
}

tier "target" {
  from         = tier.source
  destinations = [destination.target]
  keep {
    last = 14 # keep the last N at the target
  }
  verify {
    every = "1d" # check_target: re-read every copy daily
  }
}

application "www" {
  schedule = "15 1 * * *"
  source {
    paths = ["/var/www"]
  }
}

application "etc" {
  schedule = "15 1 * * *"
  source {
    paths   = ["/etc"]
    exclude = ["**/*.swp"]
  }
}

application "mail" {
  schedule = "45 1 * * *"
  source {
    paths = ["/var/mail"]
  }
}

destination "shared" {
  remote = "/d/shared"
  mode   = "0644" # ERROR: Mode opens the backups to every user
}

destination "nogroup" {
  remote = "/d/nogroup"
  group  = "no-such-group-strata" # ERROR: Unknown group
}

destination "odd" {
  remote = "/d/odd"
  mode   = "rw-r-----" # ERROR: Invalid mode
}

destination "readonly" {
  remote = "/d/readonly"
  mode   = "0440" # ERROR: Invalid mode
}

tier "t" {
  destinations = [destination.shared, destination.nogroup, destination.odd, destination.readonly]
  keep { last = 1 }
}

application "a" {
  source { paths = ["/srv/a"] }
}

settings {
  max_purge = -1 # ERROR: Invalid number
  gc_grace  = "-1h" # ERROR: Invalid duration
}

destination "d" {
  remote    = "/d"
  split     = "1XB"  # ERROR: Invalid size
  min_free  = "-5"   # ERROR: Invalid size
  transfers = "many" # ERROR: Incorrect attribute value type
}

tier "t" {
  destinations = [destination.d]
  keep {
    last   = 1
    within = "3 days" # ERROR: Invalid duration
  }
  verify {
    every = "-1h" # ERROR: Invalid duration
  }
}

application "a" {
  source { paths = ["/srv/a"] }
  hook "h" {
    command = ["true"]
    timeout = "10x" # ERROR: Invalid duration
  }
}

destination "slow" {
  remote  = "/slow"
  bwlimit = "08:00,512k 25:00,off" # ERROR: Invalid bwlimit
}

destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  schedule = "61 * * * *" # ERROR: Invalid schedule
  source { paths = ["/srv/a"] }
}

application "b" {
  timezone = "Mars/Olympus" # ERROR: Invalid timezone
  source { paths = ["/srv/b"] }
}

application "c" {
  schedule = "0 0 30 2 *" # ERROR: Invalid schedule
  source { paths = ["/srv/c"] }
}

application "d" {
  timezone = "Local" # ERROR: Invalid timezone
  source { paths = ["/srv/d"] }
}

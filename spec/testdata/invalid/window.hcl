destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  window = "22:00" # ERROR: Invalid window
  source { paths = ["/srv/a"] }
}

application "b" {
  window = "25:00-06:00" # ERROR: Invalid window
  source { paths = ["/srv/b"] }
}

application "c" {
  window = "06:00-06:00" # ERROR: Invalid window
  source { paths = ["/srv/c"] }
}

application "d" {
  window = "6:00-7:00" # ERROR: Invalid window
  source { paths = ["/srv/d"] }
}

application "e" {
  window = 2200 # ERROR: Invalid window
  source { paths = ["/srv/e"] }
}

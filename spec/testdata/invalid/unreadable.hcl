destination "d" {
  remote = "/d/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  source {
    paths         = ["/srv/a"]
    on_unreadable = "ignore" # ERROR: Invalid on_unreadable
  }
}

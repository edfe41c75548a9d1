destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "pull" {
  from         = tier.t
  destinations = [destination.d]
  path         = "pull/${app.name}"
  node         = "" # ERROR: Invalid node
  keep { last = 1 }
}

application "a" {
  node = "zg 3" # ERROR: Invalid node
  source { paths = ["/srv/a"] }
}

application "b" {
  node = "-b" # ERROR: Invalid node
  source { paths = ["/srv/b"] }
}

application "c" {
  node = ["c"] # ERROR: Incorrect attribute value type
  source { paths = ["/srv/c"] }
}

application "e" {
  node = "zg-3.softxs.ch"
  source { paths = ["/srv/e"] }
}

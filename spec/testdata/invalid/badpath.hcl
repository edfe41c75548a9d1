destination "d" {
  remote = "/d"
}

tier "abs" {
  destinations = [destination.d]
  path         = "/${app.name}" # ERROR: Invalid tier path
  keep { last = 1 }
}

tier "up" {
  from         = tier.abs
  destinations = [destination.d]
  path         = "../${app.name}" # ERROR: Invalid tier path
  keep { last = 1 }
}

tier "empty" {
  from         = tier.up
  destinations = [destination.d]
  path         = "./" # ERROR: Invalid tier path
  keep { last = 1 }
}

application "a" {
  source { paths = ["/srv/a"] }
}

destination "d" {
  remote = "/d"
}

tier "origin" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "a" {
  from         = tier.b # ERROR: Tier cycle
  destinations = [destination.d]
  path         = "a/${app.name}"
  keep { last = 1 }
}

tier "b" {
  from         = tier.a
  destinations = [destination.d]
  path         = "b/${app.name}"
  keep { last = 1 }
}

tier "self" {
  from         = tier.self # ERROR: Tier takes from itself
  destinations = [destination.d]
  path         = "self/${app.name}"
  keep { last = 1 }
}

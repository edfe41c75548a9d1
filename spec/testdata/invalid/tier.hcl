destination "d" {
  remote = "/d"
}

tier "nodest" { # ERROR: Missing required argument
  keep { last = 1 }
}

tier "empty" {
  from         = tier.nodest
  destinations = [] # ERROR: Tier without destinations
  path         = "e/${app.name}"
  keep { last = 1 }
}

tier "twice" {
  from         = tier.empty
  destinations = [destination.d, destination.d] # ERROR: Duplicate destination reference
  path         = "t/${app.name}"
  keep { last = 1 }
}

tier "my tier" { # ERROR: Invalid tier name
  destinations = [destination.d]
  keep { last = 1 }
}

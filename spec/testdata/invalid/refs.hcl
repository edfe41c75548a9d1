destination "d" {
  remote = "${var.nope}/x" # ERROR: Reference to undeclared variable
  options = {
    a = foo.bar  # ERROR: Unknown reference
    b = app.name # ERROR: Invalid reference
    c = tier.t   # ERROR: Invalid reference
  }
}

destination "e" {
  remote = "/e"
  split  = path.nope # ERROR: Reference to undeclared path attribute
}

tier "t" {
  destinations = [destination.d, destination.nope] # ERROR: Reference to undeclared destination
  path         = "${app.name}/${app.nope}"          # ERROR: Reference to undeclared app attribute
  keep { last = 1 }
}

tier "u" {
  from         = tier.nope # ERROR: Reference to undeclared tier
  destinations = [destination.e]
  keep { last = 1 }
}

tier "v" {
  from         = "t" # ERROR: Invalid tier reference
  destinations = [destination.e]
  path         = "v/${app.name}"
  keep { last = 1 }
}

application "a" {
  tiers = [tier.t, tier.zzz] # ERROR: Reference to undeclared tier
  source { paths = ["/srv/a"] }
}

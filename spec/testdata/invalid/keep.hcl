destination "d" {
  remote = "/d"
}

tier "none" { # ERROR: Retention keeps nothing
  destinations = [destination.d]
}

tier "zero" {
  from         = tier.none
  destinations = [destination.d]
  path         = "zero/${app.name}"
  keep { # ERROR: Retention keeps nothing
    last = 0
  }
}

tier "neg" {
  from         = tier.zero
  destinations = [destination.d]
  path         = "neg/${app.name}"
  keep {
    last   = -1  # ERROR: Invalid number
    daily  = 1.5 # ERROR: Invalid number
    weekly = 2
  }
  verify {
    sample = 101 # ERROR: Invalid number
  }
}

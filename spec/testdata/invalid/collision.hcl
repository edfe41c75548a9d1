destination "d" {
  remote = "/d"
}

destination "e" {
  remote = "/e"
}

tier "t" {
  destinations = [destination.d]
  path         = "${app.vm}" # ERROR: Application paths collide
  keep { last = 1 }
}

tier "u" {
  from         = tier.t
  destinations = [destination.e]
  path         = "fixed" # ERROR: Application paths collide
  keep { last = 1 }
}

tier "w" {
  from         = tier.u
  destinations = [destination.e]
  path         = "fixed/${app.name}" # ERROR: Application paths collide # ERROR: Application paths collide
  keep { last = 1 }
}

application "a" {
  vm    = "web"
  tiers = [tier.t, tier.u, tier.w]
  source { paths = ["/srv/a"] }
}

application "b" {
  vm    = "web/b"
  tiers = [tier.t]
  source { paths = ["/srv/b"] }
}

application "c" {
  vm    = "webx"
  tiers = [tier.t, tier.u]
  source { paths = ["/srv/c"] }
}

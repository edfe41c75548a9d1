destination "d" {
  remote = "/d"
}

destination "e" {
  remote = "/e"
}

tier "local" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.e]
  keep { last = 1 }
}

tier "other" {
  destinations = [destination.e]
  path         = "other/${app.name}"
  keep { last = 1 }
}

application "all" { # ERROR: Application has several origin tiers
  source { paths = ["/srv/all"] }
}

application "noorigin" {
  tiers = [tier.remote] # ERROR: Missing upstream tier # ERROR: Application has no origin tier
  source { paths = ["/srv/x"] }
}

application "twice" {
  tiers = [tier.local, tier.local] # ERROR: Duplicate tier reference
  source { paths = ["/srv/twice"] }
}

application "ok" {
  tiers = [tier.local, tier.remote]
  source { paths = ["/srv/ok"] }
}

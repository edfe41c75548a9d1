destination "d" {
  remote = "/d"
}

tier "local" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "other" {
  from         = tier.local
  destinations = [destination.d]
  path         = "other/${app.name}"
  keep { last = 1 }
}

application "wiki" {
  tiers = [tier.local]
  source { paths = ["/srv/wiki"] }
}

check "unknown-app" {
  application = application.nope # ERROR: Reference to undeclared application
  from        = tier.local
  every       = "7d"
  command     = ["true"]
}

check "unknown-tier" {
  application = application.wiki
  from        = tier.nope # ERROR: Reference to undeclared tier
  every       = "7d"
  command     = ["true"]
}

check "not-kept" {
  application = application.wiki
  from        = tier.other # ERROR: Application not kept in tier
  every       = "7d"
  command     = ["true"]
}

check "bad-every" {
  application = application.wiki
  from        = tier.local
  every       = "weekly" # ERROR: Invalid duration
  command     = ["true"]
}

check "empty-command" {
  application = application.wiki
  from        = tier.local
  every       = "7d"
  command     = [] # ERROR: Empty check command
}

check "absolute" {
  application = application.wiki
  from        = tier.local
  every       = "7d"
  paths       = ["/srv/wiki/db.sqlite"] # ERROR: Invalid check path
  command     = ["true"]
}

check "climbs" {
  application = application.wiki
  from        = tier.local
  every       = "7d"
  paths       = ["srv/../../etc"] # ERROR: Invalid check path
  command     = ["true"]
  timeout     = "0s" # ERROR: Invalid duration
}

check "first" {
  application = application.wiki
  from        = tier.local
  every       = "7d"
  command     = ["true"]
}

check "second" { # ERROR: Duplicate check
  application = application.wiki
  from        = tier.local
  every       = "1d"
  command     = ["true"]
}

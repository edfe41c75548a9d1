destination "d" {
  remote = "/d"
}

tier "local" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.d]
  path         = "remote/${app.name}"
  keep { last = 1 }
}

application "a" {
  source { paths = ["/srv/a"] }
}

application "b" {
  tiers  = [tier.local]
  source { paths = ["/srv/b"] }
}

standby "ok" {
  application = application.a
  from        = tier.remote
  path        = "/srv/a-standby"
  after       = ["true"]
}

standby "noapp" {
  application = application.nope # ERROR: Reference to undeclared application
  from        = tier.remote
  path        = "/srv/x"
}

standby "notier" {
  application = application.a
  from        = tier.nope # ERROR: Reference to undeclared tier
  path        = "/srv/y"
}

standby "notkept" {
  application = application.b
  from        = tier.remote # ERROR: Application not kept in tier
  path        = "/srv/z"
}

standby "relative" {
  application = application.a
  from        = tier.remote
  path        = "srv/a" # ERROR: Relative standby path
}

standby "same" {
  application = application.a
  from        = tier.local
  path        = "/srv/a-standby/" # ERROR: Overlapping standby paths
}

standby "insource" {
  application = application.a
  from        = tier.local
  path        = "/srv/b/standby" # ERROR: Standby path overlaps a source
}

standby "emptyafter" {
  application = application.a
  from        = tier.local
  path        = "/srv/w"
  after       = [] # ERROR: Empty after command
}

standby "ok" { # ERROR: Duplicate standby "ok"
  application = application.a
  from        = tier.local
  path        = "/srv/v"
}

standby "indest" {
  application = application.a
  from        = tier.local
  path        = "/d/standby" # ERROR: Standby path overlaps strata's own files
}

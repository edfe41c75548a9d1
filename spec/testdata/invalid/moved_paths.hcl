destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  path         = "${app.server}/${app.vm}"
  keep { last = 1 }
}

tier "u" {
  from         = tier.t
  destinations = [destination.d]
  path         = "u/${app.name}"
  keep { last = 1 }
}

application "a" {
  server = "zg-1"
  vm     = "a"
  source { paths = ["/srv/a"] }
}

application "b" {
  server = "zg-3"
  vm     = "b"
  source { paths = ["/srv/b"] }
}

# b's old path at tier t is a's path now: it would take a's snapshots.
moved { # ERROR: Application paths collide
  from        = application.b
  to          = application.b
  from_labels = { server = "zg-1", vm = "a" }
}

# Renamed from c: only the path of tier u changes, no collision.
moved {
  from = application.c
  to   = application.a
}

removed { # ERROR: Missing application attribute
  from    = application.gone
  destroy = false
}

removed { # ERROR: Application paths collide
  from        = application.d
  destroy     = false
  from_labels = { server = "zg-3", vm = "b" }
}

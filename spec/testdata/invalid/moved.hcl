destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  path         = "${app.server}/${app.name}"
  keep { last = 1 }
}

application "a" {
  server = "zg-1"
  source { paths = ["/srv/a"] }
}

application "b" {
  server = "zg-1"
  source { paths = ["/srv/b"] }
}

moved {
  from = application.a # ERROR: Moved application still exists
  to   = application.b
}

moved {
  from = application.old
  to   = application.nowhere # ERROR: Moved to an unknown application
}

moved {
  from = application.older
  to   = application.b # ERROR: Ambiguous moved blocks
}

moved {
  from = application.older # ERROR: Ambiguous moved blocks
  to   = application.a
}

moved { # ERROR: Redundant moved block
  from = application.a
  to   = application.a
}

moved { # ERROR: Moved blocks form a cycle
  from = application.x
  to   = application.y
}

moved {
  from = application.y
  to   = application.x
}

moved {
  from = tier.t # ERROR: Invalid application reference
  to   = application.a
}

removed {
  from    = application.a # ERROR: Removed application still exists
  destroy = false
  from_labels = { server = "zg-2" }
}

removed {
  from    = application.gone
  destroy = true
  from_labels = { server = "zg-2" }
}

removed {
  from    = application.gone # ERROR: Duplicate removed block
  destroy = false
  from_labels = { server = "zg-2" }
}

removed {
  from    = application.x # ERROR: Removed application is moved
  destroy = false
  from_labels = { server = "zg-2" }
}

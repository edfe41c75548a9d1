destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  path         = "${app.vm}/${app.relpath}" # ERROR: Missing application attribute
  keep { last = 1 }
}

application "novm" {
  relpath = "x"
  source { paths = ["/srv/x"] }
}

application "ok" {
  vm      = "web"
  relpath = "y"
  source { paths = ["/srv/y"] }
}

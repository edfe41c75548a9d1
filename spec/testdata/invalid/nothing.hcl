destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "empty" { # ERROR: Nothing to back up
}

application "emptysource" { # ERROR: Nothing to back up
  source {
    exclude = ["*.tmp"]
  }
}

application "emptyhook" {
  hook "h" {
    command = [] # ERROR: Empty hook command
  }
}

application "emptypath" {
  source {
    paths = [""] # ERROR: Invalid source path
  }
}

application "bad/name" { # ERROR: Invalid application name
  source { paths = ["/srv/x"] }
}

application "badhook" {
  hook "a b" { # ERROR: Invalid hook name
    command = ["true"]
  }
}

destination "d" {
  remote = "/d"
  colour = "blue" # ERROR: Unsupported argument
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
  retain { last = 2 } # ERROR: Unsupported block type
}

application "a" {
  source { paths = ["/srv/a"] }
}

bucket "x" { # ERROR: Unsupported block type
}

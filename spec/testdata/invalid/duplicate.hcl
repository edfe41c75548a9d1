variable "root" {
  default = "/tmp"
}

variable "root" { # ERROR: Duplicate variable "root"
  default = "/x"
}

destination "d" {
  remote = var.root
}

destination "d" { # ERROR: Duplicate destination "d"
  remote = "/y"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

tier "t" { # ERROR: Duplicate tier "t"
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  source { paths = ["/srv/a"] }
  hook "h" {
    command = ["true"]
  }
  hook "h" { # ERROR: Duplicate hook "h"
    command = ["true"]
  }
}

application "a" { # ERROR: Duplicate application "a"
  source { paths = ["/srv/b"] }
}

settings {
  max_purge = 3
}

settings { # ERROR: Duplicate settings block
}

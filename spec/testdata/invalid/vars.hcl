variable "needed" { # ERROR: No value for required variable
}

variable "bad" {
  default = ["a"] # ERROR: Invalid default value
}

variable "2x" { # ERROR: Invalid variable name
  default = "x"
}

destination "d" {
  remote = "/d/${var.needed}"
}

destination "d" {
  remote = "/d"
  split  = [1, 2
} # ERROR: Missing item separator

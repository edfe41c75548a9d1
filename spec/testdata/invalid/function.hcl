destination "d" {
  remote = file("does-not-exist.txt") # ERROR: Error in function call
}

destination "e" {
  remote = nosuchfunc("x") # ERROR: Call to unknown function
}

destination "d" {
  remote = env("STRATA_TEST_UNSET") # not an error: only needed to write
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  server = env("STRATA_TEST_UNSET") # ERROR: Environment variable not set
  source { paths = ["/srv/a"] }
}

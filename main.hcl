destination "local" {
  remote = "/tmp/hx/store"
}
destination "far" {
  remote = ":sftp,host=127.0.0.1,port=2299,user=x:/srv"
  insecure_skip_host_key = true
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 2
  }
}
tier "remote" {
  from = tier.local
  destinations = [destination.far]
  keep {
    last = 2
  }
}
application "app" {
  source {
    paths = ["data"]
  }
}

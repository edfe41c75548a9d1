destination "usb" {
  remote    = "/media/usb/strata"
  removable = "yes" # ERROR: Incorrect attribute value type
}

tier "local" {
  destinations   = [destination.usb]
  detached_grace = "0s" # ERROR: Invalid detached_grace
  keep {
    last = 1
  }
}

tier "offsite" {
  from           = tier.local
  destinations   = [destination.usb]
  path           = "o/${app.name}"
  detached_grace = "soon" # ERROR: Invalid duration
  keep {
    last = 1
  }
}

application "app" {
  source {
    paths = ["/data"]
  }
}

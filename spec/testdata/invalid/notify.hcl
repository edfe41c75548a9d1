destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}

application "a" {
  source { paths = ["/a"] }
}

notify "nothing" { # ERROR: Notification without a channel
}

notify "badevent" {
  on      = ["failure", "explosion"] # ERROR: Unknown notification event
  command = ["true"]
}

notify "badurl" {
  webhook {
    url = "ftp://example.org/hook" # ERROR: Invalid webhook URL
  }
}

notify "badsmtp" {
  email {
    smtp = "mail.example.org" # ERROR: Invalid SMTP server
    from = "strata@example.org"
    to   = ["ops@example.org"]
  }
}

notify "emptycmd" {
  command = [] # ERROR: Empty command
}

notify "badsmtp" { # ERROR: Duplicate notify "badsmtp"
  command = ["true"]
}

notify "badping" {
  ping = "hc-ping.com/uuid" # ERROR: Invalid ping URL
}

notify "badapp" {
  ping        = "https://hc-ping.com/uuid"
  application = application.nope # ERROR: Reference to undeclared application
}

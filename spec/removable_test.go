package spec

import (
	"testing"
	"time"
)

// removable and detached_grace decode; a tier without detached_grace gets
// the default.
func TestRemovable(t *testing.T) {
	cfg := mustLoad(t, `
destination "local" {
  remote = "/b/local"
}
destination "usb-a" {
  remote    = "/media/offsite-a/strata"
  removable = true
}
tier "local" {
  destinations = [destination.local]
  keep {
    last = 3
  }
}
tier "offsite" {
  from           = tier.local
  destinations   = [destination.usb-a]
  detached_grace = "3d"
  keep {
    last = 3
  }
}
application "app" {
  source {
    paths = ["/data"]
  }
}
`, LoadOptions{LookupEnv: noEnv})
	if cfg.Destination("usb-a").Removable == false || cfg.Destination("local").Removable {
		t.Errorf("removable: usb-a %v, local %v", cfg.Destination("usb-a").Removable, cfg.Destination("local").Removable)
	}
	if g := cfg.Tier("offsite").DetachedGrace; g != 3*24*time.Hour {
		t.Errorf("offsite's detached_grace = %v, want 72h", g)
	}
	if g := cfg.Tier("local").DetachedGrace; g != DefaultDetachedGrace {
		t.Errorf("local's detached_grace = %v, want the default %v", g, DefaultDetachedGrace)
	}
}

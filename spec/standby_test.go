package spec

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// TestStandbyDecodes: a standby keeps its application, tier, cleaned
// absolute path, after command and timeout.
func TestStandbyDecodes(t *testing.T) {
	cfg, diags := loadSrc(t, movedTiers+`
standby "c-standby" {
  application = application.c
  from        = tier.remote
  path        = "/srv/c-standby/"
  after       = ["systemctl", "reload", "c"]
  timeout     = "5m"
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	s := cfg.Standby("c-standby")
	if s == nil || s.App != "c" || s.Tier != "remote" || s.Path != "/srv/c-standby" ||
		!slices.Equal(s.After, []string{"systemctl", "reload", "c"}) || s.Timeout != 5*time.Minute {
		t.Errorf("standby = %+v", s)
	}
}

// TestStandbyHoldingConfigDir: a standby whose refresh would replace the
// configuration directory is an error; one inside it is not.
func TestStandbyHoldingConfigDir(t *testing.T) {
	for path, bad := range map[string]bool{"${path.config}/..": true, "${path.config}/standby": false} {
		_, diags := loadSrc(t, movedTiers+`
standby "c" {
  application = application.c
  from        = tier.remote
  path        = "`+path+`"
}
`, LoadOptions{})
		if got := diags.HasErrors() && strings.Contains(diags.Error(), "holds the configuration directory"); got != bad {
			t.Errorf("path %s: diagnostics %v", path, diags)
		}
	}
}

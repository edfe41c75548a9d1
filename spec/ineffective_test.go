package spec

import (
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// TestIneffectiveSettingsWarn holds issue 11's rule: no attribute is accepted
// and then ignored. split, at any destination, is a warning that points at
// the attribute and says why it is no longer needed; transfers has an
// effect (the chunk store's parallelism) and is not.
func TestIneffectiveSettingsWarn(t *testing.T) {
	src := `
destination "origin" {
  remote = "/tmp/o"
  split  = "1GiB"
}
destination "far" {
  remote    = "/tmp/f"
  split     = "1GiB"
  transfers = 8
}
tier "local" {
  destinations = [destination.origin]
  keep {
    last = 1
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.far]
  keep {
    last = 1
  }
}
application "app" {
  source {
    paths = ["/tmp"]
  }
}
`
	_, diags := loadSrc(t, src, LoadOptions{})
	var got []string
	for _, d := range diags {
		if d.Severity != hcl.DiagWarning || d.Subject == nil {
			t.Errorf("unexpected diagnostic %v", d)
			continue
		}
		got = append(got, d.Summary+"@"+strings.TrimSpace(string(d.Subject.SliceBytes([]byte(src)))))
		if !strings.Contains(d.Detail, "chunks of at most 4 MiB") {
			t.Errorf("warning %q does not say why: %s", d.Summary, d.Detail)
		}
	}
	want := []string{`split is no longer needed@split  = "1GiB"`, `split is no longer needed@split     = "1GiB"`}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("warnings:\n got %q\nwant %q", got, want)
	}
}

//go:build strata_faults

package executor

import (
	"strings"
	"testing"
)

func TestParseFault(t *testing.T) {
	for in, want := range map[string]struct {
		step string
		nth  int
	}{
		"before-manifest":  {"before-manifest", 1},
		"after-chunk:3":    {"after-chunk", 3},
		"after-chunk:zero": {"after-chunk", 1},
	} {
		got := parseFault(in)
		if got == nil || got.step != want.step || got.nth != want.nth {
			t.Errorf("parseFault(%q) = %v, want %v", in, got, want)
		}
	}
	if parseFault("") != nil {
		t.Error("an unset STRATA_FAULT injects a fault")
	}
}

func TestFaultStepsAreDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range FaultSteps {
		if seen[s] || s == "" || strings.Contains(s, ":") {
			t.Errorf("fault step %q is empty, repeated or contains ':'", s)
		}
		seen[s] = true
	}
	if !FaultsBuilt {
		t.Error("a strata_faults build says it has no fault points")
	}
}

package spec

import (
	"strings"
	"testing"
)

func TestNodes(t *testing.T) {
	cfg := mustLoad(t, minimal+`
tier "pull" {
  from         = tier.t
  destinations = [destination.d]
  path         = "pull/${app.name}"
  node         = "backup1"
  keep { last = 1 }
}

variable "host" {
  default = "zg-3.softxs.ch"
}

application "x" {
  node = var.host
  source { paths = ["/srv/x"] }
}
`, LoadOptions{})
	if got := cfg.Tier("pull").Node; got != "backup1" {
		t.Errorf("tier node = %q, want backup1", got)
	}
	if got := cfg.Tier("t").Node; got != "" {
		t.Errorf("origin tier node = %q, want none", got)
	}
	var x *Application
	for _, a := range cfg.Applications {
		if a.Name == "x" {
			x = a
		}
	}
	if x == nil || x.Node != "zg-3.softxs.ch" {
		t.Fatalf("application x = %+v, want node zg-3.softxs.ch", x)
	}
	if !cfg.UsesNodes() {
		t.Error("UsesNodes = false with two nodes")
	}
	if mustLoad(t, minimal, LoadOptions{}).UsesNodes() {
		t.Error("UsesNodes = true without any node")
	}
}

func TestCheckNodeName(t *testing.T) {
	for _, ok := range []string{"a", "zg-3.softxs.ch", "backup_1", "9", strings.Repeat("a", MaxNodeName)} {
		if err := CheckNodeName(ok); err != nil {
			t.Errorf("CheckNodeName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", " a", "a b", ".a", "a/b", "é", "a\n", strings.Repeat("a", MaxNodeName+1)} {
		if err := CheckNodeName(bad); err == nil {
			t.Errorf("CheckNodeName(%q) = nil, want an error", bad)
		}
	}
}

func TestApplicationWithoutNodeInAFleetWarns(t *testing.T) {
	_, diags := loadSrc(t, minimal+`
application "pinned" {
  node = "zg-3"
  source { paths = ["/srv/p"] }
}
application "loose" {
  source { paths = ["/srv/l"] }
}
`, LoadOptions{})
	var got []string
	for _, d := range diags {
		got = append(got, d.Summary+": "+d.Detail)
	}
	if len(diags) != 1 || diags.HasErrors() || !strings.Contains(got[0], `"loose"`) {
		t.Errorf("diagnostics = %q, want one warning naming loose", got)
	}
	if _, diags := loadSrc(t, minimal, LoadOptions{}); len(diags) != 0 {
		t.Errorf("without nodes: %v, want none", diags)
	}
}

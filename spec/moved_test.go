package spec

import (
	"reflect"
	"testing"
)

const movedTiers = `
destination "d" {
  remote = "/d"
}

tier "local" {
  destinations = [destination.d]
  path         = "${app.vm}/${app.name}"
  keep { last = 1 }
}

tier "remote" {
  from         = tier.local
  destinations = [destination.d]
  path         = "remote/${app.server}/${app.vm}/${app.name}"
  keep { last = 1 }
}

application "c" {
  server = "zg-3"
  vm     = "web"
  source { paths = ["/srv/c"] }
}
`

// TestMovedChain: A→B then B→C, the second with a change of server, gives
// C both older names' paths, newest first; a path that did not change is
// not listed.
func TestMovedChain(t *testing.T) {
	cfg, diags := loadSrc(t, movedTiers+`
moved {
  from = application.b
  to   = application.c
  from_labels = { server = "zg-1" }
}
moved {
  from = application.a
  to   = application.b
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := cfg.Application("c").Previous
	want := []map[string]string{
		{"local": "web/b", "remote": "remote/zg-1/web/b"},
		{"local": "web/a", "remote": "remote/zg-1/web/a"},
	}
	if len(got) != 2 || got[0].Name != "b" || got[1].Name != "a" {
		t.Fatalf("previous = %+v", got)
	}
	for i := range want {
		if !reflect.DeepEqual(got[i].Paths, want[i]) {
			t.Errorf("previous[%d].Paths = %v, want %v", i, got[i].Paths, want[i])
		}
	}
}

// TestMovedLabelsOnly: moving an application from one server to another
// keeps its name; only the paths that use the server change.
func TestMovedLabelsOnly(t *testing.T) {
	cfg, diags := loadSrc(t, movedTiers+`
moved {
  from = application.c
  to   = application.c
  from_labels = { server = "zg-1" }
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := cfg.Application("c").Previous
	if len(got) != 1 || !reflect.DeepEqual(got[0].Paths, map[string]string{"remote": "remote/zg-1/web/c"}) {
		t.Fatalf("previous = %+v", got)
	}
}

// TestRemovedPaths: a removed application's paths are evaluated at every
// tier with the labels the block gives.
func TestRemovedPaths(t *testing.T) {
	cfg, diags := loadSrc(t, movedTiers+`
removed {
  from        = application.old
  destroy     = true
  from_labels = { server = "zg-1", vm = "db" }
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	r := cfg.RemovedApp("old")
	want := map[string]string{"local": "db/old", "remote": "remote/zg-1/db/old"}
	if r == nil || !r.Destroy || !reflect.DeepEqual(r.Paths, want) {
		t.Fatalf("removed = %+v", r)
	}
}

// TestMovedSamePathAtEveryTier: tiers with the default path share the old
// path; each tier still gets it.
func TestMovedSamePathAtEveryTier(t *testing.T) {
	cfg, diags := loadSrc(t, `
destination "d" {
  remote = "/d"
}
destination "e" {
  remote = "/e"
}
tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}
tier "u" {
  from         = tier.t
  destinations = [destination.e]
  keep { last = 1 }
}
application "app" {
  source { paths = ["/srv"] }
}
moved {
  from = application.old
  to   = application.app
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := cfg.Application("app").Previous
	if len(got) != 1 || !reflect.DeepEqual(got[0].Paths, map[string]string{"t": "old", "u": "old"}) {
		t.Fatalf("previous = %+v", got)
	}
}

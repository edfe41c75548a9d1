package planner

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/spec"
)

// TestGCAfterPurges: a destination where the plan purges gets one gc, last,
// depending on every other action that writes or reads there (DESIGN.md §2
// rule d); a destination without purges gets none.
func TestGCAfterPurges(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), nov21, Options{})
	wantDeps(t, p, "gc:local",
		"purge:hydro:local/local:2026-11-14T02:00:00Z",
		"snapshot:hydro:local/local:new",
		"transfer:hydro:remote/backup1:new") // reads the new snapshot at local
	wantDeps(t, p, "gc:offsite",
		"purge:hydro:offsite/offsite:2026-11-20T02:00:00Z",
		"transfer:hydro:offsite/offsite:new")
	if slices.Contains(keys(p), "gc:backup1") {
		t.Errorf("gc at backup1, where nothing is purged")
	}
	for i, a := range p.Actions {
		if a.Kind == GC && i < len(p.Actions)-2 {
			t.Errorf("%s is not among the last actions: %q", a.Key, keys(p))
		}
	}
	g := action(t, p, "gc:local")
	if g.GC == nil || g.GC.Grace != DefaultGCGrace || g.GC.Rule != GCRule || g.GC.Purges != 1 || g.Reason != "after 1 purge" {
		t.Errorf("gc:local = %+v %+v", g, g.GC)
	}
	if p.Summary["gc"] != 2 || !strings.HasSuffix(SummaryLine(p.Summary), ", 2 gc.") {
		t.Errorf("summary %v: %q", p.Summary, SummaryLine(p.Summary))
	}
}

// TestGCWaitsForOtherApplications: the destination's chunk store is shared,
// so the gc after one application's purges waits for another application's
// snapshot there too.
func TestGCWaitsForOtherApplications(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 3}}
	cfg := newConfig([]*spec.Tier{local}, newApp("alpha", local), newApp("beta", local))
	inv := emptyInventory()
	put(inv, cfg, "alpha", localLoc, daily(nov20, 4)...)
	put(inv, cfg, "beta", localLoc, nov20)
	p := mustPlan(t, cfg, inv, nov21, Options{})
	wantDeps(t, p, "gc:local",
		"purge:alpha:local/local:2026-11-17T02:00:00Z",
		"purge:alpha:local/local:2026-11-18T02:00:00Z",
		"snapshot:alpha:local/local:new",
		"snapshot:beta:local/local:new")
	if a := action(t, p, "gc:local"); a.Reason != "after 2 purges" {
		t.Errorf("reason %q", a.Reason)
	}
}

// TestGCNotAfterFailedListing: a failed listing means no purge, so no gc.
func TestGCNotAfterFailedListing(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	inv.Failed["backup1"] = "connection refused"
	p, _ := BuildPlan(cfg, inv, nov21, Options{})
	for _, k := range keys(p) {
		if strings.HasPrefix(k, "gc:") || strings.HasPrefix(k, "purge:") {
			t.Errorf("%s planned although a listing failed", k)
		}
	}
}

func TestGCGraceSetting(t *testing.T) {
	cfg := testConfig()
	grace := 3 * time.Hour
	cfg.Settings.GCGrace = &grace
	p := mustPlan(t, cfg, steadyInventory(cfg), nov21, Options{})
	if g := action(t, p, "gc:local").GC; g.Grace != grace {
		t.Errorf("grace %v, want %v", g.Grace, grace)
	}
}

// TestGCPlan: strata gc plans a gc at each destination asked for (every one
// by default) and nothing else; a failed listing gets a warning instead,
// and an unknown name is an error.
func TestGCPlan(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	p, err := BuildGCPlan(cfg, inv, nov21, GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, p, "gc:local", "gc:backup1", "gc:offsite")
	if a := action(t, p, "gc:backup1"); len(a.DependsOn) != 0 || a.GC.Purges != 0 || a.GC.DryRun {
		t.Errorf("gc:backup1 = %+v %+v", a, a.GC)
	}
	inv.Failed["backup1"] = "connection refused"
	p, err = BuildGCPlan(cfg, inv, nov21, GCOptions{Destinations: []string{"backup1", "offsite"}, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	wantKeys(t, p, "gc:offsite")
	if !hasWarning(p, `listing of destination "backup1" failed`, "connection refused", "gc deletes nothing") {
		t.Errorf("warnings %q", p.Warnings)
	}
	if a := action(t, p, "gc:offsite"); !a.GC.DryRun || !strings.Contains(a.Reason, "dry run") {
		t.Errorf("dry run not recorded: %+v", a)
	}
	if _, err := BuildGCPlan(cfg, inv, nov21, GCOptions{Destinations: []string{"nas"}}); err == nil ||
		!strings.Contains(err.Error(), `"nas"`) || !strings.Contains(err.Error(), "local, backup1, offsite") {
		t.Errorf("unknown destination: %v", err)
	}
}

// TestGCRender: the human form names the destination and why.
func TestGCRender(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, steadyInventory(cfg), nov21, Options{})
	b, err := p.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := RenderJSON(&out, b, RenderOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"  - gc        local  (after 1 purge)\n", "Plan: 1 snapshot, 2 transfers, 2 purges, 2 verifies, 2 gc.\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("no %q in\n%s", want, out.String())
		}
	}
}

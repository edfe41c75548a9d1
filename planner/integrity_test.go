package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// sampleConfig is one tier "remote" that keeps 100 snapshots and verifies every
// 7 days, a sample percent at a time.
func sampleConfig(sample int) *spec.Config {
	remote := &spec.Tier{Name: "remote", Destinations: dests("backup1"), Keep: spec.Keep{Last: 100},
		Verify: &spec.Verify{Every: 7 * day, Sample: sample}}
	return newConfig([]*spec.Tier{remote}, newApp("hydro", remote))
}

// existingVerifies lists the IDs of the plan's verifications of copies that
// already exist (not those that follow a write).
func existingVerifies(p *Plan) []string {
	var ids []string
	for _, a := range p.Actions {
		if a.Kind == Verify && len(a.DependsOn) == 0 {
			ids = append(ids, a.Snapshot)
		}
	}
	return ids
}

func TestVerifySampleCoversEveryCopyWithinBound(t *testing.T) {
	const sample, groups = 25, 4
	cfg := sampleConfig(sample)
	loc := loc("remote", "backup1")
	start := ts("2026-10-01T02:00:00Z")
	inv := emptyInventory()
	put(inv, cfg, "hydro", loc, daily(start.Add(39*day), 40)...)
	// Everything was verified at once: all copies are due on the same day.
	for i := range inv.Copies["hydro"][loc] {
		inv.Copies["hydro"][loc][i].Verified = start.Add(39 * day)
	}
	due := start.Add(46*day + time.Hour)
	seen := map[string]int{}
	for d := range groups {
		now := due.Add(time.Duration(d) * day)
		p := mustPlan(t, cfg, inv, now, Options{})
		ids := existingVerifies(p)
		if len(ids) == 0 || len(ids) > 40*3/4 {
			t.Errorf("day %d verifies %d of 40 copies; want a sample", d, len(ids))
		}
		for _, id := range ids {
			seen[id]++
			if a := action(t, p, "verify:hydro:remote/backup1:"+id); !strings.Contains(a.Reason, "sample 25%") {
				t.Errorf("reason %q does not mention the sample", a.Reason)
			}
		}
		again := mustPlan(t, cfg, inv, now, Options{})
		if strings.Join(existingVerifies(again), ",") != strings.Join(ids, ",") {
			t.Errorf("day %d: the sample is not deterministic", d)
		}
		simulateVerifies(inv, p, now)
	}
	if len(seen) != 40 {
		t.Errorf("after %d daily plans %d of 40 copies were verified; want all", groups, len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("%s verified %d times in %d days", id, n, groups)
		}
	}
}

func TestVerifySampleBoundHoldsForSparseRuns(t *testing.T) {
	cfg := sampleConfig(10) // 10 groups: a weekly run sees only some of them
	loc := loc("remote", "backup1")
	start := ts("2026-10-01T02:00:00Z")
	inv := emptyInventory()
	put(inv, cfg, "hydro", loc, daily(start.Add(39*day), 40)...)
	last := map[string]time.Time{}
	for _, c := range inv.Copies["hydro"][loc] {
		last[c.ID.String()] = c.Verified
	}
	bound := 7*day + 9*day + 7*day // every + (groups-1) days + one run interval
	now := start.Add(40 * day)
	for range 12 {
		now = now.Add(7 * day)
		p := mustPlan(t, cfg, inv, now, Options{})
		simulateVerifies(inv, p, now)
		for _, c := range inv.Copies["hydro"][loc] {
			if now.Sub(c.Verified) > bound {
				t.Fatalf("at %s copy %s was last verified %s: beyond the bound", now, c.ID, c.Verified)
			}
		}
	}
}

// simulateVerifies marks the copies the plan verifies as verified at now.
func simulateVerifies(inv *Inventory, p *Plan, now time.Time) {
	for _, a := range p.Actions {
		if a.Kind != Verify || a.Snapshot == "" {
			continue
		}
		id, _ := snapshot.ParseID(a.Snapshot)
		mutate(inv, a, id, func(c *Copy) { c.Verified = now })
	}
}

func TestVerifyWithoutSampleChecksEveryDueCopy(t *testing.T) {
	for _, s := range []int{0, 100} {
		cfg := sampleConfig(s)
		inv := emptyInventory()
		put(inv, cfg, "hydro", loc("remote", "backup1"), daily(ts("2026-10-10T02:00:00Z"), 10)...)
		p := mustPlan(t, cfg, inv, ts("2026-11-30T03:00:00Z"), Options{})
		if n := len(existingVerifies(p)); n != 10 {
			t.Errorf("sample %d: %d verifies, want 10", s, n)
		}
	}
}

func TestEmptyListingHoldsEveryPurge(t *testing.T) {
	cfg := testConfig()
	inv := steadyInventory(cfg)
	if p := mustPlan(t, cfg, inv, nov21, Options{}); p.Summary["purge"] == 0 {
		t.Fatal("the steady plan should purge something; the test proves nothing")
	}
	// The remote disk is not mounted: its listing succeeds and is empty.
	delete(inv.Copies["hydro"], remoteLoc)
	inv.Empty = map[string]bool{"backup1": true}
	p := mustPlan(t, cfg, inv, nov21, Options{})
	for _, a := range p.Actions {
		if a.Kind == Purge {
			t.Errorf("plan with an empty listing purges: %s", a.Key)
		}
	}
	if !hasWarning(p, `"backup1"`, "came back empty", "purges nothing") {
		t.Errorf("no warning says why: %q", p.Warnings)
	}
	action(t, p, "snapshot:hydro:local/local:new")
}

func TestEmptyNewDestinationWithNothingElsewhereHoldsNothing(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	inv.Empty = map[string]bool{"local": true, "backup1": true, "offsite": true}
	p := mustPlan(t, cfg, inv, nov21, Options{})
	if len(p.Warnings) != 0 {
		t.Errorf("a first plan on empty destinations warns: %q", p.Warnings)
	}
}

func TestBuildInventoryMarksEmptyListings(t *testing.T) {
	cfg := testConfig()
	dir := "local/hydro/2026/11/20/020000Z"
	inv := BuildInventory(cfg, []Listing{
		{Destination: "local", Entries: completeEntries(dir, nov20, 1)},
		{Destination: "backup1", Entries: []Entry{{Path: ".strata/locks/x.json", Size: 10}}},
		{Destination: "offsite", Err: "boom"},
	})
	if inv.Empty["local"] || !inv.Empty["backup1"] || inv.Empty["offsite"] {
		t.Errorf("Empty = %v; want only backup1", inv.Empty)
	}
}

func TestSnapshotOfTheSameSecondWaitsForCleanupOfTheIncompleteOne(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	id := snapshot.NewID(nov21)
	putCopy(inv, "hydro", localLoc, Copy{ID: id, Dir: "local/hydro/" + id.Dir(), Size: 10, ModTime: nov21})
	p := mustPlan(t, cfg, inv, nov21, Options{})
	wantDeps(t, p, "snapshot:hydro:local/local:new", "cleanup:hydro:local/local:"+id.String())
	if len(p.Warnings) != 0 {
		t.Errorf("warnings %q", p.Warnings)
	}
}

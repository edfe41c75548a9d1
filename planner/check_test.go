package planner

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// checkConfig is testConfig with a weekly check of hydro at tier remote.
func checkConfig() *spec.Config {
	cfg := testConfig()
	cfg.Checks = []*spec.Check{{Name: "opens", Application: "hydro", From: "remote", Every: 7 * day,
		Paths: []string{"srv/db"}, Command: []string{"true"}, Timeout: time.Hour}}
	return cfg
}

// checkInventory holds daily copies of hydro at local and remote up to the
// morning of now (no schedule tick due before 02:00 tomorrow).
func checkInventory(cfg *spec.Config, newest time.Time) *Inventory {
	inv := emptyInventory()
	put(inv, cfg, "hydro", loc("local", "local"), daily(newest, 3)...)
	put(inv, cfg, "hydro", loc("remote", "backup1"), daily(newest, 3)...)
	return inv
}

func checkActions(p *Plan) []Action {
	var out []Action
	for _, a := range p.Actions {
		if a.Kind == Check {
			out = append(out, a)
		}
	}
	return out
}

// TestCheckNeverCheckedIsDue: a check with no checked.json at its tier
// tests the newest healthy copy there, with every parameter in the action.
func TestCheckNeverCheckedIsDue(t *testing.T) {
	cfg := checkConfig()
	newest := ts("2026-11-20T02:00:00Z")
	p, err := BuildPlan(cfg, checkInventory(cfg, newest), ts("2026-11-20T09:00:00Z"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs := checkActions(p)
	if len(cs) != 1 {
		t.Fatalf("want one check, got %v", keys(p))
	}
	a := cs[0]
	if a.Location != loc("remote", "backup1") || a.Snapshot != snapshot.NewID(newest).String() || a.Reason != "never checked" {
		t.Errorf("check = %+v", a)
	}
	if a.CheckRun == nil || a.CheckRun.Name != "opens" || !slices.Equal(a.CheckRun.Paths, []string{"srv/db"}) ||
		a.CheckRun.Timeout != time.Hour || a.Dir != snapshot.Path("remote/hydro", snapshot.NewID(newest)) {
		t.Errorf("check parameters = %+v", a.CheckRun)
	}
	if p.Summary["check"] != 1 || !strings.Contains(SummaryLine(p.Summary), "1 check") {
		t.Errorf("summary %v", p.Summary)
	}
	if p.NextWakeup == nil || !p.NextWakeup.At.Before(ts("2026-11-21T02:00:01Z")) {
		t.Errorf("next wakeup %+v", p.NextWakeup)
	}
}

// TestCheckNotDueUntilEvery: a check that ran within every plans nothing,
// and the plan wakes when it falls due; once every passed it is due again,
// on the newest healthy copy even if an older one carries the mark.
func TestCheckNotDueUntilEvery(t *testing.T) {
	cfg := checkConfig()
	newest := ts("2026-11-20T02:00:00Z")
	inv := checkInventory(cfg, newest)
	checked := ts("2026-11-19T10:00:00Z")
	cs := inv.Copies["hydro"][loc("remote", "backup1")]
	cs[1].Checked = checked // the copy of the 19th
	// the 23rd at 01:00: the schedule is not due, the check not yet (due the 26th)
	p, _ := BuildPlan(cfg, inv, ts("2026-11-20T09:00:00Z"), Options{})
	if got := checkActions(p); len(got) != 0 {
		t.Fatalf("check planned within every: %v", keys(p))
	}
	due := checked.Add(7 * day)
	// the newest copy is from the 20th: advance only the check's clock
	p, _ = BuildPlan(cfg, inv, due.Add(-time.Second), Options{})
	if got := checkActions(p); len(got) != 0 {
		t.Fatalf("check planned a second early: %v", keys(p))
	}
	p, _ = BuildPlan(cfg, inv, due, Options{})
	got := checkActions(p)
	if len(got) != 1 || !strings.Contains(got[0].Reason, "last checked 2026-11-19T10:00:00Z") {
		t.Fatalf("check at due time: %+v", got)
	}
	// the plan brings a newer snapshot to the tier: the check tests it,
	// after the transfer that brings it
	if got[0].Snapshot != "" || !slices.Equal(got[0].DependsOn, []string{"transfer:hydro:remote/backup1:new"}) {
		t.Errorf("check of the new snapshot: %+v", got[0])
	}
	cfg.Applications[0].Schedule = mustSchedule("0 2 1 1 *", "UTC") // no new snapshot: the newest there
	p, _ = BuildPlan(cfg, inv, due, Options{})
	got = checkActions(p)
	if len(got) != 1 || got[0].Snapshot != snapshot.NewID(newest).String() || len(got[0].DependsOn) != 0 {
		t.Fatalf("check of the newest existing copy: %v", keys(p))
	}
}

// TestCheckWakesWhenDue: between checks the plan's next wake-up is the
// check's due time when nothing comes sooner.
func TestCheckWakesWhenDue(t *testing.T) {
	cfg := checkConfig()
	cfg.Applications[0].Schedule = mustSchedule("0 2 1 * *", "UTC") // monthly: the check comes first
	newest := ts("2026-11-01T02:00:00Z")
	inv := checkInventory(cfg, newest)
	inv.Copies["hydro"][loc("remote", "backup1")][2].Checked = ts("2026-11-02T00:00:00Z")
	cfg.Tiers[1].Verify = nil
	p, _ := BuildPlan(cfg, inv, ts("2026-11-03T00:00:00Z"), Options{})
	if p.NextWakeup == nil || !p.NextWakeup.At.Equal(ts("2026-11-09T00:00:00Z")) || !strings.Contains(p.NextWakeup.Reason, `check "opens"`) {
		t.Fatalf("next wakeup %+v", p.NextWakeup)
	}
}

// TestCheckSkipsUnhealthyAndFailedListings: a corrupt newest copy is
// tested only after its repair (the older healthy one when it cannot be
// repaired); a failed listing at the tier plans no check and says so.
func TestCheckSkipsUnhealthyAndFailedListings(t *testing.T) {
	cfg := checkConfig()
	newest := ts("2026-11-20T02:00:00Z")
	inv := checkInventory(cfg, newest)
	cs := inv.Copies["hydro"][loc("remote", "backup1")]
	cs[2].Corrupt = cs[2].Verified.Add(time.Hour)
	p, _ := BuildPlan(cfg, inv, ts("2026-11-20T09:00:00Z"), Options{})
	got := checkActions(p)
	if len(got) != 1 || got[0].Snapshot != snapshot.NewID(newest).String() ||
		!slices.Equal(got[0].DependsOn, []string{"repair:hydro:remote/backup1:2026-11-20T02:00:00Z"}) {
		t.Fatalf("check of a corrupt copy: %+v", got)
	}
	lc := inv.Copies["hydro"][loc("local", "local")]
	lc[2].Corrupt = lc[2].Verified.Add(time.Hour) // nothing to repair it from
	cfg.Applications[0].Schedule = mustSchedule("0 2 1 1 *", "UTC")
	p, _ = BuildPlan(cfg, inv, ts("2026-11-20T09:00:00Z"), Options{})
	got = checkActions(p)
	if len(got) != 1 || got[0].Snapshot != snapshot.NewID(newest.Add(-day)).String() || len(got[0].DependsOn) != 0 {
		t.Fatalf("check with an unrepairable corrupt copy: %+v", got)
	}
	inv.Failed["backup1"] = "boom"
	p, _ = BuildPlan(cfg, inv, ts("2026-11-20T09:00:00Z"), Options{})
	if len(checkActions(p)) != 0 || !hasWarning(p, `check "opens" waits`) {
		t.Fatalf("check with a failed listing: %v %v", keys(p), p.Warnings)
	}
}

// TestCheckedMarkFromListing: checked.json's modtime is what the inventory
// records; it does not make a copy less healthy.
func TestCheckedMarkFromListing(t *testing.T) {
	cfg := checkConfig()
	id := snapshot.NewID(ts("2026-11-20T02:00:00Z"))
	dir := snapshot.Path("remote/hydro", id)
	at := ts("2026-11-20T05:00:00Z")
	entries := append(completeEntries(dir, id.Time(), 1), Entry{Path: dir + "/" + snapshot.CheckedName, Size: 300, ModTime: at})
	inv := BuildInventory(cfg, []Listing{{Destination: "backup1", Entries: entries}})
	c := inv.Copies["hydro"][loc("remote", "backup1")][0]
	if !c.Checked.Equal(at) || !c.Healthy() {
		t.Fatalf("copy %+v", c)
	}
}

// TestCheckRunsWhileADriveIsAway: a detached destination of the check's
// tier (drives in rotation) holds the check back no more than a purge; it
// tests the newest healthy copy at an attached one.
func TestCheckRunsWhileADriveIsAway(t *testing.T) {
	cfg := checkConfig()
	remote := cfg.Tiers[1]
	remote.Destinations = append(remote.Destinations, &spec.Destination{Name: "usb"})
	cfg.Destinations = append(cfg.Destinations, remote.Destinations[1])
	newest := ts("2026-11-20T02:00:00Z")
	inv := checkInventory(cfg, newest)
	inv.Detached = map[string]string{"usb": "no marker"}
	p, err := BuildPlan(cfg, inv, ts("2026-11-20T09:00:00Z"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := checkActions(p)
	if len(got) != 1 || got[0].Location != loc("remote", "backup1") || hasWarning(p, `check "opens" waits`) {
		t.Fatalf("check with a detached drive at its tier: %v %v", keys(p), p.Warnings)
	}
}

package planner

import (
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/spec"
)

var year2099 = ts("2099-01-01T00:00:00Z")

// futureInventory is the steady inventory plus a snapshot dated 2099 at
// local and remote, as `apply --now 2099-01-01T00:00:00Z` leaves it.
func futureInventory(cfg *spec.Config) *Inventory {
	inv := steadyInventory(cfg)
	put(inv, cfg, "hydro", localLoc, year2099)
	put(inv, cfg, "hydro", remoteLoc, year2099)
	return inv
}

// TestFutureSnapshotDoesNotSatisfySchedule: the schedule is judged from now,
// as if the misdated snapshot were not there, and retention does not count
// it: the plan is the one of TestNextDay, action for action, with a warning
// that names the snapshot at each location.
func TestFutureSnapshotDoesNotSatisfySchedule(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, futureInventory(cfg), nov21, Options{})
	wantKeys(t, p,
		"snapshot:hydro:local/local:new",
		"purge:hydro:local/local:2026-11-14T02:00:00Z",
		"transfer:hydro:remote/backup1:new",
		"verify:hydro:remote/backup1:2026-11-14T02:00:00Z",
		"verify:hydro:remote/backup1:new",
		"transfer:hydro:offsite/offsite:new",
		"purge:hydro:offsite/offsite:2026-11-20T02:00:00Z",
		"gc:local", "gc:offsite")
	reason := action(t, p, "snapshot:hydro:local/local:new").Reason
	if !strings.Contains(reason, `schedule "0 2 * * *" ticked at 2026-11-21T02:00:00Z; newest snapshot is 2026-11-20T02:00:00Z`) ||
		!strings.Contains(reason, "2099-01-01T00:00:00Z, dated in the future, does not count") {
		t.Errorf("snapshot reason %q", reason)
	}
	for _, l := range []Location{localLoc, remoteLoc} {
		if !hasWarning(p, "snapshot 2099-01-01T00:00:00Z of hydro at "+l.String(), "dated later than now (2026-11-21T02:00:30Z)",
			"5m allowed for clock skew", `at destination "`+l.Destination+`"`) {
			t.Errorf("no warning names the future snapshot at %s: %q", l, p.Warnings)
		}
	}
	if len(p.Warnings) != 2 {
		t.Errorf("warnings %q, want the two about 2099", p.Warnings)
	}
}

// TestFutureSnapshotBeforeTheTick: before the tick nothing is due, and the
// warning is there all the same.
func TestFutureSnapshotBeforeTheTick(t *testing.T) {
	cfg := testConfig()
	p := mustPlan(t, cfg, futureInventory(cfg), ts("2026-11-21T01:59:59Z"), Options{})
	wantKeys(t, p)
	if !hasWarning(p, "snapshot 2099-01-01T00:00:00Z of hydro at local/local") {
		t.Errorf("warnings %q", p.Warnings)
	}
}

// TestFutureSnapshotOnly: with only a misdated snapshot, one is due now.
func TestFutureSnapshotOnly(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 2}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, year2099)
	p := mustPlan(t, cfg, inv, nov21, Options{})
	wantKeys(t, p, "snapshot:hydro:local/local:new")
	if got := action(t, p, "snapshot:hydro:local/local:new").Reason; !strings.Contains(got, "2099-01-01T00:00:00Z, dated in the future") {
		t.Errorf("reason %q", got)
	}
}

// TestClockSkewTolerated: a snapshot up to ClockSkew ahead of now counts as
// made; one beyond it does not.
func TestClockSkewTolerated(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 5}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	now := ts("2026-11-21T02:00:00Z")
	for _, tc := range []struct {
		ahead time.Duration
		due   bool
	}{{time.Minute, false}, {ClockSkew, false}, {ClockSkew + time.Second, true}} {
		inv := emptyInventory()
		put(inv, cfg, "hydro", localLoc, nov20, now.Add(tc.ahead))
		p := mustPlan(t, cfg, inv, now, Options{})
		if got := len(p.Actions) == 1; got != tc.due || hasWarning(p, "clock skew") != tc.due {
			t.Errorf("snapshot %s ahead: actions %q warnings %q; want a snapshot and a warning: %v", tc.ahead, keys(p), p.Warnings, tc.due)
		}
	}
}

// TestFutureSnapshotDoesNotPushRetention: `within` counts from the newest
// snapshot; a 2099 one must not make every real snapshot look old, nor may
// `last` count it. It is never purged either.
func TestFutureSnapshotDoesNotPushRetention(t *testing.T) {
	local := &spec.Tier{Name: "local", Destinations: dests("local"), Keep: spec.Keep{Last: 2, Within: 3 * day}}
	cfg := newConfig([]*spec.Tier{local}, newApp("hydro", local))
	inv := emptyInventory()
	put(inv, cfg, "hydro", localLoc, daily(nov20, 6)...)
	put(inv, cfg, "hydro", localLoc, year2099)
	max := 10
	p := mustPlan(t, cfg, inv, ts("2026-11-20T12:00:00Z"), Options{MaxPurge: &max})
	// within 3d of Nov 20 02:00 keeps Nov 18, 19, 20; Nov 15-17 go.
	wantKeys(t, p,
		"purge:hydro:local/local:2026-11-15T02:00:00Z",
		"purge:hydro:local/local:2026-11-16T02:00:00Z",
		"purge:hydro:local/local:2026-11-17T02:00:00Z",
		"gc:local")
}

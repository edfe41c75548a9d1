package reconcile

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// TestStandbyStale: a standby is stale when its tier's newest snapshot is
// newer than the one it holds by more than one schedule period, and the
// stale notification names it.
func TestStandbyStale(t *testing.T) {
	sched, err := spec.ParseSchedule("@hourly", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	tier := &spec.Tier{Name: "remote", Destinations: []*spec.Destination{{Name: "b"}}}
	cfg := &spec.Config{Tiers: []*spec.Tier{tier},
		Applications: []*spec.Application{{Name: "x", Schedule: sched, Tiers: []*spec.Tier{tier}}},
		Standbys:     []*spec.Standby{{Name: "x-standby", App: "x", Tier: "remote", Path: "/srv/x"}}}
	t0 := time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)
	now := t0.Add(5 * time.Hour)
	for _, c := range []struct {
		held, newest time.Time
		stale        bool
	}{
		{t0, t0, false},
		{t0, t0.Add(time.Hour), false}, // one period behind: a refresh is on its way
		{t0, t0.Add(2 * time.Hour), true},
		{time.Time{}, t0, true}, // empty while the tier is not
	} {
		inv := &planner.Inventory{Copies: map[string]map[planner.Location][]planner.Copy{"x": {
			{Tier: "remote", Destination: "b"}: {{ID: snapshot.NewID(c.newest), Complete: true}}}}}
		st := planner.StandbyState{Path: "/srv/x"}
		if !c.held.IsZero() {
			st.Held = &planner.StandbyHeld{Snapshot: snapshot.NewID(c.held).String(), App: "x"}
		}
		planner.AddStandbys(inv, []planner.StandbyState{st})
		ss := Standbys(cfg, inv, now)
		if len(ss) != 1 || ss[0].Stale != c.stale {
			t.Errorf("held %s, newest %s: %+v, want stale=%v", c.held, c.newest, ss, c.stale)
		}
		stale := Stale(cfg, inv, now)
		found := false
		for _, s := range stale {
			found = found || s.Tier == StandbyTierPrefix+"x-standby"
		}
		if found != c.stale {
			t.Errorf("held %s, newest %s: Stale() = %+v", c.held, c.newest, stale)
		}
	}
}

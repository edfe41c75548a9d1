package planner

import (
	"slices"
	"testing"
	"time"

	"github.com/stratabackup/strata/spec"
)

func mustWindow(expr, zone string) *spec.Window {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	w, err := spec.ParseWindow(expr, loc)
	if err != nil {
		panic(err)
	}
	return w
}

// windowConfig is testConfig without verification, with hydro's window
// set; its snapshots of the last 7 days are at every tier but offsite, which
// misses the newest.
func windowConfig(expr, zone string) (*spec.Config, *Inventory) {
	cfg := testConfig()
	cfg.Tiers[1].Verify = nil
	cfg.Applications[0].Schedule = mustSchedule("0 2 * * *", zone)
	cfg.Applications[0].Window = mustWindow(expr, zone)
	inv := emptyInventory()
	times := daily(ts("2026-11-20T02:00:00Z"), 7)
	put(inv, cfg, "hydro", loc("local", "local"), times...)
	put(inv, cfg, "hydro", loc("remote", "backup1"), times...)
	return cfg, inv
}

// TestWindowHoldsSnapshotsAndTransfers: outside the window no snapshot or
// transfer is planned, one warning says when the window opens and the plan
// wakes up then; inside it (midnight crossed or not) they are planned.
func TestWindowHoldsSnapshotsAndTransfers(t *testing.T) {
	for _, c := range []struct {
		name, expr, zone, now string
		open                  bool
		opens, warnOpens      string
	}{
		{"crossing, before midnight", "22:00-06:00", "UTC", "2026-11-21T23:30:00Z", true, "", ""},
		{"crossing, after midnight", "22:00-06:00", "UTC", "2026-11-21T05:59:00Z", true, "", ""},
		{"crossing, closed", "22:00-06:00", "UTC", "2026-11-21T06:00:00Z", false, "2026-11-21T22:00:00Z", "2026-11-21T22:00:00Z"},
		{"same day, closed before", "03:00-05:00", "UTC", "2026-11-21T02:30:00Z", false, "2026-11-21T03:00:00Z", "2026-11-21T03:00:00Z"},
		{"same day, open", "03:00-05:00", "UTC", "2026-11-21T03:00:00Z", true, "", ""},
		// 03:30 UTC is 04:30 in Zurich (UTC+1 in November): inside 04:00-05:00.
		{"time zone, open", "04:00-05:00", "Europe/Zurich", "2026-11-21T03:30:00Z", true, "", ""},
		{"time zone, closed", "04:00-05:00", "Europe/Zurich", "2026-11-21T04:30:00Z", false, "2026-11-22T03:00:00Z", "2026-11-22T04:00:00+01:00"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, inv := windowConfig(c.expr, c.zone)
			p := mustPlan(t, cfg, inv, ts(c.now), Options{})
			var started []string
			for _, a := range p.Actions {
				if a.Kind == Snapshot || a.Kind == Transfer {
					started = append(started, a.Key)
				}
			}
			waits := hasWarning(p, "hydro waits for its window ("+c.expr+", opens at")
			if c.open {
				if !slices.Contains(started, "snapshot:hydro:local/local:new") || !slices.Contains(started, "transfer:hydro:offsite/offsite:new") || waits {
					t.Fatalf("window open: snapshots and transfers %v, warnings %q", started, p.Warnings)
				}
				return
			}
			if len(started) > 0 {
				t.Errorf("window closed, yet planned %v", started)
			}
			if !hasWarning(p, "hydro waits for its window ("+c.expr+", opens at "+c.warnOpens+")") {
				t.Errorf("warnings %q do not say the window opens at %s", p.Warnings, c.warnOpens)
			}
			if p.NextWakeup == nil || !p.NextWakeup.At.Equal(ts(c.opens)) {
				t.Errorf("next wake-up %+v, want the opening at %s", p.NextWakeup, c.opens)
			}
			// At the opening, the snapshot and the transfers are planned.
			at := mustPlan(t, cfg, inv, ts(c.opens), Options{})
			action(t, at, "snapshot:hydro:local/local:new")
			action(t, at, "transfer:hydro:offsite/offsite:new")
		})
	}
}

// TestWindowDoesNotHoldPurgesOrVerifies: a closed window leaves purges and
// verifications alone, but not the purge of a copy a waiting transfer reads.
func TestWindowDoesNotHoldPurgesOrVerifies(t *testing.T) {
	cfg, inv := windowConfig("22:00-06:00", "UTC")
	cfg.Tiers[1].Verify = &spec.Verify{Every: 7 * day}
	// Three more old copies at local (last 7): two are purged; the oldest
	// is missing at remote, so the transfer there waits and it is kept.
	put(inv, cfg, "hydro", loc("local", "local"), daily(ts("2026-11-13T02:00:00Z"), 3)...)
	put(inv, cfg, "hydro", loc("remote", "backup1"), daily(ts("2026-11-13T02:00:00Z"), 2)...)
	p := mustPlan(t, cfg, inv, ts("2026-11-21T12:00:00Z"), Options{MaxPurge: new(int(10))})
	action(t, p, "purge:hydro:local/local:2026-11-12T02:00:00Z")
	action(t, p, "purge:hydro:local/local:2026-11-13T02:00:00Z")
	action(t, p, "verify:hydro:remote/backup1:2026-11-14T02:00:00Z")
	for _, a := range p.Actions {
		if a.Kind == Snapshot || a.Kind == Transfer || a.Key == "purge:hydro:local/local:2026-11-11T02:00:00Z" {
			t.Errorf("window closed, yet planned %s", a.Key)
		}
	}
	if !hasWarning(p, "kept hydro 2026-11-11T02:00:00Z at local/local", "waits for the window") {
		t.Errorf("warnings %q do not say the copy waiting for its transfer is kept", p.Warnings)
	}
}

// TestNextWakeupWithAWindowNeverSpins holds TestNextWakeupNeverSpins's
// property for an application whose schedule ticks outside its window.
func TestNextWakeupWithAWindowNeverSpins(t *testing.T) {
	cfg := testConfig()
	cfg.Applications[0].Window = mustWindow("22:00-01:00", "UTC")
	inv := emptyInventory()
	now := ts("2026-11-01T22:00:00Z")
	for i := 0; i < 30; i++ {
		p := mustPlan(t, cfg, inv, now, Options{})
		if i > 0 && len(p.Actions) == 0 {
			t.Fatalf("woke at %s for %q and found nothing to do", now, p.NextWakeup.Reason)
		}
		simulate(inv, cfg, p)
		if p.NextWakeup == nil || !p.NextWakeup.At.After(now) {
			t.Fatalf("at %s the next wake-up %+v is not later", now, p.NextWakeup)
		}
		now = p.NextWakeup.At
		if h := now.Hour(); h != 22 && h != 23 && h != 0 {
			t.Fatalf("wake-up %+v outside the window", p.NextWakeup)
		}
	}
}

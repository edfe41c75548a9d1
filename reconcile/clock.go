package reconcile

import (
	"time"

	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// Wake is when a watcher should reconcile next, and why (the planner's
// next_wakeup, a retry or the periodic reconcile).
type Wake struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// NextSnapshot is when app's next snapshot is due (zero when it has none
// yet) and the time of its newest complete snapshot at its origin tier; as
// for the planner, snapshots dated in the future (planner.Future) do not
// count.
func NextSnapshot(app *spec.Application, inv *planner.Inventory, now time.Time) (next, newest time.Time) {
	origin := app.Origin()
	if origin == nil {
		return time.Time{}, time.Time{}
	}
	for _, d := range origin.Destinations {
		newest = later(newest, Newest(inv, app.Name, planner.Location{Tier: origin.Name, Destination: d.Name}, now))
	}
	_, tick := planner.SnapshotDue(app.Schedule, newest, newest)
	return tick, newest
}

// Newest is the time of the newest complete copy of app at loc, leaving
// out copies dated in the future (planner.Future); zero if none.
func Newest(inv *planner.Inventory, app string, loc planner.Location, now time.Time) time.Time {
	var newest time.Time
	for _, c := range inv.Copies[app][loc] {
		if c.Complete && !planner.Future(c.ID.Time(), now) {
			newest = later(newest, c.ID.Time())
		}
	}
	return newest
}

// MaxGrace caps how late a snapshot may be before it counts as stale.
const MaxGrace = time.Hour

// Stale lists the applications whose newest snapshot at some location of a
// tier is older than their schedule allows: a newer one was due more than a
// grace period ago (one schedule period, at most MaxGrace), counted from
// the opening of the application's window when it was due outside it. A
// snapshot dated in the future (planner.Future) does not count: it must not
// hide that the real ones stopped. Locations without any snapshot, or whose listing
// failed, are left to the failure events.
func Stale(cfg *spec.Config, inv *planner.Inventory, now time.Time) []notify.Stale {
	var out []notify.Stale
	for _, app := range cfg.Applications {
		if app.Schedule == nil {
			continue
		}
		for _, t := range app.Tiers {
			if s, ok := staleAt(app, t, inv, now); ok {
				out = append(out, s)
			}
		}
	}
	return append(out, staleStandbys(cfg, inv, now)...)
}

func staleAt(app *spec.Application, t *spec.Tier, inv *planner.Inventory, now time.Time) (notify.Stale, bool) {
	var oldest time.Time // the laggard: the oldest newest copy among the tier's locations
	for _, d := range t.Destinations {
		if _, failed := inv.Failed[d.Name]; failed {
			continue
		}
		n := Newest(inv, app.Name, planner.Location{Tier: t.Name, Destination: d.Name}, now)
		if !n.IsZero() && (oldest.IsZero() || n.Before(oldest)) {
			oldest = n
		}
	}
	if oldest.IsZero() {
		return notify.Stale{}, false
	}
	due := app.Schedule.Next(oldest)
	grace := min(app.Schedule.Next(due).Sub(due), MaxGrace)
	start := due
	if app.Window != nil {
		start = app.Window.NextOpen(due) // a due snapshot outside the window waits for it
	}
	return notify.Stale{App: app.Name, Tier: t.Name, Newest: oldest, Due: due}, now.After(start.Add(grace))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

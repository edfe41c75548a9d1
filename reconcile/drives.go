package reconcile

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// DefaultProbe is how often `watch` looks at the markers of its removable
// destinations between passes: a drive plugged in is noticed within a
// minute, and nothing polls faster than that.
const DefaultProbe = time.Minute

// probeTimeout bounds one probe of every removable destination.
const probeTimeout = 30 * time.Second

// drives is what the loop knows of its removable destinations between
// passes: which the last listing saw attached (to notice a change), and when
// each was last seen attached with what newest copy there (for stale).
type drives struct {
	stores executor.Stores // the removable stores of the last survey
	// attached is what the last listing saw; a destination whose listing
	// failed is not in it (unknown) until a probe reads its marker.
	attached map[string]bool
	seen     map[string]time.Time // last pass that saw it attached (or the first that did not)
	newest   map[planner.Location]map[string]time.Time
}

// observe records what a pass's listing found of the removable
// destinations of cfg. A failed listing says nothing of whether the drive
// is there: its destination is left unknown, and the next probe's reading
// of the marker becomes what a change is judged against (counting it as
// detached would make every probe announce an arrival, and run a pass that
// fails again, once a minute despite the back-off).
func (d *drives) observe(cfg *spec.Config, s *Survey, now time.Time) {
	if s == nil {
		return
	}
	if d.seen == nil {
		d.seen, d.newest = map[string]time.Time{}, map[planner.Location]map[string]time.Time{}
	}
	d.stores, d.attached = executor.Stores{}, map[string]bool{}
	for _, dest := range cfg.Destinations {
		st, ok := s.Stores[dest.Name]
		if !dest.Removable || !ok {
			continue
		}
		_, detached := s.Inventory.Detached[dest.Name]
		_, failed := s.Inventory.Failed[dest.Name]
		d.stores[dest.Name] = st
		if !failed {
			d.attached[dest.Name] = !detached
		}
		if _, known := d.seen[dest.Name]; !detached || !known {
			d.seen[dest.Name] = now
		}
		if !detached && !failed {
			d.recordNewest(cfg, s.Inventory, dest.Name, now)
		}
	}
}

// recordNewest keeps the newest copy of every application at each location
// of the destination, as this listing saw it.
func (d *drives) recordNewest(cfg *spec.Config, inv *planner.Inventory, dest string, now time.Time) {
	for _, app := range cfg.Applications {
		for _, t := range app.Tiers {
			loc := planner.Location{Tier: t.Name, Destination: dest}
			if !slices.ContainsFunc(t.Destinations, func(x *spec.Destination) bool { return x.Name == dest }) {
				continue
			}
			if d.newest[loc] == nil {
				d.newest[loc] = map[string]time.Time{}
			}
			d.newest[loc][app.Name] = Newest(inv, app.Name, loc, now)
		}
	}
}

// ticker is the channel of the probes between passes: nil (never) when the
// configuration has no removable destination.
func (d *drives) ticker(every time.Duration) (<-chan time.Time, func()) {
	if len(d.stores) == 0 {
		return nil, func() {}
	}
	t := time.NewTicker(every)
	return t.C, t.Stop
}

// changed probes the markers and says which drive came or went since the
// last listing ("" when none did). A destination of unknown state (its
// listing failed) takes the probe's reading without announcing it; one
// whose marker cannot be read (executor.Probe leaves it out) keeps its
// state.
func (d *drives) changed(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	now := executor.Probe(ctx, d.stores)
	for _, name := range slices.Sorted(maps.Keys(now)) {
		was, known := d.attached[name]
		if !known {
			d.attached[name] = now[name]
			continue
		}
		switch {
		case now[name] && !was:
			return fmt.Sprintf("removable destination %s attached", name)
		case !now[name] && was:
			return fmt.Sprintf("removable destination %s detached", name)
		}
	}
	return ""
}

// detachedStale lists the applications whose copies at a detached
// destination count as stale: the destination has not been seen attached
// for the tier's detached_grace. seen is when each was last seen attached
// (by the running watch; since it started when it never was), newest the
// newest copy of each application there at that time. An application
// without a schedule is never stale.
func detachedStale(cfg *spec.Config, inv *planner.Inventory, d *drives, now time.Time) []notify.Stale {
	var out []notify.Stale
	for _, app := range cfg.Applications {
		if app.Schedule == nil {
			continue
		}
		for _, t := range app.Tiers {
			out = append(out, detachedStaleAt(app, t, inv, d, now)...)
		}
	}
	return out
}

func detachedStaleAt(app *spec.Application, t *spec.Tier, inv *planner.Inventory, d *drives, now time.Time) []notify.Stale {
	var out []notify.Stale
	for _, dest := range t.Destinations {
		if _, detached := inv.Detached[dest.Name]; !detached {
			continue
		}
		since, ok := d.seen[dest.Name]
		if !ok {
			continue
		}
		due := since.Add(t.DetachedGrace)
		newest := d.newest[planner.Location{Tier: t.Name, Destination: dest.Name}][app.Name]
		if newest.IsZero() {
			newest = since // never seen attached: counted from then
		}
		if now.After(due) {
			out = append(out, notify.Stale{App: app.Name, Tier: t.Name, Newest: newest, Due: due})
		}
	}
	return out
}

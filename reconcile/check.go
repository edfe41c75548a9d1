package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/spec"
)

// CheckEvents are the check_failed events of the failed restore tests in
// rep (nil: nothing ran).
func CheckEvents(rep *executor.Report, base notify.Event) []notify.Event {
	if rep == nil {
		return nil
	}
	var evs []notify.Event
	for _, r := range rep.Results {
		if m := r.Check; m != nil && !m.Passed {
			evs = append(evs, notify.CheckFailed(base, m.Check, r.Action.App, r.Action.Location.Tier, r.Action.Key, m.Problem))
		}
	}
	return evs
}

// CheckStatus is the state of one check block: its last restore test, as
// `strata ls` and /status show it.
type CheckStatus struct {
	Check string `json:"check"`
	App   string `json:"app"`
	Tier  string `json:"tier"`
	Every string `json:"every"`
	// Destination and Dir are where the last test's checked.json is; ""
	// when no copy at the tier was ever tested.
	Destination string `json:"destination,omitempty"`
	Dir         string `json:"dir,omitempty"`
	// Last is that checked.json; nil when there is none or it could not
	// be read (Error says why).
	Last  *executor.CheckMark `json:"last,omitempty"`
	Error string              `json:"error,omitempty"`
	// Due is when the next test falls due (now or earlier: at the next apply).
	Due time.Time `json:"due"`
}

// Checks reads the last restore test of every check block of cfg: the
// checked.json of the copy at the block's tier that carries the newest
// one, one read per block.
func Checks(ctx context.Context, cfg *spec.Config, inv *planner.Inventory, stores executor.Stores, now time.Time) []CheckStatus {
	out := []CheckStatus{}
	for _, c := range cfg.Checks {
		st := CheckStatus{Check: c.Name, App: c.Application, Tier: c.From, Every: planner.FormatDuration(c.Every), Due: now.UTC()}
		loc, cp := lastCheckedCopy(cfg, inv, c)
		if cp != nil {
			st.Destination, st.Dir, st.Due = loc.Destination, cp.Dir, cp.Checked.Add(c.Every).UTC()
			st.Last, st.Error = readMark(ctx, stores[loc.Destination], cp.Dir)
		}
		out = append(out, st)
	}
	return out
}

// lastCheckedCopy is the copy of c's application at c's tier with the
// newest checked.json, or nil.
func lastCheckedCopy(cfg *spec.Config, inv *planner.Inventory, c *spec.Check) (planner.Location, *planner.Copy) {
	var loc planner.Location
	var best *planner.Copy
	t := cfg.Tier(c.From)
	if t == nil {
		return loc, nil
	}
	for _, d := range t.Destinations {
		l := planner.Location{Tier: t.Name, Destination: d.Name}
		cs := inv.Copies[c.Application][l]
		for i := range cs {
			if !cs[i].Checked.IsZero() && (best == nil || cs[i].Checked.After(best.Checked)) {
				loc, best = l, &cs[i]
			}
		}
	}
	return loc, best
}

func readMark(ctx context.Context, st providers.Store, dir string) (*executor.CheckMark, string) {
	if st == nil {
		return nil, "the destination is not open"
	}
	m, err := executor.ReadCheckMark(ctx, st, dir)
	if err != nil {
		if errors.Is(err, providers.ErrNotFound) {
			return nil, "checked.json disappeared since the listing"
		}
		return nil, err.Error()
	}
	return m, ""
}

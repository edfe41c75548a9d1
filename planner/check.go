package planner

import (
	"fmt"
	"time"

	"github.com/stratabackup/strata/spec"
)

// CheckParams are a check block's parameters, resolved into its action: the
// executor restores Paths of the copy into a fresh scratch directory and
// runs Command there, bounded by Timeout.
type CheckParams struct {
	// Name is the check block's name.
	Name string `json:"name"`
	// Paths are archive names (doublestar globs) to restore; empty: all.
	Paths   []string      `json:"paths,omitempty"`
	Command []string      `json:"command"`
	Timeout time.Duration `json:"timeout"`
	// Every is the block's period, for the record (checked.json).
	Every time.Duration `json:"every"`
	// ScratchDir is where the scratch directory is made; "": os.TempDir().
	ScratchDir string `json:"scratch_dir,omitempty"`
}

// checks plans the application's check blocks (after purges, so a check
// never tests a copy this plan deletes, and nothing waits for a check).
func (ap *appPlan) checks() {
	for _, c := range ap.cfg.Checks {
		if c.Application != ap.app.Name {
			continue
		}
		for _, tp := range ap.tiers {
			if tp.tier.Name == c.From {
				ap.check(c, tp)
			}
		}
	}
}

// check plans one check block at its tier: due when the last restore test
// of any copy of the application there is older than its every (or there
// was none). It tests the newest healthy copy at any destination of the
// tier (ties: a verified one, then the destination declared first) — or,
// when this plan brings a newer one there (a snapshot, a transfer), that
// one, after the action that brings it.
func (ap *appPlan) check(c *spec.Check, tp *tierPlan) {
	last, listed := lastChecked(tp)
	if !listed {
		ap.warnf("check %q waits: a listing at tier %s failed", c.Name, tp.tier.Name)
		return
	}
	if !last.IsZero() && ap.now.Before(last.Add(c.Every)) {
		ap.wakeAt(last.Add(c.Every), fmt.Sprintf("check %q of %s at tier %s", c.Name, ap.app.Name, tp.tier.Name))
		return
	}
	c2, ok := ap.newestHealthy(tp)
	if !ok {
		return // nothing healthy to test yet; the apply that brings a copy re-plans
	}
	reason := "never checked"
	if !last.IsZero() {
		reason = fmt.Sprintf("last checked %s, every %s", last.UTC().Format(time.RFC3339), formatDuration(c.Every))
	}
	a := Action{Kind: Check, App: ap.app.Name, Reason: reason,
		CheckRun: &CheckParams{Name: c.Name, Paths: c.Paths, Command: c.Command, Timeout: c.Timeout, Every: c.Every, ScratchDir: c.ScratchDir}}
	sec, lp := c2.sec, c2.lp
	if pc := c2.pending; pc != nil {
		// a newer copy this plan brings to the tier: test it once it is there
		a.Snapshot, a.Dir, a.DependsOn = idString(sec, pc.isNew), dirOf(lp.appPath, sec, pc.isNew), []string{pc.key}
		a.Key = actionKey(Check, ap.app.Name, lp.loc, sec, pc.isNew)
	} else {
		a.Snapshot, a.Dir, a.DependsOn = c2.cp.ID.String(), c2.cp.Dir, lp.after(sec, nil)
		a.Key = actionKey(Check, ap.app.Name, lp.loc, sec, false)
	}
	a.Location, a.AppPath = lp.loc, lp.appPath
	ap.add(a, tp.idx, lp.destIdx, sec)
	ap.wakeAt(ap.now.Add(c.Every), fmt.Sprintf("check %q of %s at tier %s", c.Name, ap.app.Name, tp.tier.Name))
}

// lastChecked is the newest checked.json of any copy at the tier; listed
// is false when a location's listing failed (its marks are unknown). A
// detached destination is left out: with drives in rotation one is always
// away, and waiting for it would test nothing ever (at worst a test runs
// again that the absent drive's copy had passed).
func lastChecked(tp *tierPlan) (last time.Time, listed bool) {
	for _, lp := range tp.locs {
		if lp.detached {
			continue
		}
		if lp.failed {
			return time.Time{}, false
		}
		for i := range lp.copies {
			last = later(last, lp.copies[i].Checked)
		}
	}
	return last, true
}

// describeCheck is the human form of a check action.
func describeCheck(a Action) string {
	name := ""
	if a.CheckRun != nil {
		name = a.CheckRun.Name + ": "
	}
	id := a.Snapshot
	if id == "" {
		id = "(new snapshot)"
	}
	return fmt.Sprintf("%s%s  at %s", name, id, a.Location)
}

// FormatDuration writes a duration the way the configuration does ("7d",
// "36h", "90m").
func FormatDuration(d time.Duration) string { return formatDuration(d) }

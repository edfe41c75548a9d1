package planner

import (
	"slices"
	"sort"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// Retention is what one tier's retention decides about an application's
// snapshots, as the plan at the same inventory and time decides it: the
// candidates are the tier's complete copies, the healthy copies upstream
// and the copies the plan makes (DESIGN §3). It is for display (the status
// page); the plan itself carries only the actions.
type Retention struct {
	App, Tier string
	Keep      spec.Keep
	tp        *tierPlan
	newSec    int64 // the snapshot the plan makes, 0 if none
}

// Retained is one candidate of a tier's retention.
type Retained struct {
	ID snapshot.ID `json:"id"`
	// KeptBy are the rules that keep it ("last 3", "daily 2026-11-20");
	// none: it is outside the tier's retention.
	KeptBy []string `json:"kept_by,omitempty"`
	// At are the tier's destinations that hold a complete copy of it, and
	// Purged those where the plan purges that copy.
	At     []string `json:"at,omitempty"`
	Purged []string `json:"purged_by_plan,omitempty"`
	// New: the snapshot the plan makes now, not stored yet.
	New bool `json:"new,omitempty"`
	// PurgedNext: held and kept now, but outside the retention once the
	// next snapshot exists: the plan after it purges this copy.
	PurgedNext bool `json:"purged_next,omitempty"`
}

// BuildRetention is the retention of every application at every tier, as
// BuildPlan(cfg, inv, now, Options{}) decides it, applications by name and
// tiers in chain order. It is pure, like BuildPlan.
func BuildRetention(cfg *spec.Config, inv *Inventory, now time.Time) []Retention {
	now = now.UTC()
	b := &builder{cfg: cfg, inv: inv, now: now, nowSec: now.Unix(), horizon: now.Add(ClockSkew).Unix(),
		anyFailed: len(inv.Failed) > 0}
	b.checkEmpty()
	var out []Retention
	for _, a := range sortedApps(cfg) {
		ap := newAppPlan(b, a)
		ap.run()
		var newSec int64
		if ap.hasNew {
			newSec = ap.newSec
		}
		for _, tp := range ap.tiers {
			out = append(out, Retention{App: a.Name, Tier: tp.tier.Name, Keep: tp.tier.Keep, tp: tp, newSec: newSec})
		}
	}
	return out
}

// Snapshots are the candidates the tier keeps or holds, newest first (an
// upstream snapshot it neither wants nor holds is left out). When next is after every
// candidate (the application's next scheduled snapshot), PurgedNext marks
// those a snapshot at next pushes out of the retention.
func (r *Retention) Snapshots(next time.Time) []Retained {
	tp := r.tp
	var after []keepRule
	if n := next.Unix(); !next.IsZero() && (len(tp.cands) == 0 || n > tp.cands[len(tp.cands)-1]) {
		after = keepMasks(r.Keep, append(slices.Clone(tp.cands), n))
	}
	out := make([]Retained, 0, len(tp.cands))
	for i := len(tp.cands) - 1; i >= 0; i-- {
		sec, mask := tp.cands[i], tp.masks[i]
		s := Retained{ID: idOf(sec), KeptBy: keepReasons(r.Keep, sec, mask), New: sec == r.newSec}
		for _, lp := range tp.locs {
			if j := lp.index(sec); j >= 0 && lp.copies[j].Complete {
				s.At = append(s.At, lp.loc.Destination)
				if lp.purged != nil && lp.purged[j] {
					s.Purged = append(s.Purged, lp.loc.Destination)
				}
			}
		}
		if mask == 0 && len(s.At) == 0 {
			continue // an upstream snapshot this tier does not want
		}
		s.PurgedNext = after != nil && mask != 0 && after[i] == 0 && len(s.At) > 0
		out = append(out, s)
	}
	return out
}

// index is the index of the copy of sec at the location, or -1. It
// searches by index (sort.Search): slices.BinarySearchFunc would copy a
// Copy, a large struct, at every step.
func (lp *locPlan) index(sec int64) int {
	i := sort.Search(len(lp.copies), func(i int) bool { return secOf(&lp.copies[i]) >= sec })
	if i < len(lp.copies) && secOf(&lp.copies[i]) == sec {
		return i
	}
	return -1
}

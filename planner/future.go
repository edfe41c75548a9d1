package planner

import (
	"time"
)

// ClockSkew is how far after now a snapshot may be dated and still count as
// made: hosts whose clocks differ by a few minutes (one makes the snapshot,
// another plans) are normal. A snapshot dated later than that was made by a
// clock that ran fast, or with `apply --now` in the future.
const ClockSkew = 5 * time.Minute

// Future reports whether a snapshot dated t is later than now by more than
// ClockSkew. Such a snapshot does not satisfy the schedule, does not count
// for retention (it would be the newest and push real snapshots out of
// `last` and `within`), is never transferred or purged, and the plan warns
// about it by name.
func Future(t, now time.Time) bool { return t.After(now.Add(ClockSkew)) }

// future reports whether the copy is dated in the future (see Future).
func (ap *appPlan) future(c *Copy) bool { return secOf(c) > ap.horizon }

// warnFuture names every complete copy of the application dated in the
// future: where it is, its ID and directory, and what to do about it.
func (ap *appPlan) warnFuture() {
	for _, tp := range ap.tiers {
		for _, lp := range tp.locs {
			for i := range lp.copies {
				c := &lp.copies[i]
				if !c.Complete || !ap.future(c) {
					continue
				}
				ap.warnf("snapshot %s of %s at %s is dated later than now (%s) by more than the %s allowed for clock skew: "+
					"the schedule and retention ignore it and no plan transfers or purges it; if a clock was wrong, "+
					"delete %s at destination %q by hand",
					c.ID, ap.app.Name, lp.loc, ap.now.Format(time.RFC3339), formatDuration(ClockSkew), c.Dir, lp.loc.Destination)
			}
		}
	}
}

// newestFuture is the newest complete copy dated in the future at any of
// locs, or nil.
func (ap *appPlan) newestFuture(locs []*locPlan) *Copy {
	var newest *Copy
	for _, lp := range locs {
		for i := range lp.copies {
			c := &lp.copies[i]
			if c.Complete && ap.future(c) && (newest == nil || secOf(c) > secOf(newest)) {
				newest = c
			}
		}
	}
	return newest
}

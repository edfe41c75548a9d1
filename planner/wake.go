package planner

import (
	"fmt"
	"time"

	"github.com/stratabackup/strata/spec"
)

// Wakeup is the next time a plan made later would have something to do
// that this one has not, and why: a schedule tick, a verification that falls
// due by the sampling rule, or something due now that this plan could not
// plan (a failed listing, say). `watch` sleeps until then and never
// re-derives these decisions.
type Wakeup struct {
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// wakeAt keeps the earliest wake-up; ties keep the first reason.
func (b *builder) wakeAt(at time.Time, reason string) {
	if b.wakesEarlier(at) {
		b.wakeup = &Wakeup{At: at.UTC(), Reason: reason}
	}
}

// wakesEarlier says whether wakeAt(at, …) would keep at: a caller with a
// reason to format (one per copy) asks first.
func (b *builder) wakesEarlier(at time.Time) bool {
	return !at.IsZero() && (b.wakeup == nil || at.Before(b.wakeup.At))
}

// wakeForSchedule records app's next schedule tick after now (or the
// window's opening after it, when the tick falls outside); a snapshot
// that was due but could not be planned is due again at once.
func (ap *appPlan) wakeForSchedule(dueUnplanned bool) {
	switch {
	case dueUnplanned:
		ap.wakeAt(ap.now, fmt.Sprintf("a snapshot of %s is due but could not be planned", ap.app.Name))
	case ap.app.Schedule != nil:
		next := ap.app.Schedule.Next(ap.now)
		if w := ap.app.Window; w != nil && !next.IsZero() {
			next = w.NextOpen(next) // a tick outside the window waits for it
		}
		ap.wakeAt(next, fmt.Sprintf("schedule %q of %s", ap.app.Schedule.Expr, ap.app.Name))
	}
}

// wakeForVerify records when copy c at lp next falls due for verification
// by the tier's policy and sampling rule; verified says whether this plan
// verifies it now.
func (ap *appPlan) wakeForVerify(tp *tierPlan, lp *locPlan, c *Copy, verified bool) {
	v := tp.tier.Verify
	if v == nil || v.Every <= 0 {
		return // verified once only
	}
	last := c.Verified
	if verified {
		last = ap.now
	}
	var at time.Time
	if last.IsZero() {
		at = nextSampled(v, ap.app.Name, lp.loc, c, c.ID.Time(), ap.now)
	} else {
		at = nextSampled(v, ap.app.Name, lp.loc, c, last, last.Add(v.Every))
	}
	if ap.wakesEarlier(at) {
		ap.wakeAt(at, fmt.Sprintf("verification of %s %s at %s", ap.app.Name, c.ID, lp.loc))
	}
}

// wakeForNewCopy records when a copy this plan writes and verifies at once
// falls due again.
func (ap *appPlan) wakeForNewCopy(tp *tierPlan, lp *locPlan) {
	if v := tp.tier.Verify; v != nil && v.Every > 0 {
		ap.wakeAt(ap.now.Add(v.Every), fmt.Sprintf("verification of %s's new copy at %s", ap.app.Name, lp.loc))
	}
}

// nextSampled is the first moment at or after due when sampled() checks the
// copy, whose last verification (or creation) was at last: the first day of
// its group, or the overdue bound, whichever comes first.
func nextSampled(v *spec.Verify, app string, loc Location, c *Copy, last, due time.Time) time.Time {
	n := sampleBuckets(v)
	if n == 1 {
		return due
	}
	bound := last.Add(v.Every + time.Duration(n-1)*24*time.Hour)
	if !due.Before(bound) {
		return due
	}
	group := sampleGroup(app, loc, c, n)
	day := floorDiv(due.Unix(), 86400)
	for i := int64(0); i < n; i++ {
		if (day+i)%n == group {
			start := time.Unix((day+i)*86400, 0).UTC()
			if start.Before(due) {
				start = due
			}
			if start.After(bound) {
				return bound
			}
			return start
		}
	}
	return bound
}

package planner

import (
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/spec"
)

// SnapshotDue reports whether an application with schedule s needs a new
// snapshot at now, given the time of its newest complete snapshot at the
// origin (zero when there is none). A cron schedule is due when its last
// tick at or before now (cron(8)'s rules, DST included: spec.Schedule) is
// after newest; tick is that tick when due, else the next one after now.
// An @every schedule is due once its interval has passed since newest; tick
// is newest plus the interval. A nil schedule is due only when there is no
// snapshot yet.
func SnapshotDue(s *spec.Schedule, newest, now time.Time) (bool, time.Time) {
	if newest.IsZero() {
		return true, time.Time{}
	}
	if s == nil {
		return false, time.Time{}
	}
	if s.Every() > 0 {
		tick := s.Next(newest)
		return !tick.After(now), tick
	}
	if last := s.Prev(now); last.After(newest) {
		return true, last
	}
	return false, s.Next(now)
}

// snapshotReason decides on a new snapshot of a and says why; ok is false when
// none is due.
func snapshotReason(a *spec.Application, newest, now time.Time, force []string) (string, bool) {
	due, tick := SnapshotDue(a.Schedule, newest, now)
	switch {
	case newest.IsZero():
		return "no snapshot yet", true
	case due:
		return fmt.Sprintf("schedule %q ticked at %s; newest snapshot is %s",
			a.Schedule.Expr, tick.UTC().Format(time.RFC3339), newest.UTC().Format(time.RFC3339)), true
	case slices.Contains(force, a.Name):
		return "requested with --force", true
	}
	return "", false
}

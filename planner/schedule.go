package planner

import (
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/spec"
)

// SnapshotDue reports whether an application with schedule s needs a new
// snapshot at now, given the time of its newest complete snapshot at the
// origin (zero when there is none), and the first tick after that snapshot.
// A nil schedule is due only when there is no snapshot yet.
func SnapshotDue(s *spec.Schedule, newest, now time.Time) (bool, time.Time) {
	if newest.IsZero() {
		return true, time.Time{}
	}
	if s == nil {
		return false, time.Time{}
	}
	tick := s.Next(newest)
	return !tick.After(now), tick
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

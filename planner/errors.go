package planner

import (
	"fmt"
	"strings"
)

// MassPurgeError refuses a plan that would purge more of an application's
// snapshots at one location than allowed (DESIGN.md §3, safety rule 3). App,
// Location and the counts describe the first offending location in plan
// order; Needed is the --max-purge value that would allow every refused one.
type MassPurgeError struct {
	App      string
	Location Location
	// Purges is how many copies the plan would purge there, out of Copies
	// (the complete copies present plus those arriving in the same apply).
	Purges, Copies int
	// Cap is the explicit limit that was exceeded; nil for the default
	// "no more than half" rule.
	Cap *int
	// Needed is the smallest --max-purge that allows the plan.
	Needed int
}

func (e *MassPurgeError) Error() string {
	limit := "more than half"
	if e.Cap != nil {
		limit = fmt.Sprintf("more than the limit of %d", *e.Cap)
	}
	return fmt.Sprintf("refusing to purge %s: the plan would purge %d of %d snapshots of %s at %s; "+
		"re-run with --max-purge %d (or set max_purge in a settings block) to allow it",
		limit, e.Purges, e.Copies, e.App, e.Location, e.Needed)
}

// MissingCopy names a corrupt copy of a snapshot that has no healthy copy
// anywhere.
type MissingCopy struct {
	App      string
	Location Location
	ID       string
}

// NoHealthyCopyError says that some corrupt copies could not be repaired
// because no healthy copy of their snapshot exists at any location. Plan
// returns it together with a usable plan, so the plan can be shown and the
// command can still exit non-zero.
type NoHealthyCopyError struct {
	Copies []MissingCopy
}

func (e *NoHealthyCopyError) Error() string {
	parts := make([]string, len(e.Copies))
	for i, c := range e.Copies {
		parts[i] = fmt.Sprintf("%s %s at %s", c.App, c.ID, c.Location)
	}
	return "no healthy copy anywhere of: " + strings.Join(parts, ", ")
}

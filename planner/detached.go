package planner

import (
	"fmt"
	"slices"

	"github.com/stratabackup/strata/snapshot"
)

// DetachedDestination is a removable destination that is not attached: the
// plan writes nothing there and holds nothing back for it.
type DetachedDestination struct {
	Destination string `json:"destination"`
	// Reason says why it counts as detached (no marker, a foreign one).
	Reason string `json:"reason"`
	// Waiting counts the snapshots its tiers' retention wants there, summed
	// over its applications and tiers: what the next apply after it is
	// attached brings or checks (those already there cost nothing).
	Waiting int `json:"waiting"`
}

// recordDetached records a detached destination in the inventory and its
// fingerprint (so a saved plan is refused once the drive comes or goes).
func recordDetached(inv *Inventory, l *Listing, fp *fingerprinter) {
	if inv.Detached == nil {
		inv.Detached = map[string]string{}
	}
	inv.Detached[l.Destination] = l.Detached
	fp.str("detached")
	fp.str(l.Destination)
	fp.str(l.Detached)
}

// waitForDrive counts, for a detached location, the snapshots the tier's
// retention wants there; nothing is planned there.
func (ap *appPlan) waitForDrive(tp *tierPlan, lp *locPlan) {
	n := 0
	for _, m := range tp.masks {
		if m != 0 {
			n++
		}
	}
	if ap.waiting4Drive == nil {
		ap.waiting4Drive = map[string]int{}
	}
	ap.waiting4Drive[lp.loc.Destination] += n
}

// noteDetached lists the detached destinations and how many snapshots
// wait for each, for Plan.Detached: a drive away is the normal state of a
// rotation, a note of the plan and no warning.
func (b *builder) noteDetached() []DetachedDestination {
	var out []DetachedDestination
	for _, d := range sortedKeys(b.inv.Detached) {
		out = append(out, DetachedDestination{Destination: d, Reason: b.inv.Detached[d], Waiting: b.waiting4Drive[d]})
	}
	return slices.Clip(out)
}

// Note is the line a plan shows for the destination.
func (d DetachedDestination) Note() string {
	return fmt.Sprintf("%s detached, %s for it (%s); nothing is written there until it is attached",
		d.Destination, waitCount(d.Waiting), d.Reason)
}

// notes renders the plan's notes: its detached destinations.
func (r *renderer) notes(ds []DetachedDestination) {
	for _, d := range ds {
		r.line("%s %s", r.paint(ansiBold, "Note:"), d.Note())
	}
	if len(ds) > 0 {
		r.line("")
	}
}

// waitCount is "1 snapshot waits", "3 snapshots wait".
func waitCount(n int) string {
	if n == 1 {
		return "1 snapshot waits"
	}
	return fmt.Sprintf("%d snapshots wait", n)
}

// detachedForget is forget's warning for a location on a detached drive,
// whose copy (if any) it cannot delete.
func detachedForget(app string, id snapshot.ID, loc Location) string {
	return fmt.Sprintf("%s is detached: a copy of %s %s there, if any, is not forgotten; run this forget again with the drive attached",
		loc, app, id)
}

package main

import (
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/stratabackup/strata/planner"
)

// detachedDestination is a line of `ls --json`'s "detached".
type detachedDestination struct {
	Destination string `json:"destination"`
	Reason      string `json:"reason"`
}

// detachedList is the inventory's detached destinations, by name.
func detachedList(inv *planner.Inventory) []detachedDestination {
	out := []detachedDestination{}
	for _, d := range slices.Sorted(maps.Keys(inv.Detached)) {
		out = append(out, detachedDestination{Destination: d, Reason: inv.Detached[d]})
	}
	return out
}

// printDetached says of each detached destination that it is, and why.
func printDetached(w io.Writer, inv *planner.Inventory) {
	for _, d := range detachedList(inv) {
		fmt.Fprintf(w, "%s detached (%s): what it holds is not known until it is attached\n", d.Destination, d.Reason)
	}
}

// noteDetached says on stderr which destinations are detached when apply
// did not show the plan, whose notes say it.
func (g *globals) noteDetached(p *planner.Plan, unshown bool) {
	if !unshown {
		return
	}
	for _, d := range p.Detached {
		g.report("note", d.Note())
	}
}

// noteUnread says which detached destinations restore and verify cannot
// read: their copies are not among those chosen.
func (g *globals) noteUnread(s *survey) {
	for _, d := range detachedList(s.Inventory) {
		g.report("note", fmt.Sprintf("%s detached (%s): its copies are not read; attach it to use them", d.Destination, d.Reason))
	}
}

package main

import (
	"sort"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// copyRef is one complete copy of a snapshot at one location.
type copyRef struct {
	loc planner.Location
	c   planner.Copy
}

// appCopies gathers the complete copies of app by snapshot ID, each list
// nearest first: tier chain order (origin first), healthy and verified
// copies before others, then destination order. fromTier, when set, keeps
// only that tier.
func appCopies(s *survey, app *spec.Application, fromTier string) (ids []string, byID map[string][]copyRef) {
	byID = map[string][]copyRef{}
	for _, t := range app.Tiers {
		if fromTier != "" && t.Name != fromTier {
			continue
		}
		for _, d := range t.Destinations {
			loc := planner.Location{Tier: t.Name, Destination: d.Name}
			for _, c := range s.inv.Copies[app.Name][loc] {
				if c.Complete {
					byID[c.ID.String()] = append(byID[c.ID.String()], copyRef{loc: loc, c: c})
				}
			}
		}
	}
	for id, refs := range byID {
		sort.SliceStable(refs, func(i, j int) bool { return rank(refs[i]) < rank(refs[j]) })
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, byID
}

// rank orders copies of one snapshot within the same tier order: healthy and
// verified first. The stable sort keeps tier and destination order otherwise.
func rank(r copyRef) int {
	switch {
	case !r.c.Healthy():
		return 2
	case r.c.Verified.IsZero():
		return 1
	}
	return 0
}

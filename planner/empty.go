package planner

import (
	"strings"

	"github.com/stratabackup/strata/spec"
)

// checkEmpty holds every purge of the plan when a destination's listing came
// back empty although other locations of an application kept there hold
// complete copies: an unmounted disk or a wrong bucket lists as empty, and
// a plan made from it must not delete anything (DESIGN.md §3, rule 1's
// sibling). A destination that was just added is empty too; its first apply
// fills it and the hold clears on the next plan.
func (b *builder) checkEmpty() {
	for _, dest := range sortedKeys(b.inv.Empty) {
		var apps []string
		for _, a := range sortedApps(b.cfg) {
			if usesDestination(a.Tiers, dest) && b.copiesElsewhere(a.Name, dest) {
				apps = append(apps, a.Name)
			}
		}
		if len(apps) == 0 {
			continue
		}
		b.holdPurges = true
		b.warnf("listing of destination %q came back empty although other locations hold snapshots of %s; "+
			"the plan purges nothing until it lists copies again (a destination just added fills on this apply; "+
			"otherwise check that it is mounted and points where it should)", dest, strings.Join(apps, ", "))
	}
}

// usesDestination reports whether one of the tiers writes to dest.
func usesDestination(tiers []*spec.Tier, dest string) bool {
	for _, t := range tiers {
		for _, d := range t.Destinations {
			if d.Name == dest {
				return true
			}
		}
	}
	return false
}

// copiesElsewhere reports whether app has a complete copy at a location
// whose destination is not dest.
func (b *builder) copiesElsewhere(app, dest string) bool {
	for loc, cs := range b.inv.Copies[app] {
		if loc.Destination == dest {
			continue
		}
		for _, c := range cs {
			if c.Complete {
				return true
			}
		}
	}
	return false
}

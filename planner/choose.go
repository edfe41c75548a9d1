package planner

import (
	"fmt"
	"sort"

	"github.com/stratabackup/strata/spec"
)

// CopyRef is one complete copy of a snapshot at one location.
type CopyRef struct {
	Location Location
	Copy     Copy
}

// CompleteCopies chooses the copies restore, extract, history and verify
// read: the complete copies of app by snapshot ID (ids sorted oldest first),
// each list nearest first — tier chain order (origin first), healthy and
// verified copies before others, then destination order. fromTier, when
// set, keeps only that tier.
func CompleteCopies(inv *Inventory, app *spec.Application, fromTier string) (ids []string, byID map[string][]CopyRef) {
	byID = map[string][]CopyRef{}
	for _, loc := range appLocations(app, fromTier) {
		for _, c := range inv.Copies[app.Name][loc] {
			if c.Complete {
				byID[c.ID.String()] = append(byID[c.ID.String()], CopyRef{Location: loc, Copy: c})
			}
		}
	}
	for id, refs := range byID {
		sort.SliceStable(refs, func(i, j int) bool { return preference(refs[i]) < preference(refs[j]) })
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids, byID
}

// preference orders copies of one snapshot within the same tier order:
// healthy and verified first. The stable sort keeps tier and destination
// order otherwise.
func preference(r CopyRef) int {
	switch {
	case !r.Copy.Healthy():
		return 2
	case r.Copy.Verified.IsZero():
		return 1
	}
	return 0
}

// VerifyTarget is one copy `strata verify` checks.
type VerifyTarget struct {
	App string
	CopyRef
}

// VerifyTargets chooses the copies `strata verify [APP] [--tier T]` checks:
// every copy (complete or not, so that incomplete ones are reported) of the
// named application, or of all, in application order, tier chain order,
// destination order, oldest first. app and tier name nothing when "".
func VerifyTargets(cfg *spec.Config, inv *Inventory, app, tier string) ([]VerifyTarget, error) {
	apps := sortedApps(cfg)
	if app != "" {
		a := cfg.Application(app)
		if a == nil {
			return nil, fmt.Errorf("no application %q in the configuration", app)
		}
		apps = []*spec.Application{a}
	}
	if tier != "" && cfg.Tier(tier) == nil {
		return nil, fmt.Errorf("no tier %q in the configuration", tier)
	}
	var out []VerifyTarget
	for _, a := range apps {
		for _, loc := range appLocations(a, tier) {
			for _, c := range inv.Copies[a.Name][loc] {
				out = append(out, VerifyTarget{App: a.Name, CopyRef: CopyRef{Location: loc, Copy: c}})
			}
		}
	}
	return out, nil
}

// appLocations lists app's locations in tier chain order, then destination
// order; only those of tier when it is not "".
func appLocations(app *spec.Application, tier string) []Location {
	var out []Location
	for _, t := range app.Tiers {
		if tier != "" && t.Name != tier {
			continue
		}
		for _, d := range t.Destinations {
			out = append(out, Location{Tier: t.Name, Destination: d.Name})
		}
	}
	return out
}

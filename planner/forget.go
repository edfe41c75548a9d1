package planner

import (
	"fmt"
	"sort"
	"strings"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// ForgetPlan is the plan of `strata forget APP ID [--tier T]`: one purge
// per copy of snapshot id of app — at every location of the application,
// or only at tier's when tier is not "" — so that the executor deletes them
// the way it deletes any copy outside retention (manifest first, then the
// directory). It refuses, deleting nothing, when app or tier is unknown, no
// copy of id is there, a listing of one of those locations failed (the
// plan could not know what else is there), or a copy is the last complete
// snapshot of app at its location and force is not set. A gc follows the
// deletions at each destination. id is the ID form
// (2026-11-21T02:00:00Z) or the directory form (2026/11/21/020000Z).
func ForgetPlan(cfg *spec.Config, inv *Inventory, app, id, tier string, force bool) (*Plan, error) {
	a, sid, err := forgetTarget(cfg, app, id, tier)
	if err != nil {
		return nil, err
	}
	var actions []Action
	var last, failed, away []string
	for _, loc := range appLocations(a, tier) {
		if msg, ok := inv.Failed[loc.Destination]; ok {
			failed = append(failed, fmt.Sprintf("%s (%s)", loc, msg))
			continue
		}
		if _, ok := inv.Detached[loc.Destination]; ok {
			away = append(away, detachedForget(a.Name, sid, loc))
			continue
		}
		copies := inv.Copies[a.Name][loc]
		for _, c := range copies {
			if c.ID != sid {
				continue
			}
			if c.Complete && completeCount(copies) == 1 {
				last = append(last, loc.String())
			}
			actions = append(actions, forgetAction(a, loc, c))
		}
	}
	switch {
	case len(failed) > 0:
		return nil, fmt.Errorf("nothing was forgotten: the listing of %s failed; try again once it lists", strings.Join(failed, ", "))
	case len(actions) == 0:
		return nil, fmt.Errorf("no copy of %s %s at %s; 'strata ls' lists the snapshots", a.Name, sid, scope(tier))
	case len(last) > 0 && !force:
		return nil, fmt.Errorf("%s %s is the last complete snapshot of %s at %s; nothing was forgotten; add --force to forget it anyway",
			a.Name, sid, a.Name, strings.Join(last, ", "))
	}
	actions = append(actions, forgetGCs(cfg, actions)...)
	p := &Plan{FormatVersion: PlanFormatVersion, Fingerprint: inv.Fingerprint, ConfigFingerprint: cfg.Fingerprint,
		Actions: actions, Summary: summarize(actions)}
	p.Warnings = append(remaining(inv, a, sid, tier), away...)
	return p, nil
}

// forgetTarget resolves the application, the snapshot ID and the tier of
// a forget.
func forgetTarget(cfg *spec.Config, app, id, tier string) (*spec.Application, snapshot.ID, error) {
	a := cfg.Application(app)
	if a == nil {
		return nil, snapshot.ID{}, fmt.Errorf("no application %q in the configuration", app)
	}
	sid, err := snapshot.ParseID(id)
	if err != nil {
		var ok bool
		if sid, ok = snapshot.ParseDir(id); !ok {
			return nil, snapshot.ID{}, err
		}
	}
	if tier != "" && len(appLocations(a, tier)) == 0 {
		return nil, snapshot.ID{}, fmt.Errorf("%s is not kept in a tier %q", a.Name, tier)
	}
	return a, sid, nil
}

func forgetAction(a *spec.Application, loc Location, c Copy) Action {
	reason := "forgotten on request (strata forget)"
	if !c.Complete {
		reason = "forgotten on request (strata forget); incomplete copy"
	}
	return Action{
		Key: actionKey(Purge, a.Name, loc, secOf(&c), false), Kind: Purge, App: a.Name, Location: loc,
		Snapshot: c.ID.String(), Dir: c.Dir, AppPath: a.Paths[loc.Tier], Bytes: c.Size, Reason: reason,
	}
}

func completeCount(copies []Copy) int {
	n := 0
	for _, c := range copies {
		if c.Complete {
			n++
		}
	}
	return n
}

func scope(tier string) string {
	if tier == "" {
		return "any location"
	}
	return "tier " + tier
}

// remaining warns about the complete copies of the snapshot a forget
// limited to one tier leaves elsewhere, and says when a later apply may
// transfer it to that tier again: its upstream tier still holds it.
func remaining(inv *Inventory, a *spec.Application, sid snapshot.ID, tier string) []string {
	if tier == "" {
		return nil
	}
	var locs []string
	upstream := ""
	for _, t := range a.Tiers {
		if t.Name == tier && t.From != nil {
			upstream = t.From.Name
		}
	}
	again := false
	for _, loc := range appLocations(a, "") {
		for _, c := range inv.Copies[a.Name][loc] {
			if loc.Tier != tier && c.ID == sid && c.Complete {
				locs = append(locs, loc.String())
				again = again || loc.Tier == upstream
			}
		}
	}
	if len(locs) == 0 {
		return nil
	}
	sort.Strings(locs)
	w := fmt.Sprintf("%s %s stays at %s (leave out --tier to forget every copy)", a.Name, sid, strings.Join(locs, ", "))
	if again {
		w += fmt.Sprintf("; while tier %s keeps it, a later apply may transfer it to tier %s again", upstream, tier)
	}
	return []string{w}
}

// forgetGCs is a gc at every destination where the forget deletes a copy,
// after those deletions: a snapshot forgotten because it caught a secret
// takes its chunks with it (those older than the grace period; the rest go
// with a later gc).
func forgetGCs(cfg *spec.Config, purges []Action) []Action {
	var gcs []Action
	for _, d := range cfg.Destinations {
		var deps []string
		for _, a := range purges {
			if a.Location.Destination == d.Name {
				deps = append(deps, a.Key)
			}
		}
		if len(deps) == 0 {
			continue
		}
		n := len(deps)
		gcs = append(gcs, Action{Key: GCKey(d.Name), Kind: GC, Location: Location{Destination: d.Name},
			Reason: fmt.Sprintf("after forgetting %d %s", n, plural(n, "copy", "copies")), DependsOn: deps,
			GC: &GCParams{Grace: gcGrace(cfg), Rule: GCRule, Purges: n}})
	}
	return gcs
}

package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/spec"
)

// DefaultGCGrace is how old an unreferenced chunk must be before gc deletes
// it, when the configuration's `settings { gc_grace = … }` says nothing.
const DefaultGCGrace = time.Hour

// GCRule is the rule every gc action applies (DESIGN.md §2), as the plan
// records it. The planner never reads a chunks.txt, so it cannot know which
// chunks the rule selects: the executor lists and reads, then deletes.
const GCRule = "delete a chunk under .strata/chunks only when a complete listing of the whole destination " +
	"succeeded and no chunks.txt anywhere under its root references it (every application, tier, host " +
	"and configuration, orphaned and incomplete snapshots included; any unreadable or unparsable chunks.txt " +
	"deletes nothing), and it is older than the grace period and than the oldest live lease there, " +
	"while this apply holds its lease and after its other actions at the destination"

// GCParams are the resolved parameters of a gc action.
type GCParams struct {
	// Grace is how old an unreferenced chunk must be to be deleted.
	Grace time.Duration `json:"grace"`
	// Rule is GCRule, recorded so a saved plan says what it does.
	Rule string `json:"rule"`
	// Purges counts the purges at the destination this gc follows; 0 when
	// `strata gc` asked for it.
	Purges int `json:"purges,omitempty"`
	// DryRun lists what would be deleted and deletes nothing.
	DryRun bool `json:"dry_run,omitempty"`
}

// GCKey is the key of the gc action at a destination: "gc:<destination>".
func GCKey(dest string) string { return GC.String() + ":" + dest }

// gcLast orders gc actions after every other: they depend on them.
func gcLast(k ActionKind) int {
	if k == GC {
		return 1
	}
	return 0
}

// planGCs adds a gc action at every destination where the plan purges,
// after every other action that touches it.
func (b *builder) planGCs() {
	purges := map[string]int{}
	for _, o := range b.actions {
		if o.Kind == Purge {
			purges[o.Location.Destination]++
		}
	}
	for i, d := range b.cfg.Destinations {
		if n := purges[d.Name]; n > 0 {
			b.addGC(d.Name, i, &GCParams{Grace: gcGrace(b.cfg), Rule: GCRule, Purges: n}, fmt.Sprintf("after %d %s", n, plural(n, "purge", "purges")))
		}
	}
}

// addGC adds the gc action of dest (destination index idx), depending on
// every action of the plan that writes or reads there: a snapshot that
// found a chunk present and did not upload it must never race its deletion
// (DESIGN.md §2 rule d).
func (b *builder) addGC(dest string, idx int, params *GCParams, reason string) {
	var deps []string
	for _, o := range b.actions {
		if touches(&o.Action, dest) {
			deps = append(deps, o.Key)
		}
	}
	b.add(Action{
		Key: GCKey(dest), Kind: GC, Location: Location{Destination: dest},
		Reason: reason, DependsOn: deps, GC: params,
	}, 0, idx, 0)
}

// touches reports whether a works at dest, as the written or the read end.
func touches(a *Action, dest string) bool {
	return a.Kind != GC && (a.Location.Destination == dest || (a.Source != nil && a.Source.Destination == dest))
}

func gcGrace(cfg *spec.Config) time.Duration {
	if g := cfg.Settings.GCGrace; g != nil {
		return *g
	}
	return DefaultGCGrace
}

// GCOptions are the knobs of BuildGCPlan.
type GCOptions struct {
	// Destinations to collect; empty means every destination of the
	// configuration.
	Destinations []string
	// DryRun lists what would be deleted and deletes nothing.
	DryRun bool
}

// BuildGCPlan is the plan of `strata gc`: one gc action per destination
// asked for, and nothing else. A destination whose listing failed gets no
// gc, with a warning that says why. It is pure, like BuildPlan; the error
// names a destination the configuration does not have.
func BuildGCPlan(cfg *spec.Config, inv *Inventory, now time.Time, opts GCOptions) (*Plan, error) {
	names, err := gcDestinations(cfg, opts.Destinations)
	if err != nil {
		return nil, err
	}
	now = now.UTC()
	b := &builder{cfg: cfg, inv: inv, now: now, nowSec: now.Unix(), anyFailed: len(inv.Failed) > 0}
	for _, i := range names {
		d := cfg.Destinations[i].Name
		if why, failed := inv.Failed[d]; failed {
			b.warnf("listing of destination %q failed: %s; gc deletes nothing there until a listing succeeds", d, why)
			continue
		}
		if why, detached := inv.Detached[d]; detached {
			b.warnf("%s detached (%s); gc deletes nothing there until it is attached", d, why)
			continue
		}
		reason := "asked for by strata gc"
		if opts.DryRun {
			reason += "; dry run: deletes nothing"
		}
		b.addGC(d, i, &GCParams{Grace: gcGrace(cfg), Rule: GCRule, DryRun: opts.DryRun}, reason)
	}
	return b.finish()
}

// gcDestinations are the indexes in cfg.Destinations of the destinations
// asked for, in declaration order.
func gcDestinations(cfg *spec.Config, asked []string) ([]int, error) {
	var out, known []string
	idx := map[string]int{}
	for i, d := range cfg.Destinations {
		idx[d.Name] = i
		known = append(known, d.Name)
	}
	for _, n := range asked {
		if _, ok := idx[n]; !ok {
			return nil, fmt.Errorf("no destination %q in the configuration (destinations: %s)", n, strings.Join(known, ", "))
		}
	}
	if len(asked) == 0 {
		out = known
	} else {
		out = asked
	}
	is := make([]int, 0, len(out))
	for _, n := range out {
		is = append(is, idx[n])
	}
	slices.Sort(is)
	return slices.Compact(is), nil
}

package planner

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/spec"
)

// Fleets (DESIGN.md §8): one configuration drives many hosts, each planning
// as its node (Options.Node). Every action has an owner, the node that runs
// it, and one rule decides it: the owner of an action is the node that
// writes into its location's tier —
//
//   - the origin tier (snapshots, and the purges, verifies, repairs,
//     cleanups and moves there): the application's node, else the tier's;
//   - any other tier (transfers into it, and the rest there): the tier's
//     node (a pull backup server), else the writer of the nearest upstream
//     tier the application is kept in — the host that sends.
//
// "" means no node decides it: whichever node plans runs it, which keeps a
// configuration without `node` working on every host as before. A gc
// belongs to whoever plans it: each node plans the gc of a destination
// after its own purges there, and leases keep one node's gc from deleting
// what another's apply still writes (DESIGN.md §2 rule b).
//
// A node's plan holds in Actions only what it owns. Actions owned by
// another node are listed in Plan.Elsewhere, never run; an owned action that
// depends on one of them (a transfer of another node's new snapshot, a
// purge that waits for another node's transfer) is not planned: it is in
// Plan.Waiting, and a later plan, once the other node has run, plans it.

// FleetPoll is how long a node's plan waits before planning again what
// waits for another node's actions (Plan.Waiting): no strata process talks
// to another, so the node looks again at the destinations.
const FleetPoll = 10 * time.Minute

// Owner is the node that owns action a under cfg; "" when no `node`
// decides it (any node runs it). Every action kind goes through it,
// including the kinds added later: an action at a location of an
// application is owned by the writer of that tier.
func Owner(cfg *spec.Config, a *Action) string {
	if a.Kind == GC || a.Location.Tier == "" {
		return ""
	}
	return TierOwner(cfg, cfg.Application(a.App), a.Location.Tier)
}

// TierOwner is the node that writes app's copies into the named tier (see
// Owner); app may be nil (a removed application), and then only tiers'
// nodes decide.
func TierOwner(cfg *spec.Config, app *spec.Application, tier string) string {
	for t := cfg.Tier(tier); t != nil; t = upstreamKept(app, t) {
		if t.From == nil && app != nil && app.Node != "" {
			return app.Node
		}
		if t.Node != "" {
			return t.Node
		}
	}
	if app != nil {
		return app.Node
	}
	return ""
}

// upstreamKept is the nearest tier above t that app is kept in (any tier
// above t when app is nil), or nil.
func upstreamKept(app *spec.Application, t *spec.Tier) *spec.Tier {
	for f := t.From; f != nil; f = f.From {
		if app == nil || slices.Contains(app.Tiers, f) {
			return f
		}
	}
	return nil
}

// MakesSnapshots reports whether a plan for node makes app's snapshots (and
// runs its hooks, and so reads its sources).
func MakesSnapshots(cfg *spec.Config, app *spec.Application, node string) bool {
	o := app.Origin()
	return o == nil || ownedBy(TierOwner(cfg, app, o.Name), node)
}

// ownedBy reports whether a plan for node runs what owner owns.
func ownedBy(owner, node string) bool {
	return owner == "" || node == "" || owner == node
}

// splitOwned sets every action's owner and, for a plan of one node, moves
// the actions other nodes own to elsewhere and the owned actions that
// depend on them to waiting; the refusals and missing copies of other
// nodes' actions are theirs to report.
func (b *builder) splitOwned() {
	b.warnUnknownNode()
	elsewhere := map[string]bool{}
	for i := range b.actions {
		a := &b.actions[i].Action
		a.Owner = Owner(b.cfg, a)
		if !ownedBy(a.Owner, b.opts.Node) {
			elsewhere[a.Key] = true
		}
	}
	if len(elsewhere) == 0 {
		return
	}
	waiting := dependents(b.actions, elsewhere)
	kept := b.actions[:0]
	for _, o := range b.actions {
		switch {
		case elsewhere[o.Key]:
			b.elsewhere = append(b.elsewhere, o)
		case waiting[o.Key]:
			b.waiting = append(b.waiting, o)
		default:
			kept = append(kept, o)
		}
	}
	b.actions = kept
	b.warnForcedElsewhere()
	b.mass = slices.DeleteFunc(b.mass, func(e *MassPurgeError) bool { return !b.ownsAt(e.App, e.Location) })
	b.missing = slices.DeleteFunc(b.missing, func(m MissingCopy) bool { return !b.ownsAt(m.App, m.Location) })
	b.wakeForOthers()
}

// dependents are the keys of the actions that depend, directly or not, on
// one of keys (which they leave out).
func dependents(actions []ordered, keys map[string]bool) map[string]bool {
	out := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for i := range actions {
			a := &actions[i].Action
			if keys[a.Key] || out[a.Key] {
				continue
			}
			if dependsOnAny(a, keys) || dependsOnAny(a, out) {
				out[a.Key] = true
				changed = true
			}
		}
	}
	return out
}

// ownsAt reports whether this plan's node owns app's actions at loc.
func (b *builder) ownsAt(app string, loc Location) bool {
	return ownedBy(TierOwner(b.cfg, b.cfg.Application(app), loc.Tier), b.opts.Node)
}

// wakeForOthers has a plan with waiting actions look again after FleetPoll.
func (b *builder) wakeForOthers() {
	if len(b.waiting) == 0 {
		return
	}
	b.wakeAt(b.now.Add(FleetPoll), fmt.Sprintf("%d %s for actions owned by %s",
		len(b.waiting), plural(len(b.waiting), "action waits", "actions wait"), strings.Join(owners(b.elsewhere), ", ")))
}

// owners lists the owners of actions, sorted, each once.
func owners(actions []ordered) []string {
	var out []string
	for _, o := range actions {
		out = append(out, o.Owner)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// planNode is the node a plan records: set only when the configuration
// names nodes, so that a saved plan is applied by the node it was made for.
func (b *builder) planNode() string {
	if b.cfg.UsesNodes() {
		return b.opts.Node
	}
	return ""
}

// nodes lists the nodes cfg names, sorted, each once.
func nodes(cfg *spec.Config) []string {
	var out []string
	for _, a := range cfg.Applications {
		out = append(out, a.Node)
	}
	for _, t := range cfg.Tiers {
		out = append(out, t.Node)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	return slices.DeleteFunc(out, func(n string) bool { return n == "" })
}

// warnUnknownNode warns when a plan is made for a node the configuration
// does not name: it runs none of the named nodes' work, which is most
// likely a host name that differs from the one the configuration uses.
func (b *builder) warnUnknownNode() {
	names := nodes(b.cfg)
	if b.opts.Node == "" || len(names) == 0 || slices.Contains(names, b.opts.Node) {
		return
	}
	b.warnf("node %q (--node, by default the host name) is named by no application or tier: this plan runs only "+
		"what no node owns; the nodes are %s", b.opts.Node, joinList(names))
}

// warnForcedElsewhere warns of each snapshot asked for (--snapshot, a
// request of watch's page) that another node makes.
func (b *builder) warnForcedElsewhere() {
	for _, o := range b.elsewhere {
		if o.Kind == Snapshot && slices.Contains(b.opts.Force, o.App) {
			b.warnf("a snapshot of %s was asked for, but node %s makes its snapshots, not node %s: ask there, "+
				"or plan with --node %s", o.App, o.Owner, b.opts.Node, o.Owner)
		}
	}
}

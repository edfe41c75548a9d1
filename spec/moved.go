package spec

import (
	"fmt"
	"maps"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Moved is one `moved { from = application.a  to = application.b }` block:
// the snapshots stored under a's paths belong to b now (DESIGN.md §8).
type Moved struct {
	From, To string
	// FromLabels are what the application had before the move where it
	// differs now (`from_labels`): the keys server, vm and relpath are
	// those attributes, any other key a free-form label.
	FromLabels map[string]string
	DeclRange  hcl.Range
	FromRange  hcl.Range
	ToRange    hcl.Range
}

// Removed is one `removed { from = application.x  destroy = … }` block: the
// application is retired on purpose.
type Removed struct {
	From string
	// Destroy asks the plan to purge every snapshot of it at every location.
	Destroy bool
	// FromLabels are the labels it had, as in Moved.
	FromLabels map[string]string
	// Paths maps each tier to the application's path there.
	Paths     map[string]string
	DeclRange hcl.Range
	FromRange hcl.Range
}

// Previous is one name and set of paths an application's snapshots were
// stored under before a moved block.
type Previous struct {
	// Name is the application's name then.
	Name string
	// Paths maps a tier to the old path there, only where it differs from
	// the application's current path (and from a nearer Previous).
	Paths map[string]string
	// Moved is the block that moved them.
	Moved *Moved
}

var movedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "from", Required: true}, {Name: "to", Required: true}, {Name: "from_labels"},
	},
}

var removedSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "from", Required: true}, {Name: "destroy", Required: true}, {Name: "from_labels"},
	},
}

// decodeMoves decodes the moved and removed blocks, checks them against the
// applications and gives each application its previous paths.
func (l *loader) decodeMoves(moved, removed []*hcl.Block) {
	for _, b := range moved {
		if m := l.decodeMovedBlock(b); m != nil {
			l.cfg.Moved = append(l.cfg.Moved, m)
		}
	}
	for _, b := range removed {
		if r := l.decodeRemovedBlock(b); r != nil {
			l.cfg.Removed = append(l.cfg.Removed, r)
		}
	}
	byTo, ok := l.checkMoved()
	if ok {
		for _, a := range l.cfg.Applications {
			l.previousPaths(a, byTo)
		}
	}
	l.checkRemoved()
}

func (l *loader) decodeMovedBlock(b *hcl.Block) *Moved {
	content, diags := b.Body.Content(movedSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	from, to := content.Attributes["from"], content.Attributes["to"]
	m := &Moved{DeclRange: b.DefRange, FromRange: from.Expr.Range(), ToRange: to.Expr.Range()}
	var ok1, ok2 bool
	m.From, ok1 = l.refName(from.Expr, "application")
	m.To, ok2 = l.refName(to.Expr, "application")
	labels, ok3 := l.fromLabels(content.Attributes["from_labels"])
	m.FromLabels = labels
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	if m.From == m.To && len(m.FromLabels) == 0 {
		l.diags = append(l.diags, errorDiag("Redundant moved block",
			fmt.Sprintf("This block moves application %q to itself. To record a change of its labels, say what they were: from_labels = { server = \"…\" }; otherwise delete the block.", m.From), &m.DeclRange))
		return nil
	}
	return m
}

func (l *loader) decodeRemovedBlock(b *hcl.Block) *Removed {
	content, diags := b.Body.Content(removedSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	from := content.Attributes["from"]
	r := &Removed{DeclRange: b.DefRange, FromRange: from.Expr.Range(), Paths: map[string]string{}}
	var ok1, ok2, ok3 bool
	r.From, ok1 = l.refName(from.Expr, "application")
	r.Destroy, ok2 = l.attrBool(content.Attributes["destroy"])
	r.FromLabels, ok3 = l.fromLabels(content.Attributes["from_labels"])
	if !ok1 || !ok2 || !ok3 {
		return nil
	}
	return r
}

// fromLabels decodes the optional from_labels map.
func (l *loader) fromLabels(attr *hcl.Attribute) (map[string]string, bool) {
	if attr == nil {
		return nil, true
	}
	return l.attrStringMap(attr)
}

// checkMoved reports moves from applications that still exist, to unknown
// applications, two moves from or to one name, and cycles. It returns the
// blocks by their `to` when they are consistent.
func (l *loader) checkMoved() (map[string]*Moved, bool) {
	n := len(l.diags.Errs())
	byFrom, byTo := map[string]*Moved{}, map[string]*Moved{}
	for _, m := range l.cfg.Moved {
		if first := byTo[m.To]; first != nil {
			l.diags = append(l.diags, errorDiag("Ambiguous moved blocks",
				fmt.Sprintf("Two moved blocks move to application %q; the first is at %s. Each application continues one history: merge the blocks, or move the other one elsewhere.", m.To, posString(first.DeclRange)), &m.ToRange))
		} else {
			byTo[m.To] = m
		}
		if first := byFrom[m.From]; first != nil {
			l.diags = append(l.diags, errorDiag("Ambiguous moved blocks",
				fmt.Sprintf("Two moved blocks move application %q; the first is at %s.", m.From, posString(first.DeclRange)), &m.FromRange))
		} else {
			byFrom[m.From] = m
		}
	}
	for _, m := range l.cfg.Moved {
		l.checkMovedEnds(m, byFrom)
	}
	acyclic := l.checkMovedCycles(byFrom)
	return byTo, acyclic && len(l.diags.Errs()) == n
}

// checkMovedEnds checks that m moves from a name no application has and to
// an application, directly or through a chain of moved blocks.
func (l *loader) checkMovedEnds(m *Moved, byFrom map[string]*Moved) {
	if m.From != m.To && l.cfg.Application(m.From) != nil {
		l.diags = append(l.diags, errorDiag("Moved application still exists",
			fmt.Sprintf("Application %q is still declared, so its snapshots cannot move to %q. Delete or rename its application block, or delete this moved block.", m.From, m.To), &m.FromRange))
	}
	if l.cfg.Application(m.To) == nil && byFrom[m.To] == nil {
		l.diags = append(l.diags, errorDiag("Moved to an unknown application",
			fmt.Sprintf("No application %q is declared (nor moved on by another moved block): the snapshots of %q would have no owner.", m.To, m.From), &m.ToRange))
	}
}

// checkMovedCycles reports a chain of moved blocks that comes back to its
// start (A→B, B→A).
func (l *loader) checkMovedCycles(byFrom map[string]*Moved) bool {
	for _, m := range l.cfg.Moved {
		seen := map[*Moved]bool{}
		for cur := m; cur != nil && cur.From != cur.To; cur = byFrom[cur.To] {
			if seen[cur] {
				l.diags = append(l.diags, errorDiag("Moved blocks form a cycle",
					fmt.Sprintf("Following the moved blocks from application %q comes back to it: no application ends the chain.", m.From), &m.DeclRange))
				return false
			}
			seen[cur] = true
		}
	}
	return true
}

// previousPaths walks the chain of moved blocks that end at a, newest
// first, and evaluates each old name's paths with a's tiers and the labels
// it had then.
func (l *loader) previousPaths(a *Application, byTo map[string]*Moved) {
	cur := *a
	seen := map[[2]string]bool{} // tier, path
	for t, p := range a.Paths {
		seen[[2]string{t, p}] = true
	}
	for m := byTo[a.Name]; m != nil; m = byTo[m.From] {
		old := withLabels(&cur, m.From, m.FromLabels)
		prev := Previous{Name: m.From, Paths: map[string]string{}, Moved: m}
		for _, t := range a.Tiers {
			p, ok := l.blockPath(t, old, "moved", m.DeclRange)
			if k := [2]string{t.Name, p}; ok && !seen[k] {
				seen[k] = true
				prev.Paths[t.Name] = p
			}
		}
		a.Previous = append(a.Previous, prev)
		cur = *old
		if m.From == m.To {
			break
		}
	}
}

// withLabels is a copy of a named name, with the labels overridden.
func withLabels(a *Application, name string, labels map[string]string) *Application {
	old := &Application{Name: name, Server: a.Server, VM: a.VM, Relpath: a.Relpath, Labels: maps.Clone(a.Labels)}
	if old.Labels == nil {
		old.Labels = map[string]string{}
	}
	for k, v := range labels {
		switch k {
		case "server":
			old.Server = v
		case "vm":
			old.VM = v
		case "relpath":
			old.Relpath = v
		default:
			old.Labels[k] = v
		}
	}
	return old
}

// blockPath evaluates tier t's path for the application as a moved or
// removed block describes it; a label the template needs and the block
// does not give is reported at the block.
func (l *loader) blockPath(t *Tier, a *Application, kind string, rng hcl.Range) (string, bool) {
	if src := l.tierSrc[t]; src.path != nil && src.pathOK {
		if missing := unsetAppAttrs(src.path.Expr, a); len(missing) > 0 {
			l.diags = append(l.diags, errorDiag("Missing application attribute",
				fmt.Sprintf("The path of tier %q uses app.%s, which application %q did not set: say what it was in this %s block, e.g. from_labels = { %s = \"…\" }.",
					t.Name, strings.Join(missing, ", app."), a.Name, kind, missing[0]), &rng))
			return "", false
		}
	}
	return l.tierPath(t, a)
}

// checkRemoved reports removed blocks for applications that still exist,
// that a moved block names, or that are removed twice, and evaluates the
// paths of the others at every tier.
func (l *loader) checkRemoved() {
	seen := map[string]*Removed{}
	for _, r := range l.cfg.Removed {
		switch {
		case seen[r.From] != nil:
			l.diags = append(l.diags, errorDiag("Duplicate removed block",
				fmt.Sprintf("Application %q is already removed at %s.", r.From, posString(seen[r.From].DeclRange)), &r.FromRange))
			continue
		case l.cfg.Application(r.From) != nil:
			l.diags = append(l.diags, errorDiag("Removed application still exists",
				fmt.Sprintf("Application %q is still declared. Delete its application block to retire it, or delete this removed block.", r.From), &r.FromRange))
		case l.movedNames()[r.From]:
			l.diags = append(l.diags, errorDiag("Removed application is moved",
				fmt.Sprintf("A moved block names application %q: its snapshots cannot both move and be retired.", r.From), &r.FromRange))
		}
		seen[r.From] = r
		l.removedPaths(r)
	}
}

func (l *loader) movedNames() map[string]bool {
	out := map[string]bool{}
	for _, m := range l.cfg.Moved {
		out[m.From], out[m.To] = true, true
	}
	return out
}

// removedPaths evaluates the retired application's path at every tier.
func (l *loader) removedPaths(r *Removed) {
	a := withLabels(&Application{}, r.From, r.FromLabels)
	for _, t := range l.cfg.Tiers {
		if p, ok := l.blockPath(t, a, "removed", r.DeclRange); ok {
			r.Paths[t.Name] = p
		}
	}
}

// RemovedApp returns the removed block of the application called name, or nil.
func (c *Config) RemovedApp(name string) *Removed {
	for _, r := range c.Removed {
		if r.From == name {
			return r
		}
	}
	return nil
}

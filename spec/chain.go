package spec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// decodeKeep decodes a tier's keep block; a tier must keep something.
func (l *loader) decodeKeep(t *Tier, tb, b *hcl.Block) {
	subject := tb.DefRange
	if b != nil {
		subject = b.DefRange
		t.Keep = l.decodeKeepBlock(b)
	}
	if t.Keep.IsZero() {
		l.diags = append(l.diags, errorDiag("Retention keeps nothing",
			fmt.Sprintf("Tier %q needs a keep block with at least one rule (last, hourly, daily, weekly, monthly, yearly or within).", t.Name),
			&subject))
	}
}

func (l *loader) decodeKeepBlock(b *hcl.Block) Keep {
	var k Keep
	content, diags := b.Body.Content(keepSchema)
	l.diags = append(l.diags, diags...)
	counts := map[string]*int{"last": &k.Last, "hourly": &k.Hourly, "daily": &k.Daily,
		"weekly": &k.Weekly, "monthly": &k.Monthly, "yearly": &k.Yearly}
	for name, dst := range counts {
		if attr := content.Attributes[name]; attr != nil {
			*dst, _ = l.attrInt(attr, 0)
		}
	}
	if attr := content.Attributes["within"]; attr != nil {
		k.Within, _ = l.attrDuration(attr)
	}
	return k
}

func (l *loader) decodeVerifyBlock(b *hcl.Block) *Verify {
	v := &Verify{}
	content, diags := b.Body.Content(verifySchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["every"]; attr != nil {
		v.Every, _ = l.attrDuration(attr)
	}
	if attr := content.Attributes["sample"]; attr != nil {
		if n, ok := l.attrInt(attr, 0); ok && n > 100 {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid number", "sample is a percentage: 0 to 100.", &rng))
		} else {
			v.Sample = n
		}
	}
	return v
}

// checkCycles reports tiers that take from each other in a loop, once per
// loop; it returns whether there was one.
func (l *loader) checkCycles(tiers []*Tier) bool {
	const (
		unvisited = iota
		onPath
		done
	)
	state := map[*Tier]int{}
	found := false
	for _, start := range tiers {
		var path []*Tier
		t := start
		for ; t != nil && state[t] == unvisited; t = t.From {
			state[t] = onPath
			path = append(path, t)
		}
		if t != nil && state[t] == onPath {
			found = true
			l.reportCycle(path[indexOf(path, t):])
		}
		for _, p := range path {
			state[p] = done
		}
	}
	return found
}

func indexOf(path []*Tier, t *Tier) int {
	for i, p := range path {
		if p == t {
			return i
		}
	}
	return 0
}

func (l *loader) reportCycle(cycle []*Tier) {
	rng := l.tierSrc[cycle[0]].from.Expr.Range()
	if len(cycle) == 1 {
		l.diags = append(l.diags, errorDiag("Tier takes from itself",
			fmt.Sprintf("Tier %q cannot take its snapshots from itself.", cycle[0].Name), &rng))
		return
	}
	var names []string
	for _, t := range cycle {
		names = append(names, t.Name)
	}
	names = append(names, cycle[0].Name)
	l.diags = append(l.diags, errorDiag("Tier cycle",
		fmt.Sprintf("The tiers take from each other in a loop: %s. Every chain must start at a tier without from.",
			strings.Join(names, " → ")), &rng))
}

// chainOrder sorts tiers so that every tier comes after its upstream; ties
// are broken by name. The tiers must not form a loop.
func chainOrder(tiers []*Tier) []*Tier {
	rest := append([]*Tier(nil), tiers...)
	sort.Slice(rest, func(i, j int) bool { return rest[i].Name < rest[j].Name })
	placed := map[*Tier]bool{}
	var out []*Tier
	for len(rest) > 0 {
		i := 0
		for i < len(rest) && rest[i].From != nil && !placed[rest[i].From] {
			i++
		}
		if i == len(rest) { // a loop: cannot happen after checkCycles
			return append(out, rest...)
		}
		out, placed[rest[i]] = append(out, rest[i]), true
		rest = append(rest[:i], rest[i+1:]...)
	}
	return out
}

// appTiers decodes an application's tiers (default: every tier), in chain
// order, and records where they come from for later diagnostics.
func (l *loader) appTiers(a *Application, attr *hcl.Attribute, b *hcl.Block) []*Tier {
	if attr == nil {
		l.appTiersRange[a] = b.LabelRanges[0]
		return append([]*Tier(nil), l.cfg.Tiers...)
	}
	before := len(l.diags)
	names, ranges, _ := l.refNames(attr, "tier")
	for i, name := range names {
		if l.cfg.Tier(name) == nil {
			l.diags = append(l.diags, undeclared("tier", name, ranges[i]))
		}
	}
	if !l.diags[before:].HasErrors() {
		l.appTiersRange[a] = attr.Expr.Range()
	}
	var out []*Tier
	for _, t := range l.cfg.Tiers {
		if contains(names, t.Name) {
			out = append(out, t)
		}
	}
	return out
}

// checkAppChain checks that an application's tiers have exactly one origin
// and contain the upstream of each of them.
func (l *loader) checkAppChain(a *Application) {
	rng, ok := l.appTiersRange[a]
	if !ok || l.chainBroken {
		return
	}
	var origins []string
	for _, t := range a.Tiers {
		if t.From == nil {
			origins = append(origins, t.Name)
		} else if !containsTier(a.Tiers, t.From) {
			l.diags = append(l.diags, errorDiag("Missing upstream tier",
				fmt.Sprintf("Application %q is kept in tier %q, which takes from tier %q; add tier.%s to its tiers.",
					a.Name, t.Name, t.From.Name, t.From.Name), &rng))
		}
	}
	switch {
	case len(origins) == 0:
		l.diags = append(l.diags, errorDiag("Application has no origin tier",
			fmt.Sprintf("Application %q needs exactly one tier without from, where its snapshots are made.", a.Name), &rng))
	case len(origins) > 1:
		l.diags = append(l.diags, errorDiag("Application has several origin tiers",
			fmt.Sprintf("Application %q is kept in the origin tiers %s; it needs exactly one.", a.Name, strings.Join(origins, ", ")), &rng))
	}
}

func containsTier(tiers []*Tier, t *Tier) bool {
	for _, x := range tiers {
		if x == t {
			return true
		}
	}
	return false
}

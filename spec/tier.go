package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

var tierSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "from"},
		{Name: "destinations", Required: true},
		{Name: "path"},
		{Name: "node"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "keep"}, {Type: "verify"}},
}

var keepSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "last"}, {Name: "hourly"}, {Name: "daily"}, {Name: "weekly"},
		{Name: "monthly"}, {Name: "yearly"}, {Name: "within"},
	},
}

var verifySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "every"}, {Name: "sample"}},
}

// tierSource is what is decoded later than the Tier itself: its upstream
// (once every tier is known) and its path template (per application).
type tierSource struct {
	from     *hcl.Attribute // nil for an origin tier
	fromName string
	path     *hcl.Attribute // nil means "${app.name}"
	pathOK   bool           // the template's references are valid
}

// decodeTiers decodes every tier, links each to its upstream and puts them
// in chain order.
func (l *loader) decodeTiers(bs []*hcl.Block) {
	byName := map[string]*Tier{}
	var tiers []*Tier
	for _, b := range bs {
		t := l.decodeTierBlock(b)
		byName[t.Name] = t
		tiers = append(tiers, t)
	}
	for _, t := range tiers {
		l.linkFrom(t, byName)
	}
	if l.checkCycles(tiers) {
		l.chainBroken = true
		l.cfg.Tiers = tiers
		return
	}
	l.cfg.Tiers = chainOrder(tiers)
}

func (l *loader) decodeTierBlock(b *hcl.Block) *Tier {
	t := &Tier{Name: b.Labels[0], DeclRange: b.DefRange, PathRange: b.DefRange}
	src := &tierSource{}
	l.tierSrc[t] = src
	content, diags := b.Body.Content(tierSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["from"]; attr != nil {
		var ok bool
		src.from = attr
		if src.fromName, ok = l.refName(attr.Expr, "tier"); !ok {
			l.chainBroken = true
		}
	}
	if attr := content.Attributes["destinations"]; attr != nil {
		t.Destinations = l.tierDestinations(attr)
	}
	if attr := content.Attributes["path"]; attr != nil {
		src.path, t.PathRange = attr, attr.Range
		src.pathOK = l.checkRefs(attr.Expr, true)
	}
	t.Node = l.decodeNode(content.Attributes["node"])
	l.decodeKeep(t, b, l.singleBlock(content, "keep"))
	if vb := l.singleBlock(content, "verify"); vb != nil {
		t.Verify = l.decodeVerifyBlock(vb)
	}
	return t
}

// refName decodes a reference kind.NAME and returns NAME.
func (l *loader) refName(expr hcl.Expression, kind string) (string, bool) {
	tr, diags := hcl.AbsTraversalForExpr(expr)
	if diags.HasErrors() || len(tr) != 2 || tr.RootName() != kind || traversalAttr(tr) == "" {
		rng := expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid "+kind+" reference",
			fmt.Sprintf("Expected a reference such as %s.NAME.", kind), &rng))
		return "", false
	}
	return traversalAttr(tr), true
}

// refNames decodes a list of references kind.NAME, reporting duplicates.
// empty reports a list written with no element at all.
func (l *loader) refNames(attr *hcl.Attribute, kind string) (names []string, ranges []hcl.Range, empty bool) {
	exprs, diags := hcl.ExprList(attr.Expr)
	l.diags = append(l.diags, diags...)
	empty = len(exprs) == 0 && !diags.HasErrors()
	for _, e := range exprs {
		name, ok := l.refName(e, kind)
		if ok && contains(names, name) {
			rng := e.Range()
			l.diags = append(l.diags, errorDiag("Duplicate "+kind+" reference",
				fmt.Sprintf("%s.%s is listed twice.", kind, name), &rng))
		} else if ok {
			names, ranges = append(names, name), append(ranges, e.Range())
		}
	}
	return names, ranges, empty
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (l *loader) tierDestinations(attr *hcl.Attribute) []*Destination {
	names, ranges, empty := l.refNames(attr, "destination")
	var out []*Destination
	for i, name := range names {
		if d := l.cfg.Destination(name); d != nil {
			out = append(out, d)
		} else {
			l.diags = append(l.diags, undeclared("destination", name, ranges[i]))
		}
	}
	if empty {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Tier without destinations",
			"A tier needs at least one destination.", &rng))
	}
	return out
}

func undeclared(kind, name string, rng hcl.Range) *hcl.Diagnostic {
	return errorDiag("Reference to undeclared "+kind, fmt.Sprintf("No %s %q is declared.", kind, name), &rng)
}

// linkFrom sets t.From from the name decoded earlier.
func (l *loader) linkFrom(t *Tier, byName map[string]*Tier) {
	src := l.tierSrc[t]
	if src.fromName == "" {
		return
	}
	if t.From = byName[src.fromName]; t.From == nil {
		l.chainBroken = true
		l.diags = append(l.diags, undeclared("tier", src.fromName, src.from.Expr.Range()))
	}
}

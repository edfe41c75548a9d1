package spec

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// appPaths evaluates the path template of each of the application's tiers.
func (l *loader) appPaths(a *Application) {
	for _, t := range a.Tiers {
		if p, ok := l.tierPath(t, a); ok {
			a.Paths[t.Name] = p
		}
	}
}

// tierPath evaluates tier t's path template for application a.
func (l *loader) tierPath(t *Tier, a *Application) (string, bool) {
	src := l.tierSrc[t]
	if src.path == nil {
		return a.Name, true
	}
	if !src.pathOK {
		return "", false
	}
	expr := src.path.Expr
	v, diags := expr.Value(l.appContext(a))
	if missing := unsetAppAttrs(expr, a); len(missing) > 0 && (diags.HasErrors() || v.IsNull()) {
		l.diags = append(l.diags, missingAttrDiag(t, a, missing, expr.Range()))
		return "", false
	}
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return "", false
	}
	return l.cleanPathValue(v, t, a, expr)
}

// appContext is the evaluation context of a tier's path for application a.
// Attributes a does not set are null.
func (l *loader) appContext(a *Application) *hcl.EvalContext {
	labels := cty.MapValEmpty(cty.String)
	if len(a.Labels) > 0 {
		m := map[string]cty.Value{}
		for k, v := range a.Labels {
			m[k] = cty.StringVal(v)
		}
		labels = cty.MapVal(m)
	}
	ctx := l.ctx.NewChild()
	ctx.Variables = map[string]cty.Value{"app": cty.ObjectVal(map[string]cty.Value{
		"name": cty.StringVal(a.Name), "server": optStringVal(a.Server),
		"vm": optStringVal(a.VM), "relpath": optStringVal(a.Relpath), "labels": labels,
	})}
	return ctx
}

func optStringVal(s string) cty.Value {
	if s == "" {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(s)
}

// unsetAppAttrs lists the app attributes expr uses that a does not set.
func unsetAppAttrs(expr hcl.Expression, a *Application) []string {
	set := map[string]bool{"server": a.Server != "", "vm": a.VM != "", "relpath": a.Relpath != ""}
	var missing []string
	for _, tr := range expr.Variables() {
		attr := traversalAttr(tr)
		if isSet, known := set[attr]; tr.RootName() == "app" && known && !isSet && !contains(missing, attr) {
			missing = append(missing, attr)
		}
	}
	sort.Strings(missing)
	return missing
}

func missingAttrDiag(t *Tier, a *Application, missing []string, rng hcl.Range) *hcl.Diagnostic {
	return errorDiag("Missing application attribute",
		fmt.Sprintf("The path of tier %q uses app.%s, but application %q does not set %s.",
			t.Name, strings.Join(missing, ", app."), a.Name, strings.Join(missing, ", ")), &rng)
}

// cleanPathValue checks and cleans an evaluated tier path.
func (l *loader) cleanPathValue(v cty.Value, t *Tier, a *Application, expr hcl.Expression) (string, bool) {
	rng := expr.Range()
	v, ok := l.convertAttr(v, cty.String, expr)
	if !ok {
		return "", false
	}
	v, marks := v.UnmarkDeep()
	if !v.IsKnown() {
		l.diags = append(l.diags, unknownDiag(marks, rng))
		return "", false
	}
	p, err := cleanTierPath(v.AsString())
	if err != nil {
		l.diags = append(l.diags, errorDiag("Invalid tier path",
			fmt.Sprintf("The path of tier %q for application %q %s.", t.Name, a.Name, err), &rng))
		return "", false
	}
	return p, true
}

// cleanTierPath cleans a tier path: relative, slash-separated, not empty,
// without "..", without control characters.
func cleanTierPath(s string) (string, error) {
	switch {
	case strings.HasPrefix(s, "/"):
		return "", errors.New("must be relative, not start with /")
	case contains(strings.Split(s, "/"), ".."):
		return "", errors.New(`must not contain ".."`)
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", errors.New("must not contain control characters")
	}
	p := path.Clean(s)
	if p == "." {
		return "", errors.New("must not be empty")
	}
	return p, nil
}

// pathUse is one application stored by one tier at a destination.
type pathUse struct {
	app  *Application
	tier *Tier
	path string
	// as is the name the snapshots were stored under before a moved block,
	// or of a removed block's application; "" for the current path.
	as  string
	rng hcl.Range
}

func (u pathUse) String() string {
	switch {
	case u.as == "":
		return fmt.Sprintf("application %q of tier %q", u.app.Name, u.tier.Name)
	case u.app == nil:
		return fmt.Sprintf("removed application %q of tier %q", u.as, u.tier.Name)
	}
	return fmt.Sprintf("application %q (before its move, as %q) of tier %q", u.app.Name, u.as, u.tier.Name)
}

// sameHistory reports whether two uses are one application's current and
// previous paths, which may nest (they never hold the same snapshot twice).
func sameHistory(a, b pathUse) bool {
	return a.app != nil && a.app == b.app && (a.as != "" || b.as != "")
}

// checkPathCollisions reports, for each destination, two applications (or
// one application in two tiers) whose paths are equal or nested.
func (l *loader) checkPathCollisions() {
	reported := map[[4]string]bool{}
	for _, d := range l.cfg.Destinations {
		uses := l.pathUses(d)
		for _, pair := range collisions(uses) {
			a, b := uses[pair[0]], uses[pair[1]]
			if sameHistory(a, b) {
				continue
			}
			key := [4]string{a.String(), a.tier.Name, b.String(), b.tier.Name}
			if !reported[key] {
				reported[key] = true
				l.diags = append(l.diags, collisionDiag(d, a, b))
			}
		}
	}
}

// pathUses lists what is stored at d, tiers in chain order, then apps by name.
func (l *loader) pathUses(d *Destination) []pathUse {
	var uses []pathUse
	for _, t := range l.cfg.Tiers {
		if !containsDest(t.Destinations, d) {
			continue
		}
		for _, a := range l.cfg.Applications {
			if p, ok := a.Paths[t.Name]; ok && containsTier(a.Tiers, t) {
				uses = append(uses, pathUse{app: a, tier: t, path: p, rng: t.PathRange})
			}
			for _, prev := range a.Previous {
				if p, ok := prev.Paths[t.Name]; ok {
					uses = append(uses, pathUse{app: a, tier: t, path: p, as: prev.Name, rng: prev.Moved.DeclRange})
				}
			}
		}
		for _, r := range l.cfg.Removed {
			if p, ok := r.Paths[t.Name]; ok {
				uses = append(uses, pathUse{tier: t, path: p, as: r.From, rng: r.DeclRange})
			}
		}
	}
	return uses
}

func containsDest(ds []*Destination, d *Destination) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

// collisions returns the pairs (i, j), i < j, of uses whose paths are equal
// or where one is a parent directory of the other.
func collisions(uses []pathUse) [][2]int {
	byPath := map[string][]int{}
	for i, u := range uses {
		byPath[u.path] = append(byPath[u.path], i)
	}
	var pairs [][2]int
	for j, u := range uses {
		for _, i := range byPath[u.path] {
			if i < j {
				pairs = append(pairs, [2]int{i, j})
			}
		}
		for _, p := range parents(u.path) {
			for _, i := range byPath[p] {
				pairs = append(pairs, [2]int{min(i, j), max(i, j)})
			}
		}
	}
	sort.Slice(pairs, func(a, b int) bool {
		return pairs[a][1] < pairs[b][1] || pairs[a][1] == pairs[b][1] && pairs[a][0] < pairs[b][0]
	})
	return pairs
}

// parents lists the strict parent directories of a slash-separated path.
func parents(p string) []string {
	var out []string
	for i := range len(p) {
		if p[i] == '/' {
			out = append(out, p[:i])
		}
	}
	return out
}

func collisionDiag(d *Destination, a, b pathUse) *hcl.Diagnostic {
	return errorDiag("Application paths collide",
		fmt.Sprintf("At destination %q, %s is stored at %q and %s at %q: one would mix with the other's snapshots.",
			d.Name, a, a.path, b, b.path),
		&b.rng)
}

package spec

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// appAttrs are the attributes of `app` in a tier's path template.
var appAttrs = map[string]bool{"name": true, "server": true, "vm": true, "relpath": true, "labels": true}

// evalContext is the context of every expression: var.*, path.config and
// the functions. A tier's path adds app.* (see appContext).
func (l *loader) evalContext() *hcl.EvalContext {
	vars := map[string]cty.Value{}
	for name, v := range l.cfg.Variables {
		val := cty.StringVal(v.Value)
		if v.Sensitive {
			val = val.Mark(sensitiveMark{})
		}
		vars[name] = val
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{
			"var":  cty.ObjectVal(vars),
			"path": cty.ObjectVal(map[string]cty.Value{"config": cty.StringVal(l.dir)}),
		},
		Functions: functions(l.dir, l.opts.LookupEnv),
	}
}

// eval checks the references of expr, then evaluates it; withApp allows
// app.* (tier paths only).
func (l *loader) eval(expr hcl.Expression, ctx *hcl.EvalContext, withApp bool) (cty.Value, bool) {
	if !l.checkRefs(expr, withApp) {
		return cty.DynamicVal, false
	}
	v, diags := expr.Value(ctx)
	l.diags = append(l.diags, diags...)
	return v, !diags.HasErrors()
}

// checkRefs reports the invalid references of expr; false if there is one.
func (l *loader) checkRefs(expr hcl.Expression, withApp bool) bool {
	ok := true
	for _, tr := range expr.Variables() {
		if d := l.checkRef(tr, withApp); d != nil {
			l.diags = append(l.diags, d)
			ok = false
		}
	}
	return ok
}

// checkRef reports a reference to something that does not exist or is not
// available in this expression.
func (l *loader) checkRef(tr hcl.Traversal, withApp bool) *hcl.Diagnostic {
	root, attr := tr.RootName(), traversalAttr(tr)
	rng := tr.SourceRange()
	switch {
	case root == "var" && attr != "" && l.cfg.Variables[attr] == nil:
		return errorDiag("Reference to undeclared variable", fmt.Sprintf("No variable %q is declared.", attr), &rng)
	case root == "path" && attr != "" && attr != "config":
		return errorDiag("Reference to undeclared path attribute", "The only path attribute is path.config.", &rng)
	case root == "app" && withApp && attr != "" && !appAttrs[attr]:
		return errorDiag("Reference to undeclared app attribute",
			fmt.Sprintf("app has no attribute %q; it has name, server, vm, relpath and labels.", attr), &rng)
	case root == "app" && !withApp, root == "tier", root == "destination":
		return errorDiag("Invalid reference", misplacedRef(root), &rng)
	case root != "var" && root != "path" && root != "app":
		return errorDiag("Unknown reference",
			fmt.Sprintf("There is nothing named %q; expressions may use var.NAME, path.config and, in a tier's path, app.", root), &rng)
	}
	return nil
}

func misplacedRef(root string) string {
	switch root {
	case "app":
		return "app.* is only available in a tier's path."
	case "tier":
		return "tier.NAME may only be used in a tier's from and an application's tiers."
	}
	return "destination.NAME may only be used in a tier's destinations."
}

// traversalAttr is the attribute name right after the root, or "".
func traversalAttr(tr hcl.Traversal) string {
	if len(tr) < 2 {
		return ""
	}
	if a, ok := tr[1].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// convertAttr converts v to ty, refusing null.
func (l *loader) convertAttr(v cty.Value, ty cty.Type, expr hcl.Expression) (cty.Value, bool) {
	rng := expr.Range()
	if v.IsNull() {
		l.diags = append(l.diags, errorDiag("Invalid value", "The value must not be null.", &rng))
		return v, false
	}
	out, err := convert.Convert(v, ty)
	if err != nil {
		l.diags = append(l.diags, errorDiag("Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value: %s.", err), &rng))
		return v, false
	}
	return out, true
}

// plain evaluates expr to a wholly known, unmarked value of type ty. An
// unset env() is an error here: the value is needed to validate.
func (l *loader) plain(expr hcl.Expression, ty cty.Type) (cty.Value, bool) {
	v, ok := l.eval(expr, l.ctx, false)
	if ok {
		v, ok = l.convertAttr(v, ty, expr)
	}
	if !ok {
		return v, false
	}
	v, marks := v.UnmarkDeep()
	if !v.IsWhollyKnown() {
		l.diags = append(l.diags, unknownDiag(marks, expr.Range()))
		return v, false
	}
	return v, true
}

func unknownDiag(marks cty.ValueMarks, rng hcl.Range) *hcl.Diagnostic {
	if name := unsetEnv(marks); name != "" {
		return errorDiag("Environment variable not set",
			fmt.Sprintf("env(%q) is not set. Only a destination's remote, options and encrypt may use an unset environment variable; this value is needed to validate the configuration.", name), &rng)
	}
	return errorDiag("Value not known", "This value cannot be determined from the configuration.", &rng)
}

// unsetEnv is the first (by name) environment variable marked unset.
func unsetEnv(marks cty.ValueMarks) string {
	var names []string
	for m := range marks {
		if u, ok := m.(unsetEnvMark); ok {
			names = append(names, u.name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// valueOf turns an evaluated string expression into a Value, keeping what
// its marks say (sensitive, unset env()).
func (l *loader) valueOf(expr hcl.Expression) (Value, bool) {
	out := Value{Range: expr.Range()}
	v, ok := l.eval(expr, l.ctx, false)
	if ok {
		v, ok = l.convertAttr(v, cty.String, expr)
	}
	if !ok {
		return out, false
	}
	v, marks := v.UnmarkDeep()
	_, out.Sensitive = marks[sensitiveMark{}]
	if v.IsKnown() {
		out.Str = v.AsString()
		return out, true
	}
	if out.UnsetEnv = unsetEnv(marks); out.UnsetEnv == "" {
		l.diags = append(l.diags, unknownDiag(marks, out.Range))
		return out, false
	}
	return out, true
}

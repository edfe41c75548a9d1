package spec

import (
	"fmt"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
	},
}

// decodeVariables decodes the variable blocks and gives each its final
// value: -var, else STRATA_VAR_<name>, else the default.
func (l *loader) decodeVariables(bs []*hcl.Block) {
	l.cfg.Variables = map[string]*Variable{}
	for _, b := range bs {
		if v := l.decodeVariableBlock(b); v != nil {
			l.cfg.Variables[v.Name] = v
		}
	}
	l.checkUndeclaredVars()
}

func (l *loader) decodeVariableBlock(b *hcl.Block) *Variable {
	v := &Variable{Name: b.Labels[0], DeclRange: b.DefRange}
	content, diags := b.Body.Content(variableSchema)
	l.diags = append(l.diags, diags...)
	// Variables are decoded before anything else: their attributes are constants.
	consts := &loader{dir: l.dir, opts: l.opts, cfg: &Config{}}
	if attr := content.Attributes["description"]; attr != nil {
		v.Description, _ = consts.attrString(attr)
	}
	if attr := content.Attributes["sensitive"]; attr != nil {
		v.Sensitive, _ = consts.attrBool(attr)
	}
	l.diags = append(l.diags, consts.diags...)
	value, ok := l.variableValue(v.Name, content.Attributes["default"])
	if !ok {
		l.diags = append(l.diags, errorDiag("No value for required variable",
			fmt.Sprintf("The variable %q has no default; set it with -var %s=VALUE or STRATA_VAR_%s.", v.Name, v.Name, v.Name),
			&b.LabelRanges[0]))
	}
	v.Value = value
	return v
}

// variableValue is the value of a variable by precedence; ok is false when
// there is none at all.
func (l *loader) variableValue(name string, def *hcl.Attribute) (string, bool) {
	if s, ok := l.opts.Vars[name]; ok {
		return s, true
	}
	if s, ok := l.opts.LookupEnv("STRATA_VAR_" + name); ok {
		return s, true
	}
	if def == nil {
		return "", false
	}
	return l.variableDefault(def)
}

// variableDefault evaluates a default: a constant string, number or bool.
func (l *loader) variableDefault(def *hcl.Attribute) (string, bool) {
	v, diags := def.Expr.Value(nil)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return "", true // reported; do not also say "no value"
	}
	if v.IsNull() {
		return "", false
	}
	s, err := convert.Convert(v, cty.String)
	if err != nil || !s.IsKnown() {
		rng := def.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid default value",
			"A variable's default must be a string, a number or a bool.", &rng))
		return "", true
	}
	return s.AsString(), true
}

// checkUndeclaredVars reports -var values for variables nobody declared.
func (l *loader) checkUndeclaredVars() {
	var names []string
	for name := range l.opts.Vars {
		if l.cfg.Variables[name] == nil {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		l.diags = append(l.diags, errorDiag("Value for undeclared variable",
			fmt.Sprintf("-var %s=… was given, but no variable %q is declared.", name, name), nil))
	}
}

package spec

import (
	"fmt"
	"math"
	"math/big"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// The attr* helpers decode one attribute, append any diagnostic to
// l.diags and report whether the result is usable.

func (l *loader) attrString(attr *hcl.Attribute) (string, bool) {
	v, ok := l.plain(attr.Expr, cty.String)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (l *loader) attrStrings(attr *hcl.Attribute) ([]string, bool) {
	v, ok := l.plain(attr.Expr, cty.List(cty.String))
	if !ok {
		return nil, false
	}
	var out []string
	for _, e := range v.AsValueSlice() {
		if e.IsNull() {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid value", "The list must not contain null.", &rng))
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

func (l *loader) attrStringMap(attr *hcl.Attribute) (map[string]string, bool) {
	v, ok := l.plain(attr.Expr, cty.Map(cty.String))
	if !ok {
		return nil, false
	}
	out := map[string]string{}
	for k, e := range v.AsValueMap() {
		if e.IsNull() {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid value", fmt.Sprintf("The value of %q must not be null.", k), &rng))
			return nil, false
		}
		out[k] = e.AsString()
	}
	return out, true
}

func (l *loader) attrBool(attr *hcl.Attribute) (bool, bool) {
	v, ok := l.plain(attr.Expr, cty.Bool)
	return ok && v.True(), ok
}

// attrInt decodes a whole number of at least min.
func (l *loader) attrInt(attr *hcl.Attribute, min int) (int, bool) {
	v, ok := l.plain(attr.Expr, cty.Number)
	if !ok {
		return 0, false
	}
	bf := v.AsBigFloat()
	n, acc := bf.Int64()
	if !bf.IsInt() || acc != big.Exact || n < int64(min) || n > math.MaxInt32 {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid number",
			fmt.Sprintf("%s must be a whole number of at least %d.", attr.Name, min), &rng))
		return 0, false
	}
	return int(n), true
}

// attrDuration decodes a duration string such as "7d" (see ParseDuration).
func (l *loader) attrDuration(attr *hcl.Attribute) (time.Duration, bool) {
	s, ok := l.attrString(attr)
	if !ok {
		return 0, false
	}
	d, err := ParseDuration(s)
	if err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid duration", err.Error()+".", &rng))
		return 0, false
	}
	return d, true
}

// attrSize decodes a size: a number of bytes or a string such as "1GiB".
func (l *loader) attrSize(attr *hcl.Attribute) (int64, bool) {
	v, ok := l.plain(attr.Expr, cty.DynamicPseudoType)
	if ok {
		v, ok = l.convertAttr(v, cty.String, attr.Expr)
	}
	if !ok {
		return 0, false
	}
	n, err := ParseSize(v.AsString())
	if err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid size", err.Error()+".", &rng))
		return 0, false
	}
	return n, true
}

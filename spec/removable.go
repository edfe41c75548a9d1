package spec

import (
	"time"

	"github.com/hashicorp/hcl/v2"
)

// DefaultDetachedGrace is how long a removable destination may stay
// detached before its tier's copies there count as stale, when the tier
// sets no detached_grace: two weeks, a drive rotated off-site weekly and
// one week late.
const DefaultDetachedGrace = 14 * 24 * time.Hour

// decodeDetachedGrace decodes a tier's `detached_grace` (a duration such as
// "14d"); absent, it is DefaultDetachedGrace.
func (l *loader) decodeDetachedGrace(attr *hcl.Attribute) time.Duration {
	if attr == nil {
		return DefaultDetachedGrace
	}
	d, ok := l.attrDuration(attr)
	if !ok {
		return DefaultDetachedGrace
	}
	if d <= 0 {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid detached_grace",
			"detached_grace is how long a removable destination may stay detached before its copies count as stale: "+
				"a positive duration such as \"14d\".", &rng))
		return DefaultDetachedGrace
	}
	return d
}

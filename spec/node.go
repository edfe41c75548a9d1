package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// MaxNodeName is the longest node name: a DNS name's limit.
const MaxNodeName = 253

// CheckNodeName says what is wrong with a node name, or nil: 1 to 253 ASCII
// letters, digits, '.', '-' and '_' (a host name such as "zg-3.softxs.ch"),
// starting with a letter or digit.
func CheckNodeName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("a node name must not be empty")
	case len(name) > MaxNodeName:
		return fmt.Errorf("a node name has at most %d characters, not %d", MaxNodeName, len(name))
	case !isAlnum(name[0]):
		return fmt.Errorf("node name %q must start with a letter or digit", name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlnum(c) && c != '.' && c != '-' && c != '_' {
			return fmt.Errorf("node name %q has %q, which is not a letter, digit, '.', '-' or '_'", name, c)
		}
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// decodeNode decodes an optional `node = "NAME"` attribute of an application
// or a tier (DESIGN.md §8, fleets): "" when absent or invalid.
func (l *loader) decodeNode(attr *hcl.Attribute) string {
	if attr == nil {
		return ""
	}
	name, ok := l.attrString(attr)
	if !ok {
		return ""
	}
	if err := CheckNodeName(name); err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid node",
			err.Error()+"; give the host name that runs this block's work, as `strata --node NAME` (default: the host name) names it.", &rng))
		return ""
	}
	return name
}

// UsesNodes reports whether any application or tier names a node: whether
// plans depend on the node they are made for.
func (c *Config) UsesNodes() bool {
	for _, a := range c.Applications {
		if a.Node != "" {
			return true
		}
	}
	for _, t := range c.Tiers {
		if t.Node != "" {
			return true
		}
	}
	return false
}

// warnNodeless warns, in a configuration that names nodes, of each
// application that names none: every node that plans makes its snapshots,
// each from its own host's copy of the sources.
func (l *loader) warnNodeless() {
	if !l.cfg.UsesNodes() {
		return
	}
	for _, a := range l.cfg.Applications {
		if a.Node == "" && (a.Origin() == nil || a.Origin().Node == "") {
			l.diags = append(l.diags, warningDiag("Application without node",
				fmt.Sprintf("This configuration names nodes, but application %q names none (nor does its origin tier): "+
					"every host that plans or applies it makes its snapshots, from that host's own copy of its sources. "+
					"Set node = \"HOST\" in it to name the host that makes them.", a.Name), &a.DeclRange))
		}
	}
}

package spec

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Standby is one `standby "name" { application = …  from = tier.x  path = …
// after = […] }` block: the newest healthy snapshot of the application at
// that tier is kept restored at Path (DESIGN.md §8, seed 002's import
// instances).
type Standby struct {
	Name string
	// App is the application, Tier the tier whose snapshots it follows.
	App, Tier string
	// Path is the absolute, clean directory the snapshot is restored at.
	Path string
	// After is the command run once per refresh; nil when none.
	After []string
	// Timeout bounds After; 0 means the default of hooks.
	Timeout   time.Duration
	DeclRange hcl.Range
	AppRange  hcl.Range
	TierRange hcl.Range
	PathRange hcl.Range
}

var standbySchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "application", Required: true}, {Name: "from", Required: true},
		{Name: "path", Required: true}, {Name: "after"}, {Name: "timeout"},
	},
}

// decodeStandbys decodes the standby blocks and checks them against the
// applications, the tiers and each other.
func (l *loader) decodeStandbys(bs []*hcl.Block) {
	for _, b := range bs {
		if s := l.decodeStandbyBlock(b); s != nil {
			l.cfg.Standbys = append(l.cfg.Standbys, s)
		}
	}
	l.checkStandbyPaths()
}

func (l *loader) decodeStandbyBlock(b *hcl.Block) *Standby {
	content, diags := b.Body.Content(standbySchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	app, from, p := content.Attributes["application"], content.Attributes["from"], content.Attributes["path"]
	s := &Standby{Name: b.Labels[0], DeclRange: b.DefRange,
		AppRange: app.Expr.Range(), TierRange: from.Expr.Range(), PathRange: p.Expr.Range()}
	var ok1, ok2, ok3 bool
	s.App, ok1 = l.refName(app.Expr, "application")
	s.Tier, ok2 = l.refName(from.Expr, "tier")
	s.Path, ok3 = l.standbyPath(p)
	ok4 := l.standbyAfter(s, content.Attributes["after"], content.Attributes["timeout"])
	if !ok1 || !ok2 || !ok3 || !ok4 || !l.checkStandbyRefs(s) {
		return nil
	}
	return s
}

// standbyPath decodes path: absolute, and not the root directory.
func (l *loader) standbyPath(attr *hcl.Attribute) (string, bool) {
	p, ok := l.attrString(attr)
	if !ok {
		return "", false
	}
	rng := attr.Expr.Range()
	if !filepath.IsAbs(p) {
		l.diags = append(l.diags, errorDiag("Relative standby path",
			fmt.Sprintf("The standby path %q must be absolute: a standby lives at one fixed place on the host that keeps it, e.g. \"/srv/app-standby\".", p), &rng))
		return "", false
	}
	p = filepath.Clean(p)
	if filepath.Dir(p) == p {
		l.diags = append(l.diags, errorDiag("Invalid standby path",
			"A standby path cannot be the root directory: strata replaces it as a whole at every refresh. Name a directory of its own.", &rng))
		return "", false
	}
	return p, true
}

// standbyAfter decodes the optional after command and its timeout.
func (l *loader) standbyAfter(s *Standby, after, timeout *hcl.Attribute) bool {
	ok := true
	if after != nil {
		cmd, cok := l.attrStrings(after)
		if cok && (len(cmd) == 0 || cmd[0] == "") {
			rng := after.Expr.Range()
			l.diags = append(l.diags, errorDiag("Empty after command",
				fmt.Sprintf("The after command of standby %q must be a list whose first element is the program to run; to run nothing, leave after out.", s.Name), &rng))
			cok = false
		}
		s.After, ok = cmd, cok
	}
	if timeout != nil {
		var tok bool
		s.Timeout, tok = l.attrDuration(timeout)
		ok = ok && tok
	}
	return ok
}

// checkStandbyRefs checks that the application and the tier exist and that
// the application is kept in the tier.
func (l *loader) checkStandbyRefs(s *Standby) bool {
	a, t := l.cfg.Application(s.App), l.cfg.Tier(s.Tier)
	if a == nil {
		l.diags = append(l.diags, undeclared("application", s.App, s.AppRange))
	}
	if t == nil {
		l.diags = append(l.diags, undeclared("tier", s.Tier, s.TierRange))
	}
	if a == nil || t == nil {
		return false
	}
	if !slices.Contains(a.Tiers, t) {
		l.diags = append(l.diags, errorDiag("Application not kept in tier",
			fmt.Sprintf("Application %q is not kept in tier %q (its tiers: %s), so standby %q would never have a snapshot to restore. Name one of its tiers.",
				s.App, s.Tier, standbyTierList(a.Tiers), s.Name), &s.TierRange))
		return false
	}
	return true
}

func standbyTierList(ts []*Tier) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ", ")
}

// checkStandbyPaths reports two standbys whose paths are one or nest, and a
// standby path that is, holds or lies inside the source path of an
// application: a refresh replaces the whole directory.
func (l *loader) checkStandbyPaths() {
	for i, s := range l.cfg.Standbys {
		for _, first := range l.cfg.Standbys[:i] {
			if nests(s.Path, first.Path) {
				l.diags = append(l.diags, errorDiag("Overlapping standby paths",
					fmt.Sprintf("Standby %q at %s and standby %q (at %s) at %s would restore into each other. Give each standby a directory of its own.",
						s.Name, s.Path, first.Name, posString(first.DeclRange), first.Path), &s.PathRange))
				break
			}
		}
		l.checkStandbyVsSources(s)
		l.checkStandbyVsStrata(s)
	}
}

// checkStandbyVsStrata reports a standby path that is, holds or lies
// inside a local destination, or holds the configuration directory.
func (l *loader) checkStandbyVsStrata(s *Standby) {
	if inside(l.dir, s.Path) {
		l.diags = append(l.diags, errorDiag("Standby path overlaps strata's own files",
			fmt.Sprintf("Standby %q at %s holds the configuration directory %s: a refresh replaces the whole standby directory. Put the standby elsewhere.",
				s.Name, s.Path, l.dir), &s.PathRange))
		return
	}
	what := map[string]string{}
	for _, d := range l.cfg.Destinations {
		if r := d.Remote; !r.Sensitive && r.UnsetEnv == "" && filepath.IsAbs(r.Str) {
			what[filepath.Clean(r.Str)] = fmt.Sprintf("destination %q", d.Name)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(what)) {
		if nests(s.Path, p) {
			l.diags = append(l.diags, errorDiag("Standby path overlaps strata's own files",
				fmt.Sprintf("Standby %q at %s overlaps %s (%s): a refresh replaces the whole standby directory. Put the standby elsewhere.",
					s.Name, s.Path, what[p], p), &s.PathRange))
			return
		}
	}
}

func (l *loader) checkStandbyVsSources(s *Standby) {
	for _, a := range l.cfg.Applications {
		for _, src := range a.Source.Paths {
			if nests(s.Path, filepath.Clean(src)) {
				l.diags = append(l.diags, errorDiag("Standby path overlaps a source",
					fmt.Sprintf("Standby %q at %s overlaps the source path %s of application %q: a refresh replaces the whole standby directory, and a backup must not read a standby. Put the standby elsewhere.",
						s.Name, s.Path, src, a.Name), &s.PathRange))
				return
			}
		}
	}
}

// inside reports whether dir is base or lies below it.
func inside(dir, base string) bool {
	return dir == base || strings.HasPrefix(dir, strings.TrimSuffix(base, "/")+"/")
}

// nests reports whether a and b are one directory or one holds the other.
func nests(a, b string) bool {
	return a == b || strings.HasPrefix(a, strings.TrimSuffix(b, "/")+"/") || strings.HasPrefix(b, strings.TrimSuffix(a, "/")+"/")
}

// Standby returns the standby called name, or nil.
func (c *Config) Standby(name string) *Standby {
	for _, s := range c.Standbys {
		if s.Name == name {
			return s
		}
	}
	return nil
}

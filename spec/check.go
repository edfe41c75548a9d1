package spec

import (
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// DefaultCheckTimeout bounds a check's command when the block sets no
// timeout.
const DefaultCheckTimeout = time.Hour

// Check is one `check "name" { … }` block: a restore test. On its schedule
// the newest healthy snapshot of Application at tier From is restored
// (only Paths, when given) into a fresh scratch directory and Command runs
// there; the result is recorded next to the copy (checked.json). A failing
// check warns and notifies; it never deletes anything.
type Check struct {
	Name        string
	Application string
	From        string
	// Every is how often the check runs: a new one is due when the last
	// check of the application at the tier is older than this.
	Every time.Duration
	// Paths are archive names (no leading slash, doublestar globs allowed)
	// to restore; empty restores the whole snapshot.
	Paths []string
	// Command is run in the scratch directory; Timeout bounds it.
	Command []string
	Timeout time.Duration
	// ScratchDir is where the fresh scratch directory is made (absolute);
	// "" means the system's temporary directory ($TMPDIR, /tmp).
	ScratchDir string
	DeclRange  hcl.Range
}

var checkSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "application", Required: true}, {Name: "from", Required: true},
		{Name: "every", Required: true}, {Name: "paths"},
		{Name: "command", Required: true}, {Name: "timeout"}, {Name: "scratch_dir"},
	},
}

// decodeChecks decodes the check blocks after the applications and tiers.
func (l *loader) decodeChecks(bs []*hcl.Block) {
	for _, b := range declare(bs, "check", identName, &l.diags) {
		if c := l.decodeCheckBlock(b); c != nil {
			l.cfg.Checks = append(l.cfg.Checks, c)
		}
	}
	l.checkDuplicateChecks()
}

func (l *loader) decodeCheckBlock(b *hcl.Block) *Check {
	content, diags := b.Body.Content(checkSchema)
	l.diags = append(l.diags, diags...)
	if diags.HasErrors() {
		return nil
	}
	attrs := content.Attributes
	c := &Check{Name: b.Labels[0], DeclRange: b.DefRange, Timeout: DefaultCheckTimeout}
	before := len(l.diags.Errs())
	l.checkTarget(c, attrs["application"], attrs["from"])
	if d, ok := l.attrDuration(attrs["every"]); ok && d <= 0 {
		rng := attrs["every"].Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid duration", "every must be longer than zero, such as \"7d\".", &rng))
	} else {
		c.Every = d
	}
	c.Command = l.checkCommand(c.Name, attrs["command"])
	if attr := attrs["paths"]; attr != nil {
		c.Paths = l.checkPaths(attr)
	}
	if attr := attrs["timeout"]; attr != nil {
		if d, ok := l.attrDuration(attr); ok && d > 0 {
			c.Timeout = d
		} else if ok {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid duration", "timeout must be longer than zero, such as \"30m\".", &rng))
		}
	}
	if attr := attrs["scratch_dir"]; attr != nil {
		if dir, ok := l.attrString(attr); ok && dir != "" {
			c.ScratchDir = absPath(l.dir, dir)
		} else if ok {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid scratch_dir", "scratch_dir must not be empty; leave it out to use the system's temporary directory.", &rng))
		}
	}
	if len(l.diags.Errs()) > before {
		return nil
	}
	return c
}

// checkTarget resolves the check's application and tier and says when the
// application is not kept in that tier.
func (l *loader) checkTarget(c *Check, appAttr, fromAttr *hcl.Attribute) {
	app, ok1 := l.refName(appAttr.Expr, "application")
	tier, ok2 := l.refName(fromAttr.Expr, "tier")
	a, t := l.cfg.Application(app), l.cfg.Tier(tier)
	if ok1 && a == nil {
		rng := appAttr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Reference to undeclared application",
			fmt.Sprintf("No application %q is declared.", app), &rng))
	}
	if ok2 && t == nil {
		rng := fromAttr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Reference to undeclared tier",
			fmt.Sprintf("No tier %q is declared.", tier), &rng))
	}
	if a != nil && t != nil && !tierOf(a, tier) {
		rng := fromAttr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Application not kept in tier",
			fmt.Sprintf("Application %q is not kept in tier %q, so there is nothing to check there; name one of its tiers%s.", app, tier, tierList(a)), &rng))
	}
	c.Application, c.From = app, tier
}

func tierOf(a *Application, name string) bool {
	for _, t := range a.Tiers {
		if t.Name == name {
			return true
		}
	}
	return false
}

func tierList(a *Application) string {
	var names []string
	for _, t := range a.Tiers {
		names = append(names, "tier."+t.Name)
	}
	if len(names) == 0 {
		return ""
	}
	return " (" + strings.Join(names, ", ") + ")"
}

// checkCommand decodes a check's command, which must name a program.
func (l *loader) checkCommand(name string, attr *hcl.Attribute) []string {
	cmd, ok := l.attrStrings(attr)
	if ok && (len(cmd) == 0 || cmd[0] == "") {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Empty check command",
			fmt.Sprintf("Check %q needs a command: a list whose first element is the program to run in the restored directory.", name), &rng))
		return nil
	}
	return cmd
}

// checkPaths decodes the archive names a check restores: relative, clean,
// never climbing out.
func (l *loader) checkPaths(attr *hcl.Attribute) []string {
	ps, ok := l.attrStrings(attr)
	if !ok {
		return nil
	}
	rng := attr.Expr.Range()
	for _, p := range ps {
		switch {
		case p == "":
			l.diags = append(l.diags, errorDiag("Invalid check path", "A path must not be empty.", &rng))
		case strings.HasPrefix(p, "/"):
			l.diags = append(l.diags, errorDiag("Invalid check path",
				fmt.Sprintf("%q is absolute; a check names paths inside the snapshot, which keep their source path without the leading \"/\": write %q.", p, strings.TrimLeft(p, "/")), &rng))
		case path.Clean(p) != p || p == ".." || strings.HasPrefix(p, "../"):
			l.diags = append(l.diags, errorDiag("Invalid check path",
				fmt.Sprintf("%q is not a clean path inside the snapshot (no \"..\", \".\", \"//\" or trailing \"/\").", p), &rng))
		}
	}
	return ps
}

// checkDuplicateChecks refuses two checks of one application at one tier:
// each copy records one restore test (checked.json).
func (l *loader) checkDuplicateChecks() {
	seen := map[string]*Check{}
	for _, c := range l.cfg.Checks {
		k := c.Application + "/" + c.From
		if first := seen[k]; first != nil {
			l.diags = append(l.diags, errorDiag("Duplicate check",
				fmt.Sprintf("Check %q tests application %q at tier %q like check %q at %s; a copy records one restore test (checked.json), so combine the commands (sh -c '… && …') in one block.",
					c.Name, c.Application, c.From, first.Name, posString(first.DeclRange)), &c.DeclRange))
			continue
		}
		seen[k] = c
	}
}

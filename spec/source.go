package spec

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
)

// decodeSource decodes the source block; relative paths are taken from the
// configuration directory. It reports whether all went well.
func (l *loader) decodeSource(a *Application, b *hcl.Block) bool {
	if b == nil {
		return true
	}
	before := len(l.diags)
	content, diags := b.Body.Content(sourceSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["paths"]; attr != nil {
		paths, _ := l.attrStrings(attr)
		for _, p := range paths {
			if p == "" {
				rng := attr.Expr.Range()
				l.diags = append(l.diags, errorDiag("Invalid source path", "A source path must not be empty.", &rng))
				continue
			}
			a.Source.Paths = append(a.Source.Paths, absPath(l.dir, p))
		}
	}
	if attr := content.Attributes["exclude"]; attr != nil {
		a.Source.Exclude, _ = l.attrStrings(attr)
	}
	a.Source.OnUnreadable = "warn"
	if attr := content.Attributes["on_unreadable"]; attr != nil {
		switch v := l.optString(attr); v {
		case "warn", "fail":
			a.Source.OnUnreadable = v
		default:
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Invalid on_unreadable",
				fmt.Sprintf("on_unreadable is %q; use \"warn\" (skip what cannot be read, with a warning) or \"fail\" (fail the snapshot).", v), &rng))
		}
	}
	return !l.diags[before:].HasErrors()
}

// decodeHooks decodes the hook blocks; it reports whether all went well.
func (l *loader) decodeHooks(a *Application, bs []*hcl.Block) bool {
	before := len(l.diags)
	for _, b := range declare(bs, "hook", fileName, &l.diags) {
		a.Hooks = append(a.Hooks, l.decodeHookBlock(b))
	}
	return !l.diags[before:].HasErrors()
}

func (l *loader) decodeHookBlock(b *hcl.Block) Hook {
	h := Hook{Name: b.Labels[0]}
	content, diags := b.Body.Content(hookSchema)
	l.diags = append(l.diags, diags...)
	if attr := content.Attributes["command"]; attr != nil {
		cmd, ok := l.attrStrings(attr)
		if ok && (len(cmd) == 0 || cmd[0] == "") {
			rng := attr.Expr.Range()
			l.diags = append(l.diags, errorDiag("Empty hook command",
				fmt.Sprintf("Hook %q needs a command: a list whose first element is the program to run.", h.Name), &rng))
		}
		h.Command = cmd
	}
	if attr := content.Attributes["timeout"]; attr != nil {
		h.Timeout, _ = l.attrDuration(attr)
	}
	return h
}

package spec

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// errorDiag is an error diagnostic; subject may be nil (no source range).
func errorDiag(summary, detail string, subject *hcl.Range) *hcl.Diagnostic {
	if subject != nil {
		r := *subject
		subject = &r
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: subject}
}

// warningDiag is a warning diagnostic: something accepted that does not do
// what it seems to.
func warningDiag(summary, detail string, subject *hcl.Range) *hcl.Diagnostic {
	d := errorDiag(summary, detail, subject)
	d.Severity = hcl.DiagWarning
	return d
}

// posString is "file.hcl:3,1", the position where a range starts.
func posString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d", r.Filename, r.Start.Line, r.Start.Column)
}

// duplicateBlock reports a second block of a kind that may appear once.
func duplicateBlock(typ string, first, dup *hcl.Block) *hcl.Diagnostic {
	return errorDiag(fmt.Sprintf("Duplicate %s block", typ),
		fmt.Sprintf("Only one %s block is allowed here; the first is at %s.", typ, posString(first.DefRange)),
		&dup.DefRange)
}

// singleBlock returns the first block of typ in content, reporting any
// further ones; nil when there is none.
func (l *loader) singleBlock(content *hcl.BodyContent, typ string) *hcl.Block {
	var first *hcl.Block
	for _, b := range content.Blocks.OfType(typ) {
		if first != nil {
			l.diags = append(l.diags, duplicateBlock(typ, first, b))
			continue
		}
		first = b
	}
	return first
}

// identName reports whether name can be referenced as kind.name.
func identName(name string) bool { return hclsyntax.ValidIdentifier(name) }

var fileNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// fileName reports whether name can be used as one path component
// (application and hook names end up in paths).
func fileName(name string) bool { return fileNameRe.MatchString(name) && len(name) <= 255 }

func nameRule(kind, name string) string {
	if kind == "application" || kind == "hook" {
		return fmt.Sprintf("The %s name %q must start with a letter or digit and contain only letters, digits, '.', '_' and '-'.", kind, name)
	}
	return fmt.Sprintf("The %s name %q must be a valid identifier (letters, digits, '_' and '-', not starting with a digit), so that it can be referenced as %s.%s.", kind, name, kind, name)
}

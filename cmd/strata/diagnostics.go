package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Under --json every error, warning and hint is one JSON object on one line
// of stdout (Terraform's -json habit), so that a script reads stdout as a
// stream of JSON values: the command's own document (a plan, a report, a
// listing) and these diagnostics, told apart by "type". The exit code does
// not change. Without --json the same messages go to stderr as text.

// jsonDiagnostic is the JSON form of one diagnostic (Terraform's shape).
// Severity is "error", "warning" or "hint"; Range is set only for a
// mistake in the configuration.
type jsonDiagnostic struct {
	Type     string     `json:"type"` // always "diagnostic"
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

// newDiagnostic splits a message into a one-line summary and the detail
// that follows its first line.
func newDiagnostic(severity, msg string) jsonDiagnostic {
	summary, detail, _ := strings.Cut(strings.TrimSpace(msg), "\n")
	return jsonDiagnostic{Type: "diagnostic", Severity: severity, Summary: summary, Detail: strings.TrimSpace(detail)}
}

// emitDiagnostic writes d as one line of JSON on stdout.
func (g *globals) emitDiagnostic(d jsonDiagnostic) {
	b, _ := json.Marshal(d)
	fmt.Fprintf(g.stdout, "%s\n", b)
}

// report prints a message of the given severity: text on stderr, or a
// diagnostic on stdout under --json.
func (g *globals) report(severity, msg string) {
	if g.json {
		g.emitDiagnostic(newDiagnostic(severity, msg))
		return
	}
	fmt.Fprintf(g.stderr, "strata: %s: %s\n", severity, msg)
}

func (g *globals) errorf(format string, args ...any) { g.report("error", fmt.Sprintf(format, args...)) }

func (g *globals) warnf(format string, args ...any) {
	g.report("warning", fmt.Sprintf(format, args...))
}

func (g *globals) hintf(format string, args ...any) { g.report("hint", fmt.Sprintf(format, args...)) }

// printError prints err; errors joined with errors.Join are one diagnostic
// each, so that a script sees every one.
func (g *globals) printError(err error) {
	if joined, ok := err.(interface{ Unwrap() []error }); ok && g.json {
		for _, e := range joined.Unwrap() {
			g.printError(e)
		}
		return
	}
	g.errorf("%v", err)
}

// jsonDiagnostics converts the configuration's diagnostics.
func jsonDiagnostics(diags hcl.Diagnostics) []jsonDiagnostic {
	out := []jsonDiagnostic{}
	for _, d := range diags {
		jd := jsonDiagnostic{Type: "diagnostic", Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if r := d.Subject; r != nil {
			jd.Range = &jsonRange{Filename: r.Filename,
				Start: jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:   jsonPos{r.End.Line, r.End.Column, r.End.Byte}}
		}
		out = append(out, jd)
	}
	return out
}

// wantsJSON tells whether args ask for --json, for errors that happen
// before (or while) the flags are parsed.
func wantsJSON(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--json" || a == "-json" || a == "--json=true" || a == "-json=true":
			return true
		}
	}
	return false
}

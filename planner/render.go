package planner

import (
	"bytes"
	"fmt"
	"io"
	"strings"
)

// RenderOptions control the human form of a plan.
type RenderOptions struct {
	// Color turns on ANSI colors.
	Color bool
}

// ANSI colors of the human form.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiBlue   = "\x1b[34m"
	ansiPurple = "\x1b[35m"
	ansiCyan   = "\x1b[36m"
)

// kindStyle is the symbol and color of each action kind.
var kindStyle = map[ActionKind]struct{ sym, color string }{
	Snapshot: {"+", ansiGreen}, Transfer: {">", ansiCyan}, Repair: {"~", ansiYellow},
	Verify: {"?", ansiBlue}, Purge: {"-", ansiRed}, Cleanup: {"x", ansiPurple}, Move: {"~", ansiYellow}, GC: {"-", ansiRed},
	Standby: {"~", ansiCyan}, Check: {"?", ansiBlue},
}

// withReason are the kinds whose reason the human form shows.
var withReason = map[ActionKind]bool{Snapshot: true, Repair: true, Purge: true, Cleanup: true, Move: true, Standby: true, Check: true}

// RenderJSON writes the human form of a plan, rendered from its JSON form so
// the two never disagree.
func RenderJSON(w io.Writer, planJSON []byte, opts RenderOptions) error {
	p, err := ReadPlanJSON(planJSON)
	if err != nil {
		return err
	}
	r := &renderer{color: opts.Color}
	r.actions(p.Actions)
	r.others(p)
	r.warnings(p.Warnings)
	summary := SummaryLine(p.Summary)
	if s := nodeSummary(p); s != "" {
		summary = s
	}
	if len(p.Actions) == 0 && len(p.Warnings) > 0 {
		summary = "No changes can be planned now; see the warnings above."
	}
	r.line("%s", r.paint(ansiBold, summary))
	_, err = w.Write(r.buf.Bytes())
	return err
}

type renderer struct {
	buf   bytes.Buffer
	color bool
}

func (r *renderer) line(format string, args ...any) {
	fmt.Fprintf(&r.buf, format, args...)
	r.buf.WriteByte('\n')
}

func (r *renderer) paint(color, s string) string {
	if !r.color {
		return s
	}
	return color + s + ansiReset
}

func (r *renderer) actions(actions []Action) {
	if len(actions) == 0 {
		return
	}
	width := 0
	for _, a := range actions {
		if a.Kind != GC {
			width = max(width, len(a.App)) // a gc's destination does not widen the column
		}
	}
	r.line("strata will perform the following actions:")
	r.line("")
	for _, a := range actions {
		st := kindStyle[a.Kind]
		head := r.paint(st.color, fmt.Sprintf("%s %-8s", st.sym, a.Kind))
		r.line("  %s  %-*s  %s", head, width, column(a), describe(a))
		if withReason[a.Kind] && a.Reason != "" {
			r.line("      because %s", a.Reason)
		}
	}
	r.line("")
}

// column is what the second column shows: the application, or for a gc
// the destination it collects.
func column(a Action) string {
	if a.Kind == GC {
		return a.Location.Destination
	}
	return a.App
}

// describe is what an action does, after its kind and column.
func describe(a Action) string {
	id := a.Snapshot
	if id == "" {
		id = "(new snapshot)"
	}
	src := ""
	if a.Source != nil {
		src = a.Source.String()
	}
	switch a.Kind {
	case Snapshot:
		return fmt.Sprintf("at %s  (ID known after apply)", a.Location)
	case Transfer, Repair:
		return fmt.Sprintf("%s  %s -> %s", id, src, a.Location)
	case Move:
		return fmt.Sprintf("at %s: %s -> %s, %d %s", a.Location, a.SourceAppPath, a.AppPath, len(a.Moves), plural(len(a.Moves), "snapshot", "snapshots"))
	case GC:
		return "(" + a.Reason + ")"
	case Standby:
		return describeStandby(a)
	case Check:
		return describeCheck(a)
	case Cleanup:
		if len(a.Paths) > 0 {
			return fmt.Sprintf("%s  at %s  (%d temporary objects)", id, a.Location, len(a.Paths))
		}
		return fmt.Sprintf("%s  at %s  (incomplete)", id, a.Location)
	}
	return fmt.Sprintf("%s  at %s", id, a.Location)
}

func (r *renderer) warnings(ws []string) {
	for _, w := range ws {
		r.line("%s %s", r.paint(ansiBold+ansiYellow, "Warning:"), w)
	}
	if len(ws) > 0 {
		r.line("")
	}
}

// summaryOrder and summaryPlural fix the summary line's wording.
var (
	summaryOrder  = []ActionKind{Move, Snapshot, Transfer, Purge, Verify, Repair, Cleanup, GC, Standby, Check}
	summaryPlural = map[ActionKind]string{
		Snapshot: "snapshots", Transfer: "transfers", Purge: "purges",
		Verify: "verifies", Repair: "repairs", Cleanup: "cleanups", Move: "moves", GC: "gc",
		Standby: "standbys", Check: "checks",
	}
)

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// SummaryLine is the last line of a human plan: "Plan: 1 snapshot, 3
// transfers, 2 purges, 1 verify." or, with nothing to do, "No changes.
// Backups match the configuration."
func SummaryLine(s Summary) string {
	var parts []string
	for _, k := range summaryOrder {
		n := s[k.String()]
		switch {
		case n == 1:
			parts = append(parts, "1 "+k.String())
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %s", n, summaryPlural[k]))
		}
	}
	if len(parts) == 0 {
		return "No changes. Backups match the configuration."
	}
	return "Plan: " + strings.Join(parts, ", ") + "."
}

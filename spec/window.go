package spec

import (
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Window is an application's `window` ("22:00-06:00"): the local times, in
// the application's schedule time zone, at which its snapshots and transfers
// may start. A window whose end is earlier than its start crosses midnight.
// Running actions are never stopped by the window's end.
type Window struct {
	// Expr is the window as written.
	Expr string
	// Start and End are minutes after local midnight; End is exclusive.
	Start, End int
	Location   *time.Location
}

// ParseWindow parses "HH:MM-HH:MM" (24-hour clock) in loc (nil: UTC).
func ParseWindow(expr string, loc *time.Location) (*Window, error) {
	if loc == nil {
		loc = time.UTC
	}
	from, to, ok := strings.Cut(strings.TrimSpace(expr), "-")
	if !ok {
		return nil, fmt.Errorf("invalid window %q: expected START-END such as \"22:00-06:00\"", expr)
	}
	start, err := clockMinute(from)
	if err != nil {
		return nil, fmt.Errorf("invalid window %q: %v", expr, err)
	}
	end, err := clockMinute(to)
	if err != nil {
		return nil, fmt.Errorf("invalid window %q: %v", expr, err)
	}
	if start == end {
		return nil, fmt.Errorf("invalid window %q: it starts and ends at the same time; leave window out to allow any time", expr)
	}
	return &Window{Expr: expr, Start: start, End: end, Location: loc}, nil
}

// clockMinute parses "HH:MM" into minutes after midnight.
func clockMinute(s string) (int, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day as HH:MM (00:00 to 23:59)", s)
	}
	return t.Hour()*60 + t.Minute(), nil
}

// Open reports whether t is inside the window.
func (w *Window) Open(t time.Time) bool {
	lt := t.In(w.Location)
	m := lt.Hour()*60 + lt.Minute()
	if w.Start < w.End {
		return m >= w.Start && m < w.End
	}
	return m >= w.Start || m < w.End
}

// NextOpen is t when the window is open at t, else the next time it opens.
// A start skipped by a clock change opens right after the jump.
func (w *Window) NextOpen(t time.Time) time.Time {
	if w.Open(t) {
		return t
	}
	lt := t.In(w.Location)
	for i := 0; i < 3; i++ {
		at := time.Date(lt.Year(), lt.Month(), lt.Day()+i, w.Start/60, w.Start%60, 0, 0, w.Location)
		if at.Hour()*60+at.Minute() != w.Start {
			at, _ = at.ZoneBounds() // skipped by a jump forward: it opens at the jump
		}
		if at.After(t) {
			return at
		}
	}
	return t.Add(24 * time.Hour) // unreachable: a start comes within two days
}

// decodeWindow decodes the optional window in the schedule's time zone.
func (l *loader) decodeWindow(attr *hcl.Attribute, s *Schedule) *Window {
	if attr == nil {
		return nil
	}
	expr, ok := l.attrString(attr)
	if !ok {
		return nil
	}
	var loc *time.Location
	if s != nil {
		loc = s.Location
	}
	w, err := ParseWindow(expr, loc)
	if err != nil {
		rng := attr.Expr.Range()
		l.diags = append(l.diags, errorDiag("Invalid window", err.Error()+".", &rng))
		return nil
	}
	return w
}

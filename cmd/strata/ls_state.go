package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/reconcile"
)

// lsState is what `strata ls` shows below its table: the last restore test
// of each check block, each application's window and each destination's
// bandwidth limit, at the time of the listing (--now).
type lsState struct {
	Checks   []reconcile.CheckStatus `json:"checks"`
	Windows  []windowState           `json:"windows"`
	BwLimits []bwLimitState          `json:"bwlimits"`
}

// windowState is one application's window now.
type windowState struct {
	App    string `json:"app"`
	Window string `json:"window"`
	Open   bool   `json:"open"`
	// Opens is when a closed window opens next.
	Opens *time.Time `json:"opens,omitempty"`
}

// bwLimitState is one destination's bandwidth limit now.
type bwLimitState struct {
	Destination string `json:"destination"`
	Timetable   string `json:"timetable"`
	// BytesPerSecond is the limit that applies now; 0 when unlimited.
	BytesPerSecond int64 `json:"bytes_per_second"`
}

// lsState is the state of every check and window, or of app's only (when
// not ""), and of every bandwidth limit.
func (g *globals) lsState(ctx context.Context, s *survey, app string) lsState {
	now := g.clock()
	st := lsState{Checks: []reconcile.CheckStatus{}, Windows: []windowState{}, BwLimits: []bwLimitState{}}
	for _, c := range reconcile.Checks(ctx, s.Config, s.Inventory, s.Stores, now) {
		if app == "" || c.App == app {
			st.Checks = append(st.Checks, c)
		}
	}
	for _, a := range s.Config.Applications {
		if w := a.Window; w != nil && (app == "" || a.Name == app) {
			ws := windowState{App: a.Name, Window: w.Expr, Open: w.Open(now)}
			if !ws.Open {
				at := w.NextOpen(now)
				ws.Opens = &at
			}
			st.Windows = append(st.Windows, ws)
		}
	}
	for _, d := range s.Config.Destinations {
		if b := d.BwLimit; b != nil {
			r := int64(b.Timetable.LimitAt(now).Bandwidth.Tx)
			st.BwLimits = append(st.BwLimits, bwLimitState{Destination: d.Name, Timetable: b.Text, BytesPerSecond: max(r, 0)})
		}
	}
	return st
}

// print writes the state lines of `strata ls`.
func (st lsState) print(w io.Writer) {
	for _, c := range st.Checks {
		fmt.Fprintf(w, "check %s: %s at tier %s every %s: %s\n", c.Check, c.App, c.Tier, c.Every, checkLine(c))
	}
	for _, ws := range st.Windows {
		if ws.Open {
			fmt.Fprintf(w, "window: %s is inside its window %s\n", ws.App, ws.Window)
		} else {
			fmt.Fprintf(w, "window: %s waits for its window %s (opens at %s)\n", ws.App, ws.Window, ws.Opens.Format(time.RFC3339))
		}
	}
	for _, b := range st.BwLimits {
		limit := "unlimited now"
		if b.BytesPerSecond > 0 {
			limit = executor.HumanBytes(b.BytesPerSecond) + "/s now"
		}
		fmt.Fprintf(w, "bwlimit: %s writes %s (%s)\n", b.Destination, limit, b.Timetable)
	}
}

// checkLine says how the last restore test went and when the next is due.
func checkLine(c reconcile.CheckStatus) string {
	due := "next due " + c.Due.Format(time.RFC3339)
	switch m := c.Last; {
	case c.Dir == "":
		return "never run; due at the next apply"
	case m == nil:
		return fmt.Sprintf("last test at %s:%s unreadable (%s); %s", c.Destination, c.Dir, c.Error, due)
	case m.Passed:
		return fmt.Sprintf("passed %s on %s at %s/%s; %s", m.Checked.Format(time.RFC3339), m.Snapshot, c.Tier, c.Destination, due)
	default:
		return fmt.Sprintf("FAILED %s on %s at %s/%s (%s); %s", m.Checked.Format(time.RFC3339), m.Snapshot, c.Tier, c.Destination, m.Problem, due)
	}
}

package planner

import (
	"fmt"
	"time"
)

// windowClosed reports whether the application has a window and it is
// closed now: its snapshots and transfers wait (purges, verifications and
// cleanups do not).
func (ap *appPlan) windowClosed() bool {
	return ap.app.Window != nil && !ap.app.Window.Open(ap.now)
}

// waitForWindow notes that a snapshot or transfer of the application waits
// for its window: one warning per application, and a wake-up at the opening.
func (ap *appPlan) waitForWindow() {
	if ap.waiting {
		return
	}
	ap.waiting = true
	w := ap.app.Window
	at := w.NextOpen(ap.now)
	ap.warnf("%s waits for its window (%s, opens at %s)", ap.app.Name, w.Expr, at.In(w.Location).Format(time.RFC3339))
	ap.wakeAt(at, fmt.Sprintf("window %q of %s opens", w.Expr, ap.app.Name))
}

// holdForWindow keeps the source of a transfer of sec to lp that waits for
// the window from being purged meanwhile: it may be the only copy the
// transfer can read once the window opens.
func (ap *appPlan) holdForWindow(tp *tierPlan, lp *locPlan, sec int64) {
	src, c, _ := ap.transferSource(tp, lp, sec)
	if c == nil {
		return
	}
	if ap.held == nil {
		ap.held = map[copyRef]bool{}
	}
	ap.held[copyRef{loc: src.loc, sec: sec}] = true
}

package notify

import (
	"fmt"

	"github.com/stratabackup/strata/spec"
)

// Start is the heartbeat that a run begins: of the whole run when app is
// "", else of that application's part of it (its actions in the plan).
func Start(base Event, app string) Event {
	ev := with(base, spec.EventStart, "backup run started")
	if app != "" {
		ev.Summary = app + ": backup started"
	}
	ev.App, ev.Heartbeat = app, true
	return ev
}

// Finish is the heartbeat that a run (app "") or one application's part of
// it ended: success without failures, else a failure heartbeat listing
// them. Unlike the failure a Tracker fires on a change of state, it fires on
// every run; a ping hears it, and so do the blocks of that application.
func Finish(base Event, app string, failures []Failure) Event {
	if len(failures) == 0 {
		ev := with(base, spec.EventSuccess, "backup run succeeded")
		if app != "" {
			ev.Summary = app + ": backup succeeded"
		}
		ev.App, ev.Heartbeat = app, true
		return ev
	}
	summary := failureSummary(failures)
	if app != "" {
		summary = fmt.Sprintf("%s: %s", app, summary)
	}
	ev := with(base, spec.EventFailure, summary)
	ev.App, ev.Heartbeat, ev.Failures = app, true, failures
	return ev
}

// hears reports whether block n is to receive ev: it subscribes to the
// event, and the event is in its scope — an application's own events for a
// block with `application`, else the events of whole runs and the
// stale/recovered of any application.
func hears(n *spec.Notify, ev Event) bool {
	if !n.Wants(ev.Event) {
		return false
	}
	if n.Application != "" {
		return ev.App == n.Application
	}
	return !(ev.Heartbeat && ev.App != "")
}

// delivers reports whether channel ch of a block that hears ev sends it. A
// ping sends only heartbeats (its failure is the run's, every run); the
// other channels get the failure of a whole run from the Tracker, on a
// change of state, so they skip its heartbeat twin.
func delivers(ch string, ev Event) bool {
	if ch == "ping" {
		return ev.Heartbeat
	}
	return !(ev.Heartbeat && ev.Event == spec.EventFailure && ev.App == "")
}

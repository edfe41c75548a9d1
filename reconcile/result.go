package reconcile

import (
	"errors"
	"sort"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
)

// ResultKind says how a step ended and so what the loop does next.
type ResultKind int

// The kinds of results, from the mildest.
const (
	// Continue: the step did its part; the pass goes on to the next step.
	Continue ResultKind = iota
	// Requeue: something failed that retrying may fix (a network error, a
	// lease another apply holds, a failed action). The pass ends; the next
	// one comes when anything is due, no sooner than a back-off that
	// doubles while passes keep failing, up to the periodic reconcile.
	Requeue
	// Stalled: only a person can fix it (a refused mass purge, a missing
	// secret, an unknown or unchecked host key, refused credentials). The
	// pass ends, it is notified once, and the loop waits for a change of the
	// configuration or the periodic reconcile, never for a back-off.
	Stalled
	// Stop: the context was cancelled. The pass ends without a verdict:
	// nothing is recorded or notified.
	Stop
)

func (k ResultKind) String() string {
	switch k {
	case Continue:
		return "continue"
	case Requeue:
		return "requeue"
	case Stalled:
		return "stalled"
	case Stop:
		return "stop"
	}
	return "unknown"
}

// Result is the outcome of a step, and of a whole pass.
type Result struct {
	Kind ResultKind
	// Step names the step that ended the pass ("" when it ran through).
	Step string
	// Reason says why, in a line for the log and /status.
	Reason string
	// Err is the error that ended the step, if any.
	Err error
}

// proceed is the result of a step that did its part.
var proceed = Result{Kind: Continue}

// failedStep is the result of a step that failed with err: Stalled when only
// a person can fix it, Stop when ctx was cancelled, else Requeue.
func failedStep(step string, err error, cancelled bool) Result {
	kind := Requeue
	switch {
	case cancelled:
		kind = Stop
	case NeedsPerson(err):
		kind = Stalled
	}
	return Result{Kind: kind, Step: step, Reason: step + ": " + err.Error(), Err: err}
}

// NeedsPerson says whether err is one that retrying cannot fix: a refused
// mass purge, a missing secret, an unknown or unchecked host key, refused
// credentials.
func NeedsPerson(err error) bool {
	var mass *planner.MassPurgeError
	return errors.As(err, &mass) || errors.Is(err, stores.ErrUnsetEnv) || providers.NeedsPerson(err)
}

// Failures lists what failed in one run: the failed actions of rep (nil when
// nothing ran), the failed listings of inv (nil before any listing) and any
// other errors (a plan error, a lease held by another apply), under the name
// step.
func Failures(rep *executor.Report, inv *planner.Inventory, step string, errs ...error) []notify.Failure {
	var out []notify.Failure
	if rep != nil {
		for _, r := range rep.Results {
			if r.Status == executor.Failed {
				out = append(out, notify.Failure{Action: r.Action.Key, Error: r.Error})
			}
		}
	}
	if inv != nil {
		dests := make([]string, 0, len(inv.Failed))
		for d := range inv.Failed {
			dests = append(dests, d)
		}
		sort.Strings(dests)
		for _, d := range dests {
			out = append(out, notify.Failure{Action: "list:" + d, Error: inv.Failed[d]})
		}
	}
	for _, err := range errs {
		if err != nil {
			out = append(out, notify.Failure{Action: step, Error: err.Error()})
		}
	}
	return out
}

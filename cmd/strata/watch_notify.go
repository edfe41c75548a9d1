package main

import (
	"context"
	"sort"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

// runFailures lists what failed in one run: the failed actions of rep (nil
// when nothing ran), the failed listings of inv and any other errors (a
// refused plan, a lease held by another apply), under the name step.
func runFailures(rep *executor.Report, inv *planner.Inventory, step string, errs ...error) []notify.Failure {
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

// wantsStale reports whether any notify block listens for stale events.
func wantsStale(cfg *spec.Config) bool {
	for _, n := range cfg.Notifications {
		if n.Wants(spec.EventStale) {
			return true
		}
	}
	return false
}

// notifyApply fires the state notifications of one `strata apply` through
// n: failure when an action, a listing or the plan failed, stale when an
// application is still behind its schedule afterwards. A single apply has
// no earlier state, so it never fires recovered; `strata watch` does.
func (g *globals) notifyApply(ctx context.Context, s *survey, rep *executor.Report, planErr error, n *notifier) {
	if len(s.cfg.Notifications) == 0 || ctx.Err() != nil {
		return
	}
	o := notify.Outcome{Failures: runFailures(rep, s.inv, "plan", planErr)}
	if wantsStale(s.cfg) {
		after := *s // what the apply left, without changing what the caller reports
		after.relist(ctx)
		o.Stale = reconcile.Stale(after.cfg, after.inv, g.clock())
	}
	var t notify.Tracker
	n.send(ctx, t.Run(o, n.base()))
}

package main

import (
	"context"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

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
// application is still behind its schedule afterwards — in a fleet only
// the staleness node (the plan's) notifies, as `strata watch` does
// (reconcile.OwnStale). rep is nil when the plan had no action: what the
// listing found is then what the apply left. A single apply has no earlier state, so it never
// fires recovered; `strata watch` does.
func (g *globals) notifyApply(ctx context.Context, s *survey, rep *executor.Report, planErr error, node string, n *notifier) {
	if len(s.Config.Notifications) == 0 || ctx.Err() != nil {
		return
	}
	o := notify.Outcome{Failures: reconcile.Failures(rep, s.Inventory, "plan", planErr)}
	if wantsStale(s.Config) {
		after := *s // what the apply left, without changing what the caller reports
		if rep != nil {
			after.Relist(ctx)
		}
		o.Stale = reconcile.OwnStale(after.Config, node, reconcile.Stale(after.Config, after.Inventory, g.clock()))
	}
	var t notify.Tracker
	n.send(ctx, append(t.Run(o, n.base()), reconcile.CheckEvents(rep, n.base())...))
}

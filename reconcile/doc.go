// Package reconcile is `strata watch`: a loop that keeps the stored backups
// matching the configuration, in passes of a fixed list of steps —
//
//	load   reload the configuration when its files changed (an invalid edit
//	       is shown and notified; the last valid configuration keeps running)
//	list   open every destination and list it once (List)
//	plan   the planner's plan of that inventory (Plan)
//	apply  leases, a recheck of the inventory under them, the executor's run
//	       of the plan (Apply, which `strata apply` uses too)
//	record the outcome into Status (/status) and Metrics (/metrics), and the
//	       next wake-up: the plan's next_wakeup, a retry, or the periodic
//	       reconcile
//	notify the notify blocks, on changes of state only
//	sleep  until the wake-up, an edit of the configuration or a pulled commit
//
// Each step returns a typed Result. Continue goes on; Requeue (retrying may
// help) ends the pass and backs off while passes keep failing; Stalled (only
// a person can fix it: a refused mass purge, a missing secret, an unknown
// host key, refused credentials) ends the pass, is notified once and waits
// for a configuration change or the periodic reconcile, never a back-off;
// Stop (cancelled) ends it without a verdict. Record and notify run after
// every pass that did not stop.
//
// It takes a configuration directory, variable values, a Logger and a UI
// through which the caller renders diagnostics and an apply's progress. It
// never prints, never parses flags, never serves HTTP (Status and Metrics
// are handlers the caller mounts), never decides what to do (the planner
// does, including when anything next falls due) and never does it (the
// executor does, from the plan alone). It never polls: between passes it
// sleeps on a timer, fsnotify (WatchDir) and the --pull ticker (GitPull).
//
// It also reads the clock out of an inventory for the status and the stale
// events: when the next snapshot is due and which applications are stale.
package reconcile

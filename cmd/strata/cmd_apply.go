package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

type applyOptions struct {
	planFlags
	autoApprove bool
	parallel    int
}

func newApplyCommand(g *globals) *cobra.Command {
	var o applyOptions
	cmd := &cobra.Command{
		Use:   "apply [PLANFILE]",
		Short: "Make the stored backups match the configuration",
		Long: `Apply plans (or takes a plan saved with 'strata plan -out FILE', refusing it
if what is stored changed since), takes a lease on every destination it writes,
and runs the actions: new snapshots streamed to the origin tier, transfers
down the tiers with digest checks, verifications, repairs, purges, cleanups,
chunk gc, moves, standby refreshes and restore tests (check blocks).
On a terminal it shows the plan and asks for 'yes' unless --auto-approve;
without a terminal it needs --auto-approve or a saved plan. A saved plan is
applied at its own time: its new snapshots are named after the time it was
planned for, and a different --now is refused.

It fires the notify blocks: the heartbeats start and success (a ping: GET
URL/start, then URL or URL/fail) of the run and of each application it works
on, failure and stale (in a fleet, the stale copies its node writes). A
notification not delivered is a warning, never a failed apply.

A check block's restore test that fails is a warning, not a failure (like
Terraform's check blocks): the action is done, its result says
"outcome": "failed", the check_failed notification fires, and the exit code
stays 0.

Exit codes: 0 every action succeeded (or nothing to do; failed restore tests
included), 1 an action failed or was skipped or the plan was refused,
4 another apply holds a lease, 130/143 interrupted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runApply(cmd.Context(), g, o, args) },
	}
	addPlanFlags(cmd, &o.planFlags)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().IntVar(&o.parallel, "parallelism", 4, "run at most `N` actions at once")
	return cmd
}

func runApply(ctx context.Context, g *globals, o applyOptions, args []string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	n := g.newNotifier(ctx, cfg)
	n.send(ctx, reconcile.RunStart(n.base()))
	run := g.applyConfig(ctx, cfg, n, o, args)
	if run.notifies() {
		g.notifyApply(ctx, run.s, run.rep, errors.Join(run.planErr, run.err), run.node, n)
	}
	n.send(ctx, reconcile.RunFinish(run.rep, run.failures(), n.base()))
	for _, w := range n.warnings {
		g.warnf("%s", w)
	}
	return g.finishApply(run)
}

// applyRun is what one `strata apply` did: its survey (nil when the
// destinations could not be opened), the node its plan was for ("" without
// nodes), its report (nil when nothing ran), the error of its plan and the
// error that stopped it.
type applyRun struct {
	s       *survey
	node    string
	rep     *executor.Report
	planErr error
	err     error
}

// notifies reports whether the run has news for the notify blocks: it
// listed the destinations and ran, planned nothing (a failed listing or a
// stale tier is news then too), or failed on its own — a refused plan, a
// lease it could not write. Not when another apply holds a lease (that one
// reports), nor when the plan was not confirmed.
func (r applyRun) notifies() bool {
	var locked *executor.LockedError
	var declined confirmError
	return r.s != nil && !errors.As(r.err, &locked) && !errors.As(r.err, &declined)
}

// confirmError is a plan that was not confirmed: cancelled at the prompt,
// or no terminal to ask on and no --auto-approve.
type confirmError struct{ error }

func (e confirmError) Unwrap() error { return e.error }

// failures lists what failed in the run, for its heartbeat.
func (r applyRun) failures() []notify.Failure {
	var inv *planner.Inventory
	if r.s != nil {
		inv = r.s.Inventory
	}
	if r.rep == nil && r.err == nil && r.s != nil {
		return reconcile.Failures(nil, inv, "plan", r.planErr)
	}
	return reconcile.Failures(r.rep, inv, "plan", r.planErr, r.err)
}

// applyConfig surveys, plans (or reads the saved plan), asks, and runs
// the plan under leases, firing the heartbeats of its applications.
func (g *globals) applyConfig(ctx context.Context, cfg *spec.Config, n *notifier, o applyOptions, args []string) applyRun {
	s, err := reconcile.List(ctx, cfg)
	if err != nil {
		return applyRun{err: err}
	}
	run := applyRun{s: s}
	var p *planner.Plan
	now := g.clock // a fresh plan's snapshots are named when they are made
	if len(args) == 1 {
		p, err = g.savedPlan(s, args[0], o.node)
		if p != nil {
			now = func() time.Time { return p.Now }
		}
	} else {
		p, run.planErr = g.plan(ctx, s, o.planFlags)
		if p == nil {
			run.err, run.planErr = run.planErr, nil
			return run
		}
		err = g.confirm(p, o.autoApprove)
	}
	if run.err = err; err != nil {
		return run
	}
	run.node = p.Node
	g.warnUnshown(p, o.autoApprove || len(args) == 1)
	g.noteElsewhere(p)
	g.noteDetached(p, o.autoApprove || len(args) == 1)
	if len(p.Actions) == 0 {
		return run
	}
	n.send(ctx, reconcile.AppStarts(p, n.base()))
	run.rep, run.err = g.execute(ctx, s, p, o.parallel, now)
	return run
}

// finishApply prints the outcome of the run and returns its error.
func (g *globals) finishApply(run applyRun) error {
	switch {
	case run.err != nil:
		return run.err
	case run.rep == nil:
		err := errors.Join(run.planErr, listingFailures(run.s.Inventory))
		g.printNothingToDo(err != nil)
		return err
	}
	return errors.Join(g.reportApply(run.rep), run.planErr, listingFailures(run.s.Inventory))
}

// newNotifier is the notifier of one apply over cfg's notify blocks.
func (g *globals) newNotifier(ctx context.Context, cfg *spec.Config) *notifier {
	commit := ""
	if len(cfg.Notifications) > 0 {
		commit = reconcile.GitCommit(ctx, cfg.Dir)
	}
	return &notifier{blocks: cfg.Notifications, base: func() notify.Event { return notify.Base(g.clock(), cfg.Dir, commit) }}
}

// printNothingToDo says that apply had no action to run. "No changes" is
// said only when nothing was refused and every listing succeeded: a plan
// emptied by a refusal does not match the configuration.
func (g *globals) printNothingToDo(refused bool) {
	switch {
	case g.json:
		writeJSON(g.stdout, executor.Report{Results: []*executor.Result{}})
	case refused:
		fmt.Fprintln(g.stdout, "Nothing was applied: the plan has no action that could run (see the errors below).")
	default:
		fmt.Fprintln(g.stdout, "No changes. Backups match the configuration.")
	}
}

// savedPlan reads a plan file and refuses it if the inventory changed.
func (g *globals) savedPlan(s *survey, file, nodeFlag string) (*planner.Plan, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p, err := planner.ReadPlanJSON(b)
	if err != nil {
		return nil, fmt.Errorf("%s is not a strata plan: %v", file, err)
	}
	if p.ConfigFingerprint != s.Config.Fingerprint {
		return nil, fmt.Errorf("the configuration changed since %s was made (its files or variable values differ); "+
			"run 'strata plan' again (nothing was changed)", file)
	}
	if err := checkPlanNode(p, nodeFlag, file); err != nil {
		return nil, err
	}
	if !g.now.IsZero() && !g.now.Equal(p.Now) {
		return nil, fmt.Errorf("%s was planned for %s, not --now %s: a saved plan is applied at its own time; "+
			"leave out --now, or plan again with it", file, p.Now.Format(time.RFC3339), g.now.Format(time.RFC3339))
	}
	if p.Fingerprint != s.Inventory.Fingerprint {
		return nil, fmt.Errorf("the stored backups changed since %s was made; run 'strata plan' again (nothing was changed)", file)
	}
	return p, nil
}

// confirm shows the plan and asks for "yes" on a terminal; elsewhere it
// requires --auto-approve.
func (g *globals) confirm(p *planner.Plan, auto bool) error {
	if len(p.Actions) == 0 || auto {
		return nil
	}
	return g.confirmAs("apply", p)
}

// confirmAs shows plan p of command verb and asks for "yes" on a terminal;
// elsewhere it refuses, naming --auto-approve.
func (g *globals) confirmAs(verb string, p *planner.Plan) error {
	if !isTerminal(g.stdin) || g.json {
		hint := " (or a plan saved with 'strata plan -out FILE')"
		if verb != "apply" {
			hint = ""
		}
		return confirmError{fmt.Errorf("%s needs --auto-approve%s when it cannot ask on a terminal", verb, hint)}
	}
	data, err := p.JSON()
	if err != nil {
		return err
	}
	if err := g.showPlan(data); err != nil {
		return err
	}
	fmt.Fprint(g.stdout, "\nDo you want to perform these actions? Only 'yes' will be accepted: ")
	line, _ := bufio.NewReader(g.stdin).ReadString('\n')
	if strings.TrimSpace(line) != "yes" {
		return confirmError{fmt.Errorf("%s cancelled; nothing was changed", verb)}
	}
	return nil
}

// execute takes leases on the destinations the plan writes and runs it,
// showing its progress; now names the new snapshots; a lease another apply
// holds is exit code 4.
func (g *globals) execute(ctx context.Context, s *survey, p *planner.Plan, parallel int, now func() time.Time) (*executor.Report, error) {
	rep, err := reconcile.Apply(ctx, s, p, reconcile.ApplyOptions{
		Options:  executor.Options{Parallel: parallel, Now: now, Version: strataVersion(), Log: slog.New(g.logger)},
		Progress: g.progress,
	})
	var locked *executor.LockedError
	if errors.As(err, &locked) {
		return nil, &exitCodeError{code: exitLocked, err: err}
	}
	return rep, err
}

// reportApply prints the outcome and returns an error when anything did not succeed.
func (g *globals) reportApply(rep *executor.Report) error {
	if g.json {
		writeJSON(g.stdout, rep)
	} else {
		g.printOutcome(rep)
	}
	if rep.OK() {
		return nil
	}
	for _, r := range rep.Results {
		if r.Status == executor.Failed {
			g.errorf("%s failed: %s", r.Action.Key, r.Error)
		}
	}
	return failed(exitError)
}

// progress shows an apply of n actions: the progress UI of `apply` and of
// the apply step of `watch`.
func (g *globals) progress(n int) (events func(executor.Event), done func()) {
	ui := g.newProgress(n)
	return ui.event, ui.finish
}

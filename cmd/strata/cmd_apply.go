package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
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
down the tiers with digest checks, verifications, purges and cleanups.
On a terminal it shows the plan and asks for 'yes' unless --auto-approve;
without a terminal it needs --auto-approve or a saved plan. A saved plan is
applied at its own time: its new snapshots are named after the time it was
planned for, and a different --now is refused.

Exit codes: 0 every action succeeded (or nothing to do), 1 an action failed or
was skipped or the plan was refused, 4 another apply holds a lease,
130/143 interrupted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runApply(cmd.Context(), g, o, args) },
	}
	addPlanFlags(cmd, &o.planFlags)
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "apply without asking for confirmation")
	cmd.Flags().IntVar(&o.parallel, "parallelism", 4, "run at most `N` actions at once")
	return cmd
}

func runApply(ctx context.Context, g *globals, o applyOptions, args []string) error {
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
	var p *planner.Plan
	var planErr error
	now := g.clock // a fresh plan's snapshots are named when they are made
	if len(args) == 1 {
		p, err = g.savedPlan(s, args[0])
		if p != nil {
			now = func() time.Time { return p.Now }
		}
	} else {
		p, planErr = g.plan(ctx, s, o.planFlags)
		if p == nil {
			return planErr
		}
		err = g.confirm(p, o.autoApprove)
	}
	if err != nil {
		return err
	}
	g.warnUnshown(p, o.autoApprove || len(args) == 1)
	if len(p.Actions) == 0 {
		err := errors.Join(planErr, listingFailures(s.Inventory))
		g.printNothingToDo(err != nil)
		return err
	}
	rep, err := g.execute(ctx, s, p, o.parallel, now)
	if err != nil {
		return err
	}
	g.notifyApply(ctx, s, rep, planErr)
	return errors.Join(g.reportApply(rep), planErr, listingFailures(s.Inventory))
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
func (g *globals) savedPlan(s *survey, file string) (*planner.Plan, error) {
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
	if !isTerminal(g.stdin) || g.json {
		return errors.New("apply needs --auto-approve (or a plan saved with 'strata plan -out FILE') when it cannot ask on a terminal")
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
		return errors.New("apply cancelled; nothing was changed")
	}
	return nil
}

// execute takes leases on the destinations the plan writes and runs it,
// showing its progress; now names the new snapshots; a lease another apply
// holds is exit code 4.
func (g *globals) execute(ctx context.Context, s *survey, p *planner.Plan, parallel int, now func() time.Time) (*executor.Report, error) {
	rep, err := reconcile.Apply(ctx, s, p, reconcile.ApplyOptions{
		Options:  executor.Options{Parallel: parallel, Now: now, Version: strataVersion()},
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

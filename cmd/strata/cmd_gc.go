package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

type gcOptions struct {
	autoApprove bool
	dryRun      bool
	parallel    int
}

func newGCCommand(g *globals) *cobra.Command {
	var o gcOptions
	cmd := &cobra.Command{
		Use:   "gc [DESTINATION...]",
		Short: "Delete the chunks no snapshot references",
		Long: `GC deletes, at each destination named (every destination of the
configuration by default), the chunks under .strata/chunks that no chunks.txt
anywhere under the destination's root references — of any application, tier,
host or configuration, orphaned and incomplete snapshots included — and that
are older than the grace period (settings { gc_grace = "1h" }, the default)
and than the oldest live lease there. apply runs the same gc after it purges.

It lists the whole destination and reads every chunks.txt first: if the
listing fails, or any chunks.txt cannot be read or parsed, it deletes nothing
and says why. Like apply it shows the plan and asks for 'yes' unless
--auto-approve, and takes a lease on each destination. --dry-run takes no
lease, deletes nothing and lists what would be deleted.

Exit codes: 0 done, 1 a listing or a gc failed or the plan was refused,
4 another apply holds a lease, 130/143 interrupted.`,
		RunE: func(cmd *cobra.Command, args []string) error { return runGC(cmd.Context(), g, o, args) },
	}
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "collect without asking for confirmation")
	cmd.Flags().BoolVar(&o.dryRun, "dry-run", false, "list what would be deleted; delete nothing")
	cmd.Flags().IntVar(&o.parallel, "parallelism", 4, "collect at most `N` destinations at once")
	return cmd
}

func runGC(ctx context.Context, g *globals, o gcOptions, args []string) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	s, err := gcSurvey(ctx, cfg, args)
	if err != nil {
		return err
	}
	names := args
	if len(names) == 0 {
		for n := range s.Stores {
			names = append(names, n) // the destinations a tier uses
		}
	}
	p, err := planner.BuildGCPlan(cfg, s.Inventory, g.clock(), planner.GCOptions{Destinations: names, DryRun: o.dryRun})
	if err != nil {
		return err
	}
	failures := gcListingFailures(s.Inventory)
	if len(p.Actions) == 0 {
		g.warnUnshown(p, true)
		return failures
	}
	if err := g.showGCPlan(p, o); err != nil {
		return err
	}
	rep, err := g.runGCPlan(ctx, s, p, o)
	if err != nil {
		return err
	}
	return errors.Join(g.reportGC(rep), failures)
}

// showGCPlan shows the plan: a dry run's as plan does, a real one's as
// apply does (asking for "yes" on a terminal unless auto-approved).
func (g *globals) showGCPlan(p *planner.Plan, o gcOptions) error {
	if !o.dryRun {
		if len(p.Actions) > 0 && !o.autoApprove {
			if err := g.confirmAs("gc", p); err != nil {
				return err
			}
		}
		g.warnUnshown(p, o.autoApprove)
		return nil
	}
	if g.json {
		return nil // the report alone, one JSON document
	}
	data, err := p.JSON()
	if err != nil {
		return err
	}
	return g.showPlan(data)
}

// gcSurvey opens and lists the destinations asked for (all by default).
func gcSurvey(ctx context.Context, cfg *spec.Config, names []string) (*survey, error) {
	for _, n := range names {
		if cfg.Destination(n) == nil {
			var known []string
			for _, d := range cfg.Destinations {
				known = append(known, d.Name)
			}
			return nil, fmt.Errorf("no destination %q in the configuration (destinations: %s)", n, strings.Join(known, ", "))
		}
	}
	return reconcile.List(ctx, cfg, names...)
}

// runGCPlan runs the gc plan: under leases like apply, or, for a dry run,
// without any (it deletes nothing).
func (g *globals) runGCPlan(ctx context.Context, s *survey, p *planner.Plan, o gcOptions) (*executor.Report, error) {
	if !o.dryRun {
		return g.execute(ctx, s, p, o.parallel, g.clock)
	}
	events, done := g.progress(len(p.Actions))
	defer done()
	opts := executor.Options{Parallel: o.parallel, Version: strataVersion(), Events: events}
	return executor.New(s.Stores, opts).Run(ctx, p), nil
}

// reportGC prints what each gc did (and, in a dry run, every chunk it would
// delete), then the outcome as apply does.
func (g *globals) reportGC(rep *executor.Report) error {
	if !g.json {
		fmt.Fprintln(g.stdout)
		for _, r := range rep.Results {
			g.printGCResult(r)
		}
	}
	return g.reportApply(rep)
}

func (g *globals) printGCResult(r *executor.Result) {
	dest := r.Action.Location.Destination
	switch {
	case r.Status == executor.Done && r.GC != nil:
		fmt.Fprintf(g.stdout, "gc at %s: %s\n", dest, r.Detail)
		for _, p := range r.GC.WouldDelete {
			fmt.Fprintf(g.stdout, "  would delete %s\n", p)
		}
	case r.Status == executor.Done:
		fmt.Fprintf(g.stdout, "gc at %s: done\n", dest)
	default:
		fmt.Fprintf(g.stdout, "gc at %s: %s: %s\n", dest, r.Status, r.Error)
	}
}

// gcListingFailures says which listings failed: gc deleted nothing there.
func gcListingFailures(inv *planner.Inventory) error {
	if len(inv.Failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d destination listing(s) failed; gc deleted nothing there (see the warnings above)", len(inv.Failed))
}

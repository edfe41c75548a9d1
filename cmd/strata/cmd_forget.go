package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/planner"
)

type forgetOptions struct {
	tier        string
	everywhere  bool
	force       bool
	autoApprove bool
	parallel    int
}

func newForgetCommand(g *globals) *cobra.Command {
	var o forgetOptions
	cmd := &cobra.Command{
		Use:   "forget APP ID [--tier T | --everywhere]",
		Short: "Delete one snapshot (every copy, or those at one tier)",
		Long: `Forget deletes one snapshot of an application — one stored by mistake, with
a secret in it — at every location of the application (--everywhere, the
default), or only at the destinations of --tier. ID is the snapshot's ID
(2026-11-21T02:00:00Z) or its directory form (2026/11/21/020000Z); 'strata ls'
and 'strata history APP' list them.

It shows the copies it will delete and asks for 'yes' like apply (or
--auto-approve; without a terminal --auto-approve is required), takes a lease
on every destination it writes, and deletes each copy as apply purges one:
its manifest first, so an interrupted forget leaves only an incomplete
snapshot, which the next apply cleans up; then the rest of its directory.
A gc follows at each destination where it deleted a copy: the chunks only
that snapshot named go too, once older than gc_grace (settings, 1h).
A snapshot that is the last complete one of its application at a location
needs --force. Retention is not changed: later plans keep what they keep.

Exit codes: 0 every copy was deleted, 1 a deletion failed or the forget was
refused, 4 another apply holds a lease, 130/143 interrupted.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error { return runForget(cmd.Context(), g, o, args) },
	}
	cmd.Flags().StringVar(&o.tier, "tier", "", "forget only the copies at the destinations of tier `T`")
	cmd.Flags().BoolVar(&o.everywhere, "everywhere", false, "forget every copy at every location (the default)")
	cmd.Flags().BoolVar(&o.force, "force", false, "forget even the last complete snapshot of the application at a location")
	cmd.Flags().BoolVar(&o.autoApprove, "auto-approve", false, "forget without asking for confirmation")
	cmd.Flags().IntVar(&o.parallel, "parallelism", 4, "delete at most `N` copies at once")
	return cmd
}

func runForget(ctx context.Context, g *globals, o forgetOptions, args []string) error {
	if o.everywhere && o.tier != "" {
		return &exitCodeError{code: exitError, err: errors.New("--everywhere and --tier contradict each other; give one")}
	}
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
	p, err := planner.ForgetPlan(s.Config, s.Inventory, args[0], args[1], o.tier, o.force)
	if err != nil {
		return &exitCodeError{code: exitError, err: err}
	}
	if err := g.confirmForget(p, o.autoApprove); err != nil {
		return err
	}
	g.warnUnshown(p, g.json) // shown with the plan otherwise
	rep, err := g.execute(ctx, s, p, o.parallel, g.clock)
	if err != nil {
		return err
	}
	return g.reportApply(rep)
}

// confirmForget shows what the forget deletes and asks like apply does;
// auto-approved, it shows the plan (text only) and goes on.
func (g *globals) confirmForget(p *planner.Plan, auto bool) error {
	if !auto {
		return g.confirmAs("forget", p)
	}
	if g.json {
		return nil
	}
	data, err := p.JSON()
	if err != nil {
		return err
	}
	return g.showPlan(data)
}

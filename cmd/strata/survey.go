package main

import (
	"context"
	"fmt"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
)

// survey is the configuration plus what is stored at its destinations.
type survey = reconcile.Survey

// takeSurvey loads the configuration, opens every destination it uses and
// lists each once.
func (g *globals) takeSurvey(ctx context.Context) (*survey, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	return reconcile.List(ctx, cfg)
}

type planFlags struct {
	maxPurge int
	snapshot []string
	node     string
}

func (o *planFlags) options() planner.Options {
	opts := planner.Options{Force: o.snapshot}
	if o.maxPurge >= 0 {
		n := o.maxPurge
		opts.MaxPurge = &n
	}
	return opts
}

// plan makes the plan, printing a refusal (mass purge) with its hint.
func (g *globals) plan(ctx context.Context, s *survey, o planFlags) (*planner.Plan, error) {
	opts := o.options()
	node, err := resolveNode(o.node)
	if err != nil {
		return nil, &exitCodeError{code: exitError, err: err}
	}
	opts.Node = node
	p, err := reconcile.Plan(ctx, s, g.clock(), opts)
	if p == nil && err != nil {
		return nil, &exitCodeError{code: exitError, err: err}
	}
	return p, err
}

// listingFailures says which listings failed, for the exit code.
func listingFailures(inv *planner.Inventory) error {
	if len(inv.Failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d destination listing(s) failed; nothing was purged (see the warnings above)", len(inv.Failed))
}

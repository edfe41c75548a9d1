package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// survey is the configuration plus what is stored at its destinations.
type survey struct {
	cfg      *spec.Config
	stores   executor.Stores
	listings []planner.Listing
	inv      *planner.Inventory
}

// takeSurvey loads the configuration, opens every destination it uses and
// lists each once.
func (g *globals) takeSurvey(ctx context.Context) (*survey, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	return surveyConfig(ctx, cfg)
}

// surveyConfig opens every destination cfg uses and lists each once.
func surveyConfig(ctx context.Context, cfg *spec.Config) (*survey, error) {
	stores, err := stores.Open(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := &survey{cfg: cfg, stores: stores}
	s.relist(ctx)
	return s, nil
}

func (s *survey) relist(ctx context.Context) {
	s.listings = executor.Gather(ctx, s.stores)
	s.inv = planner.BuildInventory(s.cfg, s.listings)
}

type planFlags struct {
	maxPurge int
	snapshot []string
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
	opts.SourceBytes = firstSnapshotSizes(ctx, s)
	p, err := planner.BuildPlan(s.cfg, s.inv, g.clock(), opts)
	var mass *planner.MassPurgeError
	if errors.As(err, &mass) {
		return nil, &exitCodeError{code: exitError, err: fmt.Errorf("plan refused: %v", err)}
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

package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/planner"
)

type planOptions struct {
	planFlags
	out              string
	detailedExitcode bool
}

func addPlanFlags(cmd *cobra.Command, o *planFlags) {
	cmd.Flags().IntVar(&o.maxPurge, "max-purge", -1, "allow up to `N` purges per application and location (default: no more than half)")
	cmd.Flags().StringArrayVar(&o.snapshot, "snapshot", nil, "take a snapshot of `APP` now even if its schedule has not ticked (repeatable)")
	addNodeFlag(cmd.Flags(), &o.node)
}

func newPlanCommand(g *globals) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what apply would do",
		Long: `Plan lists every destination once, compares what is stored with the
configuration and prints the actions that would make them match: snapshot,
transfer, purge, verify, repair, cleanup, gc, and those of the moved, removed,
standby and check blocks (move, purge, standby, check). It changes nothing.

Exit codes: 0 success; with --detailed-exitcode 0 no changes, 1 error, 2 changes.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPlan(cmd, g, o) },
	}
	addPlanFlags(cmd, &o.planFlags)
	cmd.Flags().StringVar(&o.out, "out", "", "save the plan to `FILE` for 'strata apply FILE'")
	cmd.Flags().BoolVar(&o.detailedExitcode, "detailed-exitcode", false, "exit 0 when there are no changes, 2 when there are, 1 on error")
	return cmd
}

func runPlan(cmd *cobra.Command, g *globals, o planOptions) error {
	s, err := g.takeSurvey(cmd.Context())
	if err != nil {
		return err
	}
	p, planErr := g.plan(cmd.Context(), s, o.planFlags)
	if p == nil {
		return planErr
	}
	data, err := p.JSON()
	if err != nil {
		return err
	}
	if err := g.showPlan(data); err != nil {
		return err
	}
	if o.out != "" {
		if err := writePrivate(o.out, data); err != nil {
			return fmt.Errorf("saving the plan: %w", err)
		}
		if !g.json {
			fmt.Fprintf(g.stdout, "\nSaved the plan to %s; run 'strata apply %s' to apply exactly it.\n", o.out, o.out)
		}
	}
	if err := errors.Join(planErr, listingFailures(s.Inventory)); err != nil {
		return err
	}
	if o.detailedExitcode && len(p.Actions) > 0 {
		return failed(exitChanges)
	}
	return nil
}

// showPlan prints a plan from its JSON form: as is with --json, else rendered.
func (g *globals) showPlan(data []byte) error {
	if g.json {
		_, err := g.stdout.Write(append(bytes.TrimRight(data, "\n"), '\n'))
		return err
	}
	return planner.RenderJSON(g.stdout, data, planner.RenderOptions{Color: g.color})
}

// writePrivate writes data to name as a new file of mode 0600 that replaces
// name whole: a saved plan names every source path and destination, and an
// existing file's wider mode (os.WriteFile keeps it) must not carry over.
func writePrivate(name string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(0o600) // CreateTemp's mode already; said so for the reader
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, name)
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

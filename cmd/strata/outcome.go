package main

import (
	"fmt"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

// printOutcome prints the one-line outcome of an apply; after an interrupt
// it also says, action by action, what was done and what was not.
func (g *globals) printOutcome(rep *executor.Report) {
	cancelled, notStarted := rep.Count(executor.Cancelled), rep.Count(executor.NotStarted)
	if cancelled == 0 && notStarted == 0 {
		fmt.Fprintf(g.stdout, "\nApply complete: %d done, %d failed, %d skipped, %d not started.\n",
			rep.Count(executor.Done), rep.Count(executor.Failed), rep.Count(executor.Skipped), notStarted)
		return
	}
	fmt.Fprintf(g.stdout, "\nApply interrupted: %d done, %d failed, %d skipped, %d cancelled, %d not started.\n",
		rep.Count(executor.Done), rep.Count(executor.Failed), rep.Count(executor.Skipped), cancelled, notStarted)
	for _, st := range []executor.Status{executor.Done, executor.Cancelled, executor.NotStarted, executor.Skipped} {
		for _, r := range rep.Results {
			if r.Status == st {
				fmt.Fprintf(g.stdout, "  %-11s  %s\n", st, describe(r))
			}
		}
	}
	fmt.Fprintln(g.stdout, "Cancelled actions removed what they had written and the leases were released; "+
		"the next 'strata apply' does the rest.")
}

// warnUnshown prints the plan's warnings on stderr when apply did not show
// the plan (auto-approved or saved): a held purge or a copy with no healthy
// source must never go unsaid.
func (g *globals) warnUnshown(p *planner.Plan, unshown bool) {
	if !unshown {
		return
	}
	for _, w := range p.Warnings {
		g.warnf("%s", w)
	}
}

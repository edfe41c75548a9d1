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
		head := "Apply complete"
		if warned(rep) {
			head = "Apply completed with warnings"
		}
		fmt.Fprintf(g.stdout, "\n%s: %d done, %d failed, %d skipped, %d not started.\n", head,
			rep.Count(executor.Done), rep.Count(executor.Failed), rep.Count(executor.Skipped), notStarted)
		g.printWarnings(rep)
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

// warned says whether an action of rep ended with warnings.
func warned(rep *executor.Report) bool {
	for _, r := range rep.Results {
		if len(r.Warnings) > 0 {
			return true
		}
	}
	return false
}

// printWarnings lists the warnings of each action, naming the paths.
func (g *globals) printWarnings(rep *executor.Report) {
	for _, r := range rep.Results {
		for _, w := range r.Warnings {
			fmt.Fprintf(g.stdout, "  warning: %s: %s\n", describe(r), w)
		}
	}
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

package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

func newHistoryCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "history APP",
		Short: "One line per snapshot of an application: ID, files, bytes, where it is",
		Long: `History shows every complete snapshot of an application, oldest first, with
the number of files and bytes it holds and the bytes it added to the destination
where it was made (chunks no earlier snapshot had stored there), from its
manifest, and every location
that has a copy; then, per destination of the application, what its chunk store
holds and the deduplication ratio (the logical size of every snapshot stored
there over the bytes stored).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runHistory(cmd.Context(), g, args[0]) },
	}
}

type historyRow struct {
	ID    string   `json:"id"`
	Files int64    `json:"files"`
	Bytes int64    `json:"bytes"`
	Size  int64    `json:"size"`        // the tar stream's (logical) size
	Added int64    `json:"bytes_added"` // compressed bytes it added at the destination where it was made
	Where []string `json:"where"`
	Error string   `json:"error,omitempty"`
	// Warnings are the manifest's: what the snapshot left out, by path.
	Warnings []string `json:"warnings,omitempty"`
}

func runHistory(ctx context.Context, g *globals, name string) error {
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
	app := s.Config.Application(name)
	if app == nil {
		return fmt.Errorf("no application %q in the configuration", name)
	}
	ids, byID := planner.CompleteCopies(s.Inventory, app, "")
	rows := make([]historyRow, 0, len(ids))
	for _, id := range ids {
		rows = append(rows, historyFor(ctx, s, id, byID[id]))
	}
	var totals []destTotal
	if !g.json { // --json keeps its list of snapshots; ls --json has the totals
		totals = g.storedTotals(ctx, s, reconcile.Locations(s.Inventory, []*spec.Application{app}))
	}
	g.printHistory(rows, totals)
	return listingFailures(s.Inventory)
}

func historyFor(ctx context.Context, s *survey, id string, refs []planner.CopyRef) historyRow {
	row := historyRow{ID: id}
	for _, r := range refs {
		row.Where = append(row.Where, r.Location.String())
	}
	m, err := executor.ReadManifest(ctx, s.Stores[refs[0].Location.Destination], refs[0].Copy.Dir)
	if err != nil {
		row.Error = err.Error()
		return row
	}
	row.Files, row.Bytes, row.Size, row.Added = m.Source.Files, m.Source.Bytes, m.Size, m.Added
	row.Warnings = m.Warnings
	return row
}

func (g *globals) printHistory(rows []historyRow, totals []destTotal) {
	if g.json {
		writeJSON(g.stdout, rows)
		return
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "SNAPSHOT\tFILES\tBYTES\tADDED\tWHERE")
	for _, r := range rows {
		if r.Error != "" {
			fmt.Fprintf(w, "%s\t?\t?\t?\t%s (%s)\n", r.ID, strings.Join(r.Where, ", "), r.Error)
			continue
		}
		where := strings.Join(r.Where, ", ")
		if n := len(r.Warnings); n > 0 {
			where += fmt.Sprintf(" (%d warning(s))", n)
		}
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\n", r.ID, r.Files, executor.HumanBytes(r.Bytes), executor.HumanBytes(r.Added), where)
	}
	w.Flush()
	printTotals(g.stdout, totals)
	for _, r := range rows {
		for _, warning := range r.Warnings {
			fmt.Fprintf(g.stdout, "%s: warning: %s\n", r.ID, warning)
		}
	}
}

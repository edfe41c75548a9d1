package main

import (
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/stratabackup/strata/reconcile"
)

// lsStandbys is the state of every standby, or of those of the
// application named in args.
func (g *globals) lsStandbys(s *survey, args []string) []reconcile.StandbyStatus {
	all := reconcile.Standbys(s.Config, s.Inventory, g.clock())
	if len(args) == 0 {
		return all
	}
	var out []reconcile.StandbyStatus
	for _, ss := range all {
		if ss.App == args[0] {
			out = append(out, ss)
		}
	}
	return out
}

// printStandbys is the table of standbys under ls's table: what each holds,
// from where and since when (the path last: it sets no column's width).
func (g *globals) printStandbys(standbys []reconcile.StandbyStatus) {
	if len(standbys) == 0 {
		return
	}
	fmt.Fprintln(g.stdout)
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "STANDBY\tAPP\tTIER\tHOLDS\tFROM\tSINCE\tPATH")
	for _, ss := range standbys {
		holds, from, since := "-", "-", "-"
		if ss.Snapshot != "" {
			holds, from = ss.Snapshot, ss.From
		}
		if ss.RestoredAt != nil {
			since = ss.RestoredAt.UTC().Format(time.RFC3339)
		}
		switch {
		case ss.Problem != "":
			since += " (" + ss.Problem + ")"
		case ss.Stale:
			since += " (stale: the tier has " + ss.Newest.UTC().Format(time.RFC3339) + ")"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", ss.Name, ss.App, ss.Tier, holds, from, since, ss.Path)
	}
	w.Flush()
}

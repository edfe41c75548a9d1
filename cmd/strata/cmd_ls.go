package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

func newLsCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [APP]",
		Short: "List the stored backups per application, tier and destination",
		Long: `Ls lists every destination once and shows, for each application, tier and
destination: how many complete snapshots are there, the newest, their
logical size (what they restore to as tar streams, read from their
manifests; the chunks are stored once per destination, see 'strata gc
--dry-run' for what a destination stores) and how many are verified. Orphaned snapshots (claimed by no application)
are listed too. It changes nothing.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := g.takeSurvey(cmd.Context())
			if err != nil {
				return err
			}
			rows, err := lsRows(s, args)
			if err != nil {
				return err
			}
			g.addLogical(cmd.Context(), s, rows)
			g.printLs(rows, s.Inventory, g.lsStandbys(s, args))
			return g.failedListings(s.Inventory)
		},
	}
}

// lsRows is a row per location of every application, or only of the one
// named in args.
func lsRows(s *survey, args []string) ([]reconcile.Location, error) {
	apps := s.Config.Applications
	if len(args) == 1 {
		app := s.Config.Application(args[0])
		if app == nil {
			return nil, fmt.Errorf("no application %q in the configuration", args[0])
		}
		apps = []*spec.Application{app}
	}
	return reconcile.Locations(s.Inventory, apps), nil
}

// addLogical sums the logical sizes of each row's complete snapshots from
// their manifests, a few at a time; a manifest that cannot be read is a
// warning naming it.
func (g *globals) addLogical(ctx context.Context, s *survey, rows []reconcile.Location) {
	type job struct {
		row *reconcile.Location
		dir string
	}
	var jobs []job
	for i := range rows {
		r := &rows[i]
		for _, c := range s.Inventory.Copies[r.App][planner.Location{Tier: r.Tier, Destination: r.Destination}] {
			if c.Complete {
				jobs = append(jobs, job{r, c.Dir})
			}
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, 8)
	for _, j := range jobs {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			m, err := executor.ReadManifest(ctx, s.Stores[j.row.Destination], j.dir)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				g.warnf("%s at %s: %v (its size is not counted)", j.dir, j.row.Destination, err)
				return
			}
			j.row.Logical += m.Size
		}()
	}
	wg.Wait()
}

func (g *globals) printLs(rows []reconcile.Location, inv *planner.Inventory, standbys []reconcile.StandbyStatus) {
	if g.json {
		out := map[string]any{"locations": rows, "orphans": inv.Orphans}
		if len(standbys) > 0 {
			out["standbys"] = standbys
		}
		writeJSON(g.stdout, out)
		return
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "APP\tTIER\tDESTINATION\tSNAPSHOTS\tNEWEST\tSIZE\tVERIFIED")
	for _, r := range rows {
		newest, size := r.Newest, executor.HumanBytes(r.Logical)
		if newest == "" {
			newest = "-"
		}
		verified := fmt.Sprintf("%d/%d", r.Verified, r.Snapshots)
		if r.Corrupt > 0 {
			verified += fmt.Sprintf(" (%d damaged)", r.Corrupt)
		}
		if r.Error != "" {
			newest, size, verified = "listing failed", "-", "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.App, r.Tier, r.Destination, r.Snapshots, newest, size, verified)
	}
	w.Flush()
	for _, o := range inv.Orphans {
		fmt.Fprintf(g.stdout, "orphaned: %s at %s (no application claims it; left alone)\n", o.Dir, o.Destination)
	}
	g.printStandbys(standbys)
}

// failedListings warns about every destination whose listing failed, with
// the reason (a wrong encryption password, a server down), and returns an
// error for the exit code when any did.
func (g *globals) failedListings(inv *planner.Inventory) error {
	names := make([]string, 0, len(inv.Failed))
	for d := range inv.Failed {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		g.warnf("the listing of destination %q failed: %s", d, inv.Failed[d])
	}
	if len(names) == 0 {
		return nil
	}
	return fmt.Errorf("%d destination listing(s) failed (%s); what they hold is not shown", len(names), strings.Join(names, ", "))
}

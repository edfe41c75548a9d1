package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

func newLsCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "ls [APP]",
		Short: "List the stored backups per application, tier and destination",
		Long: `Ls lists every destination once and shows, for each application, tier and
destination: how many complete snapshots are there, the newest, their
logical size (what they restore to as tar streams, read from their
manifests) and how many are verified. Chunks are stored once per
destination: a line per destination says how many bytes its chunk store
holds and the deduplication ratio (the logical size of every snapshot of
the configuration stored there over the bytes stored). Orphaned snapshots
(claimed by no application) are listed too, and so is every removable
destination that is detached (its drive not attached, or another drive
there: what it holds is not known). Below the table: what each standby
holds, the last restore test of each check block (passed or failed, when,
on which copy, when the next is due), whether each application with a
window waits for it, and the bandwidth limit that applies now to each
destination with a bwlimit (--json: destinations, detached, standbys,
checks, windows, bwlimits). It changes nothing.`,
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
			totals := g.storedTotals(cmd.Context(), s, rows)
			g.printLs(rows, totals, s.Inventory, g.lsStandbys(s, args), g.lsState(cmd.Context(), s, strings.Join(args, "")))
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

// destTotal is what one destination stores: its chunk store, which ls
// lists itself (the plan's listing covers the tier paths only, DESIGN §2),
// and the logical size of every snapshot of the configuration there.
type destTotal struct {
	Destination string `json:"destination"`
	// Chunks and Stored are the chunk objects of .strata/chunks and their
	// bytes, as gc counts them.
	Chunks int   `json:"chunks"`
	Stored int64 `json:"stored_bytes"`
	// Logical is the sum of the logical sizes of the complete snapshots of
	// every configured application there (orphans are not counted);
	// DedupRatio is Logical / Stored (0 when nothing is stored).
	Logical    int64   `json:"logical_bytes"`
	DedupRatio float64 `json:"dedup_ratio"`
	Error      string  `json:"error,omitempty"`
	// Detached says why a removable destination is detached: its chunk
	// store is not listed (its mount point, or another drive, is not it).
	Detached string `json:"detached,omitempty"`
}

// destinationsOf are the destinations of rows, in their order.
func destinationsOf(rows []reconcile.Location) []string {
	var out []string
	for _, r := range rows {
		if !slices.Contains(out, r.Destination) {
			out = append(out, r.Destination)
		}
	}
	return out
}

// storedTotals fills in the logical size of each row and returns the
// totals of the destinations of rows: it lists each one's chunk store and
// sums the logical sizes of the snapshots of every application stored there
// (reading each manifest once, with addLogical); a destination whose listing
// failed has the error instead.
func (g *globals) storedTotals(ctx context.Context, s *survey, rows []reconcile.Location) []destTotal {
	dests := destinationsOf(rows)
	var wanted []reconcile.Location
	for _, r := range reconcile.Locations(s.Inventory, s.Config.Applications) {
		if slices.Contains(dests, r.Destination) {
			wanted = append(wanted, r)
		}
	}
	g.addLogical(ctx, s, wanted)
	logicalOf(rows, wanted)
	out := make([]destTotal, 0, len(dests))
	for _, d := range dests {
		t := destTotal{Destination: d}
		if msg, failed := s.Inventory.Failed[d]; failed {
			t.Error = "listing failed: " + msg
			out = append(out, t)
			continue
		}
		if why, detached := s.Inventory.Detached[d]; detached {
			t.Detached = why
			out = append(out, t)
			continue
		}
		var err error
		if t.Chunks, t.Stored, err = executor.ChunkStoreSize(ctx, s.Stores[d]); err != nil {
			t.Error = "listing " + snapshot.ChunkDir + " failed: " + err.Error()
			g.warnf("destination %q: %s", d, t.Error)
		}
		for _, r := range wanted {
			if r.Destination == d {
				t.Logical += r.Logical
			}
		}
		if t.Stored > 0 && t.Error == "" {
			t.DedupRatio = float64(t.Logical) / float64(t.Stored)
		}
		out = append(out, t)
	}
	return out
}

// logicalOf copies the logical size of each row of rows from the same row
// of all.
func logicalOf(rows []reconcile.Location, all []reconcile.Location) {
	for i := range rows {
		for _, a := range all {
			if a.App == rows[i].App && a.Tier == rows[i].Tier && a.Destination == rows[i].Destination {
				rows[i].Logical = a.Logical
			}
		}
	}
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

func (g *globals) printLs(rows []reconcile.Location, totals []destTotal, inv *planner.Inventory, standbys []reconcile.StandbyStatus, st lsState) {
	if g.json {
		out := map[string]any{"locations": rows, "destinations": totals, "orphans": inv.Orphans,
			"checks": st.Checks, "windows": st.Windows, "bwlimits": st.BwLimits}
		if len(standbys) > 0 {
			out["standbys"] = standbys
		}
		if len(inv.Detached) > 0 {
			out["detached"] = detachedList(inv)
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
		if r.Detached != "" {
			newest, size, verified = "detached", "-", "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.App, r.Tier, r.Destination, r.Snapshots, newest, size, verified)
	}
	w.Flush()
	printTotals(g.stdout, totals)
	printDetached(g.stdout, inv)
	for _, o := range inv.Orphans {
		fmt.Fprintf(g.stdout, "orphaned: %s at %s (no application claims it; left alone)\n", o.Dir, o.Destination)
	}
	g.printStandbys(standbys)
	st.print(g.stdout)
}

// printTotals writes a line per destination: "destination primary: stored
// 1.2 MiB in 40 chunks for 9.6 MiB of snapshots (dedup 8.00×)".
func printTotals(w io.Writer, totals []destTotal) {
	for _, t := range totals {
		if t.Error != "" {
			msg, _, _ := strings.Cut(t.Error, ":") // the warnings say the rest
			fmt.Fprintf(w, "destination %s: %s\n", t.Destination, msg)
			continue
		}
		if t.Detached != "" { // the line below the totals says why
			fmt.Fprintf(w, "destination %s: detached, what it stores is not known\n", t.Destination)
			continue
		}
		chunks := "chunks"
		if t.Chunks == 1 {
			chunks = "chunk"
		}
		fmt.Fprintf(w, "destination %s: stored %s in %d %s for %s of snapshots", t.Destination,
			executor.HumanBytes(t.Stored), t.Chunks, chunks, executor.HumanBytes(t.Logical))
		if t.DedupRatio > 0 {
			fmt.Fprintf(w, " (dedup %.2f×)", t.DedupRatio)
		}
		fmt.Fprintln(w)
	}
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

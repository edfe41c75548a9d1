package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

type restoreOptions struct {
	day     string
	from    string
	to      string
	force   bool
	include []string
	// anyTarget skips the empty-target check (extract): files are still never overwritten without force.
	anyTarget bool
	// paths are the source paths extract was asked for; one that matches
	// nothing in the snapshot fails the command.
	paths []string
	// sameOwner, noOwner and numericOwner are tar's owner flags.
	sameOwner, noOwner, numericOwner bool
}

// ownerHelp explains the owner flags of restore and extract.
const ownerHelp = `
Owners: the archive records each entry's owner and group as numbers and
names, as GNU tar does. Run as root, restore gives every entry its recorded
owner; run as another user, the files are that user's and restore says so
once. --numeric-owner (the default) uses the recorded numbers;
--numeric-owner=false maps the recorded names to this system's numbers
(the number when a name is unknown here). --same-owner tries to restore
owners even when not root (failures are reported once); --no-owner never
does, even as root. Hard links, FIFOs, extended attributes (ACLs, file
capabilities) and symlink times are restored too; device nodes only as
root. What could not be restored is listed after the summary, once per kind.`

// addOwnerFlags adds tar's owner flags to a restore or extract command.
func addOwnerFlags(cmd *cobra.Command, o *restoreOptions) {
	f := cmd.Flags()
	f.BoolVar(&o.sameOwner, "same-owner", false, "restore the recorded owners even when not running as root")
	f.BoolVar(&o.noOwner, "no-owner", false, "leave every file to the user running the restore, even as root")
	f.BoolVar(&o.numericOwner, "numeric-owner", true, "use the recorded owner numbers; =false maps the recorded names")
	cmd.MarkFlagsMutuallyExclusive("same-owner", "no-owner")
}

// extractOptions are the snapshot.ExtractOptions of o.
func (o restoreOptions) extractOptions(overwrite bool) snapshot.ExtractOptions {
	mode := snapshot.OwnerAuto
	switch {
	case o.sameOwner:
		mode = snapshot.OwnerSame
	case o.noOwner:
		mode = snapshot.OwnerNone
	}
	// Links are recreated as archived, as restic does; nothing is ever written through one.
	return snapshot.ExtractOptions{Include: o.include, Overwrite: overwrite, AbsoluteSymlinks: true,
		Owner: mode, OwnerByName: !o.numericOwner}
}

func newRestoreCommand(g *globals) *cobra.Command {
	var o restoreOptions
	cmd := &cobra.Command{
		Use:   "restore APP [ID] --to DIR",
		Short: "Restore a snapshot of an application into a directory",
		Long: `Restore recreates a snapshot's tree under DIR: files keep their absolute
source path without the leading "/", hook output sits under hooks/<name>/.
Without ID it restores the newest snapshot; --day -1 picks yesterday's newest,
--day 2026/11/20 that day's newest (days in the application's time zone).
It reads the nearest complete copy (origin tier first, verified copies first,
or only --from TIER), checks every chunk and the whole stream while reading,
and reads a chunk that is missing or damaged there from the next copy's
destination (each such fallback is a warning). A non-empty DIR needs --force;
a missing DIR is created private to you (0700).
` + ownerHelp,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error { return runRestore(cmd.Context(), g, o, args) },
	}
	f := cmd.Flags()
	f.StringVar(&o.day, "day", "", "restore the newest snapshot of `DAY`: 0 today, -1 yesterday, or YYYY/MM/DD")
	f.StringVar(&o.from, "from", "", "read only from `TIER`")
	f.StringVar(&o.to, "to", "", "restore into `DIR` (required)")
	f.BoolVar(&o.force, "force", false, "restore into a non-empty directory, overwriting files")
	f.StringArrayVar(&o.include, "include", nil, "restore only entries matching `GLOB` (repeatable)")
	_ = cmd.MarkFlagRequired("to")
	addOwnerFlags(cmd, &o)
	return cmd
}

func runRestore(ctx context.Context, g *globals, o restoreOptions, args []string) error {
	if err := checkTarget(o.to, o.force || o.anyTarget); err != nil {
		return err
	}
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
	g.noteUnread(s)
	app := s.Config.Application(args[0])
	if app == nil {
		return fmt.Errorf("no application %q in the configuration", args[0])
	}
	if o.from != "" && s.Config.Tier(o.from) == nil {
		return fmt.Errorf("no tier %q in the configuration", o.from)
	}
	ids, byID := planner.CompleteCopies(s.Inventory, app, o.from)
	id, err := pickSnapshot(ids, args[1:], o.day, app, g.clock())
	if err != nil {
		return withFailedListings(err, s.Inventory)
	}
	return g.restoreFrom(ctx, s, app, id, byID[id], o)
}

func (g *globals) restoreFrom(ctx context.Context, s *survey, app *spec.Application, id string, refs []planner.CopyRef, o restoreOptions) error {
	copies := make([]executor.CopyAt, 0, len(refs))
	var where []string
	for _, r := range refs {
		copies = append(copies, executor.CopyAt{Store: s.Stores[r.Location.Destination], Dir: r.Copy.Dir})
		where = append(where, r.Location.String())
	}
	opts := o.extractOptions(o.force)
	_, stats, err := executor.Restore(ctx, copies, o.to, opts)
	var digest *snapshot.DigestError
	if err != nil && (ctx.Err() != nil || (!errors.As(err, &digest) && errors.Is(err, os.ErrExist))) {
		return err // not the copies' fault
	}
	if err != nil {
		return fmt.Errorf("no copy of %s %s could be restored (tried %s, a bad chunk at one from the next): %w",
			app.Name, id, strings.Join(where, ", "), err)
	}
	missing := unmatchedPaths(o.paths, stats.Unmatched)
	if len(missing) < len(o.paths) || len(o.paths) == 0 {
		g.printRestored(app.Name, id, where[0], o.to, stats)
	}
	if len(missing) > 0 {
		return fmt.Errorf("nothing in %s %s matches %s; the paths are the source's absolute paths (see 'strata history %s')",
			app.Name, id, strings.Join(missing, ", "), app.Name)
	}
	return nil
}

func (g *globals) printRestored(app, id, loc, to string, st *snapshot.ExtractStats) {
	if g.json {
		writeJSON(g.stdout, map[string]any{"app": app, "snapshot": id, "from": loc, "to": to, "stats": st})
		return
	}
	with := ""
	if len(st.Warnings) > 0 {
		with = fmt.Sprintf(", with %d warning(s)", len(st.Warnings))
	}
	fmt.Fprintf(g.stdout, "Restored %s %s from %s into %s: %s, %s%s.\n", app, id, loc, to,
		executor.CountFiles(st.Files+st.Symlinks, st.Symlinks), executor.HumanBytes(st.Bytes), with)
	for _, w := range st.Warnings {
		fmt.Fprintf(g.stdout, "  warning: %s\n", w)
	}
}

// unmatchedPaths returns the paths whose patterns (extractPatterns) all
// matched nothing.
func unmatchedPaths(paths, unmatched []string) []string {
	var out []string
	for _, p := range paths {
		pats := extractPatterns([]string{p})
		if len(pats) > 0 && !slices.ContainsFunc(pats, func(q string) bool { return !slices.Contains(unmatched, q) }) {
			out = append(out, p)
		}
	}
	return out
}

// checkTarget refuses a non-empty target without force.
func checkTarget(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("restore target: %w", err)
	}
	if len(entries) > 0 && !force {
		return fmt.Errorf("restore target %s is not empty; restore into an empty directory, or add --force to overwrite", dir)
	}
	return nil
}

// pickSnapshot chooses the snapshot to restore: the one named, the newest of
// a day, or the newest of all. ids is sorted oldest first.
func pickSnapshot(ids []string, named []string, day string, app *spec.Application, now time.Time) (string, error) {
	if len(ids) == 0 {
		return "", fmt.Errorf("application %s has no complete snapshot to restore", app.Name)
	}
	if len(named) == 1 {
		id, err := snapshot.ParseID(named[0])
		if err != nil {
			return "", err
		}
		for _, have := range ids {
			if have == id.String() {
				return have, nil
			}
		}
		return "", fmt.Errorf("application %s has no complete snapshot %s; see 'strata history %s'", app.Name, id, app.Name)
	}
	if day == "" {
		return ids[len(ids)-1], nil
	}
	return newestOfDay(ids, day, app, now)
}

func newestOfDay(ids []string, day string, app *spec.Application, now time.Time) (string, error) {
	loc := time.UTC
	if app.Schedule != nil && app.Schedule.Location != nil {
		loc = app.Schedule.Location
	}
	start, err := parseDay(day, now.In(loc), loc)
	if err != nil {
		return "", err
	}
	end := start.AddDate(0, 0, 1)
	for i := len(ids) - 1; i >= 0; i-- {
		id, _ := snapshot.ParseID(ids[i])
		if t := id.Time(); !t.Before(start) && t.Before(end) {
			return ids[i], nil
		}
	}
	return "", fmt.Errorf("application %s has no complete snapshot on %s", app.Name, start.Format("2006/01/02"))
}

// parseDay reads 0, -1, -2 … (days before today) or YYYY/MM/DD.
func parseDay(day string, now time.Time, loc *time.Location) (time.Time, error) {
	if n, err := strconv.Atoi(day); err == nil && n <= 0 {
		y, m, d := now.Date()
		return time.Date(y, m, d+n, 0, 0, 0, 0, loc), nil
	}
	t, err := time.ParseInLocation("2006/01/02", strings.TrimSpace(day), loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("--day %q: want 0 (today), -1 (yesterday), … or YYYY/MM/DD", day)
	}
	return t, nil
}

// withFailedListings adds why destinations could not be listed (a wrong
// encryption password, a server down) to err.
func withFailedListings(err error, inv *planner.Inventory) error {
	names := make([]string, 0, len(inv.Failed))
	for d := range inv.Failed {
		names = append(names, d)
	}
	slices.Sort(names)
	for _, d := range names {
		err = fmt.Errorf("%w; the listing of destination %q failed: %s", err, d, inv.Failed[d])
	}
	return err
}

package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

type verifyOptions struct {
	tier string
}

func newVerifyCommand(g *globals) *cobra.Command {
	var o verifyOptions
	cmd := &cobra.Command{
		Use:   "verify [APP]",
		Short: "Re-read every stored copy and check it against its manifest",
		Long: `Verify re-reads every complete copy (of APP, at --tier, or all), checks each
chunk it names (chunks.txt) by its size and SHA-256 — a chunk shared by several
snapshots once per run — and the chunk list against the manifest, and records the
result next to the copy (verified.json, or corrupt.json saying what failed) so
the next plan repairs what is damaged. Chunks are shared by every copy at a
destination: when a chunk fails, every other complete copy there whose
chunks.txt names it gets a corrupt.json too (naming the chunk and the copy
whose check found it), listed under the failed copy's line — except a copy
this run checks itself, which gets its own line; a chunks.txt that cannot be
read is a warning. It takes a lease on the destinations it checks, like
apply. One line per copy, with rclone check's markers:

  =  ok            *  a chunk differs (bit flip, truncation)
  +  missing       !  the check could not run (read error, unreadable manifest)

Incomplete snapshot directories (no manifest.json: an interrupted write or a
deleted manifest) are listed with + too; the next apply cleans them up and
transfers what is missing.

Exit codes: 0 every copy is good, 1 a copy is damaged, missing, incomplete or
could not be checked, 4 another apply holds a lease, 130/143 interrupted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return runVerify(cmd.Context(), g, o, args) },
	}
	cmd.Flags().StringVar(&o.tier, "tier", "", "verify only the copies at tier `T`")
	return cmd
}

// verifyLine is the outcome of checking one copy.
type verifyLine struct {
	App      string               `json:"app"`
	Location planner.Location     `json:"location"`
	Snapshot string               `json:"snapshot"`
	Dir      string               `json:"dir"`
	Marker   string               `json:"marker"`
	Status   string               `json:"status"` // ok, damaged, incomplete, error
	Problem  string               `json:"problem,omitempty"`
	Chunks   []executor.MarkChunk `json:"chunks,omitempty"` // the chunks that failed
	// Shared are the other complete copies at the destination that
	// reference a failed chunk: each was marked damaged too (corrupt.json
	// naming the chunks and this copy as the one whose check found them).
	Shared []string `json:"shared,omitempty"`
	// Warnings say what could not be read while looking for those copies.
	Warnings []string `json:"warnings,omitempty"`
}

// verifySummary counts the outcomes.
type verifySummary struct {
	Copies     int `json:"copies"`
	OK         int `json:"ok"`
	Damaged    int `json:"damaged"`
	Incomplete int `json:"incomplete"`
	Errors     int `json:"errors"`
	// Shared counts the other copies marked damaged because they reference
	// a chunk a verified copy failed on.
	Shared int `json:"shared"`
}

func runVerify(ctx context.Context, g *globals, o verifyOptions, args []string) error {
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
	g.noteUnread(s)
	targets, stores, err := verifyTargets(s, o, args)
	if err != nil {
		return err
	}
	leases, err := executor.Acquire(ctx, stores)
	var locked *executor.LockedError
	if errors.As(err, &locked) {
		return &exitCodeError{code: exitLocked, err: err}
	}
	if err != nil {
		return err
	}
	defer leases.Release()
	ex := executor.New(s.Stores, executor.Options{Version: strataVersion()})
	ex.WillVerify(targets)
	var lines []verifyLine
	var sum verifySummary
	for _, t := range targets {
		if ctx.Err() != nil {
			break
		}
		l := verifyOne(ctx, ex, s, t)
		g.printVerifyLine(l)
		sum.add(l)
		lines = append(lines, l)
	}
	return g.finishVerify(s, lines, sum)
}

// verifyTargets lists the copies to check (the planner chooses them) and
// the stores they live in, leaving out destinations whose listing failed.
func verifyTargets(s *survey, o verifyOptions, args []string) ([]planner.VerifyTarget, executor.Stores, error) {
	app := ""
	if len(args) == 1 {
		app = args[0]
	}
	targets, err := planner.VerifyTargets(s.Config, s.Inventory, app, o.tier)
	if err != nil {
		return nil, nil, err
	}
	stores := executor.Stores{}
	for _, t := range targets {
		if _, failed := s.Inventory.Failed[t.Location.Destination]; !failed {
			stores[t.Location.Destination] = s.Stores[t.Location.Destination]
		}
	}
	return targets, stores, nil
}

// verifyOne checks one copy and records the result next to it.
func verifyOne(ctx context.Context, ex *executor.Executor, s *survey, t planner.VerifyTarget) verifyLine {
	l := verifyLine{App: t.App, Location: t.Location, Snapshot: t.Copy.ID.String(), Dir: t.Copy.Dir}
	if !t.Copy.Complete {
		l.Marker, l.Status = "+", "incomplete"
		l.Problem = "no manifest.json (an interrupted write or a deleted manifest); the next apply cleans it up"
		return l
	}
	st := s.Stores[t.Location.Destination]
	mark, err := ex.Check(ctx, st, t.Copy.Dir)
	if err != nil {
		l.Marker, l.Status, l.Problem = "!", "error", err.Error()
		return l
	}
	l.Chunks = mark.Chunks
	err = ex.Record(ctx, st, t.Copy.Dir, t.Location.String(), mark)
	var damaged *executor.DamagedError
	switch {
	case mark.OK && err == nil:
		l.Marker, l.Status = "=", "ok"
	case mark.OK:
		l.Marker, l.Status, l.Problem = "!", "error", "checked ok, but recording verified.json failed: "+err.Error()
	case errors.As(err, &damaged):
		l.Marker, l.Status, l.Problem = copyMarker(mark), "damaged", mark.Problem
		if damaged.RecordErr != nil {
			l.Problem += "; recording corrupt.json failed: " + damaged.RecordErr.Error()
		}
		l.Shared, l.Warnings = damaged.Shared, damaged.Warnings
	default:
		l.Marker, l.Status, l.Problem = copyMarker(mark), "damaged", mark.Problem+"; recording corrupt.json failed: "+err.Error()
	}
	return l
}

// copyMarker is the marker of a damaged copy: the worst of its chunks', or
// * when the manifest or the chunk list is what failed.
func copyMarker(m *executor.Mark) string {
	for _, want := range []string{"*", "+", "!"} {
		for _, p := range m.Chunks {
			if p.Marker == want {
				return want
			}
		}
	}
	if strings.Contains(m.Problem, "manifest.json is missing") {
		return "+"
	}
	return "*"
}

func (sum *verifySummary) add(l verifyLine) {
	sum.Copies++
	sum.Shared += len(l.Shared)
	switch l.Status {
	case "ok":
		sum.OK++
	case "damaged":
		sum.Damaged++
	case "incomplete":
		sum.Incomplete++
	default:
		sum.Errors++
	}
}

func (g *globals) printVerifyLine(l verifyLine) {
	if g.json {
		return
	}
	line := fmt.Sprintf("%s %s %s at %s", l.Marker, l.App, l.Snapshot, l.Location)
	if l.Problem != "" {
		line += ": " + l.Problem
	}
	fmt.Fprintln(g.stdout, line)
	for _, d := range l.Shared {
		fmt.Fprintf(g.stdout, "  * %s at %s: references a chunk that failed; marked damaged too\n", d, l.Location.Destination)
	}
	for _, w := range l.Warnings {
		g.warnf("%s", w)
	}
}

// finishVerify prints the summary and returns the exit status.
func (g *globals) finishVerify(s *survey, lines []verifyLine, sum verifySummary) error {
	if g.json {
		if lines == nil {
			lines = []verifyLine{}
		}
		writeJSON(g.stdout, map[string]any{"copies": lines, "summary": sum})
	} else {
		noun := "copies"
		if sum.Copies == 1 {
			noun = "copy"
		}
		fmt.Fprintf(g.stdout, "\nVerified %d %s: %d ok, %d damaged, %d incomplete, %d could not be checked.\n",
			sum.Copies, noun, sum.OK, sum.Damaged, sum.Incomplete, sum.Errors)
		if sum.Shared > 0 {
			fmt.Fprintf(g.stdout, "Marked damaged too: %s a chunk that failed.\n",
				count(sum.Shared, "other copy that references", "other copies that reference"))
		}
	}
	var errs []error
	if sum.Damaged+sum.Incomplete+sum.Errors > 0 {
		if sum.Damaged > 0 {
			g.hintf("run 'strata plan' to see the repairs, 'strata apply' to make them")
		}
		errs = append(errs, fmt.Errorf("%d of %d copies are not good", sum.Damaged+sum.Incomplete+sum.Errors, sum.Copies))
	}
	return errors.Join(append(errs, listingFailures(s.Inventory))...)
}

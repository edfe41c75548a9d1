package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
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
piece's size and SHA-256 against the manifest and the sidecar, and records the
result next to the copy (verified.json, or corrupt.json saying what failed) so
the next plan repairs what is damaged. It takes a lease on the destinations it
checks, like apply. One line per copy, with rclone check's markers:

  =  ok            *  a piece differs (bit flip, truncation)
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
	Pieces   []executor.MarkPiece `json:"pieces,omitempty"`
}

// verifySummary counts the outcomes.
type verifySummary struct {
	Copies     int `json:"copies"`
	OK         int `json:"ok"`
	Damaged    int `json:"damaged"`
	Incomplete int `json:"incomplete"`
	Errors     int `json:"errors"`
}

// verifyTarget is one copy to check.
type verifyTarget struct {
	app string
	loc planner.Location
	c   planner.Copy
}

func runVerify(ctx context.Context, g *globals, o verifyOptions, args []string) error {
	s, err := g.takeSurvey(ctx)
	if err != nil {
		return err
	}
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
	ex := executor.New(s.cfg, s.stores, executor.Options{Version: strataVersion()})
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

// verifyTargets lists the copies to check (application order, tier chain
// order, destination order, oldest first) and the stores they live in.
func verifyTargets(s *survey, o verifyOptions, args []string) ([]verifyTarget, executor.Stores, error) {
	apps := sortedApps(s.cfg.Applications)
	if len(args) == 1 {
		app := s.cfg.Application(args[0])
		if app == nil {
			return nil, nil, fmt.Errorf("no application %q in the configuration", args[0])
		}
		apps = []*spec.Application{app}
	}
	if o.tier != "" && s.cfg.Tier(o.tier) == nil {
		return nil, nil, fmt.Errorf("no tier %q in the configuration", o.tier)
	}
	var out []verifyTarget
	stores := executor.Stores{}
	for _, a := range apps {
		for _, t := range a.Tiers {
			if o.tier != "" && t.Name != o.tier {
				continue
			}
			for _, d := range t.Destinations {
				loc := planner.Location{Tier: t.Name, Destination: d.Name}
				if _, failed := s.inv.Failed[d.Name]; !failed {
					stores[d.Name] = s.stores[d.Name]
				}
				for _, c := range s.inv.Copies[a.Name][loc] {
					out = append(out, verifyTarget{app: a.Name, loc: loc, c: c})
				}
			}
		}
	}
	return out, stores, nil
}

func sortedApps(apps []*spec.Application) []*spec.Application {
	out := slices.Clone(apps)
	slices.SortFunc(out, func(a, b *spec.Application) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// verifyOne checks one copy and records the result next to it.
func verifyOne(ctx context.Context, ex *executor.Executor, s *survey, t verifyTarget) verifyLine {
	l := verifyLine{App: t.app, Location: t.loc, Snapshot: t.c.ID.String(), Dir: t.c.Dir}
	if !t.c.Complete {
		l.Marker, l.Status = "+", "incomplete"
		l.Problem = "no manifest.json (an interrupted write or a deleted manifest); the next apply cleans it up"
		return l
	}
	st := s.stores[t.loc.Destination]
	mark, err := ex.Check(ctx, st, t.c.Dir)
	if err != nil {
		l.Marker, l.Status, l.Problem = "!", "error", err.Error()
		return l
	}
	l.Pieces = mark.Pieces
	err = ex.Record(ctx, st, t.c.Dir, t.loc.String(), mark)
	var damaged *executor.DamagedError
	switch {
	case mark.OK && err == nil:
		l.Marker, l.Status = "=", "ok"
	case mark.OK:
		l.Marker, l.Status, l.Problem = "!", "error", "checked ok, but recording verified.json failed: "+err.Error()
	case errors.As(err, &damaged):
		l.Marker, l.Status, l.Problem = copyMarker(mark), "damaged", mark.Problem
	default:
		l.Marker, l.Status, l.Problem = copyMarker(mark), "damaged", mark.Problem+"; recording corrupt.json failed: "+err.Error()
	}
	return l
}

// copyMarker is the marker of a damaged copy: the worst of its pieces', or
// * when the manifest or the sidecar is what failed.
func copyMarker(m *executor.Mark) string {
	for _, want := range []string{"*", "+", "!"} {
		for _, p := range m.Pieces {
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
	}
	var errs []error
	if sum.Damaged+sum.Incomplete+sum.Errors > 0 {
		if sum.Damaged > 0 {
			g.hintf("run 'strata plan' to see the repairs, 'strata apply' to make them")
		}
		errs = append(errs, fmt.Errorf("%d of %d copies are not good", sum.Damaged+sum.Incomplete+sum.Errors, sum.Copies))
	}
	return errors.Join(append(errs, listingFailures(s.inv))...)
}

package planner

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// movedConfig is testConfig where hydro was called "old" before a moved
// block: its previous paths are "<tier>/old".
func movedConfig(names ...string) *spec.Config {
	cfg := testConfig()
	a := cfg.Applications[0]
	for _, n := range names {
		prev := spec.Previous{Name: n, Paths: map[string]string{},
			Moved: &spec.Moved{From: n, To: "hydro", DeclRange: rangeAt("moved.hcl", 3)}}
		for _, t := range a.Tiers {
			prev.Paths[t.Name] = t.Name + "/" + n
		}
		a.Previous = append(a.Previous, prev)
	}
	return cfg
}

// historyListings lists complete copies of days snapshots (one a day, ending
// nov20) at local and remote, and the newest at offsite, under the app path
// name at each tier.
func historyListings(name string, days int) []Listing {
	var out []Listing
	for _, l := range []Location{localLoc, remoteLoc, offsiteLoc} {
		var es []Entry
		times := daily(nov20, days)
		if l == offsiteLoc {
			times = times[len(times)-1:]
		}
		for _, t := range times {
			es = append(es, completeEntries(l.Tier+"/"+name+"/"+snapshot.NewID(t).Dir(), t, 1)...)
		}
		out = append(out, Listing{Destination: l.Destination, Entries: es})
	}
	return out
}

// withoutMoves is the plan's actions other than moves, as kind, dir and
// snapshot, without the dependencies on moves.
func withoutMoves(p *Plan) []string {
	var out []string
	for _, a := range p.Actions {
		if a.Kind != Move {
			out = append(out, fmt.Sprintf("%s %s %s %s", a.Key, a.Dir, a.SourceDir, a.Snapshot))
		}
	}
	return out
}

// TestMovePlansAsIfMoved holds the contract of a moved block: the plan
// does, beside the moves, exactly what it would do if the snapshots were
// already under the new path (retention counts the moved history, nothing
// is transferred again), and every action on a moved copy waits for its
// move.
func TestMovePlansAsIfMoved(t *testing.T) {
	moved := mustPlan(t, movedConfig("old"), BuildInventory(movedConfig("old"), historyListings("old", 10)), nov21, Options{})
	plain := mustPlan(t, testConfig(), BuildInventory(testConfig(), historyListings("hydro", 10)), nov21, Options{})
	if got, want := withoutMoves(moved), withoutMoves(plain); !slices.Equal(got, want) {
		t.Errorf("moved plan differs from the plan of the moved state\n got:\n  %s\nwant:\n  %s",
			strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	mv := action(t, moved, "move:hydro:local/local:old")
	if len(mv.Moves) != 10 || mv.SourceAppPath != "local/old" || mv.AppPath != "local/hydro" {
		t.Fatalf("move %+v", mv)
	}
	if mv.Moves[0] != (DirMove{From: "local/old/2026/11/20/020000Z", To: "local/hydro/2026/11/20/020000Z"}) {
		t.Errorf("first move %+v, want the newest first", mv.Moves[0])
	}
	if moved.Summary["move"] != 3 || moved.Summary["transfer"] != plain.Summary["transfer"] {
		t.Errorf("summary %v", moved.Summary)
	}
	for _, a := range moved.Actions {
		touches := a.Snapshot != "" && (a.Kind == Purge || a.Kind == Verify || a.Kind == Transfer)
		if touches && !slices.Contains(a.DependsOn, "move:hydro:"+a.Location.String()+":old") &&
			!slices.ContainsFunc(a.DependsOn, func(k string) bool { return strings.HasPrefix(k, "move:") }) {
			t.Errorf("%s does not wait for a move: %v", a.Key, a.DependsOn)
		}
	}
	if len(moved.Orphans) != 0 || len(moved.Warnings) != 0 {
		t.Errorf("orphans %v warnings %v", moved.Orphans, moved.Warnings)
	}
}

// TestMoveBlockStaysForever: once nothing is left under the old paths, the
// moved block plans nothing.
func TestMoveBlockStaysForever(t *testing.T) {
	cfg := movedConfig("old")
	p := mustPlan(t, cfg, BuildInventory(cfg, historyListings("hydro", 7)), ts("2026-11-21T01:00:00Z"), Options{})
	for _, a := range p.Actions {
		if a.Kind == Move {
			t.Errorf("move planned with empty old paths: %s", a.Key)
		}
	}
}

// TestMoveChain: A→B then B→C; both old paths move, the older name after
// the newer one.
func TestMoveChain(t *testing.T) {
	cfg := movedConfig("b", "a")
	ls := historyListings("a", 3)
	ls[0].Entries = append(ls[0].Entries, completeEntries("local/b/2026/11/21/020000Z", nov21, 1)...)
	p := mustPlan(t, cfg, BuildInventory(cfg, ls), ts("2026-11-21T03:00:00Z"), Options{})
	wantDeps(t, p, "move:hydro:local/local:a", "move:hydro:local/local:b")
	if a := action(t, p, "move:hydro:local/local:a"); len(a.Moves) != 3 || a.SourceAppPath != "local/a" {
		t.Errorf("move of a: %+v", a)
	}
}

// TestMoveInterrupted: a snapshot at both paths (a move cut short) is one
// copy, completed by the move: no cleanup deletes the half-moved directory,
// nothing is transferred into it.
func TestMoveInterrupted(t *testing.T) {
	cfg := movedConfig("old")
	ls := historyListings("old", 2)
	half := "local/hydro/2026/11/20/020000Z"
	ls[0].Entries = append(ls[0].Entries, Entry{Path: half + "/" + snapshot.ChunkListName, Size: 1000, ModTime: nov20})
	p := mustPlan(t, cfg, BuildInventory(cfg, ls), ts("2026-11-20T03:00:00Z"), Options{})
	for _, a := range p.Actions {
		if a.Dir == half && a.Kind != Verify {
			t.Errorf("%s touches the half-moved directory", a.Key)
		}
	}
	mv := action(t, p, "move:hydro:local/local:old")
	if len(mv.Moves) != 2 || mv.Moves[0].To != half {
		t.Errorf("move %+v", mv.Moves)
	}
}

// TestMoveConflict: a target already holding a history of its own that
// the old snapshots would interleave with is an error naming both; the
// move is not planned.
func TestMoveConflict(t *testing.T) {
	cfg := movedConfig("old")
	ls := historyListings("old", 3)
	ls[0].Entries = append(ls[0].Entries, completeEntries("local/hydro/2026/11/18/120000Z", nov20, 1)...)
	p, err := BuildPlan(cfg, BuildInventory(cfg, ls), ts("2026-11-20T03:00:00Z"), Options{})
	var conflict *MoveConflictError
	if !errors.As(err, &conflict) || conflict.Location != localLoc || conflict.Target != "2026-11-18T12:00:00Z" {
		t.Fatalf("err = %v", err)
	}
	for _, a := range p.Actions {
		if a.Key == "move:hydro:local/local:old" {
			t.Errorf("conflicting move planned")
		}
	}
}

// TestRemoved: a retired application's snapshots are not orphans; with
// destroy they are all purged, past the mass-deletion cap.
func TestRemoved(t *testing.T) {
	for _, destroy := range []bool{false, true} {
		cfg := testConfig()
		cfg.Removed = []*spec.Removed{{From: "gone", Destroy: destroy, DeclRange: rangeAt("removed.hcl", 1),
			Paths: map[string]string{"local": "local/gone", "remote": "remote/gone", "offsite": "offsite/gone"}}}
		ls := historyListings("hydro", 7)
		for i, l := range historyListings("gone", 5) {
			ls[i].Entries = append(ls[i].Entries, l.Entries...)
		}
		p := mustPlan(t, cfg, BuildInventory(cfg, ls), ts("2026-11-21T01:00:00Z"), Options{})
		if len(p.Orphans) != 0 || hasWarning(p, "orphaned") {
			t.Errorf("destroy=%v: orphans %v warnings %v", destroy, p.Orphans, p.Warnings)
		}
		purged := 0
		for _, a := range p.Actions {
			if a.App == "gone" && a.Kind == Purge && strings.Contains(a.Reason, "removed block at removed.hcl:1") {
				purged++
			}
		}
		if want := map[bool]int{false: 0, true: 11}[destroy]; purged != want || p.Summary["purge"] != want {
			t.Errorf("destroy=%v: %d purges, summary %v, want %d", destroy, purged, p.Summary, want)
		}
	}
}

func rangeAt(file string, line int) hcl.Range {
	return hcl.Range{Filename: file, Start: hcl.Pos{Line: line}}
}

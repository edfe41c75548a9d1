package planner

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// sharedConfig has two tiers on one destination "nas" with different paths,
// and a remote tier on "backup1".
func sharedConfig() *spec.Config {
	nas := &spec.Destination{Name: "nas"}
	local := &spec.Tier{Name: "local", Destinations: []*spec.Destination{nas}, Keep: spec.Keep{Last: 7}}
	archive := &spec.Tier{Name: "archive", From: local, Destinations: []*spec.Destination{nas}, Keep: spec.Keep{Monthly: 12}}
	remote := &spec.Tier{Name: "remote", From: local, Destinations: dests("backup1"), Keep: spec.Keep{Last: 7}}
	return newConfig([]*spec.Tier{local, archive, remote}, newApp("hydro", local, archive, remote))
}

func sharedListings() []Listing {
	at := nov20
	nas := slices.Concat(
		completeEntries("local/hydro/2026/11/19/020000Z", at.Add(-day), 1),
		completeEntries("local/hydro/2026/11/20/020000Z", at, 3),
		[]Entry{
			{Path: "local/hydro/2026/11/20/020000Z/chunks.txt.strata-tmp-abc", Size: 7, ModTime: at.Add(2 * time.Hour)},
			{Path: "local/hydro/2026/11/20/020000Z/corrupt.json", Size: 9, ModTime: at.Add(3 * time.Hour)},
			// incomplete: no manifest
			{Path: "local/hydro/2026/11/21/020000Z/chunks.txt", Size: 500, ModTime: at.Add(day)},
			{Path: "local/hydro/2026/11/21/020000Z/data.tar.sha256.partial", Size: 20, ModTime: at.Add(day + time.Minute)},
			{Path: ".strata/locks/L1.json", Size: 100, ModTime: at},
			{Path: "README", Size: 1, ModTime: at},
		},
		completeEntries("archive/hydro/2026/10/31/020000Z", at, 1),
		completeEntries("old/app/2025/01/01/000000Z", at, 1),
	)
	return []Listing{
		{Destination: "nas", Entries: nas, Leases: []Lease{{ID: "L1", Host: "h", Expires: at.Add(time.Hour)}}},
		{Destination: "backup1", Err: "ssh: connection refused"},
	}
}

func TestBuildInventory(t *testing.T) {
	inv := BuildInventory(sharedConfig(), sharedListings())
	local := inv.Copies["hydro"][loc("local", "nas")]
	if len(local) != 3 {
		t.Fatalf("local copies: %+v", local)
	}
	c19, c20, c21 := local[0], local[1], local[2]
	if !c19.Complete || c19.Size != 717 || !c19.Healthy() || c19.Dir != "local/hydro/2026/11/19/020000Z" {
		t.Errorf("Nov 19: %+v", c19)
	}
	if c20.ID.String() != "2026-11-20T02:00:00Z" || c20.Size != 926 || c20.Healthy() {
		t.Errorf("Nov 20 (corrupt): %+v", c20)
	}
	if !c20.Verified.Equal(nov20.Add(time.Hour)) || !c20.Corrupt.Equal(nov20.Add(3*time.Hour)) || !c20.ModTime.Equal(nov20.Add(3*time.Hour)) {
		t.Errorf("Nov 20 times: %+v", c20)
	}
	if want := []string{"local/hydro/2026/11/20/020000Z/chunks.txt.strata-tmp-abc"}; !slices.Equal(c20.Temps, want) {
		t.Errorf("Nov 20 temps %q", c20.Temps)
	}
	if c21.Complete || c21.Size != 500 || len(c21.Temps) != 1 {
		t.Errorf("Nov 21 (incomplete): %+v", c21)
	}
	archive := inv.Copies["hydro"][loc("archive", "nas")]
	if len(archive) != 1 || archive[0].Dir != "archive/hydro/2026/10/31/020000Z" {
		t.Errorf("archive copies: %+v", archive)
	}
	if len(inv.Orphans) != 1 || inv.Orphans[0] != (Orphan{Destination: "nas", Dir: "old/app/2025/01/01/000000Z", ID: snapshot.NewID(ts("2025-01-01T00:00:00Z"))}) {
		t.Errorf("orphans %+v", inv.Orphans)
	}
	if inv.Failed["backup1"] != "ssh: connection refused" || len(inv.Leases["nas"]) != 1 {
		t.Errorf("failed %v leases %v", inv.Failed, inv.Leases)
	}
}

func TestFingerprint(t *testing.T) {
	cfg := sharedConfig()
	ls := sharedListings()
	base := BuildInventory(cfg, ls).Fingerprint
	if len(base) != len("sha256:")+64 {
		t.Errorf("fingerprint %q", base)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		shuffled := slices.Clone(ls)
		shuffled[0].Entries = slices.Clone(ls[0].Entries)
		r.Shuffle(len(shuffled[0].Entries), func(i, j int) {
			shuffled[0].Entries[i], shuffled[0].Entries[j] = shuffled[0].Entries[j], shuffled[0].Entries[i]
		})
		slices.Reverse(shuffled)
		if got := BuildInventory(cfg, shuffled).Fingerprint; got != base {
			t.Fatalf("fingerprint depends on listing order")
		}
	}
	changed := slices.Clone(ls)
	changed[0].Entries = slices.Clone(ls[0].Entries)
	changed[0].Entries[0].Size++
	if BuildInventory(cfg, changed).Fingerprint == base {
		t.Errorf("fingerprint ignores sizes")
	}
	leases := slices.Clone(ls)
	leases[0].Leases = nil
	leases[0].Entries = slices.DeleteFunc(slices.Clone(ls[0].Entries), func(e Entry) bool { return e.Path == ".strata/locks/L1.json" })
	if BuildInventory(cfg, leases).Fingerprint != base {
		t.Errorf("fingerprint depends on .strata")
	}
	fixed := slices.Clone(ls)
	fixed[1].Err = "timeout"
	if BuildInventory(cfg, fixed).Fingerprint == base {
		t.Errorf("fingerprint ignores failures")
	}
}

func TestSplitSnapshotPathMatchesSnapshotSplitPath(t *testing.T) {
	for _, p := range []string{
		"a/b/2026/11/20/020000Z/data.tar.zst",
		"2026/11/20/020000Z/manifest.json",
		"2026/11/20/020000Z",
		"a/2026/11/20/020000Z",
		"a/2026/11/20/020000Zx/file",
		"a/2026/13/20/020000Z/file",
		"2026/2026/11/20/020000Z/f",
		"a/b/c",
		"",
		"x/2026/11/20/020000Z/2026/11/21/020000Z/f",
		"2024/02/29/235959Z", "2026/02/29/000000Z", "2026/04/31/000000Z", "2026/11/20/240000Z",
		"2026/11/20/026000Z", "2026/11/20/020060Z", "0000/01/01/000000Z", "2026/00/10/000000Z",
		"2026/1a/20/020000Z", "2026-11-20/020000Z", "2026/11/20/020000z",
	} {
		app, id, rest, ok := snapshot.SplitPath(p)
		pfx, dir, ok2 := splitSnapshotPath(p)
		if ok != ok2 {
			t.Errorf("%q: ok %v vs %v", p, ok, ok2)
			continue
		}
		if !ok {
			continue
		}
		gotID, _ := snapshot.ParseDir(p[dir-18 : dir])
		gotRest := p[dir:]
		if len(gotRest) > 0 {
			gotRest = gotRest[1:]
		}
		if p[:pfx] != app || gotID != id || gotRest != rest {
			t.Errorf("%q: got (%q, %v, %q), SplitPath says (%q, %v, %q)", p, p[:pfx], gotID, gotRest, app, id, rest)
		}
	}
}

func TestPlanFromListings(t *testing.T) {
	cfg := sharedConfig()
	inv := BuildInventory(cfg, sharedListings())
	p, err := BuildPlan(cfg, inv, nov20.Add(12*time.Hour), Options{})
	var nh *NoHealthyCopyError
	if !errors.As(err, &nh) {
		t.Fatalf("err = %v, want the corrupt Nov 20 reported", err)
	}
	checkWellFormed(t, p)
	for _, a := range p.Actions {
		if a.Kind == Purge || a.Kind == Cleanup {
			t.Errorf("failed listing, yet %s", a.Key)
		}
	}
	action(t, p, "transfer:hydro:archive/nas:2026-11-19T02:00:00Z")
	if !hasWarning(p, `"backup1"`, "ssh: connection refused") || !hasWarning(p, "orphaned", "nas:old/app") {
		t.Errorf("warnings %q", p.Warnings)
	}
}

// TestFormat1IsReportedNotPlanned: a format-1 snapshot directory (one
// data.tar.zst, or pieces) is never a copy — nothing restores, transfers,
// purges or cleans it up — and the plan warns, naming it, with the recipe
// that restores it without strata.
func TestFormat1IsReportedNotPlanned(t *testing.T) {
	cfg := sharedConfig()
	old := "local/hydro/2026/11/18/020000Z"
	split := "local/hydro/2026/11/17/020000Z"
	nas := slices.Concat(completeEntries("local/hydro/2026/11/19/020000Z", nov20.Add(-day), 1), []Entry{
		{Path: old + "/data.tar.zst", Size: 1000, ModTime: nov20},
		{Path: old + "/data.tar.zst.sha256", Size: 80, ModTime: nov20},
		{Path: old + "/manifest.json", Size: 500, ModTime: nov20},
		{Path: split + "/data.tar.zst.000", Size: 1000, ModTime: nov20}, // no manifest: still never cleaned up
	})
	inv := BuildInventory(cfg, []Listing{{Destination: "nas", Entries: nas}, {Destination: "backup1"}})
	for _, c := range inv.Copies["hydro"][loc("local", "nas")] {
		if c.Dir == old || c.Dir == split {
			t.Errorf("format-1 directory became a copy: %+v", c)
		}
	}
	want := []Format1Dir{{Destination: "nas", Dir: split, Split: true}, {Destination: "nas", Dir: old}}
	if !slices.Equal(inv.Format1, want) {
		t.Errorf("Format1 = %+v, want %+v", inv.Format1, want)
	}
	p, err := BuildPlan(cfg, inv, nov20, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Actions {
		if a.Dir == old || a.Dir == split || a.SourceDir == old || a.SourceDir == split {
			t.Errorf("action on a format-1 directory: %+v", a)
		}
	}
	var warned int
	for _, w := range p.Warnings {
		if strings.Contains(w, "format 1") && strings.Contains(w, "| zstd -dc | tar -x") &&
			(strings.Contains(w, old) && strings.Contains(w, "cat data.tar.zst |") ||
				strings.Contains(w, split) && strings.Contains(w, "cat data.tar.zst.[0-9]* |")) {
			warned++
		}
	}
	if warned != 2 {
		t.Errorf("warnings %q: want one per format-1 directory, with its recipe", p.Warnings)
	}
}

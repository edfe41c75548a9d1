package executor_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// sharedHCL is two applications whose sources hold the same large file, so
// that their snapshots share its chunks at each destination; the second
// tier reads back every copy it receives.
const sharedHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 3
  }
  verify {
    every = "7d"
  }
}
application "a" {
  schedule = "0 2 * * *"
  source {
    paths = ["data-a"]
  }
}
application "b" {
  schedule = "0 2 * * *"
  source {
    paths = ["data-b"]
  }
}
`

// newSharedEnv backs up two applications sharing a large file to both
// tiers.
func newSharedEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, sharedHCL)
	big := make([]byte, 2<<20)
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	for _, app := range []string{"a", "b"} {
		write(t, filepath.Join(e.dir, "data-"+app, "big.bin"), string(big))
		write(t, filepath.Join(e.dir, "data-"+app, "own.txt"), "only in "+app)
	}
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatalf("first apply: %+v", rep.Results)
	}
	return e
}

const sharedSnap = "2026/11/21/030000Z"

// sharedChunk is a chunk file at dest that both applications' snapshots
// reference.
func sharedChunk(t *testing.T, e *env, dest string) string {
	t.Helper()
	b := chunkPaths(t, e, dest, "b/"+sharedSnap)
	for _, c := range chunkPaths(t, e, dest, "a/"+sharedSnap) {
		if slices.Contains(b, c) {
			return c
		}
	}
	t.Fatal("the two applications share no chunk")
	return ""
}

// verifyOnly runs one verify action: application a's copy at the remote tier.
func verifyOnly(t *testing.T, e *env, st providers.Store) *executor.Result {
	t.Helper()
	a := planner.Action{Key: "verify-a", Kind: planner.Verify, App: "a",
		Location: planner.Location{Tier: "remote", Destination: "secondary"},
		Snapshot: "2026-11-21T03:00:00Z", Dir: "a/" + sharedSnap, AppPath: "a"}
	stores := executor.Stores{"primary": e.stores["primary"], "secondary": st}
	rep := executor.New(stores, executor.Options{Version: "test"}).Run(context.Background(), &planner.Plan{Actions: []planner.Action{a}})
	return rep.Results[0]
}

// TestVerifyMarksEveryCopySharingABadChunk: verifying one copy that finds a
// chunk damaged marks every other complete copy at the destination that
// references it (and warns about a chunks.txt it cannot read); a clean
// verification lists nothing and reads no other chunks.txt; the next plan
// repairs both copies, saying why for the one nobody verified; after the
// apply both verify clean.
func TestVerifyMarksEveryCopySharingABadChunk(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	// A complete copy from elsewhere whose chunk list cannot be parsed.
	write(t, filepath.Join(root, "elsewhere", sharedSnap, snapshot.ChunkListName), "not a chunk list\n")
	write(t, filepath.Join(root, "elsewhere", sharedSnap, snapshot.ManifestName), `{"format_version":2}`)
	st := &countingStore{Store: e.stores["secondary"], opens: map[string]int{}}

	if r := verifyOnly(t, e, st); r.Status != executor.Done || len(r.Warnings) > 0 {
		t.Fatalf("clean verify: %+v", r)
	}
	if len(st.lists) != 0 || !slices.Equal(st.chunkLists, []string{"a/" + sharedSnap + "/chunks.txt"}) {
		t.Fatalf("a clean verify listed %q and read %q", st.lists, st.chunkLists)
	}

	bad := sharedChunk(t, e, "secondary")
	b, _ := os.ReadFile(bad)
	b[len(b)/2] ^= 1
	writeMode(t, bad, b)
	r := verifyOnly(t, e, st)
	if r.Status != executor.Failed || !strings.Contains(r.Error, "b/"+sharedSnap) {
		t.Fatalf("verify of a damaged copy does not say it marked b's: %+v", r)
	}
	if !slices.Equal(st.lists, []string{""}) {
		t.Errorf("the verify that found a bad chunk listed %q, want the whole destination once", st.lists)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "elsewhere/"+sharedSnap+"/chunks.txt") {
		t.Errorf("warnings %q, want one naming the unreadable chunks.txt", r.Warnings)
	}
	var mark executor.Mark
	raw, err := os.ReadFile(filepath.Join(root, "b", sharedSnap, snapshot.CorruptName))
	if err != nil || json.Unmarshal(raw, &mark) != nil {
		t.Fatalf("b's copy has no corrupt.json: %v %s", err, raw)
	}
	want := "a/" + sharedSnap + " at remote/secondary"
	if mark.OK || mark.FoundBy != want || len(mark.Chunks) != 1 || mark.Chunks[0].FoundBy != want ||
		!strings.HasSuffix(bad, filepath.FromSlash(mark.Chunks[0].Name)) {
		t.Fatalf("b's corrupt.json does not name the bad chunk found by verifying a: %s", raw)
	}
	if _, err := os.Stat(filepath.Join(root, "elsewhere", sharedSnap, snapshot.CorruptName)); !os.IsNotExist(err) {
		t.Errorf("the copy whose chunk list cannot be read was marked: %v", err)
	}

	p := e.plan(t, t0)
	repairs := map[string]string{}
	for _, a := range p.Actions {
		if a.Kind == planner.Repair {
			repairs[a.App] = a.Reason
		}
	}
	if len(repairs) != 2 || !strings.Contains(repairs["b"], "another copy") {
		t.Fatalf("plan after the damage: want repairs of a and b, b's saying another copy's verification found it: %+v", p.Actions)
	}
	if rep := executor.New(e.stores, executor.Options{Parallel: 2, Version: "test"}).Run(context.Background(), p); !rep.OK() {
		t.Fatalf("repair: %+v", rep.Results)
	}
	ex := executor.New(e.stores, executor.Options{})
	for _, app := range []string{"a", "b"} {
		m, err := ex.Check(context.Background(), e.stores["secondary"], app+"/"+sharedSnap)
		if err != nil || !m.OK {
			t.Errorf("%s after the repair: %v %+v", app, err, m)
		}
		if _, err := os.Stat(filepath.Join(root, app, sharedSnap, snapshot.CorruptName)); !os.IsNotExist(err) {
			t.Errorf("%s: corrupt.json survived the repair", app)
		}
	}
	for _, a := range e.plan(t, t0).Actions {
		if a.Kind == planner.Repair || a.Kind == planner.Verify {
			t.Errorf("after the repair the plan still has %s", a.Key)
		}
	}
}

// TestCopiesVerifiedInTheSameRunRecordTheirOwnResult: when both copies that
// share a bad chunk are verified in one run, each records what its own
// check found (no found_by), neither says it marked the other (whose own
// verification is part of the run), and the destination is listed once.
func TestCopiesVerifiedInTheSameRunRecordTheirOwnResult(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	bad := sharedChunk(t, e, "secondary")
	b, _ := os.ReadFile(bad)
	b[len(b)/2] ^= 1
	writeMode(t, bad, b)
	st := &countingStore{Store: e.stores["secondary"], opens: map[string]int{}}
	var p planner.Plan
	for _, app := range []string{"b", "a"} {
		p.Actions = append(p.Actions, planner.Action{Key: "verify-" + app, Kind: planner.Verify, App: app,
			Location: planner.Location{Tier: "remote", Destination: "secondary"},
			Snapshot: "2026-11-21T03:00:00Z", Dir: app + "/" + sharedSnap, AppPath: app})
	}
	stores := executor.Stores{"primary": e.stores["primary"], "secondary": st}
	rep := executor.New(stores, executor.Options{Parallel: 1}).Run(context.Background(), &p)
	for _, r := range rep.Results {
		if r.Status != executor.Failed || len(r.Warnings) > 0 || strings.Contains(r.Error, "marked damaged too") {
			t.Errorf("%s: %+v", r.Action.Key, r)
		}
	}
	if !slices.Equal(st.lists, []string{""}) {
		t.Errorf("listed %q, want the whole destination once", st.lists)
	}
	for _, app := range []string{"a", "b"} {
		var mark executor.Mark
		raw, err := os.ReadFile(filepath.Join(root, app, sharedSnap, snapshot.CorruptName))
		if err != nil || json.Unmarshal(raw, &mark) != nil || mark.FoundBy != "" || len(mark.Chunks) == 0 || mark.Chunks[0].FoundBy != "" {
			t.Errorf("%s's corrupt.json is not its own check's: %v %s", app, err, raw)
		}
		if _, err := os.Stat(filepath.Join(root, app, sharedSnap, snapshot.VerifiedName)); !os.IsNotExist(err) {
			t.Errorf("%s's own failed check left its verified.json: %v", app, err)
		}
	}
}

// TestSharedMarkKeepsTheCopysOwnBadChunks: a copy already marked damaged by
// its own check keeps the chunks that mark names when verifying another
// copy adds a shared one, and its repair heals both.
func TestSharedMarkKeepsTheCopysOwnBadChunks(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	shared := sharedChunk(t, e, "secondary")
	var own string
	for _, c := range chunkPaths(t, e, "secondary", "b/"+sharedSnap) {
		if !slices.Contains(chunkPaths(t, e, "secondary", "a/"+sharedSnap), c) {
			own = c
		}
	}
	for _, c := range []string{shared, own} {
		b, _ := os.ReadFile(c)
		b[len(b)/2] ^= 1
		writeMode(t, c, b)
	}
	ex := executor.New(e.stores, executor.Options{})
	st := e.stores["secondary"]
	m, err := ex.Check(context.Background(), st, "b/"+sharedSnap)
	if err != nil || m.OK {
		t.Fatalf("b's own check: %v %+v", err, m)
	}
	// b's own mark, written as if by an earlier run, naming only its own chunk.
	m.Chunks = slices.DeleteFunc(m.Chunks, func(c executor.MarkChunk) bool { return !strings.HasSuffix(own, filepath.FromSlash(c.Name)) })
	raw, _ := json.Marshal(m)
	write(t, filepath.Join(root, "b", sharedSnap, snapshot.CorruptName), string(raw))

	if r := verifyOnly(t, e, st); r.Status != executor.Failed || !strings.Contains(r.Error, "b/"+sharedSnap) {
		t.Fatalf("verify of a: %+v", r)
	}
	var mark executor.Mark
	raw, _ = os.ReadFile(filepath.Join(root, "b", sharedSnap, snapshot.CorruptName))
	if err := json.Unmarshal(raw, &mark); err != nil || len(mark.Chunks) != 2 {
		t.Fatalf("b's corrupt.json does not name both its own and the shared chunk: %v %s", err, raw)
	}
	for _, c := range mark.Chunks {
		if ownChunk := strings.HasSuffix(own, filepath.FromSlash(c.Name)); ownChunk != (c.FoundBy == "") {
			t.Errorf("chunk %s found_by %q", c.Name, c.FoundBy)
		}
	}
	if rep := executor.New(e.stores, executor.Options{Parallel: 2}).Run(context.Background(), e.plan(t, t0)); !rep.OK() {
		t.Fatalf("repair: %+v", rep.Results)
	}
	fresh := executor.New(e.stores, executor.Options{})
	for _, app := range []string{"a", "b"} {
		if m, err := fresh.Check(context.Background(), st, app+"/"+sharedSnap); err != nil || !m.OK {
			t.Errorf("%s after the repair: %v %+v", app, err, m)
		}
	}
}

// damageShared flips a byte of a chunk both applications' copies at the
// remote tier reference.
func damageShared(t *testing.T, e *env) {
	t.Helper()
	bad := sharedChunk(t, e, "secondary")
	b, _ := os.ReadFile(bad)
	b[len(b)/2] ^= 1
	writeMode(t, bad, b)
}

// remoteTarget is app's copy at the remote tier, as `strata verify` names it.
func remoteTarget(app string) planner.VerifyTarget {
	id, _ := snapshot.ParseID("2026-11-21T03:00:00Z")
	return planner.VerifyTarget{App: app, CopyRef: planner.CopyRef{
		Location: planner.Location{Tier: "remote", Destination: "secondary"},
		Copy:     planner.Copy{ID: id, Dir: app + "/" + sharedSnap, Complete: true}}}
}

// cloneCopy copies the snapshot directory from (its manifest and chunk
// list) to to at the secondary store: another complete copy referencing
// the same chunks.
func cloneCopy(t *testing.T, e *env, from, to string) {
	t.Helper()
	root := filepath.Join(e.dir, "store/secondary")
	for _, name := range []string{snapshot.ManifestName, snapshot.ChunkListName} {
		b, err := os.ReadFile(filepath.Join(root, from, name))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(root, to, name), string(b))
	}
}

// TestVerifyLeavesTheCopiesStillToCheckToTheirOwnCheck: when the caller
// names the copies it checks in this run (WillVerify), the first one's
// failed check does not mark those still to come, nor report them as
// marked too; it does mark a copy nobody checks. Each checked copy then
// records its own check's result.
func TestVerifyLeavesTheCopiesStillToCheckToTheirOwnCheck(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	cloneCopy(t, e, "b/"+sharedSnap, "elsewhere/"+sharedSnap)
	damageShared(t, e)
	st := e.stores["secondary"]
	ex := executor.New(e.stores, executor.Options{Version: "test"})
	ex.WillVerify([]planner.VerifyTarget{remoteTarget("a"), remoteTarget("b")})

	record := func(app string) *executor.DamagedError {
		t.Helper()
		m, err := ex.Check(context.Background(), st, app+"/"+sharedSnap)
		if err != nil || m.OK {
			t.Fatalf("check of %s: %v %+v", app, err, m)
		}
		var damaged *executor.DamagedError
		if err := ex.Record(context.Background(), st, app+"/"+sharedSnap, "remote/secondary", m); !errors.As(err, &damaged) {
			t.Fatalf("record of %s: %v", app, err)
		}
		return damaged
	}
	if d := record("a"); !slices.Equal(d.Shared, []string{"elsewhere/" + sharedSnap}) || len(d.Warnings) > 0 {
		t.Errorf("a's check marked %q (warnings %q), want only the copy nobody checks", d.Shared, d.Warnings)
	}
	if _, err := os.Stat(filepath.Join(root, "b", sharedSnap, snapshot.CorruptName)); !os.IsNotExist(err) {
		t.Errorf("b, still to be checked, was marked by a's check: %v", err)
	}
	if d := record("b"); len(d.Shared) > 0 || len(d.Warnings) > 0 {
		t.Errorf("b's check marked %q (warnings %q), want none: the chunk was spread already", d.Shared, d.Warnings)
	}
	for dir, foundBy := range map[string]string{"a": "", "b": "", "elsewhere": "a/" + sharedSnap + " at remote/secondary"} {
		var mark executor.Mark
		raw, err := os.ReadFile(filepath.Join(root, dir, sharedSnap, snapshot.CorruptName))
		if err != nil || json.Unmarshal(raw, &mark) != nil || mark.FoundBy != foundBy || len(mark.Chunks) == 0 {
			t.Errorf("%s's corrupt.json, want found_by %q: %v %s", dir, foundBy, err, raw)
		}
	}
}

// TestVerifyMarksTheSharingCopiesWhenItsOwnMarkFails: when writing the
// checked copy's corrupt.json fails (a directory stands where it goes),
// the other copies that reference the bad chunk are marked all the same,
// and the error says both what was marked and that recording failed.
func TestVerifyMarksTheSharingCopiesWhenItsOwnMarkFails(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	damageShared(t, e)
	write(t, filepath.Join(root, "a", sharedSnap, snapshot.CorruptName, "in-the-way"), "a directory, not a mark\n")
	r := verifyOnly(t, e, e.stores["secondary"])
	if r.Status != executor.Failed || !strings.Contains(r.Error, "recording corrupt.json failed") ||
		!strings.Contains(r.Error, "marked damaged too: b/"+sharedSnap) {
		t.Fatalf("verify whose own mark cannot be written: %+v", r)
	}
	var mark executor.Mark
	raw, err := os.ReadFile(filepath.Join(root, "b", sharedSnap, snapshot.CorruptName))
	if err != nil || json.Unmarshal(raw, &mark) != nil || mark.FoundBy != "a/"+sharedSnap+" at remote/secondary" {
		t.Fatalf("b's copy was not marked: %v %s", err, raw)
	}
}

// TestCopyCheckedGoodBeforeTheDamageIsMarked: a copy whose check passed
// earlier in the run is marked when a later check finds a chunk it
// references bad (read after damage that came in between, as two checks
// at once can): it is damaged now, its verified.json notwithstanding.
func TestCopyCheckedGoodBeforeTheDamageIsMarked(t *testing.T) {
	e := newSharedEnv(t)
	root := filepath.Join(e.dir, "store/secondary")
	st := e.stores["secondary"]
	ex := executor.New(e.stores, executor.Options{Version: "test"})
	ex.WillVerify([]planner.VerifyTarget{remoteTarget("a"), remoteTarget("b")})
	ctx := context.Background()
	m, err := ex.Check(ctx, st, "a/"+sharedSnap)
	if err != nil || !m.OK {
		t.Fatalf("a's check: %v %+v", err, m)
	}
	if err := ex.Record(ctx, st, "a/"+sharedSnap, "remote/secondary", m); err != nil {
		t.Fatal(err)
	}
	damageShared(t, e)
	// b's check reads the chunk after the damage (this Executor would take
	// it as known good: another check, as one running at the same time).
	m, err = executor.New(e.stores, executor.Options{}).Check(ctx, st, "b/"+sharedSnap)
	if err != nil || m.OK {
		t.Fatalf("b's check: %v %+v", err, m)
	}
	var damaged *executor.DamagedError
	if err := ex.Record(ctx, st, "b/"+sharedSnap, "remote/secondary", m); !errors.As(err, &damaged) ||
		!slices.Equal(damaged.Shared, []string{"a/" + sharedSnap}) {
		t.Fatalf("recording b's damage: %v, want a's copy marked", err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "a", sharedSnap, snapshot.CorruptName))
	if err != nil || !strings.Contains(string(raw), `"found_by": "b/`+sharedSnap) {
		t.Errorf("a's corrupt.json: %v %s", err, raw)
	}
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

const gcHCL = `
destination "store" {
  remote = "${path.config}/store"
}
tier "local" {
  destinations = [destination.store]
  keep {
    last = 2
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
`

// gcRig is a configuration whose destination "store" was built by hand in
// format 2: referenced chunks, unreferenced chunks two hours old, and
// unreferenced chunks just written.
type gcRig struct {
	*rig
	st                 providers.Store
	kept, old, younger []snapshot.ChunkID
}

// chunkSink writes every chunk to a store.
type chunkSink struct{ st providers.Store }

func (s chunkSink) Has(context.Context, snapshot.ChunkID) (bool, error) { return false, nil }

func (s chunkSink) Put(ctx context.Context, id snapshot.ChunkID, frame []byte) error {
	_, err := s.st.Write(ctx, snapshot.ChunkPath(id), bytes.NewReader(frame), int64(len(frame)))
	return err
}

func newGCRig(t *testing.T) *gcRig {
	r := &gcRig{rig: newRig(t, gcHCL, 1<<10)}
	st, err := providers.Open(context.Background(), providers.Config{Name: "store", Remote: filepath.Join(r.dir, "store")})
	if err != nil {
		t.Fatal(err)
	}
	r.st = st
	r.kept = r.put("app/2026/11/20/020000Z", 1, true)
	r.kept = append(r.kept, r.put("otherhost/db/2026/11/20/020000Z", 2, false)...) // in progress elsewhere
	r.old = r.put("app/2026/11/10/020000Z", 3, true)
	r.old = append(r.old, r.put("app/2026/11/11/020000Z", 4, true)...)
	r.remove("app/2026/11/10/020000Z", "app/2026/11/11/020000Z")
	for _, id := range r.old {
		at := time.Now().Add(-2 * time.Hour)
		if err := os.Chtimes(r.chunkFile(id), at, at); err != nil {
			t.Fatal(err)
		}
	}
	r.younger = r.put("app/2026/11/12/020000Z", 5, true)
	r.remove("app/2026/11/12/020000Z")
	return r
}

// put archives fresh random files as a snapshot directory at dir.
func (r *gcRig) put(dir string, seed uint64, complete bool) []snapshot.ChunkID {
	r.t.Helper()
	src := r.t.TempDir()
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range 2 {
		b := make([]byte, 50<<10+rng.IntN(100<<10))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(src, "f"+string(rune('a'+i))), b, 0o644); err != nil {
			r.t.Fatal(err)
		}
	}
	ctx := context.Background()
	res, err := snapshot.WriteChunks(ctx, snapshot.Source{Paths: []string{src}}, snapshot.ChunkOptions{}, chunkSink{r.st})
	if err != nil {
		r.t.Fatal(err)
	}
	r.write(path.Join("store", dir, snapshot.ChunkListName), snapshot.FormatChunkList(res.Chunks))
	r.write(path.Join("store", dir, snapshot.StreamSumName), snapshot.FormatStreamSum(res.SHA256))
	if complete {
		r.write(path.Join("store", dir, snapshot.ManifestName), []byte(`{"format_version":2}`))
	}
	ids := make([]snapshot.ChunkID, len(res.Chunks))
	for i, c := range res.Chunks {
		ids[i] = c.ID
	}
	return ids
}

func (r *gcRig) remove(dirs ...string) {
	for _, d := range dirs {
		if err := os.RemoveAll(filepath.Join(r.dir, "store", d)); err != nil {
			r.t.Fatal(err)
		}
	}
}

func (r *gcRig) chunkFile(id snapshot.ChunkID) string {
	return filepath.Join(r.dir, "store", filepath.FromSlash(snapshot.ChunkPath(id)))
}

// present counts which of ids are stored.
func (r *gcRig) present(ids []snapshot.ChunkID) int {
	n := 0
	for _, id := range ids {
		if _, err := os.Stat(r.chunkFile(id)); err == nil {
			n++
		}
	}
	return n
}

// intact fails unless every referenced and every young chunk is there, and
// says how many of the old unreferenced ones are.
func (r *gcRig) intact(what string) int {
	r.t.Helper()
	if n := r.present(r.kept); n != len(r.kept) {
		r.t.Errorf("%s: %d of %d referenced chunks are left", what, n, len(r.kept))
	}
	if n := r.present(r.younger); n != len(r.younger) {
		r.t.Errorf("%s: %d of %d unreferenced chunks younger than the grace period are left", what, n, len(r.younger))
	}
	return r.present(r.old)
}

// TestGCCommand: strata gc shows its plan, lists in a dry run what it would
// delete, refuses (exit 4) while another apply holds a lease, converges
// after a crash between two deletions, and never deletes a referenced
// chunk or one younger than the grace period.
func TestGCCommand(t *testing.T) {
	r := newGCRig(t)
	if len(r.old) == 0 || len(r.younger) == 0 {
		t.Fatal("the rig has no unreferenced chunks; the test proves nothing")
	}
	res := r.must(0, "gc", "--dry-run")
	t.Logf("dry run:\n%s", res)
	for _, want := range []string{"- gc        store  (asked for by strata gc; dry run: deletes nothing)", "Plan: 1 gc.", "would delete " + snapshot.ChunkPath(r.old[0])} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("dry run: no %q in\n%s", want, res)
		}
	}
	if n := r.intact("dry run"); n != len(r.old) {
		t.Errorf("dry run deleted %d chunks", len(r.old)-n)
	}
	if res := r.must(1, "gc"); !strings.Contains(res.stderr, "gc needs --auto-approve when it cannot ask") {
		t.Errorf("gc without a terminal nor --auto-approve: %s", res)
	}

	lease := filepath.Join(r.dir, "store", snapshot.LocksDir, "00000000000000aa.json")
	b, _ := json.Marshal(planner.Lease{ID: "00000000000000aa", Host: "another-host", PID: 1,
		Created: time.Now().Add(-time.Minute), Expires: time.Now().Add(time.Hour)})
	r.write(path.Join("store", snapshot.LocksDir, "00000000000000aa.json"), b)
	if res := r.run(nil, "gc", "--auto-approve"); res.code != 4 || !strings.Contains(res.stderr, "is locked by another apply") {
		t.Errorf("gc under another apply's lease: want exit 4, got %s", res)
	}
	if n := r.intact("gc under another lease"); n != len(r.old) {
		t.Errorf("gc under another apply's lease deleted %d chunks", len(r.old)-n)
	}
	if err := os.Remove(lease); err != nil {
		t.Fatal(err)
	}

	res = r.run([]string{"STRATA_FAULT=before-gc-delete:2"}, "gc", "--auto-approve", "--parallelism", "1")
	if res.code != 97 || !strings.Contains(res.stderr, "fault injected at before-gc-delete") {
		t.Fatalf("gc with STRATA_FAULT=before-gc-delete:2 did not die there: %s", res)
	}
	t.Logf("after the crash %d of %d old unreferenced chunks are left", r.intact("crash"), len(r.old))
	res = r.must(0, "gc", "--auto-approve")
	if n := r.intact("gc after the crash"); n != 0 {
		t.Errorf("gc after the crash left %d of %d old unreferenced chunks", n, len(r.old))
	}
	if !strings.Contains(res.stdout, "gc at store: deleted ") || !strings.Contains(res.stdout, "dedup") {
		t.Errorf("gc does not say what it deleted and the totals:\n%s", res)
	}
	res = r.must(0, "gc", "--auto-approve", "store")
	if !strings.Contains(res.stdout, "gc at store: deleted 0 unreferenced chunks") {
		t.Errorf("a second gc: want nothing deleted:\n%s", res)
	}
	leases, _ := filepath.Glob(filepath.Join(r.dir, "store", snapshot.LocksDir, "*"))
	if len(leases) > 0 {
		t.Errorf("leases left: %v", leases)
	}
	if res := r.run(nil, "gc", "nas"); res.code != 1 || !strings.Contains(res.stderr, `no destination "nas"`) {
		t.Errorf("gc of an unknown destination: %s", res)
	}
}

// TestGCUnreadableDirectoryDeletesNothing: strata, run as an unprivileged
// user, may not read a directory of another host's snapshots: the listing
// fails, gc deletes nothing and says why, exit 1.
func TestGCUnreadableDirectoryDeletesNothing(t *testing.T) {
	r := newGCRig(t)
	dir := filepath.Join(r.dir, "store/otherhost/db")
	res := r.unprivileged(dir)("gc", "--auto-approve")
	out := res.stdout + res.stderr
	if res.code != 1 || !strings.Contains(out, "otherhost/db") || !strings.Contains(out, "permission denied") ||
		!strings.Contains(out, "gc deletes nothing") {
		t.Errorf("gc with an unreadable directory: want exit 1 naming otherhost/db, permission denied, gc deletes nothing; got %s", res)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if n := r.intact("gc with an unreadable directory"); n != len(r.old) {
		t.Errorf("gc with an unreadable directory deleted %d chunks", len(r.old)-n)
	}
}

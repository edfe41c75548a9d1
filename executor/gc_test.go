package executor_test

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

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/providers/providertest"
	"github.com/stratabackup/strata/snapshot"
)

// storeSink is a snapshot.ChunkSink over a store: it writes every chunk (a
// destination built by hand for the gc tests needs no dedup).
type storeSink struct{ st providers.Store }

func (s storeSink) Has(context.Context, snapshot.ChunkID) (bool, error) { return false, nil }

func (s storeSink) Put(ctx context.Context, id snapshot.ChunkID, frame []byte) error {
	_, err := s.st.Write(ctx, snapshot.ChunkPath(id), bytes.NewReader(frame), int64(len(frame)))
	return err
}

// putSnapshot archives fresh random files into chunks at st and writes the
// snapshot directory dir: chunks.txt and data.tar.sha256, and manifest.json
// when complete. It returns the chunks its chunks.txt references.
func putSnapshot(t *testing.T, st providers.Store, dir string, seed uint64, complete bool) []snapshot.ChunkID {
	t.Helper()
	src := t.TempDir()
	rng := rand.New(rand.NewPCG(seed, seed))
	for i := range 3 {
		b := make([]byte, 20<<10+rng.IntN(200<<10))
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(src, "f"+string(rune('a'+i))), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err := snapshot.WriteChunks(context.Background(), snapshot.Source{Paths: []string{src}}, snapshot.ChunkOptions{}, storeSink{st})
	if err != nil {
		t.Fatal(err)
	}
	providertest.Write(t, st, path.Join(dir, snapshot.ChunkListName), snapshot.FormatChunkList(res.Chunks))
	providertest.Write(t, st, path.Join(dir, snapshot.StreamSumName), snapshot.FormatStreamSum(res.SHA256))
	if complete {
		id, _ := snapshot.ParseID("2026-11-21T02:00:00Z")
		m := &snapshot.Manifest{FormatVersion: snapshot.FormatVersion, App: "app", ID: id, Chunker: snapshot.Chunker(),
			Chunks: len(res.Chunks), Size: res.Size, SHA256: res.SHA256, ChunksSHA256: snapshot.ChunkListDigest(res.Chunks)}
		b, err := m.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		providertest.Write(t, st, path.Join(dir, snapshot.ManifestName), b)
	}
	ids := make([]snapshot.ChunkID, len(res.Chunks))
	for i, c := range res.Chunks {
		ids[i] = c.ID
	}
	return ids
}

// putUnreferenced writes the chunks of a snapshot, then removes its
// snapshot directory, as a purge does: its chunks are referenced nowhere
// (unless another snapshot shares them).
func putUnreferenced(t *testing.T, st providers.Store, dir string, seed uint64) []snapshot.ChunkID {
	t.Helper()
	ids := putSnapshot(t, st, dir, seed, true)
	if err := st.DeleteDir(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	return ids
}

// chunksAt lists the chunk IDs present at st.
func chunksAt(t *testing.T, st providers.Store) map[snapshot.ChunkID]bool {
	t.Helper()
	out := map[snapshot.ChunkID]bool{}
	for p := range providertest.List(t, st) {
		name, ok := strings.CutSuffix(path.Base(p), ".zst")
		if !ok || !strings.HasPrefix(p, snapshot.ChunkDir+"/") {
			continue
		}
		id, err := snapshot.ParseChunkID(name)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out[id] = true
	}
	return out
}

// gcAction is the gc action of the destination of st.
func gcAction(st providers.Store, grace time.Duration, dryRun bool) planner.Action {
	return planner.Action{
		Key: planner.GCKey(st.Name()), Kind: planner.GC, Location: planner.Location{Destination: st.Name()},
		GC: &planner.GCParams{Grace: grace, Rule: planner.GCRule, DryRun: dryRun},
	}
}

// runGC runs one gc action at st and returns its result.
func runGC(t *testing.T, st providers.Store, grace time.Duration, dryRun bool) *executor.Result {
	t.Helper()
	p := &planner.Plan{Actions: []planner.Action{gcAction(st, grace, dryRun)}}
	rep := executor.New(executor.Stores{st.Name(): st}, executor.Options{}).Run(context.Background(), p)
	r := rep.Results[0]
	t.Logf("gc: %s %s %s", r.Status, r.Error, r.Detail)
	return r
}

// wantUnchanged fails unless st holds exactly the objects of before.
func wantUnchanged(t *testing.T, st providers.Store, before map[string]providers.Entry, what string) {
	t.Helper()
	after := providertest.List(t, st)
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s: %s was deleted", what, p)
		}
	}
}

// nextSecond waits (at most a second) until the wall clock has passed the
// next whole second, and returns that second: modtimes of some backends
// (SFTP) have whole seconds only, and what is written after the returned
// time must not look older than it.
func nextSecond(t *testing.T) time.Time {
	t.Helper()
	next := time.Now().Truncate(time.Second).Add(time.Second)
	for i := 0; i < 200 && time.Now().Before(next); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	if time.Now().Before(next) {
		t.Fatal("the clock did not pass a whole second in 2s")
	}
	return next
}

// writeLease writes a live lease of another host, created at created.
func writeLease(t *testing.T, st providers.Store, id string, created time.Time) {
	t.Helper()
	b, _ := json.Marshal(planner.Lease{ID: id, Host: "another-host", PID: 1, Created: created, Expires: time.Now().Add(time.Hour)})
	providertest.Write(t, st, snapshot.LocksDir+"/"+id+".json", b)
}

// testGC proves DESIGN.md §2's gc rules on one store.
func testGC(t *testing.T, st providers.Store) {
	ctx := context.Background()
	keep := map[snapshot.ChunkID]bool{}
	for i, dir := range []string{
		"app/2026/11/20/020000Z",             // this configuration's application
		"remote-tier/app/2026/11/19/020000Z", // another tier sharing the destination
		"otherhost/db/2026/11/18/020000Z",    // another configuration, another host
		"orphan/retired/2026/11/17/020000Z",  // a directory no application claims
		"deep/a/b/app/2026/11/21/020000Z",    // nested deeper: any chunks.txt counts
	} {
		for _, id := range putSnapshot(t, st, dir, uint64(i+1), true) {
			keep[id] = true
		}
	}
	// A snapshot in progress (another host's): chunks.txt, no manifest yet.
	for _, id := range putSnapshot(t, st, "otherhost/db/2026/11/21/020000Z", 10, false) {
		keep[id] = true
	}
	old := putUnreferenced(t, st, "app/2026/11/10/020000Z", 20)
	// What an interrupted upload left under the chunk store.
	tempName := func(c byte) string {
		h := strings.Repeat(string(c), 64)
		return snapshot.ChunkDir + "/" + h[:2] + "/" + h + ".zst" + snapshot.TempMarker + "0123456789abcdef"
	}
	oldTemp := tempName('a')
	providertest.Write(t, st, oldTemp, []byte("half a chunk"))
	before := providertest.List(t, st)

	if r := runGC(t, st, 0, false); r.Status != executor.Failed || !strings.Contains(r.Error, "holds no live lease") {
		t.Errorf("gc without a lease: want failed, holds no live lease; got %s %s", r.Status, r.Error)
	}
	wantUnchanged(t, st, before, "gc without a lease")

	boundary := nextSecond(t)
	leases, err := executor.Acquire(ctx, executor.Stores{st.Name(): st})
	if err != nil {
		t.Fatal(err)
	}
	defer leases.Release()
	// Another host's live lease, older than the chunks written next (its
	// snapshot may be about to reference them).
	writeLease(t, st, "0000000000000001", boundary)
	young := putUnreferenced(t, st, "app/2026/11/11/020000Z", 30)
	youngTemp := tempName('b') // perhaps still being written by that host
	providertest.Write(t, st, youngTemp, []byte("half a chunk"))
	before = providertest.List(t, st)

	r := runGC(t, st, time.Hour, false)
	if r.Status != executor.Done || r.GC.Deleted != 0 || r.GC.KeptYoung == 0 {
		t.Errorf("gc within the grace period: want done, nothing deleted, chunks kept young; got %s %s %+v", r.Status, r.Error, r.GC)
	}
	wantUnchanged(t, st, before, "gc within the grace period")

	bad := "elsewhere/2026/11/01/000000Z/" + snapshot.ChunkListName
	providertest.Write(t, st, bad, []byte("not a chunk list\n"))
	r = runGC(t, st, 0, false)
	if r.Status != executor.Failed || !strings.Contains(r.Error, bad) || !strings.Contains(r.Error, "deleted nothing") {
		t.Errorf("gc with an unparsable chunks.txt: want failed naming %s; got %s %s", bad, r.Status, r.Error)
	}
	wantUnchanged(t, st, before, "gc with an unparsable chunks.txt")
	if err := st.Delete(ctx, bad); err != nil {
		t.Fatal(err)
	}

	// A list that still parses but fails its manifest's seal may have lost
	// chunks its snapshot needs: here its last line.
	sealed := "app/2026/11/20/020000Z/" + snapshot.ChunkListName
	intact := providertest.Read(t, st, sealed)
	lines := strings.SplitAfter(strings.TrimSuffix(string(intact), "\n"), "\n")
	providertest.Write(t, st, sealed, []byte(strings.Join(lines[:len(lines)-1], "")))
	r = runGC(t, st, 0, false)
	if r.Status != executor.Failed || !strings.Contains(r.Error, sealed) || !strings.Contains(r.Error, "damaged") ||
		!strings.Contains(r.Error, "deleted nothing") {
		t.Errorf("gc with a chunks.txt that fails its seal: want failed naming %s; got %s %s", sealed, r.Status, r.Error)
	}
	wantUnchanged(t, st, before, "gc with a chunks.txt that fails its seal")
	providertest.Write(t, st, sealed, intact)

	r = runGC(t, st, 0, true)
	if r.Status != executor.Done || r.GC.Deleted == 0 || len(r.GC.WouldDelete) != r.GC.Deleted {
		t.Errorf("dry run: want done, listing what it would delete; got %s %s %+v", r.Status, r.Error, r.GC)
	}
	wantUnchanged(t, st, before, "dry run")

	r = runGC(t, st, 0, false)
	if r.Status != executor.Done {
		t.Fatalf("gc: %s %s", r.Status, r.Error)
	}
	present := chunksAt(t, st)
	for id := range keep {
		if !present[id] {
			t.Errorf("referenced chunk %s was deleted", id)
		}
	}
	for _, id := range young {
		if !present[id] {
			t.Errorf("unreferenced chunk %s younger than the oldest live lease was deleted", id)
		}
	}
	deleted := 0
	for _, id := range old {
		if present[id] && !keep[id] {
			t.Errorf("unreferenced old chunk %s was kept", id)
		}
		if !present[id] {
			deleted++
		}
	}
	if deleted == 0 || r.GC.Deleted != deleted || r.Bytes != r.GC.DeletedBytes || r.Bytes <= 0 {
		t.Errorf("deleted %d chunks; the result says %+v (bytes %d)", deleted, r.GC, r.Bytes)
	}
	objects := providertest.List(t, st)
	if _, ok := objects[oldTemp]; ok || r.GC.Temporary != 1 {
		t.Errorf("a leftover temporary object older than the cutoff: want deleted and counted; present %v, counted %d", ok, r.GC.Temporary)
	}
	if _, ok := objects[youngTemp]; !ok {
		t.Errorf("a temporary object younger than the oldest live lease was deleted")
	}
	if r.GC.ChunkLists != 6 || r.GC.LogicalBytes <= 0 || r.GC.DedupRatio <= 0 || r.GC.StoredBytes <= 0 {
		t.Errorf("totals: %+v", r.GC)
	}
	if r = runGC(t, st, 0, false); r.Status != executor.Done || r.GC.Deleted != 0 {
		t.Errorf("a second gc: want nothing to delete; got %s %s %+v", r.Status, r.Error, r.GC)
	}
	// ls's totals list .strata/chunks alone and agree with gc's.
	providertest.Write(t, st, snapshot.ChunkDir+"/ab/upload.partial", []byte("not a chunk"))
	chunks, stored, err := executor.ChunkStoreSize(ctx, st)
	if err != nil || chunks != r.GC.Chunks || stored != r.GC.StoredBytes || stored <= 0 {
		t.Errorf("ChunkStoreSize = %d chunks, %d bytes, %v; gc counted %d chunks, %d bytes", chunks, stored, err, r.GC.Chunks, r.GC.StoredBytes)
	}
}

func openStore(t *testing.T, c providers.Config) providers.Store {
	t.Helper()
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	st, err := providers.Open(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestGCLocal(t *testing.T) {
	testGC(t, openStore(t, providers.Config{Name: "local", Remote: t.TempDir()}))
}

func TestGCSFTP(t *testing.T) {
	srv := testservers.StartSFTP(t)
	testGC(t, openStore(t, providers.Config{Name: "sftp", Remote: srv.Remote("dest"), Options: srv.Options(), KnownHostsFile: srv.KnownHosts}))
}

func TestGCS3(t *testing.T) {
	srv := testservers.StartS3(t)
	testGC(t, openStore(t, providers.Config{Name: "s3", Remote: srv.Remote(srv.Bucket(t, "gcstore") + "/dest"), Options: srv.Options()}))
}

// TestGCFailedListingDeletesNothing: a directory the SFTP server may not
// read anywhere under the destination (here in another host's tree) fails
// gc's listing; a chunks.txt it may not read fails it too, named. Nothing
// is deleted either time.
func TestGCFailedListingDeletesNothing(t *testing.T) {
	srv := testservers.StartUnprivilegedSFTP(t)
	st := openStore(t, providers.Config{Name: "sftp", Remote: srv.Remote("dest"), Options: srv.Options(), KnownHostsFile: srv.KnownHosts})
	putSnapshot(t, st, "app/2026/11/20/020000Z", 1, true)
	putSnapshot(t, st, "otherhost/db/2026/11/20/020000Z", 2, true)
	old := putUnreferenced(t, st, "app/2026/11/10/020000Z", 3)
	nextSecond(t)
	leases, err := executor.Acquire(context.Background(), executor.Stores{st.Name(): st})
	if err != nil {
		t.Fatal(err)
	}
	defer leases.Release()
	before := providertest.List(t, st)

	dir := filepath.Join(srv.Dir, "dest/otherhost/db/2026")
	chmod(t, dir, 0)
	r := runGC(t, st, 0, false)
	chmod(t, dir, 0o755)
	if r.Status != executor.Failed || !strings.Contains(r.Error, "listing") || !strings.Contains(r.Error, "deleted nothing") {
		t.Errorf("gc with an unreadable directory: want failed, listing, deleted nothing; got %s %s", r.Status, r.Error)
	}
	wantUnchanged(t, st, before, "gc with an unreadable directory")

	list := filepath.Join(srv.Dir, "dest/otherhost/db/2026/11/20/020000Z", snapshot.ChunkListName)
	chmod(t, list, 0)
	r = runGC(t, st, 0, false)
	chmod(t, list, 0o644)
	if r.Status != executor.Failed || !strings.Contains(r.Error, "otherhost/db/2026/11/20/020000Z/chunks.txt") || !strings.Contains(r.Error, "deleted nothing") {
		t.Errorf("gc with an unreadable chunks.txt: want failed naming it; got %s %s", r.Status, r.Error)
	}
	wantUnchanged(t, st, before, "gc with an unreadable chunks.txt")

	if r = runGC(t, st, 0, false); r.Status != executor.Done || r.GC.Deleted == 0 {
		t.Errorf("gc once readable: want the unreferenced chunks deleted; got %s %s %+v", r.Status, r.Error, r.GC)
	}
	present := chunksAt(t, st)
	for _, id := range old {
		if present[id] {
			t.Errorf("unreferenced chunk %s kept", id)
		}
	}
}

func chmod(t *testing.T, p string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
}

package executor_test

import (
	"context"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// chunkPaths returns the files of the chunks that the chunks.txt of the
// snapshot directory dir at destination dest names, in stream order.
func chunkPaths(t *testing.T, e *env, dest, dir string) []string {
	t.Helper()
	root := filepath.Join(e.dir, "store", dest)
	b, err := os.ReadFile(filepath.Join(root, dir, snapshot.ChunkListName))
	if err != nil {
		t.Fatal(err)
	}
	refs, err := snapshot.ParseChunkList(b)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range refs {
		out = append(out, filepath.Join(root, snapshot.ChunkPath(r.ID)))
	}
	return out
}

// addBigFile adds 6 MiB of incompressible data to the sources: several
// chunks of their own.
func addBigFile(t *testing.T, e *env) {
	t.Helper()
	b := make([]byte, 6<<20)
	var x uint64 = 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "data", "big.bin"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// writeMode overwrites a (read-only) stored file.
func writeMode(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.Chmod(p, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// countingStore counts the requests about chunks made to a store.
type countingStore struct {
	providers.Store
	mu    sync.Mutex
	stats int
	opens map[string]int
	puts  int
	lists []string // the directories listed recursively ("" the whole store)
	// chunkLists are the chunks.txt opened, in order.
	chunkLists []string
}

func (c *countingStore) Top(ctx context.Context) ([]string, []providers.Entry, error) {
	return c.Store.(providers.TopLister).Top(ctx)
}

func (c *countingStore) List(ctx context.Context, fn func(providers.Entry) error) error {
	return c.ListDir(ctx, "", fn)
}

func (c *countingStore) ListDir(ctx context.Context, dir string, fn func(providers.Entry) error) error {
	c.mu.Lock()
	c.lists = append(c.lists, dir)
	c.mu.Unlock()
	return c.Store.ListDir(ctx, dir, fn)
}

func count(e *env) map[string]*countingStore {
	out := map[string]*countingStore{}
	for name, st := range e.stores {
		c := &countingStore{Store: st, opens: map[string]int{}}
		e.stores[name], out[name] = c, c
	}
	return out
}

func (c *countingStore) Stat(ctx context.Context, p string) (providers.Entry, error) {
	c.mu.Lock()
	c.stats++
	c.mu.Unlock()
	return c.Store.(providers.Stater).Stat(ctx, p)
}

func (c *countingStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if strings.HasPrefix(p, snapshot.ChunkDir) {
		c.mu.Lock()
		c.opens[p]++
		c.mu.Unlock()
	}
	if path.Base(p) == snapshot.ChunkListName {
		c.mu.Lock()
		c.chunkLists = append(c.chunkLists, p)
		c.mu.Unlock()
	}
	return c.Store.Open(ctx, p)
}

func (c *countingStore) Write(ctx context.Context, p string, r io.Reader, size int64) (int64, error) {
	if strings.HasPrefix(p, snapshot.ChunkDir) {
		c.mu.Lock()
		c.puts++
		c.mu.Unlock()
	}
	return c.Store.Write(ctx, p, r, size)
}

// TestNextSnapshotCostsTheChange: after a first apply, the next day's
// snapshot of the same data and its transfer store and copy only the
// chunks that changed (the hook's dump names the snapshot), and ask the
// stores about no chunk a parent's chunks.txt names.
func TestNextSnapshotCostsTheChange(t *testing.T) {
	e := newEnv(t, twoTiers)
	addBigFile(t, e)
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatal(rep.Results)
	}
	first := len(chunkPaths(t, e, "primary", "app/2026/11/21/030000Z"))
	n := count(e)
	next := t0.Add(24 * 60 * 60e9)
	rep := e.apply(t, next)
	if !rep.OK() {
		t.Fatal(rep.Results)
	}
	for _, r := range rep.Results {
		if (r.Action.Kind == planner.Snapshot || r.Action.Kind == planner.Transfer) && len(r.Action.Parents) != 1 {
			t.Errorf("%s has parents %v, want the first snapshot", r.Action.Key, r.Action.Parents)
		}
	}
	for _, d := range []string{"primary", "secondary"} {
		c := n[d]
		if c.puts == 0 || c.puts >= first || c.stats != c.puts {
			t.Errorf("%s: %d chunks written, %d existence checks, of %d: want only the changed ones", d, c.puts, c.stats, first)
		}
	}
}

// TestPlanListingNeverWalksTheChunkStore: the listing a plan is made from
// covers the snapshot directories and the leases, never .strata/chunks
// (whose size grows with the store, not with the snapshots): gc lists it.
func TestPlanListingNeverWalksTheChunkStore(t *testing.T) {
	e := newEnv(t, twoTiers)
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatal(rep.Results)
	}
	n := count(e)
	for _, l := range executor.Gather(context.Background(), e.stores) {
		if l.Err != "" || len(l.Entries) == 0 {
			t.Fatalf("%s: listing %q with %d entries", l.Destination, l.Err, len(l.Entries))
		}
		for _, en := range l.Entries {
			if strings.HasPrefix(en.Path, snapshot.ChunkDir) {
				t.Errorf("%s: the plan's listing holds %s", l.Destination, en.Path)
			}
		}
	}
	for name, c := range n {
		for _, d := range c.lists {
			if d == "" || strings.HasPrefix(d+"/", snapshot.ChunkDir+"/") || d == snapshot.StrataDir {
				t.Errorf("%s: the plan's listing walked %q (all of %v)", name, d, c.lists)
			}
		}
	}
}

// TestVerifyReadsASharedChunkOnce: two snapshots sharing most chunks,
// verified by one Executor, read each distinct chunk once.
func TestVerifyReadsASharedChunkOnce(t *testing.T) {
	e := newEnv(t, twoTiers)
	addBigFile(t, e)
	next := t0.Add(24 * 60 * 60e9)
	for _, now := range []time.Time{t0, next} {
		if rep := e.apply(t, now); !rep.OK() {
			t.Fatal(rep.Results)
		}
	}
	n := count(e)
	ex := executor.New(e.stores, executor.Options{})
	dirs := []string{"app/2026/11/21/030000Z", "app/2026/11/22/030000Z"}
	distinct := map[string]bool{}
	for _, d := range dirs {
		for _, c := range chunkPaths(t, e, "secondary", d) {
			distinct[c] = true
		}
		mark, err := ex.Check(context.Background(), e.stores["secondary"], d)
		if err != nil || !mark.OK {
			t.Fatalf("check %s: %v %+v", d, err, mark)
		}
	}
	if got := len(n["secondary"].opens); got != len(distinct) {
		t.Errorf("%d chunks read, want the %d distinct ones", got, len(distinct))
	}
	for p, k := range n["secondary"].opens {
		if k != 1 {
			t.Errorf("%s read %d times", p, k)
		}
	}
}

// TestRestoreFallsBackPerChunk: a chunk missing at the first copy's
// destination is read from the next copy's; the restore succeeds.
func TestRestoreFallsBackPerChunk(t *testing.T) {
	e := newEnv(t, twoTiers)
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatal(rep.Results)
	}
	dir := "app/2026/11/21/030000Z"
	chunks := chunkPaths(t, e, "secondary", dir)
	if err := os.Remove(chunks[0]); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	one := []executor.CopyAt{{Store: e.stores["secondary"], Dir: dir}}
	if _, _, err := executor.Restore(context.Background(), one, target, snapshot.ExtractOptions{Overwrite: true}); err == nil {
		t.Fatal("restore from the damaged copy alone succeeded")
	}
	both := append(one, executor.CopyAt{Store: e.stores["primary"], Dir: dir})
	target = t.TempDir()
	_, stats, err := executor.Restore(context.Background(), both, target, snapshot.ExtractOptions{})
	if err != nil {
		t.Fatalf("restore with a fallback: %v", err)
	}
	b, err := os.ReadFile(filepath.Join(target, strings.TrimPrefix(e.dir, "/"), "data", "a.txt"))
	if err != nil || string(b) != strings.Repeat("alpha ", 5000) || stats.Files < 2 {
		t.Fatalf("restored %v %+v", err, stats)
	}
	// Healed, but never silently: the warning names the chunk and both stores.
	if len(stats.Warnings) == 0 || !strings.Contains(stats.Warnings[0], "read from primary instead") ||
		!strings.Contains(stats.Warnings[0], "at secondary") {
		t.Errorf("the fallback is not said: %q", stats.Warnings)
	}
}

// TestRestoreRefusesADamagedChunkList: chunks.txt with two of its lines
// swapped names good chunks, as many and as large, in the wrong order. The
// manifest's digest of the list (chunks_sha256) catches it before anything
// is written, and the restore takes the next copy's list instead.
func TestRestoreRefusesADamagedChunkList(t *testing.T) {
	e := newEnv(t, twoTiers)
	addBigFile(t, e)
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatal(rep.Results)
	}
	dir := "app/2026/11/21/030000Z"
	list := filepath.Join(e.dir, "store", "secondary", dir, snapshot.ChunkListName)
	b, err := os.ReadFile(list)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	if len(lines) < 3 || lines[0] == lines[1] {
		t.Fatalf("want two different chunks to swap, chunks.txt is %q", b)
	}
	lines[0], lines[1] = lines[1], lines[0]
	writeMode(t, list, []byte(strings.Join(lines, "")))

	target := t.TempDir()
	one := []executor.CopyAt{{Store: e.stores["secondary"], Dir: dir}}
	_, _, err = executor.Restore(context.Background(), one, target, snapshot.ExtractOptions{})
	if err == nil || !strings.Contains(err.Error(), "chunks.txt has SHA-256") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("restore of a reordered chunk list: got %v, want the list refused as damaged", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Errorf("the refused restore wrote %d entries into the target", len(entries))
	}
	both := append(one, executor.CopyAt{Store: e.stores["primary"], Dir: dir})
	_, stats, err := executor.Restore(context.Background(), both, t.TempDir(), snapshot.ExtractOptions{})
	if err != nil {
		t.Fatalf("restore with the other copy's list: %v", err)
	}
	// Healed, but never silently: the warning names both copies.
	if len(stats.Warnings) != 1 || !strings.Contains(stats.Warnings[0], "copy at secondary could not be used") ||
		!strings.Contains(stats.Warnings[0], "the one at primary was used instead") {
		t.Errorf("the other copy's list is used without saying so: %q", stats.Warnings)
	}
}

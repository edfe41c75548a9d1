package executor_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/testservers"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// TestMain keeps the file caches of every test of the package out of the
// user's own cache directory.
func TestMain(m *testing.M) { testservers.RunWithTempCache(m) }

// oneTier is one application without hooks (whose output would differ
// between snapshots) on one local destination.
const oneTier = `
destination "primary" {
  remote = "${path.config}/store/primary"
}

tier "local" {
  destinations = [destination.primary]
  keep {
    last = 10
  }
}

application "app" {
  schedule = "0 2 * * *"
  source {
    paths = ["data"]
  }
}
`

// snapshotWith applies the plan of day (t0 plus that many days) with the
// file cache in cacheDir and returns the snapshot's result and the
// snapshot's chunks.txt and data.tar.sha256.
func snapshotWith(t *testing.T, e *env, day int, cacheDir string, log *bytes.Buffer) (*executor.Result, string) {
	t.Helper()
	now := t0.AddDate(0, 0, day)
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ex := executor.New(e.stores, executor.Options{Now: func() time.Time { return now }, CacheDir: cacheDir, Log: logger})
	rep := ex.Run(context.Background(), e.plan(t, now))
	if !rep.OK() || len(rep.Results) != 1 || rep.Results[0].Action.Kind != planner.Snapshot {
		t.Fatalf("day %d: %+v", day, rep.Results)
	}
	dir := filepath.Join(e.dir, "store", "primary", "app", now.Format("2006/01/02/150405Z"))
	var list string
	for _, name := range []string{snapshot.ChunkListName, snapshot.StreamSumName} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		list += string(b)
	}
	return rep.Results[0], list
}

// TestSnapshotFileCache: the next snapshot of an unchanged large file
// takes its chunks from the file cache (hashing, not cutting it), and
// writes the same chunks.txt and data.tar.sha256 as a snapshot without a
// cache; a damaged, lying, deleted or disabled cache changes nothing but
// that count.
func TestSnapshotFileCache(t *testing.T) {
	e := newEnv(t, oneTier)
	addBigFile(t, e)
	cacheDir := filepath.Join(t.TempDir(), "cache")
	var log bytes.Buffer
	first, want := snapshotWith(t, e, 0, cacheDir, &log)
	if first.Cached != 0 {
		t.Errorf("first snapshot: %d bytes from an empty cache", first.Cached)
	}
	caches, _ := filepath.Glob(filepath.Join(cacheDir, "files-*.cache"))
	if len(caches) != 1 {
		t.Fatalf("cache files %v, want one", caches)
	}
	cache := caches[0]
	steps := []struct {
		name   string
		before func()
		dir    string // the cache directory, if not cacheDir
		cached func(int64) bool
		log    string // what the debug log must say
	}{
		{"unchanged", func() {}, "", func(n int64) bool { return n == 6<<20 }, ""},
		{"corrupt", func() { flipCache(t, cache) }, "", func(n int64) bool { return n == 0 }, "checksum mismatch"},
		{"lying", func() {
			forgeCacheID(t, cache, filepath.Join(e.dir, "store/primary/app/2026/11/21/030000Z", snapshot.ChunkListName))
		}, "", func(n int64) bool { return n > 0 && n < 6<<20 }, ""},
		{"deleted", func() { os.Remove(cache) }, "", func(n int64) bool { return n == 0 }, ""},
		{"off", func() {}, "off", func(n int64) bool { return n == 0 }, ""},
		{"again", func() {}, "", func(n int64) bool { return n == 6<<20 }, ""},
	}
	for i, s := range steps {
		s.before()
		log.Reset()
		dir := cacheDir
		if s.dir != "" {
			dir = s.dir
		}
		res, got := snapshotWith(t, e, i+1, dir, &log)
		if got != want {
			t.Errorf("%s: chunks.txt and data.tar.sha256 differ from the snapshot's without a cache", s.name)
		}
		if !s.cached(res.Cached) {
			t.Errorf("%s: %d bytes from the file cache", s.name, res.Cached)
		}
		if (res.Cached > 0) != strings.Contains(res.Detail, "file cache") {
			t.Errorf("%s: detail %q", s.name, res.Detail)
		}
		if !strings.Contains(log.String(), s.log) {
			t.Errorf("%s: debug log %q, want %q", s.name, log.String(), s.log)
		}
	}
}

// flipCache damages the cache file in its middle.
func flipCache(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// forgeCacheID makes the cache lie with a valid checksum (the SHA-256 of
// the rest of the file, in its last 32 bytes): the third chunk ID of the
// large file becomes the fourth (a chunk the destination has, of other
// content). chunkList is a chunks.txt with the file's chunks.
func forgeCacheID(t *testing.T, p, chunkList string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	list, err := os.ReadFile(chunkList)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := snapshot.ParseChunkList(list)
	if err != nil {
		t.Fatal(err)
	}
	var at []int
	for _, r := range refs {
		if i := bytes.Index(b, r.ID[:]); i >= 0 {
			at = append(at, i)
		}
	}
	if len(at) < 4 {
		t.Fatalf("%d chunk IDs found in the cache", len(at))
	}
	copy(b[at[2]:at[2]+32], b[at[3]:at[3]+32])
	sum := sha256.Sum256(b[:len(b)-32])
	copy(b[len(b)-32:], sum[:])
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// failingManifest is a store where every manifest.json write fails.
type failingManifest struct{ *countingStore }

func (f failingManifest) Write(ctx context.Context, p string, r io.Reader, size int64) (int64, error) {
	if path.Base(p) == snapshot.ManifestName {
		return 0, errors.New("no space left on device (test)")
	}
	return f.countingStore.Write(ctx, p, r, size)
}

// TestFailedSnapshotSavesNoFileCache: a snapshot that fails after its
// chunks are written leaves the file cache as it was (here: none), and no
// temporary file.
func TestFailedSnapshotSavesNoFileCache(t *testing.T) {
	e := newEnv(t, oneTier)
	addBigFile(t, e)
	n := count(e)
	e.stores["primary"] = failingManifest{n["primary"]}
	cacheDir := filepath.Join(t.TempDir(), "cache")
	ex := executor.New(e.stores, executor.Options{Now: func() time.Time { return t0 }, CacheDir: cacheDir})
	rep := ex.Run(context.Background(), e.plan(t, t0))
	if rep.OK() || len(rep.Results) != 1 || !strings.Contains(rep.Results[0].Error, "no space left") {
		t.Fatalf("the snapshot did not fail at its manifest: %+v", rep.Results)
	}
	if left, _ := os.ReadDir(cacheDir); len(left) != 0 {
		t.Errorf("the failed snapshot left %d files in the cache directory: %v", len(left), left)
	}
	e.stores["primary"] = n["primary"]
	var log bytes.Buffer
	if res, _ := snapshotWith(t, e, 0, cacheDir, &log); res.Cached != 0 {
		t.Errorf("after the failure: %d bytes from the cache", res.Cached)
	}
	if caches, _ := filepath.Glob(filepath.Join(cacheDir, "files-*.cache")); len(caches) != 1 {
		t.Errorf("after a successful snapshot: cache files %v, want one", caches)
	}
}

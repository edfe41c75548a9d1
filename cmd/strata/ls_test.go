package main

import (
	"encoding/json"
	"io/fs"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// chunkStoreOnDisk counts the chunk files under root/.strata/chunks and
// their bytes, as a person would with find and du.
func chunkStoreOnDisk(t *testing.T, root string) (n int, bytes int64) {
	t.Helper()
	err := filepath.WalkDir(filepath.Join(root, ".strata", "chunks"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".zst") {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n, bytes = n+1, bytes+fi.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n, bytes
}

// TestLsShowsStoredTotalsAndDedup: after three daily snapshots of a tree
// whose large file does not change, ls says per destination what its chunk
// store holds (the bytes on disk) and the deduplication ratio (the logical
// size of the snapshots there over those bytes), in --json and as a line;
// history shows the same lines.
func TestLsShowsStoredTotalsAndDedup(t *testing.T) {
	r := newRig(t, rigHCL, 2<<20)
	for n := 1; n <= 3; n++ {
		r.applyDay(n)
	}
	var ls struct {
		Locations []struct {
			Destination string `json:"destination"`
			Logical     int64  `json:"logical_bytes"`
		} `json:"locations"`
		Destinations []destTotal `json:"destinations"`
	}
	res := r.must(0, "ls", "--json")
	if err := json.Unmarshal([]byte(res.stdout), &ls); err != nil {
		t.Fatalf("ls --json: %v\n%s", err, res)
	}
	if len(ls.Destinations) != 2 {
		t.Fatalf("ls --json destinations = %+v, want primary and secondary", ls.Destinations)
	}
	for _, d := range ls.Destinations {
		n, bytes := chunkStoreOnDisk(t, filepath.Join(r.dir, "store", d.Destination))
		var logical int64
		for _, l := range ls.Locations {
			if l.Destination == d.Destination {
				logical += l.Logical
			}
		}
		if d.Error != "" || d.Chunks != n || d.Stored != bytes || d.Logical != logical || logical == 0 {
			t.Errorf("%s: ls says %+v; on disk %d chunks, %d bytes; logical size of its snapshots %d", d.Destination, d, n, bytes, logical)
		}
		// Three snapshots of 2 MiB of unchanged incompressible data and a
		// little new data a day: stored about once.
		if want := float64(logical) / float64(bytes); math.Abs(d.DedupRatio-want) > 1e-9 || d.DedupRatio < 1.5 {
			t.Errorf("%s: dedup ratio %.3f, want %.3f and at least 1.5", d.Destination, d.DedupRatio, want)
		}
	}
	for _, args := range [][]string{{"ls", "app"}, {"history", "app"}} {
		out := r.must(0, args...).stdout
		for _, d := range []string{"primary", "secondary"} {
			if !strings.Contains(out, "destination "+d+": stored ") || !strings.Contains(out, "(dedup ") {
				t.Errorf("strata %s: no totals line for %s:\n%s", strings.Join(args, " "), d, out)
			}
		}
	}
}

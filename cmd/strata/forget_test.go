package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const forgetHCL = `
settings {
  gc_grace = "0s" # the forgotten snapshot's chunks go at once
}
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 3
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 3
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
`

// strata forget deletes one snapshot among three at both tiers, leaves the
// two others whole, and leaves later plans nothing to do: no transfer
// brings it back, no purge follows. A lease held by another apply stops it
// with exit 4, before anything is deleted.
func TestForgetOneSnapshotOfThree(t *testing.T) {
	r := newRig(t, forgetHCL, 100_000)
	for n := 1; n <= 3; n++ {
		r.applyDay(n)
	}
	snapDir := func(dest string, n int) string {
		return filepath.Join(r.dir, "store", dest, "app", "2026", "11", day(n)[8:10], "030000Z")
	}
	writeLiveLease(t, filepath.Join(r.dir, "store", "secondary"))
	if res := r.must(4, "forget", "app", day(2), "--auto-approve"); !strings.Contains(res.stderr, "lease") {
		t.Errorf("a held lease: %s", res)
	}
	if _, err := os.Stat(filepath.Join(snapDir("primary", 2), "manifest.json")); err != nil {
		t.Fatalf("a locked forget deleted something: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(r.dir, "store", "secondary", ".strata", "locks")); err != nil {
		t.Fatal(err)
	}

	only := chunksOnlyIn(t, snapDir("primary", 2), snapDir("primary", 1), snapDir("primary", 3))
	res := r.must(0, "forget", "app", day(2), "--auto-approve")
	if !strings.Contains(res.stdout, "Plan: 2 purges, 2 gc.") || !strings.Contains(res.stdout, "4 done, 0 failed") {
		t.Errorf("forget output:\n%s", res)
	}
	for _, dest := range []string{"primary", "secondary"} {
		for _, id := range only {
			if _, err := os.Stat(filepath.Join(r.dir, "store", dest, chunkPath(id))); !os.IsNotExist(err) {
				t.Errorf("%s: chunk %s of the forgotten snapshot alone is still there: %v", dest, id, err)
			}
		}
	}
	for _, dest := range []string{"primary", "secondary"} {
		if _, err := os.Stat(snapDir(dest, 2)); !os.IsNotExist(err) {
			t.Errorf("%s still has the forgotten snapshot's directory: %v", dest, err)
		}
		for _, n := range []int{1, 3} {
			if _, err := os.Stat(filepath.Join(snapDir(dest, n), "manifest.json")); err != nil {
				t.Errorf("%s lost day %d: %v", dest, n, err)
			}
		}
	}
	if h := r.history(); len(h) != 2 || h[day(2)] != nil {
		t.Errorf("history after the forget: %v", h)
	}
	if keys := r.planKeys(day(3), 0); len(keys) != 0 {
		t.Errorf("the plan after a forget has actions: %q", keys)
	}
	r.converged(day(3))
	if res := r.must(1, "forget", "app", day(2), "--auto-approve"); !strings.Contains(res.stderr, "no copy of app") {
		t.Errorf("forgetting it again: %s", res)
	}
}

// chunksOnlyIn lists the chunk IDs that the chunks.txt of dir names and
// none of others' do.
func chunksOnlyIn(t *testing.T, dir string, others ...string) []string {
	t.Helper()
	ids := func(d string) []string {
		b, err := os.ReadFile(filepath.Join(d, "chunks.txt"))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			out = append(out, strings.Fields(line)[0])
		}
		return out
	}
	shared := map[string]bool{}
	for _, o := range others {
		for _, id := range ids(o) {
			shared[id] = true
		}
	}
	var only []string
	for _, id := range ids(dir) {
		if !shared[id] {
			only = append(only, id)
		}
	}
	if len(only) == 0 {
		t.Fatalf("%s shares every chunk with the others: the test proves nothing", dir)
	}
	return only
}

// chunkPath is where a chunk is stored under a destination root.
func chunkPath(id string) string {
	return filepath.Join(".strata", "chunks", id[:2], id+".zst")
}

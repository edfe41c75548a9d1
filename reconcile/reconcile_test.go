package reconcile

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// receive waits up to timeout for a change; false when none came.
func receive(ch <-chan struct{}, timeout time.Duration) bool {
	select {
	case <-ch:
		return true
	case <-time.After(timeout):
		return false
	}
}

func TestWatchDirDebouncesBurstsAndRenames(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The debounce is long against the burst (ten syscalls), so that a
	// loaded machine pausing the test cannot split it; the waits for a
	// second report are longer than the debounce, so that one would come.
	const debounce = time.Second
	changes, err := WatchDir(ctx, dir, debounce)
	if err != nil {
		t.Fatal(err)
	}
	// A burst: an editor's swap file, then a rename over main.hcl, then more writes.
	for i := range 5 {
		tmp := filepath.Join(dir, ".main.hcl.swp")
		if err := os.WriteFile(tmp, []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "main.hcl")); err != nil {
			t.Fatal(err)
		}
	}
	if !receive(changes, 5*time.Second) {
		t.Fatal("no change reported after a rename over main.hcl")
	}
	if receive(changes, 2*debounce) {
		t.Error("one burst reported twice")
	}
	// Files spec.Load does not read are ignored.
	if err := os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if receive(changes, 2*debounce) {
		t.Error("a change of notes.txt was reported")
	}
}

func TestWatchDirQueuesOneChangeWhileBusy(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	changes, err := WatchDir(ctx, dir, 50*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	// Three separate bursts while nobody receives (a reconcile is running).
	for i := range 3 {
		if err := os.WriteFile(filepath.Join(dir, "a.hcl"), []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	if !receive(changes, 5*time.Second) {
		t.Fatal("the queued change was lost")
	}
	if receive(changes, 300*time.Millisecond) {
		t.Error("more than one change was queued")
	}
}

func TestGitPull(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed (make deps installs it)")
	}
	root := t.TempDir()
	git := func(dir string, args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=T", "-c", "user.email=t@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	bare, a, b := filepath.Join(root, "r.git"), filepath.Join(root, "a"), filepath.Join(root, "b")
	git(root, "init", "--bare", "-q", bare)
	git(root, "clone", "-q", bare, a)
	if err := os.WriteFile(filepath.Join(a, "main.hcl"), []byte("# 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(a, "add", ".")
	git(a, "commit", "-qm", "one")
	git(a, "push", "-q", "origin", "HEAD")
	git(root, "clone", "-q", bare, b)
	ctx := context.Background()
	if !IsGitWorkTree(ctx, b) || IsGitWorkTree(ctx, root) {
		t.Fatal("IsGitWorkTree is wrong")
	}
	first := GitCommit(ctx, b)
	if err := os.WriteFile(filepath.Join(a, "main.hcl"), []byte("# 2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(a, "commit", "-qam", "two")
	git(a, "push", "-q", "origin", "HEAD")
	got, err := GitPull(ctx, b)
	if err != nil || got == first || got != GitCommit(ctx, a) {
		t.Fatalf("GitPull = %q, %v; want the pushed commit", got, err)
	}
	// A local commit that diverges cannot fast-forward: a clear error.
	if err := os.WriteFile(filepath.Join(b, "main.hcl"), []byte("# local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(b, "commit", "-qam", "local")
	if err := os.WriteFile(filepath.Join(a, "main.hcl"), []byte("# 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git(a, "commit", "-qam", "three")
	git(a, "push", "-q", "origin", "HEAD")
	if _, err := GitPull(ctx, b); err == nil {
		t.Fatal("a diverged work tree pulled without error")
	}
}

func clockConfig(t *testing.T) *spec.Config {
	t.Helper()
	dir := t.TempDir()
	src := `
destination "d" {
  remote = "/d"
}
tier "local" {
  destinations = [destination.d]
  keep {
    last = 3
  }
  verify {
    every = "7d"
  }
}
application "app" {
  schedule = "0 2 * * *"
  source {
    paths = ["/data"]
  }
}
`
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, _, diags := spec.Load(dir, spec.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return cfg
}

func inventoryWith(newest, verified time.Time) *planner.Inventory {
	loc := planner.Location{Tier: "local", Destination: "d"}
	return &planner.Inventory{Copies: map[string]map[planner.Location][]planner.Copy{
		"app": {loc: {{ID: snapshot.NewID(newest), Complete: true, Verified: verified}}},
	}, Failed: map[string]string{}}
}

func TestStale(t *testing.T) {
	cfg := clockConfig(t)
	newest := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	inv := inventoryWith(newest, newest.Add(time.Minute))

	for _, c := range []struct {
		now   time.Time
		stale bool
	}{
		{newest.Add(24 * time.Hour), false},                        // the tick itself
		{newest.Add(24*time.Hour + MaxGrace - time.Second), false}, // within the grace period
		{newest.Add(24*time.Hour + MaxGrace + time.Second), true},
	} {
		if got := Stale(cfg, inv, c.now); (len(got) == 1) != c.stale {
			t.Errorf("Stale at %s = %v, want stale %v", c.now, got, c.stale)
		}
	}
}

// TestFutureSnapshotHidesNothing: a snapshot dated 2099 (a clock that ran
// fast, apply --now in the future) neither keeps an application from going
// stale nor moves its next snapshot to 2099.
func TestFutureSnapshotHidesNothing(t *testing.T) {
	cfg := clockConfig(t)
	newest := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	inv := inventoryWith(newest, newest)
	loc := planner.Location{Tier: "local", Destination: "d"}
	future := time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	inv.Copies["app"][loc] = append(inv.Copies["app"][loc], planner.Copy{ID: snapshot.NewID(future), Complete: true, Verified: future})
	now := newest.Add(24*time.Hour + MaxGrace + time.Second)

	got := Stale(cfg, inv, now)
	if len(got) != 1 || !got[0].Newest.Equal(newest) || !got[0].Due.Equal(newest.Add(24*time.Hour)) {
		t.Errorf("Stale = %+v, want app at local, newest %s", got, newest)
	}
	next, n := NextSnapshot(cfg.Applications[0], inv, now)
	if !n.Equal(newest) || !next.Equal(newest.Add(24*time.Hour)) {
		t.Errorf("NextSnapshot = %s, newest %s; want %s, %s", next, n, newest.Add(24*time.Hour), newest)
	}
	// Within the clock skew a snapshot counts as made.
	inv = inventoryWith(now.Add(planner.ClockSkew), now)
	if got := Stale(cfg, inv, now); len(got) != 0 {
		t.Errorf("Stale with a snapshot %s ahead = %+v", planner.ClockSkew, got)
	}
}

// TestStaleWaitsForTheWindow: a snapshot due at 02:00 whose window opens at
// 22:00 is not stale until the window has been open for the grace period.
func TestStaleWaitsForTheWindow(t *testing.T) {
	cfg := clockConfig(t)
	w, err := spec.ParseWindow("22:00-06:00", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Applications[0].Schedule = mustParseSchedule(t, "0 12 * * *")
	cfg.Applications[0].Window = w
	newest := time.Date(2026, 11, 19, 22, 0, 0, 0, time.UTC)
	inv := inventoryWith(newest, newest)
	opens := time.Date(2026, 11, 20, 22, 0, 0, 0, time.UTC) // due at 12:00, outside the window
	for _, c := range []struct {
		now   time.Time
		stale bool
	}{
		{opens.Add(-time.Hour), false},
		{opens.Add(MaxGrace - time.Second), false},
		{opens.Add(MaxGrace + time.Second), true},
	} {
		if got := Stale(cfg, inv, c.now); (len(got) == 1) != c.stale {
			t.Errorf("Stale at %s = %v, want stale %v", c.now, got, c.stale)
		}
	}
}

func mustParseSchedule(t *testing.T, expr string) *spec.Schedule {
	t.Helper()
	s, err := spec.ParseSchedule(expr, time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

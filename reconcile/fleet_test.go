package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/notify"
)

// fleetLoopConfig has two applications on two nodes sharing a destination.
const fleetLoopConfig = `
destination "d" {
  remote = "${path.config}/store"
}
tier "local" {
  destinations = [destination.d]
  keep {
    last = 3
  }
}
application "web" {
  node     = "a"
  schedule = "0 * * * *"
  source {
    paths = ["data"]
  }
}
application "db" {
  node     = "b"
  schedule = "0 * * * *"
  source {
    paths = ["data"]
  }
}
`

// TestWatchPlansAsItsNode holds that a loop with a node runs only what that
// node owns, and that another node's due snapshot neither runs here nor
// makes the loop retry at once (it is not this node's work). The hourly
// schedule ticks half an hour from now: with "0 * * * *" a pass across the
// top of the hour left web's snapshot due again at the next wake-up.
func TestWatchPlansAsItsNode(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("fleet\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	minute := strconv.Itoa((time.Now().Minute() + 30) % 60)
	writeConfig(t, dir, strings.ReplaceAll(fleetLoopConfig, `"0 * * * *"`, `"`+minute+` * * * *"`))
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: 50 * time.Millisecond, Parallel: 1,
		Version: "test", Node: "a", Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if r := l.Pass(context.Background(), "test"); r.Kind != Continue {
		t.Fatalf("pass = %+v, want Continue", r)
	}
	got := map[string]int{}
	for _, a := range l.Status().Apps {
		got[a.Name] = a.Locations[0].Snapshots
	}
	if got["web"] != 1 || got["db"] != 0 {
		t.Errorf("snapshots after node a's pass: %v, want web 1 (a's) and db 0 (b's)", got)
	}
	if w := l.NextWake(); strings.HasPrefix(w.Reason, "retry") {
		t.Errorf("node a's loop wakes for %q at %s: b's snapshot must not make it retry", w.Reason, w.At)
	}
}

// TestStaleNotifiedByItsOwner: in a fleet each node notifies the staleness
// of what it writes, not of every application of the configuration.
func TestStaleNotifiedByItsOwner(t *testing.T) {
	dir := t.TempDir()
	writeConfig(t, dir, fleetLoopConfig)
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Node: "a", Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	stale := []notify.Stale{{App: "web", Tier: "local"}, {App: "db", Tier: "local"}}
	got := OwnStale(l.cfg, l.o.Node, stale)
	if len(got) != 1 || got[0].App != "web" {
		t.Errorf("node a notifies %+v, want web's only", got)
	}
}

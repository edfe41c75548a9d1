package reconcile

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// driveConfig snapshots data/ hourly into a local store and keeps the last
// 3 on a removable drive at drive/strata. Its schedule's minute is written
// in by writeDriveConfig.
const driveConfig = `
destination "d" {
  remote = "${path.config}/store"
}
destination "usb" {
  remote    = "${path.config}/drive/strata"
  removable = true
}
tier "local" {
  destinations = [destination.d]
  keep {
    last = 3
  }
}
tier "offsite" {
  from           = tier.local
  destinations   = [destination.usb]
  detached_grace = "2h"
  keep {
    last = 3
  }
}
application "web" {
  schedule = "MINUTE * * * *"
  source {
    paths = ["data"]
  }
}
`

// writeDriveConfig writes driveConfig with its hourly schedule ticking half
// an hour from now: no tick falls within a test, whatever the time of day
// (with "0 * * * *", the first pass's next wake was under a minute away in
// the last minute of every hour, and a tick could wake a sleep meant to
// notice a drive).
func writeDriveConfig(t *testing.T, dir string) {
	t.Helper()
	minute := strconv.Itoa((time.Now().Minute() + 30) % 60)
	writeConfig(t, dir, strings.Replace(driveConfig, "MINUTE", minute, 1))
}

// sleeps runs the loop's sleep step and returns why it woke; the test fails
// if it has not woken within the bound (the probe runs every 10 ms here).
func sleeps(t *testing.T, l *Loop) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	woke := make(chan string, 1)
	go func() { woke <- l.sleep(ctx, nil, nil) }()
	select {
	case why := <-woke:
		return why
	case <-time.After(20 * time.Second):
		cancel()
		<-woke
		t.Fatal("the sleep step did not notice the drive within 20 s")
		return ""
	}
}

// A watch asleep until its next tick notices a drive plugged in (its marker
// appears) and reconciles, which catches the drive up; and notices it
// pulled out again.
func TestWatchNoticesAnAttach(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "a.txt"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeDriveConfig(t, dir)
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: 50 * time.Millisecond, Parallel: 1,
		Probe: 10 * time.Millisecond, Version: "test", Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := l.Pass(context.Background(), "test"); r.Kind != Continue {
		t.Fatalf("pass with the drive detached = %+v, want Continue", r)
	}
	if l.NextWake().At.Before(time.Now().Add(time.Minute)) {
		t.Fatalf("the loop does not sleep: %+v", l.NextWake())
	}

	// Plug the drive in: a prepared root appears at once.
	prepared := filepath.Join(dir, "prepared")
	m, _ := snapshot.NewMarker("usb", "test", time.Now())
	if err := os.MkdirAll(filepath.Join(prepared, ".strata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(prepared, filepath.FromSlash(snapshot.MarkerPath)), m.Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "drive"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(prepared, filepath.Join(dir, "drive", "strata")); err != nil {
		t.Fatal(err)
	}
	why := sleeps(t, l)
	if why != "removable destination usb attached" {
		t.Fatalf("woke for %q", why)
	}
	if r := l.Pass(context.Background(), why); r.Kind != Continue {
		t.Fatalf("pass after the attach = %+v", r)
	}
	if got := locationRow(l, "offsite").Snapshots; got != 1 {
		t.Fatalf("the drive holds %d snapshots after the attach, want 1", got)
	}

	if err := os.Rename(filepath.Join(dir, "drive", "strata"), prepared); err != nil {
		t.Fatal(err)
	}
	if why := sleeps(t, l); why != "removable destination usb detached" {
		t.Fatalf("woke for %q after the drive was pulled", why)
	}
}

func locationRow(l *Loop, tier string) Location {
	for _, r := range l.Status().Apps[0].Locations {
		if r.Tier == tier {
			return r
		}
	}
	return Location{}
}

// A detached drive's copies are stale only once the tier's detached_grace
// has passed since the watch last saw the drive attached.
func TestDetachedStaleAfterGrace(t *testing.T) {
	dir := t.TempDir()
	writeDriveConfig(t, dir)
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: time.Second, Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	seen := time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC)
	newest := seen.Add(-time.Hour)
	loc := planner.Location{Tier: "offsite", Destination: "usb"}
	d := &drives{seen: map[string]time.Time{"usb": seen},
		newest: map[planner.Location]map[string]time.Time{loc: {"web": newest}}}
	inv := &planner.Inventory{Detached: map[string]string{"usb": "no marker"}}
	if s := detachedStale(l.cfg, inv, d, seen.Add(2*time.Hour)); len(s) != 0 {
		t.Errorf("stale within the grace: %+v", s)
	}
	s := detachedStale(l.cfg, inv, d, seen.Add(2*time.Hour+time.Second))
	if len(s) != 1 || s[0].Tier != "offsite" || !s[0].Newest.Equal(newest) || !s[0].Due.Equal(seen.Add(2*time.Hour)) {
		t.Errorf("after the grace: %+v", s)
	}
	if s := detachedStale(l.cfg, &planner.Inventory{}, d, seen.Add(48*time.Hour)); len(s) != 0 {
		t.Errorf("an attached drive is judged by detached_grace: %+v", s)
	}
}

// A failed listing of a removable destination is no evidence that the
// drive went away: the probes after it read the marker, find the drive, and
// must not announce an arrival (each would run a pass that fails again,
// once a minute, defeating the back-off). A real departure after it still
// is announced.
func TestFailedListingIsNoDeparture(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeDriveConfig(t, dir)
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: time.Second, Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "drive", "strata")
	m, _ := snapshot.NewMarker("usb", "test", time.Now())
	if err := os.MkdirAll(filepath.Join(root, ".strata"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(snapshot.MarkerPath)), m.Encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := List(ctx, l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, detached := s.Inventory.Detached["usb"]; detached {
		t.Fatalf("the marked drive lists as detached: %v", s.Inventory.Detached)
	}
	// The listing failed (a read error half-way): the marker is still there.
	s.Inventory.Failed = map[string]string{"usb": "read error half-way through the listing"}
	var d drives
	d.observe(l.cfg, s, time.Now())
	for i := range 2 {
		if why := d.changed(ctx); why != "" {
			t.Fatalf("probe %d after a failed listing of an attached drive: %q, want no change", i+1, why)
		}
	}
	if err := os.Rename(root, root+".away"); err != nil {
		t.Fatal(err)
	}
	if why := d.changed(ctx); why != "removable destination usb detached" {
		t.Fatalf("the drive pulled after the failed listing: %q", why)
	}
}

// A probe that cannot read the marker (an error, not a missing marker)
// does not announce a departure: the drive the last listing saw stays
// attached. Its root lies under a regular file here, so that the read
// fails with "not a directory".
func TestUnreadableMarkerIsNoDeparture(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeDriveConfig(t, dir)
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: time.Second, Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "drive"), []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := List(ctx, l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	d := drives{stores: executor.Stores{"usb": s.Stores["usb"]}, attached: map[string]bool{"usb": true}}
	if why := d.changed(ctx); why != "" {
		t.Fatalf("a probe that could not read the marker: %q, want no change", why)
	}
}

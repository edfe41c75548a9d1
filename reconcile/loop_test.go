package reconcile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
)

// testLog logs the loop's lines into the test's output.
type testLog struct{ t *testing.T }

func (l testLog) line(level string, msg any, kv ...any) {
	l.t.Helper()
	l.t.Logf("%s %v %v", level, msg, kv)
}
func (l testLog) Debug(msg any, kv ...any) { l.line("DEBU", msg, kv...) }
func (l testLog) Info(msg any, kv ...any)  { l.line("INFO", msg, kv...) }
func (l testLog) Warn(msg any, kv ...any)  { l.line("WARN", msg, kv...) }
func (l testLog) Error(msg any, kv ...any) { l.line("ERRO", msg, kv...) }

// testUI counts the diagnostics shown and runs applies without a display.
type testUI struct{ diags *int }

func (u testUI) Diagnostics(_ map[string]*hcl.File, diags hcl.Diagnostics) { *u.diags += len(diags) }
func (u testUI) DiagnosticsJSON(diags hcl.Diagnostics) any                 { return len(diags) }
func (u testUI) Progress(int) (func(executor.Event), func()) {
	return func(executor.Event) {}, func() {}
}

// loopConfig is one application snapshotting data/ hourly (at the minute
// of its second verb) into a local directory that keeps the last keep (the
// first verb) snapshots, and a notify command that appends every event to
// events.jsonl. fakeClock.config fills it in.
const loopConfig = `
destination "d" {
  remote = "${path.config}/store"
}
tier "local" {
  destinations = [destination.d]
  keep {
    last = %d
  }
}
application "web" {
  schedule = "%d * * * *"
  source {
    paths = ["data"]
  }
}
notify "log" {
  on      = ["failure", "recovered"]
  command = ["sh", "-c", "cat >> \"$0\"", "${path.config}/events.jsonl"]
}
`

// fakeClock is the time plans and snapshots are made at: an hour later at
// every call of tick. It starts three hours ago, and the schedule ticks at
// minute, half an hour from when it started: three passes leave a snapshot
// that is not stale for the next half hour of the wall clock, which stale
// and the next wake-up are judged by. (With "0 * * * *" and a clock at the
// top of the hour, a test running across the hour saw its newest snapshot
// turn stale by the wall clock.)
type fakeClock struct {
	now    time.Time
	minute int
}

func (c *fakeClock) Now() time.Time { return c.now }
func (c *fakeClock) tick()          { c.now = c.now.Add(time.Hour) }

// config is loopConfig keeping keep snapshots, scheduled at c's minute.
func (c *fakeClock) config(keep int) string { return fmt.Sprintf(loopConfig, keep, c.minute) }

// newTestLoop writes the configuration (keeping keep snapshots) and a
// little data into a new directory and starts a loop on it.
func newTestLoop(t *testing.T, keep int) (*Loop, string, *fakeClock) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("hello from the loop\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Minute)
	clock := &fakeClock{now: now.Add(-3 * time.Hour), minute: (now.Minute() + 30) % 60}
	writeConfig(t, dir, clock.config(keep))
	var diags int
	l := New(Options{Dir: dir, Interval: 15 * time.Minute, Debounce: 50 * time.Millisecond, Parallel: 1,
		Version: "test", Now: clock.Now, Log: testLog{t}, UI: testUI{&diags}})
	if err := l.Start(context.Background()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	return l, dir, clock
}

func writeConfig(t *testing.T, dir, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// events reads the kinds of the events the notify command appended.
func events(t *testing.T, dir string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "events.jsonl"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for dec := json.NewDecoder(bytes.NewReader(b)); ; {
		var ev notify.Event
		if err := dec.Decode(&ev); err != nil {
			return out
		}
		out = append(out, ev.Event)
	}
}

// snapshots makes n passes an hour apart, each taking a snapshot.
func snapshots(t *testing.T, l *Loop, clock *fakeClock, n int) {
	t.Helper()
	for i := range n {
		if r := l.Pass(context.Background(), "test"); r.Kind != Continue {
			t.Fatalf("pass %d = %+v, want Continue", i, r)
		}
		clock.tick()
	}
	if got := l.Status().Apps[0].Locations[0].Snapshots; got != n {
		t.Fatalf("%d snapshots stored after %d passes, want %d", got, n, n)
	}
}

// recovers makes a pass after what should have fixed the loop and checks
// that it ran through, leaving want snapshots, neither stalled nor backing off.
func recovers(t *testing.T, l *Loop, after string, want int) {
	t.Helper()
	if r := l.Pass(context.Background(), "test"); r.Kind != Continue {
		t.Fatalf("pass after %s = %+v, want Continue", after, r)
	}
	if got := l.Status().Apps[0].Locations[0].Snapshots; got != want {
		t.Fatalf("%d snapshots after %s, want %d", got, after, want)
	}
	if w := l.NextWake(); strings.HasPrefix(w.Reason, "stalled") || strings.HasPrefix(w.Reason, "retry after") {
		t.Fatalf("after %s the loop still waits for a person or backs off: %+v", after, w)
	}
}

// TestRefusedMassPurgeStalls holds that a plan the mass purge rule refuses
// stalls the loop: the pass ends Stalled at the plan step, the failure is
// marked stalled and notified once, the next wake-up is the periodic
// reconcile and never a back-off however often it repeats, and an edit of
// the configuration that allows the plan unstalls it.
func TestRefusedMassPurgeStalls(t *testing.T) {
	l, dir, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 3)
	if err := os.Remove(filepath.Join(dir, "events.jsonl")); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err) // what the passes that made the snapshots notified (staleness and its end)
	}

	writeConfig(t, dir, clock.config(1)) // would purge 2 of 3: refused
	for i := range 2 {
		before := time.Now()
		r := l.Pass(context.Background(), "test")
		if r.Kind != Stalled || r.Step != "plan" || !strings.Contains(r.Reason, "plan refused") {
			t.Fatalf("pass %d after the edit = %+v, want Stalled at the plan step by the refusal", i, r)
		}
		wake := l.NextWake()
		if !strings.HasPrefix(wake.Reason, "stalled until the configuration changes") || wake.At.Before(before.Add(15*time.Minute)) {
			t.Fatalf("stalled pass %d wakes at %s for %q; want the periodic reconcile, 15m on", i, wake.At, wake.Reason)
		}
		fs := l.Status().LastApply.Failures
		if len(fs) != 1 || !fs[0].Stalled || fs[0].Action != "plan" {
			t.Fatalf("failures of the stalled pass = %+v, want one stalled plan failure", fs)
		}
	}
	if got := strings.Join(events(t, dir), ","); got != "failure" {
		t.Fatalf("events after two stalled passes = %q, want one failure", got)
	}

	writeConfig(t, dir, clock.config(2)) // purges 1 of 3: allowed
	recovers(t, l, "the fix", 2)
	if got := strings.Join(events(t, dir), ","); got != "failure,recovered" {
		t.Fatalf("events after the fix = %q, want failure,recovered", got)
	}
}

// TestHeldLeaseRequeues holds that a lease another apply holds ends the
// pass Requeue at the apply step, with a back-off that doubles while it
// lasts, and that the next pass after its release succeeds with no back-off.
func TestHeldLeaseRequeues(t *testing.T) {
	l, _, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 1)

	s, err := List(context.Background(), l.cfg)
	if err != nil {
		t.Fatal(err)
	}
	held, err := executor.Acquire(context.Background(), s.Stores)
	if err != nil {
		t.Fatal(err)
	}
	for i, backoff := range []time.Duration{firstBackoff, 2 * firstBackoff} {
		before := time.Now()
		r := l.Pass(context.Background(), "test")
		var locked *executor.LockedError
		if r.Kind != Requeue || r.Step != "apply" || !errors.As(r.Err, &locked) {
			t.Fatalf("pass %d under a held lease = %+v, want Requeue at the apply step with a LockedError", i, r)
		}
		wake := l.NextWake()
		want := fmt.Sprintf("retry after %d failed reconcile(s)", i+1)
		if !strings.HasPrefix(wake.Reason, want) || wake.At.Before(before.Add(backoff)) {
			t.Fatalf("pass %d wakes at %s for %q; want %q no sooner than %s on", i, wake.At, wake.Reason, want, backoff)
		}
	}
	held.Release()
	recovers(t, l, "the release", 2)
}

// TestMissingSecretStalls holds that a destination whose value comes from
// an unset environment variable stalls the list step.
func TestMissingSecretStalls(t *testing.T) {
	l, dir, clock := newTestLoop(t, 5)
	src := strings.Replace(clock.config(5), `remote = "${path.config}/store"`, `remote = env("STRATA_TEST_UNSET_REMOTE")`, 1)
	writeConfig(t, dir, src)
	t.Setenv("STRATA_TEST_UNSET_REMOTE", "")
	os.Unsetenv("STRATA_TEST_UNSET_REMOTE")
	r := l.Pass(context.Background(), "test")
	if r.Kind != Stalled || r.Step != "open destinations" {
		t.Fatalf("pass with a missing secret = %+v, want Stalled at open destinations", r)
	}
	if !strings.HasPrefix(l.NextWake().Reason, "stalled until the configuration changes") {
		t.Fatalf("wake = %+v, want the periodic reconcile", l.NextWake())
	}
	// The status still lists the application, each location saying why
	// nothing is known of it (the status page's matrix shows it red).
	if apps := l.Status().Apps; len(apps) != 1 || len(apps[0].Locations) != 1 ||
		!strings.Contains(apps[0].Locations[0].Error, "STRATA_TEST_UNSET_REMOTE") {
		t.Errorf("status apps after a failed open = %+v, want web's location with the error", apps)
	}
}

// TestCancelledPassStops holds that a pass whose context is cancelled ends
// Stop and records nothing.
func TestCancelledPassStops(t *testing.T) {
	l, _, _ := newTestLoop(t, 5)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r := l.Pass(ctx, "test"); r.Kind != Stop {
		t.Fatalf("cancelled pass = %+v, want Stop", r)
	}
	if n := l.Status().Reconciles; n != 0 {
		t.Fatalf("a cancelled pass was recorded: %d reconciles", n)
	}
}

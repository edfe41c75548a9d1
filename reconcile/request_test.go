package reconcile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
)

// runLoop runs l in the background until the test ends.
func runLoop(t *testing.T, l *Loop) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- l.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Run did not return within 30s of the cancel")
		}
	})
}

// waitRequest waits (bounded) until request id has finished and returns it.
func waitRequest(t *testing.T, l *Loop, id int) RequestStatus {
	t.Helper()
	ch, stop := l.Status().Subscribe()
	defer stop()
	deadline := time.After(30 * time.Second)
	for {
		var got *RequestStatus
		l.Status().Read(func(st *Status) {
			for _, r := range st.Requests {
				if r.ID == id && r.Finished != nil {
					c := *r
					got = &c
				}
			}
		})
		if got != nil {
			return *got
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("request %d did not finish within 30s", id)
		}
	}
}

func TestRequestSnapshotWakesTheLoopAndForcesASnapshot(t *testing.T) {
	l, _, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 1)
	clock.now = clock.now.Add(-59 * time.Minute) // a minute after the snapshot: none is due
	runLoop(t, l)
	id, err := l.Request(Request{Kind: RequestSnapshot, App: "web"})
	if err != nil {
		t.Fatal(err)
	}
	r := waitRequest(t, l, id)
	if r.State != "done" || !strings.HasPrefix(r.Result, "made snapshot ") {
		t.Fatalf("request = %+v, want done with a snapshot made", r)
	}
	if got := l.Status().Apps[0].Locations[0].Snapshots; got != 2 {
		t.Errorf("%d snapshots after the request, want 2", got)
	}
}

func TestRequestVerifyChecksEveryCopy(t *testing.T) {
	l, _, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 2)
	clock.now = clock.now.Add(-59 * time.Minute) // none is due
	runLoop(t, l)
	id, err := l.Request(Request{Kind: RequestVerify, App: "web"})
	if err != nil {
		t.Fatal(err)
	}
	r := waitRequest(t, l, id)
	if r.State != "done" || !strings.HasPrefix(r.Result, "2 copies checked: 2 ok") {
		t.Fatalf("request = %+v, want 2 copies checked ok", r)
	}
	var verified int
	l.Status().Read(func(st *Status) { verified = st.Apps[0].Locations[0].Verified })
	if verified != 2 {
		t.Errorf("%d copies verified in the status after the request, want 2", verified)
	}
}

func TestRequestRefusesWhatCannotRun(t *testing.T) {
	l, _, _ := newTestLoop(t, 5)
	if _, err := l.Request(Request{Kind: RequestSnapshot, App: "nosuch"}); err == nil || !strings.Contains(err.Error(), `"nosuch"`) {
		t.Errorf("a request for an unknown application: %v", err)
	}
	if _, err := l.Request(Request{Kind: "reboot"}); err == nil {
		t.Error("an unknown kind of request was queued")
	}
	for i := range MaxQueued {
		if _, err := l.Request(Request{Kind: RequestApply}); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := l.Request(Request{Kind: RequestApply}); err != ErrQueueFull {
		t.Errorf("request beyond the queue's bound: %v, want ErrQueueFull", err)
	}
}

// probeUI reads the status each time the display sees an event.
type probeUI struct {
	testUI
	st   *Status
	seen *[]NowStatus
}

func (u probeUI) Progress(int) (func(executor.Event), func()) {
	return func(executor.Event) {
		u.st.Read(func(st *Status) {
			if st.Now != nil {
				n := *st.Now
				n.Actions = append([]ActionProgress(nil), st.Now.Actions...)
				*u.seen = append(*u.seen, n)
			}
		})
	}, func() {}
}

func TestStatusShowsTheApplyInProgress(t *testing.T) {
	l, _, _ := newTestLoop(t, 5)
	var seen []NowStatus
	var diags int
	l.o.UI = probeUI{testUI{&diags}, l.Status(), &seen}
	changes, stop := l.Status().Subscribe()
	defer stop()
	if r := l.Pass(context.Background(), "test"); r.Kind != Continue {
		t.Fatalf("pass = %+v", r)
	}
	// Each event reaches the display before the status: the last one seen
	// (the snapshot's end) finds the action running.
	if len(seen) < 2 {
		t.Fatalf("the display saw %d events with a pass in progress, want at least 2", len(seen))
	}
	last := seen[len(seen)-1]
	if last.Step != "apply" || last.TotalActions != 1 || len(last.Actions) != 1 || last.Actions[0].State != "running" || last.Actions[0].Kind != "snapshot" {
		t.Errorf("status during the apply = %+v", last)
	}
	var now *NowStatus
	l.Status().Read(func(st *Status) { now = st.Now })
	if now != nil {
		t.Errorf("a pass still in progress after Pass returned: %+v", now)
	}
	select {
	case <-changes:
	default:
		t.Error("no subscriber was told of the pass's changes")
	}
}

// captureLog keeps the loop's warnings (and logs every line as testLog).
type captureLog struct {
	testLog
	mu    sync.Mutex
	warns []string
}

func (l *captureLog) Warn(msg any, kv ...any) {
	l.testLog.Warn(msg, kv...)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.warns = append(l.warns, fmt.Sprint(msg, kv))
}

// warnings returns the warnings logged so far that contain s.
func (l *captureLog) warnings(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, w := range l.warns {
		if strings.Contains(w, s) {
			out = append(out, w)
		}
	}
	return out
}

// sharedDamage makes a loop with one snapshot of web whose first chunk is
// damaged, another complete copy ("other") that references it and one
// ("elsewhere") whose chunks.txt cannot be read; it returns the loop, the
// store's root and the snapshot's directory under an application's.
func sharedDamage(t *testing.T) (*Loop, string, string) {
	t.Helper()
	l, dir, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 1)
	clock.now = clock.now.Add(-59 * time.Minute) // none is due
	store := filepath.Join(dir, "store")
	manifests, _ := filepath.Glob(filepath.Join(store, "web", "*", "*", "*", "*", "manifest.json"))
	if len(manifests) != 1 {
		t.Fatalf("manifests of web: %q, want 1", manifests)
	}
	snap, _ := filepath.Rel(filepath.Join(store, "web"), filepath.Dir(manifests[0]))
	list, err := os.ReadFile(filepath.Join(store, "web", snap, "chunks.txt"))
	if err != nil {
		t.Fatal(err)
	}
	id := string(list[:64])
	chunk := filepath.Join(store, ".strata", "chunks", id[:2], id+".zst")
	if err := os.Chmod(chunk, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(chunk, []byte("not the chunk any more"), 0o600); err != nil {
		t.Fatal(err)
	}
	manifest, _ := os.ReadFile(manifests[0])
	for copyDir, chunks := range map[string][]byte{"other": list, "elsewhere": []byte("not a chunk list\n")} {
		d := filepath.Join(store, copyDir, snap)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range map[string][]byte{"manifest.json": manifest, "chunks.txt": chunks} {
			if err := os.WriteFile(filepath.Join(d, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return l, store, filepath.ToSlash(snap)
}

// requestVerify runs l, asks it to verify web and returns the request
// once it has finished.
func requestVerify(t *testing.T, l *Loop) RequestStatus {
	t.Helper()
	runLoop(t, l)
	id, err := l.Request(Request{Kind: RequestVerify, App: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return waitRequest(t, l, id)
}

// TestRequestVerifyReportsTheCopiesSharingABadChunk: a requested
// verification that finds a chunk damaged marks the other complete copy
// that references it and warns about the one whose chunks.txt cannot be
// read; both reach the request's status (its result and warnings, in the
// /status JSON) and the log, naming their paths.
func TestRequestVerifyReportsTheCopiesSharingABadChunk(t *testing.T) {
	l, store, snap := sharedDamage(t)
	log := &captureLog{testLog: testLog{t}}
	l.o.Log = log
	r := requestVerify(t, l)
	other, unreadable := "other/"+snap+" at d", "elsewhere/"+snap+"/chunks.txt"
	if r.State != "done" || !strings.HasPrefix(r.Result, "1 copy checked: 0 ok, 1 damaged") ||
		!strings.Contains(r.Result, "marked damaged too (they reference a chunk that failed): "+other) {
		t.Errorf("request = %+v, want one damaged copy and %s marked damaged too", r, other)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], unreadable) {
		t.Errorf("request warnings %q, want one naming %s", r.Warnings, unreadable)
	}
	js, err := l.Status().JSON()
	if err != nil || !strings.Contains(string(js), `"warnings": [`) || !strings.Contains(string(js), unreadable) {
		t.Errorf("the /status JSON does not carry the request's warning: %v\n%s", err, js)
	}
	if len(log.warnings(unreadable)) != 1 || len(log.warnings(other+" references a chunk that failed")) != 1 {
		t.Errorf("logged warnings %q, want one naming %s and one naming %s", log.warnings(""), unreadable, other)
	}
	if raw, err := os.ReadFile(filepath.Join(store, "other", snap, "corrupt.json")); err != nil || !strings.Contains(string(raw), `"found_by"`) {
		t.Errorf("the copy sharing the bad chunk was not marked: %v %s", err, raw)
	}
}

// TestRequestVerifySaysWhenTheDamagedCopysMarkCannotBeWritten: when the
// damaged copy's corrupt.json cannot be written (a directory stands
// there), the request's result says so, and the copy sharing the bad
// chunk is marked all the same.
func TestRequestVerifySaysWhenTheDamagedCopysMarkCannotBeWritten(t *testing.T) {
	l, store, snap := sharedDamage(t)
	if err := os.MkdirAll(filepath.Join(store, "web", snap, "corrupt.json", "in-the-way"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := requestVerify(t, l)
	if !strings.Contains(r.Result, "1 damaged") || !strings.Contains(r.Result, "; recording corrupt.json failed: ") ||
		!strings.Contains(r.Result, "marked damaged too (they reference a chunk that failed): other/"+snap+" at d") {
		t.Errorf("request = %+v, want the damaged copy, the failed write and other's copy marked", r)
	}
	if raw, err := os.ReadFile(filepath.Join(store, "other", snap, "corrupt.json")); err != nil || !strings.Contains(string(raw), `"found_by"`) {
		t.Errorf("the copy sharing the bad chunk was not marked: %v %s", err, raw)
	}
}

package reconcile

import (
	"context"
	"strings"
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

package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// signalRun runs onSignals as run does, with exit recorded instead of
// ending the test process.
type signalRun struct {
	sigs     chan os.Signal
	ctx      context.Context
	finished chan struct{}
	exited   chan int
	returned chan struct{}
	stderr   bytes.Buffer
}

func startSignalRun(grace time.Duration) *signalRun {
	r := &signalRun{sigs: make(chan os.Signal, 2), finished: make(chan struct{}), exited: make(chan int, 1), returned: make(chan struct{})}
	ctx, stop := context.WithCancelCause(context.Background())
	r.ctx = ctx
	g := &globals{stderr: &r.stderr}
	go func() {
		defer close(r.returned)
		g.onSignals(r.sigs, stop, r.finished, grace, func(code int) { r.exited <- code })
	}()
	return r
}

// wait is what onSignals did: exit's code, or -1 when it returned without.
func (r *signalRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.exited:
		return code
	case <-r.returned:
		// exit is called before onSignals returns (the real one never
		// returns): when both happened, select may see either first.
		select {
		case code := <-r.exited:
			return code
		default:
			return -1
		}
	case <-time.After(time.Minute):
		t.Fatal("onSignals neither exited nor returned")
		return 0
	}
}

// TestSecondSignalExitsAtOnce: the first signal cancels the run; a second
// one ends the process with the first one's code, whatever the run is
// stuck in.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	r := startSignalRun(time.Hour)
	r.sigs <- syscall.SIGTERM
	<-r.ctx.Done()
	var sig signalError
	if !errors.As(context.Cause(r.ctx), &sig) || sig.sig != syscall.SIGTERM {
		t.Fatalf("cause %v, want SIGTERM", context.Cause(r.ctx))
	}
	r.sigs <- os.Interrupt
	if code := r.wait(t); code != exitSIGTERM || !strings.Contains(r.stderr.String(), "exiting now") {
		t.Fatalf("exit %d, stderr %q; want 143 and a message", code, r.stderr.String())
	}
}

// TestStuckRunExitsAfterGrace: a run that does not end after the signal
// cannot keep the process alive beyond the grace period.
func TestStuckRunExitsAfterGrace(t *testing.T) {
	r := startSignalRun(0)
	r.sigs <- os.Interrupt
	if code := r.wait(t); code != exitSIGINT || !strings.Contains(r.stderr.String(), "still stopping") {
		t.Fatalf("exit %d, stderr %q; want 130 and a message", code, r.stderr.String())
	}
}

// TestRunThatStopsIsNotCutShort: a run that ends within the grace period
// exits on its own terms; so does one that never saw a signal.
func TestRunThatStopsIsNotCutShort(t *testing.T) {
	r := startSignalRun(time.Hour)
	r.sigs <- os.Interrupt
	<-r.ctx.Done()
	close(r.finished)
	if code := r.wait(t); code != -1 {
		t.Fatalf("exit %d called for a run that stopped", code)
	}
	r = startSignalRun(time.Hour)
	close(r.finished)
	if code := r.wait(t); code != -1 || r.ctx.Err() != nil {
		t.Fatalf("exit %d, ctx %v for a run that got no signal", code, r.ctx.Err())
	}
}

package providers

import (
	"context"
	"fmt"
	"time"
)

// TimedOut is the error of a step that took longer than its timeout.
type TimedOut struct {
	// What was being done ("connecting").
	What string
	// After is the timeout that passed.
	After time.Duration
}

func (e *TimedOut) Error() string {
	return fmt.Sprintf("timed out after %v %s (the destination's timeout, or STRATA_TIMEOUT, sets how long to wait)", e.After, e.What)
}

// Timeout makes a TimedOut retryable for IsRetryable (net.Error's habit).
func (e *TimedOut) Timeout() bool { return true }

// await runs fn in a goroutine of its own and waits until it returns, ctx
// is done, or timeout (0: none) has passed — whichever comes first. rclone
// calls that wait on the network without looking at ctx (an SSH handshake
// with a server that accepted the connection and then stays silent) then
// still yield to Ctrl-C and to the connect timeout. An abandoned fn keeps
// running until its own idle timeout ends it; what it returns then is
// dropped, so fn must not touch the caller's state unguarded.
func await(ctx context.Context, timeout time.Duration, what string, fn func() error) error {
	done := make(chan error, 1)
	go func() { done <- fn() }()
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-expired:
		return &TimedOut{What: what, After: timeout}
	}
}

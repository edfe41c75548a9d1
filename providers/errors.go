package providers

import (
	"context"
	"errors"
	"net"

	"github.com/rclone/rclone/fs/fserrors"
)

// IsRetryable classifies an error of a Store once, with rclone's rules:
// errors marked fatal or no-retry, cancellation and ErrNotFound are final;
// errors marked retry, timeouts and broken connections are worth another
// try. Anything else is not retried.
func IsRetryable(err error) bool {
	switch {
	case err == nil, errors.Is(err, context.Canceled), errors.Is(err, ErrNotFound):
		return false
	case fserrors.IsFatalError(err), fserrors.IsNoRetryError(err):
		return false
	case fserrors.IsRetryError(err):
		return true
	}
	return fserrors.ShouldRetry(err)
}

// Unreachable says whether err means that the server could not be reached
// at all (a connection refused or not made): there is nothing to tidy up on
// it now, and trying would only wait through the same error again. What a
// failed write left there is marked and cleaned up by a later apply.
func Unreachable(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// CouldNotConnect says whether err, from Open, means the destination's
// server could not be reached in time — a connection refused or not made,
// a timeout, a broken connection — rather than a destination that is
// wrong (an empty remote, a host key that cannot be checked, refused
// credentials). The first is an outage of that one destination; the
// others are for the configuration's owner to fix.
func CouldNotConnect(err error) bool {
	var timedOut *TimedOut
	switch {
	case err == nil, errors.Is(err, context.Canceled):
		return false
	case Unreachable(err), errors.As(err, &timedOut), errors.Is(err, context.DeadlineExceeded):
		return true
	}
	return IsRetryable(err)
}

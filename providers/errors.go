package providers

import (
	"context"
	"errors"

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

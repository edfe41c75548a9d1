package providers

import (
	"context"
	"errors"

	"github.com/stratabackup/strata/snapshot"
)

// ErrDetached is what errors.Is finds in the error of a write to a
// removable destination whose root carries no marker: the drive is not
// attached (an empty mount point), and nothing is written there.
var ErrDetached = errors.New("removable destination detached: its root carries no " + snapshot.MarkerPath +
	" (attach the drive; a new drive needs 'strata init')")

// Detachable is a Store that may be a removable destination (every Store
// this package opens is one).
type Detachable interface {
	// Removable reports whether the store was opened with Config.Removable.
	Removable() bool
}

// Removable reports whether the store is a removable destination.
func (s *store) Removable() bool { return s.removable }

// attached is the guard of every write to a removable destination: the
// marker must be at its root right now. The planner plans nothing for a
// detached destination; this catches a drive pulled between the plan and
// the write, so that strata never fills the empty mount point (and never
// creates a removable root). It is one metadata request per write.
func (s *store) attached(ctx context.Context) error {
	if !s.removable {
		return nil
	}
	_, err := s.Stat(ctx, snapshot.MarkerPath)
	if errors.Is(err, ErrNotFound) {
		return ErrDetached
	}
	return err
}

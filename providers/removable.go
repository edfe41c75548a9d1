package providers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/stratabackup/strata/snapshot"
)

// ErrDetached is what errors.Is finds in the error of a write to a
// removable destination whose root carries no marker of its own: the drive
// is not attached (an empty mount point, or another destination's drive),
// and nothing is written there.
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

// notThisDrive is the error of a write to a removable destination whose
// root carries a marker that does not name it: another destination's drive
// (drive B mounted where A is expected) or a file that is no marker.
// errors.Is finds ErrDetached in it: the destination's own drive is not
// attached, and nothing is written.
type notThisDrive struct{ why string }

func (e *notThisDrive) Error() string     { return "removable destination detached: " + e.why }
func (e *notThisDrive) Is(err error) bool { return err == ErrDetached }

// markerSeen is the marker the guard last read and found naming its
// destination, by size and modification time: a write that finds the
// marker unchanged by the one metadata request it makes anyway does not
// read it again; another drive's marker (or a new one by 'strata init
// --force') differs and is read.
type markerSeen struct {
	mu   sync.Mutex
	seen *Entry
}

func (m *markerSeen) same(e Entry) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.seen != nil && m.seen.Size == e.Size && m.seen.ModTime.Equal(e.ModTime)
}

func (m *markerSeen) set(e *Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = e
}

// attached is the guard of every write to a removable destination: the
// marker must be at its root right now and name this destination. The
// planner plans nothing for a detached destination; this catches a drive
// pulled (or another drive put in its place) between the plan and the
// write, so that strata never fills the empty mount point or another
// destination's drive (and never creates a removable root). It is one
// metadata request per write, and one read of the marker when it is new.
func (s *store) attached(ctx context.Context) error {
	if !s.removable {
		return nil
	}
	e, err := s.Stat(ctx, snapshot.MarkerPath)
	if errors.Is(err, ErrNotFound) {
		s.marker.set(nil)
		return ErrDetached
	}
	if err != nil || s.marker.same(e) {
		return err
	}
	if err := s.markerNamesThis(ctx); err != nil {
		s.marker.set(nil)
		return err
	}
	s.marker.set(&e)
	return nil
}

// markerNamesThis reads the marker at the root and checks that it names
// this destination.
func (s *store) markerNamesThis(ctx context.Context) error {
	rc, err := s.Open(ctx, snapshot.MarkerPath)
	if errors.Is(err, ErrNotFound) {
		return ErrDetached
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, snapshot.MaxMarkerSize))
	if err != nil {
		return err
	}
	m, err := snapshot.ParseMarker(b)
	switch {
	case err != nil:
		return &notThisDrive{why: fmt.Sprintf("%v: not strata's drive (attach the drive of %s)", err, s.name)}
	case m.Destination != s.name:
		return &notThisDrive{why: fmt.Sprintf("the drive at its root is destination %q, not %q (attach the drive of %s)",
			m.Destination, s.name, s.name)}
	}
	return nil
}

package executor

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// ForeignMarkerError is what Init returns when the root already carries the
// marker of another destination (or one that cannot be read).
type ForeignMarkerError struct {
	Destination string
	Found       string // what is there instead
}

func (e *ForeignMarkerError) Error() string {
	return fmt.Sprintf("destination %q: its root already carries %s of %s; nothing was written. "+
		"Check that the right drive is attached; to take it over anyway, run 'strata init --force %s'",
		e.Destination, snapshot.MarkerPath, e.Found, e.Destination)
}

// Init writes the marker of destination s at its root (making the root if
// need be) and returns it; created is false when the root already carried
// a marker of this destination, which is kept as it is. A marker of another
// destination is a *ForeignMarkerError unless force. s must be opened
// without Removable: init is the one writer of a removable root that does
// not need the marker already.
func Init(ctx context.Context, s providers.Store, version string, now time.Time, force bool) (m snapshot.Marker, created bool, err error) {
	old, found, rerr := ReadMarker(ctx, s)
	switch {
	case !found && rerr != nil:
		return m, false, rerr
	case found && rerr == nil && old.Destination == s.Name():
		return old, false, nil
	case found && !force:
		what := fmt.Sprintf("destination %q (id %s)", old.Destination, old.ID)
		if rerr != nil {
			what = fmt.Sprintf("unreadable content (%v)", rerr)
		}
		return m, false, &ForeignMarkerError{Destination: s.Name(), Found: what}
	}
	if m, err = snapshot.NewMarker(s.Name(), version, now); err != nil {
		return m, false, err
	}
	b := m.Encode()
	if _, err := s.Write(ctx, snapshot.MarkerPath, bytes.NewReader(b), int64(len(b))); err != nil {
		return snapshot.Marker{}, false, err
	}
	return m, true, nil
}

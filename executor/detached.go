package executor

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// removable reports whether s is a removable destination.
func removable(s providers.Store) bool {
	d, ok := s.(providers.Detachable)
	return ok && d.Removable()
}

// Attachment says whether a removable destination is attached: "" when
// its root carries its own marker, else why it counts as detached (no
// root, no marker, another destination's marker). A store that is not
// removable is always attached. err is set only when the marker could not
// be read for another reason (the listing then fails as any would).
func Attachment(ctx context.Context, s providers.Store) (detached string, err error) {
	if !removable(s) {
		return "", nil
	}
	m, found, err := ReadMarker(ctx, s)
	switch {
	case err != nil && !found:
		return "", err
	case !found:
		return fmt.Sprintf("no %s at its root: not attached, or not prepared with 'strata init %s'",
			snapshot.MarkerPath, s.Name()), nil
	case err != nil:
		return fmt.Sprintf("%v: not strata's drive", err), nil
	case m.Destination != s.Name():
		return fmt.Sprintf("the drive at its root is destination %q, not this one", m.Destination), nil
	}
	return "", nil
}

// ReadMarker reads the marker at the root of s. found is false when there
// is none; when found, err says the marker is not valid.
func ReadMarker(ctx context.Context, s providers.Store) (m snapshot.Marker, found bool, err error) {
	rc, err := s.Open(ctx, snapshot.MarkerPath)
	if errors.Is(err, providers.ErrNotFound) {
		return m, false, nil
	}
	if err != nil {
		return m, false, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, snapshot.MaxMarkerSize))
	if err != nil {
		return m, false, err
	}
	m, err = snapshot.ParseMarker(b)
	return m, true, err
}

// Probe says which of the removable stores are attached right now, by
// destination name: one read of a small marker each, what `watch` does
// once a minute to notice a drive come or go. A store whose marker could
// not be read (Attachment's error: the network, a permission) is left out:
// whether its drive is there is not known, which is not "detached".
func Probe(ctx context.Context, stores Stores) map[string]bool {
	out := map[string]bool{}
	for _, name := range stores.names() {
		if !removable(stores[name]) {
			continue
		}
		why, err := Attachment(ctx, stores[name])
		if err != nil {
			continue
		}
		out[name] = why == ""
	}
	return out
}

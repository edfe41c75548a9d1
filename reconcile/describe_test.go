package reconcile

import (
	"strings"
	"testing"
)

// TestStatusHasRetentionAndHistory: after three hourly passes keeping the
// last 2, the status says which rule keeps each snapshot, that the older
// one is purged by the next snapshot, and has each snapshot's files and
// bytes from its manifest, oldest first.
func TestStatusHasRetentionAndHistory(t *testing.T) {
	l, _, clock := newTestLoop(t, 2)
	snapshots(t, l, clock, 2)
	if r := l.Pass(t.Context(), "test"); r.Kind != Continue {
		t.Fatalf("third pass = %+v", r)
	}
	var app AppStatus
	l.Status().Read(func(st *Status) { app = st.Apps[0] })
	if len(app.Retention) != 1 || app.Retention[0].Tier != "local" || app.Retention[0].Keep != "keep { last = 2 }" {
		t.Fatalf("retention = %+v", app.Retention)
	}
	snaps := app.Retention[0].Snapshots
	if len(snaps) != 2 {
		t.Fatalf("retention lists %d snapshots, want the 2 kept: %+v", len(snaps), snaps)
	}
	for i, s := range snaps {
		if strings.Join(s.KeptBy, ",") != "last 2" || strings.Join(s.At, ",") != "d" || len(s.Purged) > 0 || s.New {
			t.Errorf("snapshot %d: %+v, want kept by last 2, at d", i, s)
		}
		if s.PurgedNext != (i == 1) {
			t.Errorf("snapshot %d (%s): purged next = %v; want only the older one", i, s.ID, s.PurgedNext)
		}
	}
	if len(app.History) != 2 {
		t.Fatalf("history = %+v, want 2 points", app.History)
	}
	for i, p := range app.History {
		if p.Error != "" || p.Files < 1 || p.Bytes != int64(len("hello from the loop\n")) || p.Size <= p.Bytes || p.ID != snaps[1-i].ID {
			t.Errorf("history point %d = %+v; want snapshot %s, 1 file of 20 bytes", i, p, snaps[1-i].ID)
		}
	}
}

package reconcile

import (
	"os"
	"path/filepath"
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
	var logical int64
	for i, p := range app.History {
		if p.Error != "" || p.Files < 1 || p.Bytes != int64(len("hello from the loop\n")) || p.Size <= p.Bytes || p.ID != snaps[1-i].ID {
			t.Errorf("history point %d = %+v; want snapshot %s, 1 file of 20 bytes", i, p, snaps[1-i].ID)
		}
		logical += p.Size
	}
	// The location's logical size is that of the snapshots it holds, as
	// `strata ls` shows it (the page's cells show it too).
	if len(app.Locations) != 1 || app.Locations[0].Logical != logical {
		t.Errorf("locations = %+v, want a logical size of %d", app.Locations, logical)
	}
}

// TestHistoryNamesAnUnreadableManifest: a manifest that cannot be read is a
// point with the error naming where, read again by the next pass (not
// cached), and readable ones are read once.
func TestHistoryNamesAnUnreadableManifest(t *testing.T) {
	l, dir, clock := newTestLoop(t, 5)
	snapshots(t, l, clock, 2)
	manifests, err := filepath.Glob(filepath.Join(dir, "store", "web", "*", "*", "*", "*", "manifest.json"))
	if err != nil || len(manifests) != 2 {
		t.Fatalf("manifests: %v %v", manifests, err)
	}
	// With the cache emptied the next pass reads every manifest again; the
	// oldest is damaged.
	if err := os.WriteFile(manifests[0], []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	l.history = historyCache{}
	if r := l.Pass(t.Context(), "test"); r.Kind != Continue {
		t.Fatalf("pass = %+v", r)
	}
	var h []HistoryPoint
	l.Status().Read(func(st *Status) { h = st.Apps[0].History })
	if len(h) != 3 || !strings.Contains(h[0].Error, "local/d: ") || h[1].Error != "" || h[2].Error != "" {
		t.Fatalf("history = %+v, want the first point to name local/d and why", h)
	}
	if _, ok := l.history["web"][h[0].ID]; ok {
		t.Error("a point with an error was cached")
	}
	if len(l.history["web"]) != 2 {
		t.Errorf("cache holds %d points, want the 2 readable", len(l.history["web"]))
	}
}

// TestStatusHasTheStoreOfTheLastGC: a purge brings a gc, whose totals (the
// chunk store's bytes on disk, the dedup ratio) the status keeps.
func TestStatusHasTheStoreOfTheLastGC(t *testing.T) {
	l, dir, clock := newTestLoop(t, 1)
	for range 2 {
		if r := l.Pass(t.Context(), "test"); r.Kind != Continue {
			t.Fatalf("pass = %+v", r)
		}
		clock.tick()
	}
	var stored []StoredStatus
	var lastPlan string
	l.Status().Read(func(st *Status) { stored, lastPlan = st.Stored, st.LastPlan.Text })
	if !strings.Contains(lastPlan, "gc") {
		t.Fatalf("the second pass planned no gc:\n%s", lastPlan)
	}
	var n int
	var bytes int64
	chunks, _ := filepath.Glob(filepath.Join(dir, "store", ".strata", "chunks", "*", "*.zst"))
	for _, c := range chunks {
		fi, err := os.Stat(c)
		if err != nil {
			t.Fatal(err)
		}
		n, bytes = n+1, bytes+fi.Size()
	}
	if len(stored) != 1 || stored[0].Destination != "d" || stored[0].Chunks != n || stored[0].StoredBytes != bytes ||
		stored[0].LogicalBytes <= 0 || stored[0].DedupRatio <= 0 {
		t.Errorf("stored = %+v; on disk %d chunks, %d bytes", stored, n, bytes)
	}
}

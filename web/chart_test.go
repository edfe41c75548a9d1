package web

import (
	"strings"
	"testing"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/snapshot"
)

func id(s string) snapshot.ID {
	i, err := snapshot.ParseID(s)
	if err != nil {
		panic(err)
	}
	return i
}

// TestRetentionMarks: each snapshot's mark on each lane says what the
// planner decided (kept, purged next, purged by the plan, wanted), and a
// destination whose listing failed shows that instead of marks, without
// claiming its snapshots are missing.
func TestRetentionMarks(t *testing.T) {
	r := reconcile.TierRetention{Tier: "remote", Keep: "keep { last = 2 }", Snapshots: []planner.Retained{
		{ID: id("2026-11-22T02:00:00Z"), KeptBy: []string{"last 2"}},
		{ID: id("2026-11-21T02:00:00Z"), KeptBy: []string{"last 2"}, At: []string{"a"}, PurgedNext: true},
		{ID: id("2026-11-20T02:00:00Z"), At: []string{"a"}, Purged: []string{"a"}},
	}}
	locs := []reconcile.Location{{Tier: "remote", Destination: "a"}, {Tier: "remote", Destination: "b", Error: "connection refused"}}
	v := newRetention(r, locs, " (due in 5m)")
	var classes []string
	for _, m := range v.Lanes[0].Marks {
		classes = append(classes, m.Class)
	}
	if got := strings.Join(classes, " "); got != "wanted next purge" {
		t.Errorf("marks on lane a = %q, want wanted next purge", got)
	}
	if v.Lanes[0].Marks[0].X <= v.Lanes[0].Marks[2].X {
		t.Errorf("the newest snapshot is not right of the oldest: %+v", v.Lanes[0].Marks)
	}
	if b := v.Lanes[1]; len(b.Marks) != 0 || !strings.Contains(b.Problem, "listing failed") {
		t.Errorf("lane of the failed listing = %+v, want no marks and the problem", b)
	}
	notes := []string{v.Rows[0].Note, v.Rows[1].Note, v.Rows[2].Note}
	if !strings.Contains(notes[0], "the listing of b failed") || notes[1] != "purged after the next snapshot (due in 5m)" ||
		notes[2] != "purged by the next apply at a" {
		t.Errorf("notes = %q", notes)
	}
}

// TestHistoryChart: the points of a chart follow the values from 0 to the
// maximum, in time order, and an unreadable manifest is listed, not drawn.
func TestHistoryChart(t *testing.T) {
	h := newHistory([]reconcile.HistoryPoint{
		{ID: id("2026-11-20T02:00:00Z"), Files: 10, Bytes: 100},
		{ID: id("2026-11-21T02:00:00Z"), Error: "a/b: manifest.json: unexpected EOF"},
		{ID: id("2026-11-22T02:00:00Z"), Files: 20, Bytes: 50},
	})
	if h.Count != 2 || len(h.Problems) != 1 || !strings.Contains(h.Problems[0], "2026-11-21T02:00:00Z: a/b") {
		t.Fatalf("history = %+v", h)
	}
	bytes, files := h.Charts[0], h.Charts[1]
	if bytes.Points != "96.0,10.0 588.0,70.0" || files.Points != "96.0,70.0 588.0,10.0" {
		t.Errorf("points: bytes %q, files %q", bytes.Points, files.Points)
	}
	if bytes.MaxLabel != "100 B" || files.Last != "20" {
		t.Errorf("labels: %q, %q", bytes.MaxLabel, files.Last)
	}
}

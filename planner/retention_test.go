package planner

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// retentionText renders BuildRetention for a golden file: a line per
// candidate of each tier.
func retentionText(rs []Retention, next time.Time) string {
	var b strings.Builder
	for _, r := range rs {
		fmt.Fprintf(&b, "%s at tier %s (%s):\n", r.App, r.Tier, KeepString(r.Keep))
		for _, s := range r.Snapshots(next) {
			verdict := "keep"
			if len(s.KeptBy) == 0 {
				verdict = "drop"
			}
			fmt.Fprintf(&b, "  %s  %s  %s  at=%s", s.ID, verdict, strings.Join(s.KeptBy, ", "), strings.Join(s.At, ","))
			if len(s.Purged) > 0 {
				fmt.Fprintf(&b, "  purged=%s", strings.Join(s.Purged, ","))
			}
			if s.New {
				b.WriteString("  new")
			}
			if s.PurgedNext {
				b.WriteString("  purged-next")
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

// TestRetentionGolden: what each tier's retention keeps and why, what the
// plan purges and what the next snapshot pushes out, on DESIGN §7's chain.
func TestRetentionGolden(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	last := ts("2026-11-20T02:00:00Z")
	put(inv, cfg, "hydro", loc("local", "local"), daily(last, 8)...)
	put(inv, cfg, "hydro", loc("remote", "backup1"), daily(last.Add(-day), 16)...)
	put(inv, cfg, "hydro", loc("offsite", "offsite"), ts("2026-10-01T02:00:00Z"))
	for _, c := range []struct {
		name string
		now  time.Time
	}{{"before-the-tick", last.Add(time.Hour)}, {"snapshot-due", last.Add(day + time.Hour)}} {
		t.Run(c.name, func(t *testing.T) {
			rs := BuildRetention(cfg, inv, c.now)
			golden(t, "retention/"+c.name+".txt", []byte(retentionText(rs, cfg.Applications[0].Schedule.Next(c.now))))
		})
	}
}

// TestRetentionPurgedNextIsWhatTheNextPlanPurges: the snapshots marked
// purged-next are exactly those the plan purges once the next snapshot is
// there.
func TestRetentionPurgedNextIsWhatTheNextPlanPurges(t *testing.T) {
	cfg := testConfig()
	inv := emptyInventory()
	last := ts("2026-11-20T02:00:00Z")
	put(inv, cfg, "hydro", loc("local", "local"), daily(last, 7)...)
	put(inv, cfg, "hydro", loc("remote", "backup1"), daily(last, 7)...)
	next := last.Add(day)
	var marked []string
	for _, r := range BuildRetention(cfg, inv, last.Add(time.Hour)) {
		for _, s := range r.Snapshots(next) {
			if s.PurgedNext {
				marked = append(marked, fmt.Sprintf("purge:hydro:%s/%s:%s", r.Tier, r.Tier, s.ID))
			}
		}
	}
	if len(marked) == 0 {
		t.Fatal("nothing marked purged-next with last = 7 and 7 copies")
	}
	put(inv, cfg, "hydro", loc("local", "local"), next)
	put(inv, cfg, "hydro", loc("remote", "backup1"), next)
	p, err := BuildPlan(cfg, inv, next.Add(time.Hour), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var purged []string
	for _, a := range p.Actions {
		if a.Kind == Purge {
			purged = append(purged, a.Key)
		}
	}
	if got, want := strings.Join(purged, " "), strings.Join(marked, " "); !strings.Contains(got, want) || len(purged) != len(marked) {
		t.Errorf("the plan after the next snapshot purges %q; marked purged-next: %q", purged, marked)
	}
}

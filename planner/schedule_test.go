package planner

import (
	"testing"
	"time"

	"github.com/stratabackup/strata/spec"
)

func TestSnapshotDue(t *testing.T) {
	zurich := mustSchedule("0 2 * * *", "Europe/Zurich")
	for _, tc := range []struct {
		name        string
		sched       *spec.Schedule
		newest, now string
		due         bool
		tick        string
	}{
		{"zurich winter before", zurich, "2026-11-20T01:00:00Z", "2026-11-21T00:59:59Z", false, "2026-11-21T01:00:00Z"},
		{"zurich winter at tick", zurich, "2026-11-20T01:00:00Z", "2026-11-21T01:00:00Z", true, "2026-11-21T01:00:00Z"},
		{"zurich summer", zurich, "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z", true, "2026-07-02T00:00:00Z"},
		{"zurich across DST", zurich, "2026-10-25T01:00:00Z", "2026-10-26T00:30:00Z", false, "2026-10-26T01:00:00Z"},
		{"zurich missed days: the last tick", zurich, "2026-11-10T01:00:00Z", "2026-11-21T12:00:00Z", true, "2026-11-21T01:00:00Z"},
		// cron(8) around DST (the golden table is TestCronGolden): 02:00 on
		// 2026-03-29 does not exist, the tick is right after the jump, at
		// 03:00 CEST; 02:00 on 2026-10-25 comes twice and ticks once.
		{"zurich spring forward ticks after the jump", zurich, "2026-03-28T01:00:00Z", "2026-03-29T01:05:00Z", true, "2026-03-29T01:00:00Z"},
		{"zurich spring forward not before", zurich, "2026-03-28T01:00:00Z", "2026-03-29T00:59:59Z", false, "2026-03-29T01:00:00Z"},
		{"zurich fall back once", zurich, "2026-10-25T00:00:00Z", "2026-10-25T01:30:00Z", false, "2026-10-26T01:00:00Z"},
		{"sunday as 7", mustSchedule("0 12 * * 7", "UTC"), "2026-03-22T12:00:00Z", "2026-03-29T12:00:00Z", true, "2026-03-29T12:00:00Z"},
		{"hourly not yet", mustSchedule("@hourly", "UTC"), "2026-11-20T10:00:00Z", "2026-11-20T10:59:59Z", false, "2026-11-20T11:00:00Z"},
		{"hourly due", mustSchedule("@hourly", "UTC"), "2026-11-20T10:00:00Z", "2026-11-20T11:00:00Z", true, "2026-11-20T11:00:00Z"},
		{"every 30m not yet", mustSchedule("@every 30m", "UTC"), "2026-11-20T10:05:00Z", "2026-11-20T10:34:00Z", false, "2026-11-20T10:35:00Z"},
		{"every 30m due", mustSchedule("@every 30m", "UTC"), "2026-11-20T10:05:00Z", "2026-11-20T10:40:00Z", true, "2026-11-20T10:35:00Z"},
		{"no snapshot yet", zurich, "", "2026-11-20T00:00:00Z", true, ""},
		{"no schedule", nil, "2026-11-01T00:00:00Z", "2026-11-20T00:00:00Z", false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var newest, tick time.Time
			if tc.newest != "" {
				newest = ts(tc.newest)
			}
			if tc.tick != "" {
				tick = ts(tc.tick)
			}
			due, gotTick := SnapshotDue(tc.sched, newest, ts(tc.now))
			if due != tc.due || !gotTick.Equal(tick) {
				t.Errorf("SnapshotDue = %v, %v; want %v, %v", due, gotTick, tc.due, tick)
			}
		})
	}
}

func TestSnapshotReason(t *testing.T) {
	a := &spec.Application{Name: "hydro", Schedule: mustSchedule("0 2 * * *", "UTC")}
	now := ts("2026-11-21T02:00:30Z")
	for _, tc := range []struct {
		newest string
		force  []string
		want   string
		due    bool
	}{
		{"", nil, "no snapshot yet", true},
		{"2026-11-20T02:00:00Z", nil, `schedule "0 2 * * *" ticked at 2026-11-21T02:00:00Z; newest snapshot is 2026-11-20T02:00:00Z`, true},
		{"2026-11-21T02:00:00Z", nil, "", false},
		{"2026-11-21T02:00:00Z", []string{"hydro"}, "requested with --force", true},
	} {
		var newest time.Time
		if tc.newest != "" {
			newest = ts(tc.newest)
		}
		got, due := snapshotReason(a, newest, now, tc.force)
		if got != tc.want || due != tc.due {
			t.Errorf("newest %s force %v: got %q %v, want %q %v", tc.newest, tc.force, got, due, tc.want, tc.due)
		}
	}
}

package planner

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// every returns the times from first to last (inclusive) step apart.
func every(first, last string, step time.Duration) []time.Time {
	var out []time.Time
	for t := ts(first); !t.After(ts(last)); t = t.Add(step) {
		out = append(out, t)
	}
	return out
}

func pick(times ...string) []time.Time {
	out := make([]time.Time, len(times))
	for i, s := range times {
		out[i] = ts(s)
	}
	return out
}

var retentionCases = []struct {
	name  string
	keep  spec.Keep
	times []time.Time
	now   string
}{
	{"last", spec.Keep{Last: 3}, every("2026-11-11T02:00:00Z", "2026-11-20T02:00:00Z", day), "2026-11-20T03:00:00Z"},
	{"last-more-than-there", spec.Keep{Last: 7}, every("2026-11-18T02:00:00Z", "2026-11-20T02:00:00Z", day), "2026-11-20T03:00:00Z"},
	{"hourly", spec.Keep{Hourly: 3}, every("2026-11-20T09:00:00Z", "2026-11-20T12:40:00Z", 20*time.Minute), "2026-11-20T13:00:00Z"},
	{"daily-month-boundary", spec.Keep{Daily: 4}, every("2026-10-29T00:00:00Z", "2026-11-02T12:00:00Z", 12*time.Hour), "2026-11-02T13:00:00Z"},
	{"daily-gaps", spec.Keep{Daily: 3}, pick("2026-11-01T02:00:00Z", "2026-11-05T02:00:00Z", "2026-11-05T14:00:00Z", "2026-11-09T02:00:00Z", "2026-11-20T02:00:00Z"), "2026-11-21T00:00:00Z"},
	{"weekly-year-boundary", spec.Keep{Weekly: 3}, every("2025-12-18T02:00:00Z", "2026-01-06T02:00:00Z", day), "2026-01-06T03:00:00Z"},
	{"monthly-year-boundary", spec.Keep{Monthly: 4}, every("2025-10-01T02:00:00Z", "2026-02-15T02:00:00Z", 10*day), "2026-02-16T00:00:00Z"},
	{"yearly", spec.Keep{Yearly: 2}, every("2024-11-01T02:00:00Z", "2026-11-01T02:00:00Z", 61*day), "2026-11-02T00:00:00Z"},
	{"within", spec.Keep{Within: 3 * day}, every("2026-11-10T02:00:00Z", "2026-11-20T02:00:00Z", day), "2026-12-31T00:00:00Z"},
	{"union", spec.Keep{Last: 2, Daily: 3, Weekly: 2, Monthly: 2, Within: 36 * time.Hour},
		every("2026-10-20T02:00:00Z", "2026-11-20T14:00:00Z", 12*time.Hour), "2026-11-21T00:00:00Z"},
	{"design-remote", spec.Keep{Last: 7, Daily: 14, Weekly: 8, Monthly: 12},
		every("2025-09-01T02:00:00Z", "2026-11-20T02:00:00Z", day), "2026-11-20T03:00:00Z"},
	{"empty-policy", spec.Keep{}, every("2026-11-18T02:00:00Z", "2026-11-20T02:00:00Z", day), "2026-11-20T03:00:00Z"},
	{"unsorted-duplicates", spec.Keep{Last: 2},
		pick("2026-11-19T02:00:00Z", "2026-11-20T02:00:00Z", "2026-11-18T02:00:00Z", "2026-11-20T02:00:00Z"), "2026-11-20T03:00:00Z"},
}

func TestApplyKeepGolden(t *testing.T) {
	for _, tc := range retentionCases {
		t.Run(tc.name, func(t *testing.T) {
			ids := make([]snapshot.ID, len(tc.times))
			for i, tm := range tc.times {
				ids[i] = snapshot.NewID(tm)
			}
			ds := ApplyKeep(tc.keep, ids, ts(tc.now))
			var b strings.Builder
			fmt.Fprintf(&b, "# %s, now %s\n", KeepString(tc.keep), tc.now)
			for _, d := range ds {
				verdict := "remove"
				if d.Keep {
					verdict = "keep  "
				}
				line := fmt.Sprintf("%s  %s  %s", d.ID, verdict, strings.Join(d.Reasons, ", "))
				b.WriteString(strings.TrimRight(line, " ") + "\n")
			}
			golden(t, "retention/"+tc.name+".golden", []byte(b.String()))
			checkKeepInvariants(t, tc.keep, ds)
		})
	}
}

// checkKeepInvariants: newest first, the newest kept, reasons only when kept.
func checkKeepInvariants(t *testing.T, k spec.Keep, ds []Decision) {
	t.Helper()
	for i, d := range ds {
		if i > 0 && !d.ID.Before(ds[i-1].ID) {
			t.Errorf("decisions not strictly newest first at %d", i)
		}
		if d.Keep != (len(d.Reasons) > 0) {
			t.Errorf("%s: keep=%v with reasons %q", d.ID, d.Keep, d.Reasons)
		}
	}
	if len(ds) > 0 && !ds[0].Keep {
		t.Errorf("the newest snapshot is not kept by %s", KeepString(k))
	}
}

func TestApplyKeepCounts(t *testing.T) {
	times := every("2026-01-01T02:00:00Z", "2026-12-31T02:00:00Z", day)
	ids := make([]snapshot.ID, len(times))
	for i, tm := range times {
		ids[i] = snapshot.NewID(tm)
	}
	for _, tc := range []struct {
		keep spec.Keep
		want int
	}{
		{spec.Keep{Last: 7}, 7},
		{spec.Keep{Daily: 14}, 14},
		{spec.Keep{Monthly: 12}, 12},
		{spec.Keep{Monthly: -1}, 12},
		{spec.Keep{Yearly: 5}, 1},
		{spec.Keep{Within: 10 * day}, 10},
		{spec.Keep{Last: 7, Daily: 14, Weekly: 8, Monthly: 12}, 14 + 6 + 10},
	} {
		n := 0
		for _, d := range ApplyKeep(tc.keep, ids, time.Time{}) {
			if d.Keep {
				n++
			}
		}
		if n != tc.want {
			t.Errorf("%s kept %d of a year of dailies, want %d", KeepString(tc.keep), n, tc.want)
		}
	}
}

func TestKeepString(t *testing.T) {
	got := KeepString(spec.Keep{Last: 7, Daily: 14, Within: 30 * day})
	if want := `keep { last = 7, daily = 14, within = "30d" }`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

package planner

import (
	"strings"
	"testing"
	"time"
)

// cronGolden is the golden table of schedule ticks around clock changes: every
// tick (UTC) of expr in zone within (from, to], by cron(8)'s DST rule (see
// spec.Schedule): a fixed-time job whose local time is skipped ticks right
// after the jump and once in a repeated hour; a wildcard job (minute or hour
// field "*…") ticks by the new local time only, in each occurrence of a
// repeated hour. Local times are in the comments.
var cronGolden = []struct {
	name, expr, zone string
	from, to         string
	ticks            []string
}{
	// Europe/Zurich, spring forward 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z.
	{"zurich spring 0 2", "0 2 * * *", "Europe/Zurich", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z",
		[]string{"2026-03-28T01:00:00Z", "2026-03-29T01:00:00Z" /* 02:00 skipped: 03:00 CEST */, "2026-03-30T00:00:00Z"}},
	{"zurich spring 30 2", "30 2 * * *", "Europe/Zurich", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z",
		[]string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z" /* right after the jump */, "2026-03-30T00:30:00Z"}},
	{"zurich spring 0,30 2 once", "0,30 2 * * *", "Europe/Zurich", "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z",
		[]string{"2026-03-29T01:00:00Z"}},
	{"zurich spring 0 3", "0 3 * * *", "Europe/Zurich", "2026-03-27T12:00:00Z", "2026-03-30T12:00:00Z",
		[]string{"2026-03-28T02:00:00Z", "2026-03-29T01:00:00Z", "2026-03-30T01:00:00Z"}},
	{"zurich spring hourly", "0 * * * *", "Europe/Zurich", "2026-03-28T23:30:00Z", "2026-03-29T02:30:00Z",
		[]string{"2026-03-29T00:00:00Z" /* 01:00 CET */, "2026-03-29T01:00:00Z" /* 03:00 CEST */, "2026-03-29T02:00:00Z"}},
	{"zurich spring @hourly", "@hourly", "Europe/Zurich", "2026-03-28T23:30:00Z", "2026-03-29T02:30:00Z",
		[]string{"2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"}},
	{"zurich spring */15", "*/15 * * * *", "Europe/Zurich", "2026-03-29T00:20:00Z", "2026-03-29T01:20:00Z",
		[]string{"2026-03-29T00:30:00Z", "2026-03-29T00:45:00Z" /* 01:45 CET */, "2026-03-29T01:00:00Z" /* 03:00 CEST */, "2026-03-29T01:15:00Z"}},
	{"zurich spring */15 2 wildcard skipped", "*/15 2 * * *", "Europe/Zurich", "2026-03-28T12:00:00Z", "2026-03-30T00:20:00Z",
		[]string{"2026-03-30T00:00:00Z", "2026-03-30T00:15:00Z"}},
	{"zurich spring @daily", "@daily", "Europe/Zurich", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z",
		[]string{"2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"}},

	// Europe/Zurich, fall back 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z.
	{"zurich fall 0 2 once", "0 2 * * *", "Europe/Zurich", "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z",
		[]string{"2026-10-24T00:00:00Z", "2026-10-25T00:00:00Z" /* 02:00 CEST; not again at 02:00 CET */, "2026-10-26T01:00:00Z"}},
	{"zurich fall 30 2 once", "30 2 * * *", "Europe/Zurich", "2026-10-23T12:00:00Z", "2026-10-26T12:00:00Z",
		[]string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"}},
	{"zurich fall 0 3", "0 3 * * *", "Europe/Zurich", "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z",
		[]string{"2026-10-25T02:00:00Z", "2026-10-26T02:00:00Z"}},
	{"zurich fall hourly twice", "0 * * * *", "Europe/Zurich", "2026-10-24T23:30:00Z", "2026-10-25T02:30:00Z",
		[]string{"2026-10-25T00:00:00Z" /* 02:00 CEST */, "2026-10-25T01:00:00Z" /* 02:00 CET */, "2026-10-25T02:00:00Z"}},
	{"zurich fall */15", "*/15 * * * *", "Europe/Zurich", "2026-10-25T00:40:00Z", "2026-10-25T01:20:00Z",
		[]string{"2026-10-25T00:45:00Z" /* 02:45 CEST */, "2026-10-25T01:00:00Z" /* 02:00 CET */, "2026-10-25T01:15:00Z"}},

	// America/New_York: 2026-03-08 02:00 EST -> 03:00 EDT at 07:00Z; 2026-11-01 02:00 EDT -> 01:00 EST at 06:00Z.
	{"new york spring 30 2", "30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z", "2026-03-09T12:00:00Z",
		[]string{"2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"}},
	{"new york fall 30 1 once", "30 1 * * *", "America/New_York", "2026-10-31T00:00:00Z", "2026-11-02T12:00:00Z",
		[]string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"}},
	{"new york fall 30 * twice", "30 * * * *", "America/New_York", "2026-11-01T04:00:00Z", "2026-11-01T07:00:00Z",
		[]string{"2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z" /* 01:30 EDT */, "2026-11-01T06:30:00Z" /* 01:30 EST */}},

	// Australia/Adelaide (+9:30/+10:30): 2026-04-05 03:00 ACDT -> 02:00 ACST at 16:30Z the day before;
	// 2026-10-04 02:00 ACST -> 03:00 ACDT at 16:30Z the day before.
	{"adelaide fall 30 2 once", "30 2 * * *", "Australia/Adelaide", "2026-04-03T00:00:00Z", "2026-04-06T00:00:00Z",
		[]string{"2026-04-03T16:00:00Z", "2026-04-04T16:00:00Z", "2026-04-05T17:00:00Z"}},
	{"adelaide spring 30 2", "30 2 * * *", "Australia/Adelaide", "2026-10-02T00:00:00Z", "2026-10-05T00:00:00Z",
		[]string{"2026-10-02T17:00:00Z", "2026-10-03T16:30:00Z", "2026-10-04T16:00:00Z"}},

	// Australia/Lord_Howe moves by 30 minutes (+10:30/+11): 2026-10-04 02:00 -> 02:30 at 15:30Z the
	// day before; 2026-04-05 02:00 -> 01:30 at 15:00Z the day before.
	{"lord howe spring 15 2", "15 2 * * *", "Australia/Lord_Howe", "2026-10-02T00:00:00Z", "2026-10-05T00:00:00Z",
		[]string{"2026-10-02T15:45:00Z", "2026-10-03T15:30:00Z", "2026-10-04T15:15:00Z"}},
	{"lord howe fall 45 1 once", "45 1 * * *", "Australia/Lord_Howe", "2026-04-03T00:00:00Z", "2026-04-06T00:00:00Z",
		[]string{"2026-04-03T14:45:00Z", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"}},

	// Asia/Kolkata (+5:30, no DST).
	{"kolkata 0 2", "0 2 * * *", "Asia/Kolkata", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z",
		[]string{"2026-03-28T20:30:00Z", "2026-03-29T20:30:00Z"}},
	{"kolkata */45", "*/45 * * * *", "Asia/Kolkata", "2026-03-28T12:00:00Z", "2026-03-28T13:30:00Z",
		[]string{"2026-03-28T12:15:00Z" /* 17:45 */, "2026-03-28T12:30:00Z" /* 18:00 */, "2026-03-28T13:15:00Z", "2026-03-28T13:30:00Z"}},

	// Pacific/Apia skipped 2011-12-30 (-10 -> +14): a jump of more than 3 hours is not a DST
	// change to cron(8), so nothing skipped runs.
	{"apia skipped day", "0 12 * * *", "Pacific/Apia", "2011-12-28T00:00:00Z", "2011-12-31T00:00:00Z",
		[]string{"2011-12-28T22:00:00Z", "2011-12-29T22:00:00Z" /* 29th 12:00 -10 */, "2011-12-30T22:00:00Z" /* 31st 12:00 +14 */}},

	// Sunday is 0 or 7; day of month and day of week combine as in cron(8).
	{"sunday as 7", "0 12 * * 7", "UTC", "2026-03-27T00:00:00Z", "2026-04-06T00:00:00Z",
		[]string{"2026-03-29T12:00:00Z", "2026-04-05T12:00:00Z"}},
	{"friday to sunday 5-7", "0 12 * * 5-7", "UTC", "2026-03-26T13:00:00Z", "2026-03-30T13:00:00Z",
		[]string{"2026-03-27T12:00:00Z", "2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"}},
	{"sun-7 names", "0 12 * * sat-7", "UTC", "2026-03-26T13:00:00Z", "2026-03-30T13:00:00Z",
		[]string{"2026-03-28T12:00:00Z", "2026-03-29T12:00:00Z"}},
	{"first of month or monday", "0 0 1 * 1", "UTC", "2026-05-29T00:00:00Z", "2026-06-09T00:00:00Z",
		[]string{"2026-06-01T00:00:00Z" /* a Monday and the 1st */, "2026-06-08T00:00:00Z"}},
	// A step on "*" is still a "*" field to cron(8): the 1st, 11th, 21st and 31st that are Mondays.
	{"step on star dom and monday", "0 0 */10 * 1", "UTC", "2026-05-31T00:00:00Z", "2026-06-30T00:00:00Z",
		[]string{"2026-06-01T00:00:00Z"}},
}

func TestCronGolden(t *testing.T) {
	for _, tc := range cronGolden {
		t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
			s := mustSchedule(tc.expr, tc.zone)
			from, to := ts(tc.from), ts(tc.to)
			var got []string
			for at := s.Next(from); !at.IsZero() && !at.After(to); at = s.Next(at) {
				got = append(got, at.UTC().Format(time.RFC3339))
				if len(got) > 100 {
					break
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.ticks, " ") {
				t.Fatalf("%q in %s, ticks in (%s, %s]:\n got %q\nwant %q", tc.expr, tc.zone, tc.from, tc.to, got, tc.ticks)
			}
			// Prev, the question the planner asks, agrees with Next: the last
			// tick at or before each tick is itself, and just before it, the
			// tick before.
			prev := s.Prev(from)
			for _, want := range tc.ticks {
				at := ts(want)
				if p := s.Prev(at); !p.Equal(at) {
					t.Errorf("Prev(%s) = %s, want the tick itself", want, p.UTC().Format(time.RFC3339))
				}
				if p := s.Prev(at.Add(-time.Second)); !p.Equal(prev) {
					t.Errorf("Prev(%s - 1s) = %s, want %s", want, p.UTC().Format(time.RFC3339), prev.UTC().Format(time.RFC3339))
				}
				prev = at
			}
			if p := s.Prev(to); !p.Equal(prev) {
				t.Errorf("Prev(%s) = %s, want %s", tc.to, p.UTC().Format(time.RFC3339), prev.UTC().Format(time.RFC3339))
			}
		})
	}
}

// TestCronNextPrevAgree walks every tick of 2026 in zones with odd offsets
// and transitions and checks that Prev, which the planner asks, sees the
// same ticks as Next, and that ticks only move forward.
func TestCronNextPrevAgree(t *testing.T) {
	zones := []string{"Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata", "America/St_Johns", "Pacific/Chatham"}
	exprs := []string{"0 2 * * *", "30 1 * * *", "*/20 * * * *", "0 * * * *", "15 2 * * 0", "45 2,3 1-7 * 7"}
	from, to := ts("2026-01-01T00:00:00Z"), ts("2027-01-01T00:00:00Z")
	for _, zone := range zones {
		for _, expr := range exprs {
			s := mustSchedule(expr, zone)
			prev, n := s.Prev(from), 0
			for at := s.Next(from); !at.After(to); at = s.Next(at) {
				if at.IsZero() || !at.After(prev) || n > 40000 {
					t.Fatalf("%q in %s: tick %s after %s", expr, zone, at, prev)
				}
				if p := s.Prev(at); !p.Equal(at) {
					t.Fatalf("%q in %s: Prev(%s) = %s", expr, zone, at, p)
				}
				if p := s.Prev(at.Add(-time.Second)); !p.Equal(prev) {
					t.Fatalf("%q in %s: Prev(%s - 1s) = %s, want %s", expr, zone, at, p, prev)
				}
				prev, n = at, n+1
			}
			// A fixed-time daily job runs once a day, DST days included.
			if (expr == "0 2 * * *" || expr == "30 1 * * *") && n != 365 {
				t.Errorf("%q in %s ticks %d times in 2026, want 365", expr, zone, n)
			}
		}
	}
}

package spec

import (
	"strings"
	"testing"
	"time"
)

func TestParseScheduleFields(t *testing.T) {
	for _, tc := range []struct {
		expr    string
		dow     uint64 // want these weekday bits (Sunday 0)
		wild    bool
		wantErr string
	}{
		{expr: "0 12 * * 7", dow: 1 << 0},
		{expr: "0 12 * * 0", dow: 1 << 0},
		{expr: "0 12 * * 5-7", dow: 1<<5 | 1<<6 | 1<<0},
		{expr: "0 12 * * 1-7/2", dow: 1<<1 | 1<<3 | 1<<5 | 1<<0},
		{expr: "0 12 * * sat-7", dow: 1<<6 | 1<<0},
		{expr: "0 12 * * mon,7", dow: 1<<1 | 1<<0},
		{expr: "*/15 2 * * *", dow: 0x7f, wild: true},
		{expr: "0 * * * *", dow: 0x7f, wild: true},
		{expr: "@hourly", dow: 0x7f, wild: true},
		{expr: "@daily", dow: 0x7f},
		{expr: "0 12 * * 8", wantErr: "above maximum"},
		{expr: "0 12 * * 7-1", wantErr: "beyond end"},
		{expr: "0 2 * *", wantErr: "5 fields"},
		{expr: "CRON_TZ=Europe/Zurich 0 2 * * *", wantErr: "timezone attribute"},
		{expr: "@reboot", wantErr: "invalid schedule"},
	} {
		s, err := ParseSchedule(tc.expr, time.UTC)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseSchedule(%q) error = %v, want one saying %q", tc.expr, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tc.expr, err)
			continue
		}
		if s.dow != tc.dow || s.wild != tc.wild {
			t.Errorf("ParseSchedule(%q): dow %07b wild %v, want %07b %v", tc.expr, s.dow, s.wild, tc.dow, tc.wild)
		}
	}
}

func TestScheduleNeverFiring(t *testing.T) {
	s, err := ParseSchedule("0 0 30 2 *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if n, p := s.Next(from), s.Prev(from); !n.IsZero() || !p.IsZero() {
		t.Errorf("30 February ticks: next %v, prev %v", n, p)
	}
	leap, _ := ParseSchedule("0 0 29 2 *", time.UTC)
	if got, want := leap.Next(time.Date(2097, 1, 1, 0, 0, 0, 0, time.UTC)), time.Date(2104, 2, 29, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("29 February after 2097: %v, want %v (2100 is no leap year)", got, want)
	}
}

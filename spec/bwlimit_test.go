package spec

import (
	"testing"
	"time"
)

func TestDestinationBwLimit(t *testing.T) {
	src := `
destination "d" {
  remote  = "/d"
  bwlimit = "08:00,512k 19:00,10M 23:00,off"
}
tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}
`
	cfg, diags := loadSrc(t, src, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	tt := cfg.Destination("d").BwLimit.Timetable
	at := func(h int) int64 {
		return int64(tt.LimitAt(time.Date(2026, 11, 21, h, 30, 0, 0, time.Local)).Bandwidth.Tx)
	}
	if len(tt) == 0 || at(9) != 512<<10 || at(20) != 10<<20 || at(23) > 0 || at(7) > 0 {
		t.Errorf("bwlimit = %v: 09:30 %d, 20:30 %d, 23:30 %d, 07:30 %d", tt, at(9), at(20), at(23), at(7))
	}
	if cfg, _ := loadSrc(t, minimal, LoadOptions{}); cfg.Destination("d").BwLimit != nil {
		t.Error("a destination without bwlimit has one")
	}
}

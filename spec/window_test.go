package spec

import (
	"strings"
	"testing"
	"time"
)

// TestWindowDecodes: a window is read in the application's timezone (UTC
// without one), and a malformed one is a diagnostic on its value.
func TestWindowDecodes(t *testing.T) {
	cfg, diags := loadSrc(t, `
destination "d" { remote = "/d" }
tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}
application "a" {
  timezone = "Europe/Zurich"
  window   = "22:00-06:00"
  source { paths = ["/srv/a"] }
}
application "b" {
  window = "01:30-02:00"
  source { paths = ["/srv/b"] }
}
`, LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	a, b := cfg.Application("a").Window, cfg.Application("b").Window
	if a == nil || a.Location.String() != "Europe/Zurich" || a.Start != 22*60 || a.End != 6*60 {
		t.Errorf("window of a = %+v, want 22:00-06:00 in Europe/Zurich", a)
	}
	if b == nil || b.Location != time.UTC || b.Start != 90 || b.End != 120 {
		t.Errorf("window of b = %+v, want 01:30-02:00 in UTC", b)
	}

	_, diags = loadSrc(t, `
destination "d" { remote = "/d" }
tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}
application "a" {
  window = "22:00-24:00"
  source { paths = ["/srv/a"] }
}
`, LoadOptions{})
	if len(diags) != 1 || diags[0].Summary != "Invalid window" {
		t.Fatalf("diagnostics %v, want one Invalid window", diags)
	}
	d := diags[0]
	if r := d.Subject; r == nil || r.Start.Line != 8 || r.Start.Column != 12 || r.End.Column != 25 {
		t.Errorf("subject %v, want line 8, columns 12-25 (the value)", d.Subject)
	}
	if !strings.Contains(d.Detail, `"24:00" is not a time of day as HH:MM`) {
		t.Errorf("detail %q does not name the bad time", d.Detail)
	}
}

// TestWindowOpen covers a window within a day, one crossing midnight, and
// the next opening across a clock change.
func TestWindowOpen(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	night, _ := ParseWindow("22:00-06:00", time.UTC)
	for s, want := range map[string]bool{
		"2026-11-20T21:59:59Z": false, "2026-11-20T22:00:00Z": true, "2026-11-21T00:00:00Z": true,
		"2026-11-21T05:59:59Z": true, "2026-11-21T06:00:00Z": false, "2026-11-21T12:00:00Z": false,
	} {
		if got := night.Open(at(s)); got != want {
			t.Errorf("22:00-06:00 open at %s = %v, want %v", s, got, want)
		}
	}
	zurich, _ := time.LoadLocation("Europe/Zurich")
	// 02:30 does not exist on 2026-03-29 in Zurich: the window opens at the jump.
	w, _ := ParseWindow("02:30-04:00", zurich)
	if got, want := w.NextOpen(at("2026-03-28T23:00:00Z")), at("2026-03-29T01:00:00Z"); !got.Equal(want) {
		t.Errorf("NextOpen over spring forward = %s, want %s", got, want)
	}
}

package spec

import (
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1048576": 1 << 20, "1B": 1, "1GiB": 1 << 30, "10GiB": 10 << 30,
		"1G": 1 << 30, "1.5G": 3 << 29, "1g": 1 << 30, "2Ki": 2048, "64 MiB": 64 << 20,
		"500MB": 500e6, "1KB": 1000, "1TB": 1e12, "1TiB": 1 << 40, "1P": 1 << 50,
	}
	for s, want := range good {
		if got, err := ParseSize(s); got != want || err != nil {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "G", "-1", "1XB", "1.G", "1e3", "99999999999P", "1 G B"} {
		if got, err := ParseSize(s); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", s, got)
		}
	}
}

func TestParseDuration(t *testing.T) {
	day := 24 * time.Hour
	good := map[string]time.Duration{
		"7d": 7 * day, "30d": 30 * day, "12h": 12 * time.Hour, "90m": 90 * time.Minute,
		"2w": 14 * day, "1y": 365 * day, "1h30m": 90 * time.Minute, "0": 0,
	}
	for s, want := range good {
		if got, err := ParseDuration(s); got != want || err != nil {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "d", "7", "-1h", "-7d", "1.5d", "3 days", "99999999999y"} {
		if got, err := ParseDuration(s); err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", s, got)
		}
	}
}

func TestSizeAttributes(t *testing.T) {
	cfg := mustLoad(t, minimal+`
destination "s" {
  remote    = "/s"
  split     = 4096
  min_free  = "1.5G"
  transfers = 8
}`, LoadOptions{})
	s := cfg.Destination("s")
	if s.Split != 4096 || s.MinFree != 3<<29 || s.Transfers != 8 {
		t.Errorf("destination = %+v", s)
	}
}

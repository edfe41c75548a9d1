package spec

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var sizeRe = regexp.MustCompile(`^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$`)

// sizeUnits follows rclone: a bare letter (K, M, G, …) and the binary
// forms (Ki, KiB, …) are powers of 1024; the forms ending in B without i
// (KB, MB, GB, …) are powers of 1000. B or no unit means bytes.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gi": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "ti": 1 << 40, "tib": 1 << 40, "tb": 1e12,
	"p": 1 << 50, "pi": 1 << 50, "pib": 1 << 50, "pb": 1e15,
}

// ParseSize parses a size such as "1GiB", "500MB", "1.5G" or "1048576"
// into bytes. K, M, G, T, P and KiB, MiB, … are 1024-based (as in rclone);
// KB, MB, GB, TB, PB are 1000-based. A fraction of a byte is dropped.
func ParseSize(s string) (int64, error) {
	m := sizeRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("invalid size %q: want a number of bytes, optionally with a unit such as KiB, MiB, GiB, MB or GB", s)
	}
	unit, ok := sizeUnits[strings.ToLower(m[2])]
	if !ok {
		return 0, fmt.Errorf("invalid size %q: unknown unit %q (use B, KiB, MiB, GiB, TiB, PiB, K, M, G, T, P, KB, MB, GB, TB or PB)", s, m[2])
	}
	n, err := strconv.ParseFloat(m[1], 64)
	if err != nil || n*unit >= math.MaxInt64 {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return int64(n * unit), nil
}

var durationRe = regexp.MustCompile(`^([0-9]+)([dwy])$`)

var durationUnits = map[string]time.Duration{
	"d": 24 * time.Hour,
	"w": 7 * 24 * time.Hour,
	"y": 365 * 24 * time.Hour,
}

// ParseDuration parses a duration: a whole number of days ("30d"), weeks
// ("2w") or 365-day years ("1y"), or anything time.ParseDuration accepts
// ("12h", "90m", "1h30m"). Negative durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if m := durationRe.FindStringSubmatch(s); m != nil {
		unit := durationUnits[m[2]]
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || n > int64(math.MaxInt64/unit) {
			return 0, fmt.Errorf("invalid duration %q: too large", s)
		}
		return time.Duration(n) * unit, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: want for example 90m, 12h, 7d, 2w or 1y", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	return d, nil
}

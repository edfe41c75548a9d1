package main

import (
	"testing"
	"time"
)

// TestProgressText: a person reads bytes done of the total, the percentage,
// the rate and the time left.
func TestProgressText(t *testing.T) {
	for _, tc := range []struct {
		done, total int64
		elapsed     time.Duration
		want        string
	}{
		{0, 2 << 30, 0, "snap: 0 B of 2.0 GiB (0%)"},
		{512 << 20, 2 << 30, 4 * time.Second, "snap: 512 MiB of 2.0 GiB (25%), 128 MiB/s, 12.0s left"},
		{1 << 30, 1 << 30, 2 * time.Minute, "snap: 1.0 GiB of 1.0 GiB (100%), 8.5 MiB/s"},
		{3 << 20, 0, 3 * time.Second, "snap: 3.0 MiB, 1.0 MiB/s"},
		{1 << 20, 1 << 30, time.Second, "snap: 1.0 MiB of 1.0 GiB (0%), 1.0 MiB/s, 17m3s left"},
	} {
		if got := progressText("snap", tc.done, tc.total, tc.elapsed); got != tc.want {
			t.Errorf("progressText(%d, %d, %v) = %q, want %q", tc.done, tc.total, tc.elapsed, got, tc.want)
		}
	}
}

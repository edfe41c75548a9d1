package providers

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/rclone/rclone/fs"
	"golang.org/x/time/rate"
)

func timetable(t *testing.T, s string) fs.BwTimetable {
	t.Helper()
	var tt fs.BwTimetable
	if err := tt.Set(s); err != nil {
		t.Fatal(err)
	}
	return tt
}

func at(h, m int) time.Time { return time.Date(2026, 11, 21, h, m, 0, 0, time.Local) }

// The bwlimit of a store's configuration reaches its limiter, and the
// limiter follows the timetable: the rate it is set to is the timetable's
// at the time it is asked.
func TestStoreLimiterFollowsTimetable(t *testing.T) {
	st, err := Open(context.Background(), Config{Name: "slow", Remote: t.TempDir(), BwLimit: timetable(t, "08:00,512k 19:00,10M 23:00,off")})
	if err != nil {
		t.Fatal(err)
	}
	l := WriteLimit(st)
	for _, c := range []struct {
		h, m int
		want int64 // 0: unlimited
	}{{9, 30, 512 << 10}, {19, 0, 10 << 20}, {23, 30, 0}, {7, 59, 0}, {8, 0, 512 << 10}} {
		l.now = func() time.Time { return at(c.h, c.m) }
		lim, burst := l.current()
		want := rate.Limit(c.want)
		if c.want == 0 {
			want = rate.Inf
		}
		if lim.Limit() != want || (c.want > 0) != (burst > 0) {
			t.Errorf("at %02d:%02d the limiter is set to %v (burst %d), want %v", c.h, c.m, lim.Limit(), burst, want)
		}
	}
	if other, _ := Open(context.Background(), Config{Name: "fast", Remote: t.TempDir()}); WriteLimit(other) != nil {
		t.Error("a store without bwlimit has a limiter")
	}
}

// A write through a limit completes with every byte; a write waiting for
// its rate ends when its context is cancelled.
func TestLimitedWrite(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, Config{Name: "limited", Remote: t.TempDir(), BwLimit: timetable(t, "64M")})
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("strata bwlimit "), 1<<16) // ~1 MiB
	if n, err := st.Write(ctx, "a/blob", bytes.NewReader(data), int64(len(data))); err != nil || n != int64(len(data)) {
		t.Fatalf("write: %d bytes, %v", n, err)
	}
	rc, err := st.Open(ctx, "a/blob")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes (%v), want the %d written", len(got), err, len(data))
	}

	slow := NewLimiter(timetable(t, "16k"))
	cctx, cancel := context.WithCancel(ctx)
	r := slow.Reader(cctx, &cancelAfterRead{r: bytes.NewReader(data), cancel: cancel})
	if _, err := io.Copy(io.Discard, r); !errors.Is(err, context.Canceled) {
		t.Errorf("a limited read after cancel: %v, want context.Canceled", err)
	}
}

// cancelAfterRead cancels its context once it has been read from.
type cancelAfterRead struct {
	r      io.Reader
	cancel func()
}

func (c *cancelAfterRead) Read(b []byte) (int, error) {
	defer c.cancel()
	return c.r.Read(b)
}

package providers

import (
	"context"
	"io"
	"sync"
	"time"

	"github.com/rclone/rclone/fs"
	"golang.org/x/time/rate"
)

// Why strata limits writes itself: rclone's --bwlimit is one token bucket
// per process (accounting.TokenBucket), started from the global
// fs.ConfigInfo.BwLimit and applied only to transfers that go through
// rclone's accounting (operations.Copy and friends). A per-context
// ConfigInfo does not give a destination a bucket of its own, and a
// Store writes with Fs.Put, outside accounting. So each store with a
// bwlimit gets a Limiter of its own, following rclone's timetable.

// minBurst is the smallest burst of a limiter: the most bytes a read
// passes at once at a low rate.
const minBurst = 16 << 10

// Limiter limits the rate of the writes to one store, following a
// timetable (rclone's --bwlimit syntax); every write to the store shares
// it. It is safe for concurrent use.
type Limiter struct {
	tt  fs.BwTimetable
	now func() time.Time

	mu   sync.Mutex
	lim  *rate.Limiter
	rate int64 // the rate lim is set to; <= 0 unlimited
}

// NewLimiter returns a limiter following tt; nil (no limit) when tt is empty.
func NewLimiter(tt fs.BwTimetable) *Limiter {
	if len(tt) == 0 {
		return nil
	}
	return &Limiter{tt: tt, now: time.Now, lim: rate.NewLimiter(rate.Inf, minBurst)}
}

// RateAt is the limit at t in bytes per second; ok is false when writes
// are unlimited then ("off", or no limiter).
func (l *Limiter) RateAt(t time.Time) (bytesPerSecond int64, ok bool) {
	if l == nil {
		return 0, false
	}
	r := int64(l.tt.LimitAt(t).Bandwidth.Tx)
	return r, r > 0
}

// current sets the rate limiter to the timetable's rate now and returns
// it with its burst; burst 0 means unlimited.
func (l *Limiter) current() (*rate.Limiter, int) {
	r, ok := l.RateAt(l.now())
	l.mu.Lock()
	defer l.mu.Unlock()
	if !ok {
		r = 0
	}
	if r != l.rate {
		l.rate = r
		if ok {
			l.lim.SetBurst(int(max(r, minBurst)))
			l.lim.SetLimit(rate.Limit(r))
		} else {
			l.lim.SetLimit(rate.Inf)
		}
	}
	if !ok {
		return l.lim, 0
	}
	return l.lim, l.lim.Burst()
}

// Reader limits the reads of r to the limiter's rate; r itself when l is
// nil. A wait ends when ctx is done.
func (l *Limiter) Reader(ctx context.Context, r io.Reader) io.Reader {
	if l == nil {
		return r
	}
	return &limitedReader{ctx: ctx, r: r, l: l}
}

type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *Limiter
}

func (lr *limitedReader) Read(b []byte) (int, error) {
	lim, burst := lr.l.current()
	if burst > 0 && len(b) > burst {
		b = b[:burst]
	}
	n, err := lr.r.Read(b)
	if burst > 0 {
		if werr := wait(lr.ctx, lim, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

// wait takes n tokens, in pieces no larger than the burst (which another
// reader may have lowered meanwhile, at a change of the timetable).
func wait(ctx context.Context, lim *rate.Limiter, n int) error {
	for n > 0 {
		k := min(n, max(lim.Burst(), 1))
		if err := lim.WaitN(ctx, k); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// WriteLimit is the limiter of the writes to s (nil: unlimited).
func WriteLimit(s Store) *Limiter {
	if st, ok := s.(*store); ok {
		return st.limit
	}
	return nil
}

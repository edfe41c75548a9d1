package executor

import (
	"io"
	"sync/atomic"
	"time"
)

// progressCounter counts the bytes an action moves and reports them as
// EventProgress at most ten times a second.
type progressCounter struct {
	e     *Executor
	res   *Result
	n     atomic.Int64
	last  atomic.Int64 // unix nanos of the last event
	every time.Duration
}

func (e *Executor) progress(res *Result) *progressCounter {
	return &progressCounter{e: e, res: res, every: 100 * time.Millisecond}
}

func (p *progressCounter) add(n int) {
	total := p.n.Add(int64(n))
	now := time.Now().UnixNano()
	last := p.last.Load()
	if now-last < int64(p.every) || !p.last.CompareAndSwap(last, now) {
		return
	}
	p.e.emit(Event{Kind: EventProgress, Result: p.res, Bytes: total})
}

func (p *progressCounter) wrap(r io.Reader) io.Reader { return &countingReader{r: r, p: p} }

type countingReader struct {
	r io.Reader
	p *progressCounter
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	if n > 0 {
		c.p.add(n)
	}
	return n, err
}

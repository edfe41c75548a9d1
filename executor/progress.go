package executor

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
)

// expected is the bytes an action is expected to move, for its progress: a
// snapshot's source as the plan measured it (for the free-space check) or
// else as a stat-only walk measures it, the size of the copy a transfer,
// repair or verification reads. 0 when unknown.
func (e *Executor) expected(ctx context.Context, res *Result) int64 {
	a := res.Action
	if a.Kind == planner.Move {
		return 0 // nothing passes through strata
	}
	if a.Kind != planner.Snapshot || a.Bytes > 0 {
		return a.Bytes
	}
	if a.Input == nil {
		return 0
	}
	sum, err := snapshot.Measure(ctx, snapshot.Source{Paths: a.Input.Paths, Exclude: a.Input.Exclude})
	if err != nil {
		return 0 // the snapshot itself says what is wrong
	}
	return sum.Bytes
}

// progressCounter counts the bytes an action moves and reports them as
// EventProgress at most ten times a second.
type progressCounter struct {
	e     *Executor
	res   *Result
	n     atomic.Int64
	last  atomic.Int64 // unix nanos of the last event
	every time.Duration
	total int64 // Event.Total; set before the action moves any byte
}

func (e *Executor) progress(res *Result) *progressCounter {
	return &progressCounter{e: e, res: res, every: 100 * time.Millisecond, total: res.expected}
}

func (p *progressCounter) add(n int) {
	total := p.n.Add(int64(n))
	now := time.Now().UnixNano()
	last := p.last.Load()
	if now-last < int64(p.every) || !p.last.CompareAndSwap(last, now) {
		return
	}
	p.e.emit(Event{Kind: EventProgress, Result: p.res, Bytes: total, Total: p.total})
}

// start reports that the action is under way with nothing moved yet, for
// a total that became known after EventStart.
func (p *progressCounter) start() {
	p.last.Store(time.Now().UnixNano())
	p.e.emit(Event{Kind: EventProgress, Result: p.res, Bytes: 0, Total: p.total})
}

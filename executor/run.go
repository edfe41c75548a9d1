package executor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Status is the outcome of one action.
type Status int

// The outcomes of an action.
const (
	Pending Status = iota
	Done
	Failed
	Skipped    // a dependency failed or was skipped
	NotStarted // the apply was cancelled before it started
	Cancelled  // the apply was cancelled while it ran; what it wrote was removed
)

func (s Status) String() string {
	return [...]string{"pending", "done", "failed", "skipped", "not started", "cancelled"}[s]
}

// MarshalText implements encoding.TextMarshaler.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Result is what happened to one action.
type Result struct {
	Action   planner.Action `json:"action"`
	Status   Status         `json:"status"`
	Error    string         `json:"error,omitempty"`
	Snapshot string         `json:"snapshot,omitempty"` // the ID the action worked on
	Bytes    int64          `json:"bytes,omitempty"`
	Detail   string         `json:"detail,omitempty"`
	// Cached is, for a snapshot, the source bytes of unchanged large files
	// passed on along their chunks in the file cache: read and hashed, not
	// cut, compressed or stored again.
	Cached int64 `json:"cached,omitempty"`
	// Warnings of a snapshot: what it left out or kept imperfectly, by path.
	Warnings []string `json:"warnings,omitempty"`
	// GC is what a gc action found and did (gc only).
	GC *GCResult `json:"gc,omitempty"`
	// Check is the restore test's outcome (check only): a failed check is
	// a done action whose Check says failed, with a warning.
	Check    *CheckMark    `json:"check,omitempty"`
	Duration time.Duration `json:"-"`
	// expected is the bytes the action is expected to move (see Event.Total).
	expected int64
}

// Report is the outcome of a whole apply, in plan order.
type Report struct {
	Results []*Result `json:"results"`
}

// Count returns how many actions ended with status s.
func (r *Report) Count(s Status) int {
	n := 0
	for _, res := range r.Results {
		if res.Status == s {
			n++
		}
	}
	return n
}

// OK reports whether every action succeeded.
func (r *Report) OK() bool { return r.Count(Done) == len(r.Results) }

// Event tells the caller about progress.
type Event struct {
	Kind   EventKind
	Result *Result // the action's result so far
	Bytes  int64   // EventProgress: bytes moved so far by this action
	// Total is the bytes the action is expected to move, 0 when unknown
	// (EventStart, EventProgress): for a snapshot the source bytes its walk
	// found before it started (plus its hooks' output, once they ran), for
	// a transfer or repair the snapshot's size. Bytes counts the same
	// bytes: source bytes read for a snapshot, stored bytes copied for a
	// transfer.
	Total int64
}

// EventKind says what an Event is about.
type EventKind int

// The kinds of events.
const (
	EventStart EventKind = iota
	EventProgress
	EventEnd
)

// Options tune a run.
type Options struct {
	// Parallel bounds how many actions run at once (default 4).
	Parallel int
	// Now gives the time a new snapshot is named after (default time.Now).
	Now func() time.Time
	// Events, when set, is called (serially) for every event.
	Events func(Event)
	// Version is recorded in manifests.
	Version string
	// Retries is how many times a transient failure is retried (default 2).
	Retries int
	// CacheDir is where snapshots keep their file cache (see FileCachePath);
	// "" is DefaultCacheDir, "off" keeps none.
	CacheDir string
	// Log, when set, gets debug messages (a file cache ignored or not
	// saved: it costs time, never correctness).
	Log *slog.Logger
}

// Executor runs plans against opened stores.
type Executor struct {
	stores Stores
	opts   Options
	host   string
	evMu   sync.Mutex

	checkedMu sync.Mutex
	checked   map[string]*snapshot.ChunkSet // by destination: chunks read and found good in this run
	own       map[string]map[string]bool    // by destination: copies a spread leaves alone (see noteOwn)
	spreadIDs map[string]*snapshot.ChunkSet // by destination: bad chunks spread looked for (see spread)
	spreading chan struct{}                 // one spread at a time
}

// New returns an Executor over opened stores. What it does comes from the
// plan given to Run alone: it never reads the configuration.
func New(stores Stores, opts Options) *Executor {
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Retries == 0 {
		opts.Retries = 2
	}
	host, _ := os.Hostname()
	return &Executor{stores: stores, opts: opts, host: host, spreading: make(chan struct{}, 1)}
}

func (e *Executor) emit(ev Event) {
	if e.opts.Events == nil {
		return
	}
	e.evMu.Lock()
	defer e.evMu.Unlock()
	e.opts.Events(ev)
}

// Run executes the plan's DAG. Actions start in plan order as soon as their
// dependencies are done, at most Parallel at once (so Parallel 1 is fully
// deterministic); an action whose dependency did not succeed is skipped;
// after ctx is cancelled no action starts. It returns when every action has
// an outcome.
func (e *Executor) Run(ctx context.Context, p *planner.Plan) *Report {
	e.willVerifyActions(p)
	d := newDAG(p)
	rep := &Report{Results: d.results}
	finished := make(chan int)
	running := 0
	for {
		for running < e.opts.Parallel && ctx.Err() == nil {
			i, ok := d.next()
			if !ok {
				break
			}
			if dep := d.failedDep(i); dep != "" {
				d.results[i].Status, d.results[i].Error = Skipped, fmt.Sprintf("skipped because %s did not succeed", dep)
				e.emit(Event{Kind: EventEnd, Result: d.results[i]})
				d.finish(i)
				continue
			}
			running++
			go func() { e.runOne(ctx, d.results[i], d.byKey); finished <- i }()
		}
		if running == 0 {
			break
		}
		d.finish(<-finished)
		running--
	}
	d.markNotStarted()
	return rep
}

// willVerifyActions notes the copies p's verify actions check (those
// stored already): a spread from another verification leaves them to
// their own (see WillVerify).
func (e *Executor) willVerifyActions(p *planner.Plan) {
	for _, a := range p.Actions {
		if a.Kind == planner.Verify && a.Dir != "" {
			e.noteOwn(a.Location.Destination, a.Dir, true)
		}
	}
}

// dag tracks which actions are ready to run.
type dag struct {
	results    []*Result
	byKey      map[string]*Result
	index      map[string]int
	waiting    []int   // unfinished dependencies per action
	dependents [][]int // actions waiting on each action
	ready      []int   // sorted by plan order
}

func newDAG(p *planner.Plan) *dag {
	n := len(p.Actions)
	d := &dag{results: make([]*Result, n), byKey: map[string]*Result{}, index: map[string]int{},
		waiting: make([]int, n), dependents: make([][]int, n)}
	for i, a := range p.Actions {
		d.results[i] = &Result{Action: a, Snapshot: a.Snapshot}
		d.byKey[a.Key], d.index[a.Key] = d.results[i], i
	}
	for i, a := range p.Actions {
		for _, dep := range a.DependsOn {
			if j, ok := d.index[dep]; ok {
				d.waiting[i]++
				d.dependents[j] = append(d.dependents[j], i)
			}
		}
		if d.waiting[i] == 0 {
			d.ready = append(d.ready, i)
		}
	}
	return d
}

func (d *dag) next() (int, bool) {
	if len(d.ready) == 0 {
		return 0, false
	}
	i := d.ready[0]
	d.ready = d.ready[1:]
	return i, true
}

func (d *dag) failedDep(i int) string {
	for _, dep := range d.results[i].Action.DependsOn {
		if r := d.byKey[dep]; r != nil && r.Status != Done {
			return dep
		}
	}
	return ""
}

func (d *dag) finish(i int) {
	for _, j := range d.dependents[i] {
		if d.waiting[j]--; d.waiting[j] == 0 {
			d.ready = append(d.ready, j)
			sort.Ints(d.ready)
		}
	}
}

func (d *dag) markNotStarted() {
	for _, r := range d.results {
		if r.Status == Pending {
			r.Status, r.Error = NotStarted, "not started: apply was interrupted"
		}
	}
}

func (e *Executor) runOne(ctx context.Context, res *Result, byKey map[string]*Result) {
	if res.Snapshot == "" {
		res.Snapshot = inheritedID(res.Action, byKey)
	}
	res.expected = e.expected(ctx, res)
	e.emit(Event{Kind: EventStart, Result: res, Total: res.expected})
	start := time.Now()
	err := e.withRetries(ctx, res)
	res.Duration = time.Since(start)
	switch {
	case err != nil && ctx.Err() != nil:
		res.Status, res.Error = Cancelled, "cancelled: apply was interrupted; what it had written was removed"
	case err != nil:
		res.Status, res.Error = Failed, err.Error()
	default:
		res.Status = Done
	}
	e.emit(Event{Kind: EventEnd, Result: res})
}

// inheritedID takes the snapshot ID of a pending copy from the action that
// produced it upstream (a new snapshot or a transfer of it).
func inheritedID(a planner.Action, byKey map[string]*Result) string {
	for _, dep := range a.DependsOn {
		d := byKey[dep]
		if d == nil || d.Action.App != a.App || d.Snapshot == "" {
			continue
		}
		switch d.Action.Kind {
		case planner.Snapshot, planner.Transfer, planner.Repair:
			return d.Snapshot
		}
	}
	return ""
}

func (e *Executor) withRetries(ctx context.Context, res *Result) error {
	var err error
	for attempt := 0; attempt <= e.opts.Retries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt*attempt) * time.Second):
			case <-ctx.Done():
				return err
			}
		}
		err = e.dispatch(ctx, res)
		if err == nil || ctx.Err() != nil || !retryable(err) {
			return err
		}
	}
	return err
}

// permanent marks errors that retrying cannot fix (digest mismatches, hooks).
type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

func retryable(err error) bool {
	var p permanent
	if errors.As(err, &p) {
		return false
	}
	return providers.IsRetryable(err)
}

func (e *Executor) dispatch(ctx context.Context, res *Result) error {
	switch res.Action.Kind {
	case planner.Snapshot:
		return e.snapshot(ctx, res)
	case planner.Transfer, planner.Repair:
		return e.transfer(ctx, res)
	case planner.Verify:
		return e.verify(ctx, res)
	case planner.Purge:
		return e.purge(ctx, res)
	case planner.Cleanup:
		return e.cleanup(ctx, res)
	case planner.Move:
		return e.move(ctx, res)
	case planner.GC:
		return e.gc(ctx, res)
	case planner.Standby:
		return e.standby(ctx, res)
	case planner.Check:
		return e.runCheck(ctx, res)
	}
	return fmt.Errorf("unknown action %v", res.Action.Kind)
}

func (e *Executor) store(name string) (providers.Store, error) {
	s := e.stores[name]
	if s == nil {
		return nil, fmt.Errorf("destination %q is not open", name)
	}
	return s, nil
}

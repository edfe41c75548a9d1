package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/spec"
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
)

func (s Status) String() string {
	return [...]string{"pending", "done", "failed", "skipped", "not started"}[s]
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
	Duration time.Duration  `json:"-"`
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
}

// Executor runs plans against opened stores.
type Executor struct {
	cfg    *spec.Config
	stores Stores
	opts   Options
	host   string
	evMu   sync.Mutex
}

// New returns an Executor for cfg over stores.
func New(cfg *spec.Config, stores Stores, opts Options) *Executor {
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
	return &Executor{cfg: cfg, stores: stores, opts: opts, host: host}
}

func (e *Executor) emit(ev Event) {
	if e.opts.Events == nil {
		return
	}
	e.evMu.Lock()
	defer e.evMu.Unlock()
	e.opts.Events(ev)
}

// Run executes the plan's DAG. Every action runs once its dependencies are
// done; an action whose dependency failed is skipped; after ctx is cancelled
// no action starts. It returns when every action has an outcome.
func (e *Executor) Run(ctx context.Context, p *planner.Plan) *Report {
	rep := &Report{Results: make([]*Result, len(p.Actions))}
	done := make(map[string]chan struct{}, len(p.Actions))
	byKey := make(map[string]*Result, len(p.Actions))
	for i, a := range p.Actions {
		rep.Results[i] = &Result{Action: a, Snapshot: a.Snapshot}
		done[a.Key] = make(chan struct{})
		byKey[a.Key] = rep.Results[i]
	}
	sem := make(chan struct{}, e.opts.Parallel)
	var wg sync.WaitGroup
	for _, res := range rep.Results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(done[res.Action.Key])
			e.runOne(ctx, res, byKey, done, sem)
		}()
	}
	wg.Wait()
	return rep
}

func (e *Executor) runOne(ctx context.Context, res *Result, byKey map[string]*Result, done map[string]chan struct{}, sem chan struct{}) {
	for _, dep := range res.Action.DependsOn {
		if ch, ok := done[dep]; ok {
			<-ch
		}
		if d := byKey[dep]; d != nil && d.Status != Done {
			res.Status, res.Error = Skipped, fmt.Sprintf("skipped because %s did not succeed", dep)
			e.emit(Event{Kind: EventEnd, Result: res})
			return
		}
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		res.Status, res.Error = NotStarted, "not started: apply was interrupted"
		return
	}
	defer func() { <-sem }()
	if ctx.Err() != nil {
		res.Status, res.Error = NotStarted, "not started: apply was interrupted"
		return
	}
	if res.Snapshot == "" {
		res.Snapshot = inheritedID(res.Action, byKey)
	}
	e.emit(Event{Kind: EventStart, Result: res})
	start := time.Now()
	err := e.withRetries(ctx, res)
	res.Duration = time.Since(start)
	if err != nil {
		res.Status, res.Error = Failed, err.Error()
	} else {
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

package reconcile

import (
	"time"

	"github.com/stratabackup/strata/executor"
)

// NowStatus is the pass in progress: nil in the status while the loop
// sleeps.
type NowStatus struct {
	Started time.Time `json:"started"`
	Why     string    `json:"why"`
	// Step is the step running: load, list, plan, apply, verify, record.
	Step string `json:"step"`
	// Detail says more about the step, in a line ("2 of 5 copies checked").
	Detail string `json:"detail,omitempty"`
	// Request is the request the pass serves, if any.
	Request *RequestStatus `json:"request,omitempty"`
	// TotalActions is the number of actions of the apply under way (0
	// before it starts); Actions those started so far, in start order.
	TotalActions int              `json:"total_actions"`
	Actions      []ActionProgress `json:"actions"`
}

// ActionProgress is one action of the apply in progress.
type ActionProgress struct {
	Key      string `json:"key"`
	Kind     string `json:"action"`
	App      string `json:"app,omitempty"`
	Location string `json:"location"`
	Snapshot string `json:"snapshot,omitempty"`
	// State is running, then the executor's outcome (done, failed, skipped).
	State   string    `json:"state"`
	Started time.Time `json:"started"`
	// Bytes moved so far of Total expected (0 when unknown); the rate since
	// the start and the time left at that rate (0 when unknown).
	Bytes          int64   `json:"bytes"`
	Total          int64   `json:"total"`
	BytesPerSecond float64 `json:"bytes_per_second"`
	ETASeconds     float64 `json:"eta_seconds,omitempty"`
	Error          string  `json:"error,omitempty"`
}

// Subscribe returns a channel that receives a value after the status
// changes (changes in a burst may arrive as one), and a function that ends
// the subscription.
func (st *Status) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	st.mu.Lock()
	if st.subs == nil {
		st.subs = map[chan struct{}]struct{}{}
	}
	st.subs[ch] = struct{}{}
	st.mu.Unlock()
	return ch, func() {
		st.mu.Lock()
		delete(st.subs, ch)
		st.mu.Unlock()
	}
}

// Read runs f with the status locked, for a reader that needs more than
// one field at once (the status page). f must not keep the pointer or call
// other methods of st.
func (st *Status) Read(f func(*Status)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(st)
}

// broadcast tells every subscriber that the status changed; st.mu is held.
func (st *Status) broadcast() {
	for ch := range st.subs {
		select {
		case ch <- struct{}{}:
		default: // one is pending already
		}
	}
}

// beginPass puts a new pass into the status.
func (st *Status) beginPass(why string, req *RequestStatus) {
	st.update(func() {
		st.Now = &NowStatus{Started: time.Now().UTC(), Why: why, Actions: []ActionProgress{}, Request: req}
		if req != nil {
			req.State = "running"
		}
	})
}

// setStep records the step the pass is at.
func (st *Status) setStep(name, detail string) {
	st.update(func() {
		if st.Now != nil {
			st.Now.Step, st.Now.Detail = name, detail
		}
	})
}

// endPass takes the pass out of the status.
func (st *Status) endPass() { st.update(func() { st.Now = nil }) }

// observe records an event of the executor's run.
func (st *Status) observe(ev executor.Event, now time.Time) {
	st.update(func() {
		if st.Now == nil || ev.Result == nil {
			return
		}
		a := st.Now.action(ev, now)
		switch ev.Kind {
		case executor.EventProgress:
			a.Bytes, a.Total = ev.Bytes, max(ev.Total, a.Total)
			a.rate(now)
		case executor.EventEnd:
			a.State, a.Error = ev.Result.Status.String(), ev.Result.Error
			a.ETASeconds = 0
		}
	})
}

// action is the progress of ev's action, added when it starts.
func (n *NowStatus) action(ev executor.Event, now time.Time) *ActionProgress {
	key := ev.Result.Action.Key
	for i := range n.Actions {
		if n.Actions[i].Key == key {
			n.Actions[i].Snapshot = ev.Result.Snapshot
			return &n.Actions[i]
		}
	}
	a := ev.Result.Action
	n.Actions = append(n.Actions, ActionProgress{Key: key, Kind: a.Kind.String(), App: a.App, Location: a.Location.String(),
		Snapshot: ev.Result.Snapshot, State: "running", Started: now.UTC(), Total: ev.Total})
	return &n.Actions[len(n.Actions)-1]
}

// rate works out the rate since the start and the time left at it.
func (a *ActionProgress) rate(now time.Time) {
	secs := now.Sub(a.Started).Seconds()
	if secs <= 0 || a.Bytes == 0 {
		return
	}
	a.BytesPerSecond = float64(a.Bytes) / secs
	a.ETASeconds = 0
	if a.Total > a.Bytes {
		a.ETASeconds = float64(a.Total-a.Bytes) / a.BytesPerSecond
	}
}

// progress is the apply's progress hook: the UI's display and the status
// both see every event.
func (l *Loop) progress(n int) (func(executor.Event), func()) {
	events, done := l.o.UI.Progress(n)
	l.status.update(func() {
		if l.status.Now != nil {
			l.status.Now.TotalActions = n
		}
	})
	return func(ev executor.Event) {
		events(ev)
		l.status.observe(ev, time.Now())
	}, done
}

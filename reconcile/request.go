package reconcile

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

// RequestKind is what a person asked the loop for.
type RequestKind string

// The kinds of requests.
const (
	// RequestSnapshot asks for a snapshot of an application now, due or
	// not (planner.Options.Force), in a pass that applies the whole plan.
	RequestSnapshot RequestKind = "snapshot"
	// RequestVerify asks for every copy of an application to be re-read
	// and checked, as `strata verify APP` does, after the pass's apply.
	RequestVerify RequestKind = "verify"
	// RequestApply asks for a pass now: the current plan, applied.
	RequestApply RequestKind = "apply"
)

// Request is what a person asks the loop to do; it wakes the loop like an
// edit of the configuration does.
type Request struct {
	Kind RequestKind
	App  string // RequestSnapshot, RequestVerify: the application
}

// RequestStatus is a request and what became of it.
type RequestStatus struct {
	ID     int         `json:"id"`
	Kind   RequestKind `json:"kind"`
	App    string      `json:"app,omitempty"`
	Queued time.Time   `json:"queued"`
	// State is queued, running, done or failed.
	State    string     `json:"state"`
	Finished *time.Time `json:"finished,omitempty"`
	// Result says what the pass did for it, in a line.
	Result string `json:"result,omitempty"`
	// Warnings say what the pass could not do for it, each naming the
	// path: for a verification, a chunks.txt that could not be read or a
	// copy that could not be marked while marking the copies that share
	// a bad chunk (see VerifyOutcome).
	Warnings []string `json:"warnings,omitempty"`
}

func (r *RequestStatus) String() string {
	if r.App == "" {
		return string(r.Kind)
	}
	return fmt.Sprintf("%s %s", r.Kind, r.App)
}

// Bounds of the request queue and of the requests the status keeps.
const (
	MaxQueued    = 8
	keptRequests = 20
)

// ErrQueueFull is what Request returns when MaxQueued requests wait already.
var ErrQueueFull = errors.New("too many requests are queued already; wait for them to run")

// Request queues r for the loop's next pass (after the one running, if
// any) and returns its ID in Status.Requests. It fails when the
// application is not in the running configuration or the queue is full.
func (l *Loop) Request(r Request) (int, error) {
	if err := l.checkRequest(r); err != nil {
		return 0, err
	}
	var rs *RequestStatus
	l.status.update(func() {
		l.nextReq++
		rs = &RequestStatus{ID: l.nextReq, Kind: r.Kind, App: r.App, Queued: time.Now().UTC(), State: "queued"}
	})
	select {
	case l.requests <- rs:
	default:
		return 0, ErrQueueFull
	}
	l.status.update(func() {
		l.status.Requests = append(l.status.Requests, rs)
		if n := len(l.status.Requests); n > keptRequests {
			l.status.Requests = l.status.Requests[n-keptRequests:]
		}
	})
	return rs.ID, nil
}

func (l *Loop) checkRequest(r Request) error {
	switch r.Kind {
	case RequestApply:
		return nil
	case RequestSnapshot, RequestVerify:
	default:
		return fmt.Errorf("unknown request %q: ask for snapshot, verify or apply", r.Kind)
	}
	var known bool
	l.status.Read(func(st *Status) { known = slices.Contains(st.Config.Applications, r.App) })
	if !known {
		return fmt.Errorf("no application %q in the running configuration", r.App)
	}
	return nil
}

// planOptions are the planner's options of a pass: a requested snapshot is
// forced.
func (p *pass) planOptions() planner.Options {
	if p.req != nil && p.req.Kind == RequestSnapshot {
		return planner.Options{Force: []string{p.req.App}}
	}
	return planner.Options{}
}

// verifyStep re-reads the copies of the application a RequestVerify names.
func (l *Loop) verifyStep(ctx context.Context, p *pass) Result {
	if p.req == nil || p.req.Kind != RequestVerify {
		return proceed
	}
	out, err := Verify(ctx, p.survey, p.req.App, executor.Options{Version: l.o.Version},
		func(done, total int) { l.status.setStep("verify", fmt.Sprintf("%d of %d copies checked", done, total)) })
	if err != nil {
		return failedStep("verify", err, ctx.Err() != nil)
	}
	p.verified = &out
	l.logVerify(p.req.App, out)
	p.survey.Relist(ctx)
	return proceed
}

// logVerify logs what a requested verification of app found: the copies it
// marked for sharing a bad chunk and its warnings, then the outcome.
func (l *Loop) logVerify(app string, out VerifyOutcome) {
	for _, d := range out.Shared {
		l.o.Log.Warn("verify " + app + ": " + d + " references a chunk that failed; marked damaged too")
	}
	for _, w := range out.Warnings {
		l.o.Log.Warn("verify " + app + ": " + w)
	}
	l.o.Log.Info("verified "+app, "result", out.String())
}

// finishRequest records what the pass did for its request.
func (l *Loop) finishRequest(p *pass) {
	if p.req == nil {
		return
	}
	state, result := "done", "the pass succeeded"
	switch {
	case len(p.failures) > 0:
		state, result = "failed", p.failures[0].Action+": "+p.failures[0].Error
	case p.verified != nil:
		result = p.verified.String()
	case p.req.Kind == RequestSnapshot:
		if result = snapshotOutcome(p, p.req.App); result == "" {
			state, result = "failed", "no snapshot was made"+planWarning(p, p.req.App)
		}
	}
	var warnings []string
	if p.verified != nil {
		warnings = p.verified.Warnings
	}
	l.status.update(func() {
		p.req.State, p.req.Result, p.req.Finished = state, result, timePtr(time.Now())
		p.req.Warnings = warnings
	})
}

// snapshotOutcome says which snapshot the pass made of app ("" if none).
func snapshotOutcome(p *pass, app string) string {
	if p.report != nil {
		for _, r := range p.report.Results {
			if r.Action.Kind == planner.Snapshot && r.Action.App == app && r.Status == executor.Done {
				return "made snapshot " + r.Snapshot
			}
		}
	}
	return ""
}

// planWarning is the first warning of the pass's plan that names app, as
// ": warning", or "".
func planWarning(p *pass, app string) string {
	if p.plan == nil {
		return ""
	}
	for _, w := range p.plan.Warnings {
		if strings.Contains(w, app) {
			return ": " + w
		}
	}
	return ""
}

// VerifyOutcome counts what a Verify found.
type VerifyOutcome struct {
	Copies, OK, Damaged, Incomplete, Errors int
	// Problems name each copy that is not OK and why.
	Problems []string
	// Shared are the other copies marked damaged because they reference a
	// chunk a checked copy failed on, "<dir> at <destination>".
	Shared []string
	// Warnings say what could not be read or marked while marking them,
	// each prefixed with the checked copy it came from.
	Warnings []string
}

func (v VerifyOutcome) String() string {
	noun := "copies"
	if v.Copies == 1 {
		noun = "copy"
	}
	s := fmt.Sprintf("%d %s checked: %d ok, %d damaged, %d incomplete, %d could not be checked",
		v.Copies, noun, v.OK, v.Damaged, v.Incomplete, v.Errors)
	if len(v.Shared) > 0 {
		s += "; other copies marked damaged too (they reference a chunk that failed): " + executor.Few(v.Shared, 3)
	}
	if len(v.Problems) > 0 {
		s += "; " + v.Problems[0]
	}
	if len(v.Warnings) > 0 {
		s += fmt.Sprintf("; warnings (%d): %s", len(v.Warnings), executor.Few(v.Warnings, 1))
	}
	return s
}

// Verify re-reads every copy of app (at destinations whose listing did not
// fail) under leases, checks it against its manifest and records the
// result next to it, as `strata verify APP` does; step is told of each copy
// checked. The error is of the leases; a copy that cannot be checked is
// counted in the outcome.
func Verify(ctx context.Context, s *Survey, app string, o executor.Options, step func(done, total int)) (VerifyOutcome, error) {
	targets, err := planner.VerifyTargets(s.Config, s.Inventory, app, "")
	if err != nil {
		return VerifyOutcome{}, err
	}
	stores := executor.Stores{}
	var checked []planner.VerifyTarget
	for _, t := range targets {
		if _, failed := s.Inventory.Failed[t.Location.Destination]; !failed {
			stores[t.Location.Destination] = s.Stores[t.Location.Destination]
			checked = append(checked, t)
		}
	}
	leases, err := executor.Acquire(ctx, stores)
	if err != nil {
		return VerifyOutcome{}, err
	}
	defer leases.Release()
	ex := executor.New(s.Stores, o)
	ex.WillVerify(checked)
	var out VerifyOutcome
	for i, t := range checked {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		damaged, err := verifyCopy(ctx, ex, s, t)
		out.add(t, err)
		out.addDamaged(t, damaged)
		step(i+1, len(checked))
	}
	return out, nil
}

// verifyCopy checks one copy: err is nil when it is good, else what is
// wrong; damaged, for a damaged copy, says which other copies recording
// its damage marked, and what it could not do.
func verifyCopy(ctx context.Context, ex *executor.Executor, s *Survey, t planner.VerifyTarget) (damaged *executor.DamagedError, err error) {
	if !t.Copy.Complete {
		return nil, errIncomplete
	}
	st := s.Stores[t.Location.Destination]
	mark, err := ex.Check(ctx, st, t.Copy.Dir)
	if err != nil {
		return nil, &checkError{err}
	}
	err = ex.Record(ctx, st, t.Copy.Dir, t.Location.String(), mark)
	switch {
	case mark.OK && err != nil:
		return nil, &checkError{fmt.Errorf("checked ok, but recording verified.json failed: %w", err)}
	case mark.OK:
		return nil, nil
	case !errors.As(err, &damaged):
		return nil, fmt.Errorf("%s; recording corrupt.json failed: %w", mark.Problem, err)
	case damaged.RecordErr != nil:
		return damaged, fmt.Errorf("%s; recording corrupt.json failed: %w", mark.Problem, damaged.RecordErr)
	}
	return damaged, errors.New(mark.Problem)
}

// addDamaged adds what recording the damage of the copy t did.
func (v *VerifyOutcome) addDamaged(t planner.VerifyTarget, damaged *executor.DamagedError) {
	if damaged == nil {
		return
	}
	for _, d := range damaged.Shared {
		v.Shared = append(v.Shared, d+" at "+t.Location.Destination)
	}
	for _, w := range damaged.Warnings {
		v.Warnings = append(v.Warnings, fmt.Sprintf("%s at %s: %s", t.Copy.ID, t.Location, w))
	}
}

var errIncomplete = errors.New("no manifest.json (an interrupted write or a deleted manifest)")

// checkError is a check that could not run.
type checkError struct{ err error }

func (e *checkError) Error() string { return e.err.Error() }

func (v *VerifyOutcome) add(t planner.VerifyTarget, err error) {
	v.Copies++
	var ce *checkError
	switch {
	case err == nil:
		v.OK++
		return
	case errors.Is(err, errIncomplete):
		v.Incomplete++
	case errors.As(err, &ce):
		v.Errors++
	default:
		v.Damaged++
	}
	v.Problems = append(v.Problems, fmt.Sprintf("%s at %s: %v", t.Copy.ID, t.Location, err))
}

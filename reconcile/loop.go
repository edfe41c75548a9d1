package reconcile

import (
	"context"
	"errors"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// Floors of the time between two passes when something is due at once:
// after a success (a snapshot already exists this second), and the first
// back-off after a failure (doubling up to the interval).
const (
	minWake      = time.Second
	firstBackoff = 5 * time.Second
)

// Logger is where the loop logs (charmbracelet/log's Logger is one).
type Logger interface {
	Debug(msg any, keyvals ...any)
	Info(msg any, keyvals ...any)
	Warn(msg any, keyvals ...any)
	Error(msg any, keyvals ...any)
}

// UI is what the caller renders: the loop never prints.
type UI interface {
	// Diagnostics shows the diagnostics of a load of the configuration.
	Diagnostics(files map[string]*hcl.File, diags hcl.Diagnostics)
	// DiagnosticsJSON is the form diagnostics take in the status.
	DiagnosticsJSON(diags hcl.Diagnostics) any
	// Progress shows an apply of n actions: its events go to the returned
	// function, and done is called when it ends.
	Progress(n int) (events func(executor.Event), done func())
}

// Options configure a Loop.
type Options struct {
	// Dir is the configuration directory, as the user named it.
	Dir string
	// Vars are the values of variables given on the command line.
	Vars map[string]string
	// Interval is the periodic reconcile: a pass at least this often.
	Interval time.Duration
	// Pull runs `git pull --ff-only` in Dir this often (0: never).
	Pull time.Duration
	// Debounce is how long after the last change of a burst of edits the
	// configuration is reloaded.
	Debounce time.Duration
	// Parallel bounds the actions running at once.
	Parallel int
	// Version is recorded in manifests.
	Version string
	// Node is the node the loop plans as (`watch --node`): it runs only
	// the actions that node owns (planner.Options.Node).
	Node string
	// Now is the time plans and snapshots are made at (default time.Now).
	Now func() time.Time
	Log Logger
	UI  UI
}

// Loop is one `strata watch`: it reconciles in passes of fixed steps and
// sleeps between them until the plan's next wake-up, a configuration change
// or the periodic reconcile.
type Loop struct {
	o       Options
	cfg     *spec.Config // the last valid configuration: the one that runs
	commit  string       // its git commit, "" outside git
	hash    string       // digest of the config files last loaded, valid or not
	failing int          // passes failed in a row
	stalled string       // what only a person can fix; "" when retrying may help
	wake    Wake         // when the next pass is due
	tracker notify.Tracker
	status  *Status
	metrics *Metrics
	// requests wait here for the sleep step; nextReq numbers them.
	requests chan *RequestStatus
	nextReq  int
	req      *RequestStatus // the request the next pass serves
	history  historyCache   // the manifests read so far, for the status
	stored   []StoredStatus // each destination's chunk store at its last gc
}

// New returns a Loop; Start loads its configuration.
func New(o Options) *Loop {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Loop{o: o, status: newStatus(), metrics: newMetrics(), requests: make(chan *RequestStatus, MaxQueued), history: historyCache{}}
}

// Status is the loop's state, for /status.
func (l *Loop) Status() *Status { return l.status }

// Metrics are the loop's Prometheus metrics, for /metrics.
func (l *Loop) Metrics() *Metrics { return l.metrics }

// NextWake is when the next pass is due and why, as the last pass decided.
func (l *Loop) NextWake() Wake { return l.wake }

// ErrInvalidConfig is what Start returns when the configuration is invalid
// (its diagnostics went to UI.Diagnostics).
var ErrInvalidConfig = errors.New("the configuration is invalid")

// Start loads the configuration: the load step of the first pass, which
// alone may find no valid configuration to keep running.
func (l *Loop) Start(ctx context.Context) error {
	if !l.reload(ctx) {
		return ErrInvalidConfig
	}
	return nil
}

// Run makes passes, sleeping between them, until ctx is cancelled; it then
// returns nil. Call Start first.
func (l *Loop) Run(ctx context.Context) error {
	changes, err := WatchDir(ctx, l.o.Dir, l.o.Debounce)
	if err != nil {
		return err
	}
	var pulls <-chan time.Time
	if l.o.Pull > 0 {
		t := time.NewTicker(l.o.Pull)
		defer t.Stop()
		pulls = t.C
	}
	why := "start"
	for {
		if r := l.Pass(ctx, why); r.Kind == Stop {
			return nil
		}
		if why = l.sleep(ctx, changes, pulls); why == "" {
			return nil
		}
	}
}

// pass is the state one pass carries from step to step.
type pass struct {
	why        string
	start, end time.Time
	survey     *Survey
	plan       *planner.Plan
	planErr    error // an error that came with a plan (DESIGN §3)
	report     *executor.Report
	failures   []notify.Failure
	stale      []notify.Stale
	result     Result
	req        *RequestStatus // the request the pass serves, if any
	verified   *VerifyOutcome // what a requested verification found
}

// step is one step of a pass.
type step struct {
	name string
	run  func(context.Context, *pass) Result
}

// Pass reconciles once: the steps load, list, plan and apply run in that
// order until one does not Continue; unless that one says Stop, record and
// notify always run, and the result says when the sleep step wakes (see
// NextWake). The result is the pass's: the first result that is not
// Continue, else Requeue when anything failed (a listing, an action).
func (l *Loop) Pass(ctx context.Context, why string) Result {
	p := &pass{why: why, start: time.Now(), req: l.req}
	l.req = nil
	l.o.Log.Info("reconciling", "why", why)
	l.beat(ctx, RunStart(l.base()))
	l.status.beginPass(why, p.req)
	defer l.status.endPass()
	p.result = proceed
	for _, s := range []step{{"load", l.loadStep}, {"list", l.list}, {"plan", l.planStep}, {"apply", l.apply}, {"verify", l.verifyStep}} {
		l.status.setStep(s.name, "")
		if p.result = s.run(ctx, p); p.result.Kind != Continue {
			break
		}
	}
	if ctx.Err() != nil {
		return Result{Kind: Stop, Step: p.result.Step, Reason: "stopped", Err: ctx.Err()} // no verdict on a cancelled pass
	}
	l.status.setStep("record", "")
	p.end = time.Now()
	p.failures = l.failures(p)
	if p.result.Kind == Continue && len(p.failures) > 0 {
		p.result = Result{Kind: Requeue, Reason: p.failures[0].Action + ": " + p.failures[0].Error}
	}
	for _, s := range []step{{"record", l.record}, {"notify", l.notify}} {
		s.run(ctx, p)
	}
	l.finishRequest(p)
	return p.result
}

// failures is what failed in the pass, the failure that ended it last (and
// marked stalled when only a person can fix it).
func (l *Loop) failures(p *pass) []notify.Failure {
	var inv *planner.Inventory
	if p.survey != nil {
		inv = p.survey.Inventory
	}
	out := Failures(p.report, inv, "plan", p.planErr)
	if r := p.result; r.Err != nil {
		out = append(out, notify.Failure{Action: r.Step, Error: r.Err.Error(), Stalled: r.Kind == Stalled})
	}
	return out
}

// loadStep reloads the configuration when its files changed since the last
// load. An invalid edit is shown and notified and the last valid
// configuration keeps running: the pass goes on with it.
func (l *Loop) loadStep(ctx context.Context, _ *pass) Result {
	l.reload(ctx)
	return proceed
}

// list opens and lists every destination.
func (l *Loop) list(ctx context.Context, p *pass) Result {
	s, err := List(ctx, l.cfg)
	if err != nil {
		return failedStep("open destinations", err, ctx.Err() != nil)
	}
	p.survey = s
	return proceed
}

// planStep makes the plan, as `strata apply` does with no flags.
func (l *Loop) planStep(ctx context.Context, p *pass) Result {
	opts := p.planOptions()
	opts.Node = l.o.Node
	plan, err := Plan(ctx, p.survey, l.o.Now(), opts)
	if plan == nil {
		return failedStep("plan", err, ctx.Err() != nil)
	}
	p.plan, p.planErr = plan, err
	l.status.update(func() { l.status.LastPlan = newPlanStatus(plan) })
	return proceed
}

// apply runs the plan under leases, then lists what it left (for the
// status, the metrics, stale and the next wake-up).
func (l *Loop) apply(ctx context.Context, p *pass) Result {
	if len(p.plan.Actions) == 0 {
		return proceed
	}
	l.o.Log.Info("applying", "why", p.why, "actions", len(p.plan.Actions))
	l.beat(ctx, AppStarts(p.plan, l.base()))
	opts := ApplyOptions{Progress: l.progress,
		Options: executor.Options{Parallel: l.o.Parallel, Now: l.o.Now, Version: l.o.Version}}
	rep, err := Apply(ctx, p.survey, p.plan, opts)
	if err != nil {
		return failedStep("apply", err, ctx.Err() != nil)
	}
	p.report = rep
	if ctx.Err() == nil {
		p.survey.Relist(ctx)
	}
	return proceed
}

// sleep is the last step: it waits for the wake-up, a configuration change
// or a pulled commit and returns why to reconcile; "" when ctx is cancelled.
func (l *Loop) sleep(ctx context.Context, changes <-chan struct{}, pulls <-chan time.Time) string {
	wake := l.wake
	timer := time.NewTimer(time.Until(wake.At))
	defer timer.Stop()
	l.o.Log.Debug("sleeping", "until", wake.At.Format(time.RFC3339), "for", wake.Reason)
	for {
		select {
		case <-ctx.Done():
			return ""
		case <-timer.C:
			return wake.Reason
		case <-changes:
			if l.reload(ctx) {
				return "configuration changed"
			}
		case <-pulls:
			if why := l.pull(ctx); why != "" {
				return why
			}
		case r := <-l.requests:
			l.req = r
			return "requested: " + r.String()
		}
	}
}

// pull fetches the configuration repository and reloads it when the commit
// changed; it returns why to reconcile, or "".
func (l *Loop) pull(ctx context.Context) string {
	commit, err := GitPull(ctx, l.o.Dir)
	l.status.update(func() { l.status.Pull = &PullStatus{At: time.Now().UTC(), Commit: commit, Error: errString(err)} })
	if err != nil {
		if ctx.Err() == nil {
			l.o.Log.Error(err.Error())
		}
		return ""
	}
	if commit == l.commit {
		return ""
	}
	l.o.Log.Info("pulled a new commit", "commit", short(commit))
	if !l.reload(ctx) {
		return ""
	}
	return "pulled commit " + short(commit)
}

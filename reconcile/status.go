package reconcile

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// Status is the state of a Loop, served as JSON at /status (and rendered by
// the status page from the same fields). The loop writes it; readers go
// through JSON or ServeHTTP, both under its lock.
type Status struct {
	mu        sync.Mutex
	Config    ConfigStatus `json:"config"`
	LastPlan  *PlanStatus  `json:"last_plan"`
	LastApply *ApplyStatus `json:"last_apply"`
	NextWake  Wake         `json:"next_wakeup"`
	Apps      []AppStatus  `json:"apps"`
	// Checks are the check blocks with their last restore test.
	Checks      []CheckStatus `json:"checks"`
	LastSuccess *time.Time    `json:"last_success"`
	LastFailure *time.Time    `json:"last_failure"`
	Reconciles  int           `json:"reconciles"`
	Pull        *PullStatus   `json:"pull,omitempty"`
	// Stored is each destination's chunk store as its last gc in this
	// process found it, by name.
	Stored []StoredStatus `json:"stored,omitempty"`
	// Now is the pass in progress, nil while the loop sleeps.
	Now *NowStatus `json:"now"`
	// Standbys are what the standby blocks hold (absent without any).
	Standbys []StandbyStatus `json:"standbys,omitempty"`
	// Requests are the latest requests (Loop.Request), oldest first.
	Requests []*RequestStatus `json:"requests,omitempty"`
	subs     map[chan struct{}]struct{}
}

// ConfigStatus is the state of the configuration: the one running and the
// diagnostics of the files on disk when they are invalid.
type ConfigStatus struct {
	Dir   string `json:"dir"`
	Valid bool   `json:"valid"`
	// Diagnostics are those of the last load, in the form UI.DiagnosticsJSON gives.
	Diagnostics any `json:"diagnostics"`
	// LoadedAt is when the running configuration was loaded; Commit its git commit.
	LoadedAt     time.Time `json:"loaded_at"`
	Commit       string    `json:"commit,omitempty"`
	Applications []string  `json:"applications"`
	// Errors are the error diagnostics of the last load, one line each.
	Errors []string `json:"errors,omitempty"`
}

// PlanStatus is the last plan made.
type PlanStatus struct {
	At       time.Time        `json:"at"`
	Summary  planner.Summary  `json:"summary"`
	Actions  []PlanActionInfo `json:"actions"`
	Warnings []string         `json:"warnings,omitempty"`
	// Text is the plan as `strata plan` renders it, without colors.
	Text string `json:"text"`
}

// PlanActionInfo is one action of the last plan.
type PlanActionInfo struct {
	Key    string `json:"key"`
	Action string `json:"action"`
	App    string `json:"app,omitempty"`
	Reason string `json:"reason"`
}

// ApplyStatus is the outcome of the last pass.
type ApplyStatus struct {
	Started    time.Time        `json:"started"`
	Finished   time.Time        `json:"finished"`
	Seconds    float64          `json:"duration_seconds"`
	Reason     string           `json:"reason"`
	OK         bool             `json:"ok"`
	Done       int              `json:"done"`
	Failed     int              `json:"failed"`
	Skipped    int              `json:"skipped"`
	NotStarted int              `json:"not_started"`
	Failures   []notify.Failure `json:"failures,omitempty"`
}

// AppStatus is one application: its schedule, its next snapshot and what
// is stored at each location.
type AppStatus struct {
	Name         string     `json:"name"`
	Schedule     string     `json:"schedule"`
	Newest       *time.Time `json:"newest_snapshot"`
	NextSnapshot *time.Time `json:"next_snapshot"`
	Stale        []string   `json:"stale_tiers,omitempty"`
	Locations    []Location `json:"locations"`
	// Retention is each tier's retention of the application's snapshots,
	// History its newest snapshots (at most MaxHistory) from their
	// manifests, oldest first.
	Retention []TierRetention `json:"retention,omitempty"`
	History   []HistoryPoint  `json:"history,omitempty"`
}

// PullStatus is the outcome of the last git pull.
type PullStatus struct {
	At     time.Time `json:"at"`
	Commit string    `json:"commit,omitempty"`
	Error  string    `json:"error,omitempty"`
}

func newStatus() *Status { return &Status{Apps: []AppStatus{}, Checks: []CheckStatus{}} }

// JSON is the status as indented JSON.
func (st *Status) JSON() ([]byte, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	return json.MarshalIndent(st, "", "  ")
}

// ServeHTTP serves the status as JSON.
func (st *Status) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	b, err := st.JSON()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// update runs f with the status locked.
func (st *Status) update(f func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f()
	st.broadcast()
}

func newPlanStatus(p *planner.Plan) *PlanStatus {
	ps := &PlanStatus{At: p.Now, Summary: p.Summary, Warnings: p.Warnings, Actions: []PlanActionInfo{}}
	for _, a := range p.Actions {
		ps.Actions = append(ps.Actions, PlanActionInfo{Key: a.Key, Action: a.Kind.String(), App: a.App, Reason: a.Reason})
	}
	ps.Text = planText(p)
	return ps
}

// appStatuses is the per-application state after a pass.
func appStatuses(cfg *spec.Config, inv *planner.Inventory, rows []Location, stale []notify.Stale, now time.Time) []AppStatus {
	out := []AppStatus{}
	for _, app := range cfg.Applications {
		as := AppStatus{Name: app.Name, Schedule: scheduleOf(app), Locations: []Location{}}
		next, newest := NextSnapshot(app, inv, now)
		as.Newest, as.NextSnapshot = timePtr(newest), timePtr(next)
		for _, r := range rows {
			if r.App == app.Name {
				as.Locations = append(as.Locations, r)
			}
		}
		for _, st := range stale {
			if st.App == app.Name {
				as.Stale = append(as.Stale, st.Tier)
			}
		}
		out = append(out, as)
	}
	return out
}

func scheduleOf(app *spec.Application) string {
	if app.Schedule == nil {
		return ""
	}
	return app.Schedule.Expr
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// planText is p as `strata plan` renders it, without colors ("" if it
// cannot be rendered).
func planText(p *planner.Plan) string {
	b, err := p.JSON()
	if err != nil {
		return ""
	}
	var buf bytes.Buffer
	if planner.RenderJSON(&buf, b, planner.RenderOptions{}) != nil {
		return ""
	}
	return buf.String()
}

// errorLines are the error diagnostics of diags, one line each.
func errorLines(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags.Errs() {
		out = append(out, d.Error())
	}
	return out
}

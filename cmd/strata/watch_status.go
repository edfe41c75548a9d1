package main

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/reconcile"
	"github.com/stratabackup/strata/spec"
)

// watchStatus is the JSON served at /status. Every field is written by the
// loop and read by the HTTP server under mu.
type watchStatus struct {
	mu          sync.Mutex
	Config      configStatus   `json:"config"`
	LastPlan    *planStatus    `json:"last_plan"`
	LastApply   *applyStatus   `json:"last_apply"`
	NextWake    reconcile.Wake `json:"next_wakeup"`
	Apps        []appStatus    `json:"apps"`
	LastSuccess *time.Time     `json:"last_success"`
	LastFailure *time.Time     `json:"last_failure"`
	Reconciles  int            `json:"reconciles"`
	Pull        *pullStatus    `json:"pull,omitempty"`
}

// configStatus is the state of the configuration: the one running and the
// diagnostics of the files on disk when they are invalid.
type configStatus struct {
	Dir         string           `json:"dir"`
	Valid       bool             `json:"valid"`
	Diagnostics []jsonDiagnostic `json:"diagnostics"`
	// LoadedAt is when the running configuration was loaded; Commit its git commit.
	LoadedAt     time.Time `json:"loaded_at"`
	Commit       string    `json:"commit,omitempty"`
	Applications []string  `json:"applications"`
}

type planStatus struct {
	At       time.Time        `json:"at"`
	Summary  planner.Summary  `json:"summary"`
	Actions  []planActionInfo `json:"actions"`
	Warnings []string         `json:"warnings,omitempty"`
}

type planActionInfo struct {
	Key    string `json:"key"`
	Action string `json:"action"`
	App    string `json:"app,omitempty"`
	Reason string `json:"reason"`
}

type applyStatus struct {
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

// appStatus is one application: its schedule, its next snapshot and what
// is stored at each location.
type appStatus struct {
	Name         string     `json:"name"`
	Schedule     string     `json:"schedule"`
	Newest       *time.Time `json:"newest_snapshot"`
	NextSnapshot *time.Time `json:"next_snapshot"`
	Stale        []string   `json:"stale_tiers,omitempty"`
	Locations    []lsRow    `json:"locations"`
}

type pullStatus struct {
	At     time.Time `json:"at"`
	Commit string    `json:"commit,omitempty"`
	Error  string    `json:"error,omitempty"`
}

func (st *watchStatus) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	st.mu.Lock()
	b, err := json.MarshalIndent(st, "", "  ")
	st.mu.Unlock()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(b, '\n'))
}

// update runs f with the status locked.
func (st *watchStatus) update(f func()) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f()
}

func newPlanStatus(p *planner.Plan) *planStatus {
	ps := &planStatus{At: p.Now, Summary: p.Summary, Warnings: p.Warnings, Actions: []planActionInfo{}}
	for _, a := range p.Actions {
		ps.Actions = append(ps.Actions, planActionInfo{Key: a.Key, Action: a.Kind.String(), App: a.App, Reason: a.Reason})
	}
	return ps
}

// appStatuses is the per-application state after a reconcile.
func appStatuses(cfg *spec.Config, s *survey, rows []lsRow, stale []notify.Stale, now time.Time) []appStatus {
	out := []appStatus{}
	for _, app := range cfg.Applications {
		as := appStatus{Name: app.Name, Schedule: scheduleOf(app), Locations: []lsRow{}}
		next, newest := reconcile.NextSnapshot(app, s.inv, now)
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

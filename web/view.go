package web

import (
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/reconcile"
)

// page is what the templates render: a copy of the status, shaped for
// reading, made under the status's lock.
type page struct {
	Config    reconcile.ConfigStatus
	Columns   []column
	Rows      []row
	Now       *nowView
	NextWake  reconcile.Wake
	WakeIn    string
	LastPlan  *reconcile.PlanStatus
	LastApply *reconcile.ApplyStatus
	Requests  []reconcile.RequestStatus
	Actions   bool
	CSRF      string
	At        time.Time
	// App is the application of the detail page ("" on the main page).
	App *appView
	// Standbys are what the standby blocks hold.
	Standbys []reconcile.StandbyStatus
	// Checks are the check blocks with their last restore test.
	Checks []reconcile.CheckStatus
}

// column is one tier × destination of the matrix; Stored says what the
// destination's chunk store held at its last gc ("" before one).
type column struct{ Tier, Destination, Stored string }

// row is one application of the matrix.
type row struct {
	App, Schedule, Next string
	Cells               []cell
}

// cell is what an application holds at one column. State is ok (green:
// the newest snapshot within its schedule), stale (amber) or bad (red: a
// failed listing, no snapshot, a corrupt copy); "" when the application
// does not use the column.
type cell struct {
	State, Age, Count, Size, Verified, Problem string
	Tier, Destination                          string
}

// nowView is the pass in progress.
type nowView struct {
	Why, Step, Detail, Running, Request string
	Total, Finished                     int
	Actions                             []actionView
}

// actionView is one action of the apply in progress.
type actionView struct {
	Key, Name, State, Text, Error string
	Percent                       int
	Known                         bool // Percent means something
}

// appView is an application's detail page.
type appView struct {
	Name, Schedule, Next, Newest string
	Locations                    []reconcile.Location
	Cells                        []cell
	Planned                      []reconcile.PlanActionInfo
	// Retention is a time axis per tier: which rule keeps each snapshot,
	// which goes next; History the files and bytes over time.
	Retention []retentionView
	History   *historyView
	// Standbys are the standby blocks that keep this application restored.
	Standbys []reconcile.StandbyStatus
}

// newPage shapes st (locked by the caller) for the templates at now.
func newPage(st *reconcile.Status, now time.Time) *page {
	p := &page{Config: st.Config, NextWake: st.NextWake, LastPlan: st.LastPlan, LastApply: st.LastApply, At: now}
	p.Config.Applications = slices.Clone(st.Config.Applications)
	p.Standbys = slices.Clone(st.Standbys)
	p.Checks = slices.Clone(st.Checks)
	if !st.NextWake.At.IsZero() {
		p.WakeIn = humanDuration(st.NextWake.At.Sub(now))
	}
	p.Columns = columns(st.Apps)
	for i := range p.Columns {
		p.Columns[i].Stored = storedLabel(st.Stored, p.Columns[i].Destination, now)
	}
	for _, a := range st.Apps {
		p.Rows = append(p.Rows, newRow(a, p.Columns, st.Config, now))
	}
	for _, r := range st.Requests {
		p.Requests = append(p.Requests, *r)
	}
	slices.Reverse(p.Requests) // newest first
	if st.Now != nil {
		p.Now = newNow(st.Now, now)
	}
	return p
}

// columns are the tiers × destinations of apps, in the order they appear.
func columns(apps []reconcile.AppStatus) []column {
	var out []column
	for _, a := range apps {
		for _, l := range a.Locations {
			if c := (column{Tier: l.Tier, Destination: l.Destination}); !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return out
}

func newRow(a reconcile.AppStatus, cols []column, cfg reconcile.ConfigStatus, now time.Time) row {
	r := row{App: a.Name, Schedule: a.Schedule}
	if a.NextSnapshot != nil {
		r.Next = relative(*a.NextSnapshot, now)
	}
	for _, c := range cols {
		r.Cells = append(r.Cells, newCell(a, c, now))
	}
	return r
}

// newCell is what a holds at column c.
func newCell(a reconcile.AppStatus, c column, now time.Time) cell {
	out := cell{Tier: c.Tier, Destination: c.Destination}
	i := slices.IndexFunc(a.Locations, func(l reconcile.Location) bool { return l.Tier == c.Tier && l.Destination == c.Destination })
	if i < 0 {
		return out
	}
	l := a.Locations[i]
	out.State = "ok"
	out.Count = plural(l.Snapshots, "snapshot")
	if l.Logical > 0 { // what the snapshots restore to, as `strata ls` says
		out.Size = executor.HumanBytes(l.Logical)
	}
	if l.Snapshots > 0 {
		out.Verified = fmt.Sprintf("%d%% verified", l.Verified*100/l.Snapshots)
	}
	if !l.NewestTime.IsZero() {
		out.Age = humanDuration(now.Sub(l.NewestTime)) + " old"
	}
	switch {
	case l.Error != "":
		out.State, out.Problem = "bad", "listing failed: "+l.Error
		out.Count, out.Size, out.Verified, out.Age = "", "", "", ""
	case l.Detached != "":
		// A removable drive away: nothing is known of its copies, and that
		// is not a failure until the tier's detached_grace has passed.
		out.State, out.Problem = "detached", "detached: "+l.Detached
		out.Count, out.Size, out.Verified, out.Age = "", "", "", ""
		if slices.Contains(a.Stale, c.Tier) {
			out.State, out.Problem = "stale", "detached longer than its grace: "+l.Detached
		}
	case l.Corrupt > 0:
		out.State, out.Problem = "bad", plural(l.Corrupt, "corrupt copy")
	case l.Snapshots == 0:
		out.State, out.Problem = "bad", "no snapshot"
	case slices.Contains(a.Stale, c.Tier):
		out.State, out.Problem = "stale", "stale: a newer snapshot was due"
	}
	if l.Incomplete > 0 && out.Problem == "" {
		out.Problem = plural(l.Incomplete, "incomplete snapshot") + " (the next apply cleans up)"
	}
	return out
}

func newNow(n *reconcile.NowStatus, now time.Time) *nowView {
	v := &nowView{Why: n.Why, Step: n.Step, Detail: n.Detail, Running: humanDuration(now.Sub(n.Started)), Total: n.TotalActions}
	if n.Request != nil {
		v.Request = n.Request.String()
	}
	for _, a := range n.Actions {
		if a.State != "running" {
			v.Finished++
		}
		v.Actions = append(v.Actions, newAction(a))
	}
	return v
}

func newAction(a reconcile.ActionProgress) actionView {
	v := actionView{Key: a.Key, State: a.State, Error: a.Error, Name: a.Kind + " " + a.App + " at " + a.Location}
	if a.App == "" {
		v.Name = a.Kind + " at " + a.Location
	}
	if a.Snapshot != "" {
		v.Name += " (" + a.Snapshot + ")"
	}
	v.Text = progressText(a)
	if a.Total > 0 {
		v.Known, v.Percent = true, int(min(100, a.Bytes*100/a.Total))
	}
	return v
}

// progressText is an action's progress: "512 MiB of 2.0 GiB (25%), 45
// MiB/s, 34s left", as the terminal shows it.
func progressText(a reconcile.ActionProgress) string {
	s := executor.HumanBytes(a.Bytes)
	if a.Total > 0 {
		s += fmt.Sprintf(" of %s (%d%%)", executor.HumanBytes(a.Total), min(100, a.Bytes*100/a.Total))
	}
	if a.BytesPerSecond > 0 {
		s += ", " + executor.HumanBytes(int64(a.BytesPerSecond)) + "/s"
	}
	if a.ETASeconds > 0 && a.State == "running" {
		s += ", " + eta(a.ETASeconds) + " left"
	}
	return s
}

// eta is the time left: "0.4s", "12s", "5m".
func eta(secs float64) string {
	if secs < 10 {
		return fmt.Sprintf("%.1fs", secs)
	}
	return humanDuration(time.Duration(secs * float64(time.Second)))
}

// newAppView is the detail of application name; nil when there is none.
func newAppView(st *reconcile.Status, p *page, name string) *appView {
	for i, a := range st.Apps {
		if a.Name != name {
			continue
		}
		v := &appView{Name: a.Name, Schedule: a.Schedule, Next: p.Rows[i].Next, Locations: slices.Clone(a.Locations)}
		if a.Newest != nil {
			v.Newest = a.Newest.Format(time.RFC3339) + " (" + relative(*a.Newest, p.At) + ")"
		}
		for _, l := range a.Locations {
			v.Cells = append(v.Cells, newCell(a, column{Tier: l.Tier, Destination: l.Destination}, p.At))
		}
		v.Retention = retentionViews(a, p.At)
		v.History = newHistory(a.History)
		for _, s := range st.Standbys {
			if s.App == name {
				v.Standbys = append(v.Standbys, s)
			}
		}
		if st.LastPlan != nil {
			for _, pa := range st.LastPlan.Actions {
				if pa.App == name {
					v.Planned = append(v.Planned, pa)
				}
			}
		}
		return v
	}
	return nil
}

// storedLabel is what dest's chunk store held at its last gc: "3.4 MiB
// stored, dedup 2.94× (gc 2h ago)"; "" before one.
func storedLabel(stored []reconcile.StoredStatus, dest string, now time.Time) string {
	i := slices.IndexFunc(stored, func(s reconcile.StoredStatus) bool { return s.Destination == dest })
	if i < 0 {
		return ""
	}
	s := stored[i]
	label := executor.HumanBytes(s.StoredBytes) + " stored"
	if s.DedupRatio > 0 {
		label += fmt.Sprintf(", dedup %.2f×", s.DedupRatio)
	}
	return label + " (gc " + relative(s.At, now) + ")"
}

// retentionViews are the tiers of a's retention, each with the tier's
// destinations as lanes.
func retentionViews(a reconcile.AppStatus, now time.Time) []retentionView {
	next := ""
	if a.NextSnapshot != nil {
		next = " (due " + relative(*a.NextSnapshot, now) + ")"
	}
	var out []retentionView
	for _, r := range a.Retention {
		var locs []reconcile.Location
		for _, l := range a.Locations {
			if l.Tier == r.Tier {
				locs = append(locs, l)
			}
		}
		out = append(out, newRetention(r, locs, next))
	}
	return out
}

// humanDuration is a duration for a person: "12s", "5m", "3h 20m", "2d 4h".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = -d
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
}

// relative is t from now: "in 5m" or "5m ago".
func relative(t, now time.Time) string {
	if t.After(now) {
		return "in " + humanDuration(t.Sub(now))
	}
	return humanDuration(now.Sub(t)) + " ago"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	if what[len(what)-1] == 'y' && what != "verify" {
		return fmt.Sprintf("%d %sies", n, what[:len(what)-1])
	}
	return fmt.Sprintf("%d %ss", n, what)
}

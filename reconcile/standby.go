package reconcile

import (
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// StandbyStatus is what one standby holds (`strata ls`, /status).
type StandbyStatus struct {
	Name string `json:"name"`
	App  string `json:"app"`
	Tier string `json:"tier"`
	Path string `json:"path"`
	// Snapshot is the ID it holds, From the location it was restored
	// from, RestoredAt when; empty when it holds nothing yet.
	Snapshot   string     `json:"snapshot,omitempty"`
	From       string     `json:"from,omitempty"`
	RestoredAt *time.Time `json:"restored_at,omitempty"`
	// Newest is the newest complete snapshot of the application at the tier.
	Newest *time.Time `json:"newest_at_tier,omitempty"`
	// Stale is set when the tier's newest snapshot is newer than what the
	// standby holds by more than one schedule period.
	Stale bool `json:"stale"`
	// Problem says what keeps the standby from being refreshed, if anything.
	Problem string `json:"problem,omitempty"`
}

// StandbyTierPrefix marks a standby in a notify.Stale's Tier.
const StandbyTierPrefix = "standby "

// addStandbys reads what the configuration's standby paths hold into the
// inventory.
func (s *Survey) addStandbys() {
	if len(s.Config.Standbys) == 0 {
		return
	}
	paths := make([]string, len(s.Config.Standbys))
	for i, sb := range s.Config.Standbys {
		paths[i] = sb.Path
	}
	planner.AddStandbys(s.Inventory, executor.GatherStandbys(paths))
}

// Standbys is the state of every standby of cfg, in declaration order.
func Standbys(cfg *spec.Config, inv *planner.Inventory, now time.Time) []StandbyStatus {
	out := []StandbyStatus{}
	for _, sb := range cfg.Standbys {
		out = append(out, standbyStatus(cfg, sb, inv, now))
	}
	return out
}

func standbyStatus(cfg *spec.Config, sb *spec.Standby, inv *planner.Inventory, now time.Time) StandbyStatus {
	st := inv.Standbys[sb.Path]
	ss := StandbyStatus{Name: sb.Name, App: sb.App, Tier: sb.Tier, Path: sb.Path, Problem: st.Err}
	if st.Foreign {
		ss.Problem = "holds files strata did not restore; left alone"
	}
	var newest time.Time
	if t := cfg.Tier(sb.Tier); t != nil {
		for _, d := range t.Destinations {
			newest = later(newest, Newest(inv, sb.App, planner.Location{Tier: t.Name, Destination: d.Name}, now))
		}
	}
	ss.Newest = timePtr(newest)
	var held time.Time
	if h := st.Held; h != nil {
		ss.Snapshot, ss.From, ss.RestoredAt = h.Snapshot, h.From.String(), timePtr(h.RestoredAt)
		if id, err := snapshot.ParseID(h.Snapshot); err == nil {
			held = id.Time()
		}
	}
	ss.Stale = standbyStale(cfg.Application(sb.App), held, newest)
	return ss
}

// standbyStale: the tier holds a snapshot newer than the standby's by more
// than one period of the application's schedule (any newer one when it
// has no schedule), or the standby is empty while the tier is not.
func standbyStale(app *spec.Application, held, newest time.Time) bool {
	switch {
	case newest.IsZero() || !newest.After(held):
		return false
	case held.IsZero() || app == nil || app.Schedule == nil:
		return true
	}
	due := app.Schedule.Next(held)
	period := app.Schedule.Next(due).Sub(due)
	return newest.Sub(held) > period
}

// staleStandbys are the stale standbys as stale notifications: App the
// application, Tier "standby NAME", Newest what it holds, Due the tier's
// newest snapshot.
func staleStandbys(cfg *spec.Config, inv *planner.Inventory, now time.Time) []notify.Stale {
	var out []notify.Stale
	for _, ss := range Standbys(cfg, inv, now) {
		if !ss.Stale {
			continue
		}
		s := notify.Stale{App: ss.App, Tier: StandbyTierPrefix + ss.Name, Due: *ss.Newest}
		if id, err := snapshot.ParseID(ss.Snapshot); err == nil {
			s.Newest = id.Time()
		}
		out = append(out, s)
	}
	return out
}

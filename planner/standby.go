package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// StandbyMarkerName is the marker a standby directory carries at its top:
// what strata restored there (a StandbyHeld as JSON). It is written into the
// new directory before the swap, so it always describes the directory it is
// in.
const StandbyMarkerName = ".strata-standby.json"

// StandbyHeld is what one standby directory holds: the content of its
// marker.
type StandbyHeld struct {
	Standby  string   `json:"standby"`
	App      string   `json:"app"`
	Snapshot string   `json:"snapshot"`
	From     Location `json:"from"`
	// Dir is the snapshot directory it was restored from, at From.
	Dir        string    `json:"dir"`
	RestoredAt time.Time `json:"restored_at"`
}

// StandbyState is what the executor found at one standby path (no more
// than a stat and the marker: planning reads no snapshot).
type StandbyState struct {
	Path string `json:"path"`
	// Held is the marker's content; nil when the path holds no standby.
	Held *StandbyHeld `json:"held,omitempty"`
	// Foreign is set when the path exists and is not empty but carries no
	// marker: something strata did not put there, which it never replaces.
	Foreign bool `json:"foreign,omitempty"`
	// Leftovers are the directories an interrupted refresh left beside
	// the path (the next refresh removes them, or puts the old standby back).
	Leftovers []string `json:"leftovers,omitempty"`
	// Err says why the path or its marker could not be read.
	Err string `json:"error,omitempty"`
}

// StandbyParams are what a standby action needs beyond its source copy.
type StandbyParams struct {
	Name string `json:"name"`
	// Path is the absolute standby directory.
	Path string `json:"path"`
	// After runs once the new standby is in place; Timeout bounds it (0:
	// the hooks' default).
	After   []string      `json:"after,omitempty"`
	Timeout time.Duration `json:"timeout,omitempty"`
	// Fallback are other copies of the same snapshot, read where a chunk
	// of the source copy is missing or damaged.
	Fallback []StandbyCopy `json:"fallback,omitempty"`
}

// StandbyCopy is one copy of a snapshot: its location and directory.
type StandbyCopy struct {
	Location Location `json:"location"`
	Dir      string   `json:"dir"`
}

// AddStandbys records what the standby paths hold in inv and in its
// fingerprint (a saved plan is refused once a standby changed).
func AddStandbys(inv *Inventory, states []StandbyState) {
	if len(states) == 0 {
		return
	}
	inv.Standbys = map[string]StandbyState{}
	h := sha256.New()
	h.Write([]byte(inv.Fingerprint))
	for _, s := range states {
		inv.Standbys[s.Path] = s
		b, _ := json.Marshal(s)
		h.Write(b)
	}
	inv.Fingerprint = hex.EncodeToString(h.Sum(nil))
}

// planStandbys plans a refresh of each standby of the application whose
// tier has a newer healthy snapshot than the standby holds, or that an
// interrupted refresh left unfinished. It runs last: it needs the purges
// (never restore a copy the plan deletes) and the transfers (follow one
// that brings a newer snapshot).
func (ap *appPlan) planStandbys() {
	for _, s := range ap.cfg.Standbys {
		if s.App == ap.app.Name {
			ap.planStandby(s)
		}
	}
}

func (ap *appPlan) planStandby(s *spec.Standby) {
	st := ap.inv.Standbys[s.Path]
	switch {
	case st.Foreign:
		ap.warnf("standby %s: %s holds files strata did not restore (no %s): it is left alone; empty it or choose another path", s.Name, s.Path, StandbyMarkerName)
		return
	case st.Err != "":
		ap.warnf("standby %s: cannot read %s: %s; it is restored again", s.Name, s.Path, st.Err)
	}
	tp := ap.tierPlanOf(s.Tier)
	if tp == nil {
		return
	}
	c, ok := ap.newestHealthy(tp)
	if !ok {
		return
	}
	reason, due := standbyReason(s, st, c.sec)
	if !due {
		return
	}
	a := Action{Key: "standby:" + s.Name, Kind: Standby, App: ap.app.Name, Location: c.lp.loc, AppPath: c.lp.appPath,
		Reason:  reason,
		Standby: &StandbyParams{Name: s.Name, Path: s.Path, After: slices.Clone(s.After), Timeout: s.Timeout, Fallback: standbyFallback(tp, c)}}
	if c.pending != nil {
		a.DependsOn = []string{c.pending.key}
	} else {
		a.Snapshot, a.Dir = idOf(c.sec).String(), c.cp.Dir
	}
	ap.add(a, tp.idx, c.lp.destIdx, c.sec)
}

// standbyReason says why a standby is refreshed, and whether it is.
func standbyReason(s *spec.Standby, st StandbyState, sec int64) (string, bool) {
	h := st.Held
	if h == nil {
		if len(st.Leftovers) > 0 {
			return fmt.Sprintf("an interrupted refresh of standby %s left %s; it is finished", s.Name, st.Leftovers[0]), true
		}
		return fmt.Sprintf("standby %s is empty", s.Name), true
	}
	id, err := snapshot.ParseID(h.Snapshot)
	switch {
	case err != nil || h.App != s.App:
		return fmt.Sprintf("standby %s holds %s of %s, not of %s", s.Name, h.Snapshot, h.App, s.App), true
	case id.Time().Unix() < sec:
		return fmt.Sprintf("standby %s holds %s (from %s, restored %s); tier %s has a newer healthy snapshot",
			s.Name, h.Snapshot, h.From, h.RestoredAt.UTC().Format(time.RFC3339), s.Tier), true
	case len(st.Leftovers) > 0:
		return fmt.Sprintf("an interrupted refresh of standby %s left %s; it is finished", s.Name, st.Leftovers[0]), true
	}
	return "", false
}

// standbyFallback lists the other existing healthy copies of the chosen
// snapshot at the tier.
func standbyFallback(tp *tierPlan, c tierCandidate) []StandbyCopy {
	var out []StandbyCopy
	for _, lp := range tp.locs {
		if lp == c.lp || lp.failed {
			continue
		}
		if cp := lp.find(c.sec); cp != nil && cp.Healthy() {
			out = append(out, StandbyCopy{Location: lp.loc, Dir: cp.Dir})
		}
	}
	return out
}

func (ap *appPlan) tierPlanOf(name string) *tierPlan {
	for _, tp := range ap.tiers {
		if tp.tier.Name == name {
			return tp
		}
	}
	return nil
}

// describeStandby is the human form of a standby action: "NAME: PATH <-
// LOCATION ID".
func describeStandby(a Action) string {
	id := a.Snapshot
	if id == "" {
		id = "(known after apply)"
	}
	name, path := "", ""
	if a.Standby != nil {
		name, path = a.Standby.Name, a.Standby.Path
	}
	return fmt.Sprintf("%s: %s <- %s %s", name, path, a.Location, id)
}

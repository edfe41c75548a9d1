package reconcile

import (
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/spec"
)

// Location is what one application holds at one tier and destination: the
// numbers `strata ls` shows, /status lists and the metrics export.
type Location struct {
	App         string `json:"app"`
	Tier        string `json:"tier"`
	Destination string `json:"destination"`
	Snapshots   int    `json:"snapshots"`
	Newest      string `json:"newest,omitempty"`
	// Bytes are those of the snapshot directories' own files (chunk lists,
	// manifests): the chunks are shared by the destination's snapshots.
	Bytes int64 `json:"bytes"`
	// Logical is the sum of the complete snapshots' logical sizes (their tar
	// streams), from their manifests: `strata ls` reads them, and watch's
	// status takes them from its history (the newest MaxHistory).
	Logical    int64  `json:"logical_bytes,omitempty"`
	Verified   int    `json:"verified"`
	Corrupt    int    `json:"corrupt"`
	Incomplete int    `json:"incomplete"`
	Error      string `json:"error,omitempty"`
	// LastChecked is the newest checked.json (restore test) of its
	// copies, from the listing; nil when none was tested here.
	LastChecked *time.Time `json:"last_checked,omitempty"`
	// Detached says why a removable destination is not attached; nothing
	// is known of its copies then.
	Detached string `json:"detached,omitempty"`
	// NewestTime is the time of Newest; zero when there is none.
	NewestTime time.Time `json:"-"`
}

// Locations is a row per application of apps × tier × destination, in
// configuration order.
func Locations(inv *planner.Inventory, apps []*spec.Application) []Location {
	var rows []Location
	for _, app := range apps {
		for _, t := range app.Tiers {
			for _, d := range t.Destinations {
				rows = append(rows, locationOf(app.Name, planner.Location{Tier: t.Name, Destination: d.Name}, inv))
			}
		}
	}
	return rows
}

func locationOf(app string, loc planner.Location, inv *planner.Inventory) Location {
	r := Location{App: app, Tier: loc.Tier, Destination: loc.Destination, Error: inv.Failed[loc.Destination],
		Detached: inv.Detached[loc.Destination]}
	for _, c := range inv.Copies[app][loc] {
		switch {
		case !c.Complete:
			r.Incomplete++
			continue
		case !c.Healthy():
			r.Corrupt++
		case !c.Verified.IsZero():
			r.Verified++
		}
		if !c.Checked.IsZero() && (r.LastChecked == nil || c.Checked.After(*r.LastChecked)) {
			t := c.Checked.UTC()
			r.LastChecked = &t
		}
		r.Snapshots++
		r.Bytes += c.Size
		if c.ID.Time().After(r.NewestTime) {
			r.NewestTime, r.Newest = c.ID.Time(), c.ID.String()
		}
	}
	return r
}

// unlisted is the inventory of a pass that could not list at all (a
// destination that cannot be opened): every destination failed, with err.
func unlisted(cfg *spec.Config, err error) *planner.Inventory {
	inv := &planner.Inventory{Failed: map[string]string{}}
	for _, t := range cfg.Tiers {
		for _, d := range t.Destinations {
			inv.Failed[d.Name] = "the destinations could not be opened: " + err.Error()
		}
	}
	return inv
}

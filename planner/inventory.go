// Package planner decides what strata must do: it classifies the listings of the
// destinations into an inventory, computes retention and schedules, and produces
// a Plan. It is pure: no I/O, no clock, deterministic for the same inputs.
package planner

import (
	"time"

	"github.com/stratabackup/strata/snapshot"
)

// Listing is the raw result of one recursive listing of one destination root.
type Listing struct {
	Destination string
	// Err is set when the listing failed; Entries are then unusable.
	Err     string
	Entries []Entry
	// Leases are the parsed leases found under .strata/locks (the only
	// objects the inventory builder is given the content of).
	Leases []Lease
	// Free is the free space in bytes the backend reported, when
	// FreeKnown (checked against a destination's min_free, see preflight.go).
	Free      int64
	FreeKnown bool
}

// Entry is one object of a listing, with its path relative to the root.
type Entry struct {
	Path    string
	Size    int64
	ModTime time.Time
}

// Lease is one apply's claim on a destination (.strata/locks/<id>.json).
type Lease struct {
	ID      string    `json:"id"`
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Dead is set by the caller when Host is this host and PID is not running.
	Dead bool `json:"-"`
}

// Live reports whether the lease still protects its holder's work at now.
func (l Lease) Live(now time.Time) bool { return !l.Dead && now.Before(l.Expires) }

// Location is one (tier, destination) pair.
type Location struct {
	Tier        string `json:"tier"`
	Destination string `json:"destination"`
}

func (l Location) String() string { return l.Tier + "/" + l.Destination }

// Copy is one snapshot directory of an application at a location.
type Copy struct {
	ID snapshot.ID
	// Dir is the snapshot directory relative to the destination root.
	Dir string
	// Complete is true when manifest.json is present.
	Complete bool
	// Size is the sum of the sizes of the snapshot directory's own objects
	// (chunks.txt, data.tar.sha256, manifest.json, marks): the chunks live
	// in the destination's shared chunk store, which the planner never
	// lists, so the listing cannot say what a copy's chunks weigh.
	Size int64
	// Format1 is set when the directory holds format 1's data.tar.zst (or
	// its pieces, Format1Split): such a directory is reported, never
	// planned for.
	Format1, Format1Split bool
	// ModTime is the newest modtime of any object in the directory.
	ModTime time.Time
	// Verified is the modtime of verified.json; zero when absent.
	Verified time.Time
	// Corrupt is the modtime of corrupt.json; zero when absent. A corrupt
	// mark newer than Verified means the last check failed.
	Corrupt time.Time
	// Checked is the modtime of checked.json, the copy's last restore test
	// (a check block), passed or not; zero when absent.
	Checked time.Time
	// Temps are temporary objects inside the directory (paths from the root).
	Temps []string
}

// Healthy reports whether the copy is complete and its last check did not fail.
func (c Copy) Healthy() bool {
	return c.Complete && !(c.Corrupt.After(c.Verified) || (!c.Corrupt.IsZero() && c.Verified.IsZero()))
}

// Orphan is a snapshot directory that no configured application claims.
type Orphan struct {
	Destination string      `json:"destination"`
	Dir         string      `json:"dir"`
	ID          snapshot.ID `json:"id"`
}

// OldKey names the copies of an application under one previous path at one
// location.
type OldKey struct {
	App      string
	Location Location
	Path     string
}

// Format1Dir is a snapshot directory of format 1.
type Format1Dir struct {
	Destination string `json:"destination"`
	Dir         string `json:"dir"`
	Split       bool   `json:"split"` // pieces data.tar.zst.NNN rather than one data.tar.zst
}

// Inventory is everything the planner knows about what is stored.
type Inventory struct {
	// Copies maps an application name and location to its copies, oldest first.
	Copies map[string]map[Location][]Copy
	// Failed lists the destinations whose listing failed, with the error.
	Failed map[string]string
	// Empty lists the destinations whose listing succeeded but held no
	// object outside .strata/ (a new destination, or one not mounted).
	Empty map[string]bool
	// Leases by destination name.
	Leases map[string][]Lease
	// Free is the free space in bytes of the destinations that report it.
	Free map[string]int64
	// Old are the copies found under an application's previous paths (its
	// moved blocks), by application, location and old path, oldest first.
	// The copies of a removed block's application are in Copies, under its
	// name.
	Old map[OldKey][]Copy
	// Orphans are snapshot directories no application claims.
	Orphans []Orphan
	// Format1 are snapshot directories of format 1 (data.tar.zst), which
	// strata no longer reads: reported, never restored, transferred,
	// purged or cleaned up.
	Format1 []Format1Dir
	// Standbys are what the standby paths hold, by path (see AddStandbys).
	Standbys map[string]StandbyState
	// Fingerprint summarises the listings (sans leases) so a saved plan can
	// tell whether the stored state changed since it was made.
	Fingerprint string
}

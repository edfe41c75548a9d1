package planner

import (
	"time"
)

// PlanFormatVersion is the version of the JSON plan.
const PlanFormatVersion = "1.3"

// ActionKind is what one action does.
type ActionKind int

// The action kinds, in the order a plan lists them.
const (
	Snapshot ActionKind = iota + 1 // make a new snapshot at the origin
	Transfer                       // copy a snapshot from an upstream location
	Repair                         // replace a corrupt copy from a healthy one
	Verify                         // re-read a copy and check its digests
	Purge                          // delete a copy outside retention
	Cleanup                        // delete an incomplete snapshot or temp files
	Move                           // re-home snapshots under an application's new path (moved block)
	GC                             // delete the chunks nothing references at a destination
	Standby                        // restore the newest healthy snapshot of a tier at a standby path
	Check                          // restore test of a check block: restore, run its command, record checked.json
)

// kindRank is the position of a kind in a plan's order: moves first, since
// the other actions at the location work on what they re-home.
func kindRank(k ActionKind) int {
	if k == Move {
		return 0
	}
	return int(k)
}

var kindNames = map[ActionKind]string{
	Snapshot: "snapshot", Transfer: "transfer", Repair: "repair",
	Verify: "verify", Purge: "purge", Cleanup: "cleanup", Move: "move", GC: "gc",
	Standby: "standby",
	Check:   "check",
}

func (k ActionKind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "unknown"
}

// ParseActionKind is the inverse of String.
func ParseActionKind(s string) (ActionKind, bool) {
	for k, n := range kindNames {
		if n == s {
			return k, true
		}
	}
	return 0, false
}

// MarshalText implements encoding.TextMarshaler.
func (k ActionKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (k *ActionKind) UnmarshalText(b []byte) error {
	v, ok := ParseActionKind(string(b))
	if !ok {
		return &unknownKindError{string(b)}
	}
	*k = v
	return nil
}

type unknownKindError struct{ s string }

func (e *unknownKindError) Error() string { return "unknown action kind " + e.s }

// Action is one step of a plan.
//
//	kind      Location            Source              Snapshot
//	snapshot  origin location     nil                 "" (known after apply)
//	transfer  receiving location  sending location    ID, or "" when it follows a new snapshot
//	repair    damaged copy        healthy copy        ID
//	verify    the copy            nil                 ID or ""
//	purge     the copy            nil                 ID
//	cleanup   the location        nil                 ID of the incomplete dir, or ""
//	move      the location        nil                 "" (Moves lists the snapshot directories)
//	gc        {"", destination}   nil                 "" (GC holds its parameters)
//	standby   the copy it reads   nil                 ID, or "" when it follows a transfer or repair (Standby holds the rest)
//	check     the copy tested     nil                 ID (CheckRun holds the block's parameters)
type Action struct {
	// Key identifies the action within the plan; DependsOn refers to keys.
	Key      string     `json:"key"`
	Kind     ActionKind `json:"action"`
	App      string     `json:"app,omitempty"`
	Location Location   `json:"location"`
	Source   *Location  `json:"source,omitempty"`
	// Snapshot is the snapshot ID; "" means known after apply.
	Snapshot string `json:"snapshot,omitempty"`
	// Dir is the snapshot directory at Location ("" when not yet known);
	// for cleanup, the directory or object to delete.
	Dir string `json:"dir,omitempty"`
	// AppPath is the application's path at Location.
	AppPath string `json:"app_path,omitempty"`
	// SourceDir is the snapshot directory at Source.
	SourceDir string `json:"source_dir,omitempty"`
	// SourceAppPath is the application's path at Source (transfer, repair).
	SourceAppPath string `json:"source_app_path,omitempty"`
	// Input is what a snapshot action archives, resolved from the
	// configuration (snapshot only).
	Input *SnapshotInput `json:"input,omitempty"`
	// GC is what a gc action deletes and when (gc only).
	GC *GCParams `json:"gc,omitempty"`
	// Standby is where a standby action restores and what it runs then
	// (standby only).
	Standby *StandbyParams `json:"standby,omitempty"`
	// CheckRun is what a check action restores and runs (check only).
	CheckRun *CheckParams `json:"check,omitempty"`
	// Parents are snapshot directories at Location (relative to its
	// destination root) of complete, healthy copies of the same
	// application, newest first: the chunks their chunks.txt name are at
	// that destination (gc never deletes a referenced chunk), which answers
	// most of a snapshot's or transfer's "is this chunk there?" without
	// asking the store (snapshot, transfer).
	Parents []string `json:"parents,omitempty"`
	// Damaged are snapshot directories at Location of copies of the same
	// application whose last verification failed: the chunks their
	// corrupt.json names are written again rather than taken as present,
	// which heals them for every snapshot sharing them (snapshot, transfer).
	Damaged []string `json:"damaged,omitempty"`
	// Transfers is how many chunks the action moves or checks at once at
	// Location: the destination's transfers setting, or the default
	// (snapshot, transfer, repair, verify).
	Transfers int `json:"transfers,omitempty"`
	// Paths lists extra objects (cleanup of temporary files).
	Paths []string `json:"paths,omitempty"`
	// Moves are the snapshot directories a move re-homes, newest first:
	// From under SourceAppPath, To under AppPath, at Location.
	Moves     []DirMove `json:"moves,omitempty"`
	Bytes     int64     `json:"bytes,omitempty"`
	Reason    string    `json:"reason"`
	DependsOn []string  `json:"depends_on,omitempty"`
	// Owner is the node that runs the action (see Owner); "" when no
	// `node` decides it: any node that plans it.
	Owner string `json:"owner,omitempty"`
}

// DirMove is one snapshot directory a move re-homes within one destination.
type DirMove struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// SnapshotInput is everything a snapshot action reads and records, resolved
// from the configuration when the plan is made: the executor never reads the
// configuration.
type SnapshotInput struct {
	// Paths are the absolute source paths; Exclude their exclusion patterns.
	Paths   []string `json:"paths,omitempty"`
	Exclude []string `json:"exclude,omitempty"`
	// Hooks run, in order, before archiving.
	Hooks []Hook `json:"hooks,omitempty"`
	// Labels are recorded in the manifest (the application's labels and its
	// server, vm and relpath).
	Labels map[string]string `json:"labels,omitempty"`
	// Encryption is what the manifest records: "none" or "rclone-crypt".
	Encryption string `json:"encryption"`
	// OnUnreadable is "fail" when a source path that cannot be read fails
	// the snapshot; otherwise ("" or "warn") it is skipped with a warning.
	OnUnreadable string `json:"on_unreadable,omitempty"`
}

// Hook is one command a snapshot runs before archiving.
type Hook struct {
	Name    string   `json:"name"`
	Command []string `json:"command"`
	// Timeout bounds the hook; 0 means the executor's default.
	Timeout time.Duration `json:"timeout,omitempty"`
}

// Plan is the difference between the configuration and the inventory.
type Plan struct {
	FormatVersion string    `json:"format_version"`
	Now           time.Time `json:"now"`
	// Fingerprint of the inventory the plan was made from.
	Fingerprint string `json:"inventory_fingerprint"`
	// ConfigFingerprint is the configuration's (spec.Config.Fingerprint).
	ConfigFingerprint string   `json:"config_fingerprint"`
	Actions           []Action `json:"actions"`
	Warnings          []string `json:"warnings,omitempty"`
	Orphans           []Orphan `json:"orphans,omitempty"`
	Summary           Summary  `json:"summary"`
	// NextWakeup is when a later plan would next have something to do that
	// this one has not; nil when nothing ever falls due by itself.
	NextWakeup *Wakeup `json:"next_wakeup,omitempty"`
	// Node is the node the plan was made for (Options.Node), set when the
	// configuration names nodes; Actions are the actions it owns.
	Node string `json:"node,omitempty"`
	// Elsewhere are the actions other nodes own: shown, never run here.
	Elsewhere []Action `json:"owned_elsewhere,omitempty"`
	// Waiting are actions this node owns that depend on one of Elsewhere:
	// not run, planned again once the other node has run (see FleetPoll).
	Waiting []Action `json:"waiting,omitempty"`
}

// Summary counts actions by kind.
type Summary map[string]int

// Options are the knobs of Plan that do not come from the config.
type Options struct {
	// MaxPurge overrides the mass-deletion cap (DESIGN.md §3 rule 3).
	MaxPurge *int
	// Force asks for a snapshot of these applications even if not due.
	Force []string
	// SourceBytes is the measured size of an application's sources, by
	// name: the estimate of its first snapshot for a destination's
	// min_free (see preflight.go). The caller measures it; the planner does
	// no I/O.
	SourceBytes map[string]int64
	// Node is the node the plan is for (`--node`, by default the host
	// name): the plan runs only the actions it owns (see Owner). "" plans
	// as every node at once.
	Node string
}

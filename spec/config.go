// Package spec turns a directory of strata's .hcl files into a typed, validated
// Config. Every mistake it finds is an hcl.Diagnostic with the exact source range;
// it never contacts a remote and never prints a secret.
package spec

import (
	"os"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/rclone/rclone/fs"
)

// Config is the validated desired state declared by one configuration directory.
type Config struct {
	// Dir is the absolute configuration directory.
	Dir string
	// Settings are the top-level `settings { … }` values.
	Settings Settings
	// Variables by name, with their final values (default, STRATA_VAR_x, -var).
	Variables map[string]*Variable
	// Destinations in declaration order (file name order, then position).
	Destinations []*Destination
	// Tiers in chain order: every tier comes after the tier it takes from.
	Tiers []*Tier
	// Applications sorted by name.
	Applications []*Application
	// Notifications are the `notify` blocks in declaration order.
	Notifications []*Notify
	// Moved are the `moved` blocks, Removed the `removed` blocks, in
	// declaration order.
	Moved   []*Moved
	Removed []*Removed
	// Standbys are the `standby` blocks in declaration order.
	Standbys []*Standby
	// Checks are the `check` blocks (restore tests) in declaration order.
	Checks []*Check
	// Fingerprint identifies the files and variable values the configuration
	// was loaded from: a saved plan is refused when it changed.
	Fingerprint string
}

// Settings holds the optional top-level `settings` block.
type Settings struct {
	// MaxPurge caps purges per application and location; nil means the
	// default "no more than half" rule of DESIGN.md §3.
	MaxPurge *int
	// GCGrace is how old an unreferenced chunk must be before gc deletes
	// it; nil means the default, one hour (DESIGN.md §2).
	GCGrace *time.Duration
}

// Variable is one `variable "name" { default = … }` block.
type Variable struct {
	Name        string
	Description string
	Value       string
	Sensitive   bool
	DeclRange   hcl.Range
}

// Value is one string attribute whose source may be secret or not yet known.
// Values from env() or file(), and variables marked sensitive, are Sensitive and
// must never be printed. UnsetEnv names an environment variable that env()
// needed and did not find: the value is unusable, but only an error where it is
// actually needed (plan/apply touching the destination), never in validate.
type Value struct {
	Str       string
	Sensitive bool
	UnsetEnv  string
	Range     hcl.Range
}

// Destination is one `destination "name"` block: one place rclone can write.
type Destination struct {
	Name string
	// Remote is what rclone accepts: "/local/path", "remote:path" or
	// ":backend,opt=v:path".
	Remote Value
	// Options are extra rclone backend options (`options = { … }`).
	Options map[string]Value
	// Encrypt, when set, wraps the destination in rclone crypt.
	Encrypt *Encrypt
	// Split is accepted for old configurations and has no effect (format 2
	// stores chunks of at most 4 MiB); it gets a warning.
	Split int64
	// MinFree is the free space, in bytes, a write must leave; 0 means no check.
	MinFree int64
	// Transfers is how many chunks a snapshot, transfer or verification
	// moves or checks at once here; 0 means the default.
	Transfers int
	// KnownHosts is the known_hosts file an SFTP server's host key is
	// checked against; "" when not set.
	KnownHosts string
	// InsecureSkipHostKey turns SFTP host-key checking off (explicit opt-out).
	InsecureSkipHostKey bool
	// Timeout bounds connecting and every wait for data; 0 means the default.
	Timeout time.Duration
	// FileMode is the mode of the files strata writes here (`mode`); 0
	// means private to the user strata runs as (0600).
	FileMode os.FileMode
	// Group is the group (`group`) given what strata writes here, GID its
	// number on this machine; HasGID says it is set.
	Group  string
	GID    int
	HasGID bool
	// BwLimit is the rate limit of writes here (`bwlimit`); nil means none.
	BwLimit   *BwLimit
	DeclRange hcl.Range

	splitRange, transfersRange *hcl.Range // where they were set, for warnings
}

// BwLimit is a destination's `bwlimit`: rclone's --bwlimit timetable,
// its times in the host's local time.
type BwLimit struct {
	// Text is the value as written.
	Text string
	// Timetable is Text parsed by rclone; LimitAt(t).Bandwidth.Tx is the
	// rate in bytes per second at t, not positive when unlimited ("off").
	Timetable fs.BwTimetable
}

// Encrypt is the `encrypt { password = … }` block of a destination.
type Encrypt struct {
	Password  Value
	Password2 Value // optional salt password
}

// Tier is one level of the backup chain.
type Tier struct {
	Name string
	// From is the upstream tier; nil for an origin tier, where snapshots are made.
	From         *Tier
	Destinations []*Destination
	Keep         Keep
	// Verify is nil when the tier has no verify block.
	Verify    *Verify
	DeclRange hcl.Range
	// PathRange is the range of the `path` attribute (or the block when absent).
	PathRange hcl.Range
	// Node is the host that runs the transfers into this tier (a pull
	// backup server); "" means the host that sends (DESIGN.md §8).
	Node string
}

// Keep is a retention policy; restic's semantics: the union of the rules.
type Keep struct {
	Last, Hourly, Daily, Weekly, Monthly, Yearly int
	Within                                       time.Duration
}

// IsZero reports whether the policy keeps nothing at all.
func (k Keep) IsZero() bool { return k == Keep{} }

// Verify is the `verify { every = "7d" }` block of a tier.
type Verify struct {
	// Every is how old a verification may get; 0 means verify once only.
	Every time.Duration
	// Sample is a percentage of copies to verify per run (0 or 100 means all).
	Sample int
}

// Application is one unit of data that is backed up.
type Application struct {
	Name    string
	Server  string
	VM      string
	Relpath string
	Labels  map[string]string
	// Schedule decides when a new snapshot is due.
	Schedule *Schedule
	// Window limits when its snapshots and transfers start; nil: any time.
	Window *Window
	Source Source
	Hooks  []Hook
	// Tiers the application is kept in, in chain order, origin first.
	Tiers []*Tier
	// Paths maps a tier name to the application's evaluated path at that
	// tier, relative to each destination root, slash-separated, no leading
	// or trailing slash.
	Paths map[string]string
	// Node is the host that makes its snapshots and runs its hooks; ""
	// means any host that plans it (DESIGN.md §8).
	Node string
	// Previous are the names and paths its snapshots had before, from the
	// moved blocks that end at it, the most recent first.
	Previous  []Previous
	DeclRange hcl.Range
}

// Source is the `source { paths, exclude }` block. Paths are absolute.
type Source struct {
	Paths   []string
	Exclude []string
	// OnUnreadable is "warn" (the default: a path that cannot be read is
	// skipped with a warning naming it) or "fail" (it fails the snapshot).
	OnUnreadable string
}

// Hook is one `hook "name" { command = [...] }` block run before archiving.
type Hook struct {
	Name    string
	Command []string
	// Timeout bounds the hook; 0 means the default.
	Timeout time.Duration
}

// Origin returns the application's origin tier (the one without From).
func (a *Application) Origin() *Tier {
	for _, t := range a.Tiers {
		if t.From == nil {
			return t
		}
	}
	return nil
}

// Tier returns the tier called name, or nil.
func (c *Config) Tier(name string) *Tier {
	for _, t := range c.Tiers {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// Destination returns the destination called name, or nil.
func (c *Config) Destination(name string) *Destination {
	for _, d := range c.Destinations {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Application returns the application called name, or nil.
func (c *Config) Application(name string) *Application {
	for _, a := range c.Applications {
		if a.Name == name {
			return a
		}
	}
	return nil
}

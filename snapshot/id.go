// Package snapshot owns strata's on-storage format (DESIGN.md §2): snapshot IDs
// and their date-ordered directories, the manifest, format 2's content-defined
// chunks (chunks.go), the streaming archive writer that cuts them, the
// digest-checking chunk reader and the path-safe extractor. It does no
// storage I/O of its own: it reads and writes streams and calls its sinks.
package snapshot

import (
	"fmt"
	"path"
	"strings"
	"time"
)

// Well-known file names inside a snapshot directory.
const (
	ManifestName = "manifest.json" // written last: the commit marker
	VerifiedName = "verified.json" // written by a passing verification
	CorruptName  = "corrupt.json"  // written by a failing verification
	CheckedName  = "checked.json"  // written by a restore test (check block), passed or not
	// Format1Archive is format 1's archive (or the prefix of its pieces
	// data.tar.zst.NNN), no longer read or written: strata only recognises
	// it, to say so (see Format1Recipe).
	Format1Archive = "data.tar.zst"
	// StrataDir is strata's own folder at a destination root: leases, the
	// chunk store.
	StrataDir = ".strata"
	// LocksDir is the folder, relative to a destination root, holding leases.
	LocksDir = ".strata/locks"
	// TempMarker is part of the name of every temporary object strata writes.
	TempMarker = ".strata-tmp-"
)

// ID identifies a snapshot by its UTC creation time, to the second.
type ID struct{ t time.Time }

const (
	idLayout  = "2006-01-02T15:04:05Z"
	dirLayout = "2006/01/02/150405Z"
)

// NewID returns the ID for the instant t (converted to UTC, truncated to seconds).
func NewID(t time.Time) ID { return ID{t.UTC().Truncate(time.Second)} }

// ParseID parses the ID form "2026-11-21T02:00:00Z".
func ParseID(s string) (ID, error) {
	t, err := time.Parse(idLayout, s)
	if err != nil || t.Format(idLayout) != s { // Parse accepts fractions; IDs have none
		return ID{}, fmt.Errorf("invalid snapshot ID %q (want e.g. 2026-11-21T02:00:00Z)", s)
	}
	return ID{t}, nil
}

// ParseDir parses the directory form "2026/11/21/020000Z".
func ParseDir(s string) (ID, bool) {
	if len(s) != len("2006/01/02/150405Z") {
		return ID{}, false
	}
	t, err := time.Parse(dirLayout, s)
	if err != nil || t.Format(dirLayout) != s {
		return ID{}, false
	}
	return ID{t}, true
}

// Time returns the instant of the ID, in UTC.
func (id ID) Time() time.Time { return id.t }

// IsZero reports whether id is the zero ID.
func (id ID) IsZero() bool { return id.t.IsZero() }

// String returns the ID form "2026-11-21T02:00:00Z".
func (id ID) String() string {
	if id.t.IsZero() {
		return ""
	}
	return id.t.Format(idLayout)
}

// Dir returns the directory form "2026/11/21/020000Z".
func (id ID) Dir() string { return id.t.Format(dirLayout) }

// Before reports whether id sorts before other.
func (id ID) Before(other ID) bool { return id.t.Before(other.t) }

// MarshalText implements encoding.TextMarshaler.
func (id ID) MarshalText() ([]byte, error) { return []byte(id.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (id *ID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*id = ID{}
		return nil
	}
	v, err := ParseID(string(b))
	if err != nil {
		return err
	}
	*id = v
	return nil
}

// Path joins an application's path at a tier with the ID's directory.
func Path(appPath string, id ID) string {
	return path.Join(appPath, id.Dir())
}

// SplitPath splits a path "app/path/2026/11/21/020000Z/rest" into the
// application path, the ID and the rest ("" when p is the snapshot dir itself).
// ok is false when p holds no snapshot directory.
func SplitPath(p string) (appPath string, id ID, rest string, ok bool) {
	parts := strings.Split(p, "/")
	for i := 0; i+4 <= len(parts); i++ {
		cand := strings.Join(parts[i:i+4], "/")
		if v, good := ParseDir(cand); good {
			return strings.Join(parts[:i], "/"), v, strings.Join(parts[i+4:], "/"), true
		}
	}
	return "", ID{}, "", false
}

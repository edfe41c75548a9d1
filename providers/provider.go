// Package providers is strata's one narrow storage interface, implemented over
// rclone used as a library. Every destination rclone can reach — a local path, a
// remote of the user's rclone.conf, an on-the-fly ":backend,opt=…:path" — is a
// Store. It moves bytes and lists names; it never decides what to write or delete.
package providers

import (
	"context"
	"io"
	"io/fs"
	"os"
	"time"

	rfs "github.com/rclone/rclone/fs"
)

// Entry is one object found by a recursive listing.
type Entry struct {
	// Path is relative to the store root, slash-separated.
	Path    string
	Size    int64
	ModTime time.Time
}

// Usage is the free-space report of a store; a field is -1 when unknown.
type Usage struct {
	Free  int64
	Total int64
	Used  int64
}

// Store is one destination opened through rclone. Paths are relative to the
// destination root and slash-separated. Implementations are safe for
// concurrent use.
type Store interface {
	// Name is the destination name from the config (for messages).
	Name() string
	// List walks the whole store recursively and calls fn for every object.
	// A missing root lists nothing and is not an error.
	List(ctx context.Context, fn func(Entry) error) error
	// ListDir is List limited to the objects under dir (paths stay relative
	// to the root); a missing dir lists nothing.
	ListDir(ctx context.Context, dir string, fn func(Entry) error) error
	// Open reads one object.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// Write stores r under path atomically: the object becomes visible under
	// its final name only once complete (temporary name then rename where the
	// backend has one; object stores are atomic per object). size is -1 when
	// unknown. It returns the number of bytes written.
	Write(ctx context.Context, path string, r io.Reader, size int64) (int64, error)
	// Copy copies an object from another store, server-side when both share
	// a remote, atomically like Write.
	Copy(ctx context.Context, src Store, srcPath, dstPath string) error
	// Delete removes one object; a missing object is not an error.
	Delete(ctx context.Context, path string) error
	// DeleteDir removes a directory and everything under it, then prunes
	// parent directories left empty up to (not including) the root.
	DeleteDir(ctx context.Context, dir string) error
	// MoveDir renames the directory src to dst on the server in one
	// operation; ErrCantMove when the backend cannot (object stores) or
	// dst exists.
	MoveDir(ctx context.Context, src, dst string) error
	// Move moves one object on the server, replacing dst: a rename, or a
	// server-side copy then delete; ErrCantMove when neither exists.
	// Nothing is ever downloaded to move.
	Move(ctx context.Context, src, dst string) error
	// Usage reports free space; ok is false when the backend cannot tell.
	Usage(ctx context.Context) (u Usage, ok bool, err error)
}

// Stater is a Store that tells whether an object exists without reading it
// (every Store this package opens is one).
type Stater interface {
	// Stat returns the entry of the object at p; a missing object is
	// ErrNotFound (wrapped).
	Stat(ctx context.Context, p string) (Entry, error)
}

// TopLister is a Store that lists its root alone, not recursively (every
// Store this package opens is one): a plan lists the tier paths below it and
// leaves the chunk store to gc.
type TopLister interface {
	// Top returns the directories and the objects directly under the root;
	// a missing root holds nothing.
	Top(ctx context.Context) (dirs []string, files []Entry, err error)
}

// ErrNotFound is returned (wrapped) by Open for a missing object.
var ErrNotFound = errNotFound{}

type errNotFound struct{}

func (errNotFound) Error() string { return "object not found" }

// Is makes ErrNotFound match fs.ErrNotExist, so code that knows only the
// standard library (the snapshot reader) recognises a missing object.
func (errNotFound) Is(target error) bool { return target == fs.ErrNotExist }

// Config says how to open a destination. The caller resolves secrets; the
// provider never prints Options or passwords.
type Config struct {
	// Name is the destination's name, used in messages.
	Name string
	// Remote is anything rclone accepts as a remote path.
	Remote string
	// Options are extra backend options (keys as in rclone, e.g. access_key_id).
	Options map[string]string
	// CryptPassword, when set, wraps the remote in rclone crypt.
	CryptPassword  string
	CryptPassword2 string
	// KnownHostsFile is the known_hosts file an SFTP server's host key is
	// checked against ("~" is expanded).
	KnownHostsFile string
	// InsecureSkipHostKey turns SFTP host-key checking off. Without it, a
	// known_hosts file (KnownHostsFile, or known_hosts_file / host_keys in
	// the remote's own options) is required.
	InsecureSkipHostKey bool
	// Timeout bounds connecting and every wait for data from the backend;
	// 0 means the default (STRATA_TIMEOUT, else 30s to connect and 5m idle).
	Timeout time.Duration
	// FileMode is the mode of the files written (0: DefaultFileMode, 0600);
	// directories get DirMode(FileMode), immutable files ReadOnly(FileMode).
	// Local and SFTP destinations have modes; object stores have none.
	FileMode os.FileMode
	// GID, when HasGID, is the group given to what a local destination
	// writes (an SFTP server's group cannot be set by name: a setgid
	// destination root hands its group down).
	GID    int
	HasGID bool
	// BwLimit limits the rate of what is written here (rclone's --bwlimit
	// timetable; its upload rates apply). Each store has its own limit,
	// shared by its concurrent writes; a server-side copy moves no data
	// through strata and is not limited.
	BwLimit rfs.BwTimetable
	// SensitiveOptions names the Options whose values came from env() or a
	// file. Every option value is kept out of messages, except the few that
	// only say where the store is (host, port, user, key files: see printableOption)
	// when they are not named here.
	SensitiveOptions map[string]bool
	// Removable makes every write first check that the marker
	// (snapshot.MarkerPath) is at the root and names this destination,
	// failing with ErrDetached otherwise: an unplugged drive's mount point,
	// or another destination's drive mounted there, is never written.
	Removable bool
}

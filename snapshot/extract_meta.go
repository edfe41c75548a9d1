package snapshot

import (
	"archive/tar"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"
	"sync"
)

// OwnerMode says whether Extract restores the owners recorded in the
// archive.
type OwnerMode int

const (
	// OwnerAuto restores owners when running as root (as GNU tar's
	// --same-owner does for the superuser) and otherwise leaves the files to
	// the user running the restore, saying so once.
	OwnerAuto OwnerMode = iota
	// OwnerSame restores owners, failures noted once per kind.
	OwnerSame
	// OwnerNone leaves every file to the user running the restore.
	OwnerNone
)

// notes gathers what Extract could not restore, one line per kind however
// many entries it concerns. The reader and the writers add to it.
type notes struct {
	mu    sync.Mutex
	kinds map[string]*note
	order []string
}

type note struct {
	count int
	first string // the first entry concerned
	err   error  // the first error, if any
}

// add notes that name could not be given what kind says, because of err
// (which may be nil).
func (n *notes) add(kind, name string, err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.kinds == nil {
		n.kinds = map[string]*note{}
	}
	k := n.kinds[kind]
	if k == nil {
		k = &note{first: name, err: err}
		n.kinds[kind] = k
		n.order = append(n.order, kind)
	}
	k.count++
}

// list returns one line per kind, in the order they were first met.
func (n *notes) list() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, kind := range n.order {
		k := n.kinds[kind]
		s := fmt.Sprintf("%s: %d entr%s (first: %s)", kind, k.count, plural(k.count, "y", "ies"), k.first)
		if k.err != nil {
			s += ": " + k.err.Error()
		}
		out = append(out, s)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// owner is the owner to give an entry: ok false leaves it to whoever runs
// the restore.
type owner struct {
	uid, gid int
	ok       bool
}

// ownerResolver decides the owner of each entry, on the reader's goroutine.
type ownerResolver struct {
	mode    OwnerMode
	byName  bool
	root    bool
	uids    map[string]int // names looked up, -1 for unknown
	gids    map[string]int
	me, grp int
}

func newOwnerResolver(opts ExtractOptions) *ownerResolver {
	r := &ownerResolver{mode: opts.Owner, byName: opts.OwnerByName, root: os.Geteuid() == 0,
		uids: map[string]int{}, gids: map[string]int{}, me: os.Geteuid(), grp: os.Getegid()}
	if r.mode == OwnerAuto && r.root {
		r.mode = OwnerSame
	}
	return r
}

// of returns the owner of hdr's entry, noting when an owner differing from
// the user's own is left out because the restore is not run as root.
func (r *ownerResolver) of(hdr *tar.Header, n *notes, name string) owner {
	if r.mode == OwnerNone {
		return owner{}
	}
	uid, gid := hdr.Uid, hdr.Gid
	if r.byName {
		uid = lookupID(r.uids, hdr.Uname, uid, func(s string) (string, error) {
			u, err := user.Lookup(s)
			if err != nil {
				return "", err
			}
			return u.Uid, nil
		})
		gid = lookupID(r.gids, hdr.Gname, gid, func(s string) (string, error) {
			g, err := user.LookupGroup(s)
			if err != nil {
				return "", err
			}
			return g.Gid, nil
		})
	}
	if r.mode == OwnerAuto {
		if uid != r.me || gid != r.grp {
			n.add("owners not restored (not running as root; the files are the restoring user's)", name, nil)
		}
		return owner{}
	}
	return owner{uid: uid, gid: gid, ok: true}
}

// lookupID maps a user or group name to its number on this system, or
// returns def when the name is empty or unknown here.
func lookupID(cache map[string]int, name string, def int, look func(string) (string, error)) int {
	if name == "" {
		return def
	}
	id, ok := cache[name]
	if !ok {
		id = -1
		if s, err := look(name); err == nil {
			if v, err := strconv.Atoi(s); err == nil {
				id = v
			}
		}
		cache[name] = id
	}
	if id < 0 {
		return def
	}
	return id
}

// xattrsOf returns the extended attributes recorded for hdr's entry.
func xattrsOf(hdr *tar.Header) map[string]string {
	var xs map[string]string
	for k, v := range hdr.PAXRecords {
		if name, ok := strings.CutPrefix(k, paxXattr); ok && name != "" {
			if xs == nil {
				xs = map[string]string{}
			}
			xs[name] = v
		}
	}
	return xs
}

// Kinds of what a restore could not bring back, noted once each.
const (
	noteXattrs        = "extended attributes not restored (the file system refused them)"
	noteLinkXattrs    = "extended attributes of symlinks and special files not restored"
	noteOwners        = "owners not restored"
	noteDevices       = "device nodes not restored (not running as root)"
	noteLinkTimes     = "symlink times not restored"
	noteLinkNotHere   = "hard links not restored: their target is not among the restored entries"
	noteSpecialFailed = "special files not restored"
)

// parentDir returns the open parent directory of name, checked to be a
// real directory of the target. The extractor keeps the last one open.
func (x *extractor) parentDir(name string) (*os.File, error) {
	d := path.Dir(name)
	if x.parent != nil && x.parentName == d {
		return x.parent, nil
	}
	x.closeParent()
	f, err := x.root.Open(d)
	if err != nil {
		return nil, err
	}
	x.parent, x.parentName = f, d
	return f, nil
}

func (x *extractor) closeParent() {
	if x.parent != nil {
		x.parent.Close()
		x.parent = nil
	}
}

// hardLink links name to target, an entry of the archive. The target is
// named as entries are, inside the target directory, and must be a regular
// file there (not a symlink, which a link would make a second name of):
// nothing outside the target is ever linked, and a link is never written
// through.
func (x *extractor) hardLink(name string, hdr *tar.Header) error {
	target, err := entryName(hdr.Linkname)
	if err != nil {
		return fmt.Errorf("refusing hard link %q -> %q: %w", name, hdr.Linkname, err)
	}
	if !x.included(target) {
		x.notes.add(noteLinkNotHere, name, nil)
		return nil
	}
	if err := x.prepare(name); err != nil {
		return err
	}
	if err := x.pool.waitFor(target); err != nil {
		return err
	}
	if err := x.parents(target); err != nil {
		return err
	}
	if fi, err := x.root.Lstat(target); err != nil || !fi.Mode().IsRegular() {
		return fmt.Errorf("refusing hard link %q -> %q: the target is not a regular file restored here", name, hdr.Linkname)
	}
	if err := x.root.Link(target, name); err != nil {
		return err
	}
	x.stats.HardLinks++
	return nil
}

// special makes a FIFO or a device node (devices as root only).
func (x *extractor) special(name string, hdr *tar.Header) error {
	mode := hdr.FileInfo().Mode()
	if mode&fs.ModeDevice != 0 && !x.owners.root {
		x.notes.add(noteDevices, name, nil)
		return nil
	}
	if err := x.prepare(name); err != nil {
		return err
	}
	dir, err := x.parentDir(name)
	if err != nil {
		return err
	}
	if err := mknodAt(dir, path.Base(name), mode, hdr.Devmajor, hdr.Devminor); err != nil {
		x.notes.add(noteSpecialFailed, name, err)
		return nil
	}
	if len(xattrsOf(hdr)) > 0 {
		x.notes.add(noteLinkXattrs, name, nil)
	}
	x.chown(name, x.owners.of(hdr, x.notes, name), true)
	if err := x.root.Chmod(name, mode&modeBits); err != nil {
		return err
	}
	if err := x.root.Chtimes(name, hdr.ModTime, hdr.ModTime); err != nil {
		return err
	}
	x.stats.Specials++
	return nil
}

// chown gives name its owner (the link itself if nolink), noting a failure.
func (x *extractor) chown(name string, o owner, nolink bool) {
	if !o.ok {
		return
	}
	chown := x.root.Chown
	if nolink {
		chown = x.root.Lchown
	}
	if err := chown(name, o.uid, o.gid); err != nil {
		x.notes.add(noteOwners, name, err)
	}
}

// dirXattrs sets the extended attributes of the directory name.
func (x *extractor) dirXattrs(name string, xs map[string]string) error {
	if len(xs) == 0 {
		return nil
	}
	f, err := x.root.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := setFileXattrs(f, xs); err != nil {
		x.notes.add(noteXattrs, name, err)
	}
	return nil
}

// symlinkMeta gives a symlink just made its owner and time.
func (x *extractor) symlinkMeta(name string, hdr *tar.Header) error {
	x.chown(name, x.owners.of(hdr, x.notes, name), true)
	if len(xattrsOf(hdr)) > 0 {
		x.notes.add(noteLinkXattrs, name, nil)
	}
	dir, err := x.parentDir(name)
	if err != nil {
		return err
	}
	if err := lutimesAt(dir, path.Base(name), hdr.ModTime); err != nil {
		x.notes.add(noteLinkTimes, name, err)
	}
	return nil
}

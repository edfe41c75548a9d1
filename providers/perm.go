package providers

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"os"
	"path"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rclone/rclone/backend/crypt"
	"github.com/rclone/rclone/backend/local"
	rsftp "github.com/rclone/rclone/backend/sftp"
	"github.com/rclone/rclone/fs"

	"github.com/stratabackup/strata/snapshot"
)

// Permissions. What strata creates at a destination is private to the user
// it runs as, unless the destination says otherwise: directories 0700,
// files 0600, and 0400 once immutable (a snapshot's archive, digests and
// manifest are never modified, only replaced or deleted, which a directory's
// permissions govern). rclone creates files and directories with the
// process's or the SFTP server's umask and cannot set a mode itself (its
// local backend sets one only from a source's metadata, its SFTP backend
// not at all), so a store makes the directories it writes into itself, with
// their mode, before rclone writes there, and sets the mode of every file it
// writes while the file still has its temporary name. Object stores have no
// modes: nothing is done there.

// DefaultFileMode is the mode of what strata writes unless the destination
// sets `mode`.
const DefaultFileMode os.FileMode = 0o600

// DirMode is the directory mode that matches the file mode m: the owner
// gets rwx, a class that may read or write the files may also traverse
// (0640 → 0750, 0660 → 0770), and a directory open to the group is setgid,
// so that what is made inside it keeps its group.
func DirMode(m os.FileMode) os.FileMode {
	d := m.Perm() | 0o700
	if g := m.Perm() & 0o060; g != 0 {
		d |= g | 0o010 | os.ModeSetgid
	}
	return d
}

// ReadOnly is the mode of an immutable file for the file mode m: m without
// any write bit.
func ReadOnly(m os.FileMode) os.FileMode { return m.Perm() &^ 0o222 }

// immutable says whether the object at p (its final name) is never modified
// once written: a chunk, a snapshot's chunk list, stream digest and manifest.
func immutable(p string) bool {
	switch path.Base(p) {
	case snapshot.ChunkListName, snapshot.StreamSumName, snapshot.ManifestName:
		return true
	}
	return strings.HasPrefix(p, snapshot.ChunkDir+"/") && strings.HasSuffix(p, ".zst")
}

// permFS sets modes on the file system under a store's base Fs. Paths are
// the base Fs's own: joined to its root.
type permFS interface {
	// isDir says whether p exists as a directory (false, nil: it does not exist).
	isDir(ctx context.Context, p string) (bool, error)
	// mkdir makes the directory p with mode (and gid, when >= 0); an
	// existing p is an error matching fs.ErrExist.
	mkdir(ctx context.Context, p string, mode os.FileMode, gid int) error
	// chmod sets the mode (and the group, when gid >= 0) of the file p.
	chmod(ctx context.Context, p string, mode os.FileMode, gid int) error
	// rename gives the file from the name to, replacing any file there, in
	// one step (POSIX rename; over SFTP, OpenSSH's posix-rename).
	rename(ctx context.Context, from, to string) error
}

// perms applies a destination's modes to what its store writes.
type perms struct {
	file os.FileMode // mode of a mutable file
	dir  os.FileMode
	gid  int // group of everything made, -1 for the user's default
	fsys permFS
	root string // the base Fs's root
	// encrypt maps a path of the store to the base Fs's (crypt encrypts
	// names); nil when they are the same.
	encrypt func(string) string
	// chunkDirs are the directories of the chunk store (.strata/chunks/xx)
	// found or made by this store: nothing strata does removes one (gc
	// deletes chunks, a purge prunes only a snapshot's parents), so a write
	// of the next chunk there need not look again — one round trip less
	// per chunk over SFTP. Not on a removable destination (rememberDirs
	// false): a watch keeps its stores for days, and another drive may be
	// behind the same root by the next write.
	chunkDirs    sync.Map
	rememberDirs bool
	// noRename is set once the backend's Move succeeded where rename had
	// failed (an SFTP server without posix-rename): from then on the store
	// goes straight to Move, not two attempts a write.
	noRename atomic.Bool
}

// newPerms returns the perms of a store over f; c says the modes. f's base
// backend decides how modes are set: a local or SFTP one, directly or under
// crypt, has them; any other has none (nil perms, nothing to do).
func newPerms(f fs.Fs, c Config) (*perms, error) {
	mode := c.FileMode
	if mode == 0 {
		mode = DefaultFileMode
	}
	p := &perms{file: mode.Perm(), dir: DirMode(mode), gid: -1}
	if c.HasGID {
		p.gid = c.GID
	}
	base := f
	if cf, ok := f.(*crypt.Fs); ok {
		base, p.encrypt = cf.UnWrap(), cf.EncryptFileName
	}
	p.root = base.Root()
	switch b := base.(type) {
	case *local.Fs:
		p.fsys = localFS{}
	case *rsftp.Fs:
		s, err := newSFTPPerm(b)
		if err != nil {
			return nil, err
		}
		p.fsys = s
	default:
		return nil, nil
	}
	return p, nil
}

// basePath is the path of the base Fs for the store's path p.
func (p *perms) basePath(rel string) string {
	if p.encrypt != nil && rel != "" && rel != "." {
		rel = p.encrypt(rel)
	}
	return path.Join(p.root, rel)
}

// prepare makes the missing directories above the store's path rel (the
// root and its missing parents included) with the directory mode.
func (p *perms) prepare(ctx context.Context, rel string) error {
	if p == nil {
		return nil
	}
	dir := path.Dir(rel)
	if dir == "." {
		dir = ""
	}
	chunkDir := p.rememberDirs && strings.HasPrefix(dir, snapshot.ChunkDir+"/")
	if _, seen := p.chunkDirs.Load(dir); chunkDir && seen {
		return nil
	}
	if err := p.ensureDir(ctx, p.basePath(dir)); err != nil {
		return fmt.Errorf("making directory %s (mode %04o): %w", dir, p.dir.Perm(), err)
	}
	if chunkDir {
		p.chunkDirs.Store(dir, true)
	}
	return nil
}

// ensureDir makes d and its missing parents. Nothing is remembered between
// writes (but the chunk store's directories, see perms.chunkDirs): a purge
// here, or another host's, may remove directories at any time, and the one
// stat a write costs is what keeps rclone from ever making one with the
// umask's mode.
func (p *perms) ensureDir(ctx context.Context, d string) error {
	if d == "" || d == "." || d == "/" {
		return nil
	}
	ok, err := p.fsys.isDir(ctx, d)
	if err != nil {
		return err
	}
	if !ok {
		if err := p.ensureDir(ctx, path.Dir(d)); err != nil {
			return err
		}
		if err := p.fsys.mkdir(ctx, d, p.dir, p.gid); err != nil && !errors.Is(err, iofs.ErrExist) {
			return err
		}
	}
	return nil
}

// rename gives o, just written under a temporary name and protected, the
// store's path final — what rclone's Move would do, without its checks of
// the parent directory and of the result (two round trips over SFTP).
// It reports whether it did; it does not try when p is nil or when
// renaming failed here before (see noRename).
func (p *perms) rename(ctx context.Context, o fs.Object, final string) bool {
	if p == nil || p.noRename.Load() {
		return false
	}
	from := path.Join(p.root, fs.UnWrapObject(o).Remote())
	return p.fsys.rename(ctx, from, p.basePath(final)) == nil
}

// protect sets the mode of o, just written under a temporary name, to the
// mode of its final name final.
func (p *perms) protect(ctx context.Context, o fs.Object, final string) error {
	if p == nil || o == nil {
		return nil
	}
	mode := p.file
	if immutable(final) {
		mode = ReadOnly(mode)
	}
	name := path.Join(p.root, fs.UnWrapObject(o).Remote())
	if err := p.fsys.chmod(ctx, name, mode, p.gid); err != nil {
		return fmt.Errorf("setting mode %04o: %w", mode, err)
	}
	return nil
}

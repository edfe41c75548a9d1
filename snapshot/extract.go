package snapshot

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/klauspost/compress/zstd"
)

// ExtractOptions tune Extract.
type ExtractOptions struct {
	// Include, when set, holds doublestar globs over archive names: an entry is
	// extracted when it or one of its parent folders matches one of them.
	Include []string
	// Overwrite replaces files and symlinks that already exist. A directory is
	// never replaced by a non-directory.
	Overwrite bool
	// AbsoluteSymlinks extracts symlinks whose target is absolute or climbs out
	// of the target directory as they are (an application's "current ->
	// /home/…/releases/…"), instead of failing. Nothing is ever written through
	// a symlink either way.
	AbsoluteSymlinks bool
	// Owner says whether the archived owners are restored: by default only
	// when running as root.
	Owner OwnerMode
	// OwnerByName maps the archived user and group names to this system's
	// numbers (falling back to the archived numbers for names unknown
	// here), instead of using the archived numbers as they are.
	OwnerByName bool
}

// ExtractStats counts what Extract did.
type ExtractStats struct {
	Files     int64 // regular files written
	Dirs      int64
	Symlinks  int64
	HardLinks int64
	Specials  int64 // FIFOs and device nodes
	Bytes     int64 // bytes of regular files written
	Skipped   int64 // entries left out by Include
	// Warnings say what could not be restored (owners, extended attributes,
	// device nodes…), one line per kind with a count and the first entry.
	Warnings []string
	// Unmatched lists the Include patterns that matched no entry.
	Unmatched []string
}

// maxWindow bounds the memory a hostile zstd frame can make the decoder take.
const maxWindow = 128 << 20

// Extract unpacks the zstd-compressed tar stream r (e.g. from NewReader) into
// dir, creating it (mode 0700) if needed. No entry can write outside dir: names that are
// absolute or climb out are refused, as are symlinks pointing out of dir,
// hard links to anything but a regular file inside dir, and any path through
// a symlink. Modes, modification times (of symlinks too; of directories
// last), hard links, FIFOs and extended attributes are restored; owners and
// device nodes as opts.Owner says and root allows. What could not be
// restored is in the stats' Warnings.
//
// The archive is read by one goroutine while a few others write the regular
// files, so that decoding overlaps with the file system's work; entries for
// the same path are still applied in archive order. The first error stops
// everything, and Extract returns only once every file it started is closed;
// a *DigestError of the reader is returned in preference to the decoding
// error it causes, and the stream is read to its end even after the tar
// trailer so that the last piece gets checked.
func Extract(ctx context.Context, r io.Reader, dir string, opts ExtractOptions) (*ExtractStats, error) {
	for _, pat := range opts.Include {
		if !doublestar.ValidatePattern(pat) {
			return nil, fmt.Errorf("invalid include pattern %q", pat)
		}
	}
	// A target made here is private (its missing parents too): what is
	// restored keeps its archived modes, and a 0755 top directory would
	// open the whole tree to every user. An existing target is left as is.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	t := &trap{r: r}
	dec, err := zstd.NewReader(t, zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return nil, err
	}
	x := newExtractor(ctx, root, opts)
	err = x.unpack(dec, t)
	if err == nil {
		err = x.finishDirs()
	}
	return x.statistics(), t.cause(err)
}

// unpack extracts the tar stream dec decodes from t, then reads both to
// their ends. It returns once the writers are done, with the first error of
// the reader or of a writer.
func (x *extractor) unpack(dec *zstd.Decoder, t *trap) error {
	err := x.run(tar.NewReader(dec))
	if err == nil {
		_, err = io.Copy(io.Discard, streamReader{x.ctx, dec}) // whatever follows the tar trailer
	}
	dec.Close()
	if err == nil {
		_, err = io.Copy(io.Discard, t) // so that the last piece gets checked
	}
	err = x.pool.wait(err)
	x.handles.close()
	x.closeParent()
	return err
}

// trap remembers the first error of the raw stream: a digest error is the
// cause of whatever the decoder makes of a damaged piece.
type trap struct {
	r   io.Reader
	err error
}

func (t *trap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF && t.err == nil {
		t.err = err
	}
	return n, err
}

// cause returns the error to report for err. Call it only once the decoder
// is closed.
func (t *trap) cause(err error) error {
	if err == nil || t.err != nil {
		return t.err
	}
	return err
}

// decodeError marks an error of the archive stream, as opposed to one of
// the file system: only the former can be caused by a damaged piece.
type decodeError struct{ err error }

func (e *decodeError) Error() string { return e.err.Error() }
func (e *decodeError) Unwrap() error { return e.err }

// streamReader marks the errors of the archive stream as decodeErrors, and
// stops at the end of ctx.
type streamReader struct {
	ctx context.Context
	r   io.Reader
}

func (s streamReader) Read(p []byte) (int, error) {
	if err := s.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = &decodeError{err}
	}
	return n, err
}

// extractor writes the entries of an archive under root. Its methods run on
// the goroutine that reads the archive; only regular files are handed to the
// writers of pool.
type extractor struct {
	ctx     context.Context // canceled at the first error of the reader or a writer
	root    *os.Root
	opts    ExtractOptions
	matched map[string]bool // the Include patterns some entry matched
	dirs    map[string]bool // directories known to be real, not symlinks
	pending []dirMeta       // directory modes and times, applied last
	handles *dirCache       // open parent directories of the files
	pool    *writerPool
	stats   ExtractStats // all but Files and Bytes, which the writers count
	owners  *ownerResolver
	notes   *notes // shared with the writers

	parent     *os.File // the last parent directory of a symlink or special file
	parentName string
}

type dirMeta struct {
	name  string
	mode  fs.FileMode
	mtime time.Time
	owner owner
}

func newExtractor(ctx context.Context, root *os.Root, opts ExtractOptions) *extractor {
	pool := newWriterPool(ctx, opts.Overwrite, writers())
	return &extractor{
		owners:  newOwnerResolver(opts),
		notes:   &pool.notes,
		ctx:     pool.ctx,
		root:    root,
		opts:    opts,
		matched: map[string]bool{},
		dirs:    map[string]bool{".": true},
		handles: newDirCache(root),
		pool:    pool,
	}
}

// statistics returns what was done, once the writers are done.
func (x *extractor) statistics() *ExtractStats {
	st := x.stats
	st.Files, st.Bytes = x.pool.files.Load(), x.pool.bytes.Load()
	for _, pat := range x.opts.Include {
		if !x.matched[pat] {
			st.Unmatched = append(st.Unmatched, pat)
		}
	}
	st.Warnings = x.notes.list()
	return &st
}

func (x *extractor) run(tr *tar.Reader) error {
	for {
		if err := x.ctx.Err(); err != nil {
			return err
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return &decodeError{err}
		}
		if err := x.entry(tr, hdr); err != nil {
			return err
		}
	}
}

// entry extracts one entry by its type.
func (x *extractor) entry(tr *tar.Reader, hdr *tar.Header) error {
	if hdr.Typeflag == tar.TypeXGlobalHeader {
		return nil
	}
	name, err := entryName(hdr.Name)
	if err != nil {
		return fmt.Errorf("refusing entry %q: %w", hdr.Name, err)
	}
	if !x.included(name) {
		x.stats.Skipped++
		return nil
	}
	if isSparse(hdr) { // a few bytes could stand for terabytes of holes
		return fmt.Errorf("refusing entry %q: sparse files are not supported", hdr.Name)
	}
	switch hdr.Typeflag {
	case tar.TypeReg:
		return x.file(tr, name, hdr)
	case tar.TypeDir:
		return x.dir(name, hdr)
	case tar.TypeSymlink:
		return x.symlink(name, hdr)
	case tar.TypeLink:
		return x.hardLink(name, hdr)
	case tar.TypeFifo, tar.TypeChar, tar.TypeBlock:
		return x.special(name, hdr)
	default:
		return fmt.Errorf("refusing entry %q: unsupported type %q", hdr.Name, hdr.Typeflag)
	}
}

// isSparse reports whether hdr is a GNU sparse file in PAX form (the old GNU
// form has its own type, refused as unsupported).
func isSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}

// included reports whether name or one of its parents matches opts.Include,
// and notes every pattern that matches.
func (x *extractor) included(name string) bool {
	if len(x.opts.Include) == 0 {
		return true
	}
	in := false
	for n := name; n != "."; n = path.Dir(n) {
		for _, pat := range x.opts.Include {
			if (in && x.matched[pat]) || !doublestar.MatchUnvalidated(pat, n) {
				continue
			}
			in, x.matched[pat] = true, true
		}
	}
	return in
}

// file hands a regular file to the writers: whole if it is small, in
// chunks read on the fly if not. A writer creates it, clearing the way as
// prepare would; an earlier entry for the same path is finished first.
func (x *extractor) file(tr *tar.Reader, name string, hdr *tar.Header) error {
	if hdr.Size < 0 {
		return &decodeError{fmt.Errorf("entry %q has a negative size", hdr.Name)}
	}
	if err := x.parents(name); err != nil {
		return err
	}
	if err := x.pool.waitFor(name); err != nil {
		return err
	}
	dir, err := x.handles.acquire(path.Dir(name))
	if err != nil {
		return err
	}
	j := &fileJob{name: name, dir: dir, base: path.Base(name), mode: hdr.FileInfo().Mode() & modeBits, mtime: hdr.ModTime,
		owner: x.owners.of(hdr, x.notes, name), xattrs: xattrsOf(hdr)}
	if hdr.Size <= chunkSize {
		return x.pool.submitWhole(j, streamReader{x.ctx, tr}, int(hdr.Size))
	}
	return x.pool.submitStream(j, streamReader{x.ctx, tr}, hdr.Size)
}

// modeBits are the mode bits restored.
const modeBits = fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

func (x *extractor) dir(name string, hdr *tar.Header) error {
	if err := x.parents(name); err != nil {
		return err
	}
	if err := x.makeDir(name, true); err != nil {
		return err
	}
	if err := x.dirXattrs(name, xattrsOf(hdr)); err != nil {
		return err
	}
	x.pending = append(x.pending, dirMeta{name, hdr.FileInfo().Mode() & modeBits, hdr.ModTime, x.owners.of(hdr, x.notes, name)})
	x.stats.Dirs++
	return nil
}

func (x *extractor) symlink(name string, hdr *tar.Header) error {
	if !x.opts.AbsoluteSymlinks {
		if err := checkLinkTarget(name, hdr.Linkname); err != nil {
			return fmt.Errorf("refusing symlink %q -> %q: %w", name, hdr.Linkname, err)
		}
	}
	if err := x.prepare(name); err != nil {
		return err
	}
	if err := x.root.Symlink(hdr.Linkname, name); err != nil {
		return err
	}
	if err := x.symlinkMeta(name, hdr); err != nil {
		return err
	}
	x.stats.Symlinks++
	return nil
}

// prepare makes the parents of name and clears the way for a non-directory,
// once the writers are done with an earlier file of that name.
func (x *extractor) prepare(name string) error {
	if err := x.parents(name); err != nil {
		return err
	}
	if err := x.pool.waitFor(name); err != nil {
		return err
	}
	fi, err := x.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.IsDir():
		return fmt.Errorf("%s: a directory is in the way", name)
	case !x.opts.Overwrite:
		return fmt.Errorf("%s: %w (use --force to overwrite)", name, fs.ErrExist)
	}
	return x.root.Remove(name)
}

// parents makes sure every parent of name is a real directory, creating the
// missing ones: a path through a symlink is refused.
func (x *extractor) parents(name string) error {
	d := path.Dir(name)
	if x.dirs[d] {
		return nil
	}
	if err := x.parents(d); err != nil {
		return err
	}
	return x.makeDir(d, false)
}

// makeDir makes sure name is a real directory, creating it if missing. An
// existing non-directory is replaced only for an explicit entry under
// Overwrite.
func (x *extractor) makeDir(name string, explicit bool) error {
	if x.dirs[name] {
		return nil
	}
	if err := x.pool.waitFor(name); err != nil {
		return err
	}
	fi, err := x.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		err = x.root.Mkdir(name, 0o755)
	case err != nil:
	case fi.IsDir():
	case explicit && x.opts.Overwrite:
		if err = x.root.Remove(name); err == nil {
			err = x.root.Mkdir(name, 0o755)
		}
	case fi.Mode()&fs.ModeSymlink != 0:
		err = fmt.Errorf("%s: path goes through a symlink", name)
	default:
		err = fmt.Errorf("%s: not a directory", name)
	}
	if err != nil {
		return err
	}
	x.dirs[name] = true
	return nil
}

// finishDirs applies the modes and times of directories, deepest last-made
// first, once their contents are in place.
func (x *extractor) finishDirs() error {
	for i := len(x.pending) - 1; i >= 0; i-- {
		d := x.pending[i]
		x.chown(d.name, d.owner, true) // before the mode: chown clears set-id bits
		if err := x.root.Chmod(d.name, d.mode); err != nil {
			return err
		}
		if err := x.root.Chtimes(d.name, d.mtime, d.mtime); err != nil {
			return err
		}
	}
	return nil
}

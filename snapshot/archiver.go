package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"time"
	"unicode/utf8"
)

// archiver is the tar stream of the sources as an io.Reader. Headers are
// encoded by archive/tar; file contents are read from the files straight into
// the caller's buffer — the zstd encoder's own job buffer, through
// Encoder.ReadFrom — so that file data is copied once, from the kernel.
type archiver struct {
	ctx      context.Context
	src      Source
	exclude  excluder
	summary  SourceSummary
	warnings []string
	onRead   func(n int64)       // WriteOptions.Progress, or nil
	dropped  int                 // warnings beyond maxWarnings, counted only
	links    map[inodeKey]string // the archive name of each file with more than one link
	unread   int                 // paths skipped as unreadable

	ahead *prefetcher  // the walk, with files opened and small ones read
	pend  bytes.Buffer // encoded headers, padding or the trailer, not yet read
	file  *os.File     // the regular file whose content is being read
	path  string       // its local path
	size  int64        // its size in the header
	left  int64        // bytes of its content still to read
	pad   int64        // zero bytes still owed: a shrunk file's tail
	done  bool

	offset int64             // bytes of the stream returned by Read so far
	spans  func(ContentSpan) // told where each regular file's content lies; may be nil
	cache  *FileCache        // the file cache, or nil
	run    *fileRun          // the large file being read, when there is a cache
}

// ContentSpan is where the content of one regular file lies in the tar
// stream: bytes [Start, End) of the stream. It is the seam between the
// archive (which entries the stream holds) and the way the stream is cut
// and stored: a file-aware cut keeps a large file's content on chunk
// boundaries of its own, whatever changed around it.
type ContentSpan struct {
	Start, End int64
	Name       string // the entry's name in the archive

	file *fileRun // the file, for the file cache; nil without one
}

// walkEntry is one walked path, a walk error, or a warning about a path
// that vanished while walked.
type walkEntry struct {
	path, name string
	d          fs.DirEntry
	err        error
	warning    string
	unreadable bool // the warning is of a path that could not be read
}

func newArchiver(ctx context.Context, src Source) *archiver {
	a := &archiver{ctx: ctx, src: src, exclude: excluder{src.Exclude}, links: map[inodeKey]string{}}
	a.ahead = newPrefetcher(ctx, a.walkAll())
	return a
}

// close stops the walk and closes the open file, if any.
func (a *archiver) close() {
	a.ahead.stop()
	if a.file != nil {
		a.file.Close()
		a.file = nil
	}
}

// walkAll yields every entry of the sources, then of the extra directories.
func (a *archiver) walkAll() iter.Seq[walkEntry] {
	return func(yield func(walkEntry) bool) {
		for _, p := range a.src.Paths {
			if !a.walk(p, archiveName, a.exclude.match, yield) {
				return
			}
		}
		for _, x := range a.src.Extra {
			if !a.walk(x.Dir, extraNamer(x), nil, yield) {
				return
			}
		}
	}
}

// walk yields the tree at root, naming each entry with name and skipping
// those skip matches. It reports whether the consumer wants more.
func (a *archiver) walk(root string, name func(string) string, skip func(string) bool, yield func(walkEntry) bool) bool {
	more := true
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil {
			n := name(p)
			if skip != nil && skip(n) {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			more = yield(walkEntry{path: p, name: n, d: d})
		} else if vanished(p, root, err) {
			more = yield(walkEntry{warning: vanishedWarning(p)})
		} else if a.skipUnreadable(err) {
			more = yield(walkEntry{warning: unreadableWarning(p, err), unreadable: true})
		} else {
			more = yield(walkEntry{path: p, err: err})
		}
		if !more {
			return fs.SkipAll
		}
		return nil
	})
	return more
}

// extraNamer names the files of an extra directory under its prefix.
func extraNamer(x ExtraDir) func(string) string {
	return func(p string) string {
		rel, err := filepath.Rel(x.Dir, p)
		if err != nil || rel == "." {
			return x.Prefix
		}
		return path.Join(x.Prefix, filepath.ToSlash(rel))
	}
}

// Read implements io.Reader: pending header bytes first, then the current
// file's content, then zero padding, then the next entry.
func (a *archiver) Read(p []byte) (int, error) {
	n, err := a.fill(p)
	a.offset += int64(n)
	return n, err
}

// fill is Read without the count of bytes returned.
func (a *archiver) fill(p []byte) (int, error) {
	for {
		if err := a.ctx.Err(); err != nil {
			return 0, err
		}
		switch {
		case a.pend.Len() > 0:
			return a.pend.Read(p)
		case a.left > 0:
			return a.readFile(p)
		case a.pad > 0:
			n := int(min(a.pad, int64(len(p))))
			clear(p[:n])
			a.pad -= int64(n)
			return n, a.endFile()
		case a.done:
			return 0, io.EOF
		}
		if err := a.advance(); err != nil {
			return 0, err
		}
	}
}

// advance queues the next entry's header (and opens its file), or the
// archive's trailer after the last one.
func (a *archiver) advance() error {
	it, ok := a.ahead.next()
	switch {
	case !ok && a.ctx.Err() != nil:
		return a.ctx.Err()
	case !ok:
		a.done = true
		a.summary.Hooks = hookNames(a.src.Extra)
		a.finishWarnings()
		return tar.NewWriter(&a.pend).Close() // two zero blocks
	case it.warning != "":
		if it.unreadable {
			a.unread++
		}
		a.warn("%s", it.warning)
		return nil
	case it.walkEntry.err != nil:
		return it.walkEntry.err
	case it.d.Type().IsRegular():
		return a.addFile(it)
	}
	return a.add(it.path, it.name, it.d)
}

// walkError turns a vanished entry, or one that cannot be read, into a
// warning; other errors stop the walk.
func (a *archiver) walkError(p, root string, err error) error {
	switch {
	case vanished(p, root, err):
		a.warn("%s", vanishedWarning(p))
		return nil
	case a.skipUnreadable(err):
		a.unread++
		a.warn("%s", unreadableWarning(p, err))
		return nil
	}
	return err
}

// skipUnreadable says whether err means a path cannot be read for lack of
// permission, and the source skips such paths with a warning rather than
// failing the snapshot.
func (a *archiver) skipUnreadable(err error) bool {
	return !a.src.FailUnreadable && errors.Is(err, fs.ErrPermission)
}

func unreadableWarning(p string, err error) string {
	return fmt.Sprintf("%s: cannot be read, skipped (%v)", p, errors.Unwrap(err))
}

// vanished says whether err means that p, below root, was deleted since
// its directory was listed: a warning, not an error.
func vanished(p, root string, err error) bool {
	return p != root && errors.Is(err, fs.ErrNotExist)
}

func vanishedWarning(p string) string { return p + ": vanished while archiving" }

// maxWarnings bounds the warnings listed one by one: beyond it, they are
// counted, so that a tree of unreadable files does not bloat the manifest.
const maxWarnings = 100

func (a *archiver) warn(format string, args ...any) {
	if len(a.warnings) >= maxWarnings {
		a.dropped++
		return
	}
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

// finishWarnings adds the counts: of unreadable paths, and of the warnings
// not listed.
func (a *archiver) finishWarnings() {
	if a.unread > 0 {
		a.warnings = append(a.warnings, fmt.Sprintf("%d path(s) could not be read and were skipped", a.unread))
	}
	if a.dropped > 0 {
		a.warnings = append(a.warnings, fmt.Sprintf("… and %d more warning(s) not listed", a.dropped))
	}
}

// add queues one entry by its type.
func (a *archiver) add(p, name string, d fs.DirEntry) error {
	if name == "" { // the root directory "/" itself has no name
		return nil
	}
	fi, err := d.Info()
	if err != nil {
		return a.walkError(p, "", err)
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular(): // a file since it was walked; not worth reading ahead
		it := &item{walkEntry: walkEntry{path: p, name: name}}
		it.open()
		return a.addFile(it)
	case mode.IsDir():
		a.summary.Dirs++
		return a.header(fi, name+"/", "", 0, a.xattrs(p))
	case mode&fs.ModeSymlink != 0:
		return a.addSymlink(p, name, fi)
	case mode&(fs.ModeNamedPipe|fs.ModeDevice) != 0:
		return a.header(fi, name, "", 0, a.xattrs(p))
	default:
		a.warn("%s: skipped: tar cannot hold a %s", p, mode.Type())
		return nil
	}
}

// xattrs returns the extended attributes of p itself; a failure to read
// them is a warning.
func (a *archiver) xattrs(p string) map[string]string {
	xs, err := pathXattrs(p)
	if err != nil {
		a.warn("%s: extended attributes not archived: %v", p, err)
	}
	return xs
}

func (a *archiver) addSymlink(p, name string, fi fs.FileInfo) error {
	target, err := os.Readlink(p)
	if err != nil {
		return a.walkError(p, "", err)
	}
	a.summary.Files++
	a.summary.Symlinks++
	return a.header(fi, name, target, 0, a.xattrs(p))
}

// header queues a PAX header for fi under name, for an entry of size bytes.
// archive/tar records the owner as numbers and names (uid, gid, uname,
// gname) and a device's numbers; the extended attributes go in the
// SCHILY.xattr.* records GNU tar and bsdtar use. Access and change times
// are left out: they change on every read and would only bloat the archive.
func (a *archiver) header(fi fs.FileInfo, name, link string, size int64, xattrs map[string]string) error {
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	hdr.Name = name
	hdr.Size = size
	return a.writeHeader(hdr, xattrs)
}

// writeHeader queues hdr in PAX format, with xattrs.
func (a *archiver) writeHeader(hdr *tar.Header, xattrs map[string]string) error {
	hdr.Format = tar.FormatPAX
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	for k, v := range xattrs {
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords[paxXattr+k] = v
	}
	if binaryHeader(hdr) {
		// The PAX records are UTF-8 unless the header says otherwise: without
		// this, bsdtar refuses a name that is not.
		if hdr.PAXRecords == nil {
			hdr.PAXRecords = map[string]string{}
		}
		hdr.PAXRecords["hdrcharset"] = "BINARY"
	}
	// A tar.Writer of its own encodes just this header; the content and its
	// padding to the 512-byte block are the archiver's.
	return tar.NewWriter(&a.pend).WriteHeader(hdr)
}

// paxXattr prefixes the PAX records of extended attributes.
const paxXattr = "SCHILY.xattr."

// binaryHeader says whether a name, link, owner name or attribute name of
// hdr is not UTF-8. (Attribute values are bytes in any case.)
func binaryHeader(hdr *tar.Header) bool {
	for _, s := range []string{hdr.Name, hdr.Linkname, hdr.Uname, hdr.Gname} {
		if !utf8.ValidString(s) {
			return true
		}
	}
	for k := range hdr.PAXRecords {
		if !utf8.ValidString(k) {
			return true
		}
	}
	return false
}

// addFile queues a regular file, opened (and if small, read) ahead, sized
// as it was when opened. If it then shrinks, the entry is padded with zeros;
// if it grows, it is cut at the header's size: either way the archive stays
// valid, with a warning.
func (a *archiver) addFile(it *item) error {
	if it.err != nil {
		if it.file != nil {
			it.file.Close()
		}
		return a.walkError(it.path, "", it.err)
	}
	if !it.fi.Mode().IsRegular() { // replaced since listed
		it.file.Close()
		a.warn("%s: no longer a regular file, skipped", it.path)
		return nil
	}
	if it.xerr != nil {
		a.warn("%s: extended attributes not archived: %v", it.path, it.xerr)
	}
	key, linked := linkKey(it.fi)
	if first, ok := a.links[key]; linked && ok {
		return a.addHardLink(it, first)
	}
	size := it.fi.Size()
	if err := a.header(it.fi, it.name, "", size, it.xattrs); err != nil {
		if it.file != nil {
			it.file.Close()
		}
		return err
	}
	if linked {
		a.links[key] = it.name
	}
	a.summary.Files++
	a.summary.Bytes += size
	if a.spans != nil && size > 0 {
		// The header just queued is the last of the pending bytes: the
		// content follows it, before anything is read of it.
		start := a.offset + int64(a.pend.Len())
		a.run = a.fileRun(it, size)
		a.spans(ContentSpan{Start: start, End: start + size, Name: it.name, file: a.run})
	}
	if it.file != nil {
		a.file, a.path, a.size, a.left = it.file, it.path, size, size
		return a.endFile() // an empty file ends at once
	}
	a.pend.Write(it.data)
	a.read(int64(len(it.data)))
	if n := int64(len(it.data)); n < size {
		a.warn("%s: shrank from %d to %d bytes while read; padded with zeros", it.path, size, n)
		a.pend.Write(make([]byte, size-n))
	}
	if it.grew {
		a.warn("%s: grew while read; archived its first %d bytes", it.path, size)
	}
	a.padEntry(size)
	return nil
}

// addHardLink queues a link entry for a file already archived as first:
// one stored copy, whatever the number of names. It has no content.
func (a *archiver) addHardLink(it *item, first string) error {
	if it.file != nil {
		it.file.Close()
	}
	hdr, err := tar.FileInfoHeader(it.fi, "")
	if err != nil {
		return fmt.Errorf("%s: %w", it.name, err)
	}
	hdr.Typeflag, hdr.Name, hdr.Linkname, hdr.Size = tar.TypeLink, it.name, first, 0
	a.summary.Files++
	return a.writeHeader(hdr, nil)
}

// readFile reads the current file's content into p, at most what is left.
func (a *archiver) readFile(p []byte) (int, error) {
	n, err := a.file.Read(p[:min(int64(len(p)), a.left)])
	a.left -= int64(n)
	a.read(int64(n))
	switch {
	case err == io.EOF || (err == nil && n == 0):
		a.spoil()
		a.warn("%s: shrank from %d to %d bytes while read; padded with zeros", a.path, a.size, a.size-a.left)
		a.pad, a.left = a.left, 0
	case err != nil:
		return n, fmt.Errorf("read %s: %w", a.path, err)
	}
	if a.left == 0 && a.pad == 0 {
		return n, a.endFile()
	}
	return n, nil
}

// read reports n bytes of file content read.
func (a *archiver) read(n int64) {
	if a.onRead != nil && n > 0 {
		a.onRead(n)
	}
}

// endFile, once the current file's content is complete, checks that it did
// not grow, closes it and queues the padding to the next 512-byte block.
func (a *archiver) endFile() error {
	if a.file == nil || a.left > 0 || a.pad > 0 {
		return nil
	}
	var one [1]byte
	if n, _ := a.file.Read(one[:]); n > 0 {
		a.spoil()
		a.warn("%s: grew while read; archived its first %d bytes", a.path, a.size)
	}
	a.file.Close()
	a.file, a.run = nil, nil
	a.padEntry(a.size)
	return nil
}

// fileRun returns the file cache's record of a regular file of size bytes
// about to be read, with its cached chunks if the cache has them for its
// stamp; nil without a cache, for a file too small to have chunks of its
// own, or one a hook wrote (its staging directory is new every time).
func (a *archiver) fileRun(it *item, size int64) *fileRun {
	if a.cache == nil || size < LargeFileSize || it.file == nil || a.inExtra(it.path) {
		return nil
	}
	st, ok := stampOf(it.fi)
	if !ok || st.Size != size {
		return nil
	}
	return &fileRun{path: it.path, stamp: st, cached: a.cache.lookup(it.path, st)}
}

// inExtra says whether p lies in one of the extra directories.
func (a *archiver) inExtra(p string) bool {
	for _, x := range a.src.Extra {
		if within(p, x.Dir) {
			return true
		}
	}
	return false
}

// spoil marks the large file being read as changed while read: the cache
// does not record it.
func (a *archiver) spoil() {
	if a.run != nil {
		a.run.spoiled.Store(true)
	}
}

// padEntry queues the zeros after an entry of size bytes up to the next
// 512-byte block.
func (a *archiver) padEntry(size int64) {
	if r := size % blockSize; r != 0 {
		a.pend.Write(make([]byte, blockSize-r))
	}
}

// blockSize is tar's block: every entry's content is padded to a multiple.
const blockSize = 512

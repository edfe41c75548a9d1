package providers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/rclone/rclone/backend/crypt"
	"github.com/rclone/rclone/fs"
	"github.com/rclone/rclone/fs/asyncreader"
	"github.com/rclone/rclone/fs/hash"
	"github.com/rclone/rclone/fs/object"
	"github.com/rclone/rclone/fs/operations"
	"github.com/rclone/rclone/fs/walk"

	"github.com/stratabackup/strata/snapshot"
)

// cleanupTimeout bounds the removal of a temporary object after a failed
// or cancelled write.
const cleanupTimeout = time.Minute

// store is a Store over one rclone Fs.
type store struct {
	name  string
	f     fs.Fs
	red   *redactor
	crypt bool
	// rename is set when writes go to a temporary name first, then to
	// the final name by a server-side move (local, SFTP) or copy (object
	// stores: a failed or concurrent upload then never touches the final
	// name, whatever the server does with a broken request).
	rename bool
	// cfg carries the destination's own rclone configuration (timeouts)
	// when it has one; nil otherwise.
	cfg context.Context
	// localRoot is the root path of a local destination, for the free
	// space of a root not made yet.
	localRoot string
	// perm sets the modes of what is written; nil where the backend has
	// none (object stores).
	perm *perms
	// connect bounds the requests that only ask (free space): as long as
	// connecting may take.
	connect time.Duration
	// limit limits the rate of writes (bwlimit); nil when unlimited.
	limit *Limiter
	// removable guards every write with the marker (see attached);
	// marker is the one the guard last found naming this destination.
	removable bool
	marker    markerSeen
}

// with gives ctx the destination's own rclone configuration, if any.
func (s *store) with(ctx context.Context) context.Context {
	if s.cfg == nil {
		return ctx
	}
	return fs.CopyConfig(ctx, s.cfg)
}

func newStore(name string, f fs.Fs, red *redactor, crypt bool) *store {
	feat := f.Features()
	return &store{
		name:   name,
		f:      f,
		red:    red,
		crypt:  crypt,
		rename: feat.Move != nil || feat.Copy != nil,
	}
}

func (s *store) Name() string { return s.name }

// errorf makes err an error of this store: named, redacted, with its chain
// kept. It returns nil for a nil err.
func (s *store) errorf(op, p string, err error) error {
	if err == nil {
		return nil
	}
	if se, ok := err.(*storeError); ok && strings.HasPrefix(se.msg, s.name+": ") {
		return err // already ours
	}
	where := op
	if p != "" {
		where += " " + p
	}
	msg := fmt.Sprintf("%s: %s: %v", s.name, where, s.hint(err))
	return &storeError{msg: s.red.redact(msg), err: err}
}

// hint adds what a crypt error most likely means.
func (s *store) hint(err error) string {
	msg := err.Error()
	if h := sshHint(msg); h != "" {
		msg += " (" + h + ")"
	}
	if s.crypt && (errors.Is(err, crypt.ErrorEncryptedBadBlock) || strings.Contains(msg, "undecryptable")) {
		msg += " (wrong encryption password?)"
	}
	return msg
}

// cleanPath validates a store-relative path.
func cleanPath(p string) (string, error) {
	c := path.Clean(p)
	if p == "" || c == "." || path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("invalid path %q", p)
	}
	return c, nil
}

// stopList carries the callback's own error out of a listing.
type stopList struct{ err error }

func (e stopList) Error() string { return e.err.Error() }

func (s *store) List(ctx context.Context, fn func(Entry) error) error {
	return s.ListDir(ctx, "", fn)
}

// ListDir fails when anything below dir could not be listed: rclone's
// walk lists what it can and only logs the rest (an unreadable directory
// of a local disk even lists as empty), and a listing with a hole would
// let the planner take what is there for gone. Only a missing dir itself
// lists nothing. It yields to ctx even while a server stays silent.
func (s *store) ListDir(ctx context.Context, dir string, fn func(Entry) error) error {
	ctx, errs := listErrors(s.with(ctx))
	defer errs.done()
	var (
		mu        sync.Mutex
		batches   int
		abandoned bool
	)
	err := await(ctx, 0, "listing", func() error {
		return walk.ListR(ctx, s.f, dir, true, -1, walk.ListObjects, func(entries fs.DirEntries) error {
			mu.Lock()
			defer mu.Unlock()
			if abandoned {
				return context.Canceled
			}
			batches++
			return s.deliver(ctx, entries, fn)
		})
	})
	mu.Lock()
	abandoned = true // a walk that outlives ctx calls fn no more
	rootMissing := batches == 0 && errors.Is(err, fs.ErrorDirNotFound)
	mu.Unlock()
	var stop stopList
	switch {
	case errors.As(err, &stop):
		return stop.err
	case rootMissing:
		return nil
	case err == nil:
		err = errs.last()
	}
	return s.errorf("list", dir, err)
}

// Top lists the root alone: its directories and its objects.
func (s *store) Top(ctx context.Context) ([]string, []Entry, error) {
	ctx = s.with(ctx)
	type top struct {
		dirs  []string
		files []Entry
	}
	var t top // written by the listing, read only once it returned
	err := await(ctx, 0, "listing", func() error {
		entries, err := s.f.List(ctx, "")
		if errors.Is(err, fs.ErrorDirNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		var l top
		for _, e := range entries {
			switch e := e.(type) {
			case fs.Directory:
				l.dirs = append(l.dirs, e.Remote())
			case fs.Object:
				l.files = append(l.files, Entry{Path: e.Remote(), Size: e.Size(), ModTime: e.ModTime(ctx)})
			}
		}
		t = l
		return nil
	})
	if err != nil {
		return nil, nil, s.errorf("list", "", err)
	}
	return t.dirs, t.files, nil
}

// deliver calls fn for the objects among entries.
func (s *store) deliver(ctx context.Context, entries fs.DirEntries, fn func(Entry) error) error {
	for _, e := range entries {
		o, ok := e.(fs.Object)
		if !ok {
			continue
		}
		if err := fn(Entry{Path: o.Remote(), Size: o.Size(), ModTime: o.ModTime(ctx)}); err != nil {
			return stopList{err}
		}
	}
	return nil
}

func (s *store) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	ctx = s.with(ctx)
	rc, _, err := s.open(ctx, "open", p)
	return rc, err
}

// Stat returns the entry of the object at p, reading none of its data (one
// metadata request on a remote backend); a missing object is ErrNotFound.
// Unlike Open, a miss under crypt does not list the root to tell a wrong
// password: Stat answers "is this chunk there?", where a miss is common.
func (s *store) Stat(ctx context.Context, p string) (Entry, error) {
	ctx = s.with(ctx)
	c, err := cleanPath(p)
	if err != nil {
		return Entry{}, s.errorf("stat", p, err)
	}
	o, err := s.f.NewObject(ctx, c)
	switch {
	case errors.Is(err, fs.ErrorObjectNotFound), errors.Is(err, fs.ErrorIsDir),
		errors.Is(err, fs.ErrorNotAFile), errors.Is(err, fs.ErrorDirNotFound):
		return Entry{}, s.errorf("stat", p, ErrNotFound)
	case err != nil:
		return Entry{}, s.errorf("stat", p, err)
	}
	return Entry{Path: o.Remote(), Size: o.Size(), ModTime: o.ModTime(ctx)}, nil
}

// open also returns the object's size.
func (s *store) open(ctx context.Context, op, p string) (io.ReadCloser, int64, error) {
	o, err := s.object(ctx, op, p)
	if err != nil {
		return nil, 0, err
	}
	rc, err := o.Open(ctx)
	if err != nil {
		return nil, 0, s.errorf(op, p, err)
	}
	return &reader{rc: rc, s: s, path: p}, o.Size(), nil
}

// object finds the object at p; a missing one is ErrNotFound.
func (s *store) object(ctx context.Context, op, p string) (fs.Object, error) {
	c, err := cleanPath(p)
	if err != nil {
		return nil, s.errorf(op, p, err)
	}
	o, err := s.f.NewObject(ctx, c)
	switch {
	case errors.Is(err, fs.ErrorObjectNotFound), errors.Is(err, fs.ErrorIsDir),
		errors.Is(err, fs.ErrorNotAFile), errors.Is(err, fs.ErrorDirNotFound):
		if cerr := s.checkNames(ctx); cerr != nil {
			return nil, s.errorf(op, p, cerr)
		}
		return nil, s.errorf(op, p, ErrNotFound)
	case err != nil:
		return nil, s.errorf(op, p, err)
	}
	return o, nil
}

// checkNames tells a missing object from a wrong crypt password: with the
// wrong key every name is encrypted differently, so nothing is ever found.
// It lists the root, where strict names fail on what cannot be decrypted.
func (s *store) checkNames(ctx context.Context) error {
	if !s.crypt {
		return nil
	}
	_, err := s.f.List(ctx, "")
	if err != nil && strings.Contains(err.Error(), "undecryptable") {
		return fmt.Errorf("cannot decrypt the names stored here: %w", err)
	}
	return nil
}

// reader names the store in read errors.
type reader struct {
	rc   io.ReadCloser
	s    *store
	path string
}

func (r *reader) Read(b []byte) (int, error) {
	n, err := r.rc.Read(b)
	if err != nil && err != io.EOF {
		err = r.s.errorf("read", r.path, err)
	}
	return n, err
}

func (r *reader) Close() error { return r.s.errorf("close", r.path, r.rc.Close()) }

func (s *store) Write(ctx context.Context, p string, r io.Reader, size int64) (int64, error) {
	ctx = s.with(ctx)
	c, err := cleanPath(p)
	if err != nil {
		return 0, s.errorf("write", p, err)
	}
	if err := s.attached(ctx); err != nil {
		return 0, s.errorf("write", p, err)
	}
	_, inMemory := r.(*bytes.Reader)
	n, err := s.write(ctx, c, s.limit.Reader(ctx, r), size, inMemory)
	return n, s.errorf("write", p, err)
}

// write uploads r to p. inMemory says r is a buffer already (a chunk's
// frame): reading it ahead would only copy it once more.
func (s *store) write(ctx context.Context, p string, r io.Reader, size int64, inMemory bool) (int64, error) {
	cr := &countingReader{ctx: ctx, r: r}
	target := p
	if s.rename {
		target = tempName(p)
	}
	if err := s.perm.prepare(ctx, target); err != nil {
		return 0, err
	}
	in, stop := io.Reader(cr), func() {}
	if !inMemory {
		in, stop = readAhead(ctx, cr, size)
	}
	o, err := s.put(ctx, target, in, size)
	stop()
	if err == nil {
		err = checkSize(cr, size)
	}
	if err == nil {
		err = checkStored(o, size)
	}
	if err == nil {
		err = s.perm.protect(ctx, o, p)
	}
	if err == nil && s.rename {
		err = s.finalize(ctx, o, p)
	}
	if err != nil && !Unreachable(err) {
		s.removeQuietly(ctx, target)
	}
	return cr.n, err
}

// finalize gives the complete temporary object o its final name p: a
// server-side move where the backend has one, else a server-side copy and
// the removal of o.
//
// Where strata sets modes itself (local, SFTP, either under crypt) it
// renames o through that session instead, falling back on the backend's
// way if that fails (an SFTP server without posix-rename).
func (s *store) finalize(ctx context.Context, o fs.Object, p string) error {
	if s.perm.rename(ctx, o, p) {
		return nil
	}
	if move := s.f.Features().Move; move != nil {
		_, err := move(ctx, o, p)
		if err == nil && s.perm != nil {
			s.perm.noRename.Store(true)
		}
		return err
	}
	if _, err := s.f.Features().Copy(ctx, o, p); err != nil {
		return err
	}
	if err := o.Remove(ctx); err != nil {
		fs.Debugf(s.f, "removing %s after copying it to %s: %v", o.Remote(), p, err)
	}
	return nil
}

// put uploads r to p (no temporary name). It gives the backend no
// checksums (strata hashes on its own), and an empty set rather than nil:
// with nil rclone asks the backend which checksums it supports, which on
// SFTP may run commands on the server.
func (s *store) put(ctx context.Context, p string, r io.Reader, size int64) (fs.Object, error) {
	now := time.Now()
	info := object.NewStaticObjectInfo(p, now, size, true, map[hash.Type]string{}, s.f)
	if size >= 0 {
		return s.f.Put(ctx, r, info)
	}
	if putStream := s.f.Features().PutStream; putStream != nil {
		return putStream(ctx, r, info)
	}
	return operations.Rcat(ctx, s.f, p, io.NopCloser(r), now, nil)
}

// readAheadBuffers is how many 1 MiB buffers a large write reads ahead.
const readAheadBuffers = 4

// streamBuffer is the buffer a stream of unknown size is written through.
const streamBuffer = 1 << 20

// bufferedStream is a stream whose WriteTo copies through a streamBuffer:
// io.Copy prefers it to the destination's ReadFrom (which for a local file
// reads 32 KiB at a time).
type bufferedStream struct{ r io.Reader }

func (b bufferedStream) Read(p []byte) (int, error) { return b.r.Read(p) }

func (b bufferedStream) WriteTo(w io.Writer) (int64, error) {
	return io.CopyBuffer(struct{ io.Writer }{w}, b.r, make([]byte, streamBuffer))
}

// readAhead reads r ahead in its own goroutine when the write is large and
// of known size (a copy; a stream of unknown size comes from a producer
// running on its own already), so that what the caller chained onto r
// (reading the source, hashing it) runs alongside the upload (encrypting,
// sending) instead of taking turns with it. stop ends the reading ahead;
// call it once the upload is over, before looking at r again.
//
// A stream (size < 0) goes through a 1 MiB buffer instead: backends that
// io.Copy it (local files) then write it in 1 MiB writes, not 32 KiB ones.
func readAhead(ctx context.Context, r io.Reader, size int64) (io.Reader, func()) {
	if size < 0 {
		return bufferedStream{r}, func() {}
	}
	if size <= asyncreader.BufferSize {
		return r, func() {}
	}
	a, err := asyncreader.New(ctx, io.NopCloser(r), readAheadBuffers)
	if err != nil {
		return r, func() {}
	}
	return a, a.Abandon
}

// removeQuietly deletes what a failed write may have left at p, even when
// ctx is cancelled.
func (s *store) removeQuietly(ctx context.Context, p string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	// An object server may still commit an upload the client gave up on
	// a moment later: look again a few times. What is left anyway carries
	// the temporary marker and is cleaned up by a later apply.
	for i := range removeChecks {
		if o, err := s.f.NewObject(ctx, p); err == nil {
			if err := o.Remove(ctx); err != nil {
				fs.Debugf(s.f, "removing %s after a failed write: %v", p, err)
			}
			return
		}
		if !s.f.Features().BucketBased || i == removeChecks-1 {
			return
		}
		time.Sleep(time.Duration(i+1) * 100 * time.Millisecond)
	}
}

// removeChecks bounds how often a failed write's object is looked for.
const removeChecks = 4

// tempName is a unique temporary name next to p, marked so the planner
// recognises leftovers.
func tempName(p string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return p + snapshot.TempMarker + hex.EncodeToString(b[:])
}

// countingReader counts what a write reads, and stops it when ctx is done
// (some backends copy without looking at ctx).
type countingReader struct {
	ctx context.Context
	r   io.Reader
	n   int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}

// checkSize fails when a known size was not exactly what the reader held.
func checkSize(cr *countingReader, size int64) error {
	if size < 0 {
		return nil
	}
	if cr.n == size {
		var b [1]byte
		if n, _ := io.ReadFull(cr.r, b[:]); n == 0 {
			return nil
		}
		return fmt.Errorf("source has more than the expected %d bytes", size)
	}
	return fmt.Errorf("wrote %d bytes, expected %d", cr.n, size)
}

// checkStored fails when the backend reports a size other than the known
// size for what it stored: a server that dropped part of a write. (SFTP
// reports the size it read back after the upload; -1 is unknown.)
func checkStored(o fs.Object, size int64) error {
	if size < 0 || o == nil || o.Size() < 0 || o.Size() == size {
		return nil
	}
	return fmt.Errorf("stored %d bytes, expected %d", o.Size(), size)
}

func (s *store) Copy(ctx context.Context, src Store, srcPath, dstPath string) error {
	ctx = s.with(ctx)
	d, err := cleanPath(dstPath)
	if err != nil {
		return s.errorf("copy to", dstPath, err)
	}
	if err := s.attached(ctx); err != nil {
		return s.errorf("copy to", dstPath, err)
	}
	if ss, ok := src.(*store); ok && s.serverCopies(ss) {
		err := s.serverCopy(ctx, ss, srcPath, d)
		if !errors.Is(err, fs.ErrorCantCopy) {
			return err
		}
	}
	return s.streamCopy(ctx, src, srcPath, d)
}

// ServerSideCopy reports whether dst.Copy(ctx, src, …) copies on the
// server, without the data passing through strata: both stores are on the
// same remote and its backend can copy.
func ServerSideCopy(dst, src Store) bool {
	d, ok1 := dst.(*store)
	s, ok2 := src.(*store)
	return ok1 && ok2 && d.serverCopies(s)
}

// serverCopies says whether objects of src can be copied here server-side.
func (s *store) serverCopies(src *store) bool {
	return s.f.Features().Copy != nil && operations.SameConfig(s.f, src.f)
}

func (s *store) serverCopy(ctx context.Context, src *store, srcPath, dstPath string) error {
	o, err := src.object(ctx, "copy", srcPath)
	if err != nil {
		return err
	}
	target := dstPath
	if s.rename {
		target = tempName(dstPath)
	}
	if err := s.perm.prepare(ctx, target); err != nil {
		return s.errorf("copy to", dstPath, err)
	}
	copied, err := s.f.Features().Copy(ctx, o, target)
	if err == nil && copied.Size() != o.Size() {
		err = fmt.Errorf("copied %d bytes, expected %d", copied.Size(), o.Size())
	}
	if err == nil {
		err = s.perm.protect(ctx, copied, dstPath)
	}
	if err == nil && s.rename {
		err = s.finalize(ctx, copied, dstPath)
	}
	if err != nil && !errors.Is(err, fs.ErrorCantCopy) {
		s.removeQuietly(ctx, target)
	}
	return s.errorf("copy to", dstPath, err)
}

func (s *store) streamCopy(ctx context.Context, src Store, srcPath, dstPath string) error {
	var (
		rc   io.ReadCloser
		size int64 = -1
		err  error
	)
	if ss, ok := src.(*store); ok {
		rc, size, err = ss.open(ss.with(ctx), "copy", srcPath)
	} else {
		rc, err = src.Open(ctx, srcPath)
	}
	if err != nil {
		return err
	}
	defer func() { _ = rc.Close() }()
	_, err = s.Write(ctx, dstPath, rc, size)
	return err
}

func (s *store) Delete(ctx context.Context, p string) error {
	ctx = s.with(ctx)
	c, err := cleanPath(p)
	if err != nil {
		return s.errorf("delete", p, err)
	}
	o, err := s.f.NewObject(ctx, c)
	if err == nil {
		err = o.Remove(ctx)
	}
	if isNotFound(err) {
		return nil
	}
	return s.errorf("delete", p, err)
}

func isNotFound(err error) bool {
	return errors.Is(err, fs.ErrorObjectNotFound) || errors.Is(err, fs.ErrorDirNotFound) ||
		errors.Is(err, os.ErrNotExist)
}

// DeleteDir refuses the root: a store never deletes itself whole.
func (s *store) DeleteDir(ctx context.Context, dir string) error {
	ctx = s.with(ctx)
	c, err := cleanPath(dir)
	if err != nil {
		return s.errorf("delete dir", dir, err)
	}
	if err := operations.Purge(ctx, s.f, c); err != nil && !isNotFound(err) {
		return s.errorf("delete dir", dir, err)
	}
	if !s.f.Features().BucketBased {
		s.pruneParents(ctx, c)
	}
	return nil
}

// pruneParents removes the parents of dir left empty, up to the root. It is
// best effort: the first parent that is not empty stops it.
func (s *store) pruneParents(ctx context.Context, dir string) {
	for d := path.Dir(dir); d != "."; d = path.Dir(d) {
		if err := s.f.Rmdir(ctx, d); err != nil && !isNotFound(err) {
			return
		}
	}
}

func (s *store) Usage(ctx context.Context) (Usage, bool, error) {
	ctx = s.with(ctx)
	unknown := Usage{Free: -1, Total: -1, Used: -1}
	about := s.f.Features().About
	if about == nil {
		return unknown, false, nil
	}
	var u *fs.Usage
	err := await(ctx, s.connect, "asking for free space", func() error {
		var err error
		u, err = about(ctx)
		return err
	})
	switch {
	case isNotFound(err) && s.localRoot != "":
		if free, ok := freeBelow(s.localRoot); ok {
			return Usage{Free: free, Total: -1, Used: -1}, true, nil
		}
		return unknown, false, nil
	case errors.Is(err, fs.ErrorNotImplemented), isNotFound(err):
		return unknown, false, nil // a root not made yet cannot tell either
	case err != nil:
		return unknown, false, s.errorf("usage", "", err)
	}
	ok := u.Free != nil || u.Total != nil || u.Used != nil
	return Usage{Free: orUnknown(u.Free), Total: orUnknown(u.Total), Used: orUnknown(u.Used)}, ok, nil
}

func orUnknown(v *int64) int64 {
	if v == nil {
		return -1
	}
	return *v
}

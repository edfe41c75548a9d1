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
	"path/filepath"
	"time"

	"github.com/klauspost/compress/zstd"
)

// archiver walks the sources and writes them as tar entries.
type archiver struct {
	ctx      context.Context
	enc      *zstd.Encoder
	tw       *tar.Writer
	src      Source
	exclude  excluder
	buf      []byte
	summary  SourceSummary
	warnings []string
}

func newArchiver(ctx context.Context, enc *zstd.Encoder, src Source) *archiver {
	return &archiver{
		ctx:     ctx,
		enc:     enc,
		tw:      tar.NewWriter(enc),
		src:     src,
		exclude: excluder{src.Exclude},
		buf:     make([]byte, readBufferSize),
	}
}

// run writes every source, then closes the tar stream and the encoder.
func (a *archiver) run() error {
	for _, p := range a.src.Paths {
		if err := a.walk(p, archiveName, a.exclude.match); err != nil {
			return err
		}
	}
	for _, x := range a.src.Extra {
		if err := a.walk(x.Dir, extraNamer(x), nil); err != nil {
			return err
		}
	}
	a.summary.Hooks = hookNames(a.src.Extra)
	if err := a.tw.Close(); err != nil {
		return err
	}
	return a.enc.Close()
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

// walk archives the tree at root, naming each entry with name and skipping
// those skip matches.
func (a *archiver) walk(root string, name func(string) string, skip func(string) bool) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return a.walkError(p, root, err)
		}
		if err := a.ctx.Err(); err != nil {
			return err
		}
		n := name(p)
		if skip != nil && skip(n) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		return a.add(p, n, d)
	})
}

// walkError turns a vanished entry into a warning; other errors stop the walk.
func (a *archiver) walkError(p, root string, err error) error {
	if p != root && errors.Is(err, fs.ErrNotExist) {
		a.warn("%s: vanished while archiving", p)
		return nil
	}
	return err
}

func (a *archiver) warn(format string, args ...any) {
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

// add archives one entry by its type.
func (a *archiver) add(p, name string, d fs.DirEntry) error {
	if name == "" { // the root directory "/" itself has no name
		return nil
	}
	fi, err := d.Info()
	if err != nil {
		return a.walkError(p, "", err)
	}
	switch mode := fi.Mode(); {
	case mode.IsRegular():
		return a.addFile(p, name)
	case mode.IsDir():
		a.summary.Dirs++
		return a.writeHeader(fi, name+"/", "")
	case mode&fs.ModeSymlink != 0:
		return a.addSymlink(p, name, fi)
	default:
		a.warn("%s: skipped special file (%s)", p, mode.Type())
		return nil
	}
}

func (a *archiver) addSymlink(p, name string, fi fs.FileInfo) error {
	target, err := os.Readlink(p)
	if err != nil {
		return a.walkError(p, "", err)
	}
	a.summary.Files++
	return a.writeHeader(fi, name, target)
}

// writeHeader writes a PAX header for fi under name. Access and change times
// are left out: they change on every read and would only bloat the archive.
func (a *archiver) writeHeader(fi fs.FileInfo, name, link string) error {
	hdr, err := tar.FileInfoHeader(fi, link)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	hdr.Name = name
	hdr.Format = tar.FormatPAX
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	return a.tw.WriteHeader(hdr)
}

// addFile archives a regular file, sized as it is when opened. If it then
// shrinks, the entry is padded with zeros; if it grows, it is cut at the
// header's size: either way the archive stays valid, with a warning.
func (a *archiver) addFile(p, name string) error {
	f, err := os.Open(p)
	if err != nil {
		return a.walkError(p, "", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() { // replaced since listed
		a.warn("%s: no longer a regular file, skipped", p)
		return nil
	}
	if err := a.writeHeader(fi, name, ""); err != nil {
		return err
	}
	a.summary.Files++
	a.summary.Bytes += fi.Size()
	return a.copyFile(f, p, fi.Size())
}

// copyFile writes exactly size bytes of f into the current entry.
func (a *archiver) copyFile(f *os.File, p string, size int64) error {
	var done int64
	for done < size {
		if err := a.ctx.Err(); err != nil {
			return err
		}
		n, err := io.ReadFull(f, a.buf[:min(int64(len(a.buf)), size-done)])
		if _, werr := a.tw.Write(a.buf[:n]); werr != nil {
			return werr
		}
		done += int64(n)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
	}
	if done < size {
		a.warn("%s: shrank from %d to %d bytes while read; padded with zeros", p, size, done)
		return a.pad(size - done)
	}
	if n, _ := f.Read(a.buf[:1]); n > 0 {
		a.warn("%s: grew while read; archived its first %d bytes", p, size)
	}
	return nil
}

// pad writes n zero bytes into the current entry.
func (a *archiver) pad(n int64) error {
	clear(a.buf)
	for n > 0 {
		k := min(n, int64(len(a.buf)))
		if _, err := a.tw.Write(a.buf[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

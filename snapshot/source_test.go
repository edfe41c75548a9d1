package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildTree(t, src)
	out := t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	checkSummary(t, src, res.Summary)
	dst := t.TempDir()
	r := openArchive(context.Background(), out, res.List())
	stats, err := ExtractTar(context.Background(), r, dst, ExtractOptions{})
	mustDo(t, err)
	mustDo(t, r.Close())
	compareTrees(t, src, filepath.Join(dst, archiveName(src)))
	if stats.Files != 5 || stats.Symlinks != 2 || stats.Bytes != res.Summary.Bytes {
		t.Errorf("stats = %+v", stats)
	}
}

func checkSummary(t *testing.T, src string, s SourceSummary) {
	t.Helper()
	// files: deep.txt run.sh zero big.bin "with space…" + symlinks link, a/up;
	// dirs: src a a/b a/b/c empty.
	wantBytes := int64(len("deep\n") + len("#!/bin/sh\necho hi\n") + 3<<20 + len("hello"))
	if s.Files != 7 || s.Dirs != 5 || s.Bytes != wantBytes || !slices.Equal(s.Paths, []string{src}) {
		t.Errorf("summary = %+v, want 7 files, 5 dirs, %d bytes", s, wantBytes)
	}
}

// checkSidecar runs `sha256sum -c` on the sidecar, when sha256sum exists.
func TestWriteExcludesAndExtra(t *testing.T) {
	base := t.TempDir()
	src := filepath.Join(base, "app")
	for _, f := range []string{"keep.txt", "log/x.log", "sub/log/y.log", "a.tmp", "sub/b.tmp", "sub/keep.go"} {
		writeFile(t, filepath.Join(src, f), []byte(f), 0o644)
	}
	stage := filepath.Join(base, "stage")
	writeFile(t, filepath.Join(stage, "dump.sql"), []byte("create table"), 0o600)
	out := t.TempDir()
	s := Source{Paths: []string{src}, Exclude: []string{"**/log/**", "*.tmp"}, Extra: []ExtraDir{{Prefix: "hooks/dump-db", Dir: stage}}}
	res, err := writeTo(context.Background(), s, ChunkOptions{}, out)
	mustDo(t, err)
	names := listArchive(t, out, res.List())
	for _, want := range []string{"/app/", "/app/keep.txt", "/app/sub/keep.go", "hooks/dump-db/", "hooks/dump-db/dump.sql"} {
		if !hasName(names, want) {
			t.Errorf("archive lacks %s: %v", want, names)
		}
	}
	for _, bad := range []string{"log/", "x.log", "y.log", ".tmp"} {
		if hasName(names, bad) {
			t.Errorf("archive has excluded %s: %v", bad, names)
		}
	}
	if !slices.Contains(names, "hooks/dump-db/dump.sql") || !slices.Equal(res.Summary.Hooks, []string{"dump-db"}) {
		t.Errorf("hooks: names %v, summary %v", names, res.Summary.Hooks)
	}
	if res.Summary.Files != 3 {
		t.Errorf("summary.Files = %d, want 3", res.Summary.Files)
	}
}

func TestWriteNestedPathsOnce(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "sub/f"), []byte("x"), 0o644)
	out := t.TempDir()
	paths := []string{filepath.Join(src, "sub"), src, src + "/"}
	res, err := writeTo(context.Background(), Source{Paths: paths}, ChunkOptions{}, out)
	mustDo(t, err)
	if names := listArchive(t, out, res.List()); len(names) != 3 {
		t.Errorf("entries %v, want src/, src/sub/, src/sub/f", names)
	}
	if !slices.Equal(res.Summary.Paths, []string{src}) {
		t.Errorf("paths %v", res.Summary.Paths)
	}
}

func TestWriteSourceErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	for _, s := range []Source{
		{Paths: []string{missing}},
		{Paths: []string{"relative/path"}},
		{},
		{Paths: []string{t.TempDir()}, Exclude: []string{"[unclosed"}},
		{Extra: []ExtraDir{{Prefix: "../hooks", Dir: t.TempDir()}}},
		{Extra: []ExtraDir{{Prefix: "hooks/x", Dir: missing}}},
	} {
		_, err := writeTo(context.Background(), s, ChunkOptions{}, t.TempDir())
		if err == nil {
			t.Errorf("WriteChunks(%+v) succeeded", s)
		}
	}
	_, err := writeTo(context.Background(), Source{Paths: []string{missing}}, ChunkOptions{}, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("error %v does not name %s", err, missing)
	}
}

func TestWriteSkipsSockets(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "f"), []byte("x"), 0o644)
	l, err := net.Listen("unix", filepath.Join(src, "sock"))
	mustDo(t, err)
	defer l.Close()
	out := t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	if hasName(listArchive(t, out, res.List()), "sock") || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "sock") {
		t.Errorf("socket archived or not warned: %v", res.Warnings)
	}
}

// TestFileSizeChanges archives a file whose size differs from its header's
// (it shrank or grew while read): the entry is padded or cut, the archive
// stays valid and a warning says so. Reads go through a 2-byte buffer.
func TestFileSizeChanges(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	writeFile(t, p, []byte("12345"), 0o644)
	for _, tc := range []struct {
		size int64
		want string
	}{{8, "12345\x00\x00\x00"}, {3, "123"}, {5, "12345"}, {600, "12345" + strings.Repeat("\x00", 595)}} {
		a := newArchiver(context.Background(), Source{})
		f, err := os.Open(p)
		mustDo(t, err)
		mustDo(t, a.header(fileInfo{"f", tc.size}, "f", "", tc.size, nil))
		a.file, a.path, a.size, a.left = f, p, tc.size, tc.size
		var b bytes.Buffer
		_, err = io.CopyBuffer(&b, a, make([]byte, 2))
		a.close()
		mustDo(t, err)
		if b.Len()%blockSize != 0 {
			t.Errorf("size %d: archive of %d bytes, not whole blocks", tc.size, b.Len())
		}
		tr := tar.NewReader(&b)
		_, err = tr.Next()
		mustDo(t, err)
		got, err := io.ReadAll(tr)
		mustDo(t, err)
		if string(got) != tc.want || (len(a.warnings) == 1) != (tc.size != 5) {
			t.Errorf("size %d: got %q, warnings %v", tc.size, got, a.warnings)
		}
		if _, err := tr.Next(); err != io.EOF {
			t.Errorf("size %d: after the entry: %v, want the end of the archive", tc.size, err)
		}
	}
}

// fileInfo is a regular file's fs.FileInfo of a given size.
type fileInfo struct {
	name string
	size int64
}

func (f fileInfo) Name() string       { return f.name }
func (f fileInfo) Size() int64        { return f.size }
func (f fileInfo) Mode() fs.FileMode  { return 0o644 }
func (f fileInfo) ModTime() time.Time { return time.Unix(1700000000, 0) }
func (f fileInfo) IsDir() bool        { return false }
func (f fileInfo) Sys() any           { return nil }

func TestExcluder(t *testing.T) {
	e := excluder{[]string{"**/log/**", "*.tmp", "home/x/cache"}}
	for name, want := range map[string]bool{
		"home/app/log":       true,
		"home/app/log/a.txt": true,
		"home/app/logs":      false,
		"a.tmp":              true,
		"home/app/b.tmp":     true,
		"home/app/b.tmpx":    false,
		"home/x/cache":       true,
		"home/y/cache":       false,
	} {
		if got := e.match(name); got != want {
			t.Errorf("match(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDropNested(t *testing.T) {
	got := dropNested([]string{"/a/b", "/c", "/a", "/c", "/ab", "/a/b/c"})
	if want := []string{"/c", "/a", "/ab"}; !slices.Equal(got, want) {
		t.Errorf("dropNested = %v, want %v", got, want)
	}
	if got := dropNested([]string{"/x", "/"}); !slices.Equal(got, []string{"/"}) {
		t.Errorf("dropNested with / = %v", got)
	}
}

// TestWriteManySmallFiles archives files around the read-ahead's size
// limit and tar's block size, many more than the read-ahead window, and
// restores them identical.
func TestWriteManySmallFiles(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	sizes := []int{0, 1, 511, 512, 513, smallFile - 1, smallFile, smallFile + 1, 3 * smallFile}
	for i := range 3 * prefetchWindow {
		size := sizes[i%len(sizes)]
		writeFile(t, filepath.Join(src, fmt.Sprintf("d%d", i%7), fmt.Sprintf("f%04d", i)), randomBytes(t, size), 0o640)
	}
	out := t.TempDir()
	res, err := writeTo(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, out)
	mustDo(t, err)
	if res.Summary.Files != 3*prefetchWindow || len(res.Warnings) != 0 {
		t.Errorf("summary %+v, warnings %q", res.Summary, res.Warnings)
	}
	dst := t.TempDir()
	r := openArchive(context.Background(), out, res.List())
	_, err = ExtractTar(context.Background(), r, dst, ExtractOptions{})
	mustDo(t, err)
	mustDo(t, r.Close())
	compareTrees(t, src, filepath.Join(dst, archiveName(src)))
}

// TestReadAheadSizeChanges archives small files read ahead whose content
// no longer matches their size: the entry is padded or cut, with a warning.
func TestReadAheadSizeChanges(t *testing.T) {
	for _, tc := range []struct {
		size int64
		data string
		grew bool
		want string
	}{{8, "12345", false, "12345\x00\x00\x00"}, {3, "123", true, "123"}, {5, "12345", false, "12345"}} {
		a := newArchiver(context.Background(), Source{})
		it := &item{walkEntry: walkEntry{path: "/f", name: "f"}, fi: fileInfo{"f", tc.size}, data: []byte(tc.data), grew: tc.grew}
		mustDo(t, a.addFile(it))
		var b bytes.Buffer
		_, err := io.Copy(&b, a)
		a.close()
		mustDo(t, err)
		tr := tar.NewReader(&b)
		_, err = tr.Next()
		mustDo(t, err)
		got, err := io.ReadAll(tr)
		mustDo(t, err)
		if string(got) != tc.want || (len(a.warnings) == 1) != (tc.size != 5) {
			t.Errorf("size %d: got %q, warnings %v", tc.size, got, a.warnings)
		}
	}
}

func TestWriteLeavesNoGoroutines(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big"), randomBytes(t, 1<<20), 0o644)
	for i := range 2 * prefetchWindow { // more than the read-ahead holds
		writeFile(t, filepath.Join(src, "small", fmt.Sprint(i)), []byte("x"), 0o644)
	}
	before := runtime.NumGoroutine()
	for range 5 {
		WriteChunks(context.Background(), Source{Paths: []string{src}}, ChunkOptions{}, &failingStore{memChunkStore: memStore(), left: 1})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		writeTo(ctx, Source{Paths: []string{src}}, ChunkOptions{}, t.TempDir())
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}
}

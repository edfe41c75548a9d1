package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
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
	for _, tc := range []struct {
		name      string
		pieceSize int64
	}{{"unsplit", 0}, {"split", 64 << 10}, {"split-one-piece", 1 << 30}} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			res, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{PieceSize: tc.pieceSize}, dirSink(out))
			mustDo(t, err)
			checkResultPieces(t, out, res, tc.pieceSize)
			checkSummary(t, src, res.Summary)
			checkSidecar(t, out, res.Pieces)
			dst := t.TempDir()
			r := NewReader(context.Background(), res.Pieces, dirOpener(out))
			stats, err := Extract(context.Background(), r, dst, ExtractOptions{})
			mustDo(t, err)
			mustDo(t, r.Close())
			compareTrees(t, src, filepath.Join(dst, archiveName(src)))
			if stats.Files != 5 || stats.Symlinks != 2 || stats.Bytes != res.Summary.Bytes {
				t.Errorf("stats = %+v", stats)
			}
		})
	}
}

// checkResultPieces checks piece names and sizes and recomputes every digest.
func checkResultPieces(t *testing.T, out string, res *Result, pieceSize int64) {
	t.Helper()
	var names []string
	whole := sha256.New()
	var total int64
	for i, p := range res.Pieces {
		if want := PieceName(i, pieceSize > 0); p.Name != want {
			t.Errorf("piece %d named %q, want %q", i, p.Name, want)
		}
		b, err := os.ReadFile(filepath.Join(out, p.Name))
		mustDo(t, err)
		if int64(len(b)) != p.Size || (i < len(res.Pieces)-1 && p.Size != pieceSize) {
			t.Errorf("piece %s: size %d, file %d, piece size %d", p.Name, p.Size, len(b), pieceSize)
		}
		if got := sha256File(t, filepath.Join(out, p.Name)); got != p.SHA256 {
			t.Errorf("piece %s: sha256 %s, file has %s", p.Name, p.SHA256, got)
		}
		whole.Write(b)
		total += int64(len(b))
		names = append(names, p.Name)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != len(res.Pieces) {
		t.Errorf("sink stored %d files, result lists %v", len(entries), names)
	}
	if got := hex.EncodeToString(whole.Sum(nil)); got != res.SHA256 || total != res.Size {
		t.Errorf("whole archive: %s/%d, result says %s/%d", got, total, res.SHA256, res.Size)
	}
	if pieceSize == 64<<10 && len(res.Pieces) < 3 {
		t.Errorf("only %d pieces of 64 KiB for > 3 MiB", len(res.Pieces))
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
func checkSidecar(t *testing.T, out string, pieces []Piece) {
	t.Helper()
	sc := Sidecar(pieces)
	mustDo(t, os.WriteFile(filepath.Join(out, SidecarName), sc, 0o644))
	defer os.Remove(filepath.Join(out, SidecarName))
	parsed, err := ParseSidecar(sc)
	mustDo(t, err)
	for _, p := range pieces {
		if parsed[p.Name] != p.SHA256 {
			t.Errorf("sidecar has %q for %s, want %s", parsed[p.Name], p.Name, p.SHA256)
		}
	}
	if _, err := exec.LookPath("sha256sum"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("sha256sum not found")
		}
		t.Log("sha256sum not found; skipping sha256sum -c")
		return
	}
	cmd := exec.Command("sha256sum", "-c", SidecarName)
	cmd.Dir = out
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha256sum -c: %v\n%s", err, b)
	}
}

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
	res, err := Write(context.Background(), s, WriteOptions{}, dirSink(out))
	mustDo(t, err)
	names := listArchive(t, out, res.Pieces)
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
	res, err := Write(context.Background(), Source{Paths: paths}, WriteOptions{}, dirSink(out))
	mustDo(t, err)
	if names := listArchive(t, out, res.Pieces); len(names) != 3 {
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
		_, err := Write(context.Background(), s, WriteOptions{}, dirSink(t.TempDir()))
		if err == nil {
			t.Errorf("Write(%+v) succeeded", s)
		}
	}
	_, err := Write(context.Background(), Source{Paths: []string{missing}}, WriteOptions{}, dirSink(t.TempDir()))
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
	res, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{}, dirSink(out))
	mustDo(t, err)
	if hasName(listArchive(t, out, res.Pieces), "sock") || len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "sock") {
		t.Errorf("socket archived or not warned: %v", res.Warnings)
	}
}

func TestWriteSinkError(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big"), randomBytes(t, 1<<20), 0o644)
	boom := errors.New("boom")
	calls := 0
	sink := func(ctx context.Context, name string, r io.Reader) error {
		calls++
		if name == PieceName(2, true) {
			io.CopyN(io.Discard, r, 10)
			return boom
		}
		_, err := io.Copy(io.Discard, r)
		return err
	}
	_, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{PieceSize: 64 << 10}, sink)
	if !errors.Is(err, boom) || calls != 3 {
		t.Errorf("err = %v after %d pieces, want boom after 3", err, calls)
	}
}

func TestWriteSinkReturnsEarly(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big"), randomBytes(t, 1<<20), 0o644)
	sink := func(ctx context.Context, name string, r io.Reader) error { return nil }
	_, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{}, sink)
	if !errors.Is(err, errSinkShort) {
		t.Errorf("err = %v, want errSinkShort", err)
	}
}

func TestWriteCancel(t *testing.T) {
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "big"), randomBytes(t, 4<<20), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	sink := func(ctx context.Context, name string, r io.Reader) error {
		io.CopyN(io.Discard, r, 1000)
		cancel()
		<-ctx.Done() // a slow sink that never reads on
		return ctx.Err()
	}
	done := make(chan error)
	go func() {
		_, err := Write(ctx, Source{Paths: []string{src}}, WriteOptions{}, sink)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Write did not stop on cancel")
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

func BenchmarkWrite(b *testing.B) {
	src := b.TempDir()
	const fileSize, files = 2 << 20, 32
	text := []byte(strings.Repeat("the quick brown fox jumps over the lazy dog 0123456789\n", fileSize/55+1))[:fileSize]
	for i := range files {
		data := text
		if i%2 == 0 {
			data = randomBytes(b, fileSize)
		}
		writeFile(b, filepath.Join(src, fmt.Sprintf("d%d/f%d", i%4, i)), data, 0o644)
	}
	sink := func(ctx context.Context, name string, r io.Reader) error {
		_, err := io.Copy(io.Discard, r)
		return err
	}
	b.SetBytes(fileSize * files)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{PieceSize: 16 << 20}, sink); err != nil {
			b.Fatal(err)
		}
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
	res, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{}, dirSink(out))
	mustDo(t, err)
	if res.Summary.Files != 3*prefetchWindow || len(res.Warnings) != 0 {
		t.Errorf("summary %+v, warnings %q", res.Summary, res.Warnings)
	}
	dst := t.TempDir()
	r := NewReader(context.Background(), res.Pieces, dirOpener(out))
	_, err = Extract(context.Background(), r, dst, ExtractOptions{})
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
	failing := func(ctx context.Context, name string, r io.Reader) error {
		io.CopyN(io.Discard, r, 100)
		return errors.New("upload failed")
	}
	for range 5 {
		Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{PieceSize: 64 << 10}, failing)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		Write(ctx, Source{Paths: []string{src}}, WriteOptions{}, dirSink(t.TempDir()))
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines before, %d after", before, n)
	}
}

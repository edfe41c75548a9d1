// Package providertest is the conformance suite every providers.Store must
// pass, whatever rclone backend is behind it (rclone's fstest/fstests in
// spirit). A backend test supplies a function that opens a fresh, empty
// store; the suite does the rest with real reads and writes.
package providertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// Run runs the suite. open must return a new store with an empty root that
// does not exist yet, every time it is called; the suite calls it for each
// test and twice for copies between stores. Stores that share a remote
// (two prefixes of one bucket, two directories of one server) exercise
// server-side copy.
func Run(t *testing.T, open func(t *testing.T) providers.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, func(*testing.T) providers.Store)
	}{
		{"ListEmpty", testListEmpty},
		{"WriteOpen", testWriteOpen},
		{"Overwrite", testOverwrite},
		{"InvisibleWhileWriting", testInvisibleWhileWriting},
		{"FailingReader", testFailingReader},
		{"WrongSize", testWrongSize},
		{"List", testList},
		{"OpenMissing", testOpenMissing},
		{"InvalidPath", testInvalidPath},
		{"CopyWithin", testCopyWithin},
		{"CopyBetween", testCopyBetween},
		{"CopyMissing", testCopyMissing},
		{"Delete", testDelete},
		{"DeleteDir", testDeleteDir},
		{"Move", testMove},
		{"Usage", testUsage},
		{"Concurrent", testConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// Data returns n reproducible pseudo-random bytes.
func Data(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x5eed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// Write stores b under p with its size known, failing the test on error.
func Write(t *testing.T, s providers.Store, p string, b []byte) {
	t.Helper()
	n, err := s.Write(context.Background(), p, bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("Write(%q): %v", p, err)
	}
	if n != int64(len(b)) {
		t.Fatalf("Write(%q) = %d bytes, want %d", p, n, len(b))
	}
}

// Read returns the content of p, failing the test on error.
func Read(t *testing.T, s providers.Store, p string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), p)
	if err != nil {
		t.Fatalf("Open(%q): %v", p, err)
	}
	defer func() { _ = rc.Close() }()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %q: %v", p, err)
	}
	return b
}

// List returns every entry of s by path, failing the test on error.
func List(t *testing.T, s providers.Store) map[string]providers.Entry {
	t.Helper()
	got := map[string]providers.Entry{}
	err := s.List(context.Background(), func(e providers.Entry) error {
		if _, dup := got[e.Path]; dup {
			return fmt.Errorf("%q listed twice", e.Path)
		}
		got[e.Path] = e
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return got
}

// Sizes returns the sizes of the entries of s by path.
func Sizes(t *testing.T, s providers.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for p, e := range List(t, s) {
		out[p] = e.Size
	}
	return out
}

// CheckSizes fails unless s holds exactly want (path → size).
func CheckSizes(t *testing.T, s providers.Store, want map[string]int64) {
	t.Helper()
	got := Sizes(t, s)
	if len(got) != len(want) {
		t.Fatalf("listing = %v, want %v", got, want)
	}
	for p, n := range want {
		if m, ok := got[p]; !ok || m != n {
			t.Fatalf("listing = %v, want %v", got, want)
		}
	}
}

// CheckNoTemp fails if a temporary object is visible.
func CheckNoTemp(t *testing.T, s providers.Store) {
	t.Helper()
	for p := range List(t, s) {
		if strings.Contains(p, snapshot.TempMarker) {
			t.Fatalf("temporary object left behind: %q", p)
		}
	}
}

func testListEmpty(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	CheckSizes(t, s, map[string]int64{})
	stop := errors.New("stop")
	Write(t, s, "x", []byte("x"))
	if err := s.List(context.Background(), func(providers.Entry) error { return stop }); err != stop {
		t.Fatalf("List returned %v, want the callback's error", err)
	}
}

func testWriteOpen(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	for i, n := range []int{0, 1, 1000, 5 << 20} {
		for _, known := range []bool{true, false} {
			p := fmt.Sprintf("w/%d-%v.bin", n, known)
			b := Data(uint64(i), n)
			size := int64(-1)
			if known {
				size = int64(n)
			}
			got, err := s.Write(ctx, p, onlyReader{bytes.NewReader(b)}, size)
			if err != nil || got != int64(n) {
				t.Fatalf("Write(%q, size %d) = %d, %v; want %d", p, size, got, err, n)
			}
			if r := Read(t, s, p); !bytes.Equal(r, b) {
				t.Fatalf("%q: read %d bytes back, not what was written (%d bytes)", p, len(r), n)
			}
		}
	}
	entries := List(t, s)
	if len(entries) != 8 {
		t.Fatalf("listing has %d entries, want 8: %v", len(entries), entries)
	}
	for p, e := range entries {
		if e.ModTime.IsZero() || time.Since(e.ModTime).Abs() > time.Hour {
			t.Errorf("%q: modtime %v, want about now", p, e.ModTime)
		}
	}
	CheckNoTemp(t, s)
}

func testOverwrite(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	Write(t, s, "a/f", Data(1, 3000))
	Write(t, s, "a/f", Data(2, 100))
	if got := Read(t, s, "a/f"); !bytes.Equal(got, Data(2, 100)) {
		t.Fatalf("after overwrite read %d bytes, want the second content", len(got))
	}
	CheckSizes(t, s, map[string]int64{"a/f": 100})
}

// failingReader returns an error after n bytes.
type failingReader struct {
	r io.Reader
	n int
}

var errReader = errors.New("reader failed on purpose")

func (f *failingReader) Read(b []byte) (int, error) {
	if f.n <= 0 {
		return 0, errReader
	}
	if len(b) > f.n {
		b = b[:f.n]
	}
	n, err := f.r.Read(b)
	f.n -= n
	return n, err
}

// onlyReader hides every method but Read (no WriterTo, Seeker, Len…).
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(b []byte) (int, error) { return o.r.Read(b) }

func testFailingReader(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	old := Data(9, 777)
	Write(t, s, "d/old", old)
	b := Data(3, 3<<20)
	for _, size := range []int64{int64(len(b)), -1} {
		for _, p := range []string{"d/new", "d/old"} {
			r := &failingReader{r: bytes.NewReader(b), n: 1 << 20}
			if _, err := s.Write(ctx, p, r, size); err == nil {
				t.Fatalf("Write(%q, size %d) with a failing reader succeeded", p, size)
			} else if !errors.Is(err, errReader) && !strings.Contains(err.Error(), errReader.Error()) {
				t.Logf("Write(%q) failed with %v (not naming the reader's error)", p, err)
			}
		}
	}
	CheckSizes(t, s, map[string]int64{"d/old": int64(len(old))})
	if got := Read(t, s, "d/old"); !bytes.Equal(got, old) {
		t.Fatal("a failed overwrite changed the existing object")
	}
}

// spyReader calls spy once after n bytes.
type spyReader struct {
	r   io.Reader
	n   int
	spy func()
}

func (s *spyReader) Read(b []byte) (int, error) {
	if s.n <= 0 && s.spy != nil {
		s.spy()
		s.spy = nil
	}
	if s.spy != nil && len(b) > s.n {
		b = b[:s.n]
	}
	n, err := s.r.Read(b)
	s.n -= n
	return n, err
}

func testInvisibleWhileWriting(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	Write(t, s, "v/f", []byte("old"))
	for _, size := range []int64{6 << 20, -1} {
		var during map[string]int64
		r := &spyReader{r: bytes.NewReader(Data(6, 6<<20)), n: 3 << 20, spy: func() { during = Sizes(t, s) }}
		if _, err := s.Write(ctx, "v/f", r, size); err != nil {
			t.Fatalf("Write: %v", err)
		}
		if during["v/f"] != 3 {
			t.Fatalf("while writing, the final name showed %d bytes, want the old 3", during["v/f"])
		}
		CheckNoTemp(t, s)
		CheckSizes(t, s, map[string]int64{"v/f": 6 << 20})
		Write(t, s, "v/f", []byte("old"))
	}
}

func testWrongSize(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	b := Data(4, 1000)
	if _, err := s.Write(ctx, "short", bytes.NewReader(b[:500]), 1000); err == nil {
		t.Fatal("Write of 500 bytes announced as 1000 succeeded")
	}
	if _, err := s.Write(ctx, "long", bytes.NewReader(b), 500); err == nil {
		t.Fatal("Write of 1000 bytes announced as 500 succeeded")
	}
	CheckSizes(t, s, map[string]int64{})
}

func testList(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	want := map[string]int64{
		"top":                            1,
		"app/2026/11/21/020000Z/data":    1234,
		"app/2026/11/21/020000Z/m.json":  0,
		"app/2026/11/22/020000Z/data":    99,
		"other/deep/er/and/deeper/f.txt": 4096,
		".strata/locks/abc.json":         17,
		"name with spaces/ü.bin":         5,
	}
	for p, n := range want {
		Write(t, s, p, Data(uint64(n), int(n)))
	}
	CheckSizes(t, s, want)
	for p, n := range want {
		if got := Read(t, s, p); !bytes.Equal(got, Data(uint64(n), int(n))) {
			t.Fatalf("%q: wrong content read back", p)
		}
	}
}

func testOpenMissing(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	for _, p := range []string{"nope", "no/such/dir/f"} {
		if _, err := s.Open(ctx, p); !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("Open(%q) on an empty store: %v, want ErrNotFound", p, err)
		}
	}
	Write(t, s, "dir/f", []byte("x"))
	for _, p := range []string{"dir/g", "dir"} {
		if _, err := s.Open(ctx, p); !errors.Is(err, providers.ErrNotFound) {
			t.Fatalf("Open(%q): %v, want ErrNotFound", p, err)
		}
	}
	if providers.IsRetryable(func() error { _, err := s.Open(ctx, "nope"); return err }()) {
		t.Fatal("ErrNotFound is classified retryable")
	}
}

func testInvalidPath(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	for _, p := range []string{"", ".", "..", "../x", "/abs"} {
		if _, err := s.Write(ctx, p, strings.NewReader("x"), 1); err == nil {
			t.Errorf("Write(%q) succeeded", p)
		}
	}
	if err := s.DeleteDir(ctx, ""); err == nil {
		t.Error("DeleteDir of the root succeeded")
	}
	CheckSizes(t, s, map[string]int64{})
}

func testCopyWithin(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	b := Data(5, 2<<20)
	Write(t, s, "src/f", b)
	if err := s.Copy(ctx, s, "src/f", "dst/sub/f"); err != nil {
		t.Fatalf("Copy: %v", err)
	}
	Write(t, s, "dst/other", []byte("o"))
	if err := s.Copy(ctx, s, "src/f", "dst/other"); err != nil {
		t.Fatalf("Copy over an existing object: %v", err)
	}
	for _, p := range []string{"dst/sub/f", "dst/other", "src/f"} {
		if got := Read(t, s, p); !bytes.Equal(got, b) {
			t.Fatalf("%q: wrong content after copy", p)
		}
	}
	CheckSizes(t, s, map[string]int64{"src/f": 2 << 20, "dst/sub/f": 2 << 20, "dst/other": 2 << 20})
}

func testCopyBetween(t *testing.T, open func(*testing.T) providers.Store) {
	a, b := open(t), open(t)
	ctx := context.Background()
	for i, n := range []int{0, 10, 3 << 20} {
		p := fmt.Sprintf("x/%d", i)
		Write(t, a, p, Data(uint64(n), n))
		if err := b.Copy(ctx, a, p, "y/"+p); err != nil {
			t.Fatalf("Copy %d bytes: %v", n, err)
		}
		if got := Read(t, b, "y/"+p); !bytes.Equal(got, Data(uint64(n), n)) {
			t.Fatalf("%d bytes: wrong content after copy", n)
		}
	}
	CheckSizes(t, b, map[string]int64{"y/x/0": 0, "y/x/1": 10, "y/x/2": 3 << 20})
	CheckSizes(t, a, map[string]int64{"x/0": 0, "x/1": 10, "x/2": 3 << 20})
}

func testCopyMissing(t *testing.T, open func(*testing.T) providers.Store) {
	a, b := open(t), open(t)
	ctx := context.Background()
	if err := b.Copy(ctx, a, "nope", "dst"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Copy of a missing object: %v, want ErrNotFound", err)
	}
	if err := a.Copy(ctx, a, "nope", "dst"); !errors.Is(err, providers.ErrNotFound) {
		t.Fatalf("Copy of a missing object within a store: %v, want ErrNotFound", err)
	}
	CheckSizes(t, b, map[string]int64{})
	CheckSizes(t, a, map[string]int64{})
}

func testDelete(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	Write(t, s, "a/1", []byte("1"))
	Write(t, s, "a/2", []byte("22"))
	if err := s.Delete(ctx, "a/1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	for _, p := range []string{"a/1", "never", "no/such/dir"} {
		if err := s.Delete(ctx, p); err != nil {
			t.Fatalf("Delete(%q) of a missing object: %v", p, err)
		}
	}
	CheckSizes(t, s, map[string]int64{"a/2": 2})
}

func testDeleteDir(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	files := []string{
		"app/2026/01/02/030405Z/data", "app/2026/01/02/030405Z/sub/x",
		"app/2026/01/03/030405Z/data", "app/2026/02/01/030405Z/data", "keep",
	}
	for _, p := range files {
		Write(t, s, p, []byte(p))
	}
	if err := s.DeleteDir(ctx, "app/2026/01/02/030405Z"); err != nil {
		t.Fatalf("DeleteDir: %v", err)
	}
	CheckSizes(t, s, map[string]int64{
		"app/2026/01/03/030405Z/data": 27, "app/2026/02/01/030405Z/data": 27, "keep": 4,
	})
	for _, d := range []string{"app/2026/01/03/030405Z", "app/2026/02/01/030405Z", "app/2026/09", "none"} {
		if err := s.DeleteDir(ctx, d); err != nil {
			t.Fatalf("DeleteDir(%q): %v", d, err)
		}
	}
	CheckSizes(t, s, map[string]int64{"keep": 4})
	Write(t, s, "app/2026/01/02/030405Z/data", []byte("again"))
	CheckSizes(t, s, map[string]int64{"keep": 4, "app/2026/01/02/030405Z/data": 5})
}

func testUsage(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	Write(t, s, "f", []byte("x"))
	u, ok, err := s.Usage(context.Background())
	if err != nil {
		t.Fatalf("Usage: %v", err)
	}
	if !ok {
		t.Logf("%s cannot report usage", s.Name())
		return
	}
	for _, v := range []int64{u.Free, u.Total, u.Used} {
		if v < -1 {
			t.Fatalf("Usage = %+v: negative", u)
		}
	}
}

func testConcurrent(t *testing.T, open func(*testing.T) providers.Store) {
	s := open(t)
	ctx := context.Background()
	const workers, each = 8, 4
	var wg sync.WaitGroup
	errs := make(chan error, workers*(each+1))
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				p := fmt.Sprintf("c/%d/%d", w, i)
				b := Data(uint64(w*each+i), 10000+w*each+i)
				if _, err := s.Write(ctx, p, bytes.NewReader(b), -1); err != nil {
					errs <- err
				}
			}
			b := Data(100, 200000) // all write the same content to one name
			if _, err := s.Write(ctx, "c/shared", bytes.NewReader(b), int64(len(b))); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Write: %v", err)
	}
	want := map[string]int64{"c/shared": 200000}
	for w := range workers {
		for i := range each {
			want[fmt.Sprintf("c/%d/%d", w, i)] = int64(10000 + w*each + i)
		}
	}
	CheckSizes(t, s, want)
	if !bytes.Equal(Read(t, s, "c/shared"), Data(100, 200000)) {
		t.Fatal("c/shared: wrong content")
	}
	for _, p := range slices.Sorted(maps.Keys(want))[:3] {
		if len(Read(t, s, p)) != int(want[p]) {
			t.Fatalf("%q: wrong size read back", p)
		}
	}
}

package snapshot

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestContentSpansLocateFileContent holds the seam format 2's file-aware cut
// relies on: every span names exactly the bytes of one file's content in the
// tar stream, and is told before any of them is read.
func TestContentSpansLocateFileContent(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"a.txt":         []byte("alpha"),
		"big.bin":       bytes.Repeat([]byte("0123456789abcdef"), 200_000), // read from the open file
		"sub/b.txt":     []byte(strings.Repeat("beta ", 300)),
		"sub/empty.txt": nil,
	}
	for name, b := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a := newArchiver(context.Background(), Source{Paths: []string{dir}})
	defer a.close()
	var spans []ContentSpan
	var stream bytes.Buffer
	a.spans = func(s ContentSpan) {
		if s.Start < int64(stream.Len()) {
			t.Errorf("span of %s told after %d of its bytes were read", s.Name, int64(stream.Len())-s.Start)
		}
		spans = append(spans, s)
	}
	if _, err := io.CopyBuffer(&stream, a, make([]byte, 7000)); err != nil {
		t.Fatal(err)
	}
	if len(spans) != 3 { // the empty file has no content
		t.Fatalf("%d spans, want 3: %+v", len(spans), spans)
	}
	for _, s := range spans {
		rel := strings.TrimPrefix(s.Name, strings.TrimPrefix(dir, "/")+"/")
		if got := stream.Bytes()[s.Start:s.End]; !bytes.Equal(got, files[rel]) {
			t.Errorf("span %+v does not hold the content of %s", s, rel)
		}
	}
}

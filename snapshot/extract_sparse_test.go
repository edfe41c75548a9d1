package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestExtractLeavesHoles: a large file whose content is mostly zero blocks
// (a sparse VM image, say) is restored with holes: the same bytes read back,
// a fraction of them allocated on disk.
func TestExtractLeavesHoles(t *testing.T) {
	const size = 48 << 20
	body := make([]byte, size)
	copy(body, "head")
	copy(body[size/2+100:], bytes.Repeat([]byte("middle"), 3000)) // not block aligned
	copy(body[size-4:], "tail")
	dir := t.TempDir()
	st, err := Extract(context.Background(), bytes.NewReader(craft(t,
		entry{name: "img/disk.raw", typ: tar.TypeReg, body: string(body)},
		entry{name: "img/zeros-at-end.raw", typ: tar.TypeReg, body: string(make([]byte, 9<<20))},
	)), dir, ExtractOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.Files != 2 || st.Bytes != size+9<<20 {
		t.Errorf("stats %+v", st)
	}
	for name, want := range map[string][]byte{"img/disk.raw": body, "img/zeros-at-end.raw": make([]byte, 9<<20)} {
		p := filepath.Join(dir, name)
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s does not read back as archived", name)
		}
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if alloc := fi.Sys().(*syscall.Stat_t).Blocks * 512; alloc > fi.Size()/8 {
			t.Errorf("%s: %d of %d bytes allocated; want holes", name, alloc, fi.Size())
		}
	}
}

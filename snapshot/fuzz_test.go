package snapshot

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(validManifestJSON))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"format_version":1,"pieces":[{}]}`))
	f.Add([]byte(`{"format_version":1,"id":"2026-11-21T02:00:00.5Z","pieces":[]}`))
	f.Add([]byte(`[1,2,3]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseManifest(b)
		if err != nil {
			return
		}
		out, err := m.Marshal()
		if err != nil {
			t.Fatalf("Marshal of a parsed manifest: %v", err)
		}
		m2, err := ParseManifest(out)
		if err != nil {
			t.Fatalf("re-parse: %v\n%s", err, out)
		}
		if out2, _ := m2.Marshal(); !bytes.Equal(out, out2) {
			t.Fatalf("round trip changed the manifest:\n%s\n%s", out, out2)
		}
	})
}

func FuzzExtract(f *testing.F) {
	f.Add(craft(f, entry{name: "a/", typ: tar.TypeDir}, entry{name: "a/f", typ: tar.TypeReg, body: "hello"}))
	f.Add(craft(f, entry{name: "../evil", typ: tar.TypeReg, body: "x"}))
	f.Add(craft(f, entry{name: "l", link: "..", typ: tar.TypeSymlink}, entry{name: "l/evil", typ: tar.TypeReg, body: "x"}))
	f.Add(craft(f, entry{name: "t", link: ".", typ: tar.TypeSymlink}, entry{name: "s", link: "t/../outside", typ: tar.TypeSymlink}))
	f.Add(craft(f, entry{name: "h", link: "../outside/sentinel", typ: tar.TypeLink}))
	f.Add(craft(f, entry{name: "f", typ: tar.TypeReg, body: "x"}, entry{name: "h", link: "f", typ: tar.TypeLink}))
	f.Add(craft(f, entry{name: "l", link: "../outside", typ: tar.TypeSymlink}, entry{name: "h", link: "l/sentinel", typ: tar.TypeLink}))
	f.Add(craft(f, entry{name: "dev", typ: tar.TypeChar, major: 1}, entry{name: "fifo", typ: tar.TypeFifo}))
	f.Add(craft(f, entry{name: "l", link: "../outside", typ: tar.TypeSymlink},
		entry{name: "l/x", typ: tar.TypeReg, body: "x", pax: map[string]string{"SCHILY.xattr.user.evil": "1"}}))
	f.Add(sparseBomb(f))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if tooBig(b) {
			t.Skip("decompresses to more than 16 MiB")
		}
		for _, opts := range []ExtractOptions{{}, {Overwrite: true, AbsoluteSymlinks: true}} {
			j := newJail(t)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			Extract(ctx, bytes.NewReader(b), j.dst, opts)
			cancel()
			j.untouched(t)
		}
	})
}

// tooBig reports whether b decompresses to more than the fuzzer should write.
func tooBig(b []byte) bool {
	dec, err := zstd.NewReader(bytes.NewReader(b), zstd.WithDecoderMaxWindow(maxWindow))
	if err != nil {
		return false
	}
	defer dec.Close()
	n, _ := io.Copy(io.Discard, io.LimitReader(dec, 16<<20+1))
	return n > 16<<20
}

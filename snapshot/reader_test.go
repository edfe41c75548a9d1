package snapshot

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// splitArchive writes a tree of a 3 MiB random file in 64 KiB pieces.
func splitArchive(t *testing.T) (out string, m *Manifest) {
	t.Helper()
	src := filepath.Join(t.TempDir(), "src")
	writeFile(t, filepath.Join(src, "small.txt"), []byte("small"), 0o644)
	writeFile(t, filepath.Join(src, "z.bin"), randomBytes(t, 3<<20), 0o644)
	out = t.TempDir()
	res, err := Write(context.Background(), Source{Paths: []string{src}}, WriteOptions{PieceSize: 64 << 10}, dirSink(out))
	mustDo(t, err)
	return out, &Manifest{FormatVersion: 1, Pieces: res.Pieces, Size: res.Size, SHA256: res.SHA256}
}

func TestCorruption(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, out string)
		piece  string
		reason Reason
		status CheckStatus
	}{
		{"flip", flipByte(PieceName(1, true), 100), PieceName(1, true), ReasonDigest, CheckDiffers},
		{"flip-last-byte", flipLast, "", ReasonDigest, CheckDiffers},
		{"truncate", truncate(PieceName(2, true)), PieceName(2, true), ReasonSize, CheckDiffers},
		{"grow", appendTo(PieceName(2, true)), PieceName(2, true), ReasonSize, CheckDiffers},
		{"missing", remove(PieceName(1, true)), PieceName(1, true), ReasonMissing, CheckMissing},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, m := splitArchive(t)
			tc.damage(t, out)
			want := tc.piece
			if want == "" {
				want = m.Pieces[len(m.Pieces)-1].Name
			}
			dst := t.TempDir()
			_, err := Extract(context.Background(), NewReader(context.Background(), m.Pieces, dirOpener(out)), dst, ExtractOptions{})
			var de *DigestError
			if !errors.As(err, &de) || de.Piece != want || de.Reason != tc.reason {
				t.Fatalf("Extract error = %v, want a %s error on %s", err, tc.reason, want)
			}
			if tc.name != "flip-last-byte" {
				if _, err := os.Stat(filepath.Join(dst, archiveName(out), "z.bin")); err == nil {
					t.Error("the damaged file was left in place")
				}
			}
			checkVerify(t, m, out, want, tc.status)
		})
	}
}

func checkVerify(t *testing.T, m *Manifest, out, bad string, status CheckStatus) {
	t.Helper()
	checks := VerifyPieces(context.Background(), m, dirOpener(out))
	if len(checks) != len(m.Pieces) {
		t.Fatalf("%d checks for %d pieces", len(checks), len(m.Pieces))
	}
	for _, c := range checks {
		want := CheckOK
		if c.Piece.Name == bad {
			want = status
		}
		if c.Status != want || (want == CheckOK) != (c.Detail == "") {
			t.Errorf("%s %s: %v (%s), want %v", c.Status.Marker(), c.Piece.Name, c.Status, c.Detail, want)
		}
	}
}

func flipByte(name string, at int64) func(*testing.T, string) {
	return func(t *testing.T, out string) {
		p := filepath.Join(out, name)
		b, err := os.ReadFile(p)
		mustDo(t, err)
		b[at] ^= 0x40
		mustDo(t, os.WriteFile(p, b, 0o644))
	}
}

func flipLast(t *testing.T, out string) {
	entries, err := os.ReadDir(out)
	mustDo(t, err)
	last := entries[len(entries)-1].Name()
	fi, err := os.Stat(filepath.Join(out, last))
	mustDo(t, err)
	flipByte(last, fi.Size()-1)(t, out)
}

func truncate(name string) func(*testing.T, string) {
	return func(t *testing.T, out string) { mustDo(t, os.Truncate(filepath.Join(out, name), 1000)) }
}

func appendTo(name string) func(*testing.T, string) {
	return func(t *testing.T, out string) {
		f, err := os.OpenFile(filepath.Join(out, name), os.O_WRONLY|os.O_APPEND, 0)
		mustDo(t, err)
		f.Write([]byte("extra"))
		mustDo(t, f.Close())
	}
}

func remove(name string) func(*testing.T, string) {
	return func(t *testing.T, out string) { mustDo(t, os.Remove(filepath.Join(out, name))) }
}

func TestReaderConcatenates(t *testing.T) {
	out, m := splitArchive(t)
	r := NewReader(context.Background(), m.Pieces, dirOpener(out))
	var whole []byte
	for _, p := range m.Pieces {
		b, err := os.ReadFile(filepath.Join(out, p.Name))
		mustDo(t, err)
		whole = append(whole, b...)
	}
	got, err := io.ReadAll(r)
	mustDo(t, err)
	if string(got) != string(whole) {
		t.Error("reader does not return the concatenated pieces")
	}
	mustDo(t, r.Close())
	if _, err := r.Read(make([]byte, 1)); err == nil || err == io.EOF {
		t.Errorf("read after close: %v", err)
	}
}

func TestReaderNoPieces(t *testing.T) {
	_, err := io.ReadAll(NewReader(context.Background(), nil, dirOpener(t.TempDir())))
	if err == nil {
		t.Error("reading no pieces succeeded")
	}
}

func TestReaderCancel(t *testing.T) {
	out, m := splitArchive(t)
	ctx, cancel := context.WithCancel(context.Background())
	r := NewReader(ctx, m.Pieces, dirOpener(out))
	buf := make([]byte, 100)
	_, err := r.Read(buf)
	mustDo(t, err)
	cancel()
	if _, err := io.ReadAll(r); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestVerifyOpenError(t *testing.T) {
	_, m := splitArchive(t)
	failing := func(ctx context.Context, name string) (io.ReadCloser, error) {
		return nil, errors.New("network down")
	}
	for _, c := range VerifyPieces(context.Background(), m, failing) {
		if c.Status != CheckError || c.Status.Marker() != "!" || c.Detail == "" {
			t.Errorf("%s: %v %q", c.Piece.Name, c.Status, c.Detail)
		}
	}
}

func TestCheckStatusMarkers(t *testing.T) {
	for s, want := range map[CheckStatus]string{CheckOK: "= ok", CheckDiffers: "* differs", CheckMissing: "+ missing", CheckError: "! error"} {
		if got := s.Marker() + " " + s.String(); got != want {
			t.Errorf("%d: %q, want %q", s, got, want)
		}
	}
}

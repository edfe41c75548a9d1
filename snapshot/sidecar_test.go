package snapshot

import (
	"maps"
	"testing"
)

func TestSidecar(t *testing.T) {
	pieces := []Piece{{Name: "data.tar.zst.000", SHA256: digestA}, {Name: "data.tar.zst.001", SHA256: digestB}}
	b := Sidecar(pieces)
	want := digestA + "  data.tar.zst.000\n" + digestB + "  data.tar.zst.001\n"
	if string(b) != want {
		t.Errorf("Sidecar =\n%s\nwant\n%s", b, want)
	}
	got, err := ParseSidecar(b)
	mustDo(t, err)
	if !maps.Equal(got, map[string]string{"data.tar.zst.000": digestA, "data.tar.zst.001": digestB}) {
		t.Errorf("ParseSidecar = %v", got)
	}
	got, err = ParseSidecar([]byte(digestA + " *data.tar.zst\r\n\n"))
	if err != nil || got["data.tar.zst"] != digestA {
		t.Errorf("binary mode line: %v, %v", got, err)
	}
}

func TestParseSidecarRejects(t *testing.T) {
	for _, in := range []string{
		"nonsense\n",
		digestA + " data.tar.zst\n",
		digestA + "  \n",
		digestA[:63] + "g  data.tar.zst\n",
		digestA + "  a\n" + digestB + "  a\n",
	} {
		if _, err := ParseSidecar([]byte(in)); err == nil {
			t.Errorf("ParseSidecar(%q) succeeded", in)
		}
	}
}

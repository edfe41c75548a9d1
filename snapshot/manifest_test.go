package snapshot

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	digestA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	digestB = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
)

const validManifestJSON = `{"format_version":2,"app":"hydro","id":"2026-11-21T02:00:00Z","host":"h",
"created":"2026-11-21T02:00:00Z","compression":"zstd","encryption":"none",
"chunker":"fastcdc-v1.0.0","chunks":3,"chunks_added":1,"bytes_added":7,
"size":15,"sha256":"` + digestA + `"}`

func TestManifestRoundTrip(t *testing.T) {
	id, _ := ParseID("2026-11-21T02:00:00Z")
	m := &Manifest{
		FormatVersion: FormatVersion, App: "hydro", Labels: map[string]string{"vm": "web"}, ID: id,
		Host: "zg-3", StrataVersion: "0.1.0", Created: time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC),
		Duration: 12.5, Source: SourceSummary{Paths: []string{"/a"}, Files: 3, Dirs: 1, Bytes: 99, Hooks: []string{"dump-db"}},
		Compression: "zstd", Encryption: "none",
		Chunker: Chunker(), Chunks: 2, Size: 42, Added: 40, AddedChunks: 1, SHA256: digestA,
		ChunksSHA256: digestB,
	}
	b, err := m.Marshal()
	mustDo(t, err)
	got, err := ParseManifest(b)
	mustDo(t, err)
	if !reflect.DeepEqual(got, m) {
		t.Errorf("round trip:\n%+v\n%+v", got, m)
	}
	if _, err := ParseManifest([]byte(validManifestJSON)); err != nil {
		t.Errorf("valid manifest: %v", err)
	}
}

func TestParseManifestRejects(t *testing.T) {
	edit := func(old, new string) string { return strings.Replace(validManifestJSON, old, new, 1) }
	for name, in := range map[string]string{
		"empty":         "",
		"garbage":       "\x00\xff{",
		"array":         "[]",
		"no version":    edit(`"format_version":2`, `"format_version":0`),
		"future":        edit(`"format_version":2`, `"format_version":3`),
		"bad id":        edit(`"2026-11-21T02:00:00Z","host"`, `"tomorrow","host"`),
		"no chunker":    edit(`"chunker":"fastcdc-v1.0.0"`, `"chunker":""`),
		"no chunks":     edit(`"chunks":3`, `"chunks":0`),
		"added more":    edit(`"chunks_added":1`, `"chunks_added":4`),
		"negative":      edit(`"size":15`, `"size":-5`),
		"neg added":     edit(`"bytes_added":7`, `"bytes_added":-7`),
		"bad digest":    edit(`"sha256":"`+digestA, `"sha256":"`+strings.ToUpper(digestA)),
		"short digest":  edit(`"sha256":"`+digestA+`"}`, `"sha256":"abc"}`),
		"bad list seal": edit(`"sha256":"`+digestA+`"}`, `"sha256":"`+digestA+`","chunks_sha256":"xyz"}`),
	} {
		if _, err := ParseManifest([]byte(in)); err == nil {
			t.Errorf("%s: ParseManifest accepted %s", name, in)
		}
	}
}

func TestParseManifestFormat1(t *testing.T) {
	old := `{"format_version":1,"pieces":[{"name":"data.tar.zst","size":1,"sha256":"` + digestA + `"}],"size":1,"sha256":"` + digestA + `"}`
	_, err := ParseManifest([]byte(old))
	if !errors.Is(err, ErrFormat1) {
		t.Errorf("format 1: err = %v, want ErrFormat1", err)
	}
}

func TestManifestCheckList(t *testing.T) {
	m := &Manifest{Chunks: 2, Size: 30, SHA256: digestA}
	l := ChunkList{Chunks: []ChunkRef{{Size: 10}, {Size: 20}}, SHA256: digestA}
	if err := m.CheckList(l); err != nil {
		t.Errorf("matching list: %v", err)
	}
	for name, bad := range map[string]ChunkList{
		"count":  {Chunks: l.Chunks[:1], SHA256: digestA},
		"size":   {Chunks: []ChunkRef{{Size: 10}, {Size: 21}}, SHA256: digestA},
		"digest": {Chunks: l.Chunks, SHA256: digestB},
	} {
		if err := m.CheckList(bad); err == nil {
			t.Errorf("%s: CheckList accepted %+v", name, bad)
		}
	}
}

// TestManifestSealsList: a manifest that records the digest of chunks.txt
// refuses a list that differs only in the order of its chunks (the count,
// the size and data.tar.sha256 all agree).
func TestManifestSealsList(t *testing.T) {
	a, b := ChunkRef{ID: ChunkID{1}, Size: 10}, ChunkRef{ID: ChunkID{2}, Size: 20}
	l := ChunkList{Chunks: []ChunkRef{a, b}, SHA256: digestA}
	m := &Manifest{Chunks: 2, Size: 30, SHA256: digestA, ChunksSHA256: ChunkListDigest(l.Chunks)}
	if err := m.CheckList(l); err != nil {
		t.Errorf("the sealed list itself: %v", err)
	}
	swapped := ChunkList{Chunks: []ChunkRef{b, a}, SHA256: digestA}
	if err := m.CheckList(swapped); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a reordered list: got %v, want it refused as damaged", err)
	}
}

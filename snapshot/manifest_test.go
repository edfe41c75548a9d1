package snapshot

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	digestA = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	digestB = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
)

const validManifestJSON = `{"format_version":1,"app":"hydro","id":"2026-11-21T02:00:00Z","host":"h",
"created":"2026-11-21T02:00:00Z","compression":"zstd","encryption":"none",
"pieces":[{"name":"data.tar.zst.000","size":10,"sha256":"` + digestA + `"},
{"name":"data.tar.zst.001","size":5,"sha256":"` + digestB + `"}],
"size":15,"sha256":"` + digestA + `"}`

func TestManifestRoundTrip(t *testing.T) {
	id, _ := ParseID("2026-11-21T02:00:00Z")
	m := &Manifest{
		FormatVersion: FormatVersion, App: "hydro", Labels: map[string]string{"vm": "web"}, ID: id,
		Host: "zg-3", StrataVersion: "0.1.0", Created: time.Date(2026, 11, 21, 2, 0, 0, 0, time.UTC),
		Duration: 12.5, Source: SourceSummary{Paths: []string{"/a"}, Files: 3, Dirs: 1, Bytes: 99, Hooks: []string{"dump-db"}},
		Compression: "zstd", Encryption: "none",
		Pieces: []Piece{{Name: ArchiveName, Size: 42, SHA256: digestA}}, Size: 42, SHA256: digestA,
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
		"empty":        "",
		"garbage":      "\x00\xff{",
		"array":        "[]",
		"no version":   edit(`"format_version":1`, `"format_version":0`),
		"future":       edit(`"format_version":1`, `"format_version":2`),
		"bad id":       edit(`"2026-11-21T02:00:00Z","host"`, `"tomorrow","host"`),
		"no pieces":    `{"format_version":1,"pieces":[],"size":0,"sha256":"` + digestA + `"}`,
		"misnamed":     edit(`data.tar.zst.001`, `data.tar.zst.002`),
		"unsplit name": edit(`data.tar.zst.000`, `data.tar.zst`),
		"bad digest":   edit(`"size":5,"sha256":"`+digestB, `"size":5,"sha256":"`+strings.ToUpper(digestB)),
		"short digest": edit(`"sha256":"`+digestA+`"}`, `"sha256":"abc"}`),
		"negative":     edit(`"size":5`, `"size":-5`),
		"sum":          edit(`"size":15`, `"size":16`),
		"path name":    edit(`data.tar.zst.000`, `../x`),
	} {
		if _, err := ParseManifest([]byte(in)); err == nil {
			t.Errorf("%s: ParseManifest accepted %s", name, in)
		}
	}
}

package snapshot

import (
	"encoding/json"
	"testing"
	"time"
)

func TestID(t *testing.T) {
	zurich := time.FixedZone("CET", 3600)
	id := NewID(time.Date(2026, 11, 21, 3, 0, 0, 999, zurich))
	if id.String() != "2026-11-21T02:00:00Z" || id.Dir() != "2026/11/21/020000Z" {
		t.Errorf("id = %s / %s", id, id.Dir())
	}
	back, err := ParseID(id.String())
	if err != nil || back != id {
		t.Errorf("ParseID(%s) = %v, %v", id, back, err)
	}
	dir, ok := ParseDir(id.Dir())
	if !ok || dir != id {
		t.Errorf("ParseDir(%s) = %v, %v", id.Dir(), dir, ok)
	}
	if !NewID(time.Unix(0, 0)).Before(id) || id.Before(id) || (ID{}).String() != "" || !(ID{}).IsZero() {
		t.Error("Before, zero String or IsZero wrong")
	}
}

func TestParseIDRejects(t *testing.T) {
	for _, s := range []string{"", "2026-11-21", "2026-11-21T02:00:00", "2026-11-21T02:00:00.5Z", "2026-11-21T02:00:00+01:00", "2026-13-01T00:00:00Z"} {
		if _, err := ParseID(s); err == nil {
			t.Errorf("ParseID(%q) succeeded", s)
		}
	}
	for _, s := range []string{"", "2026/11/21", "2026/11/21/020000", "2026/13/21/020000Z", "2026/11/21/02000aZ", "2026-11-21/020000Z"} {
		if _, ok := ParseDir(s); ok {
			t.Errorf("ParseDir(%q) succeeded", s)
		}
	}
}

func TestIDJSON(t *testing.T) {
	type doc struct{ ID ID }
	in := doc{NewID(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))}
	b, err := json.Marshal(in)
	mustDo(t, err)
	if string(b) != `{"ID":"2026-01-02T03:04:05Z"}` {
		t.Errorf("json = %s", b)
	}
	var out doc
	if err := json.Unmarshal(b, &out); err != nil || out != in {
		t.Errorf("unmarshal = %v, %v", out, err)
	}
	if err := json.Unmarshal([]byte(`{"ID":"yesterday"}`), &out); err == nil {
		t.Error("bad ID accepted")
	}
	if err := json.Unmarshal([]byte(`{"ID":""}`), &out); err != nil || !out.ID.IsZero() {
		t.Errorf("empty ID: %v, %v", out.ID, err)
	}
}

func TestPathAndSplitPath(t *testing.T) {
	id, _ := ParseID("2026-11-21T02:00:00Z")
	if p := Path("web/demo.softxs.ch/hydro", id); p != "web/demo.softxs.ch/hydro/2026/11/21/020000Z" {
		t.Errorf("Path = %s", p)
	}
	for _, tc := range []struct {
		in, app, rest string
		ok            bool
	}{
		{"web/hydro/2026/11/21/020000Z/data.tar.zst", "web/hydro", "data.tar.zst", true},
		{"web/hydro/2026/11/21/020000Z", "web/hydro", "", true},
		{"2026/11/21/020000Z/manifest.json", "", "manifest.json", true},
		{"app/2026/11/21/020000Z/x/y", "app", "x/y", true},
		{"app/2026/11/21", "", "", false},
		{"app/2026/11/21/0200Z/x", "", "", false},
		{"", "", "", false},
	} {
		app, got, rest, ok := SplitPath(tc.in)
		if ok != tc.ok || app != tc.app || rest != tc.rest || (ok && got != id) {
			t.Errorf("SplitPath(%q) = %q, %v, %q, %v", tc.in, app, got, rest, ok)
		}
	}
}

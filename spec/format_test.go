package spec

import (
	"os"
	"testing"
)

func TestFormatAligns(t *testing.T) {
	src := "tier \"t\" {\n  destinations=[destination.d]\n  path = \"x\"\n    keep {\n  last=7\n  }\n}\n"
	want := "tier \"t\" {\n  destinations = [destination.d]\n  path         = \"x\"\n  keep {\n    last = 7\n  }\n}\n"
	got, diags := Format("main.hcl", []byte(src))
	if diags.HasErrors() || string(got) != want {
		t.Errorf("Format = %q, %v\nwant %q", got, diags, want)
	}
}

func TestFormatIdempotent(t *testing.T) {
	src, err := os.ReadFile("testdata/valid/design/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	once, diags := Format("main.hcl", src)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	twice, _ := Format("main.hcl", once)
	if string(once) != string(twice) {
		t.Errorf("Format is not idempotent:\n%s\n---\n%s", once, twice)
	}
}

func TestFormatSyntaxError(t *testing.T) {
	got, diags := Format("bad.hcl", []byte("tier \"t\" {\n"))
	if got != nil || !diags.HasErrors() {
		t.Errorf("Format = %q, %v; want diagnostics", got, diags)
	}
}

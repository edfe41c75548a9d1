package spec

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoad loads arbitrary input as a configuration file: Load must never
// panic, must return a Config exactly when there is no error, and
// Format must keep a file that parses parseable.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.hcl")
	more, _ := filepath.Glob("testdata/valid/*/*.hcl")
	for _, name := range append(seeds, more...) {
		if src, err := os.ReadFile(name); err == nil {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, _, diags := Load(dir, LoadOptions{LookupEnv: noEnv})
		if diags.HasErrors() != (cfg == nil) {
			t.Fatalf("cfg = %v with diagnostics %v", cfg, diags)
		}
		if out, diags := Format("main.hcl", src); !diags.HasErrors() {
			if _, diags := Format("main.hcl", out); diags.HasErrors() {
				t.Fatalf("formatted output does not parse: %v\n%s", diags, out)
			}
		}
	})
}

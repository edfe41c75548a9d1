package spec

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// noEnv is a LookupEnv that finds nothing, so tests do not depend on the
// environment they run in.
func noEnv(string) (string, bool) { return "", false }

// envMap is a LookupEnv over a map.
func envMap(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// writeDir writes files (name -> content) into a new temporary directory.
func writeDir(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mustLoad loads src as main.hcl and fails the test on any error.
func mustLoad(t *testing.T, src string, opts LoadOptions) *Config {
	t.Helper()
	cfg, diags := loadSrc(t, src, opts)
	if diags.HasErrors() {
		t.Fatalf("Load: %v", diags)
	}
	return cfg
}

// loadSrc loads src as main.hcl; LookupEnv defaults to noEnv.
func loadSrc(t *testing.T, src string, opts LoadOptions) (*Config, hcl.Diagnostics) {
	t.Helper()
	if opts.LookupEnv == nil {
		opts.LookupEnv = noEnv
	}
	cfg, _, diags := Load(writeDir(t, map[string]string{"main.hcl": src}), opts)
	if diags.HasErrors() != (cfg == nil) {
		t.Fatalf("cfg = %v with diagnostics %v", cfg, diags)
	}
	return cfg, diags
}

// minimal is the smallest valid configuration; tests add to it.
const minimal = `
destination "d" {
  remote = "/d"
}

tier "t" {
  destinations = [destination.d]
  keep { last = 1 }
}
`

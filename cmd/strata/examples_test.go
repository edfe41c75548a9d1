package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stratabackup/strata/spec"
)

// TestExamplesValidate loads every configuration under examples/: each must
// pass `strata validate` without a warning as shipped, without the environment its env() calls read.
func TestExamplesValidate(t *testing.T) {
	dirs, err := filepath.Glob("../../examples/*")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, dir := range dirs {
		hcl, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
		if st, err := os.Stat(dir); err != nil || !st.IsDir() || len(hcl) == 0 {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			_, _, diags := spec.Load(dir, spec.LoadOptions{LookupEnv: func(string) (string, bool) { return "", false }})
			if len(diags) > 0 {
				t.Fatalf("an example must validate without errors or warnings: %s", diags.Error())
			}
		})
	}
	if n < 3 {
		t.Fatalf("found %d example configurations, want at least quickstart, softxs-tiers and altbackup", n)
	}
}

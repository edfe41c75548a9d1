package spec

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// fingerprint identifies what a configuration declares: every file's name and
// bytes and every variable's final value (-var, STRATA_VAR_x). A sensitive
// variable counts by name only, so that no digest of a secret is written
// where the fingerprint goes (a saved plan).
func fingerprint(files map[string]*hcl.File, vars map[string]*Variable) string {
	h := sha256.New()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "file %q %d\n", filepath.Base(n), len(files[n].Bytes))
		h.Write(files[n].Bytes)
	}
	vnames := make([]string, 0, len(vars))
	for n := range vars {
		vnames = append(vnames, n)
	}
	sort.Strings(vnames)
	for _, n := range vnames {
		if v := vars[n]; v.Sensitive {
			fmt.Fprintf(h, "var %q sensitive\n", n)
		} else {
			fmt.Fprintf(h, "var %q %q\n", n, v.Value)
		}
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Snapshots and transfers written to destinations with a bwlimit complete
// and restore byte for byte; an invalid timetable is a configuration error
// at its line.
func TestBwLimitedApply(t *testing.T) {
	hcl := strings.Replace(forgetHCL, `remote = "${path.config}/store/primary"`,
		`remote = "${path.config}/store/primary"
  bwlimit = "00:00,64M 12:00,32M"`, 1)
	hcl = strings.Replace(hcl, `remote = "${path.config}/store/secondary"`,
		`remote = "${path.config}/store/secondary"
  bwlimit = "16M"`, 1)
	r := newRig(t, hcl, 3<<20)
	r.applyDay(1)
	r.must(0, "verify")
	to := filepath.Join(t.TempDir(), "out")
	r.must(0, "restore", "app", "--from", "remote", "--to", to)
	want, _ := os.ReadFile(filepath.Join(r.dir, "data", "big.bin"))
	var got []byte
	_ = filepath.Walk(to, func(p string, info os.FileInfo, err error) error {
		if err == nil && info.Name() == "big.bin" {
			got, _ = os.ReadFile(p)
		}
		return nil
	})
	if len(want) == 0 || !bytes.Equal(got, want) {
		t.Errorf("restored big.bin: %d bytes, want the %d written", len(got), len(want))
	}

	bad := strings.Replace(hcl, `bwlimit = "16M"`, `bwlimit = "16M 25:00,off"`, 1)
	r.write("main.hcl", []byte(bad))
	line := fmt.Sprintf("main.hcl line %d", 1+strings.Count(bad[:strings.Index(bad, "25:00,off")], "\n"))
	if res := r.must(1, "validate"); !strings.Contains(res.stderr, "Invalid bwlimit") || !strings.Contains(res.stderr, line) {
		t.Errorf("an invalid bwlimit: want the error at %s: %s", line, res)
	}
}

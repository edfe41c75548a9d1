package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// releaseBinary builds strata the way a release is built: without the
// strata_faults tag.
func releaseBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "strata")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestReleaseBuildIgnoresFault: the binary users run has no fault points, so
// STRATA_FAULT at every step changes nothing: each apply completes, purges
// included from day 3 on (the strata_faults build dies at each of these
// steps: TestFaultInjectionAtEveryStepConverges).
func TestReleaseBuildIgnoresFault(t *testing.T) {
	r := newRig(t, rigHCL, 300<<10)
	r.bin = releaseBinary(t)
	for i, fault := range []string{"after-lease", "after-chunk", "before-manifest", "after-manifest", "before-purge", "before-verify-record"} {
		n := i + 1
		r.snapshotDay(n)
		res := r.run([]string{"STRATA_FAULT=" + fault}, "apply", "--auto-approve", "--now", day(n), "--parallelism", "1")
		if res.code != 0 || strings.Contains(res.stderr, "fault injected") {
			t.Fatalf("release build with STRATA_FAULT=%s: %s", fault, res)
		}
		r.converged(day(n))
	}
	if got, want := len(r.history()), 3; got != want { // keep { last = 3 } at remote
		t.Errorf("%d snapshots listed, want %d", got, want)
	}
}

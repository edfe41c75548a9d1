package executor_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/planner"
)

// withCheck is the two-tier fixture, its schedule yearly (so that a later
// plan makes no new snapshot), with a check block at tier remote.
func withCheck(paths, command, extra string) string {
	cfg := strings.Replace(twoTiers, `schedule = "0 2 * * *"`, `schedule = "0 2 1 1 *"`, 1)
	return cfg + `
check "opens" {
  application = application.app
  from        = tier.remote
  every       = "7d"
  scratch_dir = "scratch"
  paths       = ` + paths + `
  command     = ` + command + `
  ` + extra + `
}
`
}

// checkEnv is an env with the scratch directory and a read-only source
// directory (a restore keeps its mode 0555; the scratch directory must
// still be removed — which holds only for a test run by another user
// than root, for whom modes do not stop a removal).
func checkEnv(t *testing.T, hcl string) *env {
	t.Helper()
	e := newEnv(t, hcl)
	write(t, filepath.Join(e.dir, "data", "ro", "db.sqlite"), "the database")
	if err := os.Chmod(filepath.Join(e.dir, "data", "ro"), 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(filepath.Join(e.dir, "data", "ro"), 0o755) })
	if err := os.Mkdir(filepath.Join(e.dir, "scratch"), 0o700); err != nil {
		t.Fatal(err)
	}
	return e
}

func checkResult(t *testing.T, rep *executor.Report) *executor.Result {
	t.Helper()
	for _, r := range rep.Results {
		if r.Action.Kind == planner.Check {
			return r
		}
	}
	t.Fatalf("no check in %+v", rep.Results)
	return nil
}

func readMark(t *testing.T, e *env, dir string) executor.CheckMark {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(e.dir, "store", "secondary", dir, "checked.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m executor.CheckMark
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func assertScratchEmpty(t *testing.T, e *env) {
	t.Helper()
	left, err := os.ReadDir(filepath.Join(e.dir, "scratch"))
	if err != nil || len(left) != 0 {
		t.Errorf("scratch directory not cleaned: %v %v", left, err)
	}
}

const snapDir = "app/2026/11/21/030000Z"

// TestCheckPassesOnRestoredPaths: only the paths are restored, the command
// runs in the scratch directory with the environment, and the pass is
// recorded; the scratch directory is removed.
func TestCheckPassesOnRestoredPaths(t *testing.T) {
	e := checkEnv(t, withCheck(`["**/data/ro"]`,
		`["sh", "-c", "test \"$PWD\" = \"$STRATA_RESTORE_DIR\" && test $(stat -c %a .) = 700 && test \"$STRATA_SNAPSHOT_ID\" = 2026-11-21T03:00:00Z && grep -q database $(find . -name db.sqlite) && test -z \"$(find . -name a.txt)\" && test ! -e hooks"]`, ""))
	rep := e.apply(t, t0)
	r := checkResult(t, rep)
	if !rep.OK() || r.Check == nil || !r.Check.Passed || r.Check.Files != 1 || len(r.Warnings) != 0 {
		t.Fatalf("check: %+v %+v", r, r.Check)
	}
	if m := readMark(t, e, snapDir); !m.Passed || m.Outcome != "passed" || m.ExitCode != 0 || m.Check != "opens" {
		t.Errorf("checked.json: %+v", m)
	}
	assertScratchEmpty(t, e)
	if p := e.plan(t, t0.Add(time.Hour)); len(p.Actions) != 0 {
		t.Errorf("second plan: %v", p.Actions)
	}
}

// TestCheckFailureIsAWarning: a failing command is a done action with a
// warning and a failed mark; nothing is deleted, nothing else held up.
func TestCheckFailureIsAWarning(t *testing.T) {
	e := checkEnv(t, withCheck(`[]`, `["sh", "-c", "echo integrity check failed; exit 7"]`, ""))
	rep := e.apply(t, t0)
	r := checkResult(t, rep)
	if !rep.OK() || r.Status != executor.Done || r.Check == nil || r.Check.Passed || r.Check.ExitCode != 7 ||
		len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "integrity check failed") {
		t.Fatalf("check: %+v %+v", r, r.Check)
	}
	if m := readMark(t, e, snapDir); m.Passed || m.Outcome != "failed" || m.Output != "integrity check failed" {
		t.Errorf("checked.json: %+v", m)
	}
	for _, d := range []string{"primary", "secondary"} {
		if _, err := os.Stat(filepath.Join(e.dir, "store", d, snapDir, "manifest.json")); err != nil {
			t.Errorf("%s: %v", d, err)
		}
	}
	assertScratchEmpty(t, e)
}

// TestCheckOfDamagedCopyFails: a copy whose chunks are damaged fails its
// restore test (recorded, a warning), it does not fail the apply.
func TestCheckOfDamagedCopyFails(t *testing.T) {
	e := checkEnv(t, withCheck(`[]`, `["true"]`, ""))
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatalf("first apply: %+v", rep.Results)
	}
	// the plan goes by checked.json's modtime: the wall clock's, not t0
	if err := os.Chtimes(filepath.Join(e.dir, "store", "secondary", snapDir, "checked.json"), t0, t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range chunkPaths(t, e, "secondary", snapDir) {
		if err := os.WriteFile(c, []byte("garbage"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	later := t0.Add(8 * 24 * time.Hour)
	p := e.plan(t, later)
	var only planner.Plan = *p
	only.Actions = nil
	for _, a := range p.Actions {
		if a.Kind == planner.Check {
			only.Actions = append(only.Actions, a)
		}
	}
	if len(only.Actions) != 1 {
		t.Fatalf("plan: %+v", p.Actions)
	}
	ex := executor.New(e.stores, executor.Options{Parallel: 1, Now: func() time.Time { return later }})
	rep := ex.Run(context.Background(), &only)
	r := rep.Results[0]
	if !rep.OK() || r.Check == nil || r.Check.Passed || !strings.Contains(r.Check.Problem, "the restore failed") || r.Check.ExitCode != -1 {
		t.Fatalf("check of a damaged copy: %+v %+v", r, r.Check)
	}
	assertScratchEmpty(t, e)
}

// TestCheckTimeoutBoundsTheCommand: a command that outlives its timeout
// is killed and the check fails, saying so.
func TestCheckTimeoutBoundsTheCommand(t *testing.T) {
	e := checkEnv(t, withCheck(`[]`, `["sleep", "60"]`, `timeout = "1s"`))
	start := time.Now()
	rep := e.apply(t, t0)
	r := checkResult(t, rep)
	if r.Check == nil || r.Check.Passed || !strings.Contains(r.Check.Problem, "timed out after 1s") {
		t.Fatalf("check: %+v %+v", r, r.Check)
	}
	if time.Since(start) > 30*time.Second {
		t.Errorf("the command was not stopped at its timeout")
	}
	assertScratchEmpty(t, e)
}

// TestCheckCancelledRecordsNothing: an apply interrupted during a check
// writes no checked.json and removes the scratch directory.
func TestCheckCancelledRecordsNothing(t *testing.T) {
	e := checkEnv(t, withCheck(`[]`, `["true"]`, ""))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ex := executor.New(e.stores, executor.Options{Parallel: 1, Now: func() time.Time { return t0 },
		Events: func(ev executor.Event) {
			if ev.Kind == executor.EventStart && ev.Result.Action.Kind == planner.Check {
				cancel()
			}
		}})
	rep := ex.Run(ctx, e.plan(t, t0))
	r := checkResult(t, rep)
	if r.Status != executor.Cancelled {
		t.Fatalf("check: %+v", r)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "store", "secondary", snapDir, "checked.json")); !os.IsNotExist(err) {
		t.Errorf("checked.json of a cancelled check: %v", err)
	}
	assertScratchEmpty(t, e)
}

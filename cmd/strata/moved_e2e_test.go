package main

// moved and removed blocks (issue 13) with the real binary and real local
// stores: the history follows a renamed application, nothing is uploaded
// again, and a move killed half-way converges.

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// renamedHCL is rigHCL's configuration after application "old" was renamed
// "app" with a moved block.
var renamedHCL = rigHCL + `
moved {
  from = application.old
  to   = application.app
}
`

// newRenamedRig makes three days of backups of application "old", then
// renames it "app" with a moved block.
func newRenamedRig(t *testing.T) (*rig, []byte) {
	r := newRig(t, strings.Replace(rigHCL, `application "app"`, `application "old"`, 1), 200<<10)
	big, err := os.ReadFile(filepath.Join(r.dir, "data/big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= 3; n++ {
		r.applyDay(n)
	}
	r.write("main.hcl", []byte(renamedHCL))
	return r, big
}

// snapshotDirs lists the snapshot directories under app at a destination.
func (r *rig) snapshotDirs(dest, app string) []string {
	dirs, _ := filepath.Glob(filepath.Join(r.dir, "store", dest, app, "*/*/*/*Z"))
	return dirs
}

func TestMovedRenameKeepsHistory(t *testing.T) {
	r, big := newRenamedRig(t)
	plan := r.must(2, "plan", "--detailed-exitcode", "--now", day(3))
	for _, want := range []string{"~ move", "at local/primary: old -> app, 2 snapshots", "at remote/secondary: old -> app, 3 snapshots", "Plan: 2 moves."} {
		if !strings.Contains(plan.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, plan)
		}
	}
	res := r.must(0, "apply", "--auto-approve", "--now", day(3))
	if strings.Contains(res.stdout, "transfer") || strings.Contains(res.stdout, "snapshot app") {
		t.Errorf("the move wrote data:\n%s", res)
	}
	r.must(0, "plan", "--detailed-exitcode", "--now", day(3))
	for _, d := range []string{"primary", "secondary"} {
		if left := r.snapshotDirs(d, "old"); len(left) > 0 {
			t.Errorf("left at the old path of %s: %v", d, left)
		}
	}
	if h := r.history(); len(h) != 3 {
		t.Errorf("history of app after the move: %v", h)
	}
	r.restoresAll(big)
	// Retention counts the moved history: day 4 purges the oldest moved
	// copies, and the block stays, planning nothing.
	r.applyDay(4)
	if n := len(r.snapshotDirs("primary", "app")); n != 2 {
		t.Errorf("%d snapshots at local after day 4, want 2 (keep last 2)", n)
	}
	if n := len(r.snapshotDirs("secondary", "app")); n != 3 {
		t.Errorf("%d snapshots at remote after day 4, want 3 (keep last 3)", n)
	}
	r.converged(day(4))
}

// TestMovedKilledHalfWayConverges kills apply after the first snapshot
// directory is moved (STRATA_FAULT=during-move, which dies like a kill -9):
// the next plan moves the rest, and no snapshot is lost or listed twice.
func TestMovedKilledHalfWayConverges(t *testing.T) {
	for _, nth := range []string{"1", "2", "4"} {
		t.Run(nth, func(t *testing.T) {
			r, big := newRenamedRig(t)
			res := r.run([]string{"STRATA_FAULT=during-move:" + nth}, "apply", "--auto-approve", "--now", day(3), "--parallelism", "1")
			if res.code != 97 {
				t.Fatalf("apply did not die at during-move:%s: %s", nth, res)
			}
			moved := len(r.snapshotDirs("primary", "app")) + len(r.snapshotDirs("secondary", "app"))
			if moved == 0 || moved == 5 {
				t.Fatalf("%d of 5 snapshots moved before the kill; want some", moved)
			}
			r.must(2, "plan", "--detailed-exitcode", "--now", day(3))
			r.must(0, "apply", "--auto-approve", "--now", day(3))
			r.converged(day(3))
			h := r.history()
			if len(h) != 3 {
				t.Errorf("history after the interrupted move: %v", h)
			}
			for id, where := range h {
				if len(slices.Compact(slices.Sorted(slices.Values(where)))) != len(where) {
					t.Errorf("%s listed twice: %v", id, where)
				}
			}
			for _, d := range []string{"primary", "secondary"} {
				if left := r.snapshotDirs(d, "old"); len(left) > 0 {
					t.Errorf("left at the old path of %s: %v", d, left)
				}
			}
			r.checkNothingIncompleteListed()
			r.restoresAll(big)
		})
	}
}

// TestRemovedBlocks (destroy purges, then gc at each destination): without the block, the renamed-away snapshots are
// orphans; `removed { destroy = false }` silences that and deletes nothing;
// `destroy = true` purges them all, past the mass-deletion cap.
func TestRemovedBlocks(t *testing.T) {
	r, _ := newRenamedRig(t)
	retired := strings.Replace(rigHCL, `application "app"`, `application "new"`, 1)
	r.write("main.hcl", []byte(retired))
	if res := r.must(2, "plan", "--detailed-exitcode", "--now", day(3)); !strings.Contains(res.stdout, "orphaned") {
		t.Fatalf("no orphan warning without a removed block:\n%s", res)
	}
	r.write("main.hcl", []byte(retired+"removed {\n  from    = application.old\n  destroy = false\n}\n"))
	res := r.must(0, "apply", "--auto-approve", "--now", day(3))
	if strings.Contains(res.stdout+res.stderr, "orphaned") {
		t.Errorf("retired snapshots still reported as orphans:\n%s", res)
	}
	if n := len(r.snapshotDirs("primary", "old")) + len(r.snapshotDirs("secondary", "old")); n != 5 {
		t.Fatalf("%d retired snapshots left, want all 5", n)
	}
	r.write("main.hcl", []byte(retired+"removed {\n  from    = application.old\n  destroy = true\n}\n"))
	plan := r.must(2, "plan", "--detailed-exitcode", "--now", day(3))
	if !strings.Contains(plan.stdout, "Plan: 5 purges, 2 gc.") || !strings.Contains(plan.stdout, "removed block at") {
		t.Errorf("destroy plan:\n%s", plan)
	}
	r.must(0, "apply", "--auto-approve", "--now", day(3))
	if n := len(r.snapshotDirs("primary", "old")) + len(r.snapshotDirs("secondary", "old")); n != 0 {
		t.Errorf("%d retired snapshots left after destroy", n)
	}
	r.must(0, "plan", "--detailed-exitcode", "--now", day(3))
}

// TestMigrationExample runs examples/migration: three days of backups with
// the configuration as it was before (server zg-1, no moved block), then the
// example as shipped, which moves the remote tier's history to zg-3 in one
// apply and plans nothing more.
func TestMigrationExample(t *testing.T) {
	src, err := os.ReadFile("../../examples/migration/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	after := string(src)
	before, _, _ := strings.Cut(strings.Replace(after, `server   = "zg-3.softxs.ch"`, `server   = "zg-1.softxs.ch"`, 1), "# The snapshots stored under")
	if before == after || !strings.Contains(after, "moved {") {
		t.Fatal("the example changed shape: update this test")
	}
	r := newRig(t, before, 1<<10)
	r.env = []string{"STRATA_VAR_backup_root=" + filepath.Join(r.dir, "store")}
	r.write("sample-data/hydro.txt", []byte("hydro\n"))
	for n := 1; n <= 3; n++ {
		r.must(0, "apply", "--auto-approve", "--now", day(n))
	}
	r.write("main.hcl", []byte(after))
	plan := r.must(2, "plan", "--detailed-exitcode", "--now", day(3))
	if !strings.Contains(plan.stdout, "at remote/backup1: zg-1.softxs.ch/web/hydro -> zg-3.softxs.ch/web/hydro, 3 snapshots") ||
		!strings.Contains(plan.stdout, "Plan: 1 move.") {
		t.Fatalf("plan:\n%s", plan)
	}
	r.must(0, "apply", "--auto-approve", "--now", day(3))
	r.must(0, "plan", "--detailed-exitcode", "--now", day(3))
	if n := len(r.snapshotDirs("backup1", "zg-3.softxs.ch/web/hydro")); n != 3 {
		t.Errorf("%d snapshots under the new server's path, want 3", n)
	}
	if n := len(r.snapshotDirs("backup1", "zg-1.softxs.ch/web/hydro")); n != 0 {
		t.Errorf("%d snapshots left under the old server's path", n)
	}
}

// TestMovedOverSFTPAndS3 renames the application of the local → SFTP → S3
// (encrypted) chain: SFTP renames each directory, S3 has no rename and
// copies and deletes each object on the server. The apply is killed after
// the first object moved on S3 (a snapshot half at each path); the next
// apply finishes the move, nothing is uploaded again, and every tier
// restores.
func TestMovedOverSFTPAndS3(t *testing.T) {
	c := newChain(t, 300<<10)
	main := filepath.Join(c.dir, "main.hcl")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, main, []byte(strings.Replace(string(src), `application "app"`, `application "old"`, 1)))
	mustExit0(t, c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve"), "apply as old")
	writeTestFile(t, main, append(src, []byte("moved {\n  from = application.old\n  to   = application.app\n}\n")...))
	plan := c.strata(t, time.Minute, nil, "plan")
	mustExit0(t, plan, "plan")
	if !strings.Contains(plan.stdout, "Plan: 3 moves.") {
		t.Fatalf("plan:\n%s", plan.stdout)
	}
	killed := c.strata(t, 2*time.Minute, []string{"STRATA_FAULT=during-move:4"}, "apply", "--auto-approve", "--parallelism", "1")
	if killed.code != 97 {
		t.Fatalf("apply did not die at during-move:4: exit %d\n%s%s", killed.code, killed.stdout, killed.stderr)
	}
	res := c.strata(t, 2*time.Minute, nil, "apply", "--auto-approve")
	mustExit0(t, res, "apply after the kill")
	if strings.Contains(res.stdout, "transfer") {
		t.Errorf("the move uploaded data again:\n%s", res.stdout)
	}
	if plan := c.strata(t, time.Minute, nil, "plan", "--detailed-exitcode"); plan.code != 0 {
		t.Fatalf("plan after the move: exit %d\n%s%s", plan.code, plan.stdout, plan.stderr)
	}
	if old := filepath.Join(c.sftp.Dir, "backup", "old"); len(filesUnder(t, old)) > 0 {
		t.Errorf("left under the old SFTP path: %v", filesUnder(t, old))
	}
	mustExit0(t, c.strata(t, 2*time.Minute, nil, "verify"), "verify")
	for _, tier := range []string{"remote", "offsite"} {
		out := filepath.Join(t.TempDir(), "restored")
		mustExit0(t, c.strata(t, 2*time.Minute, nil, "restore", "app", "--from", tier, "--to", out), "restore from "+tier)
		compareRestored(t, filepath.Join(c.dir, "data"), out)
	}
}

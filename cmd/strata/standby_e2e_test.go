package main

// standby blocks (issue 13) with the real binary and real local stores: a
// refresh killed between restore and swap leaves the old standby intact,
// as does one cut short between its two renames, and the next apply
// converges.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// standbyHCL is rigHCL with a standby of app from tier remote whose after
// command appends the snapshot it was run for to after.log.
const standbyHCL = rigHCL + `
standby "app-standby" {
  application = application.app
  from        = tier.remote
  path        = "${path.config}/standby/app"
  after       = ["sh", "-c", "echo $STRATA_STANDBY $STRATA_SNAPSHOT_ID >> ${path.config}/after.log"]
}
`

// standbyDay is what the standby's copy of data/day.txt says.
func (r *rig) standbyDay() string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, "standby/app", r.dir, "data/day.txt"))
	if err != nil {
		r.t.Fatalf("the standby has no day.txt: %v", err)
	}
	return strings.TrimSpace(string(b))
}

// standbyLeftovers lists what a refresh left beside the standby.
func (r *rig) standbyLeftovers() []string {
	left, _ := filepath.Glob(filepath.Join(r.dir, "standby/.app.strata-*"))
	return left
}

func (r *rig) afterLog() string {
	b, _ := os.ReadFile(filepath.Join(r.dir, "after.log"))
	return string(b)
}

// TestStandbyInterruptedRefreshKeepsOld: killed after the new tree is
// restored and verified but before the swap (STRATA_FAULT=during-standby),
// the old standby is intact and the after command did not run; the next
// apply removes the leftover, swaps the new one in and runs it.
func TestStandbyInterruptedRefreshKeepsOld(t *testing.T) {
	r := newRig(t, standbyHCL, 100<<10)
	r.applyDay(1)
	if got := r.standbyDay(); got != "day 1" {
		t.Fatalf("standby after day 1 holds %q", got)
	}
	r.snapshotDay(2)
	res := r.run([]string{"STRATA_FAULT=during-standby"}, "apply", "--auto-approve", "--now", day(2), "--parallelism", "1")
	if res.code != 97 || !strings.Contains(res.stderr, "fault injected at during-standby") {
		t.Fatalf("apply did not die at during-standby: %s", res)
	}
	if got := r.standbyDay(); got != "day 1" {
		t.Errorf("after the interrupted refresh the standby holds %q, want the old day 1", got)
	}
	if left := r.standbyLeftovers(); len(left) != 1 || !strings.Contains(left[0], ".strata-new-") {
		t.Errorf("leftovers beside the standby: %v, want the new tree", left)
	}
	if n := strings.Count(r.afterLog(), "\n"); n != 1 {
		t.Errorf("after ran %d times, want once (day 1 only):\n%s", n, r.afterLog())
	}
	plan := r.must(2, "plan", "--detailed-exitcode", "--now", day(2))
	if !strings.Contains(plan.stdout, "~ standby") {
		t.Errorf("no standby refresh planned after the crash:\n%s", plan)
	}
	r.must(0, "apply", "--auto-approve", "--now", day(2))
	if got := r.standbyDay(); got != "day 2" {
		t.Errorf("after the next apply the standby holds %q, want day 2", got)
	}
	if left := r.standbyLeftovers(); len(left) != 0 {
		t.Errorf("leftovers beside the standby after the refresh: %v", left)
	}
	if log := r.afterLog(); !strings.Contains(log, "app-standby 2026-11-22T03:00:00Z") {
		t.Errorf("after did not run for day 2:\n%s", log)
	}
	r.converged(day(2))
}

// TestStandbyCutBetweenRenamesConverges: a refresh cut short between its
// renames left no standby at the path, the old one beside it; ls still
// shows what it holds, and the next apply puts it back and refreshes it.
func TestStandbyCutBetweenRenamesConverges(t *testing.T) {
	r := newRig(t, standbyHCL, 100<<10)
	r.applyDay(1)
	p := filepath.Join(r.dir, "standby/app")
	if err := os.Rename(p, filepath.Join(r.dir, "standby/.app.strata-old")); err != nil {
		t.Fatal(err)
	}
	if ls := r.must(0, "ls"); !strings.Contains(ls.stdout, "app-standby  app  remote  2026-11-21T03:00:00Z") {
		t.Errorf("ls does not show what the old standby holds:\n%s", ls)
	}
	r.applyDay(2)
	if got := r.standbyDay(); got != "day 2" {
		t.Errorf("standby holds %q, want day 2", got)
	}
	if left := r.standbyLeftovers(); len(left) != 0 {
		t.Errorf("leftovers beside the standby: %v", left)
	}
	r.converged(day(2))
}

// TestResilientExample runs examples/resilient (seed 002): the first apply
// snapshots, pulls and restores the standby; an hour later a new snapshot
// refreshes it; then nothing is left to do.
func TestResilientExample(t *testing.T) {
	src, err := os.ReadFile("../../examples/resilient/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	r := newRig(t, string(src), 1<<10)
	r.env = []string{"STRATA_VAR_backup_root=" + filepath.Join(r.dir, "store")}
	standby := filepath.Join(r.dir, "store/standby/erp5", r.dir, "sample-data/erp5.txt")
	for i, now := range []string{"2026-11-21T02:00:00Z", "2026-11-21T03:00:00Z"} {
		data := []byte("erp5 at " + now + "\n")
		r.write("sample-data/erp5.txt", data)
		plan := r.must(2, "plan", "--detailed-exitcode", "--now", now)
		if !strings.Contains(plan.stdout, "~ standby   erp5  erp5-import: ") || !strings.Contains(plan.stdout, "1 standby.") {
			t.Fatalf("plan %d:\n%s", i, plan)
		}
		r.must(0, "apply", "--auto-approve", "--now", now)
		if got, err := os.ReadFile(standby); err != nil || string(got) != string(data) {
			t.Errorf("after apply %d the standby holds %q (%v), want %q", i, got, err, data)
		}
		r.must(0, "plan", "--detailed-exitcode", "--now", now)
	}
	if ls := r.must(0, "ls"); !strings.Contains(ls.stdout, "erp5-import  erp5  pull  2026-11-21T03:00:00Z  pull/backup1") {
		t.Errorf("ls:\n%s", ls)
	}
}

// TestStandbyFromSFTPAndS3 keeps two standbys of the local → SFTP → S3
// (encrypted) chain, one restored from the SFTP tier, one from the S3
// tier: the first apply restores both byte for byte, the second plans
// nothing.
func TestStandbyFromSFTPAndS3(t *testing.T) {
	c := newChain(t, 300<<10)
	main := filepath.Join(c.dir, "main.hcl")
	src, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	for _, tier := range []string{"remote", "offsite"} {
		src = append(src, []byte(`
standby "`+tier+`" {
  application = application.app
  from        = tier.`+tier+`
  path        = "${path.config}/standby/`+tier+`"
}
`)...)
	}
	writeTestFile(t, main, src)
	res := c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve")
	mustExit0(t, res, "apply")
	for _, tier := range []string{"remote", "offsite"} {
		for i := range 3 {
			rel := filepath.Join("data", fmt.Sprintf("sub%d", i), "f.bin")
			want, _ := os.ReadFile(filepath.Join(c.dir, rel))
			got, err := os.ReadFile(filepath.Join(c.dir, "standby", tier, c.dir, rel))
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("standby %s: %s differs from the source (%v)", tier, rel, err)
			}
		}
	}
	plan := c.strata(t, time.Minute, nil, "plan", "--detailed-exitcode")
	if plan.code != 0 {
		t.Errorf("second plan: exit %d\n%s", plan.code, plan.stdout)
	}
}

// TestStandbyAfterFailsKeepsNewStandby: a failing after command fails the
// action and the apply, says why, and keeps the new standby, which the
// next plan does not restore again.
func TestStandbyAfterFailsKeepsNewStandby(t *testing.T) {
	r := newRig(t, strings.Replace(standbyHCL, `["sh", "-c", "echo $STRATA_STANDBY $STRATA_SNAPSHOT_ID >> ${path.config}/after.log"]`,
		`["sh", "-c", "echo reload refused >&2; exit 3"]`, 1), 100<<10)
	r.snapshotDay(1)
	res := r.must(1, "apply", "--auto-approve", "--now", day(1))
	if !strings.Contains(res.stdout+res.stderr, "the after command of standby app-standby failed") || !strings.Contains(res.stdout+res.stderr, "reload refused") {
		t.Errorf("apply does not say the after command failed:\n%s", res)
	}
	if got := r.standbyDay(); got != "day 1" {
		t.Errorf("standby holds %q, want the new day 1", got)
	}
	r.must(0, "plan", "--detailed-exitcode", "--now", day(1))
}

// TestStandbyForeignPathLeftAlone: a path that holds files strata did not
// restore is never replaced; the plan warns and the files stay.
func TestStandbyForeignPathLeftAlone(t *testing.T) {
	r := newRig(t, standbyHCL, 100<<10)
	r.write("standby/app/precious.txt", []byte("mine\n"))
	r.snapshotDay(1)
	res := r.must(0, "apply", "--auto-approve", "--now", day(1))
	if !strings.Contains(res.stdout+res.stderr, "holds files strata did not restore") {
		t.Errorf("no warning about the foreign standby path:\n%s", res)
	}
	if b, err := os.ReadFile(filepath.Join(r.dir, "standby/app/precious.txt")); err != nil || string(b) != "mine\n" {
		t.Errorf("the foreign file was touched: %q %v", b, err)
	}
	if left := r.standbyLeftovers(); len(left) != 0 {
		t.Errorf("leftovers: %v", left)
	}
}

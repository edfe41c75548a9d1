package main

// Crash, corruption, race and secrecy tests of issue 3. They run the real
// strata binary (built once per test run) as a separate process in temporary
// directories, because what they prove — a process dying at any moment, two
// processes racing — cannot happen in process.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/snapshot"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// strataBinary builds the strata binary once for the whole test run, with
// the fault points compiled in.
func strataBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "strata-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "strata")
		out, err := exec.Command("go", "build", "-tags", "strata_faults", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// rigHCL is two local tiers. Each day's data holds a new file of several
// chunks (snapshotDay), so that a crash can fall between chunks of a
// snapshot and of a transfer. Both tiers read back every new copy
// (verify {}), so that a crash can also fall around a verification.
const rigHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
  verify {}
}
tier "remote" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 3
  }
  verify {}
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
`

// rig is a configuration directory with its source data and stores.
type rig struct {
	t   *testing.T
	bin string
	dir string
	env []string
	// killed says applies were killed (kill -9): a lease write cut short
	// leaves a temporary object that an apply deletes only once it is
	// plainly abandoned (executor.AbandonedLeaseWrite; an empty one younger
	// may be another apply's write in progress).
	killed bool
}

func newRig(t *testing.T, hcl string, bigSize int) *rig {
	t.Helper()
	r := &rig{t: t, bin: strataBinary(t), dir: t.TempDir()}
	r.write("main.hcl", []byte(hcl))
	r.write("data/big.bin", pseudoRandom(bigSize))
	return r
}

func (r *rig) write(name string, b []byte) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		r.t.Fatal(err)
	}
}

// result is what one strata process did.
type result struct {
	stdout, stderr string
	code           int
}

func (res result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout:\n%s--- stderr:\n%s", res.code, res.stdout, res.stderr)
}

// command prepares strata with args in the rig's directory.
func (r *rig) command(ctx context.Context, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	cmd := exec.CommandContext(ctx, r.bin, append([]string{"-C", r.dir, "--no-color"}, args...)...)
	cmd.Dir = r.dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), append(r.env, env...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	return cmd, &stdout, &stderr
}

// run runs strata to completion (at most two minutes).
func (r *rig) run(env []string, args ...string) result {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd, stdout, stderr := r.command(ctx, env, args...)
	err := cmd.Run()
	code := cmd.ProcessState.ExitCode()
	if err != nil && code < 0 {
		r.t.Fatalf("strata %s: %v", strings.Join(args, " "), err)
	}
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// must runs strata and fails the test unless it exits with code.
func (r *rig) must(code int, args ...string) result {
	r.t.Helper()
	res := r.run(nil, args...)
	if res.code != code {
		r.t.Fatalf("strata %s: want exit %d, got %s", strings.Join(args, " "), code, res)
	}
	return res
}

func day(n int) string {
	return time.Date(2026, 11, 20+n, 3, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

// snapshotDay writes the day's marker file: each snapshot's content differs.
func (r *rig) snapshotDay(n int) {
	r.write("data/day.txt", []byte(fmt.Sprintf("day %d\n", n)))
	r.write("data/daily.bin", pseudoRandomSeed(300<<10, n)) // about five new chunks a day
}

// firstChunk is the file of the first chunk the snapshot directory snap
// (relative to the rig) names in its chunks.txt.
func (r *rig) firstChunk(root, snap string) string {
	r.t.Helper()
	b, err := os.ReadFile(filepath.Join(r.dir, root, snap, "chunks.txt"))
	if err != nil {
		r.t.Fatal(err)
	}
	return filepath.Join(r.dir, root, ".strata/chunks", string(b[:2]), string(b[:64])+".zst")
}

// applyDay makes day n's backups without faults.
func (r *rig) applyDay(n int) {
	r.t.Helper()
	r.snapshotDay(n)
	r.must(0, "apply", "--auto-approve", "--now", day(n), "--parallelism", "1")
}

// planKeys returns the keys of the plan at now, "new" replaced by now's ID.
func (r *rig) planKeys(now string, code int) []string {
	r.t.Helper()
	res := r.must(code, "plan", "--json", "--now", now)
	var p struct {
		Actions []struct {
			Key string `json:"key"`
		} `json:"actions"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil {
		r.t.Fatalf("plan --json: %v\n%s", err, res)
	}
	var keys []string
	for _, a := range p.Actions {
		keys = append(keys, strings.Replace(a.Key, ":new", ":"+now, 1))
	}
	return keys
}

// converged checks that nothing is left to do, that a second apply is a
// no-op, that every copy verifies and that no lease was left behind.
func (r *rig) converged(now string) {
	r.t.Helper()
	r.must(0, "plan", "--detailed-exitcode", "--now", now)
	applied := time.Now()
	if res := r.must(0, "apply", "--auto-approve", "--now", now); !strings.Contains(res.stdout, "No changes.") {
		r.t.Errorf("second apply did something:\n%s", res)
	}
	r.must(0, "verify")
	for _, d := range []string{"primary", "secondary"} {
		leases, _ := filepath.Glob(filepath.Join(r.dir, "store", d, ".strata/locks/*"))
		var left []string
		for _, l := range leases {
			if fi, err := os.Stat(l); r.killed && err == nil && strings.Contains(l, snapshot.TempMarker) &&
				applied.Sub(fi.ModTime()) < executor.AbandonedLeaseWrite {
				r.t.Logf("a killed lease write, too young for the last apply to delete: %s", l)
				continue
			}
			left = append(left, l)
		}
		if len(left) > 0 {
			r.t.Errorf("leases left at %s: %v", d, left)
		}
	}
}

// history lists the snapshot IDs strata shows as complete, with where.
func (r *rig) history() map[string][]string {
	r.t.Helper()
	res := r.must(0, "history", "app", "--json")
	var rows []struct {
		ID    string   `json:"id"`
		Where []string `json:"where"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
		r.t.Fatalf("history --json: %v\n%s", err, res)
	}
	out := map[string][]string{}
	for _, row := range rows {
		out[row.ID] = row.Where
	}
	return out
}

// restoresExactly restores snapshot id from tier and compares it with the
// day's data, byte for byte.
func (r *rig) restoresExactly(id, tier string, dayN int, big []byte) {
	r.t.Helper()
	to := filepath.Join(r.t.TempDir(), "restored")
	r.must(0, "restore", "app", id, "--from", tier, "--to", to)
	got := filepath.Join(to, strings.TrimPrefix(filepath.Join(r.dir, "data"), "/"))
	b, err := os.ReadFile(filepath.Join(got, "big.bin"))
	if err != nil || !bytes.Equal(b, big) {
		r.t.Errorf("%s from %s: big.bin differs (%v)", id, tier, err)
	}
	if d, err := os.ReadFile(filepath.Join(got, "day.txt")); err != nil || string(d) != fmt.Sprintf("day %d\n", dayN) {
		r.t.Errorf("%s from %s: day.txt = %q (%v), want day %d", id, tier, d, err, dayN)
	}
}

// restoresAll restores every snapshot strata lists, from every tier holding it.
func (r *rig) restoresAll(big []byte) {
	r.t.Helper()
	for id, where := range r.history() {
		ts, err := time.Parse(time.RFC3339, id)
		if err != nil {
			r.t.Fatal(err)
		}
		n := ts.Day() - 20
		for _, loc := range where {
			tier, _, _ := strings.Cut(loc, "/")
			r.restoresExactly(id, tier, n, big)
		}
	}
}

func TestFaultInjectionAtEveryStepConverges(t *testing.T) {
	const big = 300 << 10 // about five chunks at the origin
	for _, fault := range []string{
		"after-lease", "after-chunk:1", "after-chunk:3", "after-chunk:7", "before-manifest", "before-manifest:2",
		"after-manifest", "after-manifest:2", "before-purge", "before-verify-record", "before-verify-record:2",
	} {
		t.Run(strings.ReplaceAll(fault, ":", "-"), func(t *testing.T) {
			r := newRig(t, rigHCL, big)
			r.applyDay(1)
			r.applyDay(2)
			// Day 3 snapshots, transfers, verifies and purges day 1 at local.
			r.snapshotDay(3)
			before := r.planKeys(day(3), 0)
			if !slices.ContainsFunc(before, func(k string) bool { return strings.HasPrefix(k, "purge:") }) {
				t.Fatalf("day 3 plan has no purge: %q", before)
			}
			res := r.run([]string{"STRATA_FAULT=" + fault}, "apply", "--auto-approve", "--now", day(3), "--parallelism", "1")
			if res.code != 97 || !strings.Contains(res.stderr, "fault injected at") {
				t.Fatalf("apply with STRATA_FAULT=%s did not die there: %s", fault, res)
			}
			after := r.planKeys(day(3), 0)
			t.Logf("left after the crash: %q", after)
			for _, k := range after {
				if !slices.Contains(before, k) && !strings.HasPrefix(k, "cleanup:") {
					t.Errorf("after the crash the plan has %s, which is neither remaining work nor a cleanup\nbefore: %q\nafter:  %q", k, before, after)
				}
			}
			if len(after) == 0 {
				t.Errorf("after the crash there is nothing left to do")
			}
			r.must(0, "apply", "--auto-approve", "--now", day(3), "--parallelism", "1")
			r.converged(day(3))
			r.restoresAll(pseudoRandom(big))
			if got := len(r.history()); got != 3 {
				t.Errorf("%d snapshots listed, want 3 (days 1-3)", got)
			}
		})
	}
}

func TestKillNineAtRandomMoments(t *testing.T) {
	const big = 24 << 20
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("STRATA_KILL_SEED"); s != "" {
		fmt.Sscan(s, &seed)
	}
	t.Logf("seed %d (STRATA_KILL_SEED=%d reproduces)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	r := newRig(t, strings.Replace(rigHCL, `"64KiB"`, `"4MiB"`, 1), big)
	r.killed = true
	data := pseudoRandom(big)
	start := time.Now()
	r.applyDay(1)
	full := time.Since(start)
	for trial := 2; trial <= 9; trial++ {
		r.snapshotDay(trial)
		delay := time.Duration(rng.Int64N(int64(full)*6/5 + 1))
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		cmd, stdout, stderr := r.command(ctx, nil, "apply", "--auto-approve", "--now", day(trial))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Kill() // SIGKILL: no cleanup of any kind
		_ = cmd.Wait()
		cancel()
		t.Logf("trial %d: killed after %s: %s%s", trial, delay, lastLine(stdout.String()), lastLine(stderr.String()))
		r.checkNothingIncompleteListed()
		r.must(0, "plan", "--now", day(trial))
		r.must(0, "apply", "--auto-approve", "--now", day(trial))
		r.converged(day(trial))
		id := day(trial)
		if where := r.history()[id]; len(where) != 2 {
			t.Fatalf("trial %d: snapshot %s is at %v, want both tiers", trial, id, where)
		}
		r.restoresExactly(id, "remote", trial, data)
	}
	r.restoresAll(data)
}

func TestInterruptCancelsCleansUpAndReleases(t *testing.T) {
	const big = 48 << 20
	r := newRig(t, strings.Replace(rigHCL, `"64KiB"`, `"4MiB"`, 1), big)
	start := time.Now()
	r.applyDay(1)
	full := time.Since(start)
	for i, sig := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		n := 2 + i
		r.snapshotDay(n)
		var res result
		for _, frac := range []int{3, 5, 2, 7, 1} { // tenths of a full apply
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			cmd, stdout, stderr := r.command(ctx, nil, "apply", "--auto-approve", "--now", day(n))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(full * time.Duration(frac) / 10)
			_ = cmd.Process.Signal(sig.sig)
			_ = cmd.Wait()
			cancel()
			res = result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
			if res.code != 0 {
				break
			}
			r.snapshotDay(n) // it finished first: try again sooner, on a fresh plan
			remove(t, filepath.Join(r.dir, "store/primary/app/2026/11", fmt.Sprint(20+n)))
			remove(t, filepath.Join(r.dir, "store/secondary/app/2026/11", fmt.Sprint(20+n)))
		}
		if res.code != sig.code || !strings.Contains(res.stdout, "Apply interrupted:") || !strings.Contains(res.stdout, "not started") &&
			!strings.Contains(res.stdout, "cancelled") {
			t.Fatalf("%v: want exit %d and a summary of what was and was not done, got %s", sig.sig, sig.code, res)
		}
		t.Logf("%v:\n%s", sig.sig, res.stdout)
		r.noLeftovers()
		after := r.planKeys(day(n), 0)
		if len(after) == 0 {
			t.Errorf("%v: nothing left to do after the interrupt", sig.sig)
		}
		r.must(0, "apply", "--auto-approve", "--now", day(n))
		r.converged(day(n))
		r.restoresExactly(day(n), "remote", n, pseudoRandom(big))
	}
}

// noLeftovers checks that no temporary object and no lease is left.
func (r *rig) noLeftovers() {
	r.t.Helper()
	_ = filepath.WalkDir(filepath.Join(r.dir, "store"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.Contains(p, ".strata-tmp-") || strings.Contains(p, ".strata/locks/")) {
			r.t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// checkNothingIncompleteListed finds every snapshot directory without a
// manifest on disk and checks that strata does not list it as a snapshot.
func (r *rig) checkNothingIncompleteListed() {
	r.t.Helper()
	listed := r.history()
	for _, dest := range []string{"primary", "secondary"} {
		dirs, _ := filepath.Glob(filepath.Join(r.dir, "store", dest, "app/*/*/*/*Z"))
		for _, d := range dirs {
			if _, err := os.Stat(filepath.Join(d, "manifest.json")); err == nil {
				continue
			}
			rel, _ := filepath.Rel(filepath.Join(r.dir, "store", dest, "app"), d)
			id, _ := time.Parse("2006/01/02/150405Z", filepath.ToSlash(rel))
			for _, loc := range listed[id.Format(time.RFC3339)] {
				if strings.HasSuffix(loc, "/"+dest) {
					r.t.Errorf("incomplete %s is listed as a snapshot at %s", d, loc)
				}
			}
		}
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	if s == "" {
		return ""
	}
	return "[" + s + "] "
}

func TestCorruptionIsReportedAndRepaired(t *testing.T) {
	const big = 100 << 10
	const snap = "app/2026/11/21/030000Z"
	chunk := func(r *rig) string { return r.firstChunk("store/secondary", snap) }
	for _, tc := range []struct {
		name   string
		damage func(r *rig)
		marker string
		plan   []string // action kinds the plan must propose
	}{
		{"flip-a-byte", func(r *rig) { flipByte(r.t, chunk(r)) }, "* ", []string{"repair:"}},
		{"truncate-a-chunk", func(r *rig) { truncateHalf(r.t, chunk(r)) }, "* ", []string{"repair:"}},
		{"delete-a-chunk", func(r *rig) { remove(r.t, chunk(r)) }, "+ ", []string{"repair:"}},
		{"delete-the-manifest", func(r *rig) { remove(r.t, filepath.Join(r.dir, "store/secondary", snap, "manifest.json")) }, "+ ", []string{"cleanup:", "transfer:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, rigHCL, big)
			r.applyDay(1)
			r.must(0, "verify")
			tc.damage(r)
			res := r.must(1, "verify")
			want := tc.marker + "app " + day(1) + " at remote/secondary"
			if !strings.Contains(res.stdout, want) || !strings.Contains(res.stdout, "= app "+day(1)+" at local/primary") {
				t.Errorf("verify does not report %q:\n%s", want, res)
			}
			keys := r.planKeys(day(1), 0)
			for _, kind := range tc.plan {
				if !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, kind+"app:remote/secondary") }) {
					t.Errorf("plan does not propose %s at remote/secondary: %q", kind, keys)
				}
			}
			r.must(0, "apply", "--auto-approve", "--now", day(1))
			r.converged(day(1))
			r.restoresExactly(day(1), "remote", 1, pseudoRandom(big))
		})
	}
}

func TestNoHealthyCopyAnywhereFailsLoudlyAndDeletesNothing(t *testing.T) {
	r := newRig(t, rigHCL, 100<<10)
	r.applyDay(1)
	snap := "app/2026/11/21/030000Z"
	damaged := []string{r.firstChunk("store/primary", snap), r.firstChunk("store/secondary", snap)}
	for _, p := range damaged {
		flipByte(t, p)
	}
	r.must(1, "verify")
	for _, args := range [][]string{{"plan", "--now", day(1)}, {"apply", "--auto-approve", "--now", day(1)}} {
		res := r.must(1, args...)
		if !strings.Contains(res.stdout+res.stderr, "no healthy copy of app "+day(1)+" anywhere") ||
			!strings.Contains(res.stderr, "no healthy copy anywhere of: app "+day(1)) {
			t.Errorf("strata %s does not say so loudly:\n%s", args[0], res)
		}
	}
	// Days later, retention would drop it at local: still kept, still loud.
	r.snapshotDay(5)
	res := r.must(1, "apply", "--auto-approve", "--now", day(5))
	if !strings.Contains(res.stderr, "no healthy copy anywhere") {
		t.Errorf("apply on day 5:\n%s", res)
	}
	for _, p := range append(damaged, filepath.Join(r.dir, "store/primary", snap, "manifest.json")) {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("the damaged copy was deleted: %v", err)
		}
	}
}

func TestListingFailureOrEmptyListingPurgesNothing(t *testing.T) {
	r := newRig(t, rigHCL, 10<<10)
	r.env = []string{"STRATA_TEST_SECRET=not-needed-here"}
	for n := 1; n <= 3; n++ {
		r.applyDay(n)
	}
	r.snapshotDay(4)
	if keys := r.planKeys(day(4), 0); !slices.ContainsFunc(keys, func(k string) bool { return strings.HasPrefix(k, "purge:") }) {
		t.Fatalf("day 4 would purge nothing anyway; the test proves nothing: %q", keys)
	}
	secondary := filepath.Join(r.dir, "store/secondary")
	moved := secondary + ".away"
	if err := os.Rename(secondary, moved); err != nil {
		t.Fatal(err)
	}

	// A root that is a regular file cannot even be opened: no plan at all.
	r.write("store/secondary", []byte("not a directory"))
	if res := r.must(1, "plan", "--now", day(4)); !strings.Contains(res.stderr, "not a directory") {
		t.Errorf("plan does not say why:\n%s", res)
	}

	// A listing that fails (permission denied by an S3 server) holds every purge.
	remove(t, secondary)
	if err := os.Rename(moved, secondary); err != nil {
		t.Fatal(err)
	}
	r.write("offsite.hcl", []byte(deniedS3Tier(t)))
	res := r.must(1, "plan", "--now", day(4))
	r.noPurge(res, `listing of destination "denied" failed`)
	if !strings.Contains(res.stdout, "AccessDenied") {
		t.Errorf("the warning does not carry the server's answer:\n%s", res)
	}
	remove(t, filepath.Join(r.dir, "offsite.hcl"))
	if err := os.Rename(secondary, moved); err != nil {
		t.Fatal(err)
	}

	// An empty root (an unmounted disk) lists fine, and empty.
	remove(t, secondary)
	if err := os.MkdirAll(secondary, 0o755); err != nil {
		t.Fatal(err)
	}
	res = r.must(0, "plan", "--now", day(4))
	r.noPurge(res, `listing of destination "secondary" came back empty`)
	if res := r.must(0, "apply", "--auto-approve", "--now", day(4)); !strings.Contains(res.stderr, "came back empty") {
		t.Errorf("apply does not say why it holds the purges:\n%s", res)
	}
	// local keeps the last 2, but day 2's purge there is held.
	if dirs, _ := filepath.Glob(filepath.Join(r.dir, "store/primary/app/*/*/*/*Z/manifest.json")); len(dirs) != 3 {
		t.Errorf("local holds %d snapshots after the held apply, want 3 (days 2-4, nothing purged)", len(dirs))
	}
}

// noPurge checks that a human plan holds no purge and says why.
func (r *rig) noPurge(res result, why string) {
	r.t.Helper()
	if strings.Contains(res.stdout, "- purge") || !strings.Contains(res.stdout, "Plan:") && !strings.Contains(res.stdout, "No changes") {
		r.t.Errorf("plan purges or did not plan:\n%s", res)
	}
	if !strings.Contains(res.stdout, why) {
		r.t.Errorf("plan does not say %q:\n%s", why, res)
	}
}

// gatedHook makes the application's snapshot wait, inside its lease, until
// the test creates the file "release": the first marker file "started" says
// that an apply holds its leases. The wait is bounded (100 s).
const gatedHook = `
  hook "gate" {
    command = ["sh", "-c", "touch '${path.config}/started'; i=0; while [ ! -e '${path.config}/release' ] && [ $i -lt 1000 ]; do sleep 0.1; i=$((i+1)); done"]
  }
`

// TestConcurrentAppliesExactlyOneProceeds holds the property — never two
// writers, never two snapshots — without depending on timing: the apply that
// holds the leases is held inside its snapshot by a hook until the other one
// has finished, so the other one always meets the lease.
func TestConcurrentAppliesExactlyOneProceeds(t *testing.T) {
	hcl := strings.Replace(rigHCL, `"64KiB"`, `"4MiB"`, 1)
	hcl = strings.Replace(hcl, "  source {\n    paths = [\"data\"]\n  }\n", "  source {\n    paths = [\"data\"]\n  }\n"+gatedHook, 1)
	r := newRig(t, hcl, 1<<20)
	gate := func(name string) string { return filepath.Join(r.dir, name) }

	t.Run("second-while-first-holds", func(t *testing.T) {
		r.snapshotDay(1)
		first := r.start("apply", "--auto-approve", "--now", day(1))
		r.waitFor(gate("started"), first)
		second := r.run(nil, "apply", "--auto-approve", "--now", day(1))
		r.write("release", nil)
		firstRes := first.wait()
		if firstRes.code != 0 {
			t.Fatalf("the apply holding the leases: %s", firstRes)
		}
		r.mustBeLockedOut(second, first.cmd.Process.Pid)
		if n := len(r.history()); n != 1 {
			t.Fatalf("%d snapshots after two applies; want 1", n)
		}
	})

	t.Run("both-at-once", func(t *testing.T) {
		for _, f := range []string{"started", "release"} {
			os.Remove(gate(f))
		}
		r.snapshotDay(2)
		procs := [2]*running{r.start("apply", "--auto-approve", "--now", day(2)), r.start("apply", "--auto-approve", "--now", day(2))}
		// The winner waits in its hook until release exists, so whichever
		// process ends first is the one that lost the race for the leases.
		i, loser := firstToEnd(t, procs)
		r.write("release", nil)
		winner := procs[1-i].wait()
		if winner.code != 0 {
			t.Fatalf("the apply that won the leases: %s\n--- the other one: %s", winner, loser)
		}
		r.mustBeLockedOut(loser, procs[1-i].cmd.Process.Pid)
		if n := len(r.history()); n != 2 {
			t.Fatalf("%d snapshots after two days; want 2 (a duplicate was made, or none)", n)
		}
	})
	r.converged(day(2))
}

// running is a strata process started in the background.
type running struct {
	cmd            *exec.Cmd
	stdout, stderr *bytes.Buffer
	cancel         context.CancelFunc
	done           chan result
}

// start runs strata in the background (killed after two minutes).
func (r *rig) start(args ...string) *running {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd, stdout, stderr := r.command(ctx, nil, args...)
	if err := cmd.Start(); err != nil {
		cancel()
		r.t.Fatal(err)
	}
	p := &running{cmd: cmd, stdout: stdout, stderr: stderr, cancel: cancel, done: make(chan result, 1)}
	go func() {
		_ = cmd.Wait()
		p.done <- result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
	}()
	r.t.Cleanup(func() { cancel() })
	return p
}

// wait returns the process's result once it has ended.
func (p *running) wait() result {
	res := <-p.done
	p.done <- res
	p.cancel()
	return res
}

// firstToEnd returns the index and result of the first of procs to end.
func firstToEnd(t *testing.T, procs [2]*running) (int, result) {
	t.Helper()
	select {
	case res := <-procs[0].done:
		procs[0].done <- res
		return 0, res
	case res := <-procs[1].done:
		procs[1].done <- res
		return 1, res
	}
}

// waitFor waits until file exists, failing if p ends first (the wait is
// bounded by p's own two-minute limit).
func (r *rig) waitFor(file string, p *running) {
	r.t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(file); err == nil {
			return
		}
		select {
		case res := <-p.done:
			p.done <- res
			r.t.Fatalf("strata ended before %s appeared: %s", filepath.Base(file), res)
		case <-tick.C:
		}
	}
}

// mustBeLockedOut checks that res is an apply refused with exit code 4 that
// names the lease holder's process.
func (r *rig) mustBeLockedOut(res result, holderPID int) {
	r.t.Helper()
	out := res.stdout + res.stderr
	if res.code != 4 {
		r.t.Fatalf("an apply that met another's lease: want exit 4, got %s", res)
	}
	if !strings.Contains(out, "is locked by another apply") || !strings.Contains(out, fmt.Sprintf("pid %d", holderPID)) {
		r.t.Errorf("the refused apply does not name the holder (pid %d): %s", holderPID, res)
	}
}

func TestSecretsNeverAppear(t *testing.T) {
	const secret = "s3cr3t-Value-4711"
	unreachable := `
destination "unreachable" {
  remote = ":sftp,host=127.0.0.1,port=1,user=strata:backups"
  options = {
    pass = env("STRATA_TEST_SECRET")
  }
}
tier "far" {
  from         = tier.remote
  destinations = [destination.unreachable]
  keep {
    last = 1
  }
}
`
	for name, extra := range map[string]string{
		"listing-denied": strings.Replace(deniedS3Tier(t), "  options = {", "  encrypt {\n    password = env(\"STRATA_TEST_SECRET\")\n  }\n  options = {", 1),
		"open-fails":     unreachable,
	} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, rigHCL+extra, 1<<10)
			r.env = []string{"STRATA_TEST_SECRET=" + secret}
			r.snapshotDay(1)
			var all strings.Builder
			for _, args := range [][]string{
				{"validate"}, {"plan"}, {"plan", "--json"}, {"apply", "--auto-approve"}, {"apply", "--auto-approve", "--json"},
				{"ls"}, {"ls", "--json"}, {"verify"}, {"verify", "--json"}, {"history", "app"}, {"unlock", "secondary", "x"},
				{"--log-level", "debug", "plan"}, {"--log-level", "debug", "apply", "--auto-approve"},
			} {
				res := r.run(nil, append(args, "--now", day(1))...)
				all.WriteString(res.String())
				if strings.Contains(res.stdout+res.stderr, secret) {
					t.Errorf("strata %s prints the secret:\n%s", strings.Join(args, " "), res)
				}
			}
			if !strings.Contains(all.String(), "AccessDenied") && !strings.Contains(all.String(), "unreachable") {
				t.Errorf("the failing destination never came up; the test proves nothing:\n%s", all.String())
			}
			if !strings.Contains(all.String(), "Creating backend") {
				t.Errorf("--log-level debug showed none of rclone's own messages, whose redaction this checks:\n%s", all.String())
			}
		})
	}
}

// deniedS3Tier starts an S3 endpoint on 127.0.0.1 that answers every
// request with 403 AccessDenied and returns a tier "offsite" writing to it.
func deniedS3Tier(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code>`+
			`<Message>Access Denied</Message><RequestId>1</RequestId></Error>`)
	}))
	t.Cleanup(srv.Close)
	return fmt.Sprintf(`
destination "denied" {
  remote = ":s3,provider=Minio,endpoint='%s':bucket/strata"
  options = {
    access_key_id     = "strata-test"
    secret_access_key = env("STRATA_TEST_SECRET")
  }
}
tier "offsite" {
  from         = tier.remote
  destinations = [destination.denied]
  keep {
    last = 1
  }
}
`, srv.URL)
}

func flipByte(t *testing.T, p string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func truncateHalf(t *testing.T, p string) {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, st.Size()/2); err != nil {
		t.Fatal(err)
	}
}

func remove(t *testing.T, p string) {
	t.Helper()
	if err := os.RemoveAll(p); err != nil {
		t.Fatal(err)
	}
}

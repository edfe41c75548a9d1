package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testservers"
)

// End-to-end over real servers on 127.0.0.1: origin on local disk → SFTP
// tier → S3 tier (encrypted), with the strata binary run as a user would.

const chainHCL = `
destination "origin" {
  remote = "${path.config}/origin"
}
destination "sftp" {
  remote      = "%s"
  options     = { key_file = env("TEST_SSH_KEY") }
  known_hosts = env("TEST_KNOWN_HOSTS")
  timeout     = "5s"
}
destination "s3" {
  remote  = "%s"
  options = {
    access_key_id     = env("TEST_S3_KEY")
    secret_access_key = env("TEST_S3_SECRET")
  }
  timeout = "5s"
  encrypt {
    password = env("TEST_CRYPT_PASSWORD")
  }
}
tier "local" {
  destinations = [destination.origin]
  keep {
    last = 3
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.sftp]
  keep {
    last = 3
  }
}
tier "offsite" {
  from         = tier.remote
  destinations = [destination.s3]
  keep {
    last = 3
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["${path.config}/data"]
  }
}
`

// chain is a config directory wired to a fresh pair of servers.
type chain struct {
	dir  string
	sftp *testservers.SFTP
	s3   *testservers.S3
	env  []string
}

func newChain(t *testing.T, dataBytes int) *chain {
	t.Helper()
	c := &chain{dir: t.TempDir(), sftp: testservers.StartSFTP(t), s3: testservers.StartS3(t)}
	hcl := dailyAwayFromNow(fmt.Sprintf(chainHCL, c.sftp.Remote("backup"), c.s3.Remote("offsite/strata")))
	writeTestFile(t, filepath.Join(c.dir, "main.hcl"), []byte(hcl))
	for i, n := range []int{dataBytes / 2, dataBytes / 3, dataBytes - dataBytes/2 - dataBytes/3} {
		writeTestFile(t, filepath.Join(c.dir, "data", fmt.Sprintf("sub%d", i), "f.bin"), pseudoRandomSeed(n, i))
	}
	c.env = append(os.Environ(), "TEST_SSH_KEY="+c.sftp.KeyFile, "TEST_KNOWN_HOSTS="+c.sftp.KnownHosts,
		"TEST_S3_KEY="+c.s3.AccessKey, "TEST_S3_SECRET="+c.s3.SecretKey, "TEST_CRYPT_PASSWORD=correct horse",
		"NO_COLOR=1")
	return c
}

// dailyAwayFromNow replaces the "@daily" schedule of hcl by a daily one
// that ticks twelve hours from now (UTC): the tests that apply and then
// plan, apply or restore on the wall clock see no tick in between whatever
// the time of day (with "@daily", one running across midnight UTC found a
// new snapshot due).
func dailyAwayFromNow(hcl string) string {
	at := time.Now().UTC().Add(12 * time.Hour)
	return strings.ReplaceAll(hcl, `schedule = "@daily"`, fmt.Sprintf(`schedule = "%d %d * * *"`, at.Minute(), at.Hour()))
}

func writeTestFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// pseudoRandomSeed returns n incompressible bytes.
func pseudoRandomSeed(n, seed int) []byte {
	b := make([]byte, n)
	x := uint64(seed)*0x9E3779B97F4A7C15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// strataBin builds the CLI once per test run.
func strataBin(t *testing.T) string {
	t.Helper()
	return strataBinary(t) // one build, with the fault points, for every test
}

// cliResult is one run of the CLI.
type cliResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// strata runs the CLI in the chain's directory, failing the test if it
// takes longer than limit.
func (c *chain) strata(t *testing.T, limit time.Duration, env []string, args ...string) cliResult {
	t.Helper()
	r, err := c.start(t, env, args...).wait(limit)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type cliRun struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	args           []string
	started        time.Time
}

func (c *chain) start(t *testing.T, env []string, args ...string) *cliRun {
	t.Helper()
	r := &cliRun{args: args, started: time.Now()}
	r.cmd = exec.Command(strataBin(t), append([]string{"-C", c.dir}, args...)...)
	r.cmd.Env = append(append([]string{}, c.env...), env...)
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return r
}

// wait waits at most limit for the command, killing it after that.
func (r *cliRun) wait(limit time.Duration) (cliResult, error) {
	done := make(chan error, 1)
	go func() { done <- r.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(limit):
		_ = r.cmd.Process.Signal(syscall.SIGQUIT) // Go prints every goroutine's stack
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = r.cmd.Process.Kill()
			<-done
		}
		return cliResult{}, fmt.Errorf("strata %s did not finish within %v (a hang)\nstdout:\n%s\nstderr:\n%s",
			strings.Join(r.args, " "), limit, &r.stdout, &r.stderr)
	}
	return cliResult{code: r.cmd.ProcessState.ExitCode(), stdout: r.stdout.String(), stderr: r.stderr.String(),
		took: time.Since(r.started)}, nil
}

// files lists the regular files under root (relative paths).
func filesUnder(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func countOf(names []string, pred func(string) bool) int {
	n := 0
	for _, s := range names {
		if pred(s) {
			n++
		}
	}
	return n
}

func isChunkFile(p string) bool {
	return strings.Contains(p, ".strata/chunks/") && strings.HasSuffix(p, ".zst") && !strings.Contains(p, ".strata-tmp")
}

// bigFiles counts the files under root of at least n bytes.
func bigFiles(root string, n int64) int {
	k := 0
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil && info.Size() >= n {
				k++
			}
		}
		return nil
	})
	return k
}

// isData tells a chunk or a chunk list, complete or still being written.
func isData(p string) bool {
	return strings.Contains(p, ".strata/chunks/") || strings.Contains(p, "chunks.txt")
}

func mustExit0(t *testing.T, r cliResult, what string) {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", what, r.code, r.stdout, r.stderr)
	}
}

func TestRemoteChain(t *testing.T) {
	c := newChain(t, 600<<10)
	mustExit0(t, c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve"), "apply")

	sftpFiles := filesUnder(t, filepath.Join(c.sftp.Dir, "backup"))
	if n := countOf(sftpFiles, isChunkFile); n < 3 {
		t.Fatalf("SFTP tier holds %d chunks, want several: %v", n, sftpFiles)
	}
	if countOf(sftpFiles, func(p string) bool { return filepath.Base(p) == "manifest.json" }) != 1 {
		t.Fatalf("SFTP tier: want one complete snapshot: %v", sftpFiles)
	}
	s3Files := filesUnder(t, filepath.Join(c.s3.Dir, "offsite"))
	if len(s3Files) < 6 {
		t.Fatalf("S3 tier holds %d objects, want several chunks and the manifest: %v", len(s3Files), s3Files)
	}
	checkUnreadable(t, filepath.Join(c.s3.Dir, "offsite"), "manifest", "data.tar", "app", "sub0", `"strata_version"`)

	plan := c.strata(t, time.Minute, nil, "plan", "--detailed-exitcode")
	if plan.code != 0 {
		t.Fatalf("plan after apply: exit %d, want 0 (no changes)\n%s%s", plan.code, plan.stdout, plan.stderr)
	}
	mustExit0(t, c.strata(t, 2*time.Minute, nil, "verify"), "verify")
	ls := c.strata(t, time.Minute, nil, "ls")
	mustExit0(t, ls, "ls")
	for _, tier := range []string{"local", "remote", "offsite"} {
		if !strings.Contains(ls.stdout, tier) {
			t.Errorf("ls does not show tier %s:\n%s", tier, ls.stdout)
		}
	}

	for _, tier := range []string{"remote", "offsite"} {
		out := filepath.Join(t.TempDir(), "restored")
		mustExit0(t, c.strata(t, 2*time.Minute, nil, "restore", "app", "--from", tier, "--to", out), "restore from "+tier)
		compareRestored(t, filepath.Join(c.dir, "data"), out)
	}

	wrong := c.strata(t, 2*time.Minute, []string{"TEST_CRYPT_PASSWORD=not the password"},
		"restore", "app", "--from", "offsite", "--to", filepath.Join(t.TempDir(), "x"))
	if wrong.code == 0 || !strings.Contains(wrong.stderr+wrong.stdout, "password") {
		t.Fatalf("restore with a wrong password: exit %d, want a clear password error\nstdout:\n%s\nstderr:\n%s",
			wrong.code, wrong.stdout, wrong.stderr)
	}
	if strings.Contains(wrong.stderr+wrong.stdout, "not the password") {
		t.Fatal("the password was printed")
	}
}

// checkUnreadable fails if a name of a file under root shows any of words,
// or its content any of the words of at least 8 bytes.
func checkUnreadable(t *testing.T, root string, words ...string) {
	t.Helper()
	for _, rel := range filesUnder(t, root) {
		b, err := os.ReadFile(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range words {
			// A short word turns up in megabytes of ciphertext by chance
			// (3 bytes: about once per 16 MiB); 8 bytes never do. Likewise
			// in the base32 of encrypted names ("…gkapp22n…"): a plain name
			// is a whole segment, or a word and its extension.
			if plainName(rel, w) || (len(w) >= 8 && bytes.Contains(b, []byte(w))) {
				t.Errorf("%q readable on the S3 server in %s", w, rel)
			}
		}
	}
}

// plainName says whether a segment of rel is w in clear: w itself, w and an
// extension, or (8 bytes or more) anywhere in a segment.
func plainName(rel, w string) bool {
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		if seg == w || strings.HasPrefix(seg, w+".") || (len(w) >= 8 && strings.Contains(seg, w)) {
			return true
		}
	}
	return false
}

// compareRestored checks that every file of data is restored byte for byte
// under out (which holds the absolute source paths).
func compareRestored(t *testing.T, data, out string) {
	t.Helper()
	for _, rel := range filesUnder(t, data) {
		want, _ := os.ReadFile(filepath.Join(data, rel))
		got, err := os.ReadFile(filepath.Join(out, data, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("restored %s differs: %v", rel, err)
		}
	}
}

// TestRemoteServersDieMidApply stops each server while an apply writes to
// it: the apply fails in bounded time, nothing partial shows as complete,
// and once the server is back the next apply converges.
func TestRemoteServersDieMidApply(t *testing.T) {
	c := newChain(t, 12<<20)
	sftpRoot, s3Root := filepath.Join(c.sftp.Dir, "backup"), filepath.Join(c.s3.Dir, "offsite")

	r := c.start(t, nil, "apply", "--auto-approve")
	waitUntil(t, func() bool { return countOf(filesUnder(t, sftpRoot), isData) > 0 }, r)
	c.sftp.Stop()
	res, err := r.wait(3 * time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if res.code == 0 {
		t.Fatalf("apply with the SFTP server killed succeeded\n%s", res.stdout)
	}
	t.Logf("apply with SFTP down: exit %d after %v; %s", res.code, res.took.Round(time.Second), tailLines(res.stderr, 3))
	if n := countOf(filesUnder(t, sftpRoot), func(p string) bool { return strings.HasSuffix(p, "manifest.json") }); n != 0 {
		t.Fatalf("a partial snapshot shows as complete on the SFTP server")
	}
	if err := c.sftp.Start(); err != nil {
		t.Fatal(err)
	}

	r = c.start(t, nil, "apply", "--auto-approve")
	// Names are encrypted there: a chunk is what has a chunk's size.
	waitUntil(t, func() bool { return bigFiles(s3Root, 256<<10) > 0 }, r)
	c.s3.Stop()
	if res, err = r.wait(3 * time.Minute); err != nil {
		t.Fatal(err)
	}
	if res.code == 0 {
		t.Fatalf("apply with the S3 server killed succeeded\n%s", res.stdout)
	}
	t.Logf("apply with S3 down: exit %d after %v; %s", res.code, res.took.Round(time.Second), tailLines(res.stderr, 3))
	if err := c.s3.Start(); err != nil {
		t.Fatal(err)
	}
	ls := c.strata(t, time.Minute, nil, "ls", "--json")
	if strings.Contains(ls.stdout, `"offsite"`) && strings.Contains(ls.stdout, `"complete": true`) {
		t.Logf("ls: %s", ls.stdout)
	}

	mustExit0(t, c.strata(t, 5*time.Minute, nil, "apply", "--auto-approve"), "apply after the servers came back")
	plan := c.strata(t, time.Minute, nil, "plan", "--detailed-exitcode")
	if plan.code != 0 {
		t.Fatalf("plan after convergence: exit %d, want 0\n%s%s", plan.code, plan.stdout, plan.stderr)
	}
	out := filepath.Join(t.TempDir(), "restored")
	mustExit0(t, c.strata(t, 2*time.Minute, nil, "restore", "app", "--from", "offsite", "--to", out), "restore")
	compareRestored(t, filepath.Join(c.dir, "data"), out)
}

// waitFor polls cond until it holds, failing if the command ends first or
// a minute passes.
func waitUntil(t *testing.T, cond func() bool, r *cliRun) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for !cond() {
		if r.cmd.ProcessState != nil {
			t.Fatalf("strata ended before the server could be stopped:\n%s", &r.stderr)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing written within a minute:\n%s", &r.stderr)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

const minFreeHCL = `
destination "origin" {
  remote   = "${path.config}/origin"
  min_free = "%s"
}
destination "copy" {
  remote   = "${path.config}/copy"
  min_free = "%s"
}
tier "local" {
  destinations = [destination.origin]
  keep {
    last = 3
  }
}
tier "second" {
  from         = tier.local
  destinations = [destination.copy]
  keep {
    last = 3
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["${path.config}/data"]
  }
}
`

// TestMinFree: a min_free above what the disk has refuses the write in the
// plan, saying how much is needed and available; plan and apply exit 1.
func TestMinFree(t *testing.T) {
	c := &chain{dir: t.TempDir(), env: append(os.Environ(), "NO_COLOR=1")}
	writeTestFile(t, filepath.Join(c.dir, "data", "f"), []byte("some data"))
	hcl := filepath.Join(c.dir, "main.hcl")

	writeTestFile(t, hcl, []byte(fmt.Sprintf(minFreeHCL, "1000000TiB", "1KiB")))
	plan := c.strata(t, time.Minute, nil, "plan")
	if plan.code != 1 || !strings.Contains(plan.stdout+plan.stderr, "free space") ||
		!strings.Contains(plan.stdout+plan.stderr, "min_free") {
		t.Fatalf("plan with min_free above the free space: exit %d, want 1 and a free-space refusal\n%s%s",
			plan.code, plan.stdout, plan.stderr)
	}
	t.Logf("%s%s", plan.stdout, plan.stderr)
	if strings.Contains(plan.stdout, "+ snapshot") || strings.Contains(plan.stdout, "Plan: 1 snapshot") {
		t.Fatalf("the refused snapshot is still planned:\n%s", plan.stdout)
	}
	refused := c.strata(t, time.Minute, nil, "apply", "--auto-approve")
	if out := refused.stdout + refused.stderr; refused.code != 1 || strings.Contains(out, "No changes") ||
		strings.Contains(out, "match") || !strings.Contains(out, "less than its min_free") {
		t.Fatalf("apply of a plan whose snapshot was refused: exit %d, want 1, the refusal and no 'No changes … match'\n%s", refused.code, out)
	}

	// The snapshot fits; the transfer to the full second tier does not.
	writeTestFile(t, hcl, []byte(fmt.Sprintf(minFreeHCL, "1KiB", "1000000TiB")))
	apply := c.strata(t, time.Minute, nil, "apply", "--auto-approve")
	if apply.code != 1 || !strings.Contains(apply.stdout+apply.stderr, "transfer:app:second/copy") {
		t.Fatalf("apply with a full second tier: exit %d, want 1 naming the refused transfer\n%s%s",
			apply.code, apply.stdout, apply.stderr)
	}
	if n := countOf(filesUnder(t, filepath.Join(c.dir, "origin")), func(p string) bool { return strings.HasSuffix(p, "manifest.json") }); n != 1 {
		t.Fatalf("origin holds %d snapshots, want the one that fits", n)
	}
	if got := filesUnder(t, filepath.Join(c.dir, "copy")); countOf(got, isData) != 0 {
		t.Fatalf("the refused transfer wrote data: %v", got)
	}
}

// A remote server that is down when apply starts does not keep the other
// tiers from their backups: the local tier gets its snapshot, the
// unreachable destination is a failed listing (exit 1, named, no purge),
// restore reads the local copy, and the next apply after the server is
// back catches it up.
func TestRemoteServerDownAtStart(t *testing.T) {
	c := newChain(t, 2<<20)
	mustExit0(t, c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve"), "first apply")
	c.sftp.Stop()

	// A snapshot's ID is its second: an apply in the second of the first
	// snapshot would find it there and take none (a warning).
	nextSecond()
	res := c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve", "--snapshot", "app")
	if res.code != 1 || !strings.Contains(res.stderr, `"sftp"`) || !strings.Contains(res.stderr, "cannot connect") {
		t.Fatalf("apply with the SFTP server down: want exit 1 naming it, got %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if n := countOf(filesUnder(t, filepath.Join(c.dir, "origin")), isManifest); n != 2 {
		t.Fatalf("the local tier holds %d snapshots with the SFTP server down, want 2 (the new one taken)\n%s%s", n, res.stdout, res.stderr)
	}
	out := filepath.Join(t.TempDir(), "restored")
	mustExit0(t, c.strata(t, time.Minute, nil, "restore", "app", "--from", "local", "--to", out), "restore with SFTP down")
	compareRestored(t, filepath.Join(c.dir, "data"), out)

	if err := c.sftp.Start(); err != nil {
		t.Fatal(err)
	}
	mustExit0(t, c.strata(t, 3*time.Minute, nil, "apply", "--auto-approve"), "apply after the server came back")
	if n := countOf(filesUnder(t, filepath.Join(c.sftp.Dir, "backup")), isManifest); n != 2 {
		t.Fatalf("the SFTP tier holds %d snapshots after it came back, want 2", n)
	}
}

// nextSecond sleeps until the clock is in the next whole second (at most
// one second): a snapshot taken from then on has a later ID than any taken
// before the call.
func nextSecond() {
	time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second)))
}

func isManifest(p string) bool { return strings.HasSuffix(p, "/manifest.json") }

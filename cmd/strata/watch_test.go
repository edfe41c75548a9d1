package main

// Integration tests of `strata watch` (issue 5). They run the real strata
// binary as a separate process (strataBinary, built once per test run) on
// local destinations in temporary directories, talk to it over HTTP on
// 127.0.0.1, edit its configuration as a person would and stop it with
// SIGTERM. Every wait is bounded.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/notify/notifytest"
	"github.com/stratabackup/strata/reconcile"
)

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// watchProc is one running `strata watch`.
type watchProc struct {
	cmd    *exec.Cmd
	out    *syncBuffer
	addr   string
	done   chan struct{}
	waited error
}

var servingRE = regexp.MustCompile(`serving /metrics, /healthz and /status on http://(127\.0\.0\.1:\d+)`)

// startWatch runs `strata watch -C dir` on a free loopback port and waits
// until it serves HTTP. It is stopped with SIGTERM when the test ends.
func startWatch(t *testing.T, dir string, env []string, args ...string) *watchProc {
	t.Helper()
	args = append([]string{"watch", "-C", dir, "--listen", "127.0.0.1:0", "--debounce", "200ms", "--no-color"}, args...)
	w := &watchProc{cmd: exec.Command(strataBinary(t), args...), out: &syncBuffer{}, done: make(chan struct{})}
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	w.cmd.Env = append(os.Environ(), env...)
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.waited = w.cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			w.stop(t)
		}
		if t.Failed() {
			t.Logf("strata watch output:\n%s", w.out.String())
		}
	})
	waitFor(t, 30*time.Second, "strata watch to serve HTTP", func() bool {
		m := servingRE.FindStringSubmatch(w.out.String())
		if m != nil {
			w.addr = m[1]
		}
		return m != nil || w.exited()
	})
	if w.addr == "" {
		t.Fatalf("strata watch exited: %v\n%s", w.waited, w.out.String())
	}
	return w
}

func (w *watchProc) exited() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM and returns the exit code (-1 when it had to be killed).
func (w *watchProc) stop(t *testing.T) int {
	t.Helper()
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-w.done:
	case <-time.After(60 * time.Second):
		_ = w.cmd.Process.Kill()
		<-w.done
		t.Errorf("strata watch did not stop within 60s of SIGTERM")
		return -1
	}
	return w.cmd.ProcessState.ExitCode()
}

// watchStatus is /status as the tests read it: reconcile.Status, with the
// diagnostics in the CLI's JSON form.
type watchStatus struct {
	reconcile.Status
	Config struct {
		reconcile.ConfigStatus
		Diagnostics []jsonDiagnostic `json:"diagnostics"`
	} `json:"config"`
}

// status fetches /status.
func (w *watchProc) status(t *testing.T) *watchStatus {
	t.Helper()
	var st watchStatus
	if err := json.Unmarshal(w.get(t, "/status"), &st); err != nil {
		t.Fatalf("/status is not JSON: %v", err)
	}
	return &st
}

func (w *watchProc) get(t *testing.T, path string) []byte {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + w.addr + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %v", path, resp.Status, err)
	}
	return b
}

// metrics fetches /metrics and parses it as Prometheus text.
func (w *watchProc) metrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	mfs, err := p.TextToMetricFamilies(bytes.NewReader(w.get(t, "/metrics")))
	if err != nil {
		t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
	}
	return mfs
}

// waitFor polls cond every 100ms until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// location finds the status row of app at tier, or a zero row.
func (st *watchStatus) location(app, tier string) reconcile.Location {
	for _, a := range st.Apps {
		for _, r := range a.Locations {
			if a.Name == app && r.Tier == tier {
				return r
			}
		}
	}
	return reconcile.Location{}
}

// writeFileByRename replaces a file the way many editors do: a temporary
// file renamed over the old one.
func writeFileByRename(t *testing.T, name, content string) {
	t.Helper()
	tmp := filepath.Join(filepath.Dir(name), "."+filepath.Base(name)+".swp")
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, name); err != nil {
		t.Fatal(err)
	}
}

// watchTiers is two tiers of local directories under the config directory.
const watchTiers = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = %d
  }
}
tier "copy" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 5
  }
}
`

func watchApp(name, schedule string) string {
	return fmt.Sprintf("application %q {\n  schedule = %q\n  source {\n    paths = [\"data\"]\n  }\n}\n", name, schedule)
}

// newWatchDir makes a configuration directory with a little data.
func newWatchDir(t *testing.T, config string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("hello from watch\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestWatchSnapshotsFlowThroughTiers(t *testing.T) {
	dir := newWatchDir(t, fmt.Sprintf(watchTiers, 5)+watchApp("web", "@every 2s"))
	w := startWatch(t, dir, nil)
	waitFor(t, 30*time.Second, "two snapshots of web at tier copy", func() bool {
		return w.status(t).location("web", "copy").Snapshots >= 2
	})
	st := w.status(t)
	if st.NextWake.At.IsZero() || st.NextWake.Reason == "" || st.LastApply == nil || !st.LastApply.OK {
		t.Errorf("status next_wakeup %+v, last_apply %+v", st.NextWake, st.LastApply)
	}
	if code := w.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	manifests, _ := filepath.Glob(filepath.Join(dir, "store/secondary/web/*/*/*/*/manifest.json"))
	if len(manifests) < 2 {
		t.Errorf("%d complete snapshots at the second tier on disk, want at least 2", len(manifests))
	}
	assertNoLeases(t, dir)
}

func assertNoLeases(t *testing.T, dir string) {
	t.Helper()
	locks, _ := filepath.Glob(filepath.Join(dir, "store/*/.strata/locks/*"))
	if len(locks) > 0 {
		t.Errorf("leases left behind: %v", locks)
	}
}

func TestWatchReloadsEdits(t *testing.T) {
	dir := newWatchDir(t, fmt.Sprintf(watchTiers, 3)+watchApp("web", "@every 2s"))
	main := filepath.Join(dir, "main.hcl")
	w := startWatch(t, dir, nil)
	waitFor(t, 30*time.Second, "three snapshots of web at tier local", func() bool {
		return w.status(t).location("web", "local").Snapshots == 3
	})

	// Add an application and lower the retention of tier local.
	writeFileByRename(t, main, fmt.Sprintf(watchTiers, 2)+watchApp("web", "@every 2s")+watchApp("db", "@every 1h"))
	waitFor(t, 10*time.Second, "the new application db at both tiers and 2 snapshots of web at local", func() bool {
		st := w.status(t)
		return st.location("db", "copy").Snapshots == 1 && st.location("web", "local").Snapshots == 2
	})

	// An invalid edit: reported, and the last valid configuration keeps running.
	writeFileByRename(t, main, strings.Replace(fmt.Sprintf(watchTiers, 2), "last = 5", `last = "five"`, 1)+watchApp("web", "@every 2s"))
	var before int
	waitFor(t, 10*time.Second, "/status to report the invalid configuration", func() bool {
		st := w.status(t)
		before = st.Reconciles
		return !st.Config.Valid
	})
	st := w.status(t)
	d := st.Config.Diagnostics
	if len(d) == 0 || d[0].Range == nil || filepath.Base(d[0].Range.Filename) != "main.hcl" || d[0].Range.Start.Line != 18 {
		t.Errorf("diagnostics = %+v, want one at main.hcl:18", d)
	}
	if v := gaugeValue(w.metrics(t), "strata_config_valid", nil); v != 0 {
		t.Errorf("strata_config_valid = %v while the config is invalid", v)
	}
	waitFor(t, 15*time.Second, "the old configuration to keep reconciling", func() bool {
		st := w.status(t)
		return st.Reconciles >= before+2 && st.location("db", "local").Snapshots == 1
	})

	writeFileByRename(t, main, fmt.Sprintf(watchTiers, 2)+watchApp("web", "@every 2s"))
	waitFor(t, 10*time.Second, "the fixed configuration to load", func() bool {
		st := w.status(t)
		return st.Config.Valid && len(st.Config.Applications) == 1
	})
	if code := w.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
}

// gaugeValue is the value of the sample of family name whose labels include
// labels; -1 when there is none.
func gaugeValue(mfs map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	mf := mfs[name]
	if mf == nil {
		return -1
	}
	for _, m := range mf.GetMetric() {
		if hasLabels(m, labels) {
			switch {
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			}
		}
	}
	return -1
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := want[lp.GetName()]; ok && v == lp.GetValue() {
			n++
		}
	}
	return n == len(want)
}

func TestWatchMetricsMatchLs(t *testing.T) {
	dir := newWatchDir(t, fmt.Sprintf(watchTiers, 3)+watchApp("web", "@every 1h")+watchApp("db", "@every 1h"))
	w := startWatch(t, dir, nil)
	waitFor(t, 30*time.Second, "a snapshot of each application at both tiers", func() bool {
		st := w.status(t)
		return st.location("web", "copy").Snapshots == 1 && st.location("db", "copy").Snapshots == 1
	})
	mfs := w.metrics(t)
	out, err := exec.Command(strataBinary(t), "-C", dir, "ls", "--json").Output()
	if err != nil {
		t.Fatalf("strata ls --json: %v", err)
	}
	var ls struct{ Locations []reconcile.Location }
	if err := json.Unmarshal(out, &ls); err != nil || len(ls.Locations) != 4 {
		t.Fatalf("strata ls --json: %v\n%s", err, out)
	}
	for _, r := range ls.Locations {
		labels := map[string]string{"app": r.App, "tier": r.Tier, "destination": r.Destination}
		newest, _ := time.Parse(time.RFC3339, r.Newest)
		for name, want := range map[string]float64{
			"strata_snapshots":                         float64(r.Snapshots),
			"strata_snapshot_bytes":                    float64(r.Logical),
			"strata_newest_snapshot_timestamp_seconds": float64(newest.Unix()),
		} {
			if got := gaugeValue(mfs, name, labels); got != want || want <= 0 {
				t.Errorf("%s%v = %v, strata ls says %v", name, labels, got, want)
			}
		}
	}
	checks := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"strata_actions_total", map[string]string{"kind": "snapshot", "outcome": "done"}, 2},
		{"strata_actions_total", map[string]string{"kind": "transfer", "outcome": "done"}, 2},
		{"strata_config_valid", nil, 1},
		{"strata_reconciles_total", map[string]string{"result": "success"}, 1},
	}
	for _, c := range checks {
		if got := gaugeValue(mfs, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if gaugeValue(mfs, "strata_last_success_timestamp_seconds", nil) <= 0 || mfs["strata_reconcile_duration_seconds"] == nil {
		t.Errorf("no last success time or reconcile duration in /metrics")
	}
	if b := string(w.get(t, "/healthz")); strings.TrimSpace(b) != "ok" {
		t.Errorf("/healthz = %q", b)
	}
}

// git runs git in dir with a fixed identity.
func runGit(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=Test", "-c", "user.email=test@example.org",
		"-c", "init.defaultBranch=main"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestWatchPullsCommits(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is needed (make deps installs it)")
	}
	root := t.TempDir()
	bare, author, deploy := filepath.Join(root, "config.git"), filepath.Join(root, "author"), filepath.Join(root, "deploy")
	runGit(t, root, "init", "--bare", "--quiet", bare)
	runGit(t, root, "clone", "--quiet", bare, author)
	config := fmt.Sprintf(watchTiers, 3) + watchApp("web", "@every 1h")
	if err := os.WriteFile(filepath.Join(author, "main.hcl"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, author, "add", "main.hcl")
	runGit(t, author, "commit", "--quiet", "-m", "backups: web")
	runGit(t, author, "push", "--quiet", "origin", "HEAD")
	runGit(t, root, "clone", "--quiet", bare, deploy)
	if err := os.MkdirAll(filepath.Join(deploy, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(deploy, "data", "x.txt"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	w := startWatch(t, deploy, nil, "--pull", "1s")
	first := runGit(t, author, "rev-parse", "HEAD")
	waitFor(t, 30*time.Second, "web at tier copy", func() bool { return w.status(t).location("web", "copy").Snapshots == 1 })
	if c := w.status(t).Config.Commit; c != first {
		t.Errorf("status commit = %q, want %q", c, first)
	}

	if err := os.WriteFile(filepath.Join(author, "main.hcl"), []byte(config+watchApp("db", "@every 1h")), 0o644); err != nil {
		t.Fatal(err)
	}
	runGit(t, author, "commit", "--quiet", "-am", "backups: db too")
	runGit(t, author, "push", "--quiet", "origin", "HEAD")
	second := runGit(t, author, "rev-parse", "HEAD")
	waitFor(t, 20*time.Second, "the pushed commit to be pulled and applied", func() bool {
		st := w.status(t)
		return st.Config.Commit == second && st.location("db", "copy").Snapshots == 1
	})
	if v := gaugeValue(w.metrics(t), "strata_applied_commit_info", map[string]string{"commit": second}); v != 1 {
		t.Errorf("strata_applied_commit_info{commit=%q} = %v, want 1", second, v)
	}
}

// eventLog records the events a webhook receives.
type eventLog struct {
	mu     sync.Mutex
	events []notify.Event
	tokens []string
}

func (l *eventLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var ev notify.Event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
	l.tokens = append(l.tokens, r.Header.Get("X-Token"))
}

func (l *eventLog) kinds() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, ev := range l.events {
		out = append(out, ev.Event)
	}
	return out
}

// commandEvents reads the JSON objects the notify command appended to file.
func commandEvents(file string) []string {
	b, _ := os.ReadFile(file)
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []string
	for {
		var ev notify.Event
		if err := dec.Decode(&ev); err != nil {
			return out
		}
		out = append(out, ev.Event)
	}
}

const notifyConfig = `
notify "ops" {
  on      = ["failure", "recovered"]
  command = ["sh", "-c", "cat >> \"$0\"", %q]
  webhook {
    url     = %q
    headers = { X-Token = "t0k" }
  }
}

notify "mail" {
  on = ["failure"]
  email {
    smtp     = %q
    from     = "strata@example.org"
    to       = ["ops@example.org"]
    username = "strata"
    password = env("STRATA_TEST_SMTP_PASSWORD")
  }
}
`

func gatedApp(gate string) string {
	return fmt.Sprintf(`application "web" {
  schedule = "@every 1h"
  source {
    paths = ["data"]
  }
  hook "gate" {
    command = ["sh", "-c", %q]
  }
}
`, gate)
}

func TestWatchNotifiesFailureAndRecovery(t *testing.T) {
	hooks := &eventLog{}
	receiver := httptest.NewServer(hooks)
	defer receiver.Close()
	mail := notifytest.NewSMTPServer(t, "strata", "pa55")
	dir := newWatchDir(t, "")
	events := filepath.Join(dir, "events.jsonl")
	notifications := fmt.Sprintf(notifyConfig, events, receiver.URL+"/hook", mail.Addr)
	main := filepath.Join(dir, "main.hcl")
	writeFileByRename(t, main, fmt.Sprintf(watchTiers, 3)+gatedApp("echo the database is down >&2; exit 1")+notifications)

	w := startWatch(t, dir, []string{"STRATA_TEST_SMTP_PASSWORD=pa55"})
	waitFor(t, 30*time.Second, "two failed reconciles", func() bool {
		st := w.status(t)
		return st.Reconciles >= 2 && st.LastApply != nil && !st.LastApply.OK
	})
	if got := strings.Join(hooks.kinds(), ","); got != "failure" {
		t.Fatalf("webhook events after two failed reconciles = %q, want one failure", got)
	}
	select {
	case m := <-mail.Mails:
		if m.User != "strata" || !strings.Contains(m.Data, "Subject: [strata] failure on") || !strings.Contains(m.Data, "the database is down") {
			t.Errorf("mail = %+v", m)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no mail reached the SMTP server")
	}

	writeFileByRename(t, main, fmt.Sprintf(watchTiers, 3)+gatedApp("true")+notifications)
	waitFor(t, 15*time.Second, "recovered at the webhook and the command", func() bool {
		return strings.Join(hooks.kinds(), ",") == "failure,recovered" &&
			strings.Join(commandEvents(events), ",") == "failure,recovered"
	})
	hooks.mu.Lock()
	if hooks.tokens[0] != "t0k" || len(hooks.events[0].Failures) == 0 || !strings.Contains(hooks.events[0].Failures[0].Error, "the database is down") {
		t.Errorf("failure event %+v with X-Token %q", hooks.events[0], hooks.tokens[0])
	}
	hooks.mu.Unlock()
	select {
	case m := <-mail.Mails:
		t.Errorf("mail for an event the mail block does not listen to: %s", m.Data)
	default:
	}
	if strings.Contains(w.out.String(), "pa55") {
		t.Error("the SMTP password appears in the output")
	}
}

// writeRandom writes n pseudo-random (incompressible) bytes to name.
func writeRandom(t *testing.T, name string, n int) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := rand.NewChaCha8([32]byte{1})
	if _, err := io.CopyN(f, r, int64(n)); err != nil {
		t.Fatal(err)
	}
}

// TestWatchSIGTERMDuringSnapshot stops watch while a snapshot writes: the
// destination takes at most 8 MiB/s (bwlimit), so the 256 MiB snapshot is
// still being written when SIGTERM comes, however fast the machine.
func TestWatchSIGTERMDuringSnapshot(t *testing.T) {
	dir := newWatchDir(t, `
destination "primary" {
  remote  = "${path.config}/store/primary"
  bwlimit = "8M"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
}
`+watchApp("big", "@every 1h"))
	writeRandom(t, filepath.Join(dir, "data", "blob"), 256<<20)
	w := startWatch(t, dir, nil)
	appDir := filepath.Join(dir, "store", "primary", "big")
	chunks := filepath.Join(dir, "store", "primary", ".strata", "chunks") // written first
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := os.Stat(chunks); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the snapshot never started writing")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code := w.stop(t); code != 0 {
		t.Errorf("exit code after SIGTERM = %d, want 0", code)
	}
	if m, _ := filepath.Glob(filepath.Join(appDir, "*/*/*/*/manifest.json")); len(m) > 0 {
		t.Fatalf("the snapshot completed before SIGTERM (%v); this test needs it interrupted", m)
	}
	assertNoLeases(t, dir)
	var ls struct{ Locations []reconcile.Location }
	out, err := exec.Command(strataBinary(t), "-C", dir, "ls", "--json").Output()
	if err := errors.Join(err, json.Unmarshal(out, &ls)); err != nil || len(ls.Locations) != 1 || ls.Locations[0].Snapshots != 0 {
		t.Fatalf("strata ls after SIGTERM: %v\n%s", err, out)
	}
	// The next apply, without the limit, makes the snapshot whole.
	cfg, err := os.ReadFile(filepath.Join(dir, "main.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), bytes.Replace(cfg, []byte(`bwlimit = "8M"`), nil, 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(strataBinary(t), "-C", dir, "apply", "--auto-approve").CombinedOutput()
	if err != nil {
		t.Fatalf("strata apply after SIGTERM: %v\n%s", err, out)
	}
	out, _ = exec.Command(strataBinary(t), "-C", dir, "ls", "--json").Output()
	if err := json.Unmarshal(out, &ls); err != nil || ls.Locations[0].Snapshots != 1 || ls.Locations[0].Incomplete != 0 {
		t.Errorf("after the next apply: %s", out)
	}
}

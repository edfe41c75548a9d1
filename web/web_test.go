package web

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"golang.org/x/crypto/bcrypt"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/reconcile"
)

type quietLog struct{}

func (quietLog) Debug(any, ...any) {}
func (quietLog) Info(any, ...any)  {}
func (quietLog) Warn(any, ...any)  {}
func (quietLog) Error(any, ...any) {}

type quietUI struct{}

func (quietUI) Diagnostics(map[string]*hcl.File, hcl.Diagnostics) {}
func (quietUI) DiagnosticsJSON(hcl.Diagnostics) any               { return nil }
func (quietUI) Progress(int) (func(executor.Event), func()) {
	return func(executor.Event) {}, func() {}
}

// newLoop starts (loads, without running) a loop over one application
// snapshotting into a local directory.
func newLoop(t *testing.T) *reconcile.Loop {
	t.Helper()
	return newLoopAt(t, nil)
}

// newLoopAt is newLoop with plans and snapshots made at now().
func newLoopAt(t *testing.T, now func() time.Time) *reconcile.Loop {
	t.Helper()
	l, _ := newLoopWith(t, "", now)
	return l
}

// webHCL is the configuration of the test loops: one application
// snapshotting into a local directory every hour.
const webHCL = `
destination "d" {
  remote = "${path.config}/store"
}
tier "local" {
  destinations = [destination.d]
  keep {
    last = 3
  }
}
application "web" {
  schedule = "0 * * * *"
  source {
    paths = ["data"]
  }
}
`

// newLoopWith starts (loads, without running) a loop over webHCL and
// extra (more blocks) in a new directory, which it returns.
func newLoopWith(t *testing.T, extra string, now func() time.Time) (*reconcile.Loop, string) {
	t.Helper()
	return newLoopHCL(t, webHCL+extra, now)
}

// newLoopHCL is newLoopWith over the configuration src.
func newLoopHCL(t *testing.T, src string, now func() time.Time) (*reconcile.Loop, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("hello from the page\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	l := reconcile.New(reconcile.Options{Dir: dir, Interval: time.Hour, Debounce: time.Second, Log: quietLog{}, UI: quietUI{}, Now: now})
	if err := l.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return l, dir
}

func newServer(t *testing.T, l *reconcile.Loop, actions bool, g GuardOptions) *httptest.Server {
	t.Helper()
	s, err := New(Options{Loop: l, Actions: actions})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(Guard(mux, g))
	t.Cleanup(srv.Close)
	return srv
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestActionsNeedTheTokenAndQueueARequest(t *testing.T) {
	l := newLoop(t)
	srv := newServer(t, l, true, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	code, body := get(t, c, srv.URL+"/")
	m := csrfRE.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("GET / = %d, no CSRF token in the page:\n%s", code, body)
	}
	post := func(form url.Values) int {
		resp, err := c.PostForm(srv.URL+"/action", form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := post(url.Values{"kind": {"snapshot"}, "app": {"web"}}); got != http.StatusForbidden {
		t.Errorf("POST without the token = %d, want 403", got)
	}
	if got := post(url.Values{"kind": {"snapshot"}, "app": {"web"}, "csrf": {strings.Repeat("0", 64)}}); got != http.StatusForbidden {
		t.Errorf("POST with a wrong token = %d, want 403", got)
	}
	if got := post(url.Values{"kind": {"snapshot"}, "app": {"nosuch"}, "csrf": {m[1]}}); got != http.StatusBadRequest {
		t.Errorf("POST for an unknown application = %d, want 400", got)
	}
	var n int
	l.Status().Read(func(st *reconcile.Status) { n = len(st.Requests) })
	if n != 0 {
		t.Fatalf("%d requests queued by refused POSTs", n)
	}
	if got := post(url.Values{"kind": {"snapshot"}, "app": {"web"}, "csrf": {m[1]}}); got != http.StatusSeeOther {
		t.Errorf("POST with the token = %d, want 303", got)
	}
	l.Status().Read(func(st *reconcile.Status) { n = len(st.Requests) })
	if n != 1 {
		t.Errorf("%d requests queued, want 1", n)
	}
	if _, body := get(t, c, srv.URL+"/"); !strings.Contains(body, `<strong>snapshot</strong> web: <span class="state">queued</span>`) {
		t.Errorf("the page does not show the queued request:\n%s", body)
	}
}

func TestActionsAreOffByDefault(t *testing.T) {
	srv := newServer(t, newLoop(t), false, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second}
	if _, body := get(t, c, srv.URL+"/"); strings.Contains(body, "csrf") || strings.Contains(body, "Snapshot now") {
		t.Errorf("buttons on a page without --web-actions:\n%s", body)
	}
	resp, err := c.PostForm(srv.URL+"/action", url.Values{"kind": {"apply"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /action without --web-actions = %d, want 403", resp.StatusCode)
	}
}

func writeUsers(t *testing.T, lines ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "users")
	if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGuardAsksForALogin(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	// A $2y$ hash, as htpasswd -B writes it.
	users, err := LoadUsers(writeUsers(t, "# operators", "", "alice:$2y$"+string(hash[4:])))
	if err != nil || users.Len() != 1 {
		t.Fatalf("LoadUsers: %v", err)
	}
	srv := newServer(t, newLoop(t), false, GuardOptions{Users: users})
	c := &http.Client{Timeout: 10 * time.Second}
	for _, tc := range []struct {
		user, pass string
		want       int
	}{{"", "", 401}, {"alice", "wrong", 401}, {"bob", "s3cret", 401}, {"alice", "s3cret", 200}} {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		if tc.user != "" {
			req.SetBasicAuth(tc.user, tc.pass)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want || (tc.want == 401 && resp.Header.Get("WWW-Authenticate") == "") {
			t.Errorf("GET / as %q/%q = %d (%q), want %d", tc.user, tc.pass, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), tc.want)
		}
	}
}

func TestLoadUsersRefusesWhatIsNotBcrypt(t *testing.T) {
	for _, line := range []string{"alice:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=", "alice:$apr1$x$y", ":$2y$10$abc", "alice"} {
		_, err := LoadUsers(writeUsers(t, line))
		if err == nil || !strings.Contains(err.Error(), ":1:") {
			t.Errorf("LoadUsers(%q) = %v, want an error naming line 1", line, err)
		}
	}
	if _, err := LoadUsers(writeUsers(t, "# nobody")); err == nil {
		t.Error("a file without users was accepted")
	}
}

func TestGuardRefusesForeignHostsOnLoopback(t *testing.T) {
	srv := newServer(t, newLoop(t), false, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second}
	for host, want := range map[string]int{"evil.example:80": 421, "127.0.0.1:9300": 200, "localhost:9300": 200, "[::1]:9300": 200} {
		req, _ := http.NewRequest("GET", srv.URL+"/", nil)
		req.Host = host
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET / with Host %s = %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestEventsStreamTheLiveFragments(t *testing.T) {
	srv := newServer(t, newLoop(t), false, GuardOptions{Loopback: true})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	msg, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first message: %v", err)
	}
	for _, id := range liveFragments {
		if !strings.Contains(msg, `"`+id+`":`) {
			t.Errorf("the first message has no fragment %q: %s", id, msg)
		}
	}
	if !strings.HasPrefix(msg, "data: {") {
		t.Errorf("not an SSE data line: %.100s", msg)
	}
}

func TestApplicationPage(t *testing.T) {
	l := newLoop(t)
	if r := l.Pass(context.Background(), "test"); r.Kind != reconcile.Continue {
		t.Fatalf("pass = %+v", r)
	}
	srv := newServer(t, l, false, GuardOptions{Loopback: true})
	c := &http.Client{Timeout: 10 * time.Second}
	code, body := get(t, c, srv.URL+"/app/web")
	if code != 200 || !strings.Contains(body, "<h1>web</h1>") || !strings.Contains(body, `<td class="cell ok">ok</td>`) {
		t.Errorf("GET /app/web = %d:\n%s", code, body)
	}
	// The cells say the snapshots' logical size (what `strata ls` shows),
	// not the bytes of their chunk lists and manifests.
	var loc reconcile.Location
	l.Status().Read(func(st *reconcile.Status) { loc = st.Apps[0].Locations[0] })
	want := `<span class="count">1 snapshot</span> · ` + executor.HumanBytes(loc.Logical)
	if _, page := get(t, c, srv.URL+"/"); loc.Logical <= loc.Bytes || !strings.Contains(page, want) {
		t.Errorf("location %+v: the matrix's cell lacks %q:\n%s", loc, want, page)
	}
	if code, _ := get(t, c, srv.URL+"/app/nosuch"); code != http.StatusNotFound {
		t.Errorf("GET /app/nosuch = %d, want 404", code)
	}
}

// TestApplicationPageShowsRetentionAndHistory: after four hourly
// snapshots of which `last = 3` keeps three, the application's page has a
// time axis of the tier whose marks and table say which rule keeps each
// snapshot and which one goes after the next snapshot, and inline SVG
// charts of its history (files and bytes), drawn without any script. The
// schedule is "@every 1h" and the last pass is now: the next snapshot is
// due an hour from now whatever the time of day (with "0 * * * *" and the
// last pass at the top of this hour, a test across the next hour found it
// overdue, "due 0s ago").
func TestApplicationPageShowsRetentionAndHistory(t *testing.T) {
	at := time.Now().UTC().Truncate(time.Second).Add(-3 * time.Hour) // the last pass: now
	l, _ := newLoopHCL(t, strings.Replace(webHCL, `"0 * * * *"`, `"@every 1h"`, 1), func() time.Time { return at })
	for range 4 {
		if r := l.Pass(context.Background(), "test"); r.Kind != reconcile.Continue {
			t.Fatalf("pass = %+v", r)
		}
		at = at.Add(time.Hour)
	}
	srv := newServer(t, l, false, GuardOptions{Loopback: true})
	code, body := get(t, &http.Client{Timeout: 10 * time.Second}, srv.URL+"/app/web")
	if code != 200 {
		t.Fatalf("GET /app/web = %d:\n%s", code, body)
	}
	for _, want := range []string{
		`<h3>Tier local <small><code>keep { last = 3 }</code></small></h3>`,
		`<td class="kept-by">last 3</td>`,
		`class="mark kept"`, `class="mark next"`,
		`purged after the next snapshot (due in `,
		`<figcaption>Files: <strong>1</strong> in the newest</figcaption>`,
		`<figcaption>Bytes in the sources: <strong>20 B</strong> in the newest</figcaption>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the application page lacks %q:\n%s", want, body)
		}
	}
	if n := strings.Count(body, `<tr class="r-`); n != 3 {
		t.Errorf("%d snapshots in the retention table, want the 3 kept", n)
	}
	if n := strings.Count(body, `<tr class="r-next"`); n != 1 {
		t.Errorf("%d snapshots marked purged next, want the oldest of the 3", n)
	}
	// The fourth pass purged the first snapshot, then ran a gc: the
	// matrix says what the chunk store holds.
	if _, page := get(t, &http.Client{Timeout: 10 * time.Second}, srv.URL+"/"); !regexp.MustCompile(`<small class="stored">[0-9.]+ [KM]?i?B stored, dedup [0-9.]+× \(gc [0-9]+s ago\)</small>`).MatchString(page) {
		t.Errorf("the matrix's column header does not say what the chunk store holds:\n%s", page)
	}
	m := regexp.MustCompile(`<polyline points="([^"]*)"`).FindStringSubmatch(body)
	if m == nil || len(strings.Fields(m[1])) != 3 {
		t.Errorf("no polyline of 3 points in the history chart: %q", m)
	}
}

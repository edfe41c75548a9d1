package main

// The status page (issue 14) in a real browser: headless Chromium, driven
// by chromedp, against a real `strata watch` on 127.0.0.1. One browser
// serves every step; each step leaves a screenshot for a person to look at
// in $STRATA_TEST_ARTIFACTS (or the test's artifact directory: go test
// -artifacts). Every wait is bounded.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// findChromium is the Chromium binary; a missing one skips the test, and
// fails it under CI=true.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "no Chromium found (Debian: apt-get install chromium; ./scripts/install-test-deps.sh installs it)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts one headless Chromium for the test, with a fresh
// profile and nothing that reaches for the network by itself.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1100, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first action starts the browser, which lives as long as the
	// context it ran with: ctx, not a bounded child of it (Chromium bounds
	// its own start).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	return ctx
}

// artifacts is where the screenshots go.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := t.ArtifactDir()
	if base := os.Getenv("STRATA_TEST_ARTIFACTS"); base != "" {
		dir = filepath.Join(base, t.Name())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// browserRun runs actions in the browser, bounded.
func browserRun(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(c, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// waitPage evaluates the JavaScript expr in the page every 100ms until it
// is true (errors while the page navigates count as false), for at most
// timeout.
func waitPage(t *testing.T, ctx context.Context, timeout time.Duration, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		ok, err := chromedp.Run(c, chromedp.Evaluate[bool](expr))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			c, cancel := context.WithTimeout(ctx, 5*time.Second)
			body, _ := chromedp.Run(c, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
			cancel()
			t.Fatalf("timed out after %s waiting for %s (last error %v); the page says:\n%s", timeout, what, err, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// screenshot writes the whole page to dir/name as PNG (quality 100; any
// other is JPEG) and logs where.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(c, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", p)
}

// cellJS is an expression: the matrix cell of app at tier, or null.
func cellJS(app, tier string) string {
	return fmt.Sprintf(`document.querySelector('tr[data-app=%q] td[data-tier=%q]')`, app, tier)
}

// webConfig is web (hourly, a little data) at one local tier whose
// destination takes at most 16 MiB/s (bwlimit): a snapshot of a large file
// takes long enough there for its progress to be seen moving, however fast
// the machine.
const webConfig = `
destination "primary" {
  remote  = "${path.config}/store/primary"
  bwlimit = "16M"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 5
  }
}
` + `application "web" {
  schedule = "@every 1h"
  source {
    paths = ["data"]
  }
}
`

// bigApp is an application of a large incompressible file.
const bigApp = `
application "big" {
  schedule = "@every 1h"
  source {
    paths = ["bigdata"]
  }
}
`

// brokenTier is a second tier at a destination whose root is a file: its
// listing fails.
const brokenTier = `
destination "broken" {
  remote = "${path.config}/broken"
}
tier "copy" {
  from         = tier.local
  destinations = [destination.broken]
  keep {
    last = 5
  }
}
`

func TestWebPageInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	shots := artifacts(t)
	dir := newWatchDir(t, webConfig)
	w := startWatch(t, dir, nil, "--web-actions")
	page := "http://" + w.addr + "/"

	// Fresh: the first reconcile's snapshot shows green.
	browserRun(t, ctx, "open the page", chromedp.Navigate(page))
	waitPage(t, ctx, 30*time.Second, "a fresh cell for web", cellJS("web", "local")+`?.dataset.state === "ok" && `+
		cellJS("web", "local")+`.innerText.includes("1 snapshot")`)
	screenshot(t, ctx, shots, "1-fresh.png")

	// Snapshot now: a click makes a second snapshot, shown by the live page
	// (a second after the first: snapshot IDs are to the second).
	waitFor(t, 10*time.Second, "the first snapshot to be a second old", func() bool {
		n := w.status(t).Apps[0].Newest
		return n != nil && time.Since(*n) > time.Second
	})
	browserRun(t, ctx, "click snapshot now", chromedp.Click(chromedp.CSS(`tr[data-app="web"] button.snapshot-now`)))
	waitPage(t, ctx, 30*time.Second, "two snapshots of web after the click", cellJS("web", "local")+`?.innerText.includes("2 snapshots")`)
	waitPage(t, ctx, 10*time.Second, "the request shown done", `!!document.querySelector('#requests .request.done')`)
	screenshot(t, ctx, shots, "2-snapshot-now.png")
	if n := w.status(t).location("web", "local").Snapshots; n != 2 {
		t.Errorf("/status says %d snapshots of web after snapshot now, want 2", n)
	}

	// A POST without the page's token is refused and queues nothing.
	postWithoutToken(t, w)

	// Live progress: the progress text of a ~150 MB snapshot changes, as
	// the page sees it (every distinct text the event stream put in).
	if err := os.Mkdir(filepath.Join(dir, "bigdata"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeRandom(t, filepath.Join(dir, "bigdata", "blob"), 150<<20)
	browserRun(t, ctx, "watch the progress", chromedp.Evaluate[chromedp.Void](`window.__seen = [];
new MutationObserver(() => {
  const el = document.querySelector('.action[data-key^="snapshot:big:"] .progress-text');
  if (el && !window.__seen.includes(el.textContent.trim())) window.__seen.push(el.textContent.trim());
}).observe(document.getElementById("now"), {childList: true, subtree: true, characterData: true}); true`))
	writeFileByRename(t, filepath.Join(dir, "main.hcl"), webConfig+bigApp)
	waitPage(t, ctx, 60*time.Second, "the snapshot of big in progress", `window.__seen.length >= 2`)
	screenshot(t, ctx, shots, "3-progress.png")
	waitPage(t, ctx, 60*time.Second, "big's snapshot done", cellJS("big", "local")+`?.dataset.state === "ok"`)
	seen, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__seen`))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("progress texts seen: %q", seen)
	if len(seen) < 3 {
		t.Errorf("the progress text changed %d time(s) during a 150 MB snapshot, want at least 2: %q", len(seen)-1, seen)
	}

	// A failed listing shows red, saying why.
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("not a directory\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	writeFileByRename(t, filepath.Join(dir, "main.hcl"), webConfig+bigApp+brokenTier)
	waitPage(t, ctx, 30*time.Second, "a red cell for the failed listing", cellJS("web", "copy")+`?.dataset.state === "bad" && `+
		cellJS("web", "copy")+`.innerText.includes("listing failed")`)
	waitPage(t, ctx, 10*time.Second, "the failure's cause", `document.getElementById("lastrun").innerText.includes("not a directory")`)
	screenshot(t, ctx, shots, "4-failed-listing.png")
}

// postWithoutToken posts "snapshot now" as a plain HTTP client would,
// without the page's CSRF token.
func postWithoutToken(t *testing.T, w *watchProc) {
	t.Helper()
	before := len(w.status(t).Requests)
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.PostForm("http://"+w.addr+"/action", url.Values{"kind": {"snapshot"}, "app": {"web"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("POST /action without the token = %s, want 403", resp.Status)
	}
	var st struct{ Requests []json.RawMessage }
	if err := json.Unmarshal(w.get(t, "/status"), &st); err != nil || len(st.Requests) != before {
		t.Errorf("requests after a refused POST: %d, want %d (%v)", len(st.Requests), before, err)
	}
	if !strings.Contains(w.out.String(), "status page on http://"+w.addr+"/") {
		t.Errorf("watch did not say where the page is:\n%s", w.out.String())
	}
}

// staleConfig is web at two tiers, whose snapshots fail while the file
// gate exists (its hook says the database is down).
const staleConfig = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 5
  }
}
tier "copy" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 5
  }
}
application "web" {
  schedule = "@every 1h"
  source {
    paths = ["data"]
  }
  hook "gate" {
    command = ["sh", "-c", "if [ -e \"$0\" ]; then echo the database is down >&2; exit 1; fi", %q]
  }
}
`

// TestWebPageStaleAndRepairInABrowser: the states of a scripted sequence
// the first browser test does not reach. Stale: the newest snapshot is 3h
// old on an hourly schedule and new ones fail, so both tiers show amber.
// Corrupt copy repaired: a damaged chunk found by "verify now" shows red
// while the other tier is unreachable (no healthy copy to repair from),
// and green again once it is back and an apply repaired it. Then the
// application's page: retention per tier and the history chart.
func TestWebPageStaleAndRepairInABrowser(t *testing.T) {
	ctx := newBrowser(t)
	shots := artifacts(t)
	gate := filepath.Join(t.TempDir(), "database-down")
	dir := newWatchDir(t, fmt.Sprintf(staleConfig, gate))
	old := time.Now().UTC().Add(-3 * time.Hour).Format(time.RFC3339)
	if out, err := exec.Command(strataBinary(t), "-C", dir, "--no-color", "apply", "--auto-approve", "--now", old).CombinedOutput(); err != nil {
		t.Fatalf("strata apply --now %s: %v\n%s", old, err, out)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	w := startWatch(t, dir, nil, "--web-actions")

	// Stale: amber at both tiers, the failed snapshot's cause below.
	browserRun(t, ctx, "open the page", chromedp.Navigate("http://"+w.addr+"/"))
	for _, tier := range []string{"local", "copy"} {
		waitPage(t, ctx, 30*time.Second, "an amber cell for web at "+tier, cellJS("web", tier)+`?.dataset.state === "stale" && `+
			cellJS("web", tier)+`.innerText.includes("stale")`)
	}
	waitPage(t, ctx, 10*time.Second, "the failed snapshot's cause", `document.getElementById("lastrun").innerText.includes("the database is down")`)
	screenshot(t, ctx, shots, "1-stale.png")
	if st := w.status(t); len(st.Apps) != 1 || strings.Join(st.Apps[0].Stale, ",") != "local,copy" {
		t.Errorf("/status stale tiers = %+v, want local and copy", st.Apps)
	}

	// The database is back: "apply the current plan" makes a snapshot and
	// copies it; both cells turn green.
	if err := os.Remove(gate); err != nil {
		t.Fatal(err)
	}
	browserRun(t, ctx, "click apply now", chromedp.Click(chromedp.CSS(`#apply-now`)))
	for _, tier := range []string{"local", "copy"} {
		waitPage(t, ctx, 30*time.Second, "a green cell for web at "+tier, cellJS("web", tier)+`?.dataset.state === "ok" && `+
			cellJS("web", tier)+`.innerText.includes("2 snapshots")`)
	}

	// A damaged chunk at primary, found by "verify now" while the copy
	// tier (the only healthy copy) is out of the configuration: red, and it
	// stays red, since there is nothing to repair it from.
	writeFileByRename(t, filepath.Join(dir, "main.hcl"), withoutCopyTier(t, fmt.Sprintf(staleConfig, gate)))
	waitPage(t, ctx, 30*time.Second, "the matrix without the copy tier", cellJS("web", "copy")+` === null && `+
		cellJS("web", "local")+`?.dataset.state === "ok"`)
	chunk := newestChunk(t, filepath.Join(dir, "store", "primary"), "web")
	if err := os.WriteFile(chunk, []byte("bit rot"), 0o644); err != nil {
		t.Fatal(err)
	}
	browserRun(t, ctx, "click verify now", chromedp.Click(chromedp.CSS(`tr[data-app="web"] button.verify-now`)))
	waitPage(t, ctx, 30*time.Second, "a red cell for the corrupt copy", cellJS("web", "local")+`?.dataset.state === "bad" && `+
		cellJS("web", "local")+`.innerText.includes("corrupt")`)
	screenshot(t, ctx, shots, "2-corrupt.png")
	if n := w.status(t).location("web", "local").Corrupt; n == 0 {
		t.Errorf("/status counts no corrupt copy of web at local after verify found a damaged chunk")
	}

	// The copy tier is back: the reload's apply repairs the chunk from its
	// copy and verifies the repaired copies: green.
	writeFileByRename(t, filepath.Join(dir, "main.hcl"), fmt.Sprintf(staleConfig, gate))
	waitPage(t, ctx, 60*time.Second, "the repaired copy green again", cellJS("web", "local")+`?.dataset.state === "ok" && `+
		`!`+cellJS("web", "local")+`.innerText.includes("corrupt") && `+cellJS("web", "copy")+`?.dataset.state === "ok"`)
	screenshot(t, ctx, shots, "3-repaired.png")
	if l := w.status(t).location("web", "local"); l.Corrupt != 0 || l.Snapshots != 2 {
		t.Errorf("/status after the repair: %+v, want 2 snapshots, none corrupt", l)
	}
	if b, err := os.ReadFile(chunk); err != nil || string(b) == "bit rot" {
		t.Errorf("the damaged chunk %s was not repaired (%v)", chunk, err)
	}

	// The application's page: each tier's snapshots on a time axis with
	// the rule that keeps each, and the history as a chart.
	browserRun(t, ctx, "open the application", chromedp.Click(chromedp.CSS(`tr[data-app="web"] th a`)))
	waitPage(t, ctx, 10*time.Second, "the retention of both tiers and the history chart",
		`document.querySelectorAll('.tier-retention svg circle.mark').length >= 4 && `+
			`document.querySelector('.tier-retention td.kept-by')?.innerText === "last 5" && `+
			`document.querySelectorAll('figure.chart svg polyline').length === 3`)
	screenshot(t, ctx, shots, "4-application.png")

	// On a phone the page fits the screen's width: wide tables scroll in
	// their own box, the SVG scales down.
	browserRun(t, ctx, "a phone's viewport", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload())
	waitPage(t, ctx, 10*time.Second, "the application page at a phone's width, nothing wider",
		`document.querySelectorAll('figure.chart svg polyline').length === 3 && `+
			`document.documentElement.scrollWidth <= window.innerWidth && `+
			`document.querySelector('figure.chart svg').getBoundingClientRect().width <= window.innerWidth`)
	screenshot(t, ctx, shots, "5-application-phone.png")
}

// withoutCopyTier is config without its tier "copy" block.
func withoutCopyTier(t *testing.T, config string) string {
	t.Helper()
	start := strings.Index(config, `tier "copy" {`)
	end := strings.Index(config, `application "web"`)
	if start < 0 || end < start {
		t.Fatal("no tier copy before application web in the configuration")
	}
	return config[:start] + config[end:]
}

// newestChunk is the chunk file the first line of the newest snapshot of
// app at the destination root names.
func newestChunk(t *testing.T, root, app string) string {
	t.Helper()
	lists, err := filepath.Glob(filepath.Join(root, app, "*", "*", "*", "*", "chunks.txt"))
	if err != nil || len(lists) == 0 {
		t.Fatalf("no chunks.txt of %s under %s (%v)", app, root, err)
	}
	b, err := os.ReadFile(lists[len(lists)-1])
	if err != nil || len(b) < 64 {
		t.Fatalf("reading %s: %v", lists[len(lists)-1], err)
	}
	return filepath.Join(root, ".strata", "chunks", string(b[:2]), string(b[:64])+".zst")
}

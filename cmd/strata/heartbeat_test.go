package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stratabackup/strata/notify/notifytest"
)

const heartbeatHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 3
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
  hook "gate" {
    command = ["sh", "-c", "test -z \"$STRATA_TEST_FAIL\""]
  }
}
notify "run" {
  ping = %q
}
notify "app" {
  ping        = %q
  application = application.app
}
notify "broken" {
  ping = %q
}
`

// strata apply pings URL/start and URL (or URL/fail) for the whole run and
// for each application it works on; a ping the receiver refuses is a
// warning naming its block, never a failed apply.
func TestApplyHeartbeats(t *testing.T) {
	run, app := notifytest.NewPingServer(t, 0), notifytest.NewPingServer(t, 0)
	broken := notifytest.NewPingServer(t, 503)
	r := newRig(t, fmt.Sprintf(heartbeatHCL, run.URL+"/run", app.URL+"/app", broken.URL+"/b"), 1000)

	res := r.must(0, "apply", "--auto-approve", "--now", day(1))
	if !strings.Contains(res.stderr, `strata: warning: a notification was not delivered: notify "broken": ping: GET `) ||
		!strings.Contains(res.stderr, "503") {
		t.Errorf("no warning for the refused ping:\n%s", res)
	}
	wantHits(t, "run", run, "GET /run/start", "GET /run")
	wantHits(t, "app", app, "GET /app/start", "GET /app")

	// Nothing to do: the run still beats; the application did nothing.
	r.must(0, "apply", "--auto-approve", "--now", day(1))
	wantHits(t, "run", run, "GET /run/start", "GET /run", "GET /run/start", "GET /run")
	wantHits(t, "app", app, "GET /app/start", "GET /app")

	// A failed snapshot: both fail; under --json the warning is a diagnostic.
	res = r.run([]string{"STRATA_TEST_FAIL=1"}, "--json", "apply", "--auto-approve", "--now", day(2))
	if res.code != 1 {
		t.Fatalf("apply with a failing hook: want exit 1, got %s", res)
	}
	warned := false
	for _, d := range diagnostics(jsonValues(t, res.stdout), "warning") {
		summary, _ := d["summary"].(string)
		warned = warned || strings.Contains(summary, `notify "broken": ping: GET `)
	}
	if !warned {
		t.Errorf("no JSON warning for the refused ping:\n%s", res)
	}
	wantHits(t, "run", run, "GET /run/start", "GET /run", "GET /run/start", "GET /run", "GET /run/start", "GET /run/fail")
	wantHits(t, "app", app, "GET /app/start", "GET /app", "GET /app/start", "GET /app/fail")
}

func wantHits(t *testing.T, name string, srv *notifytest.PingServer, want ...string) {
	t.Helper()
	if got := srv.Hits(); !slices.Equal(got, want) {
		t.Errorf("%s pings = %q, want %q", name, got, want)
	}
}

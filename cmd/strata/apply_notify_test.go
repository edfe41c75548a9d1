package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stratabackup/strata/notify"
)

// fleetNotifyHCL has web on node a (its gate fails under STRATA_TEST_FAIL)
// and db on node b, both daily into one destination, and a notify block
// that appends the stale events it gets to the file %q.
const fleetNotifyHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 3
  }
}
application "web" {
  node     = "a"
  schedule = "@daily"
  source {
    paths = ["data"]
  }
  hook "gate" {
    command = ["sh", "-c", "test -z \"$STRATA_TEST_FAIL\""]
  }
}
application "db" {
  node     = "b"
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
notify "stale" {
  on      = ["stale"]
  command = ["sh", "-c", "cat >> \"$0\"", %q]
}
`

// In a fleet, `strata apply --node NAME` notifies the staleness of what
// that node writes only, as `strata watch --node NAME` does: node b's apply
// says nothing of web, node a's; node a's apply, whose snapshot of web
// failed, does.
func TestApplyNotifiesStaleOfItsNode(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	r := newRig(t, fmt.Sprintf(fleetNotifyHCL, events), 1000)
	r.must(0, "apply", "--auto-approve", "--node", "a", "--now", day(1))
	r.must(0, "apply", "--auto-approve", "--node", "b", "--now", day(1))
	if got := staleEvents(t, events); len(got) != 0 {
		t.Fatalf("stale events on the first day: %q", got)
	}

	// Two days on, web is a's and stale; b snapshots db and keeps quiet.
	r.must(0, "apply", "--auto-approve", "--node", "b", "--now", day(3))
	if got := staleEvents(t, events); len(got) != 0 {
		t.Fatalf("node b's apply notified %q: web is node a's", got)
	}
	if res := r.run([]string{"STRATA_TEST_FAIL=1"}, "apply", "--auto-approve", "--node", "a", "--now", day(3)); res.code != 1 {
		t.Fatalf("node a's apply with a failing gate: want exit 1, got %s", res)
	}
	if got, want := staleEvents(t, events), []string{"web/local"}; !slices.Equal(got, want) {
		t.Fatalf("stale events after node a's failed apply = %q, want %q", got, want)
	}
}

// staleEvents reads the stale events the notify command appended to file,
// as "app/tier".
func staleEvents(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var out []string
	for dec.More() {
		var ev notify.Event
		if err := dec.Decode(&ev); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if ev.Event == "stale" {
			out = append(out, ev.App+"/"+ev.Tier)
		}
	}
	return out
}

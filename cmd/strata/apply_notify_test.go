package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// brokenNotifyHCL has one destination whose root lies under a regular file
// (it lists as empty, but no lease can be written there) and a notify block
// that appends its failure events to the file %q.
const brokenNotifyHCL = `
destination "primary" {
  remote = "${path.config}/data/big.bin/store"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 3
  }
}
application "web" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
notify "failure" {
  on      = ["failure"]
  command = ["sh", "-c", "cat >> \"$0\"", %q]
}
`

// An apply that fails before any action runs — here it cannot write its
// lease — still fires the failure event: nothing ran, and the backups are
// not where they should be.
func TestApplyNotifiesAFailureBeforeAnyAction(t *testing.T) {
	events := filepath.Join(t.TempDir(), "events.jsonl")
	r := newRig(t, fmt.Sprintf(brokenNotifyHCL, events), 1000)
	res := r.run(nil, "apply", "--auto-approve", "--now", day(1))
	if res.code != 1 || !strings.Contains(res.stdout+res.stderr, "primary") {
		t.Fatalf("apply with an unwritable destination: want exit 1 naming it, got %s", res)
	}
	b, err := os.ReadFile(events)
	if err != nil {
		t.Fatalf("no failure event: %v (apply said %s)", err, res)
	}
	var ev notify.Event
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&ev); err != nil || ev.Event != "failure" {
		t.Fatalf("events = %q (%v), want a failure", b, err)
	}
}

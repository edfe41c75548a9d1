package notify

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"
)

// Event is what a notification says; its JSON form is the webhook body and
// the command's standard input.
type Event struct {
	// Event is one of spec.NotifyEvents.
	Event string    `json:"event"`
	Time  time.Time `json:"time"`
	Host  string    `json:"host"`
	// Config is the configuration directory; Commit its git commit, if any.
	Config string `json:"config,omitempty"`
	Commit string `json:"commit,omitempty"`
	// Summary is one line a person reads.
	Summary string `json:"summary"`
	// App and Tier are set for stale events and their recovery; App for
	// the heartbeats of one application.
	App  string `json:"app,omitempty"`
	Tier string `json:"tier,omitempty"`
	// Newest is the newest snapshot at App/Tier (stale events).
	Newest *time.Time `json:"newest,omitempty"`
	// Failures lists what failed (failure events).
	Failures []Failure `json:"failures,omitempty"`
	// Diagnostics are the configuration errors (config_invalid events).
	Diagnostics []string `json:"diagnostics,omitempty"`
	// Heartbeat marks the events fired on every run (start, success, and
	// the failure of that run), not on a change of state.
	Heartbeat bool `json:"heartbeat,omitempty"`
}

// Failure is one failed action or listing.
type Failure struct {
	Action string `json:"action"`
	Error  string `json:"error"`
	// Stalled marks a failure only a person can fix (a refused mass purge,
	// a missing secret, an unknown host key): watch waits for a change
	// of configuration instead of retrying it.
	Stalled bool `json:"stalled,omitempty"`
}

// Base is an event with the fields every event of one run shares.
func Base(now time.Time, configDir, commit string) Event {
	host, _ := os.Hostname()
	return Event{Time: now.UTC(), Host: host, Config: configDir, Commit: commit}
}

// JSON is the event's JSON form, one object and a newline.
func (e Event) JSON() []byte {
	b, _ := json.MarshalIndent(e, "", "  ")
	return append(b, '\n')
}

// Text is the event for a person: the summary, then the details.
func (e Event) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\nevent:  %s\nhost:   %s\ntime:   %s\n", e.Summary, e.Event, e.Host, e.Time.Format(time.RFC3339))
	if e.Config != "" {
		fmt.Fprintf(&b, "config: %s\n", e.Config)
	}
	if e.Commit != "" {
		fmt.Fprintf(&b, "commit: %s\n", e.Commit)
	}
	for _, f := range e.Failures {
		fmt.Fprintf(&b, "\nfailed: %s\n  %s\n", f.Action, f.Error)
	}
	for _, d := range e.Diagnostics {
		fmt.Fprintf(&b, "\n%s\n", d)
	}
	return b.String()
}

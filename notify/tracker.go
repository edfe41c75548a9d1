package notify

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/stratabackup/strata/spec"
)

// Tracker remembers the state the last run left, so that a notification
// fires when the state changes and not on every repeat. The zero Tracker
// starts from "healthy"; it is not safe for concurrent use.
type Tracker struct {
	failing bool
	invalid bool
	stale   map[string]bool
}

// Stale is one application whose newest snapshot at a tier is older than
// its schedule allows.
type Stale struct {
	App, Tier string
	// Newest is the time of its newest complete snapshot there.
	Newest time.Time
	// Due is when a newer one should have been there.
	Due time.Time
}

func (s Stale) key() string { return s.App + "/" + s.Tier }

// Outcome is what one run (a reconcile or an apply) found.
type Outcome struct {
	Failures []Failure
	Stale    []Stale
}

// Run returns the events that the outcome of a run fires.
func (t *Tracker) Run(o Outcome, base Event) []Event {
	var evs []Event
	switch failing := len(o.Failures) > 0; {
	case failing && !t.failing:
		ev := with(base, spec.EventFailure, failureSummary(o.Failures))
		ev.Failures = o.Failures
		evs = append(evs, ev)
	case !failing && t.failing:
		evs = append(evs, with(base, spec.EventRecovered, "backups recovered: every action succeeded"))
	}
	t.failing = len(o.Failures) > 0
	return append(evs, t.staleEvents(o.Stale, base)...)
}

func (t *Tracker) staleEvents(stale []Stale, base Event) []Event {
	var evs []Event
	now := map[string]bool{}
	for _, s := range stale {
		now[s.key()] = true
		if t.stale[s.key()] {
			continue
		}
		newest := "none yet"
		if !s.Newest.IsZero() {
			newest = s.Newest.UTC().Format(time.RFC3339)
		}
		ev := with(base, spec.EventStale, fmt.Sprintf("%s at tier %s is stale: newest snapshot %s, a newer one was due at %s",
			s.App, s.Tier, newest, s.Due.UTC().Format(time.RFC3339)))
		ev.App, ev.Tier, ev.Newest = s.App, s.Tier, &s.Newest
		evs = append(evs, ev)
	}
	for _, k := range sortedKeys(t.stale) {
		if !now[k] {
			app, tier, _ := strings.Cut(k, "/")
			ev := with(base, spec.EventRecovered, fmt.Sprintf("%s at tier %s is up to date again", app, tier))
			ev.App, ev.Tier = app, tier
			evs = append(evs, ev)
		}
	}
	t.stale = now
	return evs
}

// Config returns the events that loading the configuration fires; diags are
// the error diagnostics as text when it is invalid.
func (t *Tracker) Config(valid bool, diags []string, base Event) []Event {
	defer func() { t.invalid = !valid }()
	switch {
	case !valid && !t.invalid:
		ev := with(base, spec.EventConfigInvalid, fmt.Sprintf("the configuration is invalid (%d error(s)); the last valid one keeps running", len(diags)))
		ev.Diagnostics = diags
		return []Event{ev}
	case valid && t.invalid:
		return []Event{with(base, spec.EventRecovered, "the configuration is valid again")}
	}
	return nil
}

func with(base Event, event, summary string) Event {
	base.Event, base.Summary = event, summary
	return base
}

func failureSummary(fs []Failure) string {
	if len(fs) == 1 {
		return fmt.Sprintf("backup failure: %s: %s", fs[0].Action, fs[0].Error)
	}
	return fmt.Sprintf("backup failure: %d actions failed, first %s: %s", len(fs), fs[0].Action, fs[0].Error)
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

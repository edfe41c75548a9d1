package planner

import (
	"testing"

	"github.com/stratabackup/strata/spec"
)

// TestSnapshotInputOnUnreadable: the plan carries on_unreadable = "fail"
// to the executor, which never reads the configuration.
func TestSnapshotInputOnUnreadable(t *testing.T) {
	for cfg, want := range map[string]string{"fail": "fail", "warn": "", "": ""} {
		app := &spec.Application{Name: "a", Source: spec.Source{Paths: []string{"/srv"}, OnUnreadable: cfg}}
		if got := snapshotInput(app, nil).OnUnreadable; got != want {
			t.Errorf("on_unreadable %q: input says %q, want %q", cfg, got, want)
		}
	}
}

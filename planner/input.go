package planner

import (
	"maps"
	"slices"

	"github.com/stratabackup/strata/spec"
)

// snapshotInput resolves what a snapshot of app at dest archives and records.
func snapshotInput(app *spec.Application, dest *spec.Destination) *SnapshotInput {
	in := &SnapshotInput{
		Paths:   orNil(app.Source.Paths),
		Exclude: orNil(app.Source.Exclude),
		// Only "fail" is recorded: plans of configurations that say nothing stay as they were.
		OnUnreadable: failOnly(app.Source.OnUnreadable),
		Labels:       appLabels(app),
		Encryption:   "none",
	}
	for _, h := range app.Hooks {
		in.Hooks = append(in.Hooks, Hook{Name: h.Name, Command: orNil(h.Command), Timeout: h.Timeout})
	}
	if dest != nil && dest.Encrypt != nil {
		in.Encryption = "rclone-crypt"
	}
	return in
}

// appLabels are the labels a manifest records: the application's own and its
// server, vm and relpath.
func appLabels(app *spec.Application) map[string]string {
	l := maps.Clone(app.Labels)
	for k, v := range map[string]string{"server": app.Server, "vm": app.VM, "relpath": app.Relpath} {
		if v != "" {
			if l == nil {
				l = map[string]string{}
			}
			l[k] = v
		}
	}
	if len(l) == 0 {
		return nil // as it reads back from a saved plan
	}
	return l
}

// orNil copies ss, nil when empty (as it reads back from a saved plan).
func orNil(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	return slices.Clone(ss)
}

// failOnly keeps "fail" and drops the default.
func failOnly(s string) string {
	if s == "fail" {
		return s
	}
	return ""
}

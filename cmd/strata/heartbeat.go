package main

import (
	"context"
	"fmt"

	"github.com/stratabackup/strata/notify"
	"github.com/stratabackup/strata/spec"
)

// notifier delivers the notifications of one `strata apply` and keeps
// what could not be delivered as warnings: a notification that fails is
// said, never a failed backup.
type notifier struct {
	blocks   []*spec.Notify
	base     func() notify.Event
	warnings []string
}

// send delivers evs, keeping a warning per failed delivery.
func (n *notifier) send(ctx context.Context, evs []notify.Event) {
	if n == nil || len(n.blocks) == 0 || len(evs) == 0 {
		return
	}
	err := notify.SendAll(ctx, n.blocks, evs)
	if err == nil {
		return
	}
	for _, e := range flatten(err) {
		n.warnings = append(n.warnings, fmt.Sprintf("a notification was not delivered: %v", e))
	}
}

// flatten unpacks errors joined (at any depth) into their leaves.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

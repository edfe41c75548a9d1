package providers

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/rclone/rclone/fs/accounting"
	"github.com/rclone/rclone/fs/rc"
)

// listErrorSink collects the errors rclone counts instead of returning
// while it lists: the local backend reports a directory it may not open,
// or an entry it cannot stat, only to the stats of the context and lists
// the directory as empty. Each listing gets a stats group of its own, so
// what it finds is its own and nobody else's.
type listErrorSink struct {
	ctx   context.Context
	group string
}

// listErrors gives ctx a fresh stats group; call done when the listing is over.
func listErrors(ctx context.Context) (context.Context, *listErrorSink) {
	var b [8]byte
	_, _ = rand.Read(b[:])
	group := "strata-list-" + hex.EncodeToString(b[:])
	ctx = accounting.WithStatsGroup(ctx, group)
	return ctx, &listErrorSink{ctx: ctx, group: group}
}

// last is the last error counted (rclone keeps only that one), nil when none.
func (l *listErrorSink) last() error {
	st := accounting.StatsGroup(l.ctx, l.group)
	if !st.Errored() {
		return nil
	}
	return st.GetLastError()
}

// done forgets the stats group.
func (l *listErrorSink) done() {
	if call := rc.Calls.Get("core/stats-delete"); call != nil {
		_, _ = call.Fn(context.Background(), rc.Params{"group": l.group})
	}
}

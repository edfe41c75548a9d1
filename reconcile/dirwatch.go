package reconcile

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchDir watches dir for changes to its *.hcl files — written in place,
// created, removed, or replaced by a rename as many editors and git do — and
// sends on the returned channel once debounce has passed after the last
// change of a burst. The channel holds one pending change: changes that
// arrive while the receiver is busy queue exactly one more. It stops when
// ctx is done.
func WatchDir(ctx context.Context, dir string, debounce time.Duration) (<-chan struct{}, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("cannot watch %s for changes: %w", dir, err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("cannot watch %s for changes: %w", dir, err)
	}
	out := make(chan struct{}, 1)
	go debounceEvents(ctx, w, debounce, out)
	return out, nil
}

func debounceEvents(ctx context.Context, w *fsnotify.Watcher, debounce time.Duration, out chan<- struct{}) {
	defer w.Close()
	timer := time.NewTimer(debounce)
	timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if isConfigFile(ev.Name) && ev.Op != fsnotify.Chmod {
				timer.Reset(debounce)
			}
		case _, ok := <-w.Errors:
			if !ok {
				return
			}
			timer.Reset(debounce) // events were lost (overflow): reload to be sure
		case <-timer.C:
			select {
			case out <- struct{}{}:
			default: // one change is already queued
			}
		}
	}
}

// isConfigFile reports whether name is a file spec.Load reads: *.hcl, not
// hidden (editors' temporaries are).
func isConfigFile(name string) bool {
	base := filepath.Base(name)
	return strings.HasSuffix(base, ".hcl") && !strings.HasPrefix(base, ".")
}

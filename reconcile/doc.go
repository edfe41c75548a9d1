// Package reconcile holds the parts of `strata watch` that do not depend on
// the CLI: watching the configuration directory for edits (fsnotify, with
// debouncing, editors that write by rename included), pulling a git work
// tree, and reading the clock out of an inventory — when the next schedule
// tick or verification falls due, and which applications are stale.
//
// It never plans or applies anything itself and never polls: callers sleep
// on the channels and times it returns.
package reconcile

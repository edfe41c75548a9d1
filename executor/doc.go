// Package executor runs a planner.Plan against real storage: it walks the
// plan's dependency graph with bounded parallelism, streams new snapshots to
// their origin, transfers and verifies copies with digest checks, purges and
// cleans up, holds leases on every destination it writes, and reports each
// action's outcome. It never decides what to do: that is the planner's job.
package executor

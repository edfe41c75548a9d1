// Package executor runs a planner.Plan against opened stores: it walks the
// plan's dependency graph with bounded parallelism, streams new snapshots to
// their origin, transfers and verifies copies with digest checks, purges and
// cleans up, holds leases on every destination it writes, and reports each
// action's outcome and progress as events.
//
// It takes two things: the Plan, whose every action carries what it needs
// resolved (a snapshot's source paths, excludes, hooks and labels, both
// directories of a transfer or repair, the destination by name), and the
// Stores opened for the destinations the plan names (internal/stores opens
// them from the configuration). It never reads the configuration (it does
// not import spec; a test holds that), never decides what to do — which
// copy to read, what is due, what to keep is the planner's — and never
// prints: the caller renders the events and the Report.
package executor

package executor

// Fault points are step boundaries where the crash tests make the process
// die. They exist only in a binary built with `-tags strata_faults` (what
// `make test` and the integrity tests of cmd/strata build); in a release
// build fault is an empty function and FaultEnv is never read (restic
// compiles its debug hooks out the same way). A new point is a constant
// below, an entry in FaultSteps and a call fault(FaultX) where it happens.

// FaultEnv names the environment variable of the fault-injection hook:
// STRATA_FAULT=<step>[:N] makes a strata_faults build die (exit code
// FaultExitCode, no deferred cleanup, like a kill -9) the Nth time (default:
// the first) it reaches the named step boundary.
const FaultEnv = "STRATA_FAULT"

// FaultExitCode is the exit code of a process killed by an injected fault.
const FaultExitCode = 97

// FaultTag is the build tag that compiles the fault points in.
const FaultTag = "strata_faults"

// The step boundaries a fault can be injected at.
const (
	FaultAfterChunk         = "after-chunk"          // a chunk is stored (snapshot, transfer or repair)
	FaultBeforeManifest     = "before-manifest"      // the chunks, chunks.txt and data.tar.sha256 are written, not the manifest
	FaultAfterManifest      = "after-manifest"       // the manifest is written, nothing after it
	FaultBeforePurge        = "before-purge"         // a purge is about to delete a copy
	FaultBeforeVerifyRecord = "before-verify-record" // a copy is checked, its mark not yet written
	FaultAfterLease         = "after-lease"          // the leases are taken, no action has started
	FaultDuringMove         = "during-move"          // a move re-homed one snapshot directory (or one object of it), not the rest
	FaultBeforeGCDelete     = "before-gc-delete"     // gc is about to delete one unreferenced chunk
	FaultDuringStandby      = "during-standby"       // a standby refresh restored and verified the new tree beside the old one, not yet swapped
)

// FaultSteps lists every step boundary, for tests and documentation.
var FaultSteps = []string{FaultAfterChunk, FaultBeforeManifest, FaultAfterManifest,
	FaultBeforePurge, FaultBeforeVerifyRecord, FaultAfterLease, FaultDuringMove, FaultBeforeGCDelete, FaultDuringStandby}

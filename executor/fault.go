package executor

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
)

// FaultEnv names the environment variable of the fault-injection hook used by
// the crash tests: STRATA_FAULT=<step>[:N] makes the process die (exit code
// FaultExitCode, no deferred cleanup, like a kill -9) the Nth time (default:
// the first) it reaches the named step boundary. Unset, it costs one string
// comparison per boundary.
const FaultEnv = "STRATA_FAULT"

// FaultExitCode is the exit code of a process killed by an injected fault.
const FaultExitCode = 97

// The step boundaries a fault can be injected at.
const (
	FaultAfterPiece         = "after-piece"          // a data piece is written (snapshot or transfer)
	FaultBeforeManifest     = "before-manifest"      // the pieces and sidecar are written, not the manifest
	FaultAfterManifest      = "after-manifest"       // the manifest is written, nothing after it
	FaultBeforePurge        = "before-purge"         // a purge is about to delete a copy
	FaultBeforeVerifyRecord = "before-verify-record" // a copy is checked, its mark not yet written
	FaultAfterLease         = "after-lease"          // the leases are taken, no action has started
	FaultDuringMove         = "during-move"          // a move re-homed one snapshot directory (or one object of it), not the rest
)

// FaultSteps lists every step boundary, for tests and documentation.
var FaultSteps = []string{FaultAfterPiece, FaultBeforeManifest, FaultAfterManifest,
	FaultBeforePurge, FaultBeforeVerifyRecord, FaultAfterLease, FaultDuringMove}

// faultPlan is the parsed FaultEnv.
type faultPlan struct {
	step  string
	nth   int
	mu    sync.Mutex
	count int
}

var injected = parseFault(os.Getenv(FaultEnv))

func parseFault(v string) *faultPlan {
	if v == "" {
		return nil
	}
	step, n, _ := strings.Cut(v, ":")
	fp := &faultPlan{step: step, nth: 1}
	if k, err := strconv.Atoi(n); err == nil && k > 0 {
		fp.nth = k
	}
	return fp
}

// fault kills the process when FaultEnv names step and this is its Nth
// occurrence.
func fault(step string) {
	if injected == nil || injected.step != step {
		return
	}
	injected.mu.Lock()
	injected.count++
	hit := injected.count == injected.nth
	injected.mu.Unlock()
	if hit {
		fmt.Fprintf(os.Stderr, "strata: fault injected at %s:%d (%s)\n", step, injected.nth, FaultEnv)
		os.Exit(FaultExitCode)
	}
}

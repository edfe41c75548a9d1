//go:build strata_faults

package executor

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// FaultsBuilt reports whether this binary has the fault points compiled in.
const FaultsBuilt = true

// faultPlan is the parsed FaultEnv.
type faultPlan struct {
	step  string
	nth   int
	mu    sync.Mutex
	count int
}

var injected = loadFault()

// loadFault reads FaultEnv once; a step that names no fault point is said
// on stderr, so that a typo in a test does not pass as "never reached".
func loadFault() *faultPlan {
	fp := parseFault(os.Getenv(FaultEnv))
	if fp != nil && !slices.Contains(FaultSteps, fp.step) {
		fmt.Fprintf(os.Stderr, "strata: %s=%s names no fault point (known: %s)\n",
			FaultEnv, fp.step, strings.Join(FaultSteps, ", "))
	}
	return fp
}

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
// occurrence. Unset, it costs one comparison per boundary.
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

//go:build !strata_faults

package executor

// FaultsBuilt reports whether this binary has the fault points compiled in.
const FaultsBuilt = false

// fault does nothing in a release build: FaultEnv is never read.
func fault(string) {}

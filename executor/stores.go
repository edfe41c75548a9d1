package executor

import (
	"sort"

	"github.com/stratabackup/strata/providers"
)

// Stores maps a destination name to its opened store.
type Stores map[string]providers.Store

// names returns the destination names of stores, sorted.
func (s Stores) names() []string {
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

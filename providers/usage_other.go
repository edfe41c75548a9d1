//go:build !linux

package providers

// freeBelow cannot tell the free space of a root not made yet here.
func freeBelow(string) (int64, bool) { return 0, false }

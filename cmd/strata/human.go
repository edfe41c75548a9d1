package main

import "github.com/dustin/go-humanize"

// humanSize formats a byte count with binary units ("1.5 MiB").
func humanSize(n int64) string {
	if n < 0 {
		return "?"
	}
	return humanize.IBytes(uint64(n))
}

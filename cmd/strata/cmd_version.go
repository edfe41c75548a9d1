package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"github.com/stratabackup/strata/snapshot"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func strataVersion() string {
	if version != "dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

func newVersionCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print strata's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if g.json {
				writeJSON(g.stdout, map[string]string{"version": strataVersion(), "go": runtime.Version(),
					"zstd": snapshot.FrameEncoder})
				return nil
			}
			fmt.Fprintf(g.stdout, "strata %s (%s %s/%s)\nchunks compressed by %s\n", strataVersion(),
				runtime.Version(), runtime.GOOS, runtime.GOARCH, snapshot.FrameEncoder)
			return nil
		},
	}
}

package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

func newInitCommand(g *globals) *cobra.Command {
	var force bool
	cmd := &cobra.Command{
		Use:   "init DESTINATION",
		Short: "Mark a destination's root as strata's (required for removable drives)",
		Long: `Init writes the marker ` + snapshot.MarkerPath + ` (the destination's name,
a random ID, when and by which strata it was made) at the root of DESTINATION,
making the root if it does not exist. strata writes to a removable destination
(removable = true) only while its root carries this marker with its own name:
without it the drive counts as detached, and the plan writes nothing there. So
attach and mount the drive first, then run init once per drive; it is the only
command that makes the root of a removable destination.

A local removable root that no file system but / is mounted at or above gets
a warning: if the drive is not mounted, the marker makes its empty mount point
pass for it (delete the marker there, mount the drive, run init again).
Running init again on the same
destination changes nothing. A root that
already carries the marker of another destination is refused (the wrong drive
is attached?) unless --force, which writes a new marker over it. Init works for
any destination; only removable ones need it.

Exit codes: 0 marked (or already marked), 1 error (nothing written).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runInit(cmd, g, args[0], force)
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "write the marker even over another destination's")
	return cmd
}

// runInit opens the destination without the removable guard and writes its
// marker.
func runInit(cmd *cobra.Command, g *globals, name string, force bool) error {
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if _, d, ok := strings.Cut(name, "/"); ok {
		name = d
	}
	d := cfg.Destination(name)
	if d == nil {
		return fmt.Errorf("no destination %q in the configuration", name)
	}
	pc, err := stores.ProviderConfig(d)
	if err != nil {
		return err
	}
	pc.Removable = false // init writes the marker the guard looks for
	s, err := providers.Open(cmd.Context(), pc)
	if err != nil {
		return err
	}
	if d.Removable && !force {
		if _, found, err := executor.ReadMarker(cmd.Context(), s); err == nil && !found {
			if err := checkMounted(name, pc.Remote); err != nil {
				g.warnf("%v", err)
			}
		}
	}
	m, created, err := executor.Init(cmd.Context(), s, strataVersion(), g.clock(), force)
	var foreign *executor.ForeignMarkerError
	if errors.As(err, &foreign) {
		return err
	}
	if err != nil {
		return fmt.Errorf("init %s: %w", name, err)
	}
	if g.json {
		writeJSON(g.stdout, map[string]any{"destination": name, "created": created, "marker": m})
		return nil
	}
	if created {
		fmt.Fprintf(g.stdout, "Marked destination %s (id %s): %s written at its root.\n", name, m.ID, snapshot.MarkerPath)
	} else {
		fmt.Fprintf(g.stdout, "Destination %s is already marked (id %s, since %s); nothing changed.\n",
			name, m.ID, m.Created.Format("2006-01-02T15:04:05Z"))
	}
	return nil
}

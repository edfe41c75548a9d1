package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
)

func newUnlockCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "unlock DESTINATION LEASE-ID",
		Short: "Remove a stale lease from a destination",
		Long: `Unlock deletes one lease (.strata/locks/<id>.json) from a destination. It
requires the lease ID, which 'strata apply' prints when it finds the
destination locked; make sure its holder is really gone first. DESTINATION is
a destination name, or TIER/DESTINATION.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			name := args[0]
			if _, d, ok := strings.Cut(name, "/"); ok {
				name = d
			}
			if cfg.Destination(name) == nil {
				return fmt.Errorf("no destination %q in the configuration", args[0])
			}
			stores, err := stores.Open(cmd.Context(), cfg, name)
			if err != nil {
				return err
			}
			listing := executor.Gather(cmd.Context(), stores)[0]
			if err := executor.Unlock(cmd.Context(), stores[name], listing, args[1]); err != nil {
				return err
			}
			fmt.Fprintf(g.stdout, "Removed lease %s from %s.\n", args[1], name)
			return nil
		},
	}
}

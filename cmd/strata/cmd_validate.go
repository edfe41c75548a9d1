package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newValidateCommand(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration; contacts no remote",
		Long: `Validate loads every *.hcl file of the configuration directory and reports
every mistake with its file, line and source. It contacts no remote and does
not need the environment variables that env() reads.

Exit codes: 0 valid, 1 invalid.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return runValidate(g) },
	}
}

func runValidate(g *globals) error {
	g.validating = true
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if g.json {
		writeJSON(g.stdout, map[string]any{"valid": true, "diagnostics": []any{}})
		return nil
	}
	fmt.Fprintf(g.stdout, "Success! The configuration is valid: %s, %s, %s.\n",
		count(len(cfg.Applications), "application", "applications"), count(len(cfg.Tiers), "tier", "tiers"),
		count(len(cfg.Destinations), "destination", "destinations"))
	return nil
}

package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/spec"
)

type fmtOptions struct {
	check bool
	diff  bool
}

func newFmtCommand(g *globals) *cobra.Command {
	var o fmtOptions
	cmd := &cobra.Command{
		Use:   "fmt [FILE...]",
		Short: "Rewrite .hcl files in the canonical format",
		Long: `Fmt rewrites the configuration's .hcl files (or the files named) in the
canonical format and prints the name of each file it changed. With -check it
changes nothing and lists the files that would change.

Exit codes: 0 formatted, 1 error (e.g. a syntax error), 3 -check found a file to format.`,
		RunE: func(_ *cobra.Command, args []string) error { return runFmt(g, o, args) },
	}
	cmd.Flags().BoolVar(&o.check, "check", false, "change nothing; exit 3 when a file is not formatted")
	cmd.Flags().BoolVar(&o.diff, "diff", false, "print the formatted content of each file that would change")
	return cmd
}

func runFmt(g *globals, o fmtOptions, files []string) error {
	if len(files) == 0 {
		var err error
		if files, err = filepath.Glob(filepath.Join(g.dir, "*.hcl")); err != nil {
			return err
		}
		sort.Strings(files)
	}
	var diags hcl.Diagnostics
	changed := 0
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		out, d := spec.Format(name, src)
		if d.HasErrors() {
			diags = append(diags, d...)
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		changed++
		fmt.Fprintln(g.stdout, name)
		if o.diff {
			fmt.Fprintf(g.stdout, "%s\n", out)
		}
		if !o.check {
			if err := os.WriteFile(name, out, 0o644); err != nil {
				return err
			}
		}
	}
	if diags.HasErrors() {
		g.printDiagnostics(nil, diags)
		return failed(exitError)
	}
	if o.check && changed > 0 {
		return failed(exitFmtCheck)
	}
	return nil
}

package main

import (
	"strings"

	"github.com/spf13/cobra"
)

func newExtractCommand(g *globals) *cobra.Command {
	var o restoreOptions
	var id string
	cmd := &cobra.Command{
		Use:   "extract APP PATH... [--id ID | --day -1] [--to DIR]",
		Short: "Extract some files of a snapshot (seed 004's extract)",
		Long: `Extract restores only the entries matching PATH (an absolute source path
such as /etc/hosts, a directory, or a glob such as /var/www/**/*.php) from the
newest snapshot, from --id ID, or from the newest of --day (0 today, -1
yesterday, YYYY/MM/DD). Entries keep their path below DIR (default: the
current directory), as with restore; an existing file is never overwritten
without --force. Digests are checked while reading, as with restore.
A PATH that matches nothing in the snapshot fails the command (exit 1),
naming it; the PATHs that matched are still extracted.` + ownerHelp,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			o.include, o.paths = extractPatterns(args[1:]), args[1:]
			o.anyTarget = true
			restoreArgs := []string{args[0]}
			if id != "" {
				restoreArgs = append(restoreArgs, id)
			}
			return runRestore(cmd.Context(), g, o, restoreArgs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&id, "id", "", "extract from snapshot `ID` (default: the newest)")
	f.StringVar(&o.day, "day", "", "extract from the newest snapshot of `DAY`: 0 today, -1 yesterday, or YYYY/MM/DD")
	f.StringVar(&o.from, "from", "", "read only from `TIER`")
	f.StringVar(&o.to, "to", ".", "extract into `DIR`")
	f.BoolVar(&o.force, "force", false, "overwrite existing files")
	addOwnerFlags(cmd, &o)
	return cmd
}

// extractPatterns turns source paths into archive entry globs: the leading
// "/" goes, and each path also matches everything below it.
func extractPatterns(paths []string) []string {
	var out []string
	for _, p := range paths {
		p = strings.TrimSuffix(strings.TrimLeft(p, "/"), "/")
		if p == "" {
			continue
		}
		out = append(out, p, p+"/**")
	}
	return out
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/log"
	"github.com/hashicorp/hcl/v2"
	"github.com/mattn/go-isatty"
	"github.com/muesli/termenv"
	"github.com/spf13/cobra"

	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/spec"
)

// globals holds the global flags and the process's streams.
type globals struct {
	stdout, stderr io.Writer
	stdin          io.Reader

	dir      string
	json     bool
	nowFlag  string
	logLevel string
	noColor  bool
	vars     []string

	now        time.Time // zero unless --now was given
	validating bool      // validate prints the diagnostics as its own document
	color      bool
	logger     *log.Logger
}

func (g *globals) addFlags(root *cobra.Command) {
	f := root.PersistentFlags()
	f.StringVarP(&g.dir, "chdir", "C", ".", "load the configuration from `DIR` (every *.hcl file in it)")
	f.BoolVar(&g.json, "json", false, "machine-readable JSON output")
	f.StringVar(&g.nowFlag, "now", "", "act as if the time were `TIME` (RFC 3339), for what-if plans and tests")
	f.StringVar(&g.logLevel, "log-level", "info", "log level: debug (with rclone's own messages, secrets redacted), info, warn, error")
	f.BoolVar(&g.noColor, "no-color", false, "disable colors in the output")
	f.StringArrayVar(&g.vars, "var", nil, "set a variable: `NAME=VALUE` (repeatable; overrides STRATA_VAR_NAME)")
}

func (g *globals) setup(cmd *cobra.Command) error {
	if g.nowFlag != "" {
		t, err := time.Parse(time.RFC3339, g.nowFlag)
		if err != nil {
			return fmt.Errorf("--now %q: want an RFC 3339 time such as 2026-11-21T02:00:00Z", g.nowFlag)
		}
		g.now = t.UTC()
	}
	level, err := log.ParseLevel(g.logLevel)
	if err != nil {
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)
	}
	g.color = !g.noColor && os.Getenv("NO_COLOR") == "" && isTerminal(g.stdout)
	g.logger = log.NewWithOptions(g.stderr, log.Options{Level: level, ReportTimestamp: isTerminal(g.stderr)})
	if !g.color {
		g.logger.SetColorProfile(termenv.Ascii)
	}
	if level == log.DebugLevel {
		providers.SetLogHandler(g.logger) // rclone's own messages, redacted
	}
	return nil
}

// isTerminal reports whether w is a terminal.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// clock returns --now, or the current time.
func (g *globals) clock() time.Time {
	if !g.now.IsZero() {
		return g.now
	}
	return time.Now().UTC()
}

// failed is an error whose message was already printed.
func failed(code int) error { return &exitCodeError{code: code} }

func (g *globals) varsMap() (map[string]string, error) {
	m := map[string]string{}
	for _, v := range g.vars {
		name, value, ok := strings.Cut(v, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("-var %q: want NAME=VALUE", v)
		}
		m[name] = value
	}
	return m, nil
}

// loadConfig loads and validates the configuration, printing diagnostics.
func (g *globals) loadConfig() (*spec.Config, error) {
	vars, err := g.varsMap()
	if err != nil {
		return nil, err
	}
	if st, err := os.Stat(g.dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("configuration directory %s does not exist; give one with -C DIR", g.dir)
	}
	// The directory as given, so diagnostics name files the way the user does.
	cfg, files, diags := spec.Load(g.dir, spec.LoadOptions{Vars: vars})
	if len(diags) > 0 {
		g.printDiagnostics(files, diags)
	}
	if diags.HasErrors() {
		return nil, failed(exitError)
	}
	return cfg, nil
}

func (g *globals) printDiagnostics(files map[string]*hcl.File, diags hcl.Diagnostics) {
	switch {
	case g.json && g.validating: // validate's own document, Terraform's shape
		writeJSON(g.stdout, map[string]any{"valid": !diags.HasErrors(), "diagnostics": jsonDiagnostics(diags)})
		return
	case g.json:
		for _, d := range jsonDiagnostics(diags) {
			g.emitDiagnostic(d)
		}
		return
	}
	w := hcl.NewDiagnosticTextWriter(g.stderr, files, 100, g.color)
	_ = w.WriteDiagnostics(diags)
}

func writeJSON(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
}

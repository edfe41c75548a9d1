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

	now    time.Time // zero unless --now was given
	color  bool
	logger *log.Logger
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

func (g *globals) errorf(format string, args ...any) {
	fmt.Fprintf(g.stderr, "strata: error: "+format+"\n", args...)
}

func (g *globals) hintf(format string, args ...any) {
	fmt.Fprintf(g.stderr, "strata: hint: "+format+"\n", args...)
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
// In JSON mode, diagnostics are printed only when quiet is false.
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
	if g.json {
		writeJSON(g.stdout, map[string]any{"valid": !diags.HasErrors(), "diagnostics": jsonDiagnostics(diags)})
		return
	}
	w := hcl.NewDiagnosticTextWriter(g.stderr, files, 100, g.color)
	_ = w.WriteDiagnostics(diags)
}

// jsonDiagnostic is the JSON form of one diagnostic (Terraform's shape).
type jsonDiagnostic struct {
	Severity string     `json:"severity"`
	Summary  string     `json:"summary"`
	Detail   string     `json:"detail,omitempty"`
	Range    *jsonRange `json:"range,omitempty"`
}

type jsonRange struct {
	Filename string  `json:"filename"`
	Start    jsonPos `json:"start"`
	End      jsonPos `json:"end"`
}

type jsonPos struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

func jsonDiagnostics(diags hcl.Diagnostics) []jsonDiagnostic {
	out := []jsonDiagnostic{}
	for _, d := range diags {
		jd := jsonDiagnostic{Severity: "error", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagWarning {
			jd.Severity = "warning"
		}
		if r := d.Subject; r != nil {
			jd.Range = &jsonRange{Filename: r.Filename,
				Start: jsonPos{r.Start.Line, r.Start.Column, r.Start.Byte},
				End:   jsonPos{r.End.Line, r.End.Column, r.End.Byte}}
		}
		out = append(out, jd)
	}
	return out
}

func writeJSON(w io.Writer, v any) {
	b, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintf(w, "%s\n", b)
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const jsonHCL = `
destination "primary" {
  remote   = "${path.config}/store/primary"
  min_free = "%s"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["${path.config}/data"]
  }
}
`

// jsonValues decodes stdout as a stream of JSON values, failing the test on
// anything that is not a JSON object.
func jsonValues(t *testing.T, stdout string) []map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var out []map[string]any
	for {
		var v map[string]any
		err := dec.Decode(&v)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("stdout is not a stream of JSON objects: %v\n%s", err, stdout)
		}
		out = append(out, v)
	}
}

// diagnostics returns the diagnostics of a stream with the given severity.
func diagnostics(vs []map[string]any, severity string) []map[string]any {
	var out []map[string]any
	for _, v := range vs {
		if v["type"] == "diagnostic" && v["severity"] == severity {
			out = append(out, v)
		}
	}
	return out
}

// TestJSONErrorsAreJSON: under --json, every failure — a flag, an invalid
// configuration, a refused plan, a lease held by another apply — is a JSON
// diagnostic on stdout with the usual exit code, and nothing is on stderr.
func TestJSONErrorsAreJSON(t *testing.T) {
	c := &chain{dir: t.TempDir(), env: append(os.Environ(), "NO_COLOR=1")}
	writeTestFile(t, filepath.Join(c.dir, "data", "f"), []byte("some data"))
	hcl := filepath.Join(c.dir, "main.hcl")
	writeTestFile(t, hcl, []byte(fmt.Sprintf(jsonHCL, "1KiB")))
	writeLiveLease(t, filepath.Join(c.dir, "store", "primary"))
	cases := []struct {
		name string
		args []string
		code int
		want string // in the summary of an error
	}{
		{"unknown flag", []string{"plan", "--json", "--bogus"}, 1, "unknown flag"},
		{"flag before --json", []string{"plan", "--now", "yesterday", "--json"}, 1, "--now"},
		{"unknown command", []string{"--json", "plna"}, 1, "unknown command"},
		{"no auto-approve", []string{"apply", "--json"}, 1, "--auto-approve"},
		{"locked", []string{"apply", "--json", "--auto-approve"}, exitLocked, "locked by another apply"},
		{"no such app", []string{"ls", "nope", "--json"}, 1, "no application"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.strata(t, time.Minute, nil, tc.args...)
			checkJSONError(t, r, tc.code, tc.want)
		})
	}
	t.Run("refused plan", func(t *testing.T) {
		writeTestFile(t, hcl, []byte(fmt.Sprintf(jsonHCL, "1000000TiB")))
		r := c.strata(t, time.Minute, nil, "plan", "--json")
		checkJSONError(t, r, 1, "not enough free space")
	})
	t.Run("invalid configuration", func(t *testing.T) {
		writeTestFile(t, hcl, []byte("tier \"x\" {\n  destinations = [destination.nope]\n}\n"))
		r := c.strata(t, time.Minute, nil, "plan", "--json")
		errs := checkJSONError(t, r, 1, "")
		rng, _ := errs[0]["range"].(map[string]any)
		if rng == nil || rng["filename"] == nil {
			t.Fatalf("a configuration error has no range: %v", errs[0])
		}
	})
}

// checkJSONError checks one failed run under --json and returns its errors.
func checkJSONError(t *testing.T, r cliResult, code int, want string) []map[string]any {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	if strings.TrimSpace(r.stderr) != "" {
		t.Fatalf("stderr under --json: %s", r.stderr)
	}
	errs := diagnostics(jsonValues(t, r.stdout), "error")
	if len(errs) == 0 {
		t.Fatalf("no error diagnostic on stdout:\n%s", r.stdout)
	}
	for _, e := range errs {
		if s, _ := e["summary"].(string); strings.Contains(s, want) {
			return errs
		}
	}
	t.Fatalf("no error diagnostic says %q:\n%s", want, r.stdout)
	return nil
}

// writeLiveLease writes a lease held by this (live) test process at the
// destination root dir.
func writeLiveLease(t *testing.T, dir string) {
	t.Helper()
	host, _ := os.Hostname()
	now := time.Now().UTC()
	b, _ := json.Marshal(map[string]any{"id": "0000000000000001", "host": host, "pid": os.Getpid(),
		"created": now.Add(-time.Hour), "expires": now.Add(time.Hour)})
	writeTestFile(t, filepath.Join(dir, ".strata", "locks", "0000000000000001.json"), b)
}

package spec

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

var errorCommentRe = regexp.MustCompile(`# ERROR: ([^#]*)`)

// TestInvalid loads each testdata/invalid/*.hcl alone and compares the
// errors with the `# ERROR: <summary>` comments, by line.
func TestInvalid(t *testing.T) {
	names, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil || len(names) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, name := range names {
		t.Run(filepath.Base(name), func(t *testing.T) {
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			_, diags := loadSrc(t, string(src), LoadOptions{})
			want, got := expectedErrors(string(src)), diagLines(diags)
			if !slices.Equal(want, got) {
				t.Errorf("errors differ\nwant:\n  %s\ngot:\n  %s\ndiagnostics:\n%s",
					strings.Join(want, "\n  "), strings.Join(got, "\n  "), diags)
			}
		})
	}
}

// expectedErrors lists "line: summary" for each `# ERROR:` comment.
func expectedErrors(src string) []string {
	var out []string
	for i, line := range strings.Split(src, "\n") {
		for _, m := range errorCommentRe.FindAllStringSubmatch(line, -1) {
			out = append(out, fmt.Sprintf("%d: %s", i+1, strings.TrimSpace(m[1])))
		}
	}
	slices.Sort(out)
	return out
}

// diagLines lists "line: summary" for each error (line 0 without subject).
func diagLines(diags hcl.Diagnostics) []string {
	var out []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		out = append(out, fmt.Sprintf("%d: %s", line, d.Summary))
	}
	slices.Sort(out)
	return out
}

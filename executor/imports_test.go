package executor

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestExecutorNeverReadsTheConfiguration holds DESIGN §5: the plan is the
// only contract between deciding and doing, so no file of the executor may
// import the configuration package.
func TestExecutorNeverReadsTheConfiguration(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "github.com/stratabackup/strata/spec" {
				t.Errorf("%s imports %s: the executor must take everything from the plan", f, p)
			}
		}
	}
}

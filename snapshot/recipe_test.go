package snapshot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeRecipes runs the README's recipes for reading a snapshot
// without strata, as written, on an unsplit and a split archive (next to
// their .sha256 sidecar, as stored), with pipefail: every command of the
// pipe must succeed.
func TestReadmeRecipes(t *testing.T) {
	for _, tool := range []string{"bash", "zstd", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing (scripts/install-test-deps.sh installs it)", tool)
			}
			t.Skipf("%s is missing", tool)
		}
	}
	b, err := os.ReadFile("../README.md")
	mustDo(t, err)
	recipes := regexp.MustCompile("`([^`]*data\\.tar\\.zst[^`]*\\| tar -x)`").FindAllStringSubmatch(string(b), -1)
	if len(recipes) != 2 {
		t.Fatalf("README has %d recipes, want 2 (unsplit and split)", len(recipes))
	}
	src := t.TempDir()
	buildTree(t, src)
	for _, r := range recipes {
		recipe := r[1]
		split := strings.Contains(recipe, "[0-9]")
		t.Run(recipe, func(t *testing.T) {
			out := t.TempDir()
			opts := WriteOptions{}
			if split {
				opts.PieceSize = 1 << 20 // the 3 MiB file makes several pieces
			}
			res, err := Write(context.Background(), Source{Paths: []string{src}}, opts, dirSink(out))
			mustDo(t, err)
			if split != (len(res.Pieces) > 1) {
				t.Fatalf("%d pieces for a split=%v recipe", len(res.Pieces), split)
			}
			mustDo(t, os.WriteFile(filepath.Join(out, SidecarName), Sidecar(res.Pieces), 0o644))
			cmd := exec.Command("bash", "-o", "pipefail", "-c", recipe)
			cmd.Dir = out
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", recipe, err, b)
			}
			compareTrees(t, src, filepath.Join(out, strings.TrimPrefix(src, "/")))
		})
	}
}

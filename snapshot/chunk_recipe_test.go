package snapshot

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// chunkRecipe is format 2's restore without strata, exactly as README.md
// and DESIGN.md §2 show it; "APP/…" stands for the snapshot directory.
const chunkRecipe = `awk '{print ".strata/chunks/" substr($1,1,2) "/" $1 ".zst"}' APP/…/chunks.txt | xargs cat | zstd -dc | tee >(sha256sum -c APP/…/data.tar.sha256 >&2) | tar -x`

// TestChunkRecipe runs the recipe with the real awk, xargs, cat, zstd,
// sha256sum and tar in the destination root, and checks every chunk with
// `zstd -dc CHUNK | sha256sum`.
func TestChunkRecipe(t *testing.T) {
	for _, tool := range []string{"bash", "awk", "xargs", "cat", "zstd", "tee", "sha256sum", "tar"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s not found: run ./scripts/install-test-deps.sh", tool)
		}
	}
	src := filepath.Join(t.TempDir(), "src")
	buildTree(t, src)
	genTree(t, filepath.Join(src, "gen"))
	store := &dirChunkStore{root: t.TempDir()}
	const snapDir = "myapp/2026/11/21/020000Z"
	res := writeSnapshot(t, store, src, snapDir, ChunkOptions{})

	script := strings.ReplaceAll(chunkRecipe, "APP/…", snapDir)
	// sha256sum's "-: OK" goes to stderr (its stdout would be tee's: down
	// the pipe into tar); nothing else may be printed — no warning of tar,
	// zstd or sha256sum.
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = store.root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || len(out) > 0 || stderr.String() != "-: OK\n" {
		t.Errorf("the recipe: %v, printed %q and on stderr %q, want only \"-: OK\"", err, out, stderr.String())
	}
	compareTrees(t, src, filepath.Join(store.root, archiveName(src)))

	for _, c := range res.Chunks[:min(len(res.Chunks), 20)] {
		got := runBash(t, store.root, "zstd -dc "+ChunkPath(c.ID)+" | sha256sum")
		if want := c.ID.String() + "  -\n"; got != want {
			t.Errorf("zstd -dc %s | sha256sum printed %q", ChunkPath(c.ID), got)
		}
	}
}

// TestChunkRecipeCatchesDamage: the recipe's sha256sum -c warns (on
// stderr) when the stream differs from data.tar.sha256.
func TestChunkRecipeCatchesDamage(t *testing.T) {
	src := filepath.Join(t.TempDir(), "src")
	buildTree(t, src)
	store := &dirChunkStore{root: t.TempDir()}
	const snapDir = "myapp/2026/11/21/020000Z"
	writeSnapshot(t, store, src, snapDir, ChunkOptions{})
	sum := filepath.Join(store.root, snapDir, StreamSumName)
	mustDo(t, os.WriteFile(sum, FormatStreamSum(strings.Repeat("ab", 32)), 0o600))
	cmd := exec.Command("bash", "-c", strings.ReplaceAll(chunkRecipe, "APP/…", snapDir))
	cmd.Dir = store.root
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "did NOT match") {
		t.Errorf("sha256sum -c of a wrong digest printed %q, want its warning", out)
	}
}

// runBash runs script with bash in dir and returns its standard output. It
// returns once every process holding the output has exited, the process
// substitution's sha256sum included.
func runBash(t *testing.T, dir, script string) string {
	t.Helper()
	cmd := exec.Command("bash", "-c", script)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("bash -c %q: %v\n%s%s", script, err, out, stderr.String())
	}
	return string(out)
}

package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmdtest"
	"github.com/klauspost/compress/zstd"
)

var update = flag.Bool("update", false, "rewrite the .ct files of testscripts/ with the actual output")

// TestScripts runs the real CLI, in process, over every testscripts/*.ct file.
func TestScripts(t *testing.T) {
	ts, err := cmdtest.Read("../../testscripts")
	if err != nil {
		t.Fatal(err)
	}
	ts.Commands["strata"] = cmdtest.InProcessProgram("strata", run)
	ts.Commands["mstrata"] = masked(cmdtest.InProcessProgram("strata", run))
	ts.Commands["fixture"] = fixtureCmd
	ts.Commands["mkdata"] = mkdataCmd
	ts.Commands["tree"] = treeCmd
	ts.Commands["cmptree"] = cmptreeCmd
	ts.Commands["corrupt"] = corruptCmd
	ts.Commands["rmglob"] = rmglobCmd
	ts.Commands["touch"] = touchCmd
	ts.Setup = func(string) error {
		os.Unsetenv("NO_COLOR")
		return nil
	}
	ts.Run(t, *update)
}

// sizeRE matches the human sizes strata prints ("3.7 KiB", "325 B").
var (
	sizeRE   = regexp.MustCompile(`\b\d+(\.\d+)? [KMGTPE]?i?B\b`)
	digestRE = regexp.MustCompile(`\b[0-9a-f]{64}\b`)
	markerRE = regexp.MustCompile(`\b[0-9a-f]{32}\b`) // the random ID of a destination's marker
	chunkRE  = regexp.MustCompile(`\.strata/chunks/[0-9a-f]{2}/[0-9a-f]{64}\.zst`)
	// countRE is a count of chunks: the sources sit under a temporary
	// directory whose name is in the tar headers, so where the small-file
	// part of the stream is cut (and how many chunks a run adds or copies)
	// varies from run to run; the Go tests hold what dedup must do.
	// "1 chunk" and "2 chunks" both become "<n> chunks".
	countRE = regexp.MustCompile(`\b\d+ (chunk|new|copied|unreferenced chunk)s?\b`)
	ratioRE = regexp.MustCompile(`dedup \d+\.\d+×`)
	// padRE is a table's padding after a word: its width follows the
	// widest value of the column, whose length (a size) varies by run.
	padRE = regexp.MustCompile(`(\S) {2,}`)
	// zstdRE is why a damaged frame did not decode: which check trips
	// depends on where the flipped byte lands in a chunk whose content
	// (tar headers with temporary paths) differs from run to run.
	zstdRE = regexp.MustCompile(`(not a valid zstd frame: )[^)]*`)
	// cutoffRE is gc's grace cut-off: the wall clock less the grace period.
	cutoffRE = regexp.MustCompile(`(not older than )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)
	// jsonBytesRE is a JSON byte count of a location's own files, which
	// holds manifests whose recorded durations vary in length.
	jsonBytesRE = regexp.MustCompile(`"bytes": [1-9]\d*`)
	// jsonStoreRE is a chunk store's totals in JSON (ls --json's
	// destinations): they vary with the cut, like countRE's counts.
	jsonStoreRE = regexp.MustCompile(`"(chunks|stored_bytes|logical_bytes|dedup_ratio)": [1-9][\d.e+]*`)
	// durationRE matches the durations of progress lines ("0.1s", "2m3s").
	durationRE = regexp.MustCompile(`\b(\d+h)?(\d+m)?\d+(\.\d+)?s\b`)
)

// masked runs a command and replaces the sizes, durations, chunk paths and
// SHA-256 digests in its output with "<size>", "<duration>", "<chunk>" and
// "<sha256>":
// archives depend on file times and paths, which differ per run, and
// durations on the machine.
func masked(f cmdtest.CommandFunc) cmdtest.CommandFunc {
	return func(args []string, input string) ([]byte, error) {
		out, err := f(args, input)
		out = scrubRelRoot(sizeRE.ReplaceAll(out, []byte("<size>")))
		out = durationRE.ReplaceAll(out, []byte("<duration>"))
		out = chunkRE.ReplaceAll(out, []byte("<chunk>"))
		out = cutoffRE.ReplaceAll(out, []byte("${1}<time>"))
		out = zstdRE.ReplaceAll(out, []byte("${1}<why>"))
		out = padRE.ReplaceAll(out, []byte("$1  "))
		out = countRE.ReplaceAllFunc(out, func(m []byte) []byte {
			sub := countRE.FindSubmatch(m)
			if w := string(sub[1]); strings.HasSuffix(w, "chunk") {
				return []byte("<n> " + w + "s")
			}
			return append([]byte("<n> "), sub[1]...)
		})
		out = ratioRE.ReplaceAll(out, []byte("dedup <ratio>"))
		out = jsonBytesRE.ReplaceAll(out, []byte(`"bytes": <bytes>`))
		out = jsonStoreRE.ReplaceAll(out, []byte(`"$1": <n>`))
		out = markerRE.ReplaceAll(out, []byte("<id>"))
		return digestRE.ReplaceAll(out, []byte("<sha256>")), err
	}
}

// scrubRelRoot replaces the test's root directory without its leading "/"
// (as paths appear inside a snapshot) with "<ROOTDIR>": an output line may
// not start with "$" in a .ct file.
func scrubRelRoot(b []byte) []byte {
	root := strings.TrimPrefix(os.Getenv("ROOTDIR"), "/")
	if root == "" {
		return b
	}
	return bytes.ReplaceAll(b, []byte(root), []byte("<ROOTDIR>"))
}

// fixtureCmd copies testscripts/fixtures/NAME/* into the current directory.
func fixtureCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("usage: fixture NAME")
	}
	wd, _ := os.Getwd()
	src := filepath.Join(testscriptsDir, "fixtures", args[0])
	return nil, os.CopyFS(wd, os.DirFS(src))
}

// testscriptsDir is set once, before cmdtest changes directories.
var testscriptsDir = func() string {
	d, err := filepath.Abs("../../testscripts")
	if err != nil {
		panic(err)
	}
	return d
}()

// fixedTime is the modification time of every file mkdata writes, so that
// archives, and their sizes, are the same on every run.
var fixedTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// mkdataCmd writes a small deterministic tree into DIR.
func mkdataCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("usage: mkdata DIR")
	}
	files := map[string]string{
		"README.txt":          "strata test data\n",
		"docs/a.txt":          strings.Repeat("alpha ", 1000),
		"docs/b.txt":          "beta\n",
		"docs/log/noise.log":  "excluded\n",
		"empty/.keep":         "",
		"bin/blob.bin":        string(pseudoRandom(200 << 10)),
		"docs/nested/c d.txt": "spaces and ünïcode\n",
	}
	for name, content := range files {
		p := filepath.Join(args[0], filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	return nil, filepath.WalkDir(args[0], func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, fixedTime, fixedTime)
	})
}

// pseudoRandom returns n incompressible but deterministic bytes.
func pseudoRandom(n int) []byte {
	out := make([]byte, 0, n+32)
	seed := []byte("strata")
	for len(out) < n {
		sum := sha256.Sum256(seed)
		out = append(out, sum[:]...)
		seed = sum[:]
	}
	return out[:n]
}

// treeCmd lists the files under DIR (relative, sorted), with sizes for the
// ones whose size is deterministic: a picture of the on-storage layout.
func treeCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("usage: tree DIR")
	}
	var lines []string
	chunks := map[string]bool{} // chunk stores, by their path: one line each
	err := filepath.WalkDir(args[0], func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(args[0], p)
		rel = filepath.ToSlash(rel)
		if i := strings.Index(rel, ".strata/chunks/"); i >= 0 {
			chunks[rel[:i+len(".strata/chunks/")]] = true
			return nil
		}
		lines = append(lines, rel)
		return nil
	})
	for dir := range chunks {
		// How many varies from run to run, like countRE's counts.
		lines = append(lines, dir+"… (<n> chunks)")
	}
	sort.Strings(lines)
	if len(lines) == 0 {
		lines = []string{"(no files)"} // a .ct output cannot be one empty line
	}
	return scrubRelRoot([]byte(strings.Join(lines, "\n") + "\n")), err
}

// cmptreeCmd compares two trees byte for byte.
func cmptreeCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("usage: cmptree A B")
	}
	a, err := digestTree(args[0])
	if err != nil {
		return nil, err
	}
	b, err := digestTree(args[1])
	if err != nil {
		return nil, err
	}
	if a != b {
		return []byte(fmt.Sprintf("trees differ:\n%s\n---\n%s", a, b)), fmt.Errorf("trees differ")
	}
	return []byte("identical\n"), nil
}

func digestTree(root string) (string, error) {
	var buf bytes.Buffer
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			fmt.Fprintf(&buf, "%s/\n", rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		fmt.Fprintf(&buf, "%s %s\n", rel, hex.EncodeToString(sum[:8]))
		return nil
	})
	return buf.String(), err
}

// corruptCmd changes one byte of every file matching GLOB (of the first one
// only, in name order, with -first): see damage.
func corruptCmd(args []string, _ string) ([]byte, error) {
	first := len(args) == 2 && args[0] == "-first" // only the first match, in name order
	if first {
		args = args[1:]
	}
	if len(args) != 1 {
		return nil, fmt.Errorf("usage: corrupt [-first] GLOB")
	}
	matches, err := filepath.Glob(args[0])
	if err != nil || len(matches) == 0 {
		return nil, fmt.Errorf("corrupt: nothing matches %s", args[0])
	}
	if first {
		matches = matches[:1]
	}
	for _, m := range matches {
		b, err := os.ReadFile(m)
		if err != nil {
			return nil, err
		}
		if b, err = damage(m, b); err != nil {
			return nil, err
		}
		if err := os.WriteFile(m, b, 0o644); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// damage returns b, the content of the file name, with one byte changed.
// A chunk (a .zst file) stays a valid zstd frame of the same size whose
// content differs by that byte, so that the damage is always the one only
// the chunk's SHA-256 catches: a byte flipped in the frame itself is
// caught sometimes by the decoder and sometimes only by the SHA-256,
// depending on where it falls, and the chunks' bytes (their tar headers
// name a temporary directory) vary from run to run.
func damage(name string, b []byte) ([]byte, error) {
	if !strings.HasSuffix(name, ".zst") {
		b[len(b)/2] ^= 0xff
		return b, nil
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		return nil, err
	}
	defer dec.Close()
	data, err := dec.DecodeAll(b, nil)
	if err != nil || len(data) == 0 {
		return nil, fmt.Errorf("corrupt: %s is not a chunk's zstd frame: %v", name, err)
	}
	data[len(data)/2] ^= 0xff
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		return nil, err
	}
	defer enc.Close()
	return enc.EncodeAll(data, nil), nil
}

// rmglobCmd removes every path matching GLOB.
func rmglobCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("usage: rmglob GLOB")
	}
	matches, _ := filepath.Glob(args[0])
	for _, m := range matches {
		if err := os.RemoveAll(m); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// touchCmd sets the modification time of every file matching GLOB to TIME
// (RFC 3339): marks such as checked.json take the wall clock's time, and a
// script plans with --now.
func touchCmd(args []string, _ string) ([]byte, error) {
	if len(args) != 2 {
		return nil, fmt.Errorf("usage: touch TIME GLOB")
	}
	t, err := time.Parse(time.RFC3339, args[0])
	if err != nil {
		return nil, err
	}
	matches, _ := filepath.Glob(args[1])
	if len(matches) == 0 {
		return nil, fmt.Errorf("touch: nothing matches %s", args[1])
	}
	for _, m := range matches {
		if err := os.Chtimes(m, t, t); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

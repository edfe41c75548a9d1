package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// sharedVerifyHCL is two applications whose sources hold the same large
// file (so their snapshots share its chunks at each destination), kept at
// two tiers; the second reads back what it receives.
const sharedVerifyHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "secondary" {
  remote = "${path.config}/store/secondary"
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.secondary]
  keep {
    last = 3
  }
  verify {
    every = "7d"
  }
}
application "a" {
  schedule = "0 2 * * *"
  source {
    paths = ["data-a"]
  }
}
application "b" {
  schedule = "0 2 * * *"
  source {
    paths = ["data-b"]
  }
}
`

// sharedChunkFile is a chunk file at dest that the chunks.txt of both
// snapshot directories names.
func (r *rig) sharedChunkFile(dest, dirA, dirB string) string {
	r.t.Helper()
	root := filepath.Join(r.dir, "store", dest)
	ids := func(dir string) []string {
		b, err := os.ReadFile(filepath.Join(root, dir, "chunks.txt"))
		if err != nil {
			r.t.Fatal(err)
		}
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			out = append(out, line[:64])
		}
		return out
	}
	inB := ids(dirB)
	for _, id := range ids(dirA) {
		if slices.Contains(inB, id) {
			return filepath.Join(root, ".strata/chunks", id[:2], id+".zst")
		}
	}
	r.t.Fatal("the two snapshots share no chunk")
	return ""
}

// damageSharedChunk backs up applications a and b, which share a large
// file, on day 1, then flips a byte of a chunk file at secondary that both
// snapshots reference. It returns the snapshots' directory below each
// application and the damaged file.
func (r *rig) damageSharedChunk(t *testing.T) (snap, bad string) {
	t.Helper()
	for _, app := range []string{"a", "b"} {
		r.write("data-"+app+"/big.bin", pseudoRandom(2<<20))
		r.write("data-"+app+"/own.txt", []byte("only in "+app+"\n"))
	}
	r.must(0, "apply", "--auto-approve", "--now", day(1), "--parallelism", "1")
	snap = "2026/11/21/030000Z"
	bad = r.sharedChunkFile("secondary", "a/"+snap, "b/"+snap)
	b, err := os.ReadFile(bad)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(bad, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return snap, bad
}

// TestVerifyOneAppMarksTheOtherAppSharingABadChunk: `strata verify a` finds
// a chunk it shares with application b damaged; b's copy, which nobody
// verified, is marked damaged too and listed; the plan repairs both (b's
// reason says another copy's verification found it); one apply heals both
// and everything verifies.
func TestVerifyOneAppMarksTheOtherAppSharingABadChunk(t *testing.T) {
	r := newRig(t, sharedVerifyHCL, 1)
	snap, bad := r.damageSharedChunk(t)

	res := r.must(1, "verify", "a", "--tier", "remote")
	for _, want := range []string{
		"* a 2026-11-21T03:00:00Z at remote/secondary: ",
		"  * b/" + snap + " at secondary: references a chunk that failed; marked damaged too\n",
		"Verified 1 copy: 0 ok, 1 damaged",
		"Marked damaged too: 1 other copy that references a chunk that failed.",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("verify a: no %q in\n%s", want, res)
		}
	}
	var mark struct {
		FoundBy string `json:"found_by"`
		Chunks  []struct {
			Name    string `json:"name"`
			FoundBy string `json:"found_by"`
		} `json:"chunks"`
	}
	raw, err := os.ReadFile(filepath.Join(r.dir, "store/secondary/b", snap, "corrupt.json"))
	if err != nil || json.Unmarshal(raw, &mark) != nil {
		t.Fatalf("b's copy has no corrupt.json: %v %s", err, raw)
	}
	foundBy := "a/" + snap + " at remote/secondary"
	if mark.FoundBy != foundBy || len(mark.Chunks) != 1 || mark.Chunks[0].FoundBy != foundBy ||
		!strings.HasSuffix(bad, filepath.FromSlash(mark.Chunks[0].Name)) {
		t.Fatalf("b's corrupt.json does not name the chunk found by verifying a: %s", raw)
	}

	keys := r.planKeys(day(1), 0)
	for _, app := range []string{"a", "b"} {
		if !slices.Contains(keys, "repair:"+app+":remote/secondary:2026-11-21T03:00:00Z") {
			t.Errorf("the plan does not repair %s's copy: %q", app, keys)
		}
	}
	plan := r.must(0, "plan", "--now", day(1))
	if !strings.Contains(plan.stdout, "because verifying another copy at secondary found chunks it shares damaged") {
		t.Errorf("the plan does not say why b's copy needs repair:\n%s", plan)
	}
	r.must(0, "apply", "--auto-approve", "--now", day(1), "--parallelism", "1")
	for _, app := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(r.dir, "store/secondary", app, snap, "corrupt.json")); !os.IsNotExist(err) {
			t.Errorf("%s: corrupt.json survived the repair (%v)", app, err)
		}
	}
	if res := r.must(0, "verify"); !strings.Contains(res.stdout, "Verified 4 copies: 4 ok") {
		t.Errorf("verify after the repair:\n%s", res)
	}
	r.converged(day(1))
}

// TestVerifyOfCopiesSharingABadChunkReportsEachOnce: `strata verify a`
// whose own corrupt.json cannot be written (a directory stands there) marks
// b's copy, which shares the damaged chunk, all the same and says both.
// Then `strata verify --tier remote` checks both applications' copies: each
// gets its own line and its own corrupt.json (no found_by), and neither is
// reported as marked damaged by the other, in the text and in --json.
func TestVerifyOfCopiesSharingABadChunkReportsEachOnce(t *testing.T) {
	r := newRig(t, sharedVerifyHCL, 1)
	snap, _ := r.damageSharedChunk(t)

	blocker := filepath.Join(r.dir, "store/secondary/a", snap, "corrupt.json")
	r.write("store/secondary/a/"+snap+"/corrupt.json/in-the-way", []byte("a directory, not a mark\n"))
	res := r.must(1, "verify", "a", "--tier", "remote")
	for _, want := range []string{
		"; recording corrupt.json failed: ",
		"  * b/" + snap + " at secondary: references a chunk that failed; marked damaged too\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("verify a with its corrupt.json blocked: no %q in\n%s", want, res)
		}
	}
	if raw, err := os.ReadFile(filepath.Join(r.dir, "store/secondary/b", snap, "corrupt.json")); err != nil || !strings.Contains(string(raw), `"found_by"`) {
		t.Fatalf("b's copy was not marked: %v %s", err, raw)
	}
	if err := os.RemoveAll(blocker); err != nil {
		t.Fatal(err)
	}

	res = r.must(1, "verify", "--tier", "remote")
	for _, app := range []string{"a", "b"} {
		if want := "* " + app + " 2026-11-21T03:00:00Z at remote/secondary: "; !strings.Contains(res.stdout, want) {
			t.Errorf("no %q in\n%s", want, res)
		}
	}
	if !strings.Contains(res.stdout, "Verified 2 copies: 0 ok, 2 damaged") || strings.Contains(res.stdout, "marked damaged too") ||
		strings.Contains(res.stdout, "Marked damaged too") {
		t.Errorf("verify of both copies reports one as marked by the other:\n%s", res)
	}
	for _, app := range []string{"a", "b"} {
		raw, err := os.ReadFile(filepath.Join(r.dir, "store/secondary", app, snap, "corrupt.json"))
		if err != nil || strings.Contains(string(raw), "found_by") {
			t.Errorf("%s's corrupt.json is not its own check's: %v %s", app, err, raw)
		}
	}

	js := r.must(1, "verify", "--tier", "remote", "--json")
	var out struct {
		Copies []struct {
			Shared []string `json:"shared"`
		} `json:"copies"`
		Summary struct {
			Damaged, Shared int
		} `json:"summary"`
	}
	if err := json.NewDecoder(strings.NewReader(js.stdout)).Decode(&out); err != nil {
		t.Fatalf("verify --json: %v\n%s", err, js)
	}
	if len(out.Copies) != 2 || out.Summary.Damaged != 2 || out.Summary.Shared != 0 || len(out.Copies[0].Shared)+len(out.Copies[1].Shared) != 0 {
		t.Errorf("verify --json reports copies marked by another: %s", js.stdout)
	}
}

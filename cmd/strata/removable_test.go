package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// removableHCL keeps the last 4 snapshots locally and the last 3 on each
// of two off-site drives, each mounted (bind-mounted here) at its own mount
// point and rotated.
const removableHCL = `
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "usb-a" {
  remote    = "${path.config}/media/offsite-a/strata"
  removable = true
}
destination "usb-b" {
  remote    = "${path.config}/media/offsite-b/strata"
  removable = true
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 4
  }
}
tier "offsite" {
  from           = tier.local
  destinations   = [destination.usb-a, destination.usb-b]
  detached_grace = "14d"
  keep {
    last = 3
  }
}
application "app" {
  schedule = "@daily"
  source {
    paths = ["data"]
  }
}
`

// drive is a directory that stands for a USB drive, attached by a bind
// mount at a mount point that is an empty directory while it is detached.
type drive struct {
	t              *testing.T
	backing, mount string
	attachedNow    bool
}

// newDrive makes a drive (rig-relative backing directory) and its empty
// mount point; detached at first.
func newDrive(r *rig, backing, mount string) *drive {
	r.t.Helper()
	d := &drive{t: r.t, backing: filepath.Join(r.dir, backing), mount: filepath.Join(r.dir, mount)}
	for _, p := range []string{d.backing, d.mount} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			r.t.Fatal(err)
		}
	}
	r.t.Cleanup(d.detach)
	return d
}

// attach bind-mounts the drive at its mount point. A machine where that is
// not permitted skips the test, or fails it under CI=true.
func (d *drive) attach() {
	d.t.Helper()
	if d.attachedNow {
		return
	}
	if out, err := exec.Command("mount", "--bind", d.backing, d.mount).CombinedOutput(); err != nil {
		msg := "mount --bind is not permitted here (these tests need root): " + strings.TrimSpace(string(out))
		if os.Getenv("CI") == "true" {
			d.t.Fatal(msg)
		}
		d.t.Skip(msg)
	}
	d.attachedNow = true
}

// detach unmounts the drive: its mount point is an empty directory again.
func (d *drive) detach() {
	if !d.attachedNow {
		return
	}
	if out, err := exec.Command("umount", d.mount).CombinedOutput(); err != nil {
		d.t.Fatalf("umount %s: %v: %s", d.mount, err, out)
	}
	d.attachedNow = false
}

// emptyMountPoint fails the test unless the mount point holds nothing.
func (d *drive) emptyMountPoint() {
	d.t.Helper()
	entries, err := os.ReadDir(d.mount)
	if err != nil {
		d.t.Fatal(err)
	}
	if len(entries) > 0 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		d.t.Fatalf("strata wrote into the empty mount point %s of a detached drive: %v", d.mount, names)
	}
}

// ids lists the complete snapshots at a drive's root, as directories with a
// manifest (read from the backing directory, attached or not).
func (d *drive) ids() []string {
	d.t.Helper()
	ms, err := filepath.Glob(filepath.Join(d.backing, "strata", "app", "*", "*", "*", "*", "manifest.json"))
	if err != nil {
		d.t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		rel, _ := filepath.Rel(filepath.Join(d.backing, "strata", "app"), filepath.Dir(m))
		out = append(out, rel)
	}
	return out
}

func newRemovableRig(t *testing.T) (*rig, *drive, *drive) {
	r := newRig(t, removableHCL, 100_000)
	return r, newDrive(r, "drives/a", "media/offsite-a"), newDrive(r, "drives/b", "media/offsite-b")
}

// strata init writes the marker (making the root), is idempotent for its
// own destination, refuses a drive marked for another without --force, and
// takes it over with it.
func TestInitWritesTheMarker(t *testing.T) {
	r, a, b := newRemovableRig(t)
	a.attach()
	res := r.must(0, "init", "usb-a", "--json")
	var out struct {
		Created bool `json:"created"`
		Marker  struct {
			Destination, ID, Created string
		} `json:"marker"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || !out.Created || out.Marker.ID == "" {
		t.Fatalf("init --json: %v\n%s", err, res)
	}
	var onDisk struct{ Destination, ID string }
	raw, err := os.ReadFile(filepath.Join(a.backing, "strata", ".strata", "destination.json"))
	if err != nil || json.Unmarshal(raw, &onDisk) != nil || onDisk.Destination != "usb-a" || onDisk.ID != out.Marker.ID {
		t.Fatalf("marker on the drive: %s (%v)", raw, err)
	}
	if res := r.must(0, "init", "usb-a"); !strings.Contains(res.stdout, "already marked (id "+onDisk.ID) {
		t.Errorf("second init: %s", res)
	}
	a.detach()
	b.attach()
	r.must(0, "init", "usb-b")
	b.detach()
	// Drive B at A's mount point: init usb-a must not take it over.
	if out, err := exec.Command("mount", "--bind", b.backing, a.mount).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	a.attachedNow = true
	if res := r.must(1, "init", "usb-a"); !strings.Contains(res.stderr, `destination "usb-b"`) || !strings.Contains(res.stderr, "--force") {
		t.Errorf("init over another drive's marker: %s", res)
	}
	r.must(0, "init", "usb-a", "--force")
	raw, _ = os.ReadFile(filepath.Join(b.backing, "strata", ".strata", "destination.json"))
	if !strings.Contains(string(raw), `"usb-a"`) {
		t.Errorf("--force did not write usb-a's marker: %s", raw)
	}
}

// A drive that is not attached (an empty mount point) or carries another
// destination's marker is detached: the plan says so and how many
// snapshots wait for it, apply exits 0 and writes nothing there, ls says
// so; nothing else is held back.
func TestDetachedDriveWritesNothing(t *testing.T) {
	r, a, b := newRemovableRig(t)
	b.attach()
	r.must(0, "init", "usb-b")
	b.detach()
	r.snapshotDay(1)
	res := r.must(0, "plan", "--now", day(1))
	for _, want := range []string{"usb-a detached, 1 snapshot waits for it", "usb-b detached, 1 snapshot waits for it", "Plan: 1 snapshot."} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, res)
		}
	}
	res = r.must(0, "plan", "--json", "--now", day(1))
	var p struct {
		Detached []struct {
			Destination string `json:"destination"`
			Waiting     int    `json:"waiting"`
		} `json:"detached"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil || len(p.Detached) != 2 || p.Detached[0].Destination != "usb-a" || p.Detached[0].Waiting != 1 {
		t.Errorf("plan --json detached: %+v (%v)", p.Detached, err)
	}
	r.applyDay(1)
	a.emptyMountPoint()
	b.emptyMountPoint()
	if res := r.must(0, "ls"); !strings.Contains(res.stdout, "usb-a detached (no .strata/destination.json") {
		t.Errorf("ls:\n%s", res)
	}
	if res := r.must(0, "verify"); !strings.Contains(res.stderr, "strata: note: usb-a detached (") ||
		!strings.Contains(res.stderr, "its copies are not read") {
		t.Errorf("verify with the drives away:\n%s", res)
	}

	// Drive B at A's mount point: a foreign marker, so usb-a is detached
	// and drive B is not written.
	if out, err := exec.Command("mount", "--bind", b.backing, a.mount).CombinedOutput(); err != nil {
		t.Fatalf("mount: %v: %s", err, out)
	}
	a.attachedNow = true
	r.snapshotDay(2)
	res = r.must(0, "apply", "--auto-approve", "--now", day(2))
	if !strings.Contains(res.stderr+res.stdout, `usb-a detached, 2 snapshots wait for it (the drive at its root is destination "usb-b"`) {
		t.Errorf("apply with a foreign drive:\n%s", res)
	}
	if got := b.ids(); len(got) != 0 {
		t.Errorf("drive B, mounted as usb-a, was written: %v", got)
	}
	if ids := r.history(); len(ids) != 2 {
		t.Errorf("the local tier did not go on while the drives were away: %v", ids)
	}
}

// Two drives rotate: each attach catches the drive up in one apply and each
// keeps the tier's retention for itself; the local tier's purges go on while
// both are away.
func TestTwoDrivesRotate(t *testing.T) {
	r, a, b := newRemovableRig(t)
	for _, d := range []*drive{a, b} {
		d.attach()
		r.must(0, "init", map[*drive]string{a: "usb-a", b: "usb-b"}[d])
		d.detach()
	}
	step := func(n int, attached *drive, wantA, wantB int) result {
		t.Helper()
		if attached != nil {
			attached.attach()
		}
		r.snapshotDay(n)
		res := r.must(0, "apply", "--auto-approve", "--now", day(n), "--parallelism", "1")
		if keys := r.planKeys(day(n), 0); len(keys) != 0 {
			t.Errorf("day %d: one apply did not catch up: %q", n, keys)
		}
		if attached != nil {
			attached.detach()
		}
		a.emptyMountPoint()
		b.emptyMountPoint()
		if got := len(a.ids()); got != wantA {
			t.Errorf("day %d: drive A holds %d snapshots, want %d: %v", n, got, wantA, a.ids())
		}
		if got := len(b.ids()); got != wantB {
			t.Errorf("day %d: drive B holds %d snapshots, want %d: %v", n, got, wantB, b.ids())
		}
		return res
	}
	step(1, a, 1, 0)
	step(2, b, 1, 2)
	step(3, b, 1, 3)
	res := step(4, a, 3, 3) // A gets days 2, 3, 4 (from local) and drops day 1
	if chunks, copied := transferred(t, res.stderr, "offsite/usb-a"); copied == 0 || copied >= chunks {
		t.Errorf("catching drive A up copied %d of its %d chunks; want only those it lacks (big.bin's are there since day 1)", copied, chunks)
	}
	step(5, nil, 3, 3)
	if _, ok := r.history()[day(1)]; ok {
		t.Errorf("day 1 is still kept although outside every retention: %v", r.history())
	}
	step(6, b, 3, 3) // B gets days 4, 5, 6 and drops 1, 2, 3
	wantB := []string{"2026/11/24/030000Z", "2026/11/25/030000Z", "2026/11/26/030000Z"}
	if got := strings.Join(b.ids(), " "); got != strings.Join(wantB, " ") {
		t.Errorf("drive B holds %s, want %v", got, wantB)
	}
}

// transferRE is the end line of a transfer: its chunks and those copied.
var transferRE = regexp.MustCompile(`transfer app \S+ \S+ -> (\S+): .* in (\d+) chunks, (\d+) copied`)

// transferred sums the chunks of the transfers to loc in an apply's log,
// and those it copied.
func transferred(t *testing.T, log, loc string) (chunks, copied int) {
	t.Helper()
	for _, m := range transferRE.FindAllStringSubmatch(log, -1) {
		if m[1] != loc {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		c, _ := strconv.Atoi(m[3])
		chunks, copied = chunks+n, copied+c
	}
	if chunks == 0 {
		t.Fatalf("no transfer to %s in the log:\n%s", loc, log)
	}
	return chunks, copied
}

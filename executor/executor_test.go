package executor_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratabackup/strata/executor"
	"github.com/stratabackup/strata/internal/stores"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/snapshot"
	"github.com/stratabackup/strata/spec"
)

// twoTiers is the CLI scripts' two-tier fixture: one application with a hook,
// an origin keeping 2 snapshots and a second tier keeping 3.
var twoTiers = func() string {
	b, err := os.ReadFile("../testscripts/fixtures/two-tiers/main.hcl")
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// env is a configuration directory with data and opened stores.
type env struct {
	dir    string
	cfg    *spec.Config
	stores executor.Stores
}

func newEnv(t *testing.T, hcl string) *env {
	t.Helper()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "main.hcl"), hcl)
	write(t, filepath.Join(dir, "data", "a.txt"), strings.Repeat("alpha ", 5000))
	write(t, filepath.Join(dir, "data", "sub", "b.txt"), "beta")
	cfg, _, diags := spec.Load(dir, spec.LoadOptions{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	stores, err := stores.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{dir: dir, cfg: cfg, stores: stores}
}

func write(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (e *env) plan(t *testing.T, now time.Time) *planner.Plan {
	t.Helper()
	inv := planner.BuildInventory(e.cfg, executor.Gather(context.Background(), e.stores))
	p, err := planner.BuildPlan(e.cfg, inv, now, planner.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (e *env) apply(t *testing.T, now time.Time) *executor.Report {
	t.Helper()
	ex := executor.New(e.stores, executor.Options{Parallel: 2, Now: func() time.Time { return now }, Version: "test"})
	return ex.Run(context.Background(), e.plan(t, now))
}

var t0 = time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC)

func TestApplyConvergesAndSecondPlanIsEmpty(t *testing.T) {
	e := newEnv(t, twoTiers)
	rep := e.apply(t, t0)
	// snapshot, transfer, and the remote tier's verify after write: the
	// local tier has no verify policy, so its copy is not read back.
	if !rep.OK() || len(rep.Results) != 3 {
		t.Fatalf("first apply: %+v", rep.Results)
	}
	for _, f := range []string{"chunks.txt", "data.tar.sha256", "manifest.json", "verified.json"} {
		for _, d := range []string{"primary", "secondary"} {
			_, err := os.Stat(filepath.Join(e.dir, "store", d, "app/2026/11/21/030000Z", f))
			if unverified := d == "primary" && f == "verified.json"; unverified != os.IsNotExist(err) {
				t.Errorf("%s/%s: %v", d, f, err)
			}
		}
	}
	for _, d := range []string{"primary", "secondary"} {
		for _, c := range chunkPaths(t, e, d, "app/2026/11/21/030000Z") {
			if _, err := os.Stat(c); err != nil {
				t.Errorf("%s: chunk %v", d, err)
			}
		}
	}
	if p := e.plan(t, t0); len(p.Actions) != 0 {
		t.Fatalf("second plan not empty: %+v", p.Actions)
	}
}

func TestTransferRefusesACorruptSource(t *testing.T) {
	e := newEnv(t, twoTiers)
	p := e.plan(t, t0)
	// Run only the snapshot, then damage it before the transfer reads it.
	snap := *p
	snap.Actions = p.Actions[:1]
	ex := executor.New(e.stores, executor.Options{Parallel: 1, Now: func() time.Time { return t0 }})
	if rep := ex.Run(context.Background(), &snap); !rep.OK() {
		t.Fatalf("snapshot: %+v", rep.Results[0])
	}
	chunk := chunkPaths(t, e, "primary", "app/2026/11/21/030000Z")[0]
	b, _ := os.ReadFile(chunk)
	b[len(b)/2] ^= 1
	writeMode(t, chunk, b)
	rep := ex.Run(context.Background(), e.plan(t, t0))
	var transfer *executor.Result
	for _, r := range rep.Results {
		if r.Action.Kind == planner.Transfer {
			transfer = r
		}
	}
	if transfer == nil || transfer.Status != executor.Failed || !strings.Contains(transfer.Error, "does not match its ID") {
		t.Fatalf("transfer of a damaged chunk: %+v", transfer)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "store/secondary/app/2026/11/21/030000Z/manifest.json")); !os.IsNotExist(err) {
		t.Fatalf("a damaged transfer left a complete copy: %v", err)
	}
}

func TestVerifyMarksDamageAndRepairHeals(t *testing.T) {
	e := newEnv(t, twoTiers)
	if rep := e.apply(t, t0); !rep.OK() {
		t.Fatal(rep.Results)
	}
	dir := filepath.Join(e.dir, "store/secondary/app/2026/11/21/030000Z")
	os.Remove(filepath.Join(dir, "verified.json"))
	chunks := chunkPaths(t, e, "secondary", "app/2026/11/21/030000Z")
	bad := chunks[len(chunks)-1]
	good, _ := os.ReadFile(bad)
	writeMode(t, bad, good[:len(good)/2]) // truncated
	rep := e.apply(t, t0)                 // the never-verified copy is verified, and found damaged
	if rep.OK() {
		t.Fatal("verify of a truncated chunk succeeded")
	}
	mark, err := os.ReadFile(filepath.Join(dir, "corrupt.json"))
	if err != nil || !strings.Contains(string(mark), filepath.Base(bad)) {
		t.Fatalf("corrupt.json does not name the bad chunk: %v %s", err, mark)
	}
	p := e.plan(t, t0)
	if len(p.Actions) == 0 || p.Actions[0].Kind != planner.Repair {
		t.Fatalf("plan after damage: %+v", p.Actions)
	}
	rep = e.apply(t, t0)
	if !rep.OK() {
		t.Fatalf("repair: %+v", rep.Results)
	}
	if r := rep.Results[0]; r.Action.Kind != planner.Repair || !strings.HasPrefix(r.Detail, "1 bad chunk(s)") {
		t.Errorf("repair copied more than the bad chunk: %+v", r)
	}
	if b, _ := os.ReadFile(bad); string(b) != string(good) {
		t.Error("the bad chunk was not replaced")
	}
	if _, err := os.Stat(filepath.Join(dir, "corrupt.json")); !os.IsNotExist(err) {
		t.Fatal("corrupt.json survived the repair")
	}
	if p := e.plan(t, t0); len(p.Actions) != 0 {
		t.Fatalf("plan after repair: %+v", p.Actions)
	}
}

func TestLeases(t *testing.T) {
	e := newEnv(t, twoTiers)
	ctx := context.Background()
	first, err := executor.Acquire(ctx, e.stores)
	if err != nil {
		t.Fatal(err)
	}
	_, err = executor.Acquire(ctx, e.stores)
	var locked *executor.LockedError
	if !errors.As(err, &locked) || locked.Holder.ID != first.ID {
		t.Fatalf("second acquire: %v", err)
	}
	first.Release()
	second, err := executor.Acquire(ctx, e.stores)
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	second.Release()
	locks, _ := os.ReadDir(filepath.Join(e.dir, "store/primary/.strata/locks"))
	if len(locks) != 0 {
		t.Fatalf("leases left behind: %v", locks)
	}
}

func TestUnreadableLeaseFailsClosed(t *testing.T) {
	e := newEnv(t, twoTiers)
	write(t, filepath.Join(e.dir, "store/primary/.strata/locks/garbage.json"), "{not json")
	_, err := executor.Acquire(context.Background(), e.stores)
	var locked *executor.LockedError
	if !errors.As(err, &locked) || locked.Holder.ID != "garbage" {
		t.Fatalf("acquire over an unreadable lease: %v", err)
	}
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	e := newEnv(t, twoTiers)
	write(t, filepath.Join(e.dir, "store/primary/.strata/locks/old.json"),
		`{"id":"old","host":"elsewhere","pid":1,"created":"2020-01-01T00:00:00Z","expires":"2020-01-01T00:02:00Z"}`)
	ls, err := executor.Acquire(context.Background(), e.stores)
	if err != nil {
		t.Fatalf("an expired lease blocked: %v", err)
	}
	ls.Release()
}

func TestCancelledRunStartsNothing(t *testing.T) {
	e := newEnv(t, twoTiers)
	p := e.plan(t, t0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := executor.New(e.stores, executor.Options{}).Run(ctx, p)
	if rep.Count(executor.NotStarted) != len(p.Actions) {
		t.Fatalf("cancelled run: %+v", rep.Results)
	}
	if _, err := os.Stat(filepath.Join(e.dir, "store/primary/app")); !os.IsNotExist(err) {
		t.Fatal("a cancelled run wrote a snapshot")
	}
}

// TestSnapshotWarningsRecorded: what the archiver skips (here a socket,
// which tar cannot hold) is in the snapshot's result and its manifest,
// naming the path.
func TestSnapshotWarningsRecorded(t *testing.T) {
	e := newEnv(t, twoTiers)
	sock := filepath.Join(e.dir, "data", "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	rep := e.apply(t, t0)
	if !rep.OK() {
		t.Fatalf("apply: %+v", rep.Results)
	}
	var warned []string
	for _, r := range rep.Results {
		if r.Action.Kind == planner.Snapshot {
			warned = r.Warnings
		}
	}
	if len(warned) != 1 || !strings.Contains(warned[0], sock) {
		t.Errorf("snapshot warnings %q, want one naming %s", warned, sock)
	}
	b, err := os.ReadFile(filepath.Join(e.dir, "store", "primary", "app/2026/11/21/030000Z", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := snapshot.ParseManifest(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Warnings) != 1 || !strings.Contains(m.Warnings[0], sock) {
		t.Errorf("manifest warnings %q, want one naming %s", m.Warnings, sock)
	}
}

// TestKilledLeaseWriteIsCleanedUp: what a kill -9 leaves of writing a lease
// (a temporary object in the locks folder) is deleted by the next apply's
// Acquire when its holder is dead or it is plainly abandoned; one that may
// still be being written is left alone.
func TestKilledLeaseWriteIsCleanedUp(t *testing.T) {
	e := newEnv(t, twoTiers)
	host, _ := os.Hostname()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	locks := filepath.Join(e.dir, "store/primary/.strata/locks")
	deadTemp := filepath.Join(locks, "aaaa.json"+snapshot.TempMarker+"1111")
	write(t, deadTemp, fmt.Sprintf(`{"id":"aaaa","host":%q,"pid":%d,"created":"2026-01-01T00:00:00Z","expires":"2099-01-01T00:00:00Z"}`, host, dead.Process.Pid))
	oldTemp := filepath.Join(locks, "bbbb.json"+snapshot.TempMarker+"2222")
	write(t, oldTemp, "")
	past := time.Now().Add(-time.Minute)
	if err := os.Chtimes(oldTemp, past, past); err != nil {
		t.Fatal(err)
	}
	youngTemp := filepath.Join(locks, "cccc.json"+snapshot.TempMarker+"3333")
	write(t, youngTemp, "")

	ls, err := executor.Acquire(context.Background(), e.stores)
	if err != nil {
		t.Fatal(err)
	}
	ls.Release()
	for _, p := range []string{deadTemp, oldTemp} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s was left behind (err %v)", filepath.Base(p), err)
		}
	}
	if _, err := os.Stat(youngTemp); err != nil {
		t.Errorf("a lease write perhaps in progress was deleted: %v", err)
	}
}

package executor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"runtime"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// DefaultHookTimeout bounds a hook that declares no timeout.
const DefaultHookTimeout = time.Hour

// snapshot makes a new snapshot and streams it straight to the origin
// destination: no temporary copy of the archive touches local disk.
func (e *Executor) snapshot(ctx context.Context, res *Result) error {
	a := res.Action
	in := a.Input
	if in == nil || a.AppPath == "" {
		return permanent{fmt.Errorf("%s: the plan gives no input or application path for the snapshot", a.Key)}
	}
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return permanent{err}
	}
	id := snapshot.NewID(e.opts.Now())
	res.Snapshot = id.String()
	dir := snapshot.Path(a.AppPath, id)
	if exists(ctx, st, path.Join(dir, snapshot.ManifestName)) {
		return permanent{fmt.Errorf("snapshot %s of %s already exists at %s", id, a.App, a.Location)}
	}
	extra, cleanupHooks, err := runHooks(ctx, a.App, in.Hooks, id)
	defer cleanupHooks()
	if err != nil {
		return permanent{err}
	}
	m, err := e.writeArchive(ctx, res, in, st, dir, extra)
	if err != nil {
		deleteQuietly(st, dir, err)
		return err
	}
	res.Bytes = m.Added
	res.Detail = fmt.Sprintf("%s, %s of source, %s in %d chunks, %s added in %d new", CountFiles(m.Source.Files, m.Source.Symlinks),
		HumanBytes(m.Source.Bytes), HumanBytes(m.Size), m.Chunks, HumanBytes(m.Added), m.AddedChunks)
	if res.Cached > 0 {
		res.Detail += fmt.Sprintf("; %s of unchanged files not cut again (file cache)", HumanBytes(res.Cached))
	}
	return nil
}

// CountFiles says how many files a snapshot or a restore holds, the same
// way for both: regular files and symlinks together, the symlinks named
// ("8 files (2 symlinks)"); directories are not counted.
func CountFiles(files, symlinks int64) string {
	s := fmt.Sprintf("%d file%s", files, plural(files))
	if symlinks > 0 {
		s += fmt.Sprintf(" (%d symlink%s)", symlinks, plural(symlinks))
	}
	return s
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (e *Executor) writeArchive(ctx context.Context, res *Result, in *planner.SnapshotInput,
	st providers.Store, dir string, extra []snapshot.ExtraDir) (*snapshot.Manifest, error) {
	start := time.Now()
	src := snapshot.Source{Paths: in.Paths, Exclude: in.Exclude, Extra: extra, FailUnreadable: in.OnUnreadable == "fail"}
	progress := e.progress(res)
	if len(extra) > 0 { // the hooks' output joins the total
		if sum, err := snapshot.Measure(ctx, snapshot.Source{Extra: extra}); err == nil {
			progress.total += sum.Bytes
		}
	}
	progress.start()
	chunks := newChunkStore(ctx, st, res.Action.Parents, transfers(res.Action))
	chunks.distrust(ctx, res.Action.Damaged)
	cache := e.fileCache(res.Action)
	defer cache.Close()
	opts := snapshot.ChunkOptions{Concurrency: chunkWorkers(res.Action), Progress: func(n int64) { progress.add(int(n)) },
		Cache: cache}
	out, err := snapshot.WriteChunks(ctx, src, opts, chunks)
	if err != nil {
		return nil, err
	}
	res.Cached = out.CachedBytes
	id, _ := snapshot.ParseID(res.Snapshot)
	m := &snapshot.Manifest{
		FormatVersion: snapshot.FormatVersion, App: res.Action.App, Labels: in.Labels, ID: id,
		Host: e.host, StrataVersion: e.opts.Version, Created: start.UTC(),
		Duration: time.Since(start).Seconds(), Source: out.Summary, Compression: "zstd",
		Encryption: in.Encryption, Chunker: snapshot.Chunker(), Chunks: len(out.Chunks), Size: out.Size,
		Added: out.Added, AddedChunks: out.AddedChunks, SHA256: out.SHA256,
		ChunksSHA256: snapshot.ChunkListDigest(out.Chunks), Warnings: out.Warnings,
	}
	res.Warnings = out.Warnings
	if err := commit(ctx, st, dir, out.List(), m, nil); err != nil {
		return nil, err
	}
	if err := cache.Save(); err != nil {
		e.debug(err.Error())
	}
	return m, nil
}

// chunkWorkers is how many goroutines a snapshot hashes, compresses and
// stores chunks on: every core, and at least as many as the destination's
// transfers, so that a slow link has that many chunks in flight.
func chunkWorkers(a planner.Action) int {
	return min(max(runtime.GOMAXPROCS(0), transfers(a)), 64)
}

func exists(ctx context.Context, st providers.Store, p string) bool {
	rc, err := st.Open(ctx, p)
	if err != nil {
		return false
	}
	rc.Close()
	return true
}

// deleteQuietly removes what a failed action left behind, even after the
// apply was cancelled.
func deleteQuietly(st providers.Store, dir string, cause error) {
	if providers.Unreachable(cause) {
		return // the next apply cleans up
	}
	// Bounded short: when the server is gone, the next apply cleans up.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = st.DeleteDir(ctx, dir)
}

// runHooks runs the application's hooks, each in a fresh staging directory
// whose files join the snapshot under hooks/<name>/.
func runHooks(ctx context.Context, app string, hooks []planner.Hook, id snapshot.ID) ([]snapshot.ExtraDir, func(), error) {
	var dirs []string
	cleanup := func() {
		for _, d := range dirs {
			os.RemoveAll(d)
		}
	}
	var extra []snapshot.ExtraDir
	for _, h := range hooks {
		dir, err := os.MkdirTemp("", "strata-hook-")
		if err != nil {
			return nil, cleanup, err
		}
		dirs = append(dirs, dir)
		if err := runHook(ctx, app, h, id, dir); err != nil {
			return nil, cleanup, err
		}
		extra = append(extra, snapshot.ExtraDir{Prefix: "hooks/" + h.Name, Dir: dir})
	}
	return extra, cleanup, nil
}

func runHook(ctx context.Context, app string, h planner.Hook, id snapshot.ID, dir string) error {
	env := []string{"STRATA_APP=" + app, "STRATA_SNAPSHOT_ID=" + id.String(), "STRATA_STAGING_DIR=" + dir}
	if out, _, err := runCommand(ctx, h.Command, dir, env, h.Timeout); err != nil {
		if out != "" {
			out = ": " + out
		}
		return fmt.Errorf("hook %q of %s failed: %v%s", h.Name, app, err, out)
	}
	return nil
}

// runCommand runs argv in dir with env added to strata's environment and no
// standard input, bounded by timeout (0: DefaultHookTimeout) and by ctx. It
// returns the last 2 KiB of its output (stdout and stderr together,
// trimmed) and its exit code (-1 when it did not exit by itself).
func runCommand(ctx context.Context, argv []string, dir string, env []string, timeout time.Duration) (string, int, error) {
	if len(argv) == 0 || argv[0] == "" {
		return "", -1, errors.New("no command to run")
	}
	if timeout <= 0 {
		timeout = DefaultHookTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = nil
	var out tailBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	code := -1
	if cmd.ProcessState != nil {
		code = cmd.ProcessState.ExitCode()
	}
	if err != nil && ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %s", timeout)
	}
	return strings.TrimSpace(out.String()), code, err
}

// tailBuffer keeps the last 2 KiB written to it.
type tailBuffer struct{ b []byte }

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

// HumanBytes formats a byte count with binary units ("1.5 MiB"), for
// messages a person reads.
func HumanBytes(n int64) string {
	if n < 0 {
		n = 0
	}
	return humanize.IBytes(uint64(n))
}

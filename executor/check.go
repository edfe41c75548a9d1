package executor

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/stratabackup/strata/planner"
	"github.com/stratabackup/strata/providers"
	"github.com/stratabackup/strata/snapshot"
)

// CheckMark is the content of checked.json: the last restore test (a
// check block) of the copy it sits next to. The plan reads only its
// presence and modtime; ls and /status read it.
type CheckMark struct {
	Check    string `json:"check"`
	App      string `json:"app"`
	Snapshot string `json:"snapshot"`
	Location string `json:"location"`
	// Checked is when the test ran, by the apply's clock (its --now); the
	// plan goes by checked.json's modtime.
	Checked time.Time `json:"checked"`
	// Outcome is "passed" or "failed"; Passed says the same.
	Outcome string `json:"outcome"`
	Passed  bool   `json:"passed"`
	// ExitCode is the command's (-1 when it did not run or was killed).
	ExitCode int `json:"exit_code"`
	// Output is the tail of the command's output (stdout and stderr).
	Output string `json:"output,omitempty"`
	// Problem says why the check failed.
	Problem string `json:"problem,omitempty"`
	// Files and Bytes are what was restored for the command.
	Files         int64  `json:"files"`
	Bytes         int64  `json:"bytes"`
	StrataVersion string `json:"strata_version"`
}

// runCheck is a check action: restore the copy's Paths, verified, into a
// fresh scratch directory, run the command there, record checked.json next
// to the copy and remove the scratch directory. A failing check is a
// warning of a done action (its mark says failed): it deletes nothing and
// holds nothing up. An error means the test could not be made or recorded.
func (e *Executor) runCheck(ctx context.Context, res *Result) error {
	a := res.Action
	if a.CheckRun == nil {
		return permanent{fmt.Errorf("%s: the plan gives no check parameters", a.Key)}
	}
	dir, _, err := e.dirs(a, res.Snapshot) // a copy this apply brought: from its ID
	if err != nil {
		return err
	}
	a.Dir, a.Snapshot = dir, res.Snapshot
	st, err := e.store(a.Location.Destination)
	if err != nil {
		return permanent{err}
	}
	scratch, err := os.MkdirTemp(a.CheckRun.ScratchDir, "strata-check-")
	if err != nil {
		return permanent{fmt.Errorf("scratch directory for check %q: %w", a.CheckRun.Name, err)}
	}
	defer func() {
		if err := removeScratch(scratch); err != nil {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the scratch directory %s could not be removed: %v", scratch, err))
		}
	}()
	mark, err := e.restoreTest(ctx, a, st, scratch)
	if err != nil {
		return err
	}
	res.Check = mark
	res.Bytes = mark.Bytes
	res.Detail = checkDetail(mark)
	if !mark.Passed {
		res.Warnings = append(res.Warnings, fmt.Sprintf("check %q failed: %s", mark.Check, mark.Problem))
	}
	b, _ := json.MarshalIndent(mark, "", "  ")
	_, err = st.Write(ctx, path.Join(a.Dir, snapshot.CheckedName), bytes.NewReader(b), int64(len(b)))
	return err
}

// restoreTest restores and runs the check into scratch and says how it
// went; an error is returned only when the apply was cancelled or the
// store could not be read for a reason a retry may fix.
func (e *Executor) restoreTest(ctx context.Context, a planner.Action, st providers.Store, scratch string) (*CheckMark, error) {
	p := a.CheckRun
	mark := &CheckMark{Check: p.Name, App: a.App, Snapshot: a.Snapshot, Location: a.Location.String(),
		Checked: e.opts.Now().UTC(), ExitCode: -1, StrataVersion: e.opts.Version}
	defer func() {
		mark.Outcome = map[bool]string{true: "passed", false: "failed"}[mark.Passed]
	}()
	opts := snapshot.ExtractOptions{Include: p.Paths, AbsoluteSymlinks: true}
	_, stats, err := Restore(ctx, []CopyAt{{Store: st, Dir: a.Dir}}, scratch, opts)
	if stats != nil {
		mark.Files, mark.Bytes = stats.Files, stats.Bytes
	}
	var de *snapshot.DigestError
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil && !errors.As(err, &de) && providers.IsRetryable(err):
		return nil, err
	case err != nil:
		mark.Problem = "the restore failed: " + err.Error()
		return mark, nil
	case len(p.Paths) > 0 && stats != nil && stats.Files+stats.Dirs+stats.Symlinks+stats.HardLinks+stats.Specials == 0:
		mark.Problem = fmt.Sprintf("the paths %q matched nothing in snapshot %s", p.Paths, a.Snapshot)
		return mark, nil
	}
	env := []string{"STRATA_RESTORE_DIR=" + scratch, "STRATA_APP=" + a.App, "STRATA_SNAPSHOT_ID=" + a.Snapshot, "STRATA_CHECK=" + p.Name}
	out, code, err := runCommand(ctx, p.Command, scratch, env, p.Timeout)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	mark.Output, mark.ExitCode = out, code
	if err != nil {
		mark.Problem = fmt.Sprintf("%s: %v", p.Command[0], err)
		if out != "" {
			mark.Problem += ": " + lastLine(out)
		}
		return mark, nil
	}
	mark.Passed = true
	return mark, nil
}

// checkDetail is the one line an apply shows for a check.
func checkDetail(m *CheckMark) string {
	return fmt.Sprintf("%s: %s (%s restored, exit code %d)", m.Check, m.Outcome, CountFiles(m.Files, 0), m.ExitCode)
}

// lastLine is the last non-empty line of s.
func lastLine(s string) string {
	b := bytes.TrimSpace([]byte(s))
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return string(b)
}

// removeScratch removes a scratch directory, making its directories
// writable first (a restore keeps their archived modes, 0555 say).
func removeScratch(dir string) error {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}

// ReadCheckMark reads the checked.json of the copy in dir at st.
func ReadCheckMark(ctx context.Context, st providers.Store, dir string) (*CheckMark, error) {
	b, err := readSmall(ctx, st, path.Join(dir, snapshot.CheckedName), 1<<20)
	if err != nil {
		return nil, err
	}
	var m CheckMark
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path.Join(dir, snapshot.CheckedName), err)
	}
	return &m, nil
}

package main

// Issue 10 items 2 and 4, run on the real binary: a destination whose
// server accepts TCP and never speaks SSH, and a destination directory
// strata may not read.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratabackup/strata/internal/testservers"
)

// muteHCL is a local origin tier and a tier on an SFTP server that hangs;
// timeout is the destination's timeout attribute line (or nothing).
func muteHCL(t *testing.T, m *testservers.Mute, timeout string) string {
	key, known := testservers.ClientFiles(t, t.TempDir())
	return fmt.Sprintf(`
destination "primary" {
  remote = "${path.config}/store/primary"
}
destination "hung" {
  remote      = ":sftp,host=127.0.0.1,port=%d,user=strata:/backup"
  options     = { key_file = %q }
  known_hosts = %q
  %s
}
tier "local" {
  destinations = [destination.primary]
  keep {
    last = 2
  }
}
tier "remote" {
  from         = tier.local
  destinations = [destination.hung]
  keep {
    last = 2
  }
}
application "app" {
  source {
    paths = ["data"]
  }
}
`, m.Port, key, known, timeout)
}

// TestPlanTimesOutOnMuteServer: with a short connect timeout — the
// destination's own, or STRATA_TIMEOUT — plan gives up on a server that
// never completes the SSH handshake, saying which destination timed out,
// and plans the rest without it.
func TestPlanTimesOutOnMuteServer(t *testing.T) {
	for name, greeting := range testservers.Greetings {
		for _, how := range []struct {
			attr string
			env  []string
		}{{`timeout = "1s"`, nil}, {"", []string{"STRATA_TIMEOUT=1s"}}} {
			t.Run(fmt.Sprintf("%s %s%s", name, how.attr, how.env), func(t *testing.T) {
				r := newRig(t, muteHCL(t, testservers.StartMute(t, greeting), how.attr), 1<<10)
				res := r.run(how.env, "plan")
				// The silent server is a failed listing: the plan still has
				// the local tier's snapshot.
				out := res.stdout + res.stderr
				if res.code != 1 || !strings.Contains(out, `hung: open: timed out after 1s connecting`) || !strings.Contains(out, "+ snapshot") {
					t.Fatalf("want exit 1, hung: open: timed out after 1s connecting and the local snapshot planned, got %s", res)
				}
			})
		}
	}
}

// TestSignalStopsPlanOnMuteServer: with the default timeouts (30s to
// connect), SIGTERM or SIGINT stops a plan stuck in the SSH handshake
// with 143 or 130 — not the connect timeout's exit 1.
func TestSignalStopsPlanOnMuteServer(t *testing.T) {
	for name, greeting := range testservers.Greetings {
		for _, sig := range []struct {
			sig  syscall.Signal
			code int
		}{{syscall.SIGTERM, 143}, {syscall.SIGINT, 130}} {
			t.Run(fmt.Sprintf("%s %v", name, sig.sig), func(t *testing.T) {
				m := testservers.StartMute(t, greeting)
				r := newRig(t, muteHCL(t, m, ""), 1<<10)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hang guard only
				defer cancel()
				cmd, stdout, stderr := r.command(ctx, nil, "plan")
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				select {
				case <-m.Accepted: // strata is in the handshake now
				case <-ctx.Done():
					t.Fatal("strata never connected")
				}
				_ = cmd.Process.Signal(sig.sig)
				_ = cmd.Wait()
				res := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
				if res.code != sig.code {
					t.Fatalf("want exit %d after %v, got %s", sig.code, sig.sig, res)
				}
			})
		}
	}
}

// TestUnreadableDestinationDirFailsListing: a directory strata may not
// read under a destination makes that destination's listing fail: ls says
// so and exits 1 instead of counting fewer snapshots, and the plan purges
// nothing anywhere, with a warning that names the directory. strata runs
// as an unprivileged user (root reads a chmod 000 directory all the same).
func TestUnreadableDestinationDirFailsListing(t *testing.T) {
	r := newRig(t, rigHCL, 10<<10)
	for n := 1; n <= 3; n++ {
		r.applyDay(n)
	}
	r.snapshotDay(4)
	if keys := r.planKeys(day(4), 0); !containsPrefix(keys, "purge:") {
		t.Fatalf("day 4 would purge nothing anyway; the test proves nothing: %q", keys)
	}
	day3 := filepath.Join(r.dir, "store/secondary/app/2026/11/23")
	as := r.unprivileged(day3)
	res := as("ls")
	if res.code != 1 || !strings.Contains(res.stdout+res.stderr, "app/2026/11/23") || !strings.Contains(res.stdout+res.stderr, "permission denied") {
		t.Errorf("ls with an unreadable directory: want exit 1 naming app/2026/11/23 and permission denied, got %s", res)
	}
	res = as("plan", "--now", day(4))
	if res.code != 1 {
		t.Errorf("plan with an unreadable directory: want exit 1, got %s", res)
	}
	r.noPurge(res, `listing of destination "secondary" failed`)
	if !strings.Contains(res.stdout, "app/2026/11/23") {
		t.Errorf("the warning does not name the directory:\n%s", res)
	}
}

func containsPrefix(keys []string, prefix string) bool {
	for _, k := range keys {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// unprivileged makes an unprivileged user own the rig, makes dir unreadable
// (root reads a chmod 000 directory all the same) until the test ends, and
// returns a function that runs strata as that user.
func (r *rig) unprivileged(dir string) func(args ...string) result {
	t := r.t
	t.Helper()
	u := testservers.UnprivilegedUser(t)
	u.Own(t, r.dir)
	testservers.Traversable(t, r.bin)
	if err := os.Chmod(filepath.Dir(r.bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	return func(args ...string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd, stdout, stderr := r.command(ctx, []string{"HOME=" + r.dir, "RCLONE_CONFIG=" + filepath.Join(r.dir, "rclone.conf")}, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.Cred}
		if err := cmd.Run(); err != nil && cmd.ProcessState == nil {
			t.Fatalf("strata %v as %s: %v", args, u.Name, err)
		}
		res := result{stdout: stdout.String(), stderr: stderr.String(), code: cmd.ProcessState.ExitCode()}
		t.Logf("strata %v as %s:\n%s", args, u.Name, res)
		return res
	}
}

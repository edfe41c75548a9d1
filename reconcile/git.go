package reconcile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// GitTimeout bounds one git command.
const GitTimeout = 2 * time.Minute

// git runs git in dir without ever waiting on a prompt.
func git(ctx context.Context, dir string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, GitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	if os.Getenv("GIT_SSH_COMMAND") == "" {
		cmd.Env = append(cmd.Env, "GIT_SSH_COMMAND=ssh -o BatchMode=yes")
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// IsGitWorkTree reports whether dir is inside a git work tree.
func IsGitWorkTree(ctx context.Context, dir string) bool {
	out, err := git(ctx, dir, "rev-parse", "--is-inside-work-tree")
	return err == nil && out == "true"
}

// GitCommit returns the commit checked out in dir, or "" when dir is not in
// a git work tree.
func GitCommit(ctx context.Context, dir string) string {
	out, err := git(ctx, dir, "rev-parse", "HEAD")
	if err != nil {
		return ""
	}
	return out
}

// GitPull runs `git pull --ff-only` in dir and returns the commit checked
// out afterwards.
func GitPull(ctx context.Context, dir string) (string, error) {
	if out, err := git(ctx, dir, "pull", "--ff-only", "--quiet"); err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", fmt.Errorf("git pull --ff-only in %s failed: %v: %s; fix the work tree (local commits or edits?) so that it can fast-forward", dir, err, lastLine(out))
	}
	return GitCommit(ctx, dir), nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

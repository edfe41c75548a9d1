package notify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// runCommand runs argv with the event as JSON on its standard input and
// STRATA_EVENT in its environment; a non-zero exit is an error that quotes
// the end of its output.
func runCommand(ctx context.Context, argv []string, ev Event) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = bytes.NewReader(ev.JSON())
	cmd.Env = append(os.Environ(), "STRATA_EVENT="+ev.Event)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v%s", argv[0], err, tail(out.String()))
	}
	return nil
}

// tail is the last line of output, for an error message.
func tail(out string) string {
	out = strings.TrimSpace(out)
	if out == "" {
		return ""
	}
	lines := strings.Split(out, "\n")
	last := lines[len(lines)-1]
	if len(last) > 200 {
		last = last[:200] + "…"
	}
	return ": " + last
}

// Command strata is backups as code: it plans and applies the backups declared
// in a directory of .hcl files. See `strata --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// Exit codes, mapped in one place.
const (
	exitOK       = 0   // success; `plan --detailed-exitcode`: no changes
	exitError    = 1   // an error, a failed action, an invalid config
	exitChanges  = 2   // `plan --detailed-exitcode`: the plan has changes
	exitFmtCheck = 3   // `fmt -check`: a file is not canonically formatted
	exitLocked   = 4   // another apply holds a lease on a destination
	exitSIGINT   = 130 // interrupted by Ctrl-C
	exitSIGTERM  = 143 // stopped by SIGTERM
)

const exitCodesHelp = `Exit codes:
  0    success (plan --detailed-exitcode: no changes)
  1    error: invalid configuration, failed listing or action, refused plan
  2    plan --detailed-exitcode: the plan has changes
  3    fmt -check: a file is not canonically formatted
  4    another apply holds a lease on a destination
  130  interrupted (SIGINT), 143 stopped (SIGTERM)`

// exitError carries an exit code through cobra.
type exitCodeError struct {
	code int
	err  error // nil when the message was already printed
}

func (e *exitCodeError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitCodeError) Unwrap() error { return e.err }

func main() { os.Exit(run()) }

// run is main without os.Exit, so go-cmdtest can run the CLI in process.
func run() int {
	ctx, stop := context.WithCancelCause(context.Background())
	defer stop(nil)
	g := &globals{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	finished := make(chan struct{})
	defer close(finished)
	go g.onSignals(sigs, stop, finished, stopGrace, os.Exit)
	root := newRootCommand(g)
	args := normalizeArgs(os.Args[1:])
	g.json = wantsJSON(args) // errors of flag parsing are JSON too
	root.SetArgs(args)
	root.SetOut(g.stdout)
	root.SetErr(g.stderr)
	err := root.ExecuteContext(ctx)
	return g.exitCode(ctx, err)
}

// stopGrace is how long a run may take to stop after SIGINT/SIGTERM:
// long enough for apply to remove what its cancelled actions wrote (each
// removal is bounded by a minute) and release its leases (30 s).
const stopGrace = 2 * time.Minute

// onSignals turns the first SIGINT/SIGTERM into the cancellation of the
// run's context. Every blocking step yields to it; should one not (a call
// that does not look at its context), nothing keeps the process alive
// beyond grace, and a second signal ends it at once — either way with the
// first signal's exit code. What a run ended that way leaves behind is
// what a kill -9 leaves: incomplete snapshots and leases that expire, which
// the next apply cleans up. It returns once finished is closed.
func (g *globals) onSignals(sigs <-chan os.Signal, stop context.CancelCauseFunc, finished <-chan struct{}, grace time.Duration, exit func(int)) {
	var first os.Signal
	select {
	case first = <-sigs:
	case <-finished:
		return
	}
	stop(signalError{first})
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case again := <-sigs:
		g.errorf("%v again: exiting now, without waiting for cleanup; the next apply cleans up what is left", again)
	case <-timer.C:
		g.errorf("still stopping %v after %v: exiting now; the next apply cleans up what is left", grace, first)
	case <-finished:
		return
	}
	exit(signalCode(first))
}

// signalCode is the exit code of a run stopped by sig.
func signalCode(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return exitSIGTERM
	}
	return exitSIGINT
}

type signalError struct{ sig os.Signal }

func (s signalError) Error() string { return "interrupted by " + s.sig.String() }

func (g *globals) exitCode(ctx context.Context, err error) int {
	if errors.Is(err, errStopped) {
		return exitOK // watch stops on SIGINT/SIGTERM as asked
	}
	var sig signalError
	if errors.As(context.Cause(ctx), &sig) {
		var printed *exitCodeError
		if err != nil && !(errors.As(err, &printed) && printed.err == nil) {
			g.printError(err)
		}
		return signalCode(sig.sig)
	}
	if err == nil {
		return exitOK
	}
	var ec *exitCodeError
	if errors.As(err, &ec) {
		if ec.err != nil {
			g.printError(ec.err)
		}
		return ec.code
	}
	g.printError(err)
	return exitError
}

// longFlags may be written Terraform's way, with one dash: -out FILE, -var x=y.
var longFlags = []string{"out", "var", "check", "diff", "detailed-exitcode", "auto-approve", "json",
	"now", "force", "from", "to", "day", "max-purge", "log-level", "no-color", "tier", "write", "chdir"}

// normalizeArgs turns "-out" into "--out" for the long flags above.
func normalizeArgs(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		out = append(out, normalizeArg(a))
	}
	return out
}

func normalizeArg(a string) string {
	if !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "--") {
		return a
	}
	name, _, _ := strings.Cut(a[1:], "=")
	for _, f := range longFlags {
		if name == f {
			return "-" + a
		}
	}
	return a
}

func newRootCommand(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "strata",
		Short: "Backups as code: plan and apply the backups declared in .hcl files",
		Long: `strata keeps the backups declared in a directory of .hcl files: which
applications, how often, in which tiers of storage, how many copies each keeps.
'strata plan' shows what it would do; 'strata apply' does it.

` + exitCodesHelp,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return g.setup(cmd) },
	}
	g.addFlags(root)
	root.AddCommand(newValidateCommand(g), newFmtCommand(g), newPlanCommand(g), newApplyCommand(g),
		newLsCommand(g), newHistoryCommand(g), newRestoreCommand(g), newExtractCommand(g), newUnlockCommand(g), newInitCommand(g), newVersionCommand(g),
		newVerifyCommand(g), newWatchCommand(g), newForgetCommand(g), newGCCommand(g))
	return root
}

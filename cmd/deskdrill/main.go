// Command deskdrill is the customer-service sandbox: the live hub with its
// console and dashboards, synthetic customers and bots, the capacity
// planner, scenarios, and refund statements from contracts and KPIs. See
// the README for a tour.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // scenarios and periods use Asia/Shanghai on machines without zoneinfo

	loadgen "github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/store"
)

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // the work failed at run time
	exitBadInput = 2 // bad usage, a bad flag value or a bad input file
	// exitThresholds: a load drill ran, and a threshold failed (k6's
	// status for the same, so that CI treats both alike).
	exitThresholds = 99
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the process exit code. It is
// the only place that turns errors into exit codes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	// An unknown command is found before anything runs, and cobra's error
	// for it (with its suggestions) is a plain one: ask again.
	if _, _, ferr := root.Find(args); ferr != nil && ferr.Error() == err.Error() {
		err = &usageError{cmd: root.CommandPath(), err: err}
	}
	fmt.Fprintf(stderr, "deskdrill: %v\n", err)
	if h := hint(err); h != "" {
		fmt.Fprintf(stderr, "  %s\n", h)
	}
	var ue *usageError
	var te *loadgen.ThresholdError
	switch {
	case errors.As(err, &te):
		return exitThresholds
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", ue.cmd)
		return exitBadInput
	case isBadInput(err):
		return exitBadInput
	}
	return exitFailure
}

// hint says what to do about a refused database file or records that
// were not written.
func hint(err error) string {
	var fe *store.FileError
	var nw *store.NotWrittenError
	switch {
	case errors.As(err, &fe) && errors.Is(fe.Err, store.ErrDamaged):
		return "The file was not changed. Restore it from a backup, or name a new file with --db; sqlite3's .recover may save what is readable."
	case errors.As(err, &fe) && errors.Is(fe.Err, store.ErrForeign):
		return "The file was not changed: it is not deskdrill's. Name another file with --db."
	case errors.As(err, &fe) && errors.Is(fe.Err, store.ErrLocked):
		return "Stop the other deskdrill serve first, or name another file with --db. deskdrill report and export read the file while it serves."
	case errors.As(err, &fe) && errors.Is(fe.Err, store.ErrNewer):
		return "The file was not changed. Use the deskdrill that wrote it, or a newer one."
	case errors.As(err, &nw):
		return "Those events are not in the file. If the run's end could not be recorded either, the next deskdrill serve marks the run interrupted; serve --resume RUN continues it."
	}
	return ""
}

// isBadInput reports whether err comes from what the user gave: a flag, a
// file's content, or a file named that cannot be opened or read (missing,
// a directory, no permission: scenarios.FileError matches ErrBadInput).
func isBadInput(err error) bool {
	var ie *sim.InputError
	var ke *sim.UnknownKPIError
	// A run, token or sitting the file does not have was named on the
	// command line, as a missing file is.
	return errors.Is(err, scenarios.ErrBadInput) || errors.Is(err, sim.ErrMonthsServedMissing) || errors.Is(err, loadgen.ErrSummary) ||
		errors.Is(err, trainer.ErrUnknownExam) || errors.Is(err, store.ErrNotFound) || errors.As(err, &ie) || errors.As(err, &ke)
}

// usageError is a command line that cannot be run as given.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

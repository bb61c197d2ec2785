package main

import (
	"os"
	"strconv"
	"testing"

	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair, as script(1) and CI runners that
// give a terminal do; its size is what the kernel starts it with (none).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlock pty: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("pty number: %v", err)
	}
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("open pty: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// A progress bar needs a terminal with a size: mpb draws as many rows as
// the terminal has, so a terminal of none would show nothing at all, and
// the commands print a line per interval there instead (drills.md: a
// progress bar on a terminal, a line per interval otherwise).
func TestIsTerminal(t *testing.T) {
	_, slave := openPTY(t)
	if ws, err := unix.IoctlGetWinsize(int(slave.Fd()), unix.TIOCGWINSZ); err != nil || ws.Row != 0 || ws.Col != 0 {
		t.Skipf("a new pty here is sized %+v (%v); the case is a pty of no size", ws, err)
	}
	if isTerminal(slave) {
		t.Error("a terminal of no size: isTerminal true; want false (mpb would draw nothing)")
	}
	if err := unix.IoctlSetWinsize(int(slave.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 24, Col: 80}); err != nil {
		t.Fatal(err)
	}
	if !isTerminal(slave) {
		t.Error("a terminal of 80×24: isTerminal false; want true")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	for name, f := range map[string]*os.File{"a pipe": w, os.DevNull: null} {
		if isTerminal(f) {
			t.Errorf("%s: isTerminal true; want false", name)
		}
	}
}

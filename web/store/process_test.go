//go:build unix

package store_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// childEnv switches the test binary into the child process of TestKill9 and
// TestSIGTERM: "kill:PATH" or "term:PATH".
const childEnv = "DESKDRILL_STORE_CHILD"

// TestChildProcess is not a test of its own: TestKill9 and TestSIGTERM run
// the test binary again with only this test selected and childEnv set. The
// child opens the store at PATH, starts conversation "c" and appends events
// to it with seq 0, 1, … (Text is the seq), five every millisecond, as a
// server acknowledges them: only while Health says the Store keeps its
// promise. After each five it prints "SEQ HEALTHNANO": the last seq
// appended (AppendEvent has returned) and its clock when Health last said
// nil, before those five. While Health fails it appends nothing and prints
// "behind". On SIGTERM it stops appending, closes the store and prints
// "closed SEQ".
func TestChildProcess(t *testing.T) {
	mode, path, ok := strings.Cut(os.Getenv(childEnv), ":")
	if !ok {
		t.Skip("the child process of TestKill9 and TestSIGTERM")
	}
	if err := runChild(mode, path); err != nil {
		t.Fatal(err)
	}
}

func runChild(mode, path string) error {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	// If the parent dies without killing us.
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	bg := context.Background()
	s, err := store.Open(bg, path, store.Options{})
	if err != nil {
		return err
	}
	run, err := s.CreateRun(bg, store.Run{Scenario: "kill"})
	if err != nil {
		return err
	}
	if err := s.StartConversation(bg, run, &sim.Conversation{ID: "c"}); err != nil {
		return err
	}
	if err := s.Flush(bg); err != nil {
		return err
	}
	fmt.Printf("run %d\n", run)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	seq := -1
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
			continue
		case <-tick.C:
		}
		healthy := time.Now()
		if s.Health() != nil {
			fmt.Println("behind")
			continue
		}
		for range 5 {
			seq++
			e := sim.Event{At: time.Now(), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: strconv.Itoa(seq)}
			if err := s.AppendEvent(bg, run, "c", seq, e); err != nil {
				return err
			}
		}
		fmt.Printf("%d %d\n", seq, healthy.UnixNano())
	}
	if mode != "term" {
		return nil
	}
	if err := s.Close(); err != nil {
		return err
	}
	fmt.Printf("closed %d\n", seq)
	return nil
}

// childProc is a running child process and its stdout, line by line.
type childProc struct {
	cmd    *exec.Cmd
	lines  chan string
	stderr bytes.Buffer
	reader sync.WaitGroup
	done   bool
	err    error
}

func startChild(t *testing.T, mode, path string) *childProc {
	t.Helper()
	c := &childProc{
		cmd:   exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.count=1"),
		lines: make(chan string, 64),
	}
	c.cmd.Env = append(os.Environ(), childEnv+"="+mode+":"+path)
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c.reader.Go(func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	})
	t.Cleanup(func() { c.stop(syscall.SIGKILL) })
	return c
}

// next returns the next line, failing the test if the child is silent for
// long or has ended.
func (c *childProc) next(t *testing.T) string {
	t.Helper()
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case l, ok := <-c.lines:
		if !ok {
			t.Fatalf("child ended early: %s", c.stderr.String())
		}
		return l
	case <-timeout.C:
		t.Fatal("child silent for 30s")
	}
	return ""
}

// stop sends sig, reads stdout to its end (keeping no lines) and waits for
// the child. It returns the child's exit error; later calls return it again.
func (c *childProc) stop(sig os.Signal) error {
	if c.done {
		return c.err
	}
	c.done = true
	_ = c.cmd.Process.Signal(sig)
	for range c.lines {
	}
	c.reader.Wait()
	c.err = c.cmd.Wait()
	return c.err
}

// mark is one progress line of the child: seq and every seq before it had
// been appended; at (Unix nanoseconds, the child's clock) is when Health
// said nil just before the last five.
type mark struct {
	seq int
	at  int64
}

func parseMark(line string) (mark, bool) {
	a, b, ok := strings.Cut(line, " ")
	seq, err1 := strconv.Atoi(a)
	at, err2 := strconv.ParseInt(b, 10, 64)
	return mark{seq, at}, ok && err1 == nil && err2 == nil
}

func parseRun(t *testing.T, c *childProc) int64 {
	t.Helper()
	for {
		l := c.next(t)
		if v, ok := strings.CutPrefix(l, "run "); ok {
			run, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("child: %q", l)
			}
			return run
		}
	}
}

// storedSeqs opens the file after the child has ended and returns how many
// events of conversation "c" are stored, checking that they are exactly
// seq 0, 1, …, n-1 (a prefix of what was appended) and that the file is
// intact.
func storedSeqs(t *testing.T, path string, run int64) int {
	t.Helper()
	s, err := store.Open(t.Context(), path, store.Options{})
	if err != nil {
		t.Fatalf("reopen after the child: %v", err)
	}
	defer s.Close()
	c, err := s.Conversation(t.Context(), run, "c")
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range c.Events {
		if e.Text != strconv.Itoa(i) {
			t.Fatalf("event %d has seq %s; want the stored events to be seq 0..%d without gaps", i, e.Text, len(c.Events)-1)
		}
	}
	var check string
	if err := rawDB(t, path).QueryRow("PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Errorf("integrity_check = %q, %v; want ok", check, err)
	}
	return len(c.Events)
}

// TestKill9 kills a process that is appending and checks the promise of
// the package doc: an event appended while Health said nil is on disk
// within FlushInterval + CommitBudget, or Health has stopped saying nil.
// So every event whose append returned more than that before a later nil
// from Health is on disk after the kill, and what is on disk is a prefix
// of what was appended. On a loaded machine (this runs under -race beside
// other packages) the writer may fall behind; the child then appends
// nothing, as a server acknowledges nothing, and the promise still holds.
func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a child process; about 2 s")
	}
	path := filepath.Join(t.TempDir(), "kill.db")
	c := startChild(t, "kill", path)
	run := parseRun(t, c)
	window := store.DefaultFlushInterval + store.DefaultCommitBudget

	// Read the child's progress until it has appended 2,000 events and
	// then, by its own clock, another window + 250 ms, so that a good many
	// events fall under the promise.
	var marks []mark
	var from int64
	for {
		m, ok := parseMark(c.next(t))
		if !ok {
			continue
		}
		marks = append(marks, m)
		if from == 0 && m.seq >= 2000 {
			from = m.at
		}
		if from != 0 && time.Duration(m.at-from) >= window+250*time.Millisecond {
			break
		}
	}
	if err := c.stop(syscall.SIGKILL); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("child exit = %v; want killed (stderr: %s)", err, c.stderr.String())
	}

	// The appends of mark i returned before Health was asked for mark i+1;
	// the last mark's Health said nil, so each append that returned more
	// than window before it must be committed.
	last := marks[len(marks)-1]
	must := -1
	for i, m := range marks[:len(marks)-1] {
		if time.Duration(last.at-marks[i+1].at) > window {
			must = m.seq
		}
	}
	n := storedSeqs(t, path, run)
	// lost is how long before the last line the first missing event was
	// appended: the window the kill actually cost.
	var lost time.Duration
	for _, m := range marks {
		if m.seq >= n {
			lost = time.Duration(last.at - m.at)
			break
		}
	}
	t.Logf("appended seq 0..%d at least; on disk seq 0..%d; promised seq 0..%d (appended %v before the last healthy check or earlier); lost the last ≈%v",
		last.seq, n-1, must, window, lost.Round(time.Millisecond))
	if n-1 < must {
		t.Errorf("after kill -9: events up to seq %d on disk; want at least up to seq %d, appended more than %v before Health last said nil",
			n-1, must, window)
	}
}

// TestSIGTERM stops a process that is appending the way the server does:
// on SIGTERM it stops appending and calls Close. Everything it appended is
// on disk.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a child process; about 1 s")
	}
	path := filepath.Join(t.TempDir(), "term.db")
	c := startChild(t, "term", path)
	run := parseRun(t, c)
	for {
		if m, ok := parseMark(c.next(t)); ok && m.seq >= 2000 {
			break
		}
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	closed := -1
	for closed < 0 {
		if v, ok := strings.CutPrefix(c.next(t), "closed "); ok {
			var err error
			if closed, err = strconv.Atoi(v); err != nil {
				t.Fatalf("child: closed %q", v)
			}
		}
	}
	if err := c.stop(syscall.Signal(0)); err != nil {
		t.Fatalf("child exit = %v; want 0 (stderr: %s)", err, c.stderr.String())
	}
	if n := storedSeqs(t, path, run); n != closed+1 {
		t.Errorf("after SIGTERM and Close: %d events on disk; want all %d appended", n, closed+1)
	}
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
}

// holdWriteLock takes the database's write lock from another connection
// until the returned func is called: the writer's BEGIN IMMEDIATE waits.
func holdWriteLock(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	return func() {
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		db.Close()
	}
}

// A store that cannot commit says so at once, with SQLite's error, and is
// healthy again after the next successful commit. The file is capped with
// MaxSize, as a full disk would cap it; freeing pages lets it go on.
func TestHealth_DiskFull(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "full.db")
	s, err := Open(ctx, path, Options{FlushInterval: 5 * time.Millisecond, MaxSize: 600 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// Ballast that can be freed later: space returning.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// About 100 pages, more than a full batch of the events below needs.
	if _, err := raw.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) INSERT INTO ballast SELECT zeroblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
	run := startConv(t, s)
	if err := s.Health(); err != nil {
		t.Fatalf("Health before the disk fills = %v; want nil", err)
	}
	text := strings.Repeat("写", 30)
	seq := 0
	waitFor(t, "a commit fails on the full file", 10*time.Second, func() bool {
		// Append as a server would, only while Health allows, and keep
		// the queue short: on a loaded machine (-race beside other
		// packages) a long queue would need more pages than the ballast
		// frees, and the store would rightly stay full.
		for i := 0; i < 20 && s.Health() == nil && len(s.queue) < 100; i++ {
			if err := s.AppendEvent(ctx, run, "c1", seq, sim.Event{Text: text}); err != nil {
				t.Fatal(err)
			}
			seq++
		}
		// Not just behind (a slow machine): the disk is full.
		err := s.Health()
		return err != nil && strings.Contains(err.Error(), "database or disk is full")
	})
	err = s.Health()
	var ue *UnavailableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "database or disk is full") || ue.Since.IsZero() {
		t.Fatalf("Health on a full file = %v; want an *UnavailableError with SQLite's \"database or disk is full\"", err)
	}
	t.Logf("Health: %v (since %v)", err, time.Since(ue.Since).Round(time.Millisecond))
	if _, err := raw.Exec(`DELETE FROM ballast`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "healthy again once pages are free", 10*time.Second, func() bool { return s.Health() == nil })
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after space returned: %v", err)
	}
	c, err := s.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != seq {
		t.Errorf("%d events stored; want all %d appended (the failed batches are retried)", len(c.Events), seq)
	}
	if st := s.Stats(); st.Failures == 0 || st.Lost != 0 {
		t.Errorf("Stats = %+v; want failed attempts and nothing lost", st)
	}
}

// A writer that cannot finish a commit within FlushInterval + CommitBudget
// makes the store unavailable (behind) before anything fails, and
// available again once it commits.
func TestHealth_Behind(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "behind.db")
	s, err := Open(ctx, path, Options{FlushInterval: 10 * time.Millisecond, CommitBudget: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := startConv(t, s)
	release := holdWriteLock(t, path)
	if err := s.AppendEvent(ctx, run, "c1", 0, sim.Event{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "behind", 5*time.Second, func() bool { return errors.Is(s.Health(), ErrBehind) })
	t.Logf("Health: %v; Lag %v", s.Health(), s.Lag())
	release()
	waitFor(t, "caught up", 10*time.Second, func() bool { return s.Health() == nil })
	if s.Lag() != 0 {
		t.Errorf("Lag after catching up = %v; want 0", s.Lag())
	}
}

// The Try methods never wait: with the queue full they drop the row and
// say so, and the store is unavailable (behind).
func TestTry_QueueFull(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "try.db")
	s, err := Open(ctx, path, Options{QueueSize: 8, FlushInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := startConv(t, s)
	release := holdWriteLock(t, path)
	defer release()
	var full error
	start := time.Now()
	for seq := 0; seq < 100 && full == nil; seq++ {
		full = s.TryAppendEvent(ctx, run, "c1", seq, sim.Event{})
	}
	if !errors.Is(full, ErrQueueFull) {
		t.Fatalf("TryAppendEvent into a full queue = %v; want ErrQueueFull", full)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("filling the queue took %v; want no waiting", d)
	}
	if st := s.Stats(); st.Dropped != 1 {
		t.Errorf("Stats.Dropped = %d; want 1", st.Dropped)
	}
	// The writer may still move rows from the queue into the batch it
	// cannot commit, so the queue need not stay full; but then that
	// batch's oldest row passes FlushInterval + CommitBudget. Either way
	// Health must say the store is behind within that bound.
	waitFor(t, "Health says behind with a full queue and a blocked commit", DefaultCommitBudget+time.Second, func() bool {
		return errors.Is(s.Health(), ErrBehind)
	})
}

// Shutdown retries a failing batch until its deadline, then drops what is
// unwritten and says how many events that was.
func TestShutdown_Deadline(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t, Options{FlushInterval: 5 * time.Millisecond})
	run := startConv(t, s)
	setReadOnly(t, s, true)
	for seq := range 3 {
		if err := s.AppendEvent(ctx, run, "c1", seq, sim.Event{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush with a read-only writer = nil; want an error")
	}
	const deadline = 300 * time.Millisecond
	sctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	err := s.Shutdown(sctx)
	took := time.Since(start)
	var nw *NotWrittenError
	if !errors.As(err, &nw) || nw.Events != 3 || nw.Rows != 3 {
		t.Fatalf("Shutdown = %v; want a *NotWrittenError of 3 events", err)
	}
	t.Logf("Shutdown after %v: %v", took.Round(time.Millisecond), err)
	if took < deadline-50*time.Millisecond || took > deadline+stuckGrace {
		t.Errorf("Shutdown took %v; want about its deadline %v (retrying until then, no longer)", took, deadline)
	}
	if st := s.Stats(); st.Lost != 3 {
		t.Errorf("Stats.Lost = %d; want 3", st.Lost)
	}
	if err2 := s.Close(); err2 != err {
		t.Errorf("Close after Shutdown = %v; want Shutdown's result", err2)
	}
}

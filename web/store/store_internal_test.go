package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func TestSchemaVersion(t *testing.T) {
	if SchemaVersion != len(migrations) {
		t.Errorf("SchemaVersion = %d; want len(migrations) = %d", SchemaVersion, len(migrations))
	}
}

func openInternal(t *testing.T, o Options) *Store {
	t.Helper()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "i.db"), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Every connection, the writer's and the pool's, runs with the durability
// settings the package doc promises.
func TestOpen_Pragmas(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t, Options{})
	want := map[string]int64{"synchronous": 2 /* FULL */, "foreign_keys": 1, "busy_timeout": busyTimeout.Milliseconds()}
	for name, v := range want {
		var got int64
		if err := s.w.conn.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil || got != v {
			t.Errorf("writer: PRAGMA %s = %d, %v; want %d", name, got, err, v)
		}
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+name).Scan(&got); err != nil || got != v {
			t.Errorf("pool: PRAGMA %s = %d, %v; want %d", name, got, err, v)
		}
	}
}

// setReadOnly makes the writer's connection refuse writes, so its commits
// fail with an error that is not a constraint.
func setReadOnly(t *testing.T, s *Store, on bool) {
	t.Helper()
	v := "0"
	if on {
		v = "1"
	}
	if _, err := s.w.conn.ExecContext(t.Context(), "PRAGMA query_only = "+v); err != nil {
		t.Fatal(err)
	}
}

func startConv(t *testing.T, s *Store) int64 {
	t.Helper()
	ctx := t.Context()
	run, err := s.CreateRun(ctx, Run{Scenario: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartConversation(ctx, run, &sim.Conversation{ID: "c1"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	return run
}

// A batch that fails to commit is kept and retried; Flush reports the
// failure meanwhile and succeeds once the database takes writes again.
func TestWriter_RetriesFailedCommit(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t, Options{FlushInterval: 10 * time.Millisecond})
	run := startConv(t, s)
	setReadOnly(t, s, true)
	if err := s.AppendEvent(ctx, run, "c1", 0, sim.Event{Text: "kept"}); err != nil {
		t.Fatal(err)
	}
	err := s.Flush(ctx)
	var re *RowError
	if err == nil || errors.As(err, &re) {
		t.Fatalf("Flush with a read-only writer = %v; want a commit error", err)
	}
	// The writer may be retrying right now; *sql.Conn serialises its
	// statements and ours, and either way a later attempt succeeds.
	setReadOnly(t, s, false)
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after the database takes writes again = %v; want nil", err)
	}
	c, err := s.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != 1 || c.Events[0].Text != "kept" {
		t.Errorf("events = %+v; want the retried one", c.Events)
	}
	if st := s.Stats(); st.Lost != 0 || st.Committed != 2 {
		t.Errorf("Stats = %+v; want 2 committed, none lost", st)
	}
}

// Once closing, a batch that keeps failing is dropped after a few attempts,
// counted as lost and reported by Close, so Close always ends.
func TestWriter_CloseDropsFailingBatch(t *testing.T) {
	ctx := t.Context()
	s := openInternal(t, Options{FlushInterval: 5 * time.Millisecond})
	run := startConv(t, s)
	setReadOnly(t, s, true)
	if err := s.AppendEvent(ctx, run, "c1", 0, sim.Event{}); err != nil {
		t.Fatal(err)
	}
	// A flush round trip proves the batch has failed at least once.
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush with a read-only writer = nil; want an error")
	}
	err := s.Close()
	if err == nil {
		t.Fatal("Close with a batch it cannot commit = nil; want an error")
	}
	t.Logf("Close: %v", err)
	if st := s.Stats(); st.Lost != 1 {
		t.Errorf("Stats.Lost = %d; want 1", st.Lost)
	}
}

func TestEnqueue_CanceledContext(t *testing.T) {
	s := openInternal(t, Options{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.AppendEvent(ctx, 1, "c1", 0, sim.Event{}); !errors.Is(err, context.Canceled) {
		t.Errorf("AppendEvent with a canceled ctx = %v; want context.Canceled", err)
	}
	if st := s.Stats(); st.Appended != 0 {
		t.Errorf("Stats.Appended = %d; want 0", st.Appended)
	}
}

// A file of schema version 1 (before events had auto and orders their
// current price and tracking) opens, migrates and keeps its rows.
func TestOpen_MigratesVersion1(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v1.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{migrations[0], "PRAGMA user_version = 1",
		`INSERT INTO runs (scenario, seed, speed, contract) VALUES ('x', 1, 1, '')`,
		`INSERT INTO conversations (run_id, id, case_name, persona, presales, order_id, product, price_fen, logistics, earlier_refunds)
			VALUES (1, 'c1', '', '', 0, 'o1', 'coat', 100, '', 0)`,
		`INSERT INTO events (run_id, conv_id, seq, sender, kind, agent, text, rating) VALUES (1, 'c1', 0, 'customer', 'message', '', 'hi', 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 1 file: %v", err)
	}
	defer s.Close()
	c, err := s.Conversation(ctx, 1, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Order.Product != "coat" || c.Order.CurrentPrice != 0 || c.Order.Tracking != "" || len(c.Events) != 1 || c.Events[0].Text != "hi" || c.Events[0].Auto {
		t.Errorf("after migration: %+v; want the version 1 rows with the new fields zero", c)
	}
}

// A file of schema version 7 (events one row each) opens and its events,
// of two runs written interleaved and more than one migrated batch, read
// back the same from event batches; the old table is gone.
func TestOpen_MigratesVersion7(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v7.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 7 {
		if _, err := db.ExecContext(ctx, migrations[i]); err != nil {
			t.Fatalf("migration %d: %v", i+1, err)
		}
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := db.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec("PRAGMA user_version = 7")
	exec(fmt.Sprintf("PRAGMA application_id = %d", ApplicationID))
	const perConv = 700 // two conversations of each run: 2,800 events, three batches
	at := time.Date(2026, 6, 18, 0, 0, 0, 0, time.UTC)
	for run := 1; run <= 2; run++ {
		exec(`INSERT INTO runs (scenario, seed, speed, contract) VALUES ('x', 1, 1, '')`)
		for _, c := range []string{"a", "b"} {
			exec(`INSERT INTO conversations (run_id, id, case_name, persona, presales, order_id, product, price_fen, logistics, earlier_refunds)
				VALUES (?, ?, '', '', 0, 'o1', 'coat', 100, '', 0)`, run, c)
		}
	}
	for i := range perConv {
		for run := 1; run <= 2; run++ {
			for _, c := range []string{"a", "b"} {
				exec(`INSERT INTO events (run_id, conv_id, seq, at, sender, kind, agent, text, action, amount_fen, payer, reason, rating, auto)
					VALUES (?, ?, ?, ?, 'agent', 'action', 'li', ?, 'refund', ?, 'seller', '', 0, ?)`,
					run, c, i, at.Add(time.Duration(i)*time.Second).UnixNano(), fmt.Sprintf("%d/%s/%d", run, c, i), 100+i, i%2)
			}
		}
	}
	db.Close()
	s, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open of a version 7 file: %v", err)
	}
	defer s.Close()
	for run := int64(1); run <= 2; run++ {
		cs, err := s.Conversations(ctx, run)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) != 2 {
			t.Fatalf("run %d: %d conversations; want 2", run, len(cs))
		}
		for _, c := range cs {
			if len(c.Events) != perConv {
				t.Fatalf("run %d %s: %d events; want %d", run, c.ID, len(c.Events), perConv)
			}
			for i, e := range c.Events {
				want := sim.Event{At: at.Add(time.Duration(i) * time.Second), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "li",
					Text:   fmt.Sprintf("%d/%s/%d", run, c.ID, i),
					Action: &sim.Action{Kind: sim.ActRefund, Amount: sim.Money(100 + i), Payer: sim.PayerSeller}, Auto: i%2 == 1}
				if !reflect.DeepEqual(e, want) {
					t.Fatalf("run %d %s event %d = %+v; want %+v", run, c.ID, i, e, want)
				}
			}
		}
	}
	var tables int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'events'`).Scan(&tables); err != nil || tables != 0 {
		t.Errorf("the events table is left (%d, %v); want it dropped", tables, err)
	}
}

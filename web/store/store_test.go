package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// openStore opens a store on a new file in t.TempDir and closes it when the
// test ends.
func openStore(t testing.TB, o store.Options) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "deskdrill.db")
	s, err := store.Open(context.Background(), path, o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// rawDB opens the file as a second, independent client: what it reads is
// what another process would find on disk.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatalf("open raw: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

var t0 = time.Date(2025, 11, 11, 0, 0, 0, 123456789, time.UTC)

func newRun(t testing.TB, s *store.Store) int64 {
	t.Helper()
	id, err := s.CreateRun(context.Background(), store.Run{Scenario: "double11", Seed: 42, Speed: 60, Contract: "standard", Started: t0})
	if err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	return id
}

func sampleConversation(id string, arrived time.Time) *sim.Conversation {
	return &sim.Conversation{
		ID:      id,
		Case:    "wrong_size",
		Persona: "impatient",
		Arrived: arrived,
		Order: sim.Order{
			ID: "o-" + id, Product: "down jacket", Price: 129950,
			Paid: arrived.Add(-72 * time.Hour), Shipped: arrived.Add(-48 * time.Hour),
			Logistics: "signed", EarlierRefunds: 2, CurrentPrice: 99900, Tracking: "SF1234567890 YT9876543210",
		},
		Events: []sim.Event{{At: arrived, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "尺码不对，能换吗？"}},
	}
}

func mustFlush(t testing.TB, s *store.Store) {
	t.Helper()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatalf("Flush: %v", err)
	}
}

// The store maps these types field by field; a new field must be added to
// the schema, the writer and the reader, or it is silently lost.
func TestRecordTypes_Fields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int
	}{
		{sim.Conversation{}, 7},
		{sim.Event{}, 8},
		{sim.Action{}, 4},
		{sim.Order{}, 10},
	} {
		if got := reflect.TypeOf(tc.v).NumField(); got != tc.want {
			t.Errorf("%T has %d fields; the store maps %d: update schema.go, writer.go and conversations.go", tc.v, got, tc.want)
		}
	}
}

func TestStore_Runs(t *testing.T) {
	ctx := t.Context()
	// Exclusive, as the server opens it: its runs without an end are live.
	s, _ := openStore(t, store.Options{Exclusive: true})
	want := store.Run{
		Scenario: "618", Seed: 1<<64 - 1, Speed: 12.5, Contract: "promotion-sla",
		Started: t0, Config: []byte(`{"agents":3}`),
	}
	id, err := s.CreateRun(ctx, want)
	if err != nil {
		t.Fatalf("CreateRun: %v", err)
	}
	want.ID, want.State = id, store.RunLive
	got, err := s.Run(ctx, id)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Run(%d) = %+v; want %+v", id, got, want)
	}

	end := t0.Add(time.Hour)
	if err := s.EndRun(ctx, id, end); err != nil {
		t.Fatalf("EndRun: %v", err)
	}
	id2 := newRun(t, s)
	runs, err := s.Runs(ctx)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	if len(runs) != 2 || runs[0].ID != id2 || runs[1].ID != id || !runs[1].Ended.Equal(end) || !runs[0].Ended.IsZero() ||
		runs[0].State != store.RunLive || runs[1].State != store.RunEnded {
		t.Errorf("Runs = %+v; want run %d (live) then run %d (ended %v)", runs, id2, id, end)
	}

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"Run", func() error { _, err := s.Run(ctx, 999); return err }()},
		{"EndRun", s.EndRun(ctx, 999, end)},
		{"Conversations", func() error { _, err := s.Conversations(ctx, 999); return err }()},
		{"Conversation", func() error { _, err := s.Conversation(ctx, id, "nope"); return err }()},
		{"Scores", func() error { _, err := s.Scores(ctx, 999); return err }()},
		{"Agents", func() error { _, err := s.Agents(ctx, 999); return err }()},
	} {
		if !errors.Is(tc.err, store.ErrNotFound) {
			t.Errorf("%s of a missing row: got %v; want ErrNotFound", tc.name, tc.err)
		}
	}

	if _, err := s.CreateRun(ctx, store.Run{Config: []byte("{")}); err == nil {
		t.Errorf("CreateRun with invalid JSON config: got nil error; want one")
	}
	if _, err := s.CreateRun(ctx, store.Run{Started: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}); err == nil {
		t.Errorf("CreateRun in the year 3000: got nil error; want one")
	}
}

func TestStore_ConversationRoundTrip(t *testing.T) {
	ctx := t.Context()
	s, _ := openStore(t, store.Options{})
	run := newRun(t, s)
	want := sampleConversation("c1", t0)
	want.Presales = true
	want.Order.CurrentPrice, want.Order.Tracking = 99900, "SF1234567890 YT9876543210"
	more := []sim.Event{
		{At: t0.Add(time.Second), Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: "li"},
		{At: t0.Add(time.Second), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "li", Text: "您好，在的", Auto: true},
		{At: t0.Add(2 * time.Second), Sender: sim.SenderCustomer, Kind: sim.EventEvidence, Text: "photo: label shows size M"},
		{At: t0.Add(3 * time.Second), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "li",
			Action: &sim.Action{Kind: sim.ActRefund, Amount: 12345}},
		{At: t0.Add(4 * time.Second), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "li",
			Action: &sim.Action{Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}},
		{At: t0.Add(5 * time.Second), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "li",
			Action: &sim.Action{Kind: sim.ActEscalate, Reason: "suspected fraud"}},
		{At: t0.Add(6 * time.Second), Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: 4},
		{Sender: sim.SenderSystem, Kind: sim.EventClose}, // zero time
	}
	if err := s.StartConversation(ctx, run, want); err != nil {
		t.Fatalf("StartConversation: %v", err)
	}
	for i, e := range more {
		if err := s.AppendEvent(ctx, run, want.ID, i+1, e); err != nil {
			t.Fatalf("AppendEvent %d: %v", i+1, err)
		}
	}
	want.Events = append(want.Events, more...)
	// The store copies: changing the caller's values afterwards changes
	// nothing stored.
	more[3].Action.Amount = 1
	want2 := *want
	want2.Events = append([]sim.Event(nil), want.Events...)
	want2.Events[4].Action = &sim.Action{Kind: sim.ActRefund, Amount: 12345}
	mustFlush(t, s)

	got, err := s.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatalf("Conversation: %v", err)
	}
	if !reflect.DeepEqual(got, &want2) {
		t.Errorf("Conversation round trip:\ngot  %+v\nwant %+v", got, &want2)
	}
	all, err := s.Conversations(ctx, run)
	if err != nil {
		t.Fatalf("Conversations: %v", err)
	}
	if len(all) != 1 || !reflect.DeepEqual(all[0], &want2) {
		t.Errorf("Conversations = %+v; want [%+v]", all, &want2)
	}
}

func TestStore_ConversationsOrder(t *testing.T) {
	ctx := t.Context()
	s, _ := openStore(t, store.Options{})
	run := newRun(t, s)
	// Arrival order differs from ID order; c3 has no events.
	for _, c := range []struct {
		id      string
		arrived time.Duration
		events  bool
	}{{"c2", 2, true}, {"c1", 3, true}, {"c3", 1, false}, {"c0", 3, true}} {
		conv := sampleConversation(c.id, t0.Add(c.arrived*time.Minute))
		if !c.events {
			conv.Events = nil
		}
		if err := s.StartConversation(ctx, run, conv); err != nil {
			t.Fatalf("StartConversation: %v", err)
		}
	}
	// Events appended out of seq order come back in seq order.
	for _, seq := range []int{5, 3, 9} {
		if err := s.AppendEvent(ctx, run, "c2", seq, sim.Event{At: t0, Kind: sim.EventMessage, Text: fmt.Sprint(seq)}); err != nil {
			t.Fatal(err)
		}
	}
	mustFlush(t, s)
	all, err := s.Conversations(ctx, run)
	if err != nil {
		t.Fatalf("Conversations: %v", err)
	}
	var ids []string
	for _, c := range all {
		ids = append(ids, fmt.Sprintf("%s:%d", c.ID, len(c.Events)))
	}
	if got, want := strings.Join(ids, " "), "c3:0 c2:4 c0:1 c1:1"; got != want {
		t.Errorf("Conversations order = %s; want %s", got, want)
	}
	var texts []string
	for _, e := range all[1].Events[1:] {
		texts = append(texts, e.Text)
	}
	if got, want := strings.Join(texts, ","), "3,5,9"; got != want {
		t.Errorf("c2 events = %s; want %s", got, want)
	}
}

func TestStore_ScoresAndAgents(t *testing.T) {
	ctx := t.Context()
	s, _ := openStore(t, store.Options{})
	run := newRun(t, s)
	for _, id := range []string{"c1", "c2"} {
		if err := s.StartConversation(ctx, run, sampleConversation(id, t0)); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		conv, agent string
		total       float64
		json        string
	}{
		{"c2", "li", 0.5, `{"total":0.5}`},
		{"c1", "wang", 0.75, `{"total":0.75}`},
		{"c2", "li", 0.9, `{"total":0.9,"rescored":true}`}, // replaces the first
	}
	for _, st := range steps {
		if err := s.SaveScore(ctx, run, st.conv, st.agent, []byte(st.json), st.total); err != nil {
			t.Fatalf("SaveScore: %v", err)
		}
	}
	if err := s.SaveScore(ctx, run, "c1", "li", []byte("not json"), 1); err == nil {
		t.Errorf("SaveScore with invalid JSON: got nil error; want one")
	}
	for _, a := range [][2]string{{"wang", "agent"}, {"li", "agent"}, {"li", "supervisor"}} {
		if err := s.UpsertAgent(ctx, run, a[0], a[1]); err != nil {
			t.Fatalf("UpsertAgent: %v", err)
		}
	}
	mustFlush(t, s)

	scores, err := s.Scores(ctx, run)
	if err != nil {
		t.Fatalf("Scores: %v", err)
	}
	want := []store.ScoreRow{
		{ConvID: "c1", Agent: "wang", Total: 0.75, JSON: []byte(`{"total":0.75}`)},
		{ConvID: "c2", Agent: "li", Total: 0.9, JSON: []byte(`{"total":0.9,"rescored":true}`)},
	}
	if !reflect.DeepEqual(scores, want) {
		t.Errorf("Scores = %+v; want %+v", scores, want)
	}
	agents, err := s.Agents(ctx, run)
	if err != nil {
		t.Fatalf("Agents: %v", err)
	}
	wantAgents := []store.Agent{{Name: "li", Role: "supervisor"}, {Name: "wang", Role: "agent"}}
	if !reflect.DeepEqual(agents, wantAgents) {
		t.Errorf("Agents = %+v; want %+v", agents, wantAgents)
	}
}

// Without Flush, the writer commits a batch within FlushInterval, and
// another client of the file sees it.
func TestStore_CommitsWithinFlushInterval(t *testing.T) {
	const interval = 50 * time.Millisecond
	ctx := t.Context()
	s, path := openStore(t, store.Options{FlushInterval: interval})
	run := newRun(t, s)
	raw := rawDB(t, path)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for {
		if count(t, raw, `SELECT coalesce(sum(events), 0) FROM event_batches`) == 1 {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("conversation not committed 5s after StartConversation (FlushInterval %v)", interval)
		}
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	t.Logf("committed %v after StartConversation (FlushInterval %v)", time.Since(start).Round(time.Millisecond), interval)
	// The writer counts a batch just after its COMMIT returns: another
	// client may see the rows a moment before.
	st := s.Stats()
	for deadline := time.Now().Add(time.Second); st.Committed != 2 && time.Now().Before(deadline); st = s.Stats() {
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	if st.Committed != 2 || st.Batches != 1 {
		t.Errorf("Stats = %+v; want 2 rows committed in 1 batch", st)
	}
}

// Flush makes everything appended before it visible to another client, even
// with a FlushInterval too long to commit anything by itself.
func TestStore_Flush(t *testing.T) {
	ctx := t.Context()
	s, path := openStore(t, store.Options{FlushInterval: time.Hour, MaxBatch: 100_000})
	run := newRun(t, s)
	raw := rawDB(t, path)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 500; i++ {
		if err := s.AppendEvent(ctx, run, "c1", i, sim.Event{At: t0, Kind: sim.EventMessage}); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, raw, `SELECT coalesce(sum(events), 0) FROM event_batches`); n != 0 {
		t.Fatalf("before Flush another client sees %d events; want 0 (FlushInterval 1h)", n)
	}
	mustFlush(t, s)
	if n := count(t, raw, `SELECT coalesce(sum(events), 0) FROM event_batches`); n != 501 {
		t.Errorf("after Flush another client sees %d events; want 501", n)
	}
	mustFlush(t, s) // an empty flush
}

// Everything appended before Close is on disk after it.
func TestStore_Close(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "close.db")
	s, err := store.Open(ctx, path, store.Options{FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	run := newRun(t, s)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	const n = 5000 // several MaxBatch batches and a partial one
	for i := 1; i <= n; i++ {
		if err := s.AppendEvent(ctx, run, "c1", i, sim.Event{At: t0.Add(time.Duration(i)), Kind: sim.EventMessage}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v; want nil", err)
	}
	if st := s.Stats(); st.Appended != n+2 || st.Committed != n+2 {
		t.Errorf("Stats after Close = %+v; want %d appended and committed", st, n+2)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"AppendEvent", s.AppendEvent(ctx, run, "c1", n+1, sim.Event{})},
		{"Flush", s.Flush(ctx)},
		{"CreateRun", func() error { _, err := s.CreateRun(ctx, store.Run{}); return err }()},
		{"Runs", func() error { _, err := s.Runs(ctx); return err }()},
		{"Authenticate", func() error { _, err := s.Authenticate(ctx, "dd_"+strings.Repeat("a", 43)); return err }()},
	} {
		if !errors.Is(tc.err, store.ErrClosed) {
			t.Errorf("%s after Close: got %v; want ErrClosed", tc.name, tc.err)
		}
	}

	s2, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	c, err := s2.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Events) != n+1 {
		t.Errorf("after Close and reopen: %d events; want %d", len(c.Events), n+1)
	}
}

// A refused row is reported by the next Flush, once; the rest of its batch
// is stored.
func TestStore_RowRejected(t *testing.T) {
	ev := sim.Event{At: t0, Kind: sim.EventMessage, Text: "hi"}
	for _, tc := range []struct {
		name    string
		write   func(*store.Store, int64) error
		wantOp  string
		wantKey string
		rows    uint64
	}{
		{"event of unknown conversation", func(s *store.Store, run int64) error {
			return s.AppendEvent(context.Background(), run, "nope", 0, ev)
		}, "append event", "nope#0", 1},
		{"duplicate seq", func(s *store.Store, run int64) error {
			return s.AppendEvent(context.Background(), run, "c1", 0, ev)
		}, "append event", "c1#0", 1},
		{"duplicate conversation", func(s *store.Store, run int64) error {
			c := sampleConversation("c1", t0)
			c.Events = append(c.Events, ev, ev) // stored whole or not at all
			return s.StartConversation(context.Background(), run, c)
		}, "start conversation", "c1", 4}, // the conversation and its 3 events
		{"unknown run", func(s *store.Store, _ int64) error {
			return s.UpsertAgent(context.Background(), 999, "li", "agent")
		}, "upsert agent", "li", 1},
		{"score of unknown conversation", func(s *store.Store, run int64) error {
			return s.SaveScore(context.Background(), run, "nope", "li", []byte(`{}`), 1)
		}, "save score", "nope/li", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := t.Context()
			s, _ := openStore(t, store.Options{})
			run := newRun(t, s)
			if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
				t.Fatal(err)
			}
			mustFlush(t, s)
			if err := tc.write(s, run); err != nil {
				t.Fatalf("write: %v", err)
			}
			if err := s.AppendEvent(ctx, run, "c1", 1, ev); err != nil {
				t.Fatal(err)
			}
			err := s.Flush(ctx)
			var re *store.RowError
			if !errors.As(err, &re) {
				t.Fatalf("Flush = %v; want a *RowError", err)
			}
			if re.Op != tc.wantOp || re.Key != tc.wantKey || re.Run == 0 || re.Err == nil {
				t.Errorf("RowError = %+v; want op %q key %q", re, tc.wantOp, tc.wantKey)
			}
			if err := s.Flush(ctx); err != nil {
				t.Errorf("second Flush = %v; want nil (reported once)", err)
			}
			c, err := s.Conversation(ctx, run, "c1")
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Events) != 2 || c.Events[0].Text != "尺码不对，能换吗？" {
				t.Errorf("c1 has %d events (%+v); want the 2 accepted ones", len(c.Events), c.Events)
			}
			if st := s.Stats(); st.Rejected != tc.rows {
				t.Errorf("Stats.Rejected = %d; want %d", st.Rejected, tc.rows)
			}
		})
	}
}

// When the writer cannot commit (another client holds the write lock), the
// queue fills and AppendEvent waits with its ctx, then fails with ctx's
// error; nothing is dropped silently, and everything accepted is stored once
// the lock is free.
func TestStore_QueueFull(t *testing.T) {
	ctx := t.Context()
	s, path := openStore(t, store.Options{QueueSize: 4, MaxBatch: 2, FlushInterval: time.Millisecond})
	run := newRun(t, s)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)

	lock, err := rawDB(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	accepted := 0
	for seq := 1; ; seq++ {
		actx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		err := s.AppendEvent(actx, run, "c1", seq, sim.Event{At: t0, Kind: sim.EventMessage})
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatalf("AppendEvent %d: %v", seq, err)
		}
		accepted++
		if seq > 100 {
			t.Fatalf("appended %d events while the writer was locked out; want the queue (4) to fill", seq)
		}
	}
	if st := s.Stats(); st.QueueFull == 0 {
		t.Errorf("Stats.QueueFull = 0; want the wait counted")
	}
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	c, err := s.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(c.Events), 1+accepted; got != want {
		t.Errorf("stored %d events; want %d (1 + %d accepted)", got, want, accepted)
	}
}

// Producers and readers at once: each reader sees a consistent prefix of
// every conversation, and everything is there after Flush.
func TestStore_Concurrent(t *testing.T) {
	ctx := t.Context()
	s, _ := openStore(t, store.Options{FlushInterval: 5 * time.Millisecond, MaxBatch: 64})
	run := newRun(t, s)
	const producers, events = 8, 300
	var wg sync.WaitGroup
	for p := range producers {
		wg.Go(func() {
			id := fmt.Sprintf("c%d", p)
			if err := s.StartConversation(ctx, run, sampleConversation(id, t0.Add(time.Duration(p)))); err != nil {
				t.Error(err)
				return
			}
			for i := 1; i <= events; i++ {
				if err := s.AppendEvent(ctx, run, id, i, sim.Event{At: t0, Kind: sim.EventMessage, Text: fmt.Sprint(i)}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				all, err := s.Conversations(ctx, run)
				if err != nil {
					t.Error(err)
					return
				}
				for _, c := range all {
					for i, e := range c.Events[1:] {
						if e.Text != fmt.Sprint(i+1) {
							t.Errorf("%s event %d = %q; want a prefix in seq order", c.ID, i+1, e.Text)
							return
						}
					}
				}
			}
		})
	}
	wg.Wait()
	mustFlush(t, s)
	close(stop)
	readers.Wait()
	all, err := s.Conversations(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != producers {
		t.Fatalf("%d conversations; want %d", len(all), producers)
	}
	for _, c := range all {
		if len(c.Events) != events+1 {
			t.Errorf("%s: %d events; want %d", c.ID, len(c.Events), events+1)
		}
	}
}

func TestOpen_Errors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string
		o    store.Options
	}{
		{"empty path", "", store.Options{}},
		{"memory", ":memory:", store.Options{}},
		{"query in path", filepath.Join(dir, "a.db?mode=ro"), store.Options{}},
		{"negative interval", filepath.Join(dir, "b.db"), store.Options{FlushInterval: -time.Second}},
		{"negative queue", filepath.Join(dir, "c.db"), store.Options{QueueSize: -1}},
		{"negative batch", filepath.Join(dir, "d.db"), store.Options{MaxBatch: -1}},
		{"missing directory", filepath.Join(dir, "no", "such", "e.db"), store.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := store.Open(t.Context(), tc.path, tc.o)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q, %+v) = nil error; want one", tc.path, tc.o)
			}
			if !strings.HasPrefix(err.Error(), "open store") {
				t.Errorf("error %q; want it to start with %q", err, "open store")
			}
		})
	}
}

// Open sets the schema version, opens its own file again without
// migrating twice, and refuses a file from a newer program.
func TestOpen_SchemaVersion(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "v.db")
	for range 2 {
		s, err := store.Open(ctx, path, store.Options{})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	raw := rawDB(t, path)
	if v := count(t, raw, "PRAGMA user_version"); v != store.SchemaVersion {
		t.Errorf("user_version = %d; want %d", v, store.SchemaVersion)
	}
	var mode string
	if err := raw.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	if _, err := raw.Exec(fmt.Sprintf("PRAGMA user_version = %d", store.SchemaVersion+1)); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(ctx, path, store.Options{})
	if err == nil {
		s.Close()
		t.Fatalf("Open of a newer schema = nil error; want one")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Errorf("error %q; want it to say the schema is newer", err)
	}
}

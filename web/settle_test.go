package web_test

import (
	"path/filepath"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"

	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestReviewRun_InterruptedBeforeTheMark: live.md, "report, export … say
// so at once", and a conversation open at an interruption "whose buyer had
// already waited past the reply threshold (3 min) counts as missed; the
// others are left out of the KPIs". A report of a dead hub's run before
// any serve marks it judged both open chats as unanswered (600 s, a
// timeout each; a black-box tester); after the mark, by the rule. Now
// the same, before and after.
func TestReviewRun_InterruptedBeforeTheMark(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "r.db")
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	s, err := store.Open(ctx, path, store.Options{Exclusive: true})
	must(err)
	id, err := s.CreateRun(ctx, store.Run{Scenario: "steady-day", Speed: 1, Started: t0})
	must(err)
	chat := func(cid string, at time.Time) *sim.Conversation {
		return &sim.Conversation{ID: cid, Case: sim.CaseRefundUnshipped, Arrived: at,
			Order:  sim.Order{ID: "o-" + cid, Product: "T恤", Price: 5900, Paid: at.Add(-2 * time.Hour)},
			Events: []sim.Event{{At: at, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "还没发货，退款吧"}}}
	}
	// c000001 waits 200 s unanswered; c000002 writes 1 s before the hub dies.
	must(s.StartConversation(ctx, id, chat("c000001", t0)))
	must(s.StartConversation(ctx, id, chat("c000002", t0.Add(199*time.Second))))
	must(s.AppendEvent(ctx, id, "c000002", 1, sim.Event{At: t0.Add(200 * time.Second), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗"}))
	must(s.Close()) // the process died: no end recorded

	judge := func(o store.Options) (store.Run, map[string]float64, map[string]float64, []string) {
		t.Helper()
		r, err := store.Open(ctx, path, o)
		must(err)
		defer r.Close()
		if o.Exclusive {
			_, err := r.MarkInterrupted(ctx, t0.Add(time.Hour))
			must(err)
		}
		run, rv, err := web.ReviewRun(ctx, r, id, nil)
		must(err)
		return run, rv.KPIs, rv.Counts, rv.Notes
	}
	run, k1, n1, notes1 := judge(store.Options{})
	if in := run.Interrupted(); in == nil || !in.Found.IsZero() {
		t.Fatalf("the reader's run %+v; want interrupted, not yet marked", run)
	}
	_, k2, n2, notes2 := judge(store.Options{Exclusive: true})
	if !reflect.DeepEqual(k1, k2) || !reflect.DeepEqual(n1, n2) {
		t.Errorf("before the mark: %v %v\nafter: %v %v\nwant the same", k1, n1, k2, n2)
	}
	// One counted missed (it had waited 200 s: the buyer left unanswered),
	// one left out. (The scenario's clock puts the run at night, outside
	// the business hours the timeliness KPIs count; abandonment counts
	// all day.)
	if n1["n_sessions"] != 1 || k1["abandon_rate"] != 1 {
		t.Errorf("before the mark: %v sessions, abandon rate %v; want 1 and 1 (c000002 left out)", n1["n_sessions"], k1["abandon_rate"])
	}
	cut := func(notes []string) bool {
		return slices.ContainsFunc(notes, func(n string) bool { return strings.Contains(n, "cut off 2 conversations: 1 counted missed") })
	}
	if !cut(notes1) || !cut(notes2) {
		t.Errorf("notes before %q, after %q; want the cut of 2, 1 missed", notes1, notes2)
	}
}

// TestReviewRun_LiveLeavesOpenChatsOut: a report beside a serve judged a
// buyer who had waited a second as unanswered (600 s, not served, a
// timeout); the serving hub's own review judges only what has ended. The
// report now does the same, and says how many are still open.
func TestReviewRun_LiveLeavesOpenChatsOut(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "live.db")
	// Exclusive, as serve opens it: a reader then sees the run live.
	l := startOn(t, path, store.Options{Exclusive: true})
	st, url, info, plain := l.st, l.url, l.info, l.customer
	ws, _, err := websocket.DefaultDialer.Dial(url+"/ws/customer?token="+plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	if err := ws.WriteJSON(map[string]any{"v": 1, "type": "start", "id": "s", "customer": map[string]any{"name": "买家"}, "text": "在吗"}); err != nil {
		t.Fatal(err)
	}
	for {
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatal(err)
		}
		if f.Type == protocol.TypeStarted {
			break
		}
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// The report's process: another store on the file, beside the serve.
	rd, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	run, rv, err := web.ReviewRun(ctx, rd, info.Run.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.State != store.RunLive || rv.Conversations != 0 || rv.Counts["n_sessions"] != 0 ||
		!slices.ContainsFunc(rv.Notes, func(n string) bool { return strings.Contains(n, "1 conversations still open") }) {
		t.Errorf("a live run with one chat open: state %s, %d conversations judged, %v sessions, notes %q; want live, none judged, a note", run.State, rv.Conversations, rv.Counts["n_sessions"], rv.Notes)
	}
}

package store_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// codecRows are events with every optional part present and absent.
func codecRows() []store.EventRow {
	at := time.Date(2026, 11, 11, 0, 0, 1, 5, time.UTC)
	return []store.EventRow{
		{Conv: "c1", Seq: 0, Event: sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "尺码不对，能换吗？"}},
		{Conv: "c1", Seq: 1, Event: sim.Event{At: at.Add(time.Second), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "li", Text: "您好", Auto: true}},
		{Conv: "c2", Seq: 7, Event: sim.Event{At: at, Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "li",
			Action: &sim.Action{Kind: sim.ActRefund, Amount: 129950, Payer: sim.Payer("shop"), Reason: "质量问题"}}},
		{Conv: "", Seq: 1 << 20, Event: sim.Event{Sender: sim.SenderSystem, Kind: sim.EventClose}}, // no time
		{Conv: "c3", Seq: 2, Event: sim.Event{At: time.Unix(0, -1).UTC(), Kind: sim.EventRating, Rating: -3,
			Action: &sim.Action{Kind: sim.ActCompensate, Amount: -1}}},
	}
}

func TestEventCodec_RoundTrip(t *testing.T) {
	rows := codecRows()
	for n := 0; n <= len(rows); n++ {
		got, err := store.DecodeEvents(store.EncodeEvents(rows[:n]))
		if err != nil {
			t.Fatalf("%d rows: %v", n, err)
		}
		if n == 0 && len(got) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, rows[:n]) {
			t.Errorf("%d rows: decoded\n%+v\nwant\n%+v", n, got, rows[:n])
		}
	}
}

func TestEventCodec_Damaged(t *testing.T) {
	good := store.EncodeEvents(codecRows())
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"another version", append([]byte{9}, good[1:]...)},
		{"unknown flag", []byte{1, 0x80}},
		{"cut short", good[:len(good)-1]},
		{"cut in a string", good[:10]},
		{"string longer than the data", []byte{1, 0, 0xff, 0xff, 0x03}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := store.DecodeEvents(tc.data); err == nil {
				t.Errorf("DecodeEvents(%x) = nil error; want one", tc.data)
			}
		})
	}
}

// Whatever the bytes, DecodeEvents returns rows or an error, never panics;
// rows it returns encode to bytes that decode to the same rows.
func FuzzDecodeEvents(f *testing.F) {
	f.Add(store.EncodeEvents(codecRows()))
	f.Add(store.EncodeEvents(codecRows()[:1]))
	f.Add([]byte{1})
	f.Add([]byte{1, 7, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := store.DecodeEvents(data)
		if err != nil {
			return
		}
		again, err := store.DecodeEvents(store.EncodeEvents(rows))
		if err != nil {
			t.Fatalf("re-encoded rows do not decode: %v", err)
		}
		if len(rows) != len(again) || (len(rows) > 0 && !reflect.DeepEqual(rows, again)) {
			t.Fatalf("round trip changed the rows:\n%+v\n%+v", rows, again)
		}
	})
}

// The writer refuses what a key on the events had refused, for a
// conversation of an earlier session of the file too: it learns them from
// the file.
func TestStore_RefusesAfterReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t, store.Options{})
	run := newRun(t, s)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvent(ctx, run, "c1", 5, sim.Event{At: t0, Kind: sim.EventMessage, Text: "five"}); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	for _, tc := range []struct {
		conv   string
		seq    int
		refuse bool
	}{
		{"c1", 0, true},  // written by StartConversation
		{"c1", 5, true},  // appended
		{"c1", 3, false}, // a gap is no duplicate
		{"c1", 3, true},  // but now it is
		{"c1", -1, true},
		{"nope", 0, true},
		{"c1", 6, false},
	} {
		if err := s2.AppendEvent(ctx, run, tc.conv, tc.seq, sim.Event{At: t0, Kind: sim.EventMessage, Text: "x"}); err != nil {
			t.Fatal(err)
		}
		err := s2.Flush(ctx)
		var re *store.RowError
		if refused := errors.As(err, &re); refused != tc.refuse {
			t.Errorf("%s#%d: Flush = %v; want refused %v", tc.conv, tc.seq, err, tc.refuse)
		}
	}
	c, err := s2.Conversation(ctx, run, "c1")
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, e := range c.Events {
		texts = append(texts, e.Text)
	}
	if want := []string{"尺码不对，能换吗？", "x", "five", "x"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("c1's events = %q; want %q (in seq order 0, 3, 5, 6)", texts, want)
	}
}

// A damaged batch fails the read with an error that names its row, and
// the file is left as it was.
func TestStore_DamagedBatchNamed(t *testing.T) {
	ctx := context.Background()
	s, path := openStore(t, store.Options{})
	run := newRun(t, s)
	if err := s.StartConversation(ctx, run, sampleConversation("c1", t0)); err != nil {
		t.Fatal(err)
	}
	mustFlush(t, s)
	raw := rawDB(t, path)
	if _, err := raw.Exec(`UPDATE event_batches SET data = x'0107' WHERE run_id = ?`, run); err != nil {
		t.Fatal(err)
	}
	_, err := s.Conversations(ctx, run)
	if err == nil || !strings.Contains(err.Error(), "event_batches row 1") || !strings.Contains(err.Error(), "damaged event batch") {
		t.Errorf("Conversations of a damaged batch = %v; want an error naming event_batches row 1", err)
	}
}

package scenarios_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// sample has two interleaved conversations, events out of time order,
// amounts as string and number, and the per-conversation fields on a later
// line.
const sample = `{"conversation": "a", "time": "2026-11-11T10:00:30+08:00", "sender": "agent", "agent": "li", "text": "您好"}
{"conversation": "b", "time": "2026-11-11T11:00:00Z", "sender": "customer", "text": "有L码吗", "case": "presales_question"}

{"conversation": "a", "time": "2026-11-11T10:00:00+08:00", "sender": "customer", "text": "杯子裂了", "case": "quality_defect", "persona": "calm", "order": {"id": "o1", "price": 89, "paid": "2026-11-08T21:14:09+08:00", "earlier_refunds": 1}}
{"conversation": "a", "time": "2026-11-11T10:01:00+08:00", "sender": "agent", "kind": "action", "action": {"kind": "refund", "amount": "12.50"}, "case": "quality_defect"}
{"conversation": "a", "time": "2026-11-11T10:01:00+08:00", "sender": "agent", "kind": "action", "action": {"kind": "approve_return", "shipping_payer": "seller"}}
{"conversation": "b", "time": "2026-11-11T11:00:05.25Z", "sender": "agent", "text": "有的"}
{"conversation": "a", "time": "2026-11-11T10:02:00+08:00", "sender": "customer", "kind": "rating", "rating": 4, "text": null}
`

func TestReadTranscripts(t *testing.T) {
	convs, err := scenarios.ReadTranscripts(strings.NewReader(sample), "sample.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if len(convs) != 2 || convs[0].ID != "a" || convs[1].ID != "b" {
		t.Fatalf("conversations %v; want a, b in order of first appearance", ids(convs))
	}
	a, b := convs[0], convs[1]
	cst := time.FixedZone("", 8*3600)
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"a.Case", a.Case, sim.CaseQualityDefect},
		{"a.Persona", a.Persona, "calm"},
		{"a.Presales", a.Presales, false},
		{"a.Order.Price", a.Order.Price, sim.Money(8900)},
		{"a.Order.ID", a.Order.ID, "o1"},
		{"a.Order.EarlierRefunds", a.Order.EarlierRefunds, 1},
		{"a.Order.Paid", a.Order.Paid.Equal(time.Date(2026, 11, 8, 21, 14, 9, 0, cst)), true},
		{"a.Arrived is the first customer message", a.Arrived.Equal(time.Date(2026, 11, 11, 10, 0, 0, 0, cst)), true},
		{"a's texts in time order", texts(a), []string{"杯子裂了", "您好", "", "", ""}},
		{"a's actions keep file order at equal times", a.Actions(), []sim.Action{
			{Kind: sim.ActRefund, Amount: 1250}, {Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}}},
		{"a's rating", a.Events[4].Rating, 4},
		{"b.Presales from its case", b.Presales, true},
		{"b's reply time", b.Events[1].At.Sub(b.Events[0].At), 5250 * time.Millisecond},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("%s: got %v; want %v", tc.what, tc.got, tc.want)
		}
	}
}

func ids(cs []*sim.Conversation) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func texts(c *sim.Conversation) []string {
	var out []string
	for _, e := range c.Events {
		out = append(out, e.Text)
	}
	return out
}

// line builds a transcript line from a valid base with fields replaced
// (key: value as raw JSON) or removed (value "").
func line(edits ...string) string {
	fields := [][2]string{
		{"conversation", `"c1"`}, {"time", `"2026-11-11T10:00:00+08:00"`}, {"sender", `"customer"`}, {"text", `"在吗"`},
	}
	for i := 0; i+1 < len(edits); i += 2 {
		k, v := edits[i], edits[i+1]
		j := slices.IndexFunc(fields, func(f [2]string) bool { return f[0] == k })
		switch {
		case j >= 0 && v == "":
			fields = slices.Delete(fields, j, j+1)
		case j >= 0:
			fields[j][1] = v
		default:
			fields = append(fields, [2]string{k, v})
		}
	}
	var b strings.Builder
	b.WriteString("{")
	for i, f := range fields {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %s", f[0], f[1])
	}
	b.WriteString("}")
	return b.String()
}

func TestReadTranscripts_Errors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		want  []string // each error, in order: exact, or a prefix ending in "…"
	}{
		{"a bad time", line("time", `"yesterday"`),
			[]string{`chats.jsonl:1:32: time: want RFC 3339 such as 2026-11-11T00:00:05+08:00, got "yesterday"`}},
		{"a time without offset", line("time", `"2026-11-11T10:00:00"`),
			[]string{`chats.jsonl:1:32: time: want RFC 3339 such as 2026-11-11T00:00:05+08:00, got "2026-11-11T10:00:00"`}},
		{"required fields", `{"text": "hi"}`, []string{
			`chats.jsonl:1:1: conversation: is required…`, `chats.jsonl:1:1: time: is required…`, `chats.jsonl:1:1: sender: is required…`}},
		{"an unknown field", line("mood", `"angry"`),
			[]string{`chats.jsonl:1:97: mood: unknown field "mood" (known fields here: conversation, time, sender, kind, text, auto, agent, action, rating, case, persona, presales, order)`}},
		{"a field given twice", `{"conversation": "c1", "conversation": "c2"}`,
			[]string{`chats.jsonl:1:24: conversation: given twice`}},
		{"a bad sender and kind", line("sender", `"bot"`, "kind", `"wave"`), []string{
			`chats.jsonl:1:71: sender: "bot": want one of [customer agent system]`,
			`chats.jsonl:1:100: kind: "wave": want one of [message evidence action assign requeue leave rating dispute paid close]`}},
		{"a customer action", line("kind", `"action"`, "action", `{"kind": "refund", "amount": 5}`),
			[]string{`chats.jsonl:1:71: sender: customer: actions are the agent's`}},
		{"an action without its kind", line("sender", `"agent"`, "kind", `"action"`, "action", `{"amount": 5}`),
			[]string{`chats.jsonl:1:122: action.kind: is required…`}},
		{"a refund without an amount", line("sender", `"agent"`, "kind", `"action"`, "action", `{"kind": "refund"}`),
			[]string{`chats.jsonl:1:122: action.amount: refund needs an amount above zero`}},
		{"three decimals", line("sender", `"agent"`, "kind", `"action"`, "action", `{"kind": "refund", "amount": "1.005"}`),
			[]string{`chats.jsonl:1:151: action.amount: amount "1.005": want a number with at most two decimals, such as 10000 or 9999.50`}},
		{"an unknown action field", line("sender", `"agent"`, "kind", `"action"`, "action", `{"kind": "close", "why": 1}`),
			[]string{`chats.jsonl:1:140: action.why: unknown field "why" (known fields here: kind, amount, shipping_payer, reason)`}},
		{"a bad payer", line("sender", `"agent"`, "kind", `"action"`, "action", `{"kind": "reship", "shipping_payer": "courier"}`),
			[]string{`chats.jsonl:1:159: action.shipping_payer: shipping payer "courier": want buyer or seller`}},
		{"a rating out of range", line("kind", `"rating"`, "rating", `6`),
			[]string{`chats.jsonl:1:125: rating: want a whole number from 1 to 5, got the number 6`}},
		{"a rating on a message", line("rating", `4`),
			[]string{`chats.jsonl:1:107: rating: only an event of kind rating carries a rating (this one is message)`}},
		{"an unknown case", line("case", `"broken_cup"`),
			[]string{`chats.jsonl:1:105: case: unknown case "broken_cup" (known: …`}},
		{"a wrong type", line("text", `42`), []string{`chats.jsonl:1:91: text: want text, got the number 42`}},
		{"an order that is a list", line("order", `[1, 2]`),
			[]string{`chats.jsonl:1:106: order: want an object with fields id, product, price, paid, shipped, received, logistics, earlier_refunds, current_price, tracking, got a list`}},
		{"a negative price", line("order", `{"price": "-3"}`), []string{`chats.jsonl:1:116: order.price: amount -3.00 is negative`}},
		{"a conflicting case", line("case", `"wrong_item"`) + "\n" + line("case", `"quality_defect"`),
			[]string{`chats.jsonl:2:105: case: "quality_defect" conflicts with "wrong_item" given on line 1: a conversation's case is given once`}},
		{"a conflicting order", line("order", `{"id": "o1"}`) + "\n" + line("order", `{"id": "o2"}`),
			[]string{`chats.jsonl:2:106: order: this order conflicts with the one given on line 1: a conversation's order is given once`}},
		{"presales against the case", line("case", `"wrong_item"`, "presales", `true`),
			[]string{`chats.jsonl:1:1: presales: true, but case wrong_item of conversation "c1" is an after-sales case`}},
		// The whole-conversation check waits for every line to read: a
		// line that failed may be the one that settles it.
		{"presales against the case with a line that failed", line("case", `"presales_question"`, "presales", `false`) + "\nnot json",
			[]string{`chats.jsonl:2:2: JSON syntax: …`}},
		{"JSON syntax", `{"conversation": "c1",` + "\n" + `[1]` + "\n" + line() + ` {}`, []string{
			`chats.jsonl:1:…`, `chats.jsonl:2:1: want a JSON object such as …`, `chats.jsonl:3:97: unexpected data after the object: one event a line`}},
		{"an empty file", "\n  \n", []string{`chats.jsonl: no events: want one JSON object a line…`}},
		{"a line over 1 MiB", line("text", `"`+strings.Repeat("x", scenarios.MaxTranscriptLine)+`"`) + "\n" + line("time", `"x"`),
			[]string{`chats.jsonl:1:1: the line is longer than 1048576 bytes (1 MiB)`, `chats.jsonl:2:32: time: want RFC 3339…`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ReadTranscripts(strings.NewReader(tc.input), "chats.jsonl")
			if err == nil {
				t.Fatal("no error")
			}
			decodeFailure(t, err)
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tc.want) {
				t.Fatalf("%d errors; want %d:\n%s", len(got), len(tc.want), err)
			}
			for i, w := range tc.want {
				if p, ok := strings.CutSuffix(w, "…"); ok && strings.HasPrefix(got[i], p) || got[i] == w {
					continue
				}
				t.Errorf("error %d:\n got %s\nwant %s", i, got[i], w)
			}
		})
	}
}

func TestReadTranscripts_StopsAfter20Errors(t *testing.T) {
	var b strings.Builder
	for range 30 {
		b.WriteString(line("time", `"x"`) + "\n")
	}
	_, err := scenarios.ReadTranscripts(strings.NewReader(b.String()), "chats.jsonl")
	got := strings.Split(err.Error(), "\n")
	if len(got) != 21 || got[20] != "chats.jsonl: stopped at line 20 after 20 errors" {
		t.Errorf("%d lines, last %q; want 20 errors and the stop", len(got), got[len(got)-1])
	}
}

// failingReader fails after its data.
type failingReader struct{ data *strings.Reader }

var errDisk = errors.New("disk on fire")

func (r failingReader) Read(p []byte) (int, error) {
	if r.data.Len() == 0 {
		return 0, errDisk
	}
	return r.data.Read(p)
}

func TestReadTranscripts_ReadError(t *testing.T) {
	_, err := scenarios.ReadTranscripts(failingReader{strings.NewReader(line() + "\n")}, "chats.jsonl")
	if !errors.Is(err, errDisk) || errors.Is(err, scenarios.ErrBadInput) {
		t.Errorf("error %v; want the read error, not bad input", err)
	}
}

// roundTrip writes convs and reads them back.
func roundTrip(t *testing.T, convs []*sim.Conversation) []*sim.Conversation {
	t.Helper()
	var buf bytes.Buffer
	if err := scenarios.WriteTranscripts(&buf, convs); err != nil {
		t.Fatalf("write: %v", err)
	}
	back, err := scenarios.ReadTranscripts(&buf, "written.jsonl")
	if err != nil {
		t.Fatalf("read what was written: %v\n%s", err, buf.String())
	}
	return back
}

func TestWriteTranscripts_RoundTrip(t *testing.T) {
	for _, name := range []string{"sample", "docs"} {
		t.Run(name, func(t *testing.T) {
			src := sample
			if name == "docs" {
				src = docBlocks(t)[0]
			}
			convs, err := scenarios.ReadTranscripts(strings.NewReader(src), name)
			if err != nil {
				t.Fatal(err)
			}
			if back := roundTrip(t, convs); !reflect.DeepEqual(back, convs) {
				t.Errorf("read(write(x)) differs from x:\n got %+v\nwant %+v", back, convs)
			}
		})
	}
}

func TestWriteTranscripts_Errors(t *testing.T) {
	at := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	msg := sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "hi"}
	for _, tc := range []struct {
		name string
		c    *sim.Conversation
		want string
	}{
		{"no id", &sim.Conversation{Events: []sim.Event{msg}}, "write transcripts: conversation 0 has no id"},
		{"no events", &sim.Conversation{ID: "c"}, `write transcripts: conversation "c" has no events`},
		{"no time", &sim.Conversation{ID: "c", Events: []sim.Event{{Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "hi"}}},
			`write transcripts: conversation "c", event 0: time: is required`},
		{"a customer action", &sim.Conversation{ID: "c", Events: []sim.Event{{At: at, Sender: sim.SenderCustomer, Kind: sim.EventAction, Action: &sim.Action{Kind: sim.ActClose}}}},
			`write transcripts: conversation "c", event 0: sender: customer: actions are the agent's`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := scenarios.WriteTranscripts(&bytes.Buffer{}, []*sim.Conversation{tc.c})
			if err == nil || err.Error() != tc.want {
				t.Errorf("error %v; want %s", err, tc.want)
			}
		})
	}
}

var fence = regexp.MustCompile("(?s)```(jsonl|text)\n(.*?)```")

// docBlocks returns the ```jsonl and ```text blocks of docs/transcripts.md
// in order.
func docBlocks(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("../docs/transcripts.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range fence.FindAllStringSubmatch(string(b), -1) {
		out = append(out, m[2])
	}
	if len(out) != 3 {
		t.Fatalf("docs/transcripts.md has %d jsonl and text blocks; want the example, the bad example and its errors", len(out))
	}
	return out
}

// TestTranscriptsDoc checks what docs/transcripts.md says of its example
// (rounds, session, score under the Taobao profile) and that its error
// example prints exactly the errors the page shows.
func TestTranscriptsDoc(t *testing.T) {
	blocks := docBlocks(t)
	convs, err := scenarios.ReadTranscripts(strings.NewReader(blocks[0]), "docs/transcripts.md")
	if err != nil {
		t.Fatalf("the example does not read: %v", err)
	}
	if len(convs) != 1 {
		t.Fatalf("%d conversations; want 1", len(convs))
	}
	c := convs[0]
	p, err := scenarios.LoadProfile("taobao")
	if err != nil {
		t.Fatal(err)
	}
	sc := sim.ScoreConversation(c, p, sim.DefaultScoreWeights())
	runStart := time.Date(2026, 11, 11, 0, 0, 0, 0, c.Arrived.Location())
	s, rounds := sim.SessionOf(c, runStart, sc.Correct)
	var waits []float64
	for _, r := range rounds {
		waits = append(waits, r.Wait)
	}
	for _, tc := range []struct {
		what      string
		got, want any
	}{
		{"case", c.Case, sim.CaseQualityDefect},
		{"round waits", waits, []float64{45, 35, 8}},
		{"first response", s.FirstReply, 45.0},
		{"served", s.Served, true},
		{"rating", s.Rating, 5},
		{"resolved", s.Resolved, true},
		{"resolved after", s.ResolvedAfter, 105.0},
		{"total", sc.Total, 99.0},
		{"timeliness", sc.Timeliness, 24.0},
		{"hard fail", sc.HardFail, false},
		{"deductions", len(sc.Deductions), 1},
	} {
		if !reflect.DeepEqual(tc.got, tc.want) {
			t.Errorf("the example's %s is %v; the page says %v", tc.what, tc.got, tc.want)
		}
	}
	_, err = scenarios.ReadTranscripts(strings.NewReader(blocks[1]), "chats.jsonl")
	if err == nil {
		t.Fatal("the error example reads without error")
	}
	if got, want := err.Error(), strings.TrimSpace(blocks[2]); got != want {
		t.Errorf("the error example prints\n%s\nthe page shows\n%s", got, want)
	}
}

// FuzzReadTranscripts checks that no input panics the reader, that every
// error is a positioned bad-input error, and that whatever reads writes
// back and reads the same.
func FuzzReadTranscripts(f *testing.F) {
	f.Add([]byte(sample))
	for _, b := range docBlocks(f)[:2] {
		f.Add([]byte(b))
	}
	f.Add([]byte(line("sender", `"agent"`, "kind", `"action"`, "action", `{"kind": "compensate", "amount": 3.5, "reason": "late"}`, "order", `{"price": "1,000.50", "shipped": "2026-01-01T00:00:00.123456789-03:30"}`)))
	f.Add([]byte(line("text", `"\u0000\ud800<&>\u2028"`, "persona", `"p"`, "presales", `false`)))
	// Found by the fuzzer: a zero offset read in the machine's Local zone
	// came back as UTC, and time.Parse took a one-digit hour.
	f.Add([]byte(line("time", `"0000-01-01T00:00:00+00:00"`)))
	f.Add([]byte(line("time", `"0000-01-01T0:00:00+00:00"`)))
	f.Fuzz(func(t *testing.T, data []byte) {
		convs, err := scenarios.ReadTranscripts(bytes.NewReader(data), "fuzz.jsonl")
		decodeFailure(t, err)
		if err != nil {
			return
		}
		if back := roundTrip(t, convs); !reflect.DeepEqual(back, convs) {
			t.Fatalf("read(write(x)) differs from x:\n got %+v\nwant %+v", back, convs)
		}
	})
}

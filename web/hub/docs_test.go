package hub_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
)

// docExample is one row of the error examples in docs/protocol.md.
type docExample struct {
	line                           int
	state, frame, code, field, ref string
}

// cell reads a table cell: the text between backticks, or "" for an
// empty cell.
func cell(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "`"), "`")
	return strings.ReplaceAll(s, `\|`, "|")
}

// errorExamples parses the "Examples" table of the "Errors" section.
func errorExamples(t *testing.T) (examples []docExample, codes []string) {
	t.Helper()
	doc, err := os.ReadFile("../../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	section, sub := "", ""
	for i, line := range strings.Split(string(doc), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			section, sub = strings.TrimPrefix(line, "## "), ""
			continue
		case strings.HasPrefix(line, "### "):
			sub = strings.TrimPrefix(line, "### ")
			continue
		}
		if section != "Errors" || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| ---") {
			continue
		}
		// Split on the pipes that are not escaped.
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), "|")
		for j := range cells {
			cells[j] = strings.ReplaceAll(cells[j], "\x00", `\|`)
		}
		cells = cells[1 : len(cells)-1]
		switch {
		case sub == "" && len(cells) == 2 && cell(cells[0]) != "code":
			codes = append(codes, cell(cells[0]))
		case sub == "Examples" && len(cells) == 5 && cell(cells[0]) != "endpoint, state":
			examples = append(examples, docExample{line: i + 1, state: cell(cells[0]), frame: cell(cells[1]),
				code: cell(cells[2]), field: cell(cells[3]), ref: cell(cells[4])})
		}
	}
	return examples, codes
}

// docConversation stands for the conversation of a setup in the doc's
// examples; the test puts the real id in its place.
const docConversation = "c000042"

// setups put a hub in the state an example names and return the client
// that sends the example's frame and the conversation's real id.
var setups = map[string]func(f *fixture) (*client, string){
	"agent, holding c000042": func(f *fixture) (*client, string) {
		ag, id, _ := holding(f)
		return ag, id
	},
	"agent, holding c000042, 50.00 refunded": func(f *fixture) (*client, string) {
		ag, id, _ := holding(f)
		ag.send(msg("action", "id", "setup", "conversation", id, "action", map[string]any{"kind": "refund", "amount": "50.00"}))
		if got := ag.expect(protocol.TypeAck); got.Ref != "setup" {
			f.t.Fatalf("ack %+v", got)
		}
		return ag, id
	},
	"agent, c000042 held by another agent": func(f *fixture) (*client, string) {
		_, id, _ := holding(f)
		return f.dial("/ws/agent", "agent:other"), id
	},
	"agent, after closing c000042": func(f *fixture) (*client, string) {
		ag, id, _ := holding(f)
		ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "close"}))
		ag.expect(protocol.TypeClosed)
		return ag, id
	},
	"customer, before start": func(f *fixture) (*client, string) {
		return f.dial("/ws/customer", "customer:c"), ""
	},
	"customer, in c000042": func(f *fixture) (*client, string) {
		_, id, cu := holding(f)
		return cu, id
	},
	"customer, c000042 closed by the agent": func(f *fixture) (*client, string) {
		ag, id, cu := holding(f)
		ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "close"}))
		ag.expect(protocol.TypeClosed)
		cu.expect(protocol.TypeActionOut)
		cu.expect(protocol.TypeClosed)
		return cu, id
	},
}

// holding connects an agent and a customer whose order cost 99.00, and
// waits until the agent holds the conversation.
func holding(f *fixture) (ag *client, id string, cu *client) {
	ag = f.dial("/ws/agent", "agent:a")
	cu = f.dial("/ws/customer", "customer:c")
	cu.send(msg("start", "case", sim.CaseQualityDefect, "text", "衣服袖子开线了", "customer", map[string]any{"name": "王芳"},
		"order", map[string]any{"id": "3875012698451207", "product": "羊毛混纺大衣", "price": "99.00", "paid": "2026-11-08T21:14:00+08:00"}))
	id = cu.expect(protocol.TypeStarted).Conversation
	cu.expect(protocol.TypeAssigned)
	if as := ag.expect(protocol.TypeAssign); as.Conversation != id {
		f.t.Fatalf("agent got %s; want %s", as.Conversation, id)
	}
	return ag, id, cu
}

// expectError reads frames until an error arrives, within 5 s.
func (c *client) expectError() protocol.Frame {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for an error: %v", err)
		}
		var f protocol.Frame
		if err := json.Unmarshal(data, &f); err != nil {
			c.t.Fatalf("hub sent %s: %v", data, err)
		}
		if f.Type == protocol.TypeError {
			return f
		}
	}
}

// withoutExample lists the error codes of protocol.md that have no row in
// its examples, each with the reason (a state no setup here can make). A
// new code gets an example row, or an entry here.
var withoutExample = map[string]string{
	protocol.CodeUnavailable: "needs records that cannot reach the disk: TestHub_AdmitRefusesWithUnavailable and web's TestServer_DiskFull send frames while the store refuses",
}

// TestHub_DocErrorExamples sends every error example of docs/protocol.md
// to a real hub over a real WebSocket, in the state the example names,
// and checks the documented answer: code, field and ref. Every error
// code the page lists has an example.
func TestHub_DocErrorExamples(t *testing.T) {
	examples, codes := errorExamples(t)
	if len(examples) < 20 || len(codes) < 9 {
		t.Fatalf("found %d examples and %d codes in docs/protocol.md; the parser has lost the tables", len(examples), len(codes))
	}
	shown := map[string]bool{}
	for _, ex := range examples {
		shown[ex.code] = true
	}
	for _, c := range codes {
		if _, exempt := withoutExample[c]; !shown[c] && !exempt {
			t.Errorf("protocol.md: the code %s has no example (add a row, or an entry to withoutExample)", c)
		}
	}
	for _, ex := range examples {
		setup, ok := setups[ex.state]
		if !ok {
			t.Errorf("protocol.md:%d: no test setup for the state %q: add one to setups", ex.line, ex.state)
			continue
		}
		t.Run(ex.frame, func(t *testing.T) {
			f := newFixture(t, nil)
			c, id := setup(f)
			frame := ex.frame
			if id != "" {
				frame = strings.ReplaceAll(frame, docConversation, id)
			}
			c.sendRaw(frame)
			got := c.expectError()
			if got.Code != ex.code || got.Field != ex.field || got.Ref != ex.ref || got.Text == "" {
				t.Errorf("protocol.md:%d: %s answered code %q field %q ref %q (%q); the page says code %q field %q ref %q",
					ex.line, frame, got.Code, got.Field, got.Ref, got.Text, ex.code, ex.field, ex.ref)
			}
		})
	}
}

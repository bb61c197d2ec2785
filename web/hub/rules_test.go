package hub_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
)

// startPriced starts a conversation whose order cost price.
func startPriced(c *client, caseID, price string) string {
	c.t.Helper()
	c.send(msg("start", "case", caseID, "text", "我要退款", "customer", map[string]any{"name": "王芳"},
		"order", map[string]any{"id": "3021", "product": "连衣裙", "price": price, "paid": "2026-11-11T00:01:00+08:00"}))
	return c.expect(protocol.TypeStarted).Conversation
}

func money(kind string, amount string) map[string]any {
	return map[string]any{"kind": kind, "amount": amount}
}

// TestHub_MoneyWithinTheOrder: refunds add up, and the one that would take
// them above the order price is refused with bad_field action.amount,
// naming the price and what was refunded; the customer hears nothing of
// it and nothing is recorded. Compensation is bounded the same way unless
// the merchant policy allows more.
func TestHub_MoneyWithinTheOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		abovePrice bool // the policy's compensation_above_price
		kind       string
		first      string
		second     string
		refused    bool
	}{
		{"refunds 50 + 50 on 99.00", false, "refund", "50.00", "50.00", true},
		{"refunds 50 + 49 on 99.00", false, "refund", "50.00", "49.00", false},
		{"refund above price even when compensation may be", true, "refund", "99.00", "0.01", true},
		{"compensation 60 + 40 on 99.00", false, "compensate", "60.00", "40.00", true},
		{"compensation above price allowed by the policy", true, "compensate", "60.00", "140.00", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, func(c *hub.Config) {
				sc, err := scenarios.LoadScenario("pre-hire-basic")
				if err != nil {
					t.Fatal(err)
				}
				sc.Policy.CompensationAbovePrice = tc.abovePrice
				c.Scenario = sc
			})
			ag := f.dial("/ws/agent", "agent:a")
			cu := f.dial("/ws/customer", "customer:c")
			id := startPriced(cu, sim.CaseQualityDefect, "99.00")
			ag.expect(protocol.TypeAssign)
			cu.expect(protocol.TypeAssigned)
			ag.send(msg("action", "id", "m-1", "conversation", id, "action", money(tc.kind, tc.first)))
			ag.expect(protocol.TypeAck)
			if got := cu.expect(protocol.TypeActionOut); got.Action.Amount.String() != tc.first {
				t.Fatalf("customer saw %+v", got.Action)
			}
			before := len(f.rec.kinds(id))
			ag.send(msg("action", "id", "m-2", "conversation", id, "action", money(tc.kind, tc.second)))
			if !tc.refused {
				if got := ag.expect(protocol.TypeAck); got.Ref != "m-2" {
					t.Errorf("ack %+v; want m-2", got)
				}
				return
			}
			e := ag.expect(protocol.TypeError)
			if e.Code != protocol.CodeBadField || e.Field != "action.amount" || e.Ref != "m-2" {
				t.Errorf("error %+v; want bad_field action.amount with ref m-2", e)
			}
			if !strings.Contains(e.Text, "99.00") || !strings.Contains(e.Text, tc.first) {
				t.Errorf("text %q; want the price 99.00 and what was paid already (%s)", e.Text, tc.first)
			}
			// Nothing reached the customer: the next thing it hears is the
			// agent's message after the refusal.
			ag.send(msg("message", "conversation", id, "text", "抱歉，金额超出了订单价格"))
			if got := cu.expect(protocol.TypeMessage); got.Text != "抱歉，金额超出了订单价格" {
				t.Errorf("customer got %+v", got)
			}
			if got := f.rec.kinds(id); len(got) != before+1 {
				t.Errorf("recorded %v after the refusal; want only the message added to %d events", got, before)
			}
		})
	}
}

// TestHub_AfterTheClose: once the agent has closed, the customer's
// messages and evidence are refused with bad_state and not recorded, so
// they open no round the agent is charged for; its rating is taken. The
// agent's own frames about the conversation get bad_state, not not_yours.
func TestHub_AfterTheClose(t *testing.T) {
	f := newFixture(t, nil)
	ag := f.dial("/ws/agent", "agent:a")
	cu := f.dial("/ws/customer", "customer:c")
	id := startPriced(cu, sim.CaseRefundUnshipped, "99.00")
	ag.expect(protocol.TypeAssign)
	cu.expect(protocol.TypeAssigned)
	ag.send(msg("message", "conversation", id, "text", "抱歉让您久等了，马上为您退款，24小时内到账"))
	cu.expect(protocol.TypeMessage)
	ag.send(msg("action", "conversation", id, "action", money("refund", "99.00")))
	ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "close"}))
	ag.expect(protocol.TypeClosed)
	cu.expect(protocol.TypeActionOut)
	cu.expect(protocol.TypeActionOut)
	cu.expect(protocol.TypeClosed)
	recorded := len(f.rec.kinds(id))

	for _, fr := range []map[string]any{
		msg("message", "id", "late-1", "text", "谢谢，还有一个问题"),
		msg("evidence", "id", "late-2", "text", "照片：另一处开线"),
	} {
		cu.send(fr)
		if e := cu.expect(protocol.TypeError); e.Code != protocol.CodeState || e.Ref != fr["id"] {
			t.Errorf("%s after the close: %+v; want bad_state with ref %s", fr["type"], e, fr["id"])
		}
	}
	ag.send(msg("action", "id", "late-3", "conversation", id, "action", money("refund", "1.00")))
	if e := ag.expect(protocol.TypeError); e.Code != protocol.CodeState || e.Field != "conversation" || e.Ref != "late-3" {
		t.Errorf("the agent's action after its close: %+v; want bad_state conversation late-3", e)
	}
	cu.send(msg("rating", "id", "r-1", "rating", 5))
	if a := cu.expect(protocol.TypeAck); a.Ref != "r-1" {
		t.Errorf("rating after the close: %+v; want an ack", a)
	}
	cu.send(msg("leave", "text", "done"))
	select {
	case fin := <-f.finished:
		for _, e := range fin.Conv.Events {
			if e.Sender == sim.SenderCustomer && (e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence) && e.At.After(fin.Conv.Events[recorded-1].At) {
				t.Errorf("recorded the refused %s %q", e.Kind, e.Text)
			}
		}
		s, err := scenarios.LoadScenario("pre-hire-basic")
		if err != nil {
			t.Fatal(err)
		}
		sc := sim.ScoreConversation(fin.Conv, s.Platform, sim.DefaultScoreWeights())
		for _, d := range sc.Deductions {
			if d.Dimension == "timeliness" {
				t.Errorf("the agent is charged for the refused message: %+v", d)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the conversation never finished")
	}
	want := "customer:message system:assign agent:message agent:action agent:action customer:rating customer:leave system:close"
	if got := strings.Join(f.rec.kinds(id), " "); got != want {
		t.Errorf("recorded %s\nwant     %s", got, want)
	}
}

// TestHub_UnknownPersona: a start with a persona the run's scenario does
// not have is refused, listing the ones it has; a known one is taken.
func TestHub_UnknownPersona(t *testing.T) {
	f := newFixture(t, nil) // pre-hire-basic: patient, hurried
	cu := f.dial("/ws/customer", "customer:c")
	cu.send(msg("start", "id", "s-1", "persona", "pirate", "text", "在吗", "customer", map[string]any{"name": "王芳"}))
	e := cu.expect(protocol.TypeError)
	if e.Code != protocol.CodeBadField || e.Field != "persona" || e.Ref != "s-1" || !strings.Contains(e.Text, "patient") || !strings.Contains(e.Text, "hurried") {
		t.Errorf("error %+v; want bad_field persona listing patient and hurried", e)
	}
	cu.send(msg("start", "id", "s-2", "persona", "hurried", "text", "在吗", "customer", map[string]any{"name": "王芳"}))
	if got := cu.expect(protocol.TypeStarted); got.Ref != "s-2" {
		t.Errorf("started %+v; want ref s-2", got)
	}
}

// TestHub_BinaryFramesRefused: a binary message is answered with bad_json
// and has no effect, even when it holds a valid frame.
func TestHub_BinaryFramesRefused(t *testing.T) {
	f := newFixture(t, nil)
	cu := f.dial("/ws/customer", "customer:c")
	if err := cu.ws.WriteMessage(websocket.BinaryMessage, []byte(`{"v":1,"type":"start","id":"s-1","text":"在吗","customer":{"name":"王芳"}}`)); err != nil {
		t.Fatal(err)
	}
	if e := cu.expect(protocol.TypeError); e.Code != protocol.CodeBadJSON {
		t.Errorf("error %+v; want bad_json", e)
	}
	if s := f.hub.Snapshot(); s.Waiting != 0 {
		t.Errorf("%d waiting; want the binary start to have had no effect", s.Waiting)
	}
	// The connection stays open.
	start(cu, sim.CaseRefundUnshipped, "退款")
}

// TestHub_Revoke: revoking a token closes its open connections with 4401
// "token revoked"; connections of other tokens go on, and an agent's
// chats wait out the grace period for the same agent's return.
func TestHub_Revoke(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Grace = 10 * time.Second })
	ag := f.dial("/ws/agent", "agent:alice~7")
	other := f.dial("/ws/agent", "agent:bob~8")
	cu := f.dial("/ws/customer", "customer:c~9")
	id := start(cu, sim.CaseRefundUnshipped, "退款")
	// alice connected first and has been idle longest.
	ag.expect(protocol.TypeAssign)

	if n := f.hub.Revoke(7, 0, 999); n != 1 {
		t.Errorf("Revoke closed %d connections; want 1", n)
	}
	_, _, err := ag.ws.ReadMessage()
	for err == nil {
		_, _, err = ag.ws.ReadMessage()
	}
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != hub.CloseRevoked || ce.Text != "token revoked" {
		t.Errorf("alice's connection ended with %v; want close %d \"token revoked\"", err, hub.CloseRevoked)
	}
	if n := f.hub.Revoke(7); n != 0 {
		t.Errorf("revoking again closed %d; want 0", n)
	}
	// Bob and the customer are served on; alice comes back with a new
	// token of her name and gets her chat back.
	cu.send(msg("message", "text", "在吗?"))
	back := f.dial("/ws/agent", "agent:alice~10")
	if as := back.expect(protocol.TypeAssign); !as.Resumed || as.Conversation != id {
		t.Errorf("alice's new token got %+v; want %s resumed", as, id)
	}
	other.send(msg("ping", "id", "p"))
	if got := other.expect(protocol.TypePong); got.Ref != "p" {
		t.Errorf("bob: %+v", got)
	}
}

// TestHub_HeaderTokenWins: with both an Authorization header and ?token=,
// the header decides.
func TestHub_HeaderTokenWins(t *testing.T) {
	f := newFixture(t, nil)
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws/agent?token=agent:query"
	for _, tc := range []struct {
		header string
		want   int // 0: connects, as the agent in wantName
		name   string
	}{
		{"Bearer agent:header", 0, "header"},
		{"bearer agent:header", 0, "header"},
		{"Bearer customer:header", http.StatusForbidden, ""},
		{"Bearer nonsense", http.StatusUnauthorized, ""},
		{"Basic dXNlcjpwYXNz", 0, "query"},
	} {
		ws, resp, err := websocket.DefaultDialer.Dial(url, http.Header{"Authorization": {tc.header}})
		if tc.want != 0 {
			if err == nil || resp == nil || resp.StatusCode != tc.want {
				t.Errorf("%s: %v, %v; want HTTP %d", tc.header, resp, err, tc.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.header, err)
			continue
		}
		c := &client{t: t, ws: ws}
		if w := c.expect(protocol.TypeWelcome); w.Agent != tc.name {
			t.Errorf("%s: joined as %q; want %q", tc.header, w.Agent, tc.name)
		}
		ws.Close()
	}
}

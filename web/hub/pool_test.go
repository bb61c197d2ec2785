package hub_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
)

// Fifty sittings at once on one hub: each candidate gets only its own
// customers, from its own queue, within its own concurrency, recorded
// under its own run; the run's own queue stays empty (docs/exams.md).
func TestHub_PoolsKeepSittingsApart(t *testing.T) {
	f := newFixture(t, nil)
	const sittings = 50
	for i := range sittings {
		if err := f.hub.AddPool(hub.Pool{ID: fmt.Sprintf("s%d", i), Run: int64(100 + i), Concurrency: 1}); err != nil {
			t.Fatal(err)
		}
	}
	agents := make([]*client, sittings)
	for i := range sittings {
		agents[i] = f.dial("/ws/agent", fmt.Sprintf("agent:cand%d@s%d", i, i))
	}
	first := make([]string, sittings)
	second := make([]*client, sittings)
	for i := range sittings {
		first[i] = start(f.dial("/ws/customer", fmt.Sprintf("customer:c%d@s%d", i, i)), sim.CaseRefundUnshipped, fmt.Sprintf("sitting %d", i))
		second[i] = f.dial("/ws/customer", fmt.Sprintf("customer:d%d@s%d", i, i))
		start(second[i], sim.CaseRefundUnshipped, fmt.Sprintf("sitting %d again", i))
	}
	for i, ag := range agents {
		a := ag.expect(protocol.TypeAssign)
		if a.Conversation != first[i] {
			t.Fatalf("candidate %d got %s; want its own customer %s", i, a.Conversation, first[i])
		}
		// Concurrency 1: the second customer waits in this sitting's queue.
		for {
			q := ag.expect(protocol.TypeQueue)
			if *q.Waiting == 1 {
				break
			}
		}
	}
	f.rec.mu.Lock()
	for i, id := range first {
		if run := f.rec.runs[id]; run != int64(100+i) {
			t.Errorf("sitting %d's conversation recorded under run %d; want %d", i, run, 100+i)
		}
	}
	f.rec.mu.Unlock()
	if s := f.hub.Snapshot(); s.Waiting != 0 || len(s.Agents) != 0 {
		t.Errorf("the run's own pool: %+v; want empty", s)
	}
	if s, ok := f.hub.PoolSnapshot("s7"); !ok || s.Waiting != 1 || s.Chatting != 1 || len(s.Agents) != 1 {
		t.Errorf("sitting s7: %+v; want one chatting, one waiting, one agent", s)
	}
}

// In a sitting an escalation stays with the candidate (there is no
// supervisor); ending the sitting closes its connections with 4000, and a
// token of a sitting that is not there is refused.
func TestHub_PoolEscalationAndEnd(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.hub.AddPool(hub.Pool{ID: "s1", Run: 7, KeepEscalated: true}); err != nil {
		t.Fatal(err)
	}
	ag := f.dial("/ws/agent", "agent:cand@s1")
	cu := f.dial("/ws/customer", "customer:c1@s1")
	id := start(cu, sim.CaseSafetyInjury, "孩子用了起疹子")
	ag.expect(protocol.TypeAssign)
	ag.send(msg("action", "id", "e1", "conversation", id, "action", map[string]any{"kind": "escalate", "reason": "safety"}))
	if a := ag.expect(protocol.TypeAck); a.Ref != "e1" {
		t.Fatalf("ack %+v", a)
	}
	ag.send(msg("message", "id", "m1", "conversation", id, "text", "主管已经在处理，15分钟内联系您"))
	if a := ag.expect(protocol.TypeAck); a.Ref != "m1" {
		t.Fatalf("after escalating, the candidate still holds the chat: %+v", a)
	}

	f.hub.RemovePool("s1", "the sitting is over")
	for _, c := range []*client{ag, cu} {
		var ce *websocket.CloseError
		for {
			_, _, err := c.ws.ReadMessage()
			if err != nil {
				if !errors.As(err, &ce) || ce.Code != hub.CodePoolEnded || !strings.Contains(ce.Text, "sitting is over") {
					t.Errorf("closed with %v; want %d", err, hub.CodePoolEnded)
				}
				break
			}
		}
	}
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/ws/agent?token=agent:cand@s1"
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Errorf("dial to an ended sitting: %v, %v; want 409", err, resp)
	}
}

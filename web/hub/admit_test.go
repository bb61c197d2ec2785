package hub_test

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
)

// While Admit refuses, every frame but ping gets an error with code
// unavailable and has no effect (nothing recorded, relayed or
// acknowledged), however many are refused; once it admits again, frames
// are applied as before.
func TestHub_AdmitRefusesWithUnavailable(t *testing.T) {
	var down atomic.Pointer[error]
	setDown := func(err error) { down.Store(&err) }
	setUp := func() { down.Store(nil) }
	f := newFixture(t, func(c *hub.Config) {
		c.Admit = func() error {
			if p := down.Load(); p != nil {
				return *p
			}
			return nil
		}
	})
	ag := f.dial("/ws/agent", "agent:alice")
	cu := f.dial("/ws/customer", "customer:c1")
	setDown(errors.New("records cannot be written: database or disk is full (13)"))
	for i := range 2*hub.DefaultErrorLimit + 1 {
		ref := fmt.Sprintf("s%d", i)
		cu.send(msg("start", "id", ref, "case", sim.CaseRefundUnshipped, "text", "没发货，退款",
			"customer", map[string]any{"name": "王芳"}))
		e := cu.expect(protocol.TypeError)
		if e.Code != protocol.CodeUnavailable || e.Ref != ref || !strings.Contains(e.Text, "database or disk is full") {
			t.Fatalf("refused start %d: %+v; want code unavailable, ref %s and the store's reason", i, e, ref)
		}
	}
	cu.send(msg("ping", "id", "p1"))
	if p := cu.expect(protocol.TypePong); p.Ref != "p1" {
		t.Errorf("pong ref %q; want p1 (pings are answered while unavailable)", p.Ref)
	}
	f.rec.mu.Lock()
	n := len(f.rec.convs)
	f.rec.mu.Unlock()
	if n != 0 {
		t.Errorf("%d conversations recorded while unavailable; want 0", n)
	}

	setUp()
	id := start(cu, sim.CaseRefundUnshipped, "没发货，退款")
	ag.expect(protocol.TypeAssign)
	setDown(errors.New("records cannot be written: the writer is behind"))
	ag.send(msg("message", "id", "m1", "conversation", id, "text", "refused"))
	if e := ag.expect(protocol.TypeError); e.Code != protocol.CodeUnavailable || e.Ref != "m1" {
		t.Errorf("refused message: %+v; want code unavailable, ref m1", e)
	}
	setUp()
	ag.send(msg("message", "id", "m2", "conversation", id, "text", "您好"))
	if got := cu.expect(protocol.TypeMessage); got.Text != "您好" {
		t.Errorf("the customer got %q first; want only the admitted message", got.Text)
	}
	want := "customer:message system:assign agent:message"
	if got := strings.Join(f.rec.kinds(id), " "); got != want {
		t.Errorf("recorded %s; want %s", got, want)
	}
}

// A resumed run's hub continues the conversation numbers.
func TestHub_FirstConversation(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.FirstConversation = 42 })
	cu := f.dial("/ws/customer", "customer:c1")
	if id := start(cu, sim.CaseRefundUnshipped, "退款"); id != "c000042" {
		t.Errorf("first conversation %q; want c000042", id)
	}
}

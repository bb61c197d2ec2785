package protocol_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// A refused frame comes back to be sent again with a growing pause; acks
// and other errors forget what they answer.
func TestOutbox(t *testing.T) {
	var o protocol.Outbox
	m := o.Stamp(protocol.Frame{Type: protocol.TypeMessage, Text: "hi"})
	s := o.Stamp(protocol.Frame{Type: protocol.TypeStart, Text: "start"})
	p := o.Stamp(protocol.Frame{Type: protocol.TypePing, ID: "p"})
	if m.ID == "" || s.ID == "" || m.ID == s.ID || p.ID != "p" || o.Pending() != 2 {
		t.Fatalf("stamped %q %q %q, %d pending; want two distinct ids kept, the ping left alone", m.ID, s.ID, p.ID, o.Pending())
	}
	var pauses []string
	for range 7 {
		again, after, ok := o.Settle(protocol.Frame{Type: protocol.TypeError, Code: protocol.CodeUnavailable, Ref: m.ID})
		if !ok || again.Text != "hi" || again.ID != "" {
			t.Fatalf("refused: %+v, %v; want the message back without its id", again, ok)
		}
		pauses = append(pauses, after.String())
		m = o.Stamp(again)
	}
	if got := pauses[0] + " " + pauses[1] + " " + pauses[6]; got != "250ms 500ms 5s" {
		t.Errorf("pauses %v; want 250ms doubling to 5s", pauses)
	}
	o.Settle(protocol.Frame{Type: protocol.TypeAck, Ref: m.ID})
	o.Settle(protocol.Frame{Type: protocol.TypeStarted, Ref: s.ID})
	if o.Pending() != 0 {
		t.Errorf("%d pending after the answers; want 0", o.Pending())
	}
	b := o.Stamp(protocol.Frame{Type: protocol.TypeMessage})
	if _, _, ok := o.Settle(protocol.Frame{Type: protocol.TypeError, Code: protocol.CodeNotYours, Ref: b.ID}); ok || o.Pending() != 0 {
		t.Errorf("another error: resend %v, %d pending; want the frame forgotten", ok, o.Pending())
	}
	u := o.Stamp(protocol.Frame{Type: protocol.TypeMessage})
	if _, after, _ := o.Settle(protocol.Frame{Type: protocol.TypeError, Code: protocol.CodeUnavailable, Ref: u.ID}); after != protocol.RetryFirst {
		t.Errorf("pause after an ack reset %v; want %v", after, protocol.RetryFirst)
	}
}

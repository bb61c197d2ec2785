package hub

import (
	"testing"
	"time"
)

// A reader's flush counts the frame it writes in writing; writePump's take
// running meanwhile (woken for something else, with nothing queued) must
// not overwrite that count. It did: the flush's decrement then left
// writing at -1, the next frame found the queue "not empty" (0 + -1 ≠ 0),
// kept the stall clock of minutes before, and its write's deadline had
// passed: a reading candidate was dropped as stalled ("send queue not
// drained", stalled=2m0s).
func TestConn_TakeKeepsAFlushsCount(t *testing.T) {
	h := &Hub{cfg: Config{SendQueue: DefaultSendQueue, StallTimeout: 5 * time.Second}}
	c := &conn{h: h, wake: make(chan struct{}, 1)}
	old := time.Now().Add(-2 * time.Minute)
	c.since = old
	c.writing.Store(1) // flush took the one frame and writes it
	if out, _, _, _ := c.take(nil); len(out) != 0 {
		t.Fatalf("take: %d frames; want none", len(out))
	}
	c.writing.Add(-1) // flush wrote it
	if n := c.writing.Load(); n != 0 {
		t.Fatalf("writing %d after the flush; want 0", n)
	}
	c.enqueue(outbound{data: []byte("x")}, nil)
	if !c.since.After(old) {
		t.Errorf("the next frame kept the stall clock of %v ago; want it started now", time.Since(old).Round(time.Second))
	}
}

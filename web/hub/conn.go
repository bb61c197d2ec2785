package hub

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// outbound is one frame on a connection's send queue. read is when the
// frame that caused it was read (zero for frames the hub originates), the
// start of the relay latency.
type outbound struct {
	data []byte
	read time.Time
}

// conn is one WebSocket connection: gorilla allows one reader and one
// writer, so readPump reads and writePump writes; everything else reaches
// the socket through the send queue.
//
// The send queue is a slice under a mutex rather than a buffered channel:
// a channel of SendQueue entries is allocated in full for every
// connection (12 KiB at 256), while an idle connection's slice is empty.
// Its bound is the same, frames taken for writing included: a client that
// does not read fills it and is disconnected rather than allowed to grow
// the hub's memory.
type conn struct {
	h    *Hub
	ws   *websocket.Conn
	role string // agent, supervisor, customer (admin connects as one of these)
	name string

	// wake has room for one signal; it tells writePump to look at the
	// fields under mu.
	wake chan struct{}

	// writing is how many frames writePump took and has not written yet;
	// they count against the send queue's bound with out.
	writing atomic.Int32

	// mu guards the fields below it, up to errs.
	mu  sync.Mutex
	out []outbound // frames for writePump, oldest first; with writing, at most cfg.SendQueue
	// queue means the queue lengths changed since this agent was last
	// told: writePump sends one queue frame with the lengths current when
	// it writes, so a burst of changes costs one frame, not one each.
	queue bool
	// closed is set once, when the connection is to go; writePump then
	// writes what is queued (unless the client is stuck or misbehaved),
	// the close frame with code and reason, and closes the socket.
	closed bool
	code   int
	reason string

	// errs holds the times of recent protocol errors; read goroutine only.
	errs []time.Time

	// h.mu guards the fields below.
	agent *agent // the agent this connection speaks for
	conv  *conv  // the customer's conversation
}

func (h *Hub) newConn(ws *websocket.Conn, role, name string) *conn {
	return &conn{h: h, ws: ws, role: role, name: name, wake: make(chan struct{}, 1)}
}

// kick wakes writePump without blocking.
func (c *conn) kick() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// push queues a frame without blocking. A full queue means the client is
// not reading: it is disconnected, everyone else goes on.
func (c *conn) push(data []byte, read time.Time) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	if n := len(c.out) + int(c.writing.Load()); n >= c.h.cfg.SendQueue {
		c.mu.Unlock()
		c.h.metrics.slowConsumers.Inc()
		c.h.log.Warn("slow consumer disconnected", "role", c.role, "name", c.name, "queued", n)
		c.close(websocket.ClosePolicyViolation, "slow consumer: send queue full")
		return
	}
	c.out = append(c.out, outbound{data, read})
	c.mu.Unlock()
	c.kick()
}

// pushFrame encodes f, stamped with the hub's clock, and queues it.
func (c *conn) pushFrame(f protocol.Frame, read time.Time) {
	if f.At == nil {
		now := c.h.now()
		f.At = &now
	}
	b, err := protocol.Encode(f)
	if err != nil {
		c.h.log.Error("encode frame", "type", f.Type, "err", err)
		return
	}
	c.push(b, read)
}

// queueChanged tells an agent's connection that the queue lengths
// changed; writePump sends them.
func (c *conn) queueChanged() {
	c.mu.Lock()
	was := c.queue
	c.queue = true
	c.mu.Unlock()
	if !was {
		c.kick()
	}
}

// close asks writePump to send a close frame and end the connection. Only
// the first call counts.
func (c *conn) close(code int, reason string) {
	c.mu.Lock()
	if !c.closed {
		c.closed, c.code, c.reason = true, code, reason
	}
	c.mu.Unlock()
	c.kick()
}

// take hands writePump what is queued, in exchange for spare, an empty
// slice to queue into next (double buffering: no allocation in the steady
// state).
func (c *conn) take(spare []outbound) (out []outbound, queue, closed bool) {
	c.mu.Lock()
	out, c.out = c.out, spare
	queue, closed = c.queue, c.closed
	c.queue = false
	c.writing.Store(int32(len(out)))
	c.mu.Unlock()
	return out, queue, closed
}

// keepSmall is the largest send-queue capacity writePump keeps between
// bursts; a larger one is dropped, so that an idle connection holds
// little memory after a burst.
const keepSmall = 16

// writePump owns the socket's writes: queued frames, queue lengths (at
// most one frame per QueueInterval), pings, and the close frame at the
// end. It closes the socket, which ends readPump.
func (c *conn) writePump() {
	h := c.h
	ping := time.NewTicker(h.cfg.PingInterval)
	var (
		spare     []outbound
		lastQueue time.Time   // when the last queue frame was written
		queueDue  *time.Timer // armed while a queue frame waits for its interval
		queueC    <-chan time.Time
	)
	defer func() {
		ping.Stop()
		if queueDue != nil {
			queueDue.Stop()
		}
		c.ws.Close()
	}()
	for {
		writeQueue := false
		select {
		case <-c.wake:
			out, queue, closed := c.take(spare)
			if closed {
				c.goodbye(out)
				return
			}
			for i, m := range out {
				if !c.write(m) {
					return
				}
				out[i] = outbound{} // let the frame go
				c.writing.Add(-1)
			}
			if spare = out[:0]; cap(spare) > keepSmall {
				spare = nil
			}
			if queue && queueC == nil {
				if wait := h.cfg.QueueInterval - time.Since(lastQueue); wait > 0 {
					if queueDue == nil {
						queueDue = time.NewTimer(wait)
					} else {
						queueDue.Reset(wait)
					}
					queueC = queueDue.C
				} else {
					writeQueue = true
				}
			}
		case <-queueC:
			queueC = nil
			writeQueue = true
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.cfg.WriteTimeout)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "ping: "+err.Error())
				return
			}
		}
		if writeQueue {
			lastQueue = time.Now()
			if !c.write(outbound{data: h.queueFrame()}) {
				return
			}
		}
	}
}

// write writes one frame and counts it if it was relayed; false when the
// socket failed (the connection is then closed).
func (c *conn) write(m outbound) bool {
	h := c.h
	if m.data == nil {
		return true
	}
	c.ws.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
	if err := c.ws.WriteMessage(websocket.TextMessage, m.data); err != nil {
		c.close(websocket.CloseAbnormalClosure, "write: "+err.Error())
		return false
	}
	if !m.read.IsZero() {
		h.metrics.relayed.Inc()
		h.metrics.relayLatency.Observe(time.Since(m.read).Seconds())
	}
	return true
}

// goodbye flushes what is queued (the last error, a closed frame) and
// says goodbye with the reason; a client closed for policy (stuck, or
// misbehaving) gets only the close frame.
func (c *conn) goodbye(out []outbound) {
	c.mu.Lock()
	code, reason := c.code, c.reason
	out = append(out, c.out...)
	c.out = nil
	c.mu.Unlock()
	deadline := time.Now().Add(c.h.cfg.WriteTimeout)
	c.ws.SetWriteDeadline(deadline)
	if code != websocket.ClosePolicyViolation {
		for _, m := range out {
			if c.ws.WriteMessage(websocket.TextMessage, m.data) != nil {
				break
			}
		}
	}
	if code != websocket.CloseAbnormalClosure {
		c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
	}
}

// tooManyErrors records a protocol error and reports whether the client
// has now sent more than the limit within a minute.
func (c *conn) tooManyErrors(now time.Time) bool {
	cut := now.Add(-time.Minute)
	keep := c.errs[:0]
	for _, t := range c.errs {
		if t.After(cut) {
			keep = append(keep, t)
		}
	}
	c.errs = append(keep, now)
	return len(c.errs) > c.h.cfg.ErrorLimit
}

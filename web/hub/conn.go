package hub

import (
	"sync"
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
// writer, so the handler goroutine reads and writePump writes; everything
// else reaches the socket through send.
type conn struct {
	h    *Hub
	ws   *websocket.Conn
	role string // agent, supervisor, customer (admin connects as one of these)
	name string
	// send is bounded: a client that does not read fills it and is
	// disconnected rather than allowed to grow the hub's memory.
	send chan outbound
	// closing is closed once, when the connection is to go; writePump
	// then writes code and reason and closes the socket.
	closing   chan struct{}
	closeOnce sync.Once
	code      int
	reason    string

	// errs holds the times of recent protocol errors; read goroutine only.
	errs []time.Time

	// h.mu guards the fields below.
	agent *agent // the agent this connection speaks for
	conv  *conv  // the customer's conversation
}

// push queues a frame without blocking. A full queue means the client is
// not reading: it is disconnected, everyone else goes on.
func (c *conn) push(data []byte, read time.Time) {
	select {
	case <-c.closing:
		return
	default:
	}
	select {
	case c.send <- outbound{data, read}:
	default:
		c.h.metrics.slowConsumers.Inc()
		c.h.log.Warn("slow consumer disconnected", "role", c.role, "name", c.name, "queued", len(c.send))
		c.close(websocket.ClosePolicyViolation, "slow consumer: send queue full")
	}
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

// close asks writePump to send a close frame and end the connection.
func (c *conn) close(code int, reason string) {
	c.closeOnce.Do(func() {
		c.code, c.reason = code, reason
		close(c.closing)
	})
}

// writePump owns the socket's writes: frames from send, pings, and the
// close frame at the end. It closes the socket, which ends the reader.
func (c *conn) writePump() {
	h := c.h
	ping := time.NewTicker(h.cfg.PingInterval)
	defer func() {
		ping.Stop()
		c.ws.Close()
	}()
	for {
		select {
		case m := <-c.send:
			c.ws.SetWriteDeadline(time.Now().Add(h.cfg.WriteTimeout))
			if err := c.ws.WriteMessage(websocket.TextMessage, m.data); err != nil {
				c.close(websocket.CloseAbnormalClosure, "write: "+err.Error())
				return
			}
			if !m.read.IsZero() {
				h.metrics.relayed.Inc()
				h.metrics.relayLatency.Observe(time.Since(m.read).Seconds())
			}
		case <-ping.C:
			if err := c.ws.WriteControl(websocket.PingMessage, nil, time.Now().Add(h.cfg.WriteTimeout)); err != nil {
				c.close(websocket.CloseAbnormalClosure, "ping: "+err.Error())
				return
			}
		case <-c.closing:
			// Flush what is queued (the last error, a closed frame), then
			// say goodbye with the reason.
			deadline := time.Now().Add(h.cfg.WriteTimeout)
			c.ws.SetWriteDeadline(deadline)
			for drained := false; !drained && c.code != websocket.ClosePolicyViolation; {
				select {
				case m := <-c.send:
					if c.ws.WriteMessage(websocket.TextMessage, m.data) != nil {
						drained = true
					}
				default:
					drained = true
				}
			}
			if c.code != websocket.CloseAbnormalClosure {
				c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(c.code, c.reason), deadline)
			}
			return
		}
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

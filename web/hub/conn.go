package hub

import (
	"errors"
	"net"
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
	// buf is data's buffer when it came from relayBufs, given back after
	// the write.
	buf *[]byte
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
	pool *pool // set once, before the connection's goroutines start
	ws   *websocket.Conn
	role string // agent, supervisor, customer (admin connects as one of these)
	name string
	// token is the id of the token the connection was made with (0:
	// unknown); Revoke closes connections by it.
	token int64
	// revoked is set once Revoke closed the connection: readPump stops
	// applying its frames.
	revoked atomic.Bool
	// pong is when the peer last answered a ping (Unix nanoseconds),
	// written by readPump and read by writePump's stall check.
	pong atomic.Int64

	// wake has room for one signal; it tells writePump to look at the
	// fields under mu.
	wake chan struct{}

	// wmu is held by whoever writes frames to the socket: writePump, or a
	// reader that writes a relayed frame itself (flush). gorilla allows
	// one writer at a time (WriteControl aside).
	wmu sync.Mutex
	// sock is the socket once flush has looked (sockRead); sockOK is
	// false where it cannot be read (flush then leaves every frame to
	// writePump). Under wmu.
	sock             socket
	sockRead, sockOK bool
	// room is how many more bytes may be written without filling half
	// the send buffer, by the last look at its queue (SIOCOUTQ) less what
	// was written since: the queue grows by no more than what is written,
	// so one look serves thousands of frames. Under wmu.
	room int

	// writing is how many frames writePump took and has not written yet;
	// they count against the send queue's bound with out.
	writing atomic.Int32

	// mu guards the fields below it, up to errs.
	mu  sync.Mutex
	out []outbound // frames for writePump, oldest first; with writing, at most cfg.SendQueue
	// since is when the send queue (out and writing) last went from empty
	// to holding a frame: a stall is counted from it.
	since time.Time
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
	// answered: the client is closed for what it sent, not for not
	// reading, so the answers queued before the close (the error frames
	// that led to it) go out first.
	answered bool

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
// not reading: it is disconnected, everyone else goes on. h.mu must be
// held: when a reader applies a frame (Hub.deferred), the frame goes out
// from that reader once it lets go of h.mu (flush); otherwise writePump
// is woken for it.
func (c *conn) push(data []byte, read time.Time) {
	c.enqueue(outbound{data: data, read: read}, c.h.deferred)
}

// pushRelay is push of a relayed frame (relayFrame).
func (c *conn) pushRelay(m outbound, read time.Time) {
	m.read = read
	c.enqueue(m, c.h.deferred)
}

// pushUnlocked is push for a caller that does not hold h.mu.
func (c *conn) pushUnlocked(data []byte, read time.Time) {
	c.enqueue(outbound{data: data, read: read}, nil)
}

func (c *conn) enqueue(m outbound, deferred *[]*conn) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	n := len(c.out) + int(c.writing.Load())
	if n >= c.h.cfg.SendQueue {
		c.mu.Unlock()
		c.h.metrics.slowConsumers.Inc()
		c.h.log.Warn("slow consumer disconnected", "role", c.role, "name", c.name, "queued", n)
		c.close(websocket.ClosePolicyViolation, "slow consumer: send queue full")
		return
	}
	if n == 0 {
		c.since = time.Now()
	}
	c.out = append(c.out, m)
	c.mu.Unlock()
	if deferred != nil {
		*deferred = append(*deferred, c)
		return
	}
	c.kick()
}

// pushFrame encodes f, stamped with the hub's clock, and queues it (as
// push: h.mu must be held).
func (c *conn) pushFrame(f protocol.Frame, read time.Time) {
	if b, ok := c.encode(f); ok {
		c.push(b, read)
	}
}

// pushFrameUnlocked is pushFrame for a caller that does not hold h.mu.
func (c *conn) pushFrameUnlocked(f protocol.Frame, read time.Time) {
	if b, ok := c.encode(f); ok {
		c.pushUnlocked(b, read)
	}
}

func (c *conn) encode(f protocol.Frame) ([]byte, bool) {
	if f.At == nil {
		now := c.h.now()
		f.At = &now
	}
	b, err := protocol.Encode(f)
	if err != nil {
		c.h.log.Error("encode frame", "type", f.Type, "err", err)
		return nil, false
	}
	return b, true
}

// flush writes the one frame waiting on c's send queue from the calling
// goroutine (a reader, after it let go of h.mu), when writePump is not
// writing, nothing else waits and the socket's send buffer has room for
// the frame, so that the write cannot block: a relayed message then costs
// no wake-up of writePump, and is written as an echo server writes, by
// the goroutine that read what caused it (a tenth of the hub's CPU per
// message, docs/performance.md). Anything else (several frames, queue
// lengths due, a closing connection, a full buffer, a socket whose buffer
// cannot be read) is writePump's: flush wakes it.
func (c *conn) flush() {
	if !c.wmu.TryLock() {
		c.kick() // writePump is writing; it looks again after
		return
	}
	c.mu.Lock()
	if c.closed || c.queue || len(c.out) != 1 || c.writing.Load() != 0 || !c.roomFor(len(c.out[0].data)) {
		empty := len(c.out) == 0 && !c.closed && !c.queue
		c.mu.Unlock()
		c.wmu.Unlock()
		if !empty {
			c.kick()
		}
		return
	}
	m := c.out[0]
	c.out[0] = outbound{}
	c.out = c.out[:0]
	c.writing.Store(1)
	since := c.since
	c.mu.Unlock()
	c.ws.SetWriteDeadline(since.Add(c.h.cfg.StallTimeout))
	err := c.write(m)
	c.writing.Add(-1)
	c.wmu.Unlock()
	if err != nil {
		c.writeFailed(err, since)
	}
}

// flushMargin is the room flush leaves in the send buffer beyond the
// frame and its header: the kernel counts its own overhead against
// SO_SNDBUF too.
const flushMargin = 4 << 10

// roomFor reports whether the socket's send buffer holds n more bytes
// (and the frame's header) with room to spare, so that a write of them
// returns at once. wmu must be held.
func (c *conn) roomFor(n int) bool {
	need := n + 14 // the frame's header, at most; write takes it off room
	if c.room >= need {
		return true
	}
	if !c.sockRead {
		c.sock, c.sockOK = socketOf(c.ws.UnderlyingConn())
		c.sockRead = true
	}
	if !c.sockOK {
		return false
	}
	queued, ok := c.sock.queued()
	if !ok {
		return false
	}
	c.room = c.sock.sndbuf/2 - queued - flushMargin
	return c.room >= need
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
	c.closeWith(code, reason, false)
}

// closeAnswered is close for a client that misbehaved but reads: the
// frames queued before it, its error answers among them, are written
// before the close frame (protocol.md: every frame with an id gets its
// ref back).
func (c *conn) closeAnswered(code int, reason string) {
	c.closeWith(code, reason, true)
}

func (c *conn) closeWith(code int, reason string, answered bool) {
	c.mu.Lock()
	if !c.closed {
		c.closed, c.code, c.reason, c.answered = true, code, reason, answered
	}
	c.mu.Unlock()
	c.kick()
}

// take hands writePump what is queued, in exchange for spare, an empty
// slice to queue into next (double buffering: no allocation in the steady
// state), and the deadline of writing it: the stall timeout after the
// queue last held nothing.
func (c *conn) take(spare []outbound) (out []outbound, queue, closed bool, deadline time.Time) {
	c.mu.Lock()
	out, c.out = c.out, spare
	queue, closed = c.queue, c.closed
	c.queue = false
	// Added, not stored: a reader's flush may be writing a frame it
	// counted there, and takes it off when done.
	c.writing.Add(int32(len(out)))
	deadline = c.since.Add(c.h.cfg.StallTimeout)
	c.mu.Unlock()
	return out, queue, closed, deadline
}

// deadline is the deadline of a write that is not a queued frame (queue
// lengths, a ping): the stall timeout from now, or from when the frames
// still waiting began to wait.
func (c *conn) deadline() time.Time {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.out)+int(c.writing.Load()) > 0 && c.since.Before(now) {
		now = c.since
	}
	return now.Add(c.h.cfg.StallTimeout)
}

// isClosed reports whether the connection is closing.
func (c *conn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// stalled ends a connection whose peer stopped draining it or answering
// pings: it is logged and counted, and closed without a close frame (the
// peer would not read one). readPump then lets go of it as of any
// disconnection: an agent's chats wait out the grace period.
func (c *conn) stalled(why string, d time.Duration) {
	h := c.h
	h.metrics.stalled.WithLabelValues(c.role).Inc()
	h.log.Warn("peer stalled: treated as disconnected", "role", c.role, "name", c.name, "why", why,
		"stalled", d.Round(time.Millisecond), "timeout", h.cfg.StallTimeout)
	c.close(websocket.CloseAbnormalClosure, "stalled: "+why)
}

// writeFailed ends the connection after a failed write: a deadline that
// passed is a stall (unless the connection was closing anyway, as when
// its send queue overflowed); anything else is a broken socket.
func (c *conn) writeFailed(err error, since time.Time) {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !c.isClosed() {
		c.stalled("send queue not drained", time.Since(since))
		return
	}
	c.close(websocket.CloseAbnormalClosure, "write: "+err.Error())
}

// keepSmall is the largest send-queue capacity writePump keeps between
// bursts; a larger one is dropped, so that an idle connection holds
// little memory after a burst.
const keepSmall = 16

// writePump owns the socket's writes: queued frames, queue lengths (at
// most one frame per QueueInterval), pings, and the close frame at the
// end. It closes the socket, which ends readPump.
//
// It also notices a stalled peer. A write's deadline is the stall
// timeout after the send queue was last empty, so a write that does not
// finish by then means the queue was not emptied for that long; and a
// ping not answered within the stall timeout means the peer is not
// reading (WebSocket libraries answer pings as they read).
func (c *conn) writePump() {
	h := c.h
	ping := time.NewTicker(h.cfg.PingInterval)
	var (
		spare     []outbound
		lastQueue time.Time   // when the last queue frame was written
		queueDue  *time.Timer // armed while a queue frame waits for its interval
		queueC    <-chan time.Time
		pingAt    time.Time   // when the ping being waited for was sent
		pongDue   *time.Timer // armed while a ping waits for its pong
		pongC     <-chan time.Time
	)
	defer func() {
		ping.Stop()
		if queueDue != nil {
			queueDue.Stop()
		}
		if pongDue != nil {
			pongDue.Stop()
		}
		c.ws.Close()
	}()
	for {
		writeQueue := false
		select {
		case <-c.wake:
			out, queue, closed, deadline := c.take(spare)
			if closed {
				c.goodbye(out)
				return
			}
			if len(out) > 0 {
				c.wmu.Lock()
				c.ws.SetWriteDeadline(deadline)
				for i, m := range out {
					if err := c.write(m); err != nil {
						c.wmu.Unlock()
						c.writeFailed(err, deadline.Add(-h.cfg.StallTimeout))
						return
					}
					out[i] = outbound{} // let the frame go
					c.writing.Add(-1)
				}
				c.wmu.Unlock()
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
			// Taken before the ping goes: its pong may come back before
			// WriteControl returns.
			sent := time.Now()
			deadline := c.deadline()
			if err := c.ws.WriteControl(websocket.PingMessage, nil, deadline); err != nil {
				c.writeFailed(err, deadline.Add(-h.cfg.StallTimeout))
				return
			}
			if pongC == nil {
				pingAt = sent
				if pongDue == nil {
					pongDue = time.NewTimer(h.cfg.StallTimeout)
				} else {
					pongDue.Reset(h.cfg.StallTimeout)
				}
				pongC = pongDue.C
			}
		case <-pongC:
			pongC = nil
			if c.pong.Load() < pingAt.UnixNano() {
				c.stalled("ping not answered", time.Since(pingAt))
				return
			}
		}
		if writeQueue {
			lastQueue = time.Now()
			deadline := c.deadline()
			c.wmu.Lock()
			c.ws.SetWriteDeadline(deadline)
			err := c.write(outbound{data: h.queueFrame(c.pool)})
			c.wmu.Unlock()
			if err != nil {
				c.writeFailed(err, deadline.Add(-h.cfg.StallTimeout))
				return
			}
		}
	}
}

// write writes one frame, within the deadline set on the socket, and
// counts it if it was relayed. wmu must be held.
func (c *conn) write(m outbound) error {
	h := c.h
	if m.data == nil {
		return nil
	}
	c.room -= len(m.data) + 14 // flush's account of the send buffer
	err := c.ws.WriteMessage(websocket.TextMessage, m.data)
	m.release() // gorilla has copied it, or failed
	if err != nil {
		return err
	}
	if !m.read.IsZero() {
		h.metrics.relayed.Inc()
		h.metrics.relayLatency.Observe(time.Since(m.read).Seconds())
	}
	return nil
}

// goodbye flushes what is queued (the last error, a closed frame) and
// says goodbye with the reason; a client closed for policy because it is
// stuck or replaced, or whose token was revoked, gets only the close
// frame; one closed for what it sent (closeAnswered) gets its answers
// first.
func (c *conn) goodbye(out []outbound) {
	c.mu.Lock()
	code, reason, answered := c.code, c.reason, c.answered
	out = append(out, c.out...)
	c.out = nil
	c.mu.Unlock()
	// A reader's flush may be writing: the goodbye follows it.
	c.wmu.Lock()
	defer c.wmu.Unlock()
	deadline := time.Now().Add(c.h.cfg.WriteTimeout)
	c.ws.SetWriteDeadline(deadline)
	if answered || code != websocket.ClosePolicyViolation && code != CloseRevoked {
		for _, m := range out {
			// Counted as any relayed frame: deskdrill_messages_relayed_total
			// is one per message delivered.
			if c.write(m) != nil {
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

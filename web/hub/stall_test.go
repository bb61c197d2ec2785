package hub_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
)

// logBuffer is an io.Writer for a test's slog handler, safe for the hub's
// goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// smallSendBuffers wraps a listener so that the hub's end of every
// connection has a small kernel send buffer: a peer that stops reading
// blocks the hub's writes after a few frames, not after megabytes.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// dialSmallReader dials like f.dial, with a small kernel receive buffer on
// the client's end.
func (f *fixture) dialSmallReader(path, token string) *client {
	f.t.Helper()
	d := websocket.Dialer{NetDialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetReadBuffer(4096)
		}
		return c, err
	}}
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + path + "?token=" + token
	ws, _, err := d.Dial(url, nil)
	if err != nil {
		f.t.Fatalf("dial %s: %v", path, err)
	}
	c := &client{t: f.t, ws: ws}
	f.t.Cleanup(func() { ws.Close() })
	c.expect(protocol.TypeWelcome)
	return c
}

// TestHub_StalledAgentIsDisconnected: an agent whose socket stops draining
// (a real client that never reads again, while its three customers flood
// it) is treated as disconnected once its send queue has not been
// emptied for the stall timeout: logged with its name and how long, counted,
// and its chats go through the grace period to another agent.
func TestHub_StalledAgentIsDisconnected(t *testing.T) {
	logs := &logBuffer{}
	const stall = 300 * time.Millisecond
	f := newFixtureListener(t, func(c *hub.Config) {
		c.Concurrency = 3
		c.StallTimeout = stall
		c.Grace = 100 * time.Millisecond
		// A queue that never fills: the stall, not the queue's bound,
		// must be what ends the connection.
		c.SendQueue = 1 << 20
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}, func(l net.Listener) net.Listener { return smallSendBuffers{l} })

	// stuck reads its welcome (in dial) and nothing after it.
	f.dialSmallReader("/ws/agent", "agent:stuck")
	var custs []*client
	var ids []string
	for i := range 3 {
		c := f.dial("/ws/customer", fmt.Sprintf("customer:c%d", i))
		ids = append(ids, start(c, sim.CaseRefundUnshipped, "还没发货，退款"))
		if got := c.expect(protocol.TypeAssigned); got.Agent != "stuck" {
			t.Fatalf("customer %d assigned to %q; want stuck", i, got.Agent)
		}
		custs = append(custs, c)
	}
	// Another agent is ready for them.
	other := f.dial("/ws/agent", "agent:other")
	began := time.Now()
	big := strings.Repeat("长", protocol.MaxText)
	for range 20 {
		for _, c := range custs {
			c.send(msg("message", "text", big))
		}
	}
	got := map[string]bool{}
	for range ids {
		as := other.expect(protocol.TypeAssign)
		got[as.Conversation] = true
	}
	requeued := time.Since(began)
	for _, id := range ids {
		if !got[id] {
			t.Errorf("conversation %s was not requeued to the other agent (it got %v)", id, got)
		}
		if k := strings.Join(f.rec.kinds(id), " "); !strings.Contains(k, "system:requeue") {
			t.Errorf("%s recorded %s; want a requeue", id, k)
		}
	}
	t.Logf("requeued to another agent %v after the flood began", requeued)
	if n := f.metric("deskdrill_stalled_connections_total", "agent"); n != 1 {
		t.Errorf("deskdrill_stalled_connections_total{role=agent} = %v; want 1", n)
	}
	if n := f.metric("deskdrill_slow_consumers_total"); n != 0 {
		t.Errorf("deskdrill_slow_consumers_total = %v; want 0 (the stall ends it, not the queue's bound)", n)
	}
	line := ""
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "peer stalled") {
			line = l
		}
	}
	if !strings.Contains(line, "name=stuck") || !strings.Contains(line, "stalled=") || !strings.Contains(line, "send queue not drained") {
		t.Errorf("log line %q; want the stalled agent's name, how long and why", line)
	}
	// The customers are served on by the other agent.
	other.send(msg("message", "conversation", ids[0], "text", "您好，我来处理"))
	for {
		if m := custs[0].expect(protocol.TypeMessage); m.Text == "您好，我来处理" {
			break
		}
	}
}

// reader reads a client's frames in the background, as a live client
// does (so it answers pings), until the connection ends.
type reader struct {
	t      testing.TB
	frames chan protocol.Frame
}

func (c *client) background() *reader {
	r := &reader{t: c.t, frames: make(chan protocol.Frame, 256)}
	go func() {
		defer close(r.frames)
		for {
			var fr protocol.Frame
			c.ws.SetReadDeadline(time.Time{})
			if err := c.ws.ReadJSON(&fr); err != nil {
				return
			}
			r.frames <- fr
		}
	}()
	return r
}

// expect waits up to 5 s for a frame of type typ, skipping others.
func (r *reader) expect(typ string) protocol.Frame {
	r.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case fr, ok := <-r.frames:
			if !ok {
				r.t.Fatalf("waiting for %s: the connection ended", typ)
			}
			if fr.Type == typ {
				return fr
			}
		case <-deadline:
			r.t.Fatalf("waited 5 s for %s", typ)
		}
	}
}

// TestHub_SilentAgentIsDisconnected: an agent that holds a chat, receives
// little and never reads does not fill any buffer, but it does not answer
// the hub's pings either: after the stall timeout it is treated as
// disconnected, well before the pong timeout would drop it. Clients that
// read (here the customer and the other agent) answer pings and are not.
func TestHub_SilentAgentIsDisconnected(t *testing.T) {
	logs := &logBuffer{}
	f := newFixture(t, func(c *hub.Config) {
		c.PingInterval = 100 * time.Millisecond
		c.PongTimeout = time.Minute
		// Long enough for the reading clients to answer pings on a
		// loaded machine under -race; short against the pong timeout.
		c.StallTimeout = time.Second
		c.Grace = 50 * time.Millisecond
		c.Logger = slog.New(slog.NewTextHandler(logs, nil))
	})
	// silent reads nothing after its welcome, so it answers no ping.
	f.dial("/ws/agent", "agent:silent")
	cu := f.dial("/ws/customer", "customer:c")
	cr := cu.background()
	cu.send(msg("start", "case", sim.CaseRefundUnshipped, "text", "退款", "customer", map[string]any{"name": "王芳"}))
	id := cr.expect(protocol.TypeStarted).Conversation
	if got := cr.expect(protocol.TypeAssigned); got.Agent != "silent" {
		t.Fatalf("assigned to %q; want silent", got.Agent)
	}
	other := f.dial("/ws/agent", "agent:other")
	others := other.background()
	if as := others.expect(protocol.TypeAssign); as.Conversation != id {
		t.Fatalf("the other agent got %s; want %s", as.Conversation, id)
	}
	if n := f.metric("deskdrill_stalled_connections_total", "agent"); n != 1 {
		t.Errorf("deskdrill_stalled_connections_total{role=agent} = %v; want 1", n)
	}
	if n := f.metric("deskdrill_stalled_connections_total", "customer"); n != 0 {
		t.Errorf("deskdrill_stalled_connections_total{role=customer} = %v; want 0: the customer reads", n)
	}
	if l := logs.String(); !strings.Contains(l, "name=silent") || !strings.Contains(l, "ping not answered") {
		t.Errorf("logs %q; want the silent agent named, and why", l)
	}
	// The reading agent serves the customer on.
	other.send(msg("message", "conversation", id, "text", "您好，我来处理"))
	if m := cr.expect(protocol.TypeMessage); m.Text != "您好，我来处理" {
		t.Errorf("customer got %q", m.Text)
	}
}

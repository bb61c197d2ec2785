package echo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// MetricRelayed is the relay's count of messages delivered, under the
// hub's name (deskdrill_messages_relayed_total), so that deskdrill load
// and bench/load/relay-cost.sh read it as they read the hub's.
const MetricRelayed = "deskdrill_messages_relayed_total"

// Relay is the least a relay between customers and agents can do over
// gorilla/websocket, speaking just enough of the hub's protocol for
// deskdrill load to drive it as it drives the hub: a welcome to every
// connection; a customer's start assigns it to the next agent round robin
// and is answered with assigned; a customer's message goes to its agent
// with the conversation's id put in front, unparsed; an agent's message
// goes to the customer its conversation field names, as it is. One read
// and one write per relayed message, from the goroutine that read it,
// nothing decoded, recorded or timed.
//
// It is the floor of the hub's relay cost, as Server is of the cost per
// message of any WebSocket server: the part of the hub's CPU per relayed
// message above the relay's is the hub's own work; the part of the
// relay's above the echo server's is the traffic's (two hops per
// customer message, each answered by a peer that was asleep).
type Relay struct {
	upgrader websocket.Upgrader
	relayed  prometheus.Counter
	count    atomic.Uint64

	wg        sync.WaitGroup
	mu        sync.Mutex
	closed    bool                    // mu guards
	conns     map[*relayConn]struct{} // mu guards
	agents    []*relayConn            // mu guards; in the order they came
	next      int                     // mu guards: the agent the next customer gets
	customers []*relayConn            // mu guards; a conversation's id is its index
	pending   []*relayConn            // mu guards: started before any agent came
}

// relayConn is one connection: gorilla allows one writer at a time, and
// several readers write to an agent (its customers) or a customer.
type relayConn struct {
	ws    *websocket.Conn
	wmu   sync.Mutex
	agent *relayConn // a customer's agent, once assigned (Relay.mu)
	conv  []byte     // a customer's frame prefix to its agent: {"conversation":"N",
}

func (c *relayConn) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

var (
	relayWelcome  = []byte(`{"v":1,"type":"welcome"}`)
	relayAssigned = []byte(`{"v":1,"type":"assigned"}`)
	relayConvKey  = []byte(`"conversation":"`)
	relayStart    = []byte(`"type":"start"`)
)

// NewRelay returns a relay whose message counter is registered with reg
// (nil registers none).
func NewRelay(reg prometheus.Registerer) (*Relay, error) {
	r := &Relay{
		upgrader: websocket.Upgrader{
			ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
			CheckOrigin: func(*http.Request) bool { return true },
		},
		relayed: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricRelayed, Help: "Messages delivered (one message in one direction)."}),
		conns:   map[*relayConn]struct{}{},
	}
	if reg != nil {
		if err := reg.Register(r.relayed); err != nil {
			return nil, fmt.Errorf("new relay: %w", err)
		}
	}
	return r, nil
}

// Relayed returns how many messages the relay has delivered.
func (r *Relay) Relayed() uint64 { return r.count.Load() }

// ServeHTTP serves /ws/agent and /ws/customer (any query, any token).
func (r *Relay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	agent := req.URL.Path == "/ws/agent"
	if !agent && req.URL.Path != "/ws/customer" {
		http.NotFound(w, req)
		return
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	r.wg.Add(1)
	r.mu.Unlock()
	defer r.wg.Done()
	ws, err := r.upgrader.Upgrade(w, req, nil)
	if err != nil {
		return
	}
	c := &relayConn{ws: ws}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		ws.Close()
		return
	}
	r.conns[c] = struct{}{}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.conns, c)
		r.mu.Unlock()
		ws.Close()
	}()
	if c.write(relayWelcome) != nil {
		return
	}
	if agent {
		r.addAgent(c)
		r.agentLoop(c)
		return
	}
	r.customerLoop(c)
}

func (r *Relay) addAgent(a *relayConn) {
	r.mu.Lock()
	r.agents = append(r.agents, a)
	pending := r.pending
	r.pending = nil
	for _, c := range pending {
		r.assign(c)
	}
	r.mu.Unlock()
	for _, c := range pending {
		c.write(relayAssigned)
	}
}

// assign gives customer c the next agent; r.mu must be held.
func (r *Relay) assign(c *relayConn) {
	c.agent = r.agents[r.next%len(r.agents)]
	r.next++
}

func (r *Relay) customerLoop(c *relayConn) {
	var agent *relayConn
	var out []byte
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if agent == nil {
			assigned := false
			r.mu.Lock()
			if c.conv == nil && bytes.Contains(msg, relayStart) {
				c.conv = append(append(append([]byte(nil), `{"conversation":"`...), strconv.Itoa(len(r.customers))...), `",`...)
				r.customers = append(r.customers, c)
				if len(r.agents) == 0 {
					r.pending = append(r.pending, c)
				} else {
					r.assign(c)
					assigned = true
				}
			}
			// A customer left waiting is assigned by addAgent.
			agent = c.agent
			r.mu.Unlock()
			if assigned && c.write(relayAssigned) != nil {
				return
			}
			if assigned || agent == nil {
				continue
			}
		}
		if len(msg) < 2 || msg[0] != '{' {
			continue
		}
		out = append(append(out[:0], c.conv...), msg[1:]...)
		if agent.write(out) != nil {
			continue // the agent's own loop ends it
		}
		r.count.Add(1)
		r.relayed.Inc()
	}
}

func (r *Relay) agentLoop(a *relayConn) {
	for {
		_, msg, err := a.ws.ReadMessage()
		if err != nil {
			return
		}
		i := bytes.Index(msg, relayConvKey)
		if i < 0 {
			continue
		}
		id := msg[i+len(relayConvKey):]
		end := bytes.IndexByte(id, '"')
		if end < 0 {
			continue
		}
		n, err := strconv.Atoi(string(id[:end]))
		if err != nil {
			continue
		}
		r.mu.Lock()
		var c *relayConn
		if n >= 0 && n < len(r.customers) {
			c = r.customers[n]
		}
		r.mu.Unlock()
		if c == nil || c.write(msg) != nil {
			continue
		}
		r.count.Add(1)
		r.relayed.Inc()
	}
}

// Close closes every connection and waits for their loops, or for ctx.
func (r *Relay) Close(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	for c := range r.conns {
		c.ws.Close()
	}
	r.mu.Unlock()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close relay: %w", ctx.Err())
	}
}

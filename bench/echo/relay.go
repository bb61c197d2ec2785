package echo

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"slices"
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

	conns     conns
	mu        sync.Mutex
	agents    []*relayConn       // mu guards; the agents connected, in the order they came
	next      int                // mu guards: the agent the next customer gets
	customers map[int]*relayConn // mu guards; by conversation id, while connected
	nextID    int                // mu guards: the next conversation's id
	pending   []*relayConn       // mu guards: started while no agent was connected
	// onPending, when set (tests), is called when a customer is left
	// waiting for an agent.
	onPending func()
}

// relayConn is one connection: gorilla allows one writer at a time, and
// several readers write to an agent (its customers) or a customer.
//
// Writes have no deadline, as the echo server's have none: a peer that
// stops reading holds up the goroutines writing to it until it or the
// relay closes. The relay is a baseline for a well-behaved load, not a
// server for the public.
type relayConn struct {
	ws  *websocket.Conn
	wmu sync.Mutex
	// agent is a customer's agent once assigned; an agent that leaves
	// hands its customers to the others (Relay.agentGone). Read by the
	// customer's loop for every message, without Relay.mu.
	agent atomic.Pointer[relayConn]
	id    int    // a customer's conversation id, once started (Relay.mu)
	conv  []byte // a customer's frame prefix to its agent: {"conversation":"N", (its loop only)
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
		relayed:   prometheus.NewCounter(prometheus.CounterOpts{Name: MetricRelayed, Help: "Messages delivered (one message in one direction)."}),
		customers: map[int]*relayConn{},
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
	ws, ok := r.conns.upgrade(&r.upgrader, w, req)
	if !ok {
		return
	}
	defer r.conns.done(ws)
	c := &relayConn{ws: ws, id: -1}
	if c.write(relayWelcome) != nil {
		return
	}
	if agent {
		r.addAgent(c)
		defer r.agentGone(c)
		r.agentLoop(c)
		return
	}
	defer r.customerGone(c)
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

// agentGone forgets agent a: its customers go to the other agents, or
// wait for the next one.
func (r *Relay) agentGone(a *relayConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i := slices.Index(r.agents, a); i >= 0 {
		r.agents = slices.Delete(r.agents, i, i+1)
	}
	for _, c := range r.customers {
		if c.agent.Load() != a {
			continue
		}
		if len(r.agents) == 0 {
			c.agent.Store(nil)
			r.pending = append(r.pending, c)
			continue
		}
		r.assign(c)
	}
}

// customerGone forgets customer c.
func (r *Relay) customerGone(c *relayConn) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.id >= 0 {
		delete(r.customers, c.id)
	}
	if i := slices.Index(r.pending, c); i >= 0 {
		r.pending = slices.Delete(r.pending, i, i+1)
	}
}

// assign gives customer c the next agent; r.mu must be held and an agent
// connected.
func (r *Relay) assign(c *relayConn) {
	c.agent.Store(r.agents[r.next%len(r.agents)])
	r.next++
}

func (r *Relay) customerLoop(c *relayConn) {
	var out []byte
	for {
		_, msg, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		if c.conv == nil {
			if !bytes.Contains(msg, relayStart) {
				continue
			}
			r.mu.Lock()
			c.id = r.nextID
			r.nextID++
			r.customers[c.id] = c
			c.conv = append(append(append([]byte(nil), `{"conversation":"`...), strconv.Itoa(c.id)...), `",`...)
			waiting := len(r.agents) == 0
			if waiting {
				r.pending = append(r.pending, c) // addAgent assigns it
			} else {
				r.assign(c)
			}
			hook := r.onPending
			r.mu.Unlock()
			if waiting {
				if hook != nil {
					hook()
				}
				continue
			}
			if c.write(relayAssigned) != nil {
				return
			}
			continue
		}
		agent := c.agent.Load()
		if agent == nil || len(msg) < 2 || msg[0] != '{' {
			continue // no agent now: dropped, as a hub would refuse it
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
		c := r.customers[n]
		r.mu.Unlock()
		if c == nil || c.write(msg) != nil {
			continue
		}
		r.count.Add(1)
		r.relayed.Inc()
	}
}

// Close closes every connection and waits for their loops, or for ctx.
func (r *Relay) Close(ctx context.Context) error { return r.conns.close(ctx, "relay") }

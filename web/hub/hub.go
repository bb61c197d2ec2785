// Package hub is the live sandbox's switchboard: it accepts agents and
// customers over WebSocket (the protocol of bench/protocol), queues
// customers, routes them to agents within their concurrency limit, relays
// messages and actions, stamps every event with its own clock and hands
// every event to a Recorder and every finished conversation to a callback
// that scores it.
//
// All routing state sits behind one mutex. A relayed message costs a map
// look-up, a hand-off to the recorder and an append to the other side's
// send queue under it, so one lock carries tens of thousands of messages
// a second; the sockets are read and written by two goroutines per
// connection, outside the lock.
//
// # Memory per connection
//
// An idle connection costs its two goroutines' stacks, gorilla's 1 KiB
// read buffer and a few small structs, about 13 KiB in all
// (TestHub_IdleConnectionMemory): the send queue is an empty slice until
// frames wait in it, write buffers are pooled, and the HTTP handler
// returns once the connection is upgraded, so net/http's buffers and the
// handler's stack go. Queue lengths reach agents at most once per
// QueueInterval, so a burst of arrivals costs each agent one frame, not
// one per arrival.
package hub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
)

// Recorder receives every conversation and event as it happens. The hub
// calls it with its lock held, so it must not block for long: web/store
// queues and writes in batches.
type Recorder interface {
	StartConversation(ctx context.Context, runID int64, c *sim.Conversation) error
	AppendEvent(ctx context.Context, runID int64, convID string, seq int, e sim.Event) error
}

// Identity is who a token belongs to.
type Identity struct {
	Name string
	Role string // admin, supervisor, viewer, agent, customer
}

// Authenticator turns a token into an identity.
type Authenticator interface {
	Authenticate(ctx context.Context, token string) (Identity, error)
}

// Finished is a conversation that ended: its record, the agents who held
// it (the last first) and whether the customer abandoned it.
type Finished struct {
	Conv   *sim.Conversation
	Agents []string
}

// Config configures a hub. Zero durations take the defaults.
type Config struct {
	Run      int64
	Scenario *sim.Scenario
	Recorder Recorder
	Auth     Authenticator
	// OnFinish is called, outside the hub's lock, for every conversation
	// that ended; the record is the hub's and not changed afterwards.
	OnFinish func(Finished)
	// Now is the hub's clock; time.Now when nil.
	Now func() time.Time
	// Concurrency is the most chats one agent holds (default: the
	// scenario's, else sim.DefaultConcurrency).
	Concurrency int
	// Grace is how long a disconnected agent keeps its chats (30 s).
	Grace time.Duration
	// RatingWindow is how long a customer may rate after the agent closed
	// before the conversation is finished without one (2 min).
	RatingWindow time.Duration
	SendQueue    int           // frames queued per connection (256)
	WriteTimeout time.Duration // per write (10 s)
	// QueueInterval is the shortest time between two queue frames to one
	// agent (250 ms): lengths that change faster are sent as they are
	// when the interval is over, so a burst of arrivals does not cost a
	// frame per agent per arrival.
	QueueInterval time.Duration
	PingInterval  time.Duration // (30 s)
	PongTimeout   time.Duration // a peer silent this long is gone (60 s)
	ErrorLimit    int           // protocol errors tolerated per minute (10)
	Logger        *slog.Logger
	// Registerer receives the hub's Prometheus metrics; nil registers none.
	Registerer prometheus.Registerer
	// Admit, when set, is asked before every frame that changes state
	// (every frame but ping) is applied, with the hub's lock held. An
	// error refuses the frame: it has no effect and gets an error frame
	// with code unavailable and the error's text. The server passes its
	// store's health, so that the hub applies and acknowledges only what
	// the store will write in time. It must not block.
	Admit func() error
	// FirstConversation is the number of the first conversation
	// (c000001 when zero): a resumed run continues its numbering.
	FirstConversation int
}

// The hub's defaults.
const (
	DefaultGrace        = 30 * time.Second
	DefaultRatingWindow = 2 * time.Minute
	DefaultSendQueue    = 256
	// DefaultQueueInterval: agents learn queue lengths at most four times
	// a second.
	DefaultQueueInterval = 250 * time.Millisecond
	DefaultWriteTimeout  = 10 * time.Second
	DefaultPingInterval  = 30 * time.Second
	DefaultErrorLimit    = 10
)

// Errors of the hub.
var (
	// ErrClosed: the hub is shutting down.
	ErrClosed = errors.New("hub closed")
)

type convState int

const (
	stateQueued convState = iota
	stateAssigned
	stateEscalated // waiting in the supervisors' queue
	stateClosed    // the agent closed it; the customer may still rate
	stateDone
)

// conv is a live conversation. h.mu guards it.
type conv struct {
	rec      *sim.Conversation
	customer *conn
	cust     protocol.Customer
	state    convState
	agent    *agent
	held     []string // agents who held it, in order
	seq      int
	timer    *timer // the rating window after close
	// answered: an agent has replied (first response observed).
	answered bool
}

// agent is an agent or supervisor known to the hub, connected or within
// its grace period. h.mu guards it.
type agent struct {
	name   string
	role   string
	conn   *conn // nil while disconnected
	away   bool
	chats  map[string]*conv
	idle   time.Time // since when it holds no chat, or its last assignment
	grace  *timer
	epoch  int // bumps on every (re)connection, so a stale grace timer does nothing
	served int
}

// Hub is the live switchboard. Create it with New; Close shuts it down.
type Hub struct {
	cfg      Config
	log      *slog.Logger
	now      func() time.Time
	metrics  *metrics
	upgrader websocket.Upgrader

	wg sync.WaitGroup // every connection's goroutines and timers

	mu        sync.Mutex
	closed    bool
	agents    map[string]*agent
	convs     map[string]*conv
	queue     []*conv // customers waiting for an agent, oldest first
	escalated []*conv
	conns     map[*conn]struct{}
	nextConv  int
	// told is the queue lengths agents were last told of (waiting,
	// escalated); broadcastQueue does nothing when they did not change.
	told [2]int

	// lengths is the queue lengths packed as waiting<<32 | escalated,
	// read by writePumps without h.mu.
	lengths atomic.Uint64
}

// New returns a hub for one run.
func New(cfg Config) (*Hub, error) {
	if cfg.Recorder == nil || cfg.Auth == nil || cfg.Scenario == nil {
		return nil, fmt.Errorf("new hub: a recorder, an authenticator and a scenario are required")
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = cfg.Scenario.Staffing.Concurrency
		if cfg.Concurrency <= 0 {
			cfg.Concurrency = sim.DefaultConcurrency
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Grace, DefaultGrace)
	def(&cfg.RatingWindow, DefaultRatingWindow)
	def(&cfg.WriteTimeout, DefaultWriteTimeout)
	def(&cfg.PingInterval, DefaultPingInterval)
	def(&cfg.PongTimeout, 2*cfg.PingInterval)
	def(&cfg.QueueInterval, DefaultQueueInterval)
	if cfg.SendQueue <= 0 {
		cfg.SendQueue = DefaultSendQueue
	}
	if cfg.ErrorLimit <= 0 {
		cfg.ErrorLimit = DefaultErrorLimit
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	h := &Hub{
		cfg: cfg, log: cfg.Logger, now: cfg.Now,
		agents: map[string]*agent{}, convs: map[string]*conv{}, conns: map[*conn]struct{}{},
		upgrader: websocket.Upgrader{
			// A 1 KiB read buffer holds a typical frame; larger frames are
			// read through it. Pooling write buffers keeps an idle
			// connection small: the buffer exists only while a frame is
			// written.
			ReadBufferSize: 1024, WriteBufferSize: 1024,
			WriteBufferPool: &sync.Pool{},
			// Agents and customers are programs and consoles on any origin;
			// tokens, not cookies, authenticate, so cross-site requests
			// carry no ambient authority.
			CheckOrigin: func(*http.Request) bool { return true },
		},
	}
	h.nextConv = max(cfg.FirstConversation-1, 0)
	m, err := newMetrics(cfg.Registerer, h)
	if err != nil {
		return nil, err
	}
	h.metrics = m
	return h, nil
}

// token reads the bearer token from the Authorization header, or from
// the token query parameter (browsers cannot set headers on WebSockets).
func token(r *http.Request) string {
	if a := r.Header.Get("Authorization"); len(a) > 7 && a[:7] == "Bearer " {
		return a[7:]
	}
	return r.URL.Query().Get("token")
}

// ServeAgent is the /ws/agent endpoint: agents and supervisors.
func (h *Hub) ServeAgent(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, protocol.FromAgent)
}

// ServeCustomer is the /ws/customer endpoint.
func (h *Hub) ServeCustomer(w http.ResponseWriter, r *http.Request) {
	h.serve(w, r, protocol.FromCustomer)
}

func (h *Hub) serve(w http.ResponseWriter, r *http.Request, from protocol.Role) {
	id, err := h.cfg.Auth.Authenticate(r.Context(), token(r))
	if err != nil {
		http.Error(w, "a valid token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)", http.StatusUnauthorized)
		return
	}
	role := id.Role
	switch {
	case from == protocol.FromCustomer && (role == "customer" || role == "admin"):
		role = "customer"
	case from == protocol.FromAgent && (role == "agent" || role == "supervisor"):
	case from == protocol.FromAgent && role == "admin":
		role = "supervisor"
	default:
		http.Error(w, fmt.Sprintf("a %s token cannot connect here", id.Role), http.StatusForbidden)
		return
	}
	name := id.Name
	if seat := r.URL.Query().Get("seat"); seat != "" {
		// One token may seat a team (a vendor's bots): each seat is its
		// own agent, named token-name/seat.
		if len(seat) > 64 || strings.ContainsFunc(seat, func(r rune) bool { return r < ' ' || r == '/' }) {
			http.Error(w, "seat: at most 64 printable characters without /", http.StatusBadRequest)
			return
		}
		name += "/" + seat
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return
	}
	h.wg.Add(1) // this handler, until it has handed the connection over
	h.mu.Unlock()
	defer h.wg.Done()
	ws, err := h.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := h.newConn(ws, role, name)
	ws.SetReadLimit(protocol.MaxFrame)
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		ws.Close()
		return
	}
	h.conns[c] = struct{}{}
	// The handler returns once the connection has its two goroutines,
	// which the hub owns (h.wg): net/http then lets go of its own buffers
	// and of the handler goroutine's deep stack, which an idle
	// connection would otherwise keep (STYLE §4: the hub closes and
	// waits for its connections; http.Server does not).
	h.wg.Add(2)
	go func() {
		defer h.wg.Done()
		c.writePump()
	}()
	go func() {
		defer h.wg.Done()
		h.readPump(c, from)
	}()
	// readPump waits for h.mu: the welcome is queued first.
	if from == protocol.FromAgent {
		h.agentJoined(c)
	} else {
		c.pushFrame(protocol.Frame{Type: protocol.TypeWelcome, Role: "customer", Run: h.cfg.Run, Scenario: h.cfg.Scenario.Name}, time.Time{})
		h.metrics.customers.Inc()
	}
}

// readPump reads c's frames until the connection ends, then lets go of
// it: an agent's chats wait out the grace period, a customer's
// conversation ends.
func (h *Hub) readPump(c *conn, from protocol.Role) {
	h.readLoop(c, from)
	h.mu.Lock()
	delete(h.conns, c)
	if from == protocol.FromAgent {
		h.agentLeft(c)
	} else {
		h.metrics.customers.Dec()
		if cv := c.conv; cv != nil && cv.state != stateDone {
			h.customerGone(cv, "disconnected", time.Time{})
		}
	}
	h.mu.Unlock()
	c.close(websocket.CloseNormalClosure, "")
}

// deadlineSlack is how stale readLoop lets the read deadline get: moving
// it costs a timer update in the runtime, so it moves at most once per
// slack, by PongTimeout plus the slack. A silent client is dropped after
// between PongTimeout and PongTimeout + slack.
const deadlineSlack = time.Second

func (h *Hub) readLoop(c *conn, from protocol.Role) {
	moved := time.Now()
	c.ws.SetReadDeadline(moved.Add(h.cfg.PongTimeout + deadlineSlack))
	c.ws.SetPongHandler(func(string) error {
		return c.ws.SetReadDeadline(time.Now().Add(h.cfg.PongTimeout + deadlineSlack))
	})
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			if errors.Is(err, websocket.ErrReadLimit) {
				// gorilla has sent 1009 already.
				h.metrics.protocolErrors.WithLabelValues("too_big").Inc()
				c.close(websocket.CloseMessageTooBig, "frame too big")
			}
			return
		}
		read := time.Now()
		if read.Sub(moved) >= deadlineSlack {
			moved = read
			c.ws.SetReadDeadline(read.Add(h.cfg.PongTimeout + deadlineSlack))
		}
		f, err := protocol.Decode(data, from)
		h.mu.Lock()
		if err == nil {
			err = h.admit(f)
		}
		if err == nil {
			if from == protocol.FromAgent {
				err = h.agentFrame(c, f, read)
			} else {
				err = h.customerFrame(c, f, read)
			}
		}
		h.mu.Unlock()
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				pe = protocol.Errorf("internal", "", "%v", err)
			}
			if pe.Ref == "" {
				pe.Ref = f.ID
			}
			h.metrics.protocolErrors.WithLabelValues(pe.Code).Inc()
			c.pushFrame(pe.Frame(), time.Time{})
			if pe.Code != protocol.CodeUnavailable && c.tooManyErrors(read) {
				c.close(websocket.ClosePolicyViolation, fmt.Sprintf("more than %d protocol errors in a minute", h.cfg.ErrorLimit))
				return
			}
		}
	}
}

// record appends e to cv's record and hands it to the recorder. mu must be
// held.
func (h *Hub) record(cv *conv, e sim.Event) {
	cv.rec.Events = append(cv.rec.Events, e)
	seq := cv.seq
	cv.seq++
	if err := h.cfg.Recorder.AppendEvent(context.Background(), h.cfg.Run, cv.rec.ID, seq, e); err != nil {
		h.log.Error("record event", "conversation", cv.rec.ID, "err", err)
	}
}

// Close shuts the hub down: no new connections, a going-away close frame
// to every connection, then it waits for every connection's goroutines
// until ctx ends. Conversations still open stay recorded as they are.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	for c := range h.conns {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	for _, a := range h.agents {
		a.grace.stop()
	}
	for _, cv := range h.convs {
		cv.timer.stop()
	}
	h.mu.Unlock()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Sockets still open are closed under the handlers, which then
		// return; wait for them too.
		h.mu.Lock()
		for c := range h.conns {
			c.ws.Close()
		}
		h.mu.Unlock()
		<-done
		return fmt.Errorf("close hub: %w", ctx.Err())
	}
}

// Scenario returns the scenario the hub serves.
func (h *Hub) Scenario() *sim.Scenario { return h.cfg.Scenario }

// Snapshot is the hub's state at one moment, for dashboards and tests.
type Snapshot struct {
	Waiting   int          `json:"waiting"`
	Escalated int          `json:"escalated"`
	Chatting  int          `json:"chatting"`
	Agents    []AgentState `json:"agents"`
}

// AgentState is one agent in a snapshot.
type AgentState struct {
	Name      string `json:"name"`
	Role      string `json:"role"`
	Connected bool   `json:"connected"`
	Away      bool   `json:"away"`
	Chats     int    `json:"chats"`
	Served    int    `json:"served"`
}

// Snapshot returns the current state.
func (h *Hub) Snapshot() Snapshot {
	h.mu.Lock()
	defer h.mu.Unlock()
	s := Snapshot{Waiting: len(h.queue), Escalated: len(h.escalated)}
	for _, cv := range h.convs {
		if cv.state == stateAssigned {
			s.Chatting++
		}
	}
	for _, a := range h.agents {
		s.Agents = append(s.Agents, AgentState{Name: a.name, Role: a.role, Connected: a.conn != nil, Away: a.away, Chats: len(a.chats), Served: a.served})
	}
	return s
}

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
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
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
	// Token is the token's id, by which Revoke finds the connections made
	// with it; 0 when the authenticator has none.
	Token int64
	// Pool is the pool the connection joins: "" for the run's own agents
	// and customers, a sitting's id for a candidate and its customers.
	Pool string
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
	SendQueue    int // frames queued per connection (256)
	// StallTimeout is how long a connection's send queue may hold a frame
	// without being emptied, and how long a ping may go unanswered,
	// before the peer counts as stalled (15 s): it is disconnected, logged
	// and counted, and an agent's chats wait out the grace period as for
	// any disconnection. Every write's deadline is the moment the stall
	// would begin.
	StallTimeout time.Duration
	// WriteTimeout bounds the goodbye: the frames still queued and the
	// close frame when a connection is closed (10 s).
	WriteTimeout time.Duration
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
	// DefaultStallTimeout: a peer that has not drained its send queue, or
	// answered a ping, for 15 s is treated as disconnected.
	DefaultStallTimeout = 15 * time.Second
	DefaultPingInterval = 30 * time.Second
	DefaultErrorLimit   = 10
)

// CloseRevoked is the close code of a connection whose token was revoked
// (an application code: 4000–4999 are for private use; 4401 echoes HTTP
// 401). The reason is "token revoked".
const CloseRevoked = 4401

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
	pool     *pool
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
	// refunded and compensated are the money actions applied so far; the
	// hub refuses one that would take either above the order price
	// (checkMoney).
	refunded, compensated sim.Money
}

// lastHolder is the agent who held cv last, or "".
func (cv *conv) lastHolder() string {
	if len(cv.held) == 0 {
		return ""
	}
	return cv.held[len(cv.held)-1]
}

// agent is an agent or supervisor known to the hub, connected or within
// its grace period. h.mu guards it.
type agent struct {
	pool   *pool
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

	mu     sync.Mutex
	closed bool
	// stopping is the leave text of the cut under way (sim.LeaveRunEnded,
	// sim.LeavePaused) once Stopping was called, "" before: from then on
	// no customer of the run's own pool starts, and a customer's leave or
	// disconnect is recorded as the cut, never as the buyer's own.
	stopping string
	// pools holds the run's own pool ("", main) and the sittings'.
	pools    map[string]*pool
	main     *pool
	convs    map[string]*conv
	conns    map[*conn]struct{}
	nextConv int
	// deferred, while a reader applies a frame, collects the connections
	// it pushed frames to: the reader flushes them once it lets go of mu
	// (conn.flush), instead of waking their writePumps. nil otherwise.
	deferred *[]*conn
}

// Pool is a set of agents and customers the hub routes among themselves:
// a sitting of an exam (docs/exams.md). Its customers go only to its
// agents, in its own queue, within its own concurrency, and its
// conversations are recorded under its own run. The run's own agents and
// customers are the pool with the empty id.
type Pool struct {
	ID string
	// Run is the run its conversations are recorded under.
	Run int64
	// Concurrency is the most chats one of its agents holds (0: the
	// hub's).
	Concurrency int
	// KeepEscalated: an escalation stays with the agent who made it, as
	// in a sitting, which has no supervisor to take it.
	KeepEscalated bool
	// Personas are the persona names its customers may give (nil: the
	// scenario's).
	Personas []string
	// OnFinish is called, outside the hub's lock, for every conversation
	// of the pool that ended (nil: the hub's).
	OnFinish func(Finished)
}

// pool is a Pool's routing state. h.mu guards it; lengths is read by
// writePumps without it.
type pool struct {
	cfg       Pool
	agents    map[string]*agent
	queue     []*conv // customers waiting for an agent, oldest first
	escalated []*conv
	// told is the queue lengths agents were last told of (waiting,
	// escalated); broadcastQueue does nothing when they did not change.
	told [2]int
	// lengths is the queue lengths packed as waiting<<32 | escalated.
	lengths atomic.Uint64
	// held: the pool assigns no one any more (HoldPool).
	held bool
}

func newPool(cfg Pool) *pool { return &pool{cfg: cfg, agents: map[string]*agent{}} }

// ErrNoPool: a connection names a pool the hub does not have (a sitting
// that ended or never started).
var ErrNoPool = errors.New("no such pool")

// AddPool adds a pool (a sitting). Its id must be new and not empty.
func (h *Hub) AddPool(p Pool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return ErrClosed
	}
	if p.ID == "" || h.pools[p.ID] != nil {
		return fmt.Errorf("add pool %q: the id must be new and not empty", p.ID)
	}
	if p.Concurrency <= 0 {
		p.Concurrency = h.cfg.Concurrency
	}
	h.pools[p.ID] = newPool(p)
	return nil
}

// RemovePool ends pool id: its connections are closed with code 4000 and
// reason, its agents forgotten, its waiting customers' conversations end
// as they stand. The run's own pool cannot be removed.
func (h *Hub) RemovePool(id, reason string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pools[id]
	if p == nil || p == h.main {
		return
	}
	delete(h.pools, id)
	for c := range h.conns {
		if c.pool == p {
			c.close(CodePoolEnded, reason)
		}
	}
	for _, a := range p.agents {
		a.grace.stop()
	}
}

// HoldPool stops pool id handing out customers: those waiting stay
// waiting. A sitting holds its pool when its time is up, so that a
// customer queued behind one who leaves is not handed to the candidate
// at the instant the sitting ends.
func (h *Hub) HoldPool(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p := h.pools[id]; p != nil && p != h.main {
		p.held = true
	}
}

// CodePoolEnded is the close code of a pool's connections when its
// sitting ends (RemovePool).
const CodePoolEnded = 4000

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
	def(&cfg.StallTimeout, DefaultStallTimeout)
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
		convs: map[string]*conv{}, conns: map[*conn]struct{}{},
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
	h.main = newPool(Pool{Run: cfg.Run, Concurrency: cfg.Concurrency})
	h.pools = map[string]*pool{"": h.main}
	h.nextConv = max(cfg.FirstConversation-1, 0)
	m, err := newMetrics(cfg.Registerer, h)
	if err != nil {
		return nil, err
	}
	h.metrics = m
	return h, nil
}

// BearerToken reads a request's token: from an Authorization header with
// the Bearer scheme (in any case) when there is one, else from the token
// query parameter (browsers cannot set headers on WebSockets or
// EventSource). When both are given the header wins and the query is not
// looked at. The HTTP API reads tokens the same way.
func BearerToken(r *http.Request) string {
	if scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(tok)
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
	id, err := h.cfg.Auth.Authenticate(r.Context(), BearerToken(r))
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
	if h.pools[id.Pool] == nil {
		h.mu.Unlock()
		http.Error(w, "the sitting of this token has not started or has ended", http.StatusConflict)
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
	c.token = id.Token
	// No read limit in gorilla: its own sends 1009 without the reason
	// docs/protocol.md gives, before the hub can. readFrame holds the
	// limit instead, reading at most MaxFrame+1 bytes of any message.
	h.mu.Lock()
	defer h.mu.Unlock()
	c.pool = h.pools[id.Pool]
	if h.closed || c.pool == nil {
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
		c.pushFrame(protocol.Frame{Type: protocol.TypeWelcome, Role: "customer", Run: c.pool.cfg.Run, Scenario: h.cfg.Scenario.Name}, time.Time{})
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
			h.customerGone(cv, h.leaveText(cv, "disconnected"), time.Time{})
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
	// pending are the connections a frame's application pushed to
	// (h.deferred), flushed after h.mu is let go.
	var (
		pending []*conn
		fb      frameBuf
	)
	moved := time.Now()
	c.ws.SetReadDeadline(moved.Add(h.cfg.PongTimeout + deadlineSlack))
	c.ws.SetPongHandler(func(string) error {
		now := time.Now()
		c.pong.Store(now.UnixNano())
		return c.ws.SetReadDeadline(now.Add(h.cfg.PongTimeout + deadlineSlack))
	})
	for {
		typ, data, err := readFrame(c.ws, &fb)
		if err != nil {
			if errors.Is(err, errFrameTooBig) {
				h.metrics.protocolErrors.WithLabelValues("too_big").Inc()
				c.close(websocket.CloseMessageTooBig, "frame too big")
			}
			return
		}
		if c.revoked.Load() {
			return // its token was revoked: nothing more it sends counts
		}
		read := time.Now()
		if read.Sub(moved) >= deadlineSlack {
			moved = read
			c.ws.SetReadDeadline(read.Add(h.cfg.PongTimeout + deadlineSlack))
		}
		var f protocol.Frame
		if typ == websocket.BinaryMessage {
			// Frames are JSON text; a binary message is refused like any
			// frame that is not JSON, and has no effect.
			err = protocol.Errorf(protocol.CodeBadJSON, "", "a binary frame: send each frame as one JSON text message")
		} else {
			f, err = decode(data, from)
		}
		h.mu.Lock()
		h.deferred = &pending
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
		h.deferred = nil
		h.mu.Unlock()
		for i, pc := range pending {
			pc.flush()
			pending[i] = nil
		}
		pending = pending[:0]
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				pe = protocol.Errorf("internal", "", "%v", err)
			}
			if pe.Ref == "" {
				pe.Ref = f.ID
			}
			h.metrics.protocolErrors.WithLabelValues(pe.Code).Inc()
			c.pushFrameUnlocked(pe.Frame(), time.Time{})
			if pe.Code != protocol.CodeUnavailable && c.tooManyErrors(read) {
				c.closeAnswered(websocket.ClosePolicyViolation, fmt.Sprintf("more than %d protocol errors in a minute", h.cfg.ErrorLimit))
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
	if err := h.cfg.Recorder.AppendEvent(context.Background(), cv.pool.cfg.Run, cv.rec.ID, seq, e); err != nil {
		h.log.Error("record event", "conversation", cv.rec.ID, "err", err)
	}
}

// Stopping begins the run's stop with the cut why (sim.LeaveRunEnded or
// sim.LeavePaused): every conversation of the run's own pool still open
// ends now, the customer's leave recorded with why (and the hub's close),
// so that reviews count it as cut off, not as the buyer walking away; no
// new customer of that pool starts; a leave or disconnect that arrives
// after is the cut's too. Call it before the customers and bots are told
// to stop and before Close. The sittings' pools are not touched.
func (h *Hub) Stopping(why string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopping != "" {
		return
	}
	h.stopping = why
	now := h.now()
	var open []*conv
	for _, cv := range h.convs {
		if cv.pool == h.main && cv.state != stateDone && cv.state != stateClosed {
			open = append(open, cv)
		}
	}
	// In the order they began, so the records read in order.
	slices.SortFunc(open, func(a, b *conv) int { return strings.Compare(a.rec.ID, b.rec.ID) })
	for _, cv := range open {
		h.customerGone(cv, why, now)
	}
}

// leaveText is the text to record for the leave of cv's customer, who
// gave why: once the run is stopping, the cut's for a conversation of the
// run's own pool the agent has not closed. mu must be held.
func (h *Hub) leaveText(cv *conv, why string) string {
	if h.stopping != "" && cv.pool == h.main && cv.state != stateClosed {
		return h.stopping
	}
	return why
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
	for _, p := range h.pools {
		for _, a := range p.agents {
			a.grace.stop()
		}
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

// Revoke closes every connection made with one of the tokens ids, with
// close code CloseRevoked and the reason "token revoked" (frames still
// queued for it are dropped), and returns how many it closed. An agent's
// chats then wait out the grace period, as for any disconnection: the
// same agent may come back with another token of its name. Revoking ids
// that are already closed, or have no connection, does nothing, so a
// caller may pass every revoked id each time it looks.
func (h *Hub) Revoke(ids ...int64) int {
	set := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if id > 0 {
			set[id] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for c := range h.conns {
		if set[c.token] && !c.revoked.Swap(true) {
			h.log.Info("token revoked: connection closed", "role", c.role, "name", c.name, "token", c.token)
			c.close(CloseRevoked, "token revoked")
			n++
		}
	}
	return n
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

// Snapshot returns the current state of the run's own pool.
func (h *Hub) Snapshot() Snapshot {
	s, _ := h.PoolSnapshot("")
	return s
}

// Open returns the arrival times of the run's own conversations that have
// not finished yet (waiting, chatting, or in their rating window): a
// trial's day is final only once none of its conversations is open.
func (h *Hub) Open() []time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pools[""]
	var out []time.Time
	for _, cv := range h.convs {
		if cv.pool == p {
			out = append(out, cv.rec.Arrived)
		}
	}
	return out
}

// PoolSnapshot returns the current state of pool id (a sitting), and
// false when there is no such pool.
func (h *Hub) PoolSnapshot(id string) (Snapshot, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.pools[id]
	if p == nil {
		return Snapshot{}, false
	}
	s := Snapshot{Waiting: len(p.queue), Escalated: len(p.escalated)}
	for _, cv := range h.convs {
		if cv.pool == p && cv.state == stateAssigned {
			s.Chatting++
		}
	}
	for _, a := range p.agents {
		s.Agents = append(s.Agents, AgentState{Name: a.name, Role: a.role, Connected: a.conn != nil, Away: a.away, Chats: len(a.chats), Served: a.served})
	}
	return s, true
}

// errFrameTooBig is a message over protocol.MaxFrame.
var errFrameTooBig = errors.New("frame too big")

// readFrame reads the next message as ws.ReadMessage does, but never
// more than protocol.MaxFrame+1 bytes of it: the rest of a bigger one is
// left unread, the connection about to close. The message is read into
// fb's buffer: valid until fb is used again (decode copies what it keeps).
func readFrame(ws *websocket.Conn, fb *frameBuf) (int, []byte, error) {
	typ, r, err := ws.NextReader()
	if err != nil {
		return typ, nil, err
	}
	fb.buf.Reset()
	if fb.buf.Cap() > keepFrameBuf {
		fb.buf = bytes.Buffer{} // a big frame's room goes back to the heap
	}
	fb.lr = io.LimitedReader{R: r, N: protocol.MaxFrame + 1}
	_, err = fb.buf.ReadFrom(&fb.lr)
	fb.lr.R = nil
	if err != nil {
		return typ, nil, err
	}
	if fb.buf.Len() > protocol.MaxFrame {
		return typ, nil, errFrameTooBig
	}
	return typ, fb.buf.Bytes(), nil
}

// frameBuf is the buffer a reader reads its frames into: a new one per
// frame was a fifth of the bytes the hub allocated under a load drill.
type frameBuf struct {
	buf bytes.Buffer
	lr  io.LimitedReader
}

// keepFrameBuf bounds the room a frameBuf keeps between frames.
const keepFrameBuf = 8 << 10

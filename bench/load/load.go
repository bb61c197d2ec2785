package load

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

// Config configures a run. Zero values take the defaults.
type Config struct {
	// URL is the hub, ws://HOST:PORT; the endpoints /ws/customer and
	// /ws/agent are appended.
	URL           string
	CustomerToken string
	AgentToken    string
	Customers     int
	Agents        int
	// Rate is the pace of customer messages over all customers. Every
	// customer message an agent echoes is relayed twice, so the hub
	// relays about 2 × Rate messages a second.
	Rate Rate
	// Duration is how long messages are paced (relay mode) or the
	// connections held (idle mode).
	Duration time.Duration
	// Idle opens the connections without starting conversations and holds
	// them, for memory measurements.
	Idle bool
	// MetricsURL is the hub's Prometheus endpoint (default
	// http://HOST:PORT/metrics); "-" reads none.
	MetricsURL string
	// Seat prefixes the agents' seats (default "load-"): agent i is
	// TOKENNAME/load-00001.
	Seat string
	// Dialers is how many connections are opened at once (64).
	Dialers int
	// Workers is how many goroutines send the paced messages (64).
	Workers int
	// Setup bounds the wait for connections and assignments (2 min).
	Setup time.Duration
	// Drain bounds the wait for the last replies after the last send (5 s).
	Drain  time.Duration
	Logger *slog.Logger
}

// The defaults.
const (
	DefaultDialers = 64
	DefaultWorkers = 64
	DefaultSetup   = 2 * time.Minute
	DefaultDrain   = 5 * time.Second
	DefaultSeat    = "load-"
)

// Errors of a run.
var (
	// ErrNoAgents: no agent connection could be opened, so nothing could
	// be relayed.
	ErrNoAgents = errors.New("no agent connected")
	// ErrNoAssignments: no customer was assigned to an agent.
	ErrNoAssignments = errors.New("no customer was assigned")
	// ErrNoConnections: no connection could be opened (idle mode).
	ErrNoConnections = errors.New("no connection opened")
)

// Validate checks c and fills in the defaults.
func (c *Config) Validate() error {
	if c.URL == "" || c.CustomerToken == "" || (c.Agents > 0 && c.AgentToken == "") {
		return errors.New("load config: a hub URL, a customer token and (for agents) an agent token are required")
	}
	if c.Customers < 0 || c.Agents < 0 || c.Customers+c.Agents == 0 {
		return fmt.Errorf("load config: %d customers, %d agents: want at least one connection", c.Customers, c.Agents)
	}
	if !c.Idle && (c.Customers < 1 || c.Agents < 1) {
		return errors.New("load config: relaying needs at least one customer and one agent")
	}
	if !c.Idle && (c.Rate.Freq < 1 || c.Rate.Per <= 0) {
		return fmt.Errorf("load config: rate %v: want at least 1 message per a positive duration", c.Rate)
	}
	if c.Duration <= 0 {
		return fmt.Errorf("load config: duration %v: want above zero", c.Duration)
	}
	if c.Dialers <= 0 {
		c.Dialers = DefaultDialers
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.Setup <= 0 {
		c.Setup = DefaultSetup
	}
	if c.Drain <= 0 {
		c.Drain = DefaultDrain
	}
	if c.Seat == "" {
		c.Seat = DefaultSeat
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	base, err := url.Parse(strings.TrimRight(c.URL, "/"))
	if err != nil || (base.Scheme != "ws" && base.Scheme != "wss") || base.Host == "" {
		return fmt.Errorf("load config: url %q: want ws://HOST:PORT", c.URL)
	}
	if c.MetricsURL == "" {
		scheme := "http"
		if base.Scheme == "wss" {
			scheme = "https"
		}
		c.MetricsURL = scheme + "://" + base.Host + "/metrics"
	}
	return nil
}

// Result is what a run measured. Counts are of protocol messages.
type Result struct {
	Mode string `json:"mode"` // relay or idle
	// Connections open once set up, and those that could not be opened.
	Customers int `json:"customers"`
	Agents    int `json:"agents"`
	Failed    int `json:"failed_connections"`
	// Assigned is how many customers an agent took: the ones messages are
	// paced over.
	Assigned int `json:"assigned"`
	// Setup is how long opening the connections (and assignment) took.
	Setup time.Duration `json:"setup_ns"`

	// Relay mode. Rate is the intended customer messages per second.
	Rate     float64       `json:"rate_per_s"`
	Duration time.Duration `json:"duration_ns"`
	// Sent customer messages; Delivered to agents; Echoed back by them;
	// Received back by the customers; SendErrors failed to send.
	Sent       uint64 `json:"sent"`
	Delivered  uint64 `json:"delivered"`
	Echoed     uint64 `json:"echoed"`
	Received   uint64 `json:"received"`
	SendErrors uint64 `json:"send_errors"`
	// HubErrors counts error frames the hub sent.
	HubErrors uint64 `json:"hub_errors"`
	// Relayed is the generator's own count of relayed messages,
	// Delivered + Received, and RelayedPerSecond that over Elapsed, from
	// the first send until the last reply (or the end of the drain).
	Relayed          uint64        `json:"relayed"`
	Elapsed          time.Duration `json:"elapsed_ns"`
	RelayedPerSecond float64       `json:"relayed_per_s"`
	// RTT is the customer's round trip (customer → hub → agent → hub →
	// customer) measured from each message's intended send time.
	RTT Percentiles `json:"rtt"`
	// Lateness is how far behind its schedule the generator sent: large
	// values mean the generator, not only the hub, fell behind.
	Lateness Percentiles `json:"lateness"`
	// Hub is what the hub's /metrics say over the pacing window (nil
	// without metrics).
	Hub *HubReport `json:"hub,omitempty"`

	// Memory is the idle mode's measurement.
	Memory *Memory `json:"memory,omitempty"`
}

// Memory is memory per open connection, in bytes, on both sides.
type Memory struct {
	Connections int `json:"connections"`
	// HubRSS is the hub's resident memory before the connections were
	// opened and once they were; HubRSSPerConn the growth per connection.
	// HubHeapStackPerConn is the growth of the Go heap and stacks in use
	// per connection, which leaves out the runtime's own slack but
	// includes garbage not yet collected.
	HubRSSBefore        float64 `json:"hub_rss_before_bytes"`
	HubRSSAfter         float64 `json:"hub_rss_after_bytes"`
	HubRSSPerConn       float64 `json:"hub_rss_per_conn_bytes"`
	HubHeapStackPerConn float64 `json:"hub_heap_stack_per_conn_bytes"`
	// Self is the generator's own: resident memory and, after a GC, heap
	// and stacks in use, grown per connection.
	SelfRSSPerConn       float64 `json:"self_rss_per_conn_bytes"`
	SelfHeapStackPerConn float64 `json:"self_heap_stack_per_conn_bytes"`
}

// Progress is a run's state, for progress bars.
type Progress struct {
	Phase     string // connecting, assigning, relaying, draining, holding, closing
	Connected int64
	Assigned  int64
	Sent      uint64
	Received  uint64
}

// Runner runs one load. Create it with New; Run may be called once.
// Progress is safe for concurrent use.
type Runner struct {
	cfg    Config
	log    *slog.Logger
	dialer *websocket.Dialer
	header [2]http.Header // customer, agent
	http   *http.Client

	phase     atomic.Pointer[string]
	connected atomic.Int64
	assigned  atomic.Int64
	failed    atomic.Int64
	sent      atomic.Uint64
	sendErrs  atomic.Uint64
	delivered atomic.Uint64
	echoed    atomic.Uint64
	received  atomic.Uint64
	hubErrs   atomic.Uint64
	rtt       latencies
	late      latencies
	// lastReply is when the last reply came, since epoch.
	lastReply atomic.Int64
	// roles counts the open connections: customers, agents.
	roles [2]atomic.Int64
	// epoch is when the Runner was made: every time in a run is a
	// duration since epoch (monotonic clock), so readers need no lock to
	// time a reply. paceStart is the start of pacing, written before the
	// senders start.
	epoch     time.Time
	paceStart time.Duration
	// changed is signalled (without blocking) on every assignment.
	changed chan struct{}

	wg    sync.WaitGroup // every connection's reader
	mu    sync.Mutex
	conns []*websocket.Conn // mu guards; every connection opened, to close at the end
	// firstErr is the first connection error; mu guards it.
	firstErr error
}

// New checks cfg and returns a Runner.
func New(cfg Config) (*Runner, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Runner{
		cfg: cfg, log: cfg.Logger, changed: make(chan struct{}, 1), epoch: time.Now(),
		dialer: &websocket.Dialer{
			HandshakeTimeout: 10 * time.Second,
			// Small buffers and a pooled write buffer: an idle connection
			// costs its socket, its reader's stack and a 1 KiB read buffer.
			ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
		},
		header: [2]http.Header{
			{"Authorization": {"Bearer " + cfg.CustomerToken}},
			{"Authorization": {"Bearer " + cfg.AgentToken}},
		},
		http: &http.Client{Timeout: 10 * time.Second},
	}
	r.setPhase("connecting")
	return r, nil
}

func (r *Runner) setPhase(p string) { r.phase.Store(&p) }

// Progress returns the run's state so far.
func (r *Runner) Progress() Progress {
	return Progress{Phase: *r.phase.Load(), Connected: r.connected.Load(), Assigned: r.assigned.Load(), Sent: r.sent.Load(), Received: r.received.Load()}
}

// Run opens the connections, paces the messages (or holds the
// connections), closes everything and reports. When ctx ends it stops
// early and reports what it measured so far. Run may be called once.
// It fails only when nothing could be measured: no agent, no customer
// assigned, no connection.
func (r *Runner) Run(ctx context.Context) (Result, error) {
	defer r.closeAll()
	if r.cfg.Idle {
		return r.runIdle(ctx)
	}
	return r.runRelay(ctx)
}

// closeAll says goodbye on every connection and waits for the readers.
func (r *Runner) closeAll() {
	r.setPhase("closing")
	r.mu.Lock()
	conns := r.conns
	r.conns = nil
	r.mu.Unlock()
	deadline := time.Now().Add(time.Second)
	for _, ws := range conns {
		// WriteControl may be called concurrently with the writers.
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
		ws.Close()
	}
	r.wg.Wait()
}

func (r *Runner) scrape(ctx context.Context) (HubMetrics, bool) {
	if r.cfg.MetricsURL == "-" {
		return HubMetrics{}, false
	}
	m, err := Scrape(ctx, r.http, r.cfg.MetricsURL)
	if err != nil {
		r.log.Warn("hub metrics unavailable", "err", err)
		return HubMetrics{}, false
	}
	return m, true
}

func (r *Runner) runRelay(ctx context.Context) (Result, error) {
	res := Result{Mode: "relay", Rate: r.cfg.Rate.PerSecond(), Duration: r.cfg.Duration}
	start := time.Now()
	agents := r.open(ctx, r.cfg.Agents, r.dialAgent)
	if len(agents) == 0 {
		return r.fill(res), r.failure(ErrNoAgents)
	}
	r.setPhase("assigning")
	customers := r.open(ctx, r.cfg.Customers, r.dialCustomer)
	ready := r.awaitAssignments(ctx, customers)
	res.Setup = time.Since(start)
	res.Customers, res.Agents = r.countRoles()
	if len(ready) == 0 {
		return r.fill(res), r.failure(ErrNoAssignments)
	}
	if ctx.Err() != nil {
		return r.fill(res), ctx.Err()
	}

	r.setPhase("relaying")
	before, haveMetrics := r.scrape(ctx)
	pacer := ConstantPacer{Rate: r.cfg.Rate, Duration: r.cfg.Duration}
	r.paceStart = time.Since(r.epoch)
	r.pace(ctx, pacer, ready)
	r.setPhase("draining")
	res.Elapsed = r.drain(ctx)
	if haveMetrics {
		if after, ok := r.scrape(context.WithoutCancel(ctx)); ok {
			rep := Report(before, after)
			res.Hub = &rep
		}
	}
	res = r.fill(res)
	if res.Elapsed > 0 {
		res.RelayedPerSecond = float64(res.Relayed) / res.Elapsed.Seconds()
	}
	return res, nil
}

// fill copies the counters into res.
func (r *Runner) fill(res Result) Result {
	res.Failed = int(r.failed.Load())
	res.Assigned = int(r.assigned.Load())
	res.Sent, res.SendErrors = r.sent.Load(), r.sendErrs.Load()
	res.Delivered, res.Echoed, res.Received = r.delivered.Load(), r.echoed.Load(), r.received.Load()
	res.HubErrors = r.hubErrs.Load()
	res.Relayed = res.Delivered + res.Received
	res.RTT, res.Lateness = r.rtt.percentiles(), r.late.percentiles()
	return res
}

// failure wraps why, and the first connection error if there was one.
func (r *Runner) failure(why error) error {
	r.mu.Lock()
	first := r.firstErr
	r.mu.Unlock()
	if first == nil {
		return fmt.Errorf("run load: %w", why)
	}
	return fmt.Errorf("run load: %w (first connection error: %w)", why, first)
}

// open dials n connections, at most Dialers at once, and returns those
// that opened, in order.
func (r *Runner) open(ctx context.Context, n int, dial func(context.Context, int) (*peer, error)) []*peer {
	out := make([]*peer, n)
	sem := make(chan struct{}, r.cfg.Dialers)
	var wg sync.WaitGroup
	setup, cancel := context.WithTimeout(ctx, r.cfg.Setup)
	defer cancel()
	for i := range n {
		select {
		case sem <- struct{}{}:
		case <-setup.Done():
		}
		if setup.Err() != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			c, err := dial(setup, i)
			if err != nil {
				r.failed.Add(1)
				r.mu.Lock()
				if r.firstErr == nil {
					r.firstErr = err
				}
				r.mu.Unlock()
				return
			}
			r.connected.Add(1)
			out[i] = c
		}()
	}
	wg.Wait()
	ok := out[:0]
	for _, c := range out {
		if c != nil {
			ok = append(ok, c)
		}
	}
	return ok
}

// awaitAssignments waits until every customer is assigned, or no customer
// has been assigned for five seconds (the agents are full), or the setup
// time is over; it returns the assigned customers.
func (r *Runner) awaitAssignments(ctx context.Context, customers []*peer) []*peer {
	setup := time.NewTimer(r.cfg.Setup)
	defer setup.Stop()
	stall := time.NewTimer(5 * time.Second)
	defer stall.Stop()
wait:
	for r.assigned.Load() < int64(len(customers)) {
		select {
		case <-r.changed:
			stall.Reset(5 * time.Second)
		case <-stall.C:
			r.log.Warn("customers left waiting: the agents hold no more chats", "assigned", r.assigned.Load(), "customers", len(customers))
			break wait
		case <-setup.C:
			break wait
		case <-ctx.Done():
			break wait
		}
	}
	var ready []*peer
	for _, c := range customers {
		if c.assigned.Load() {
			ready = append(ready, c)
		}
	}
	return ready
}

// tick is one paced message: its number and when it was due, since the
// Runner's epoch.
type tick struct {
	n   uint64
	due time.Duration
}

// pace sends messages as p says, round robin over customers, with
// Workers senders, until p stops or ctx ends.
func (r *Runner) pace(ctx context.Context, p Pacer, customers []*peer) {
	ticks := make(chan tick, r.cfg.Workers)
	var wg sync.WaitGroup
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 0, 256)
			for t := range ticks {
				c := customers[t.n%uint64(len(customers))]
				r.late.record(time.Since(r.epoch) - t.due)
				buf = appendMessage(buf[:0], t)
				if err := c.write(buf); err != nil {
					r.sendErrs.Add(1)
					continue
				}
				r.sent.Add(1)
			}
		}()
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	// The pacer's goroutine owns ticks and closes it after the last send.
	defer func() {
		close(ticks)
		wg.Wait()
	}()
	for n := uint64(0); ; {
		elapsed := time.Since(r.epoch) - r.paceStart
		wait, stop := p.Pace(elapsed, n)
		if stop {
			return
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				return
			case <-timer.C:
			}
			continue
		}
		select {
		case ticks <- tick{n: n, due: r.paceStart + elapsed + wait}:
			n++
		case <-ctx.Done():
			return
		}
	}
}

// drain waits until every message sent has come back, or Drain has
// passed, and returns when the last reply came, since the start of
// pacing.
func (r *Runner) drain(ctx context.Context) time.Duration {
	deadline := time.Now().Add(r.cfg.Drain)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for r.received.Load() < r.sent.Load() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return time.Since(r.epoch) - r.paceStart
		case <-poll.C:
		}
	}
	if r.received.Load() < r.sent.Load() {
		return time.Since(r.epoch) - r.paceStart
	}
	return time.Duration(r.lastReply.Load()) - r.paceStart
}

func (r *Runner) runIdle(ctx context.Context) (Result, error) {
	res := Result{Mode: "idle", Duration: r.cfg.Duration}
	selfBefore := selfMemory()
	before, haveMetrics := r.scrape(ctx)
	start := time.Now()
	r.open(ctx, r.cfg.Agents, r.dialAgent)
	r.open(ctx, r.cfg.Customers, r.dialIdleCustomer)
	res.Setup = time.Since(start)
	res = r.fill(res)
	n := int(r.connected.Load())
	res.Customers, res.Agents = r.countRoles()
	if n == 0 {
		return res, r.failure(ErrNoConnections)
	}
	r.setPhase("holding")
	hold := time.NewTimer(r.cfg.Duration)
	defer hold.Stop()
	select {
	case <-ctx.Done():
	case <-hold.C:
	}
	// Measured at the end of the hold: the hub has settled (handshake
	// garbage collected, or not, as it would be), and so have we.
	selfAfter := selfMemory()
	m := &Memory{Connections: n}
	m.SelfRSSPerConn = (selfAfter.rss - selfBefore.rss) / float64(n)
	m.SelfHeapStackPerConn = (selfAfter.heapStack - selfBefore.heapStack) / float64(n)
	if haveMetrics {
		if after, ok := r.scrape(context.WithoutCancel(ctx)); ok {
			m.HubRSSBefore, m.HubRSSAfter = nan0(before.RSS), nan0(after.RSS)
			m.HubRSSPerConn = nan0((after.RSS - before.RSS) / float64(n))
			m.HubHeapStackPerConn = nan0((after.HeapInuse + after.StackInuse - before.HeapInuse - before.StackInuse) / float64(n))
		}
	}
	res.Memory = m
	return res, nil
}

func (r *Runner) countRoles() (customers, agents int) {
	return int(r.roles[0].Load()), int(r.roles[1].Load())
}

// memory is a process's memory, in bytes.
type memory struct {
	rss       float64
	heapStack float64
}

// selfMemory reads this process's resident memory (Linux; 0 elsewhere)
// and, after a collection, its Go heap and stacks in use.
func selfMemory() memory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memory{heapStack: float64(ms.HeapInuse + ms.StackInuse)}
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
				m.rss = kb * 1024
			}
		}
	}
	return m
}

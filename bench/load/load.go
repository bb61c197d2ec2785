package load

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
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

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/bench/swarm"
	"github.com/deskdrill/deskdrill/sim"
)

// The kinds of agents a run brings.
const (
	AgentsEcho = "echo" // answer every customer message at once with its text
	AgentsBot  = "bot"  // deskdrill's bots (bench/bot): resolve cases by the table
	AgentsNone = "none" // none: the team under test answers
)

// Config configures a run. Zero values take the defaults. Customers and
// Agents are the whole drill's; a shard opens its part of each.
type Config struct {
	// Name names the run in its summary (a drill's name).
	Name string
	// URL is the hub, ws://HOST:PORT; the endpoints /ws/customer and
	// /ws/agent are appended.
	URL           string
	CustomerToken string
	AgentToken    string
	// ViewerToken, when set, reads the contract's KPIs of the hub's run
	// from /api/live at the end (Summary.KPIs).
	ViewerToken string
	Customers   int
	Agents      int
	// AgentKind is AgentsEcho (the default), AgentsBot or AgentsNone.
	AgentKind string
	// BotSkill and BotThinkMin..BotThinkMax configure bot agents.
	BotSkill                 float64
	BotThinkMin, BotThinkMax time.Duration
	// Scenario, when set, makes the customers synthetic customers of it
	// (bench/swarm) arriving by Stages (arrivals per second) or, without
	// stages, by the scenario's own arrival process at Speed for Duration;
	// Customers then caps how many arrive (0: no cap). Without a scenario
	// the customers are echo customers: Customers connections, each one
	// conversation, over which messages are paced.
	Scenario      *sim.Scenario
	Speed         float64
	PatienceScale float64
	Seed          uint64
	// Rate is the pace of customer messages over all customers, for
	// Duration, when there are no Stages. Every customer message an agent
	// echoes is relayed twice, so the hub relays about 2 × Rate messages
	// a second.
	Rate Rate
	// Duration is how long messages are paced (relay mode without
	// stages), arrivals last (scenario mode without stages) or the
	// connections are held (idle mode).
	Duration time.Duration
	// Stages pace messages (relay mode) or arrivals (scenario mode); they
	// replace Rate and Duration.
	Stages Stages
	// Idle opens the connections without starting conversations and holds
	// them, for memory measurements.
	Idle bool
	// Shard runs the Index-th of Of equal parts of the run: customers,
	// agents and paced events numbered i ≡ Index (mod Of).
	Shard Shard
	// Interval is the length of the summary's intervals (1 s).
	Interval time.Duration
	// Thresholds are judged at the end (unless the run is one shard of
	// several: the merge judges); those with AbortOnFail also at the end
	// of every interval, on what was measured so far.
	Thresholds []Threshold
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
	// Drain bounds the wait for the last replies after the last send (5 s;
	// for synthetic customers, for their conversations to end: 2 min).
	Drain  time.Duration
	Logger *slog.Logger
	// OnInterval, when set, is called with every interval as it ends
	// (progress lines), from the Runner's goroutine.
	OnInterval func(Interval)
	// Trace, when set, is called with every round trip as it is recorded,
	// from many goroutines (tests compare histograms with the samples).
	Trace func(time.Duration)
}

// The defaults.
const (
	DefaultDialers       = 64
	DefaultWorkers       = 64
	DefaultSetup         = 2 * time.Minute
	DefaultDrain         = 5 * time.Second
	DefaultScenarioDrain = 2 * time.Minute
	DefaultSeat          = "load-"
	DefaultInterval      = time.Second
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

// mode returns the run's mode.
func (c *Config) mode() string {
	switch {
	case c.Idle:
		return ModeIdle
	case c.Scenario != nil:
		return ModeScenario
	}
	return ModeRelay
}

// Validate checks c and fills in the defaults.
func (c *Config) Validate() error {
	if c.AgentKind == "" {
		c.AgentKind = AgentsEcho
	}
	mode := c.mode()
	switch {
	case c.URL == "" || c.CustomerToken == "":
		return errors.New("load config: a hub URL and a customer token are required")
	case c.AgentKind != AgentsEcho && c.AgentKind != AgentsBot && c.AgentKind != AgentsNone:
		return fmt.Errorf("load config: agents %q: want echo, bot or none", c.AgentKind)
	case c.AgentKind != AgentsNone && c.Agents > 0 && c.AgentToken == "":
		return errors.New("load config: agents need an agent token")
	case c.Customers < 0 || c.Agents < 0:
		return fmt.Errorf("load config: %d customers, %d agents: want zero or more", c.Customers, c.Agents)
	case mode == ModeIdle && c.Customers+c.Agents == 0:
		return fmt.Errorf("load config: %d customers, %d agents: want at least one connection", c.Customers, c.Agents)
	case mode == ModeRelay && (c.Customers < 1 || c.Agents < 1 || c.AgentKind != AgentsEcho):
		return errors.New("load config: relaying needs at least one customer and one echo agent")
	case mode == ModeRelay && len(c.Stages) == 0 && (c.Rate.Freq < 1 || c.Rate.Per <= 0):
		return fmt.Errorf("load config: rate %v: want at least 1 message per a positive duration", c.Rate)
	case len(c.Stages) == 0 && c.Duration <= 0:
		return fmt.Errorf("load config: duration %v: want above zero", c.Duration)
	case c.Shard.Of < 0 || c.Shard.Index < 0 || c.Shard.Index >= c.Shard.of():
		return fmt.Errorf("load config: shard %v: want i/n with 0 ≤ i < n", c.Shard)
	}
	if len(c.Stages) > 0 {
		if mode == ModeIdle {
			return errors.New("load config: an idle run has no stages")
		}
		if err := c.Stages.Check(); err != nil {
			return fmt.Errorf("load config: %w", err)
		}
	}
	if mode == ModeScenario && c.Speed == 0 {
		c.Speed = c.Scenario.Speed
	}
	if mode == ModeScenario && !(c.Speed > 0) {
		return fmt.Errorf("load config: speed %v: want above zero", c.Speed)
	}
	for _, t := range c.Thresholds {
		if err := t.Fits(mode); err != nil {
			return fmt.Errorf("load config: %w", err)
		}
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
		if mode == ModeScenario {
			c.Drain = DefaultScenarioDrain
		}
	}
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
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
		c.MetricsURL = httpBase(base) + "/metrics"
	}
	return nil
}

// httpBase returns the hub's HTTP origin for its WebSocket URL.
func httpBase(ws *url.URL) string {
	scheme := "http"
	if ws.Scheme == "wss" {
		scheme = "https"
	}
	return scheme + "://" + ws.Host
}

// schedule returns the whole run's paced events: its stages, or Rate
// for Duration as one stage.
func (c *Config) schedule() Stages {
	if len(c.Stages) > 0 {
		return c.Stages
	}
	switch c.mode() {
	case ModeScenario:
		return nil // the scenario's own arrivals
	case ModeIdle:
		return nil // nothing is sent
	}
	r := PerSecond(c.Rate.PerSecond())
	return Stages{{Duration: c.Duration, From: r, Rate: r}}
}

// Definition returns a digest of what the run is, whichever shard runs
// it: everything in c but the shard, the tokens (secrets, and any valid
// one seats the same agents), the generator's own knobs (Dialers,
// Workers) and the callbacks. Shards whose definitions differ ran
// different drills, and Merge refuses them. It is "sha256:" and hex.
func (c *Config) Definition() string {
	d := struct {
		Name, URL, MetricsURL, AgentKind, Seat string
		Customers, Agents                      int
		BotSkill                               float64
		BotThinkMin, BotThinkMax               time.Duration
		Scenario                               *sim.Scenario
		Speed, PatienceScale                   float64
		Seed                                   uint64
		Rate                                   Rate
		Duration, Interval, Setup, Drain       time.Duration
		Stages                                 Stages
		Idle                                   bool
		Thresholds                             []Threshold
	}{c.Name, c.URL, c.MetricsURL, c.AgentKind, c.Seat, c.Customers, c.Agents, c.BotSkill, c.BotThinkMin, c.BotThinkMax,
		c.Scenario, c.Speed, c.PatienceScale, c.Seed, c.Rate, c.Duration, c.Interval, c.Setup, c.Drain, c.Stages, c.Idle, c.Thresholds}
	b, err := json.Marshal(d)
	if err != nil {
		// Every field is plain data; a scenario that cannot be written
		// still has its text.
		b = fmt.Appendf(nil, "%+v", d)
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
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
	// SelfRSSRead says the generator could read its resident memory
	// (/proc/self/status, Linux; of every shard, merged): without it
	// SelfRSSPerConn is 0 and no measurement.
	SelfRSSRead bool `json:"self_rss_read"`
}

// setHub sets the hub's memory per connection from its scrapes before the
// connections were opened and once they were (a series the hub does not
// export counts as 0).
func (m *Memory) setHub(before, after *HubMetrics) {
	n := float64(m.Connections)
	m.HubRSSBefore, m.HubRSSAfter = nan0(before.RSS), nan0(after.RSS)
	m.HubRSSPerConn = nan0((after.RSS - before.RSS) / n)
	m.HubHeapStackPerConn = nan0((after.HeapInuse + after.StackInuse - before.HeapInuse - before.StackInuse) / n)
}

// Progress is a run's state, for progress bars.
type Progress struct {
	Phase     string // connecting, assigning, waiting for shards, relaying, arriving, draining, holding, closing
	Connected int64
	Assigned  int64
	Sent      uint64
	Received  uint64
	Arrived   int64
	// Total is how many events (messages, arrivals) the shard paces, 0
	// when unknown.
	Total uint64
}

// Runner runs one load. Create it with New; Run may be called once.
// Progress is safe for concurrent use.
type Runner struct {
	cfg    Config
	log    *slog.Logger
	dialer *websocket.Dialer
	header [2]http.Header // customer, agent
	http   *http.Client
	total  uint64 // events the shard paces (0: unknown)

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
	arrived   atomic.Int64
	// seated is how many customers messages are paced over (relay mode),
	// -1 until they are chosen.
	seated atomic.Int64
	// lastReply is when the last reply came, since epoch.
	lastReply atomic.Int64
	// roles counts the open connections: customers, agents.
	roles [2]atomic.Int64

	rtt, late, outbound, back, first *recorder

	// epoch is when the Runner was made: every time in a run is a
	// duration since epoch (monotonic clock), so readers need no lock to
	// time a reply. paceStart is the start of pacing, written before the
	// senders start.
	epoch     time.Time
	paceStart time.Duration
	// changed is signalled (without blocking) on every assignment.
	changed chan struct{}
	// scoredBefore is how many conversations the hub's run had scored
	// before this run (KPIs).
	scoredBefore int

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
		rtt:  newRecorder(), late: newRecorder(), outbound: newRecorder(), back: newRecorder(), first: newRecorder(),
	}
	if s := cfg.schedule(); s != nil {
		r.total = Stages(s).Total()
		if !cfg.Shard.Whole() {
			r.total = uint64(cfg.Shard.Count(int(min(r.total, uint64(1<<62)))))
		}
	}
	r.seated.Store(-1)
	r.setPhase("connecting")
	return r, nil
}

func (r *Runner) setPhase(p string) { r.phase.Store(&p) }

// Progress returns the run's state so far.
func (r *Runner) Progress() Progress {
	return Progress{Phase: *r.phase.Load(), Connected: r.connected.Load(), Assigned: r.assigned.Load(), Sent: r.sent.Load(),
		Received: r.received.Load(), Arrived: r.arrived.Load(), Total: r.total}
}

// Run opens the connections, paces the messages (or arrivals, or holds
// the connections), closes everything and reports. When ctx ends it stops
// early and reports what it measured so far. Run may be called once. It
// fails only when nothing could be measured: no agent, no customer
// assigned, no connection. The thresholds' verdicts are in the summary;
// FailedThresholds tells whether one failed.
func (r *Runner) Run(ctx context.Context) (*Summary, error) {
	defer r.closeAll()
	s := &Summary{Format: SummaryFormat, Name: r.cfg.Name, Definition: r.cfg.Definition(), Mode: r.cfg.mode(), Seed: r.cfg.Seed,
		Interval: r.cfg.Interval, Stages: r.cfg.schedule()}
	host, _ := os.Hostname()
	s.Shards = []ShardInfo{{Shard: Shard{Index: r.cfg.Shard.Index, Of: r.cfg.Shard.of()}, Host: host}}
	r.countScored(ctx)
	var err error
	switch s.Mode {
	case ModeIdle:
		err = r.runIdle(ctx, s)
	case ModeScenario:
		err = r.runScenario(ctx, s)
	default:
		err = r.runRelay(ctx, s)
	}
	if err != nil {
		return s, err
	}
	// The conversations end as the connections close; then the hub
	// scores them, and the KPIs include them.
	r.closeAll()
	r.readKPIs(ctx, s)
	if r.cfg.Shard.Whole() {
		s.Judge(r.cfg.Thresholds)
	} else {
		s.Thresholds = unjudged(r.cfg.Thresholds)
	}
	return s, nil
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

func (r *Runner) scrapeInto(ctx context.Context, p **HubMetrics) {
	if m, ok := r.scrape(ctx); ok {
		*p = &m
	}
}

func (r *Runner) runRelay(ctx context.Context, s *Summary) error {
	s.Rate = float64(r.cfg.schedule().Total()) / r.cfg.schedule().Duration().Seconds()
	s.Duration = r.cfg.schedule().Duration()
	start := time.Now()
	r.scrapeInto(ctx, &s.HubSetup)
	agents := r.open(ctx, r.cfg.Shard.Count(r.cfg.Agents), r.dialAgent)
	if len(agents) == 0 {
		r.fill(s)
		return r.failure(ErrNoAgents)
	}
	r.setPhase("assigning")
	customers := r.open(ctx, r.cfg.Shard.Count(r.cfg.Customers), r.dialCustomer)
	ready, seatedElsewhere := r.awaitSeating(ctx, start, customers)
	// Only the customers messages are paced over count as assigned: one
	// the hub seats later (when another shard's customers leave) is not.
	r.seated.Store(int64(len(ready)))
	s.Setup = time.Since(start)
	s.Customers, s.Agents = r.countRoles()
	if len(ready) == 0 && (r.cfg.Shard.Whole() || !seatedElsewhere) {
		r.fill(s)
		return r.failure(ErrNoAssignments)
	}
	if len(ready) == 0 {
		// The hub gave every seat to the other shards' customers: this
		// shard's agents echo their messages, and its own messages, with
		// no customer to carry them, count as send errors.
		r.log.Warn("the hub seated none of this shard's customers: its messages count as send errors", "customers", len(customers))
	}
	if ctx.Err() != nil {
		r.fill(s)
		return ctx.Err()
	}

	r.setPhase("relaying")
	r.scrapeInto(ctx, &s.HubStart)
	paceCtx, stop := context.WithCancel(ctx)
	defer stop()
	r.paceStart = time.Since(r.epoch)
	s.Started = time.Now()
	iv := r.startIntervals(paceCtx, s, stop)
	r.pace(paceCtx, SchedulePacer{r.cfg.Shard.Part(r.cfg.schedule())}, ready)
	r.setPhase("draining")
	s.Elapsed = r.drain(paceCtx)
	r.awaitQuiet(paceCtx)
	iv.stop()
	r.scrapeInto(context.WithoutCancel(ctx), &s.HubEnd)
	r.fill(s)
	if s.Elapsed > 0 {
		s.RelayedPerSecond = float64(s.Relayed) / s.Elapsed.Seconds()
	}
	s.Dropped = s.Sent - min(s.Received, s.Sent)
	return nil
}

// awaitShards waits, when the run is one shard of several, until the hub
// has every shard's connections (its /metrics count them), so that the
// shards start pacing together: each starts within a poll of the last
// connection. It gives up, with a warning, when the setup time is over.
func (r *Runner) awaitShards(ctx context.Context, start time.Time) {
	if r.cfg.Shard.Whole() || r.cfg.MetricsURL == "-" {
		return
	}
	r.setPhase("waiting for shards")
	wantC, wantA := float64(r.cfg.Customers), float64(r.cfg.Agents)
	if r.cfg.mode() == ModeScenario {
		wantC = 0 // synthetic customers arrive later
	}
	if r.cfg.AgentKind == AgentsNone {
		wantA = 0
	}
	r.pollHub(ctx, start, func(m HubMetrics) bool {
		return !(m.Customers < wantC) && !(m.Agents < wantA)
	}, func(m HubMetrics) {
		r.log.Warn("the other shards did not all connect in time: pacing starts without them", "customers", m.Customers, "agents", m.Agents,
			"want_customers", wantC, "want_agents", wantA)
	})
}

// pollHub scrapes the hub's metrics every 50 ms until done says they are
// what the caller waits for, the setup time since start is over (when it
// calls late with the last metrics scraped), or ctx ends. It returns the
// last metrics scraped (zero when that scrape failed) and whether done
// said so. done sees only metrics that were scraped.
func (r *Runner) pollHub(ctx context.Context, start time.Time, done func(HubMetrics) bool, late func(HubMetrics)) (HubMetrics, bool) {
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	deadline := start.Add(r.cfg.Setup)
	for {
		m, ok := r.scrape(ctx)
		if ok && done(m) {
			return m, true
		}
		if time.Now().After(deadline) {
			late(m)
			return m, false
		}
		select {
		case <-ctx.Done():
			return m, false
		case <-poll.C:
		}
	}
}

// quietFor is how long the hub's relay count must stand still for the
// shards to be done (awaitQuiet).
const quietFor = 500 * time.Millisecond

// awaitQuiet waits, when the run is one shard of several, until the hub
// relays nothing more for quietFor (or Drain has passed): the other shards'
// last messages may still be on their way to this shard's agents, which
// must stay to echo them, and be counted.
func (r *Runner) awaitQuiet(ctx context.Context) {
	if r.cfg.Shard.Whole() || r.cfg.MetricsURL == "-" {
		return
	}
	r.awaitStill(ctx, time.Now().Add(r.cfg.Drain), func(HubMetrics) bool { return false })
}

// awaitConversations waits, when the run is one shard of several with
// synthetic customers, until the hub holds no conversation (none waiting,
// none with an agent) and has relayed nothing for quietFor, or until
// deadline: the other shards' customers may be talking to this shard's
// bots, which must stay until those conversations end. Relays alone would
// not do: a bot thinking for seconds leaves the hub quiet mid-conversation.
func (r *Runner) awaitConversations(ctx context.Context, deadline time.Time) {
	if r.cfg.Shard.Whole() || r.cfg.MetricsURL == "-" || r.cfg.AgentKind == AgentsNone {
		return
	}
	r.awaitStill(ctx, deadline, func(m HubMetrics) bool { return m.Waiting > 0 || m.Chatting > 0 })
}

// awaitStill polls the hub until, for quietFor, it has relayed nothing and
// busy has not held, or until deadline.
func (r *Runner) awaitStill(ctx context.Context, deadline time.Time, busy func(HubMetrics) bool) {
	r.setPhase("waiting for shards")
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	last, since := math.NaN(), time.Now()
	for time.Now().Before(deadline) {
		m, ok := r.scrape(ctx)
		if !ok {
			return
		}
		if m.Relayed != last || busy(m) {
			last, since = m.Relayed, time.Now()
		} else if time.Since(since) >= quietFor {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-poll.C:
		}
	}
}

// fill copies the counters and histograms into s, and judges the
// generator.
func (r *Runner) fill(s *Summary) {
	s.Failed = int(r.failed.Load())
	s.Assigned = r.assignedCount()
	s.Sent, s.SendErrors = r.sent.Load(), r.sendErrs.Load()
	s.Delivered, s.Echoed, s.Received = r.delivered.Load(), r.echoed.Load(), r.received.Load()
	s.HubErrors = r.hubErrs.Load()
	s.Relayed = s.Delivered + s.Received
	for _, x := range []struct {
		rec *recorder
		dst **Latency
	}{{r.rtt, &s.RTT}, {r.late, &s.Lateness}, {r.outbound, &s.Outbound}, {r.back, &s.Return}, {r.first, &s.FirstResponse}} {
		h, over := x.rec.total()
		if h.TotalCount() == 0 {
			continue
		}
		l, err := NewLatency(h, over)
		if err != nil {
			r.log.Error("summarise latency", "err", err)
			continue
		}
		*x.dst = l
	}
	if s.HubStart != nil && s.HubEnd != nil {
		rep := Report(*s.HubStart, *s.HubEnd)
		s.Hub = &rep
	}
	sh := &s.Shards[0]
	sh.Started, sh.Sent, sh.Received, sh.Arrived, sh.Aborted = s.Started, s.Sent, s.Received, s.Arrived, s.Aborted
	s.Generator.judge(s.Lateness, s.RTT)
	sh.Generator = s.Generator
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
// that opened, in order; dial gets the shard's number of each.
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

// assignedCount is how many customers count as assigned: those messages
// are paced over once they are chosen, until then those assigned so far.
func (r *Runner) assignedCount() int {
	if n := r.seated.Load(); n >= 0 {
		return int(n)
	}
	return int(r.assigned.Load())
}

// seatGrace is how long a shard waits, once the hub has seated what it
// can and left customers waiting, for its customers' assignments still
// on their way: every shard waits it, so they still start together.
const seatGrace = 100 * time.Millisecond

// awaitSeating waits until the hub has seated what it can of the drill's
// customers and returns this shard's customers it seated. The shards
// decide on the hub's own counts (its /metrics), which they all read
// alike, rather than on their own seats, so that they start pacing
// within a poll of each other: the hub counts every shard's connections,
// and every customer's conversation is in its queue or with an agent
// (the hub seats a customer as soon as a seat is free, so customers
// still waiting then mean that no seat is left). Without the hub's
// metrics it waits for its own customers (awaitAssignments).
// seatedElsewhere says that the hub has customers with an agent (when
// this shard has none, the other shards' may).
func (r *Runner) awaitSeating(ctx context.Context, start time.Time, customers []*peer) (ready []*peer, seatedElsewhere bool) {
	if r.cfg.MetricsURL == "-" {
		return r.awaitAssignments(ctx, customers), false
	}
	if !r.cfg.Shard.Whole() {
		r.setPhase("waiting for shards")
	}
	// The whole drill's connections; a run of one shard knows which of its
	// own opened.
	wantC, wantA := float64(r.cfg.Customers), float64(r.cfg.Agents)
	if r.cfg.Shard.Whole() {
		c, a := r.countRoles()
		wantC, wantA = float64(c), float64(a)
	}
	uncounted := func(m HubMetrics) bool { return math.IsNaN(m.Waiting) || math.IsNaN(m.Chatting) }
	m, done := r.pollHub(ctx, start, func(m HubMetrics) bool {
		return uncounted(m) || (!(m.Customers < wantC) && !(m.Agents < wantA) && !(m.Waiting+m.Chatting < wantC))
	}, func(m HubMetrics) {
		r.log.Warn("the hub did not count every customer's conversation in time: pacing starts without them",
			"customers", m.Customers, "agents", m.Agents, "waiting", m.Waiting, "chatting", m.Chatting,
			"want_customers", wantC, "want_agents", wantA)
	})
	if done && uncounted(m) {
		// A hub that does not count its queue: wait for the
		// connections, then for this shard's own seats.
		r.awaitShards(ctx, start)
		return r.awaitAssignments(ctx, customers), false
	}
	if done {
		r.setPhase("assigning")
		wait := r.cfg.Setup
		if m.Waiting > 0 {
			r.log.Warn("customers left waiting: the agents hold no more chats", "waiting", m.Waiting, "chatting", m.Chatting)
			wait = seatGrace
		}
		// The assignments the hub has made are on their way to the customers.
		r.awaitAssigned(ctx, customers, wait, 0)
	}
	return r.seatedOf(customers), m.Chatting > 0
}

// seatedOf returns the customers the hub has assigned.
func (r *Runner) seatedOf(customers []*peer) []*peer {
	var ready []*peer
	for _, c := range customers {
		if c.assigned.Load() {
			ready = append(ready, c)
		}
	}
	return ready
}

// awaitAssignments waits until every customer is assigned, or no customer
// has been assigned for five seconds (the agents are full), or the setup
// time is over; it returns the assigned customers.
func (r *Runner) awaitAssignments(ctx context.Context, customers []*peer) []*peer {
	r.setPhase("assigning")
	r.awaitAssigned(ctx, customers, r.cfg.Setup, 5*time.Second)
	return r.seatedOf(customers)
}

// awaitAssigned waits until every customer is assigned, or limit has
// passed, or ctx ends; with a stall above zero, also until no customer
// has been assigned for stall, with a warning.
func (r *Runner) awaitAssigned(ctx context.Context, customers []*peer, limit, stall time.Duration) {
	timeout := time.NewTimer(limit)
	defer timeout.Stop()
	var stalled <-chan time.Time // nil: never
	var stallTimer *time.Timer
	if stall > 0 {
		stallTimer = time.NewTimer(stall)
		defer stallTimer.Stop()
		stalled = stallTimer.C
	}
	for r.assigned.Load() < int64(len(customers)) {
		select {
		case <-r.changed:
			if stallTimer != nil {
				stallTimer.Reset(stall)
			}
		case <-stalled:
			r.log.Warn("customers left waiting: the agents hold no more chats", "assigned", r.assigned.Load(), "customers", len(customers))
			return
		case <-timeout.C:
			return
		case <-ctx.Done():
			return
		}
	}
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
			if len(customers) == 0 {
				// No customer to send from: every message fails.
				for range ticks {
					r.sendErrs.Add(1)
				}
				return
			}
			buf := make([]byte, 0, 256)
			for t := range ticks {
				c := customers[t.n%uint64(len(customers))]
				r.late.record(time.Since(r.epoch) - t.due)
				buf = appendMessage(buf[:0], t, time.Now())
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
	last := time.Duration(r.lastReply.Load())
	if r.received.Load() < r.sent.Load() || last < r.paceStart {
		// Not all back, or nothing came back while pacing (a shard the
		// hub seated none of sends nothing): the window ends now, never
		// before it began.
		return time.Since(r.epoch) - r.paceStart
	}
	return last - r.paceStart
}

// runScenario brings the agents (echo, bots or none), then sends the
// synthetic customers as the stages (or the scenario) say, and waits up
// to Drain after the last arrival for their conversations to end.
func (r *Runner) runScenario(ctx context.Context, s *Summary) error {
	start := time.Now()
	r.scrapeInto(ctx, &s.HubSetup)
	var bots *bot.Team
	botsDone := make(chan struct{})
	botCtx, stopBots := context.WithCancel(context.WithoutCancel(ctx))
	defer func() {
		stopBots()
		if bots != nil {
			<-botsDone
		}
	}()
	agents := r.cfg.Shard.Count(r.cfg.Agents)
	switch {
	case agents == 0 || r.cfg.AgentKind == AgentsNone:
	case r.cfg.AgentKind == AgentsEcho:
		if len(r.open(ctx, agents, r.dialAgent)) == 0 {
			r.fill(s)
			return r.failure(ErrNoAgents)
		}
	case r.cfg.AgentKind == AgentsBot:
		var err error
		bots, err = bot.New(bot.Config{URL: strings.TrimRight(r.cfg.URL, "/") + "/ws/agent", Token: r.cfg.AgentToken, Count: agents,
			Seat: fmt.Sprintf("%s%d-", r.cfg.Seat, r.cfg.Shard.Index), Skill: r.cfg.BotSkill, ThinkMin: r.cfg.BotThinkMin,
			ThinkMax: r.cfg.BotThinkMax, Seed: r.cfg.Seed ^ uint64(r.cfg.Shard.Index+1)<<32, Logger: r.log})
		if err != nil {
			return fmt.Errorf("run load: %w", err)
		}
		go func() {
			defer close(botsDone)
			bots.Run(botCtx)
		}()
		if err := r.awaitBots(ctx, bots, agents); err != nil {
			return err
		}
	}
	r.awaitShards(ctx, start)
	s.Setup = time.Since(start)
	if ctx.Err() != nil {
		r.fill(s)
		return ctx.Err()
	}

	sched := r.cfg.schedule()
	cfg := swarm.Config{
		URL: strings.TrimRight(r.cfg.URL, "/") + "/ws/customer", Token: r.cfg.CustomerToken, Scenario: r.cfg.Scenario, Seed: r.cfg.Seed,
		Speed: r.cfg.Speed, Count: r.cfg.Customers, PatienceScale: r.cfg.PatienceScale, Logger: r.log,
		ShardIndex: r.cfg.Shard.Index, ShardOf: r.cfg.Shard.of(),
		OnArrive:     func() { r.arrived.Add(1) },
		OnFirstReply: func(d time.Duration) { r.first.record(d) },
	}
	length := r.cfg.Duration
	if sched != nil {
		cfg.Arrivals = sched.Due
		length = sched.Duration()
		// The stages' intended arrivals a second; without stages the
		// scenario's own curve paces them, and the rate stays 0.
		s.Rate = float64(sched.Total()) / length.Seconds()
	}
	sw, err := swarm.New(cfg)
	if err != nil {
		return fmt.Errorf("run load: %w", err)
	}
	r.setPhase("arriving")
	r.scrapeInto(ctx, &s.HubStart)
	r.paceStart = time.Since(r.epoch)
	s.Started = time.Now()
	s.Duration = length
	// The swarm stops sending at the end of the stages (or Duration) and
	// its customers leave Drain later; an abort stops both at once.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	arrivals, stopArrivals := context.WithTimeout(runCtx, length)
	defer stopArrivals()
	iv := r.startIntervals(runCtx, s, stop)
	var sum swarm.Summary
	done := make(chan struct{})
	go func() {
		defer close(done)
		sum, _ = sw.RunUntil(arrivals, runCtx)
	}()
	select {
	case <-arrivals.Done():
	case <-done:
	}
	r.setPhase("draining")
	drainEnd := time.Now().Add(r.cfg.Drain)
	drain := time.NewTimer(r.cfg.Drain)
	select {
	case <-done:
	case <-drain.C:
		stop()
		<-done
	}
	drain.Stop()
	s.Elapsed = time.Since(r.epoch) - r.paceStart
	r.awaitConversations(runCtx, drainEnd)
	iv.stop()
	botsConnected := 0
	if bots != nil {
		botsConnected = int(bots.Stats().Connected) // before they leave
	}
	stopBots()
	r.scrapeInto(context.WithoutCancel(ctx), &s.HubEnd)
	s.Arrived, s.Finished, s.Abandoned, s.Disputes = sum.Arrived, sum.Finished, sum.Abandoned, sum.Disputes
	s.FramesSent, s.FramesReceived = sum.Sent, sum.Received
	s.Dropped = uint64(sum.Failed)
	s.Failed = int(sum.NotConnected)
	s.Customers = int(sum.Arrived - sum.NotConnected)
	_, s.Agents = r.countRoles()
	if bots != nil {
		s.Agents = botsConnected
	}
	r.fill(s)
	s.HubErrors = uint64(sum.Errors)
	if sum.Arrived > 0 && sum.NotConnected == sum.Arrived {
		// drills.md: exit 1, "no agent or customer could connect".
		return fmt.Errorf("run load: %w: none of %d customers (first connection error: %s)", ErrNoConnections, sum.Arrived, sum.FirstConnectError)
	}
	return nil
}

// awaitBots waits until n bots are connected, or the setup time is over.
func (r *Runner) awaitBots(ctx context.Context, t *bot.Team, n int) error {
	poll := time.NewTicker(10 * time.Millisecond)
	defer poll.Stop()
	setup := time.NewTimer(r.cfg.Setup)
	defer setup.Stop()
	for t.Stats().Connected < int64(n) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-setup.C:
			if t.Stats().Connected == 0 {
				return r.failure(ErrNoAgents)
			}
			r.log.Warn("not every bot connected in time", "connected", t.Stats().Connected, "bots", n)
			return nil
		case <-poll.C:
		}
	}
	return nil
}

func (r *Runner) runIdle(ctx context.Context, s *Summary) error {
	s.Duration = r.cfg.Duration
	selfBefore := selfMemory()
	before, haveMetrics := r.scrape(ctx)
	start := time.Now()
	r.open(ctx, r.cfg.Shard.Count(r.cfg.Agents), r.dialAgent)
	r.open(ctx, r.cfg.Shard.Count(r.cfg.Customers), r.dialIdleCustomer)
	s.Setup = time.Since(start)
	s.Started = time.Now()
	r.fill(s)
	n := int(r.connected.Load())
	s.Customers, s.Agents = r.countRoles()
	if n == 0 {
		return r.failure(ErrNoConnections)
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
	m.SelfRSSRead = selfBefore.rssRead && selfAfter.rssRead
	m.SelfHeapStackPerConn = (selfAfter.heapStack - selfBefore.heapStack) / float64(n)
	if haveMetrics {
		if after, ok := r.scrape(context.WithoutCancel(ctx)); ok {
			m.setHub(&before, &after)
			s.HubSetup, s.HubEnd = &before, &after
		}
	}
	s.Memory = m
	return nil
}

func (r *Runner) countRoles() (customers, agents int) {
	return int(r.roles[0].Load()), int(r.roles[1].Load())
}

// memory is a process's memory, in bytes.
type memory struct {
	rss       float64
	rssRead   bool // rss is known
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
				if kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64); err == nil {
					m.rss, m.rssRead = kb*1024, true
				}
			}
		}
	}
	return m
}

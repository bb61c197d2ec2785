package des

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// Run configures one replication.
type Run struct {
	// Seed is the replication's root seed. Arrivals and every customer's
	// own draws derive from it, not from the staffing, so runs with the
	// same seed at different staffing levels meet the same customers
	// (common random numbers).
	Seed uint64
	// Staffing replaces the scenario's intervals (a planner level); nil
	// keeps them. Ignored by a stationary model.
	Staffing []sim.StaffInterval
	// Concurrency replaces the scenario's chat limit per agent; 0 keeps it.
	Concurrency int
	// Warmup excludes customers arriving before it from the statistics
	// (they are still simulated).
	Warmup time.Duration
	// Customers stops arrivals after this many counted customers; 0 runs
	// the model's horizon.
	Customers int
	// Target is the service-level threshold T: pick-ups within T count.
	Target time.Duration
	// Hourly keeps hour-by-hour statistics.
	Hourly bool
	// ByHour, when set, replaces every staffing: ByHour[i] agents are on
	// duty in hour i from the start, and the last value after its end (so
	// that the run drains). The planner's per-hour search and rosters use
	// it; a stationary model ignores it.
	ByHour []int
	// QueueOnly skips what the queue does not need: the outcome model, the
	// KPI tally and the refund. The queue's own statistics, hourly ones
	// included, are the same as without it, and so is every event.
	QueueOnly bool
	// Trace, when set, receives every event in order.
	Trace func(Event)
	// Record, when set, receives the conversation of every counted
	// customer when it ends, as the live hub records one: the same events
	// (assignment, messages opening and answering each round, nudges, the
	// handling's actions, the close, rating, dispute, purchase, leave) at
	// the engine's instants, with placeholder texts; n is the customer's
	// arrival number. Recording draws nothing, so it changes no result.
	// The record belongs to the callee.
	Record func(n int64, c *sim.Conversation)
}

// EventKind names what happened in a trace event.
type EventKind uint8

// The events of a trace.
const (
	EvArrive EventKind = iota + 1
	EvNudge
	EvLeave
	EvPickup
	EvReply
	EvClose
	EvStaff
)

func (k EventKind) String() string {
	return [...]string{"?", "arrive", "nudge", "leave", "pickup", "reply", "close", "staff"}[k]
}

// Event is one step of a run's trace.
type Event struct {
	T        float64 // seconds from the start
	Kind     EventKind
	Customer int64 // the customer's arrival number; for staff, the agents on duty
	Agent    int32
}

// Stats are the queue's own statistics over the counted customers.
type Stats struct {
	Customers int // arrived (counted)
	Waited    int // found no free agent on arrival
	Served    int // picked up by an agent
	// Abandoned left before being picked up; LeftLater left after being
	// picked up but before the conversation ended.
	Abandoned, LeftLater int
	// LeftUnanswered left before a first valid reply, queued or picked
	// up: the abandonment of the abandon_rate KPI and of the planner.
	LeftUnanswered int
	Queued         int // still waiting when the run stopped
	ServedWithin   int // picked up within Target
	WaitServed     float64
	Busy           float64 // agent-seconds of chats held (concurrency 1: busy time)
	AgentTime      float64 // agent-seconds on duty over the measured span
}

// PWait is the share of customers who found every agent busy.
func (s Stats) PWait() float64 { return ratio(s.Waited, s.Customers) }

// PAbandon is the share of customers who left before an agent picked them
// up.
func (s Stats) PAbandon() float64 { return ratio(s.Abandoned, s.Customers) }

// ServiceLevel is customers picked up within the target ÷ customers
// offered (abandoned ones stay in the denominator).
func (s Stats) ServiceLevel() float64 { return ratio(s.ServedWithin, s.Customers) }

// ASA is the mean wait of the customers picked up, in seconds.
func (s Stats) ASA() float64 {
	if s.Served == 0 {
		return 0
	}
	return s.WaitServed / float64(s.Served)
}

// Occupancy is chat-holding time ÷ agent time on duty.
func (s Stats) Occupancy() float64 {
	if s.AgentTime == 0 {
		return 0
	}
	return s.Busy / s.AgentTime
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Hour is one hour of a run, counted from the start. Buyers count in the
// hour they arrived, rounds in the hour they started; the integrals cover
// the hour's own seconds.
type Hour struct {
	// Arrived buyers; Served were picked up by an agent in this hour.
	Arrived, Served int
	// Abandoned buyers of this hour left before a first valid reply,
	// whether queued or already picked up.
	Abandoned int
	// AnsweredIn30s buyers of this hour had their first valid reply within
	// 30 s of arriving; FirstReply is the histogram of those waits
	// (plan.ReplyBin) over every buyer of the hour who got one.
	AnsweredIn30s int
	FirstReply    [plan.ReplyBins]uint32
	// Rounds started in this hour (a buyer's message waiting for a reply,
	// the first included); RoundsIn3m were answered within 3 minutes. A
	// round whose buyer left unanswered counts, as not answered.
	Rounds, RoundsIn3m int
	QueueArea          float64 // ∫ buyers waiting for an agent dt, seconds
	MaxQueue           int
	Agents             int // on duty at the hour's start
	// AgentTime is ∫ agents on duty dt, ChatTime ∫ chats held dt and
	// BusyTime ∫ agents on duty holding at least one chat dt, in seconds:
	// chats per agent is ChatTime ÷ AgentTime, occupancy BusyTime ÷
	// AgentTime.
	AgentTime, ChatTime, BusyTime float64
}

// Result is what one replication leaves.
type Result struct {
	Seed   uint64
	Stats  Stats
	Events uint64
	End    float64 // seconds from the start when the last conversation ended
	// KPIs are the period's values by the platform profile's rules; Days
	// the same per local day. Nil for a stationary model.
	KPIs map[string]float64
	Days []map[string]float64
	// Period is the contract period the run stands for; Statement its
	// refund statement (nil without a contract).
	Period    string
	Statement *sim.Statement
	Refund    sim.Money
	// Disputes ruled for the buyer and the order value refunded by them.
	Disputes       int
	DisputeRefunds sim.Money
	// Escalations to a supervisor; Complaints to the platform or 12315.
	Escalations, Complaints int
	Hours                   []Hour
	presales                int
}

// PresalesShare is the share of counted customers who asked a pre-sales
// question.
func (r *Result) PresalesShare() float64 { return ratio(r.presales, r.Stats.Customers) }

type state uint8

const (
	stFree state = iota
	stQueued
	stTalking
)

type customer struct {
	pcg                rand.PCG
	idx                int64
	arrive, roundStart float64
	replyAt, firstWait float64
	waitSum            float64
	first, seg, wrap   float64 // work, solo seconds
	uRate, zRating     float64
	uDispute, uConv    float64
	price              float64
	buyer              sim.Buyer
	conv               *sim.Conversation // the record, when recording
	pgen, rgen         uint32
	agent              int32
	round, rounds      int32
	caseIdx            int32
	persona            int32
	st                 state
	correct, counted   bool
	late, escalated    bool
	complained         bool
	closeOn            bool // the agent closes on an unanswered buyer message
	replied            bool
}

type agent struct {
	load   int32
	pos    int32 // index in its bucket, -1 when in none
	onDuty bool
}

type event struct {
	t    float64
	seq  uint64
	kind EventKind
	gen  uint32
	id   int32
}

const (
	kArrival EventKind = 100 + iota
	kPatience
	kReply
	kClose
	kStaff
)

// Engine runs replications of a model on one goroutine. Reuse one per
// goroutine: it keeps its buffers between runs. It is not safe for
// concurrent use.
type Engine struct {
	m   *Model
	cfg Run

	now     float64
	seq     uint64
	events  uint64
	heap    []event
	custs   []customer
	free    []int32
	queue   []int32 // ring of customer slots with their queue generation
	qgen    []uint32
	qhead   int
	qlen    int // live entries
	qraw    int // entries in the ring, stale included
	agents  []agent
	buckets [][]int32
	onDuty  int
	conc    int
	slow    []float64 // slowdown by load, index 1..conc

	arrival1 event // the next arrival, when pending
	pending  bool
	arrPCG   rand.PCG
	arr      *rand.Rand // draws from arrPCG
	cur      rand.PCG
	r        *rand.Rand
	pieceIdx int
	next     int64 // arrival number of the next customer
	done     bool  // arrivals finished
	active   int

	stats   Stats
	res     *Result
	tally   *sim.Tally
	hours   []Hour
	lastQT  float64
	lastBT  float64
	busyNow int
	busyOn  int // agents on duty holding at least one chat
	target  float64
	warmup  float64
	staffAt []float64 // sorted daily boundaries, local seconds
	names   []string  // recorded agents' names, by agent
}

// NewEngine returns an engine for m.
func NewEngine(m *Model) *Engine {
	e := &Engine{m: m}
	e.r = rand.New(&e.cur)
	e.arr = rand.New(&e.arrPCG)
	return e
}

// splitmix64 scrambles a seed so that neighbouring customer numbers start
// unrelated streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// Stream ids of the root seed.
const (
	streamArrivals = 1
	streamCustomer = 2
)

func (e *Engine) reset(cfg Run) {
	e.cfg = cfg
	e.now, e.seq, e.events = 0, 0, 0
	e.heap = e.heap[:0]
	e.custs = e.custs[:0]
	e.free = e.free[:0]
	e.qhead, e.qlen, e.qraw = 0, 0, 0
	e.agents = e.agents[:0]
	e.onDuty = 0
	e.conc = e.m.concurrency
	if cfg.Concurrency > 0 {
		e.conc = cfg.Concurrency
	}
	e.buckets = e.buckets[:0]
	for range e.conc {
		e.buckets = append(e.buckets, nil)
	}
	e.slow = e.slow[:0]
	e.slow = append(e.slow, 0)
	for n := 1; n <= e.conc; n++ {
		c := e.m.capacity[min(n, len(e.m.capacity))-1]
		e.slow = append(e.slow, float64(n)/c)
	}
	e.arrPCG.Seed(cfg.Seed, streamArrivals)
	e.pieceIdx, e.next, e.done, e.active = 0, 0, false, 0
	e.pending = false
	e.stats = Stats{}
	e.res = &Result{Seed: cfg.Seed}
	e.tally = nil
	if e.m.profile != nil && !cfg.QueueOnly {
		e.tally = sim.NewTally(e.m.cal, e.m.profile, e.m.contract.ResponseTimeout())
	}
	e.hours = e.hours[:0]
	e.lastQT, e.lastBT, e.busyNow, e.busyOn = 0, 0, 0, 0
	e.target = cfg.Target.Seconds()
	e.warmup = cfg.Warmup.Seconds()
}

// Run runs one replication and returns its result. It checks ctx every
// 65,536 events.
func (e *Engine) Run(ctx context.Context, cfg Run) (*Result, error) {
	e.start(cfg)
	if err := e.advance(ctx, math.Inf(1)); err != nil {
		return nil, err
	}
	return e.finish()
}

// start begins a replication: the first staffing and the first arrival.
func (e *Engine) start(cfg Run) {
	e.reset(cfg)
	switch {
	case e.m.constAgents > 0:
		e.setAgents(e.m.constAgents)
	case cfg.ByHour != nil:
		// The first staffing waits for the first advance, so that a search
		// may set hour 0's agents after start.
		e.push(0, kStaff, 0, 0)
	default:
		e.staffBoundaries()
		e.staff()
	}
	e.scheduleArrival(0)
}

// advance runs the events before until (seconds from the start), or to
// the end of the run; events at until or later stay pending.
func (e *Engine) advance(ctx context.Context, until float64) error {
	for len(e.heap) > 0 || e.pending {
		if e.done && e.active == 0 {
			break
		}
		// The next arrival waits beside the heap rather than in it: one
		// push and pop fewer per customer.
		arrival := e.pending && (len(e.heap) == 0 || less(&e.arrival1, &e.heap[0]))
		if arrival && e.arrival1.t >= until || !arrival && e.heap[0].t >= until {
			return nil
		}
		var ev event
		if arrival {
			ev, e.pending = e.arrival1, false
		} else {
			ev = e.pop()
		}
		e.now = ev.t
		e.events++
		if e.events&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch ev.kind {
		case kArrival:
			e.arrival()
		case kPatience:
			c := &e.custs[ev.id]
			if c.st != stFree && c.pgen == ev.gen {
				e.outOfPatience(ev.id, c)
			}
		case kReply:
			c := &e.custs[ev.id]
			if c.st == stTalking && c.rgen == ev.gen {
				e.reply(ev.id, c)
			}
		case kClose:
			c := &e.custs[ev.id]
			if c.st == stTalking && c.rgen == ev.gen {
				e.close(ev.id, c)
			}
		case kStaff:
			e.staff()
		}
	}
	return nil
}

// --- the event heap: 4-ary, ordered by (time, seq) ---

func less(a, b *event) bool {
	return a.t < b.t || (a.t == b.t && a.seq < b.seq)
}

func (e *Engine) push(t float64, kind EventKind, id int32, gen uint32) {
	e.seq++
	e.heap = append(e.heap, event{t: t, seq: e.seq, kind: kind, id: id, gen: gen})
	h := e.heap
	i := len(h) - 1
	x := h[i]
	for i > 0 {
		p := (i - 1) / 4
		if !less(&x, &h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = x
}

func (e *Engine) pop() event {
	h := e.heap
	top := h[0]
	n := len(h) - 1
	x := h[n]
	e.heap = h[:n]
	h = e.heap
	if n == 0 {
		return top
	}
	i := 0
	for {
		c := 4*i + 1
		if c >= n {
			break
		}
		m := c
		for j := c + 1; j < c+4 && j < n; j++ {
			if less(&h[j], &h[m]) {
				m = j
			}
		}
		if !less(&h[m], &x) {
			break
		}
		h[i] = h[m]
		i = m
	}
	h[i] = x
	return top
}

// --- arrivals ---

// scheduleArrival samples the next arrival after t exactly: an Exp(1)
// amount of the integrated rate, walked across the pieces of constant rate.
func (e *Engine) scheduleArrival(t float64) {
	if e.cfg.Customers > 0 && e.stats.Customers >= e.cfg.Customers {
		e.done = true
		return
	}
	x := e.arr.ExpFloat64()
	for e.pieceIdx < len(e.m.pieces) {
		p := &e.m.pieces[e.pieceIdx]
		if p.rate > 0 {
			if dt := x / p.rate; t+dt < p.end {
				e.seq++
				e.arrival1, e.pending = event{t: t + dt, seq: e.seq, kind: kArrival}, true
				return
			}
			x -= p.rate * (p.end - t)
		}
		t = p.end
		e.pieceIdx++
	}
	e.done = true
}

func (e *Engine) alloc() int32 {
	if n := len(e.free); n > 0 {
		id := e.free[n-1]
		e.free = e.free[:n-1]
		return id
	}
	e.custs = append(e.custs, customer{})
	return int32(len(e.custs) - 1)
}

func (e *Engine) load(c *customer)  { e.cur = c.pcg }
func (e *Engine) store(c *customer) { c.pcg = e.cur }

func (e *Engine) arrival() {
	t := e.now
	id := e.alloc()
	c := &e.custs[id]
	pg, rg := c.pgen, c.rgen
	*c = customer{pgen: pg + 1, rgen: rg + 1, idx: e.next, arrive: t, roundStart: t, agent: -1, round: 1, st: stQueued}
	e.next++
	e.active++
	c.counted = t >= e.warmup
	m := e.m

	// Every draw a customer needs, except later patience, is made here from
	// its own stream, in a fixed order, whatever the staffing.
	seed := splitmix64(e.cfg.Seed ^ splitmix64(uint64(c.idx)))
	e.cur.Seed(seed, streamCustomer)
	r := e.r
	mix := &m.mixes[m.pieces[min(e.pieceIdx, len(m.pieces)-1)].mix]
	c.caseIdx = mix.cases[pick(mix.cum, r.Float64())]
	c.persona = int32(pick(m.pcum, r.Float64()))
	cm := &m.cases[c.caseIdx]
	h := cm.handle.Draw(r)
	c.first = math.Min(m.firstReply.Draw(r), h)
	c.rounds = 1
	if m.rounds > 1 {
		c.rounds += int32(sim.Poisson(r, m.rounds-1))
	}
	if c.rounds > 1 {
		c.seg = (h - c.first) / float64(c.rounds-1)
	} else {
		c.wrap = h - c.first
	}
	c.correct = r.Float64() < cm.accuracy
	if m.outcome != nil {
		// The outcome's draws are made now, not when the conversation ends,
		// so that they do not depend on what happened in between.
		c.uRate, c.zRating, c.uDispute, c.uConv = r.Float64(), r.NormFloat64(), r.Float64(), r.Float64()
		c.price = math.Exp(m.aovMu + m.aovSig*r.NormFloat64())
	}
	c.buyer = sim.NewBuyer(&m.personas[c.persona])
	patience := m.patience[c.persona].Draw(r)
	if m.unanswered > 0 {
		// Drawn only when the model has such closes, so that models
		// without them meet the same buyers as before.
		c.closeOn = r.Float64() < m.unanswered
	}
	e.store(c)
	if e.cfg.Record != nil && c.counted {
		e.recArrive(c)
	}

	if c.counted {
		e.stats.Customers++
		if cm.presales {
			e.res.presales++
		}
	}
	if e.cfg.Hourly {
		e.hour(t).Arrived++
	}
	e.trace(EvArrive, c.idx, -1)
	if a := e.pickAgent(); a >= 0 {
		e.pickup(id, c, a)
		if c.st == stTalking && !c.replied && c.replyAt > t+patience {
			e.push(t+patience, kPatience, id, c.pgen)
		}
	} else {
		if c.counted {
			e.stats.Waited++
		}
		e.enqueue(id)
		if !math.IsInf(patience, 1) {
			e.push(t+patience, kPatience, id, c.pgen)
		}
	}
	e.scheduleArrival(t)
}

// pick returns the first index whose cumulative weight exceeds u.
func pick(cum []float64, u float64) int {
	for i, c := range cum {
		if u < c {
			return i
		}
	}
	return len(cum) - 1
}

// --- the queue ---

func (e *Engine) enqueue(id int32) {
	e.advanceQueue()
	if e.qraw == len(e.queue) {
		e.growQueue()
	}
	i := (e.qhead + e.qraw) % len(e.queue)
	e.queue[i] = id
	e.qgen[i] = e.custs[id].rgen
	e.qraw++
	e.qlen++
	if e.cfg.Hourly {
		if h := e.hour(e.now); e.qlen > h.MaxQueue {
			h.MaxQueue = e.qlen
		}
	}
}

func (e *Engine) growQueue() {
	n := max(64, 2*len(e.queue))
	q, g := make([]int32, n), make([]uint32, n)
	for i := range e.qraw {
		j := (e.qhead + i) % len(e.queue)
		q[i], g[i] = e.queue[j], e.qgen[j]
	}
	e.queue, e.qgen, e.qhead = q, g, 0
}

// dequeue returns the longest-waiting live customer, skipping entries of
// customers who left.
func (e *Engine) dequeue() int32 {
	for e.qraw > 0 {
		id, g := e.queue[e.qhead], e.qgen[e.qhead]
		e.qhead = (e.qhead + 1) % len(e.queue)
		e.qraw--
		if c := &e.custs[id]; c.st == stQueued && c.rgen == g {
			e.advanceQueue()
			e.qlen--
			return id
		}
	}
	return -1
}

// advanceQueue integrates the queue length up to now, hour by hour.
func (e *Engine) advanceQueue() {
	if !e.cfg.Hourly {
		return
	}
	for e.lastQT < e.now {
		h := math.Floor(e.lastQT/3600)*3600 + 3600
		to := math.Min(h, e.now)
		e.hour(e.lastQT).QueueArea += float64(e.qlen) * (to - e.lastQT)
		e.lastQT = to
	}
}

// hour returns the statistics of the hour holding t, which must not lie
// in the future.
func (e *Engine) hour(t float64) *Hour {
	i := int(t / 3600)
	for i >= len(e.hours) {
		e.hours = append(e.hours, Hour{Agents: e.scheduled(float64(len(e.hours)) * 3600)})
	}
	return &e.hours[i]
}

// --- agents ---

func (e *Engine) pickAgent() int32 {
	for l := range e.buckets {
		if b := e.buckets[l]; len(b) > 0 {
			return b[len(b)-1]
		}
	}
	return -1
}

func (e *Engine) unbucket(a int32) {
	ag := &e.agents[a]
	if ag.pos < 0 {
		return
	}
	b := e.buckets[ag.load]
	last := b[len(b)-1]
	b[ag.pos] = last
	e.agents[last].pos = ag.pos
	e.buckets[ag.load] = b[:len(b)-1]
	ag.pos = -1
}

func (e *Engine) rebucket(a int32) {
	ag := &e.agents[a]
	if !ag.onDuty || int(ag.load) >= e.conc {
		return
	}
	ag.pos = int32(len(e.buckets[ag.load]))
	e.buckets[ag.load] = append(e.buckets[ag.load], a)
}

func (e *Engine) changeLoad(a int32, d int32) {
	e.accountBusy()
	e.busyNow += int(d)
	e.unbucket(a)
	ag := &e.agents[a]
	was := ag.load
	ag.load += d
	if ag.onDuty {
		switch {
		case was == 0 && ag.load > 0:
			e.busyOn++
		case was > 0 && ag.load == 0:
			e.busyOn--
		}
	}
	e.rebucket(a)
}

// accountBusy integrates chats held and agents on duty up to now, for
// occupancy, from the warm-up on; hour by hour from the start.
func (e *Engine) accountBusy() {
	if e.cfg.Hourly {
		for t := e.lastBT; t < e.now; {
			to := math.Min(math.Floor(t/3600)*3600+3600, e.now)
			h := e.hour(t)
			h.AgentTime += float64(e.onDuty) * (to - t)
			h.ChatTime += float64(e.busyNow) * (to - t)
			h.BusyTime += float64(e.busyOn) * (to - t)
			t = to
		}
	}
	from := math.Max(e.lastBT, e.warmup)
	if e.now > from {
		e.stats.Busy += float64(e.busyNow) * (e.now - from)
		e.stats.AgentTime += float64(e.onDuty) * (e.now - from)
	}
	e.lastBT = math.Max(e.lastBT, e.now)
}

// setAgents puts n agents on duty. Agents leaving stop taking chats and
// finish the ones they hold; the least loaded leave first.
func (e *Engine) setAgents(n int) {
	e.accountBusy()
	for e.onDuty < n {
		a := int32(-1)
		for i := range e.agents {
			if !e.agents[i].onDuty {
				a = int32(i)
				break
			}
		}
		if a < 0 {
			e.agents = append(e.agents, agent{pos: -1})
			a = int32(len(e.agents) - 1)
		}
		e.agents[a].onDuty = true
		if e.agents[a].load > 0 {
			e.busyOn++
		}
		e.rebucket(a)
		e.onDuty++
	}
	for e.onDuty > n {
		a := int32(-1)
		for l := range e.buckets {
			if b := e.buckets[l]; len(b) > 0 {
				a = b[len(b)-1]
				break
			}
		}
		if a < 0 {
			for i := range e.agents {
				if e.agents[i].onDuty {
					a = int32(i)
					break
				}
			}
		}
		e.unbucket(a)
		e.agents[a].onDuty = false
		if e.agents[a].load > 0 {
			e.busyOn--
		}
		e.onDuty--
	}
	e.trace(EvStaff, int64(n), -1)
	e.dispatch()
}

func (e *Engine) intervals() []sim.StaffInterval {
	if e.cfg.Staffing != nil {
		return e.cfg.Staffing
	}
	return e.m.staffing
}

func (e *Engine) staffBoundaries() {
	e.staffAt = e.staffAt[:0]
	for _, iv := range e.intervals() {
		e.staffAt = append(e.staffAt, iv.Start.Duration().Seconds(), iv.End.Duration().Seconds())
	}
}

// scheduled returns the agents the staffing puts on duty at t.
func (e *Engine) scheduled(t float64) int {
	if e.m.constAgents > 0 {
		return e.m.constAgents
	}
	if by := e.cfg.ByHour; by != nil {
		return by[min(byHourIndex(t), len(by)-1)]
	}
	_, clock := e.m.cal.Local(t)
	for _, iv := range e.intervals() {
		if s, en := iv.Start.Duration().Seconds(), iv.End.Duration().Seconds(); clock >= s && clock < en {
			return iv.Agents
		}
	}
	return 0
}

// byHourIndex is the hour from the start holding t; a staffing change
// scheduled at an hour's start belongs to that hour despite rounding.
func byHourIndex(t float64) int { return int(math.Floor(t/3600 + 1e-9)) }

// staff sets the agents on duty for the local time of day and schedules
// the next change.
func (e *Engine) staff() {
	e.setAgents(e.scheduled(e.now))
	if e.cfg.ByHour != nil {
		e.push(float64(byHourIndex(e.now)+1)*3600, kStaff, 0, 0)
		return
	}
	_, clock := e.m.cal.Local(e.now)
	next := 86400.0
	for _, b := range e.staffAt {
		if b > clock+1e-6 && b < next {
			next = b
		}
	}
	e.push(e.now+(next-clock), kStaff, 0, 0)
}

// dispatch gives waiting customers to free agents, fewest chats first.
func (e *Engine) dispatch() {
	for e.qlen > 0 {
		a := e.pickAgent()
		if a < 0 {
			return
		}
		id := e.dequeue()
		if id < 0 {
			return
		}
		e.pickup(id, &e.custs[id], a)
	}
}

// --- a conversation ---

func (e *Engine) pickup(id int32, c *customer, a int32) {
	t := e.now
	e.changeLoad(a, 1)
	c.agent, c.st = a, stTalking
	wait := t - c.arrive
	if c.counted {
		e.stats.Served++
		e.stats.WaitServed += wait
		if wait <= e.target {
			e.stats.ServedWithin++
		}
	}
	if e.cfg.Hourly {
		e.hour(t).Served++
	}
	e.trace(EvPickup, c.idx, a)
	if c.conv != nil {
		e.recAssign(c, a)
	}
	d := c.first * e.slow[e.agents[a].load]
	if d == 0 {
		e.reply(id, c)
		return
	}
	c.replyAt = t + d
	e.push(c.replyAt, kReply, id, c.rgen)
}

func (e *Engine) reply(id int32, c *customer) {
	t := e.now
	wait := t - c.roundStart
	onTime := wait <= e.replyThreshold()
	if e.tally != nil && c.counted {
		onTime = e.tally.Round(c.roundStart, wait)
	}
	if !onTime {
		c.late = true
	}
	c.waitSum += wait
	if e.cfg.Hourly {
		h := e.hour(c.roundStart)
		h.Rounds++
		if wait <= 180 {
			h.RoundsIn3m++
		}
	}
	if c.round == 1 {
		c.firstWait = wait
		if e.cfg.Hourly {
			h := e.hour(c.arrive)
			h.FirstReply[plan.ReplyBin(wait)]++
			if wait <= 30 {
				h.AnsweredIn30s++
			}
		}
	}
	c.replied = true
	c.buyer.Replied()
	c.pgen++ // the buyer has its reply: a pending patience expiry is void
	e.trace(EvReply, c.idx, c.agent)
	if c.conv != nil {
		e.recReply(c, c.round == c.rounds)
	}
	if c.round < c.rounds {
		// A later round: the buyer reads and writes (the round's share of
		// the handle time beyond the agent's reply), then waits for a reply
		// that takes the agent a first-reply's work at its current pace.
		s := e.slow[e.agents[c.agent].load]
		e.load(c)
		work := math.Min(e.m.reply.Draw(e.r), c.seg)
		p := e.m.patience[c.persona].Draw(e.r)
		e.store(c)
		c.round++
		c.roundStart = t + (c.seg-work)*s
		c.replyAt = c.roundStart + work*s
		if c.conv != nil {
			e.recBuyer(c, c.roundStart)
		}
		c.rgen++
		e.push(c.replyAt, kReply, id, c.rgen)
		if c.roundStart+p < c.replyAt {
			e.push(c.roundStart+p, kPatience, id, c.pgen)
		}
		return
	}
	wrap := c.wrap
	if c.escalated {
		wrap += e.m.escWork
	}
	if wrap <= 0 {
		e.close(id, c)
		return
	}
	c.rgen++
	e.push(t+wrap*e.slow[e.agents[c.agent].load], kClose, id, c.rgen)
	c.replyAt = math.Inf(1)
}

func (e *Engine) replyThreshold() float64 {
	if e.tally != nil {
		return e.tally.ReplyThreshold()
	}
	return 180
}

func (e *Engine) outOfPatience(id int32, c *customer) {
	t := e.now
	leave, fired := c.buyer.OutOfPatience()
	demand := fired.Has(sim.StepSupervisor) && !c.escalated
	if fired.Has(sim.StepSupervisor) {
		c.escalated = true
	}
	if fired.Has(sim.StepPlatform) || fired.Has(sim.Step12315) {
		c.complained = true
	}
	if leave {
		e.trace(EvLeave, c.idx, c.agent)
		e.leave(id, c)
		return
	}
	e.trace(EvNudge, c.idx, c.agent)
	if c.conv != nil {
		e.recNudge(c, demand)
	}
	e.load(c)
	p := e.m.patience[c.persona].Draw(e.r)
	e.store(c)
	c.pgen++
	if c.st == stQueued || t+p < c.replyAt {
		e.push(t+p, kPatience, id, c.pgen)
	}
}

// leave ends a conversation the buyer walked out of.
func (e *Engine) leave(id int32, c *customer) {
	t := e.now
	if e.tally != nil && c.counted {
		e.tally.Round(c.roundStart, -1)
	}
	c.late = true
	c.waitSum += t - c.roundStart
	if e.cfg.Hourly {
		e.hour(c.roundStart).Rounds++
		if !c.replied {
			e.hour(c.arrive).Abandoned++
		}
	}
	if c.counted && !c.replied {
		e.stats.LeftUnanswered++
	}
	if c.st == stQueued {
		e.advanceQueue()
		e.qlen--
		if c.counted {
			e.stats.Abandoned++
		}
		e.end(id, c, true)
		return
	}
	if c.counted {
		e.stats.LeftLater++
	}
	a := c.agent
	e.changeLoad(a, -1)
	e.end(id, c, true)
	e.dispatch()
}

func (e *Engine) close(id int32, c *customer) {
	e.trace(EvClose, c.idx, c.agent)
	if c.closeOn {
		// The buyer writes once more as the agent closes: a round that
		// never gets its reply.
		if e.tally != nil && c.counted {
			e.tally.Round(e.now, -1)
		}
		c.late = true
		if c.conv != nil {
			e.recBuyer(c, e.now)
		}
	}
	if c.conv != nil {
		e.recClose(c)
	}
	a := c.agent
	e.changeLoad(a, -1)
	e.end(id, c, false)
	e.dispatch()
}

// end scores a finished conversation with the outcome model and frees its
// slot.
func (e *Engine) end(id int32, c *customer, left bool) {
	t := e.now
	var v sim.Verdict
	dispute := false
	if e.m.outcome != nil && c.counted && !e.cfg.QueueOnly {
		v, dispute = e.score(c, t, left)
	}
	if c.conv != nil {
		e.recEnd(c, left, v, dispute)
	}
	c.st = stFree
	c.rgen++
	c.pgen++
	e.free = append(e.free, id)
	e.active--
	e.res.End = math.Max(e.res.End, t)
}

// score applies the outcome model and feeds the tally; it returns the
// verdict and whether a dispute was counted.
func (e *Engine) score(c *customer, t float64, left bool) (sim.Verdict, bool) {
	m := e.m
	o := m.outcome
	cm := &m.cases[c.caseIdx]
	p := &m.personas[c.persona]
	q := 0.0
	if !left && c.correct {
		q = 1
	}
	if !left {
		fired := c.buyer.Resolved(q)
		if fired.Has(sim.StepSupervisor) {
			c.escalated = true
		}
		if fired.Has(sim.StepPlatform) || fired.Has(sim.Step12315) {
			c.complained = true
		}
	}
	wait := time.Duration(c.waitSum * float64(time.Second))
	// Served means a valid reply came (DOMAIN.md §1, sim.SessionOf): a
	// buyer picked up who left before the first reply was not served.
	s := sim.Session{
		Start: c.arrive, FirstReply: -1, Served: c.replied, Abandoned: left,
		LeftUnanswered: left && !c.replied,
		LateRound:      c.late, Presales: cm.presales,
	}
	first := time.Duration(-1)
	if c.replied {
		s.FirstReply = c.firstWait
		first = time.Duration(c.firstWait * float64(time.Second))
	}
	v := o.Decide(p, sim.OutcomeDraws{Rate: c.uRate, RatingZ: c.zRating, Dispute: c.uDispute, Conversion: c.uConv},
		sim.Ending{Wait: wait, FirstReply: first, Q: q, Tension: c.buyer.Tension, Left: left, Presales: cm.presales})
	s.Rating, s.Converted = v.Rating, v.Converted
	if !cm.presales {
		s.Resolved = q == 1
		s.ResolvedAfter = t - c.arrive
		if v.Dispute {
			s.Dispute = true
			e.res.Disputes++
			e.res.DisputeRefunds += sim.Money(math.Round(c.price))
		}
	}
	if c.escalated {
		e.res.Escalations++
	}
	if c.complained {
		e.res.Complaints++
	}
	e.tally.Add(&s)
	return v, s.Dispute
}

func (e *Engine) trace(k EventKind, cust int64, a int32) {
	if e.cfg.Trace != nil {
		e.cfg.Trace(Event{T: e.now, Kind: k, Customer: cust, Agent: a})
	}
}

// finish closes the books of a run.
func (e *Engine) finish() (*Result, error) {
	e.accountBusy()
	e.advanceQueue()
	e.stats.Queued = e.qlen
	r := e.res
	r.Stats = e.stats
	r.Events = e.events
	if e.cfg.Hourly {
		r.Hours = append([]Hour(nil), e.hours...)
	}
	if e.tally == nil {
		return r, nil
	}
	limit := -1.0
	if e.m.contract != nil {
		if l, ok := e.m.contract.TimeoutDailyLimit(); ok {
			limit = l
		}
	}
	r.KPIs = e.tally.KPIValues(e.m.paidOrders, e.m.days, limit)
	perDay := e.m.paidOrders / math.Max(1, e.m.days)
	for _, d := range e.tally.Days() {
		r.Days = append(r.Days, sim.KPIValuesOf(d, []sim.Counts{d}, perDay, 1, limit))
	}
	r.Period = e.m.period
	if e.m.contract != nil {
		st, err := e.m.contract.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: r.Period, Values: r.KPIs}}})
		if err != nil {
			return nil, fmt.Errorf("refund of run %d: %w", r.Seed, err)
		}
		r.Statement, r.Refund = st, st.Total
	}
	return r, nil
}

package load

import (
	"encoding/json"

	"fmt"
	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"math"
	"time"
)

// SummaryFormat names the summary's JSON format and its version; Merge
// and the report refuse any other.
const SummaryFormat = "deskdrill-load-summary/1"

// The modes of a run.
const (
	ModeRelay    = "relay"    // echo customers and agents: paced messages
	ModeScenario = "scenario" // synthetic customers of a scenario: paced arrivals
	ModeIdle     = "idle"     // connections held, for memory
)

// Summary is everything a run measured, in a form that merges exactly
// (Merge): counts, every latency distribution as a whole HDR histogram,
// the same per interval, and the hub's raw metrics at the start and end.
// `deskdrill load --summary` and `deskdrill drill --summary` write it as
// JSON; docs/drills.md lists its fields.
type Summary struct {
	Format string `json:"format"`
	// Name is the drill's.
	Name string `json:"name"`
	// Definition is a digest of the drill's whole definition but the
	// shard (Config.Definition): shards of one drill agree on it.
	Definition string `json:"definition"`
	Mode       string `json:"mode"`
	// Seed is the root seed of synthetic customers (scenario mode).
	Seed uint64 `json:"seed"`
	// Shards are the parts this summary holds: one for a run, all of them
	// once merged.
	Shards []ShardInfo `json:"shards"`
	// Started is when pacing began (the earliest shard's), wall clock.
	Started  time.Time     `json:"started"`
	Interval time.Duration `json:"interval_ns"`
	// Stages are the whole drill's (a quick load is one stage).
	Stages Stages `json:"stages,omitempty"`

	// Connections open once set up (all shards), and those that could not
	// be opened.
	Customers int `json:"customers"`
	Agents    int `json:"agents"`
	Failed    int `json:"failed_connections"`
	// Assigned is how many customers an agent took before pacing began
	// (relay mode): the ones messages are paced over. A customer the hub
	// seats later (as another shard's leave) is not counted.
	Assigned int `json:"assigned"`
	// Setup is how long opening the connections (and assignment) took;
	// the longest shard's.
	Setup time.Duration `json:"setup_ns"`

	// Relay mode. Rate is the mean intended customer messages per second;
	// Duration the pacing's length.
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
	// Dropped: relay mode, messages sent that did not come back by the end
	// of the drain; scenario mode, customers who could not finish
	// (connection failed or lost, or still under way when the drain
	// ended): Arrived = Finished + Dropped.
	Dropped uint64 `json:"dropped"`
	// Relayed is the generator's own count of relayed messages,
	// Delivered + Received, and RelayedPerSecond that over Elapsed, from
	// the first send until the last reply (or the end of the drain).
	Relayed          uint64        `json:"relayed"`
	Elapsed          time.Duration `json:"elapsed_ns"`
	RelayedPerSecond float64       `json:"relayed_per_s"`

	// Scenario mode: customers that arrived, finished (rated or left
	// after the close), abandoned (left waiting), and raised disputes;
	// frames they sent and received.
	Arrived        int64 `json:"arrived,omitempty"`
	Finished       int64 `json:"finished,omitempty"`
	Abandoned      int64 `json:"abandoned,omitempty"`
	Disputes       int64 `json:"disputes,omitempty"`
	FramesSent     int64 `json:"frames_sent,omitempty"`
	FramesReceived int64 `json:"frames_received,omitempty"`

	// RTT is the customer's round trip (customer → hub → agent → hub →
	// customer) measured from each message's intended send time. It is
	// Lateness (the generator's delay in sending) plus Outbound (from the
	// send to the agent's receipt) plus Return (from the agent's receipt
	// to the customer's). Outbound and Return compare the agent's
	// receive-side timestamp with the customer's wall clock: exact within
	// one machine, as good as the clocks' agreement across machines.
	RTT      *Latency `json:"rtt,omitempty"`
	Lateness *Latency `json:"lateness,omitempty"`
	Outbound *Latency `json:"outbound,omitempty"`
	Return   *Latency `json:"return,omitempty"`
	// FirstResponse is each synthetic customer's wait from its first
	// message to the agent's first reply (scenario mode).
	FirstResponse *Latency `json:"first_response,omitempty"`

	// Hub is what the hub's own metrics say over the pacing window (nil
	// without metrics); HubSetup, HubStart and HubEnd are the raw scrapes
	// before the connections, at the start of pacing and at the end, from
	// which a merge recomputes Hub.
	Hub      *HubReport  `json:"hub,omitempty"`
	HubSetup *HubMetrics `json:"hub_setup,omitempty"`
	HubStart *HubMetrics `json:"hub_start,omitempty"`
	HubEnd   *HubMetrics `json:"hub_end,omitempty"`

	// Generator is the load generator's own health.
	Generator Generator `json:"generator"`
	// Memory is the idle mode's measurement.
	Memory *Memory `json:"memory,omitempty"`
	// KPIs are the contract's KPIs of the hub's run, read at the end.
	KPIs *KPIs `json:"kpis"`

	Intervals []Interval `json:"intervals,omitempty"`
	// Thresholds are judged on the whole drill: by the run itself, or, for
	// shards, by the merge (Judged false until then).
	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	// Aborted says which threshold (with abort_on_fail) stopped the run
	// early, if one did, and its value then; AbortedBy is its expression.
	// The run's verdict on it is failed, whatever the value at the end.
	Aborted   string `json:"aborted"`
	AbortedBy string `json:"aborted_by"`

	// live holds decoded (or, during a run, live) histograms by family.
	live map[string]*hdr.Histogram
}

// MarshalJSON writes s with every documented key of its mode, zero or
// not: a scenario run's arrived, finished, abandoned, disputes,
// frames_sent and frames_received even when 0 (other modes leave them
// out); kpis is null when they were not read, aborted "" when no
// threshold stopped the run.
func (s Summary) MarshalJSON() ([]byte, error) {
	type plain Summary
	if s.Mode != ModeScenario {
		return json.Marshal(plain(s))
	}
	return json.Marshal(struct {
		plain
		Arrived        int64 `json:"arrived"`
		Finished       int64 `json:"finished"`
		Abandoned      int64 `json:"abandoned"`
		Disputes       int64 `json:"disputes"`
		FramesSent     int64 `json:"frames_sent"`
		FramesReceived int64 `json:"frames_received"`
	}{plain(s), s.Arrived, s.Finished, s.Abandoned, s.Disputes, s.FramesSent, s.FramesReceived})
}

// ShardInfo is one shard of a summary: which, on which machine, when, and
// its generator's health.
type ShardInfo struct {
	Shard
	Host      string    `json:"host,omitempty"`
	Started   time.Time `json:"started"`
	Generator Generator `json:"generator"`
	Sent      uint64    `json:"sent"`
	Received  uint64    `json:"received"`
	Arrived   int64     `json:"arrived,omitempty"`
	Aborted   string    `json:"aborted"`
}

// Generator is the load generator's health: its CPU over the pacing
// window (process user + system time) against the cores it may use, and
// whether it, rather than the hub, limited what was measured.
type Generator struct {
	CPU   time.Duration `json:"cpu_ns"`
	Wall  time.Duration `json:"wall_ns"`
	Cores int           `json:"cores"`
	// Busy is CPU ÷ (Wall × Cores): 1 is every core busy all the time.
	Busy float64 `json:"busy"`
	// Bottleneck is set, with Warning saying why, when the generator
	// was busy enough (or late enough in sending) to have shaped the
	// figures: its send lateness p99 above 5 ms or a tenth of the round
	// trip's p99, or its cores more than 80 % busy.
	Bottleneck bool   `json:"bottleneck"`
	Warning    string `json:"warning,omitempty"`
}

// Generator bottleneck limits (docs/drills.md).
const (
	busyLimit     = 0.8
	latenessLimit = 5 * time.Millisecond
	// latenessFloor is the least lateness judged: Go's timers and the
	// kernel's scheduler alone make a tenth of a millisecond, which a
	// hub answering in half a millisecond would otherwise always blame
	// on the generator.
	latenessFloor = time.Millisecond
)

// judge sets g's Bottleneck and Warning from its own CPU and the run's
// send lateness and round trip.
func (g *Generator) judge(lateness, rtt *Latency) {
	g.Bottleneck, g.Warning = false, ""
	if g.Wall > 0 && g.Cores > 0 {
		g.Busy = g.CPU.Seconds() / (g.Wall.Seconds() * float64(g.Cores))
	}
	var why []string
	if g.Busy > busyLimit {
		why = append(why, fmt.Sprintf("its %d cores were %.0f %% busy (over %.0f %%)", g.Cores, 100*g.Busy, 100*busyLimit))
	}
	if lateness != nil && lateness.N > 0 {
		limit := latenessLimit
		if rtt != nil && rtt.N > 0 {
			limit = max(min(limit, rtt.P99/10), latenessFloor)
		}
		if lateness.P99 > limit {
			why = append(why, fmt.Sprintf("it sent late: lateness p99 %v (over %v)", lateness.P99.Round(time.Microsecond), limit.Round(time.Microsecond)))
		}
	}
	if len(why) > 0 {
		g.Bottleneck = true
		g.Warning = "the load generator, not only the hub, limited these figures: " + joinAnd(why) +
			"; run it on more cores or in more shards (--shard i/n)"
	}
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// Interval is one interval of a run: what happened in it, counted from
// the start of pacing, and the hub's metrics at its end.
type Interval struct {
	// End is the interval's end since the start of pacing.
	End time.Duration `json:"end_ns"`
	// Intended is the whole drill's intended rate at the interval's middle
	// (messages, or arrivals, per second).
	Intended PerSecond `json:"intended_per_s"`
	Sent     uint64    `json:"sent"`
	Received uint64    `json:"received"`
	Errors   uint64    `json:"errors"`
	Arrived  uint64    `json:"arrived,omitempty"`
	// RTT, Lateness and FirstResponse are the interval's distributions.
	RTT           *Latency `json:"rtt,omitempty"`
	Lateness      *Latency `json:"lateness,omitempty"`
	FirstResponse *Latency `json:"first_response,omitempty"`
	// CPU is the generator's CPU time in the interval (every shard's).
	CPU time.Duration `json:"cpu_ns"`
	// Hub is the hub's metrics at the interval's end (one shard's, once
	// merged).
	Hub *HubMetrics `json:"hub,omitempty"`
}

// KPIs are the contract's KPIs of the hub's run and the refund owed so
// far (CNY), as the hub's /api/live reported them at At.
type KPIs struct {
	At            time.Time          `json:"at"`
	Conversations int                `json:"conversations"`
	Values        map[string]float64 `json:"values"`
	Refund        float64            `json:"refund"`
}

// MarshalJSON writes m with the series the hub does not export as null
// (they are NaN, which JSON cannot carry).
func (m HubMetrics) MarshalJSON() ([]byte, error) {
	type plain HubMetrics
	return json.Marshal(struct {
		plain
		Relayed    *float64 `json:"relayed"`
		Customers  *float64 `json:"customers_connected"`
		Agents     *float64 `json:"agents_connected"`
		Waiting    *float64 `json:"customers_waiting"`
		Chatting   *float64 `json:"customers_chatting"`
		CPUSeconds *float64 `json:"cpu_seconds"`
		RSS        *float64 `json:"rss_bytes"`
		HeapInuse  *float64 `json:"heap_inuse_bytes"`
		StackInuse *float64 `json:"stack_inuse_bytes"`
		Goroutines *float64 `json:"goroutines"`
	}{plain(m), num(m.Relayed), num(m.Customers), num(m.Agents), num(m.Waiting), num(m.Chatting), num(m.CPUSeconds), num(m.RSS), num(m.HeapInuse), num(m.StackInuse), num(m.Goroutines)})
}

// UnmarshalJSON reads what MarshalJSON writes, null as NaN.
func (m *HubMetrics) UnmarshalJSON(b []byte) error {
	type plain HubMetrics
	var v struct {
		plain
		Relayed    *float64 `json:"relayed"`
		Customers  *float64 `json:"customers_connected"`
		Agents     *float64 `json:"agents_connected"`
		Waiting    *float64 `json:"customers_waiting"`
		Chatting   *float64 `json:"customers_chatting"`
		CPUSeconds *float64 `json:"cpu_seconds"`
		RSS        *float64 `json:"rss_bytes"`
		HeapInuse  *float64 `json:"heap_inuse_bytes"`
		StackInuse *float64 `json:"stack_inuse_bytes"`
		Goroutines *float64 `json:"goroutines"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*m = HubMetrics(v.plain)
	m.Relayed, m.Customers, m.Agents, m.CPUSeconds = nanOf(v.Relayed), nanOf(v.Customers), nanOf(v.Agents), nanOf(v.CPUSeconds)
	m.Waiting, m.Chatting = nanOf(v.Waiting), nanOf(v.Chatting)
	m.RSS, m.HeapInuse, m.StackInuse, m.Goroutines = nanOf(v.RSS), nanOf(v.HeapInuse), nanOf(v.StackInuse), nanOf(v.Goroutines)
	return nil
}

func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func nanOf(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

// MarshalJSON writes h with its finite bounds only: the last count is the
// +Inf bucket's, which JSON cannot write.
func (h Histogram) MarshalJSON() ([]byte, error) {
	bounds := h.Bounds
	if n := len(bounds); n > 0 && math.IsInf(bounds[n-1], 1) {
		bounds = bounds[:n-1]
	}
	type plain Histogram
	p := plain(h)
	p.Bounds = bounds
	if math.IsNaN(p.Sum) || math.IsInf(p.Sum, 0) {
		p.Sum = 0
	}
	return json.Marshal(p)
}

// UnmarshalJSON reads what MarshalJSON writes, putting +Inf back.
func (h *Histogram) UnmarshalJSON(b []byte) error {
	type plain Histogram
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*h = Histogram(p)
	if len(h.Counts) == len(h.Bounds)+1 {
		h.Bounds = append(h.Bounds, math.Inf(1))
	}
	if len(h.Counts) != len(h.Bounds) {
		return fmt.Errorf("histogram: %d counts for %d bounds", len(h.Counts), len(h.Bounds))
	}
	return nil
}

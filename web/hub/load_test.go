package hub_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/web/hub"
)

// The end-to-end tests of bench/load live here, beside the hub they drive:
// bench must not import web (dependencies point inward), while web's tests
// may use bench's clients.

func TestLoad_RelaysThroughHub(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Concurrency = 5 })
	cfg := load.Config{
		URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:load", AgentToken: "agent:load",
		Customers: 100, Agents: 20, Rate: load.Rate{Freq: 400, Per: time.Second}, Duration: time.Second,
		Setup: 20 * time.Second, Drain: 10 * time.Second,
	}
	r, err := load.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const want = 400
	if res.Customers != 100 || res.Agents != 20 || res.Assigned != 100 {
		t.Errorf("%d customers, %d agents, %d assigned; want 100, 20, 100", res.Customers, res.Agents, res.Assigned)
	}
	if res.Sent != want || res.Delivered != want || res.Echoed != want || res.Received != want {
		t.Errorf("sent %d, delivered %d, echoed %d, received %d; want %d each", res.Sent, res.Delivered, res.Echoed, res.Received, want)
	}
	if res.Relayed != 2*want || res.RTT.N != want || res.RTT.P50 <= 0 || res.RTT.Max < res.RTT.P99 {
		t.Errorf("relayed %d, rtt %+v; want %d relayed and %d ordered round trips", res.Relayed, res.RTT, 2*want, want)
	}
	if res.Hub == nil {
		t.Fatal("no hub report; want one from /metrics")
	}
	if res.Hub.Relayed != 2*want || res.Hub.LatencyP99 <= 0 {
		t.Errorf("hub relayed %.0f, p99 %v s; want %d and a latency", res.Hub.Relayed, res.Hub.LatencyP99, 2*want)
	}
	if res.SendErrors != 0 || res.HubErrors != 0 || res.Failed != 0 {
		t.Errorf("%d send errors, %d hub errors, %d failed connections; want none", res.SendErrors, res.HubErrors, res.Failed)
	}
}

func TestLoad_Idle(t *testing.T) {
	f := newFixture(t, nil)
	r, err := load.New(load.Config{
		URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:idle", AgentToken: "agent:idle",
		Customers: 50, Agents: 5, Idle: true, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Customers != 50 || res.Agents != 5 || res.Memory == nil || res.Memory.Connections != 55 {
		t.Errorf("%d customers, %d agents, memory %+v; want 50, 5 and a measurement over 55", res.Customers, res.Agents, res.Memory)
	}
	if res.Sent != 0 || res.Assigned != 0 {
		t.Errorf("idle sent %d, assigned %d; want none", res.Sent, res.Assigned)
	}
}

// An idle run judges thresholds on what it measures: its connections and
// the memory they take (docs/drills.md).
func TestLoad_IdleThresholds(t *testing.T) {
	f := newFixture(t, nil)
	// The resident memory and heap series, as deskdrill serve exports them.
	f.reg.MustRegister(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collectors.NewGoCollector())
	var ths []load.Threshold
	for _, e := range []string{"customers == 30", "agents == 3", "failed_connections > 0", "hub_memory_per_connection < 1GiB", "generator_memory_per_connection >= 0"} {
		th, err := load.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		ths = append(ths, th)
	}
	r, err := load.New(load.Config{
		URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:idle", AgentToken: "agent:idle",
		Customers: 30, Agents: 3, Idle: true, Duration: 100 * time.Millisecond, Thresholds: ths,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// Every connection opened: the third condition fails, the others hold.
	want := []bool{true, true, false, true, true}
	if len(res.Thresholds) != len(want) {
		t.Fatalf("%d thresholds judged; want %d", len(res.Thresholds), len(want))
	}
	for i, th := range res.Thresholds {
		if !th.Judged || th.Measured == nil || th.OK != want[i] {
			t.Errorf("%s: judged %v, measured %v, ok %v; want a measurement and ok %v (%s)", th.Expr, th.Judged, th.Measured, th.OK, want[i], th.Text)
		}
	}
	if got := len(res.FailedThresholds()); got != 1 {
		t.Errorf("%d thresholds failed; want 1", got)
	}
}

// shardRun runs a relay load on a fresh hub as `of` shards at once (1:
// unsharded) and returns their summaries and every round trip recorded.
func shardRun(t *testing.T, of int) ([]*load.Summary, []time.Duration) {
	t.Helper()
	f := newFixture(t, func(c *hub.Config) { c.Concurrency = 5 })
	var (
		mu      sync.Mutex
		samples []time.Duration
		wg      sync.WaitGroup
	)
	out := make([]*load.Summary, of)
	errs := make([]error, of)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	for i := range of {
		cfg := load.Config{
			URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:load", AgentToken: "agent:load",
			Customers: 40, Agents: 8, Stages: load.Stages{{Duration: time.Second, From: 100, Rate: 100}},
			Shard: load.Shard{Index: i, Of: of}, Interval: 250 * time.Millisecond, Setup: 20 * time.Second, Drain: 10 * time.Second,
			Trace: func(d time.Duration) {
				mu.Lock()
				samples = append(samples, d)
				mu.Unlock()
			},
		}
		r, err := load.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() { out[i], errs[i] = r.Run(ctx) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return out, samples
}

// Two shards of a drill, run at once and merged, are the unsharded drill:
// the same counts, and the merged round-trip histogram is the histogram of
// all the samples both shards recorded.
func TestLoad_ShardsMergeToWhole(t *testing.T) {
	whole, _ := shardRun(t, 1)
	parts, samples := shardRun(t, 2)
	m, err := load.Merge(parts)
	if err != nil {
		t.Fatal(err)
	}
	w := whole[0]
	// 100 messages a second for a second: 100 sent, each relayed twice.
	const want = 100
	if w.Sent != want || w.Received != want {
		t.Fatalf("unsharded: sent %d, received %d; want %d each", w.Sent, w.Received, want)
	}
	for _, c := range []struct {
		name        string
		whole, mrgd uint64
	}{
		{"sent", w.Sent, m.Sent}, {"delivered", w.Delivered, m.Delivered}, {"echoed", w.Echoed, m.Echoed},
		{"received", w.Received, m.Received}, {"relayed", w.Relayed, m.Relayed}, {"dropped", w.Dropped, m.Dropped},
		{"customers", uint64(w.Customers), uint64(m.Customers)}, {"agents", uint64(w.Agents), uint64(m.Agents)},
		{"assigned", uint64(w.Assigned), uint64(m.Assigned)}, {"round trips", uint64(w.RTT.N), uint64(m.RTT.N)},
	} {
		if c.whole != c.mrgd {
			t.Errorf("%s: merged shards %d; the unsharded drill %d", c.name, c.mrgd, c.whole)
		}
	}
	for i, p := range parts {
		if p.Sent != want/2 {
			t.Errorf("shard %d sent %d; want %d (every other message)", i, p.Sent, want/2)
		}
	}
	got, err := m.RTT.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	h := load.NewHistogram()
	for _, d := range samples {
		h.RecordValue(max(0, min(int64(d), int64(time.Hour))))
	}
	if !got.Equals(h) || int(m.RTT.N) != len(samples) {
		t.Errorf("merged histogram (%d values) is not the histogram of the %d samples", m.RTT.N, len(samples))
	}
	if m.Hub == nil || m.Hub.Relayed != 2*want {
		t.Errorf("hub report %+v; want the hub's 200 relays from the first shard's start to the last shard's end", m.Hub)
	}
}

// deskdrill_messages_relayed_total counts one per message delivered to
// the other side: not the acks of frames with an id, not pongs, not the
// frames the hub sends of its own (welcome, assign, queue lengths), and
// whether the reader writes the frame itself or its writePump does.
func TestHub_RelayedCountsMessagesOnly(t *testing.T) {
	f := newFixture(t, nil)
	ag := f.dial("/ws/agent", "agent:count")
	cu := f.dial("/ws/customer", "customer:count")
	id := start(cu, "refund_unshipped", "在吗")
	ag.expect(protocol.TypeAssign)
	cu.expect(protocol.TypeAssigned)
	for i := range 3 {
		cu.send(msg("message", "id", fmt.Sprintf("c%d", i), "text", "还没发货"))
		cu.expect(protocol.TypeAck)
		ag.expect(protocol.TypeMessage)
	}
	cu.send(msg("ping", "id", "p"))
	cu.expect(protocol.TypePong)
	for i := range 2 {
		ag.send(msg("message", "id", fmt.Sprintf("a%d", i), "conversation", id, "text", "马上查"))
		ag.expect(protocol.TypeAck)
		cu.expect(protocol.TypeMessage)
	}
	// The counter moves once the write has returned, which may be a moment
	// after the client read the frame.
	n := f.metric("deskdrill_messages_relayed_total")
	for deadline := time.Now().Add(5 * time.Second); n < 5 && time.Now().Before(deadline); n = f.metric("deskdrill_messages_relayed_total") {
		time.Sleep(time.Millisecond) // polling with a deadline
	}
	if n != 5 {
		t.Errorf("deskdrill_messages_relayed_total = %v; want 5: three to the agent, two to the customer; no acks or pongs", n)
	}
}

package load_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
)

const scrape = `# HELP deskdrill_messages_relayed_total Frames relayed.
# TYPE deskdrill_messages_relayed_total counter
deskdrill_messages_relayed_total 1000
# HELP deskdrill_relay_latency_seconds From reading a frame to writing the frame it caused.
# TYPE deskdrill_relay_latency_seconds histogram
deskdrill_relay_latency_seconds_bucket{le="0.001"} 500
deskdrill_relay_latency_seconds_bucket{le="0.002"} 900
deskdrill_relay_latency_seconds_bucket{le="0.004"} 990
deskdrill_relay_latency_seconds_bucket{le="+Inf"} 1000
deskdrill_relay_latency_seconds_sum 1.5
deskdrill_relay_latency_seconds_count 1000
# TYPE deskdrill_customers_connected gauge
deskdrill_customers_connected 10000
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
# TYPE process_resident_memory_bytes gauge
process_resident_memory_bytes 2.5e+08
`

func TestParseMetrics(t *testing.T) {
	m, err := load.ParseMetrics(strings.NewReader(scrape))
	if err != nil {
		t.Fatal(err)
	}
	if m.Relayed != 1000 || m.Customers != 10000 || m.CPUSeconds != 12.5 || m.RSS != 2.5e8 {
		t.Errorf("relayed %v, customers %v, cpu %v, rss %v; want 1000, 10000, 12.5, 2.5e8", m.Relayed, m.Customers, m.CPUSeconds, m.RSS)
	}
	if !math.IsNaN(m.Agents) || !math.IsNaN(m.HeapInuse) {
		t.Errorf("agents %v, heap %v; want NaN for series not exported", m.Agents, m.HeapInuse)
	}
	h := m.Latency
	if h.Count != 1000 || len(h.Bounds) != 4 || !math.IsInf(h.Bounds[3], 1) || h.Counts[1] != 900 {
		t.Errorf("histogram %+v; want 4 buckets of 1000", h)
	}
	for _, tc := range []struct{ q, want float64 }{
		{0.25, 0.0005}, // halfway through the first bucket, from 0
		{0.5, 0.001},
		{0.7, 0.0015}, // halfway through the second
		{0.99, 0.004},
		{0.995, 0.004}, // in +Inf: the largest finite bound
	} {
		if got := h.Quantile(tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Quantile(%v) = %v; want %v", tc.q, got, tc.want)
		}
	}
	if got := (load.Histogram{}).Quantile(0.5); !math.IsNaN(got) {
		t.Errorf("empty Quantile = %v; want NaN", got)
	}
}

func TestReport(t *testing.T) {
	before, err := load.ParseMetrics(strings.NewReader(scrape))
	if err != nil {
		t.Fatal(err)
	}
	after, err := load.ParseMetrics(strings.NewReader(strings.NewReplacer(
		"relayed_total 1000", "relayed_total 21000",
		`le="0.001"} 500`, `le="0.001"} 20500`, // all 20,000 new ones under 1 ms
		`le="0.002"} 900`, `le="0.002"} 20900`,
		`le="0.004"} 990`, `le="0.004"} 20990`,
		`le="+Inf"} 1000`, `le="+Inf"} 21000`,
		"seconds_count 1000", "seconds_count 21000",
		"cpu_seconds_total 12.5", "cpu_seconds_total 13.5",
	).Replace(scrape)))
	if err != nil {
		t.Fatal(err)
	}
	before.At = time.Unix(100, 0)
	after.At = before.At.Add(2 * time.Second)
	r := load.Report(before, after)
	if r.Relayed != 20000 || r.PerSecond != 10000 || r.Window != 2*time.Second {
		t.Errorf("relayed %v in %v = %v/s; want 20000 in 2s = 10000/s", r.Relayed, r.Window, r.PerSecond)
	}
	if r.LatencyP99 > 0.001 || r.LatencyP50 != 0.0005 || r.LatencyOver != 0 {
		t.Errorf("p50 %v, p99 %v, over %v; want the window's own: all under 1 ms", r.LatencyP50, r.LatencyP99, r.LatencyOver)
	}
	if r.CPU != time.Second || r.CPUPerRelayed != 50*time.Microsecond {
		t.Errorf("cpu %v, per relayed %v; want 1s and 50µs", r.CPU, r.CPUPerRelayed)
	}
}

func TestConfig_Validate(t *testing.T) {
	ok := load.Config{URL: "ws://127.0.0.1:8080", CustomerToken: "c", AgentToken: "a", Customers: 10, Agents: 1,
		Rate: load.Rate{Freq: 10, Per: time.Second}, Duration: time.Second}
	c := ok
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v; want nil", ok, err)
	}
	if c.MetricsURL != "http://127.0.0.1:8080/metrics" || c.Dialers != load.DefaultDialers || c.Seat != load.DefaultSeat {
		t.Errorf("defaults: metrics %q, dialers %d, seat %q", c.MetricsURL, c.Dialers, c.Seat)
	}
	for _, tc := range []struct {
		name string
		mod  func(*load.Config)
	}{
		{"no url", func(c *load.Config) { c.URL = "" }},
		{"http url", func(c *load.Config) { c.URL = "http://127.0.0.1:8080" }},
		{"no customer token", func(c *load.Config) { c.CustomerToken = "" }},
		{"agents without a token", func(c *load.Config) { c.AgentToken = "" }},
		{"relay without agents", func(c *load.Config) { c.Agents = 0 }},
		{"no rate", func(c *load.Config) { c.Rate = load.Rate{} }},
		{"no duration", func(c *load.Config) { c.Duration = 0 }},
		{"negative customers", func(c *load.Config) { c.Customers = -1 }},
	} {
		c := ok
		tc.mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("%s: Validate = nil; want an error", tc.name)
		}
	}
	idle := ok
	idle.Idle, idle.Agents, idle.AgentToken, idle.Rate = true, 0, "", load.Rate{}
	if err := idle.Validate(); err != nil {
		t.Errorf("idle customers only: Validate = %v; want nil", err)
	}
}

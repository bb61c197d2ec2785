package load

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The hub's series that a run reads (web/hub/metrics.go, and the process
// and Go collectors of web.Server).
const (
	metricRelayed    = "deskdrill_messages_relayed_total"
	metricLatency    = "deskdrill_relay_latency_seconds"
	metricCustomers  = "deskdrill_customers_connected"
	metricAgents     = "deskdrill_agents_connected"
	metricWaiting    = "deskdrill_customers_waiting"
	metricChatting   = "deskdrill_customers_chatting"
	metricCPU        = "process_cpu_seconds_total"
	metricRSS        = "process_resident_memory_bytes"
	metricHeapInuse  = "go_memstats_heap_inuse_bytes"
	metricStackInuse = "go_memstats_stack_inuse_bytes"
	metricGoroutines = "go_goroutines"
)

// Histogram is a Prometheus histogram: cumulative counts at upper
// bounds, the last +Inf.
type Histogram struct {
	Bounds []float64 `json:"bounds"`
	Counts []uint64  `json:"counts"`
	Count  uint64    `json:"count"`
	Sum    float64   `json:"sum"`
}

// Sub returns h − old, bucket by bucket: the observations between two
// scrapes. The buckets must be the same.
func (h Histogram) Sub(old Histogram) Histogram {
	d := Histogram{Bounds: h.Bounds, Counts: make([]uint64, len(h.Counts)), Count: h.Count - old.Count, Sum: h.Sum - old.Sum}
	for i := range h.Counts {
		d.Counts[i] = h.Counts[i]
		if i < len(old.Counts) {
			d.Counts[i] -= old.Counts[i]
		}
	}
	return d
}

// Quantile estimates the q-quantile as Prometheus's histogram_quantile
// does: linear interpolation within the bucket that holds it, from 0 for
// the first bucket. A quantile in the +Inf bucket is reported as the
// largest finite bound. NaN when h is empty.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count == 0 || len(h.Bounds) == 0 {
		return math.NaN()
	}
	rank := q * float64(h.Count)
	i := sort.Search(len(h.Counts), func(i int) bool { return float64(h.Counts[i]) >= rank })
	if i >= len(h.Bounds) || math.IsInf(h.Bounds[i], 1) {
		for j := len(h.Bounds) - 1; j >= 0; j-- {
			if !math.IsInf(h.Bounds[j], 1) {
				return h.Bounds[j]
			}
		}
		return math.NaN()
	}
	lo, below := 0.0, uint64(0)
	if i > 0 {
		lo, below = h.Bounds[i-1], h.Counts[i-1]
	}
	in := h.Counts[i] - below
	if in == 0 {
		return h.Bounds[i]
	}
	return lo + (h.Bounds[i]-lo)*(rank-float64(below))/float64(in)
}

// HubMetrics is one scrape of the hub's /metrics. A series the hub does
// not export reads as NaN (a bare hub in a test has no process metrics).
type HubMetrics struct {
	At        time.Time `json:"at"`
	Relayed   float64   `json:"relayed"`
	Latency   Histogram `json:"relay_latency"`
	Customers float64   `json:"customers_connected"`
	Agents    float64   `json:"agents_connected"`
	// Waiting and Chatting are the hub's conversations in its queue and
	// with an agent.
	Waiting    float64 `json:"customers_waiting"`
	Chatting   float64 `json:"customers_chatting"`
	CPUSeconds float64 `json:"cpu_seconds"`
	RSS        float64 `json:"rss_bytes"`
	HeapInuse  float64 `json:"heap_inuse_bytes"`
	StackInuse float64 `json:"stack_inuse_bytes"`
	Goroutines float64 `json:"goroutines"`
}

// Scrape reads the hub's metrics at url (http://HOST/metrics).
func Scrape(ctx context.Context, client *http.Client, url string) (HubMetrics, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return HubMetrics{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	// Ask for the text format, which is what we parse.
	req.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
	resp, err := client.Do(req)
	if err != nil {
		return HubMetrics{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, resp.Body)
		return HubMetrics{}, fmt.Errorf("scrape %s: %s", url, resp.Status)
	}
	m, err := ParseMetrics(resp.Body)
	if err != nil {
		return HubMetrics{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	m.At = time.Now()
	return m, nil
}

// ParseMetrics reads the hub's series from the Prometheus text format.
func ParseMetrics(r io.Reader) (HubMetrics, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return HubMetrics{}, fmt.Errorf("parse metrics: %w", err)
	}
	value := func(name string) float64 {
		f := fams[name]
		if f == nil || len(f.Metric) == 0 {
			return math.NaN()
		}
		m := f.Metric[0]
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Untyped != nil:
			return m.Untyped.GetValue()
		}
		return math.NaN()
	}
	h := HubMetrics{
		Relayed: value(metricRelayed), Customers: value(metricCustomers), Agents: value(metricAgents),
		Waiting: value(metricWaiting), Chatting: value(metricChatting),
		CPUSeconds: value(metricCPU), RSS: value(metricRSS), HeapInuse: value(metricHeapInuse),
		StackInuse: value(metricStackInuse), Goroutines: value(metricGoroutines),
	}
	if f := fams[metricLatency]; f != nil && len(f.Metric) > 0 && f.Metric[0].Histogram != nil {
		h.Latency = histogram(f.Metric[0].Histogram)
	}
	return h, nil
}

func histogram(ph *dto.Histogram) Histogram {
	h := Histogram{Count: ph.GetSampleCount(), Sum: ph.GetSampleSum()}
	for _, b := range ph.Bucket {
		h.Bounds = append(h.Bounds, b.GetUpperBound())
		h.Counts = append(h.Counts, b.GetCumulativeCount())
	}
	// The text format lists +Inf, but make sure: the total is its count.
	if n := len(h.Bounds); n == 0 || !math.IsInf(h.Bounds[n-1], 1) {
		h.Bounds = append(h.Bounds, math.Inf(1))
		h.Counts = append(h.Counts, h.Count)
	}
	return h
}

// HubReport is what the hub's own metrics say about a window of a run.
type HubReport struct {
	// Window is the time between the two scrapes.
	Window  time.Duration `json:"window_ns"`
	Relayed float64       `json:"relayed"`
	// PerSecond is Relayed over Window.
	PerSecond float64 `json:"relayed_per_s"`
	// Latency is the hub's relay latency (frame read to frame written)
	// over the window, in seconds, from its histogram; 0 when nothing was
	// relayed.
	LatencyP50 float64 `json:"relay_latency_p50_s"`
	LatencyP90 float64 `json:"relay_latency_p90_s"`
	LatencyP99 float64 `json:"relay_latency_p99_s"`
	// LatencyOver is the share of relays slower than the histogram's
	// largest finite bound (their quantiles read as that bound).
	LatencyOver float64 `json:"relay_latency_over_top"`
	// CPU is the hub process's CPU time over the window (user + system),
	// and CPUPerRelayed that over Relayed; 0 without process metrics.
	CPU           time.Duration `json:"cpu_ns"`
	CPUPerRelayed time.Duration `json:"cpu_per_relayed_ns"`
	// RSS and heap figures at the start and end of the window.
	Before, After HubMetrics `json:"-"`
}

// Report compares two scrapes of the same hub, before and after.
func Report(before, after HubMetrics) HubReport {
	r := HubReport{Window: after.At.Sub(before.At), Relayed: after.Relayed - before.Relayed, Before: before, After: after}
	if math.IsNaN(r.Relayed) {
		r.Relayed = 0
	}
	if r.Window > 0 {
		r.PerSecond = r.Relayed / r.Window.Seconds()
	}
	lat := after.Latency.Sub(before.Latency)
	r.LatencyP50, r.LatencyP90, r.LatencyP99 = nan0(lat.Quantile(0.5)), nan0(lat.Quantile(0.9)), nan0(lat.Quantile(0.99))
	if n := len(lat.Counts); n >= 2 && lat.Count > 0 {
		r.LatencyOver = float64(lat.Count-lat.Counts[n-2]) / float64(lat.Count)
	}
	if cpu := after.CPUSeconds - before.CPUSeconds; !math.IsNaN(cpu) {
		r.CPU = time.Duration(cpu * float64(time.Second))
		if r.Relayed > 0 {
			r.CPUPerRelayed = time.Duration(cpu * float64(time.Second) / r.Relayed)
		}
	}
	return r
}

// nan0 maps NaN (a series the hub does not export, an empty histogram) to
// 0, which JSON can carry.
func nan0(x float64) float64 {
	if math.IsNaN(x) {
		return 0
	}
	return x
}

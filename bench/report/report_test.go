package report_test

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/bench/report"
)

// sample builds the summary of a 10 s relay drill of two shards: ramp,
// hold, spike; one threshold held, one failed; the hub's scrapes every
// second; the generator late in the spike.
func sample(t testing.TB) *load.Summary {
	t.Helper()
	r := rand.New(rand.NewPCG(7, 7))
	lat := func(n int, median time.Duration) *load.Latency {
		h := load.NewHistogram()
		for range n {
			h.RecordValue(int64(float64(median) * math.Exp(0.6*r.NormFloat64())))
		}
		l, err := load.NewLatency(h, 0)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	start := time.Date(2026, 11, 10, 23, 59, 0, 0, time.UTC)
	hub := func(i int) *load.HubMetrics {
		bounds := []float64{0.0001, 0.0002, 0.0004, 0.0008, 0.0016, 0.0032, 0.0064, math.Inf(1)}
		counts := make([]uint64, len(bounds))
		for j := range counts {
			counts[j] = uint64(i*2000) * uint64(j+3) / uint64(len(bounds)+2)
		}
		counts[len(counts)-1] = uint64(i * 2000)
		return &load.HubMetrics{At: start.Add(time.Duration(i) * time.Second), Relayed: float64(i * 2000), CPUSeconds: float64(i) * 0.1,
			RSS: 200e6, HeapInuse: 100e6, StackInuse: 10e6, Goroutines: 3000, Customers: 1000, Agents: 200,
			Latency: load.Histogram{Bounds: bounds, Counts: counts, Count: uint64(i * 2000), Sum: float64(i) * 0.3}}
	}
	s := &load.Summary{Format: load.SummaryFormat, Name: "double11 rehearsal", Mode: load.ModeRelay, Interval: time.Second, Started: start,
		Stages:    load.Stages{{Name: "ramp up", Duration: 3 * time.Second, Rate: 1000}, {Name: "hold", Duration: 5 * time.Second, From: 1000, Rate: 1000}, {Name: "spike", Duration: 2 * time.Second, From: 3000, Rate: 3000}},
		Customers: 1000, Agents: 200, Assigned: 1000, Sent: 12_000, Delivered: 12_000, Echoed: 12_000, Received: 12_000, Relayed: 24_000,
		Elapsed: 10 * time.Second, RelayedPerSecond: 2400, Rate: 1200, Duration: 10 * time.Second,
		RTT: lat(12_000, 2*time.Millisecond), Lateness: lat(12_000, 100*time.Microsecond), Outbound: lat(12_000, 800*time.Microsecond), Return: lat(12_000, 900*time.Microsecond),
		HubSetup: hub(0), HubStart: hub(0), HubEnd: hub(10),
		Generator: load.Generator{CPU: 17 * time.Second, Wall: 10 * time.Second, Cores: 2, Busy: 0.85, Bottleneck: true, Warning: "the load generator, not only the hub, limited these figures: its 2 cores were 85 % busy (over 80 %)"},
		Shards:    []load.ShardInfo{{Shard: load.Shard{Index: 0, Of: 2}, Host: "drill-0"}, {Shard: load.Shard{Index: 1, Of: 2}, Host: "drill-1"}},
		KPIs:      &load.KPIs{At: start.Add(11 * time.Second), Conversations: 1000, Values: map[string]float64{"satisfaction": 0.93}, Refund: 0},
	}
	for i := 1; i <= 10; i++ {
		n := 1000
		if i > 8 {
			n = 3000
		}
		s.Intervals = append(s.Intervals, load.Interval{End: time.Duration(i) * time.Second, Intended: s.Stages.RateAt(time.Duration(i)*time.Second - 500*time.Millisecond),
			Sent: uint64(n), Received: uint64(n), RTT: lat(n, 2*time.Millisecond), Lateness: lat(n, 100*time.Microsecond), CPU: 1700 * time.Millisecond, Hub: hub(i)})
	}
	var ts []load.Threshold
	for _, e := range []string{"round_trip_p99 < 50ms", "relay_p99 < 1ms"} {
		th, err := load.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, th)
	}
	s.Judge(ts)
	return s
}

// The report is one file that loads nothing: no script, no link, no
// source but its own inline SVG.
func TestWrite_SelfContained(t *testing.T) {
	var b bytes.Buffer
	if err := report.Write(&b, sample(t)); err != nil {
		t.Fatal(err)
	}
	// Namespace names are names, not fetched.
	html := regexp.MustCompile(`xmlns(:\w+)?="[^"]*"`).ReplaceAllString(b.String(), "")
	for _, bad := range []string{"<script", "<link", "<img", "src=", "@import", "url(", "http://", "https://"} {
		if strings.Contains(html, bad) {
			t.Errorf("the report holds %q: it must load nothing", bad)
		}
	}
	if n := strings.Count(html, "<svg"); n < 5 {
		t.Errorf("%d charts; want the rate, latency, hub, generator and spectrum charts", n)
	}
	for _, want := range []string{"1 of 2 thresholds failed", "relay_p99 = ", "Generator bottleneck", "drill-1", "satisfaction"} {
		if !strings.Contains(html, want) {
			t.Errorf("the report does not say %q", want)
		}
	}
}

// An idle run's report shows what an idle run measures, memory per
// connection, the hub's and the generator's, and says the hub's /metrics
// was not read only when it was not.
func TestWrite_Idle(t *testing.T) {
	start := time.Date(2026, 11, 10, 23, 59, 0, 0, time.UTC)
	read := func() *load.Summary {
		return &load.Summary{Format: load.SummaryFormat, Name: "idle", Mode: load.ModeIdle, Started: start, Customers: 40, Agents: 10,
			Shards:   []load.ShardInfo{{Shard: load.Shard{Of: 1}}},
			HubSetup: &load.HubMetrics{At: start, RSS: 47 << 20}, HubEnd: &load.HubMetrics{At: start.Add(4 * time.Second), RSS: 47<<20 + 50*5243},
			Memory: &load.Memory{Connections: 50, HubRSSBefore: 47 << 20, HubRSSAfter: 47<<20 + 50*5243, HubRSSPerConn: 5243,
				HubHeapStackPerConn: 22774, SelfRSSPerConn: 46449, SelfHeapStackPerConn: 9994}}
	}
	for _, tc := range []struct {
		name      string
		edit      func(*load.Summary)
		want, not []string
	}{
		{"read", func(*load.Summary) {}, []string{"5.1 KiB resident", "over 50 connections", "22.2 KiB Go heap and stacks", "45.4 KiB resident, 9.8 KiB Go heap and stacks (this generator"},
			[]string{"did not answer", "not read"}},
		{"metrics: -", func(s *load.Summary) {
			s.HubSetup, s.HubEnd = nil, nil
			s.Memory.HubRSSBefore, s.Memory.HubRSSAfter, s.Memory.HubRSSPerConn, s.Memory.HubHeapStackPerConn = 0, 0, 0, 0
		}, []string{"was not read (metrics is -, or it did not answer)", "45.4 KiB resident"}, []string{"5.1 KiB"}},
		{"no memory series", func(s *load.Summary) {
			s.Memory.HubRSSBefore, s.Memory.HubRSSAfter, s.Memory.HubRSSPerConn, s.Memory.HubHeapStackPerConn = 0, 0, 0, 0
		}, []string{"not measured", "has no process_resident_memory_bytes"}, []string{"0.0 KiB resident"}},
	} {
		s := read()
		tc.edit(s)
		var b bytes.Buffer
		if err := report.Write(&b, s); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: the report does not say %q", tc.name, w)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(b.String(), w) {
				t.Errorf("%s: the report says %q", tc.name, w)
			}
		}
	}
}

// browser starts a headless Chromium, or skips (fails under CI=true):
// the same rule as web's browser tests.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found: CI must install it (apt-get install chromium)")
		}
		t.Skip("no Chromium found (apt-get install chromium); skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.Flag("headless", true), chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	ctx, cancelC := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelC()
		cancelB()
		cancelA()
	})
	return ctx
}

// The report opens in Chromium and shows its charts: each drawn, with
// lines, at a readable size, and nothing fetched from anywhere.
func TestReport_InChromium(t *testing.T) {
	ctx := browser(t)
	path := filepath.Join(t.TempDir(), "report.html")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := report.Write(f, sample(t)); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+path), chromedp.WaitVisible("#chart-spectrum svg")); err != nil {
		t.Fatal(err)
	}
	// Per chart: its width on screen and how many lines it holds.
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]float64](`[...document.querySelectorAll("figure.chart")].map(f => {
		const svg = f.querySelector("svg"), r = svg.getBoundingClientRect();
		return {width: r.width, height: r.height, paths: svg.querySelectorAll("path").length};
	})`))
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) < 5 {
		t.Fatalf("%d charts shown; want at least 5", len(charts))
	}
	for i, c := range charts {
		if c["width"] < 400 || c["height"] < 150 || c["paths"] < 5 {
			t.Errorf("chart %d: %v×%v px with %v paths; want it drawn at a readable size, with lines", i, c["width"], c["height"], c["paths"])
		}
	}
	resources, err := chromedp.Run(ctx, chromedp.Evaluate[int](`performance.getEntriesByType("resource").length`))
	if err != nil || resources != 0 {
		t.Errorf("the page fetched %d resources (%v); want none", resources, err)
	}
	verdict, err := chromedp.Run(ctx, chromedp.Text("#verdict"))
	if err != nil || !regexp.MustCompile(`1 of 2 thresholds failed`).MatchString(verdict) {
		t.Errorf("verdict %q, %v; want the failed threshold counted", verdict, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		dir := os.Getenv("DESKDRILL_ARTIFACTS")
		if dir == "" {
			dir = filepath.Join(os.TempDir(), "deskdrill-browser")
		}
		if os.MkdirAll(dir, 0o755) == nil {
			os.WriteFile(filepath.Join(dir, "load-report.png"), png, 0o644)
		}
	}
}

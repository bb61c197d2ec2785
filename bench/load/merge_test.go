package load_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/deskdrill/deskdrill/bench/load"
)

// histogramOf records samples (clamped as the run records them).
func histogramOf(samples []time.Duration) *hdr.Histogram {
	h := load.NewHistogram()
	for _, d := range samples {
		h.RecordValue(max(0, min(int64(d), int64(time.Hour))))
	}
	return h
}

// lognormal returns n round trips around a millisecond from a fixed seed.
func lognormal(seed uint64, n int) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(float64(time.Millisecond) * math.Exp(r.NormFloat64()))
	}
	return out
}

func TestHistogram_EncodeDecode(t *testing.T) {
	h := histogramOf(lognormal(1, 10_000))
	enc, err := load.EncodeHistogram(h)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "HISTF") {
		t.Errorf("encoded %q...; want HdrHistogram's V2 compressed base64, HISTF...", enc[:10])
	}
	back, err := load.DecodeHistogram(enc)
	if err != nil || !back.Equals(h) {
		t.Fatalf("decoded %v; want the histogram back (%v)", back, err)
	}
	// Another geometry is refused before anything is allocated for it.
	other, _ := hdr.New(1, int64(time.Hour), 3).Encode(hdr.V2CompressedEncodingCookieBase)
	if _, err := load.DecodeHistogram(string(other)); !errors.Is(err, load.ErrHistogram) || !strings.Contains(err.Error(), "geometry") {
		t.Errorf("another geometry: %v; want ErrHistogram naming the geometry", err)
	}
	for _, bad := range []string{"", "HISTF", "not base64!", "AAAAAAAAAAAAAAAA"} {
		if _, err := load.DecodeHistogram(bad); !errors.Is(err, load.ErrHistogram) {
			t.Errorf("DecodeHistogram(%q): %v; want ErrHistogram", bad, err)
		}
	}
}

// part is a shard's summary holding samples.
func part(t *testing.T, idx, of int, samples []time.Duration, sent uint64) *load.Summary {
	t.Helper()
	rtt, err := load.NewLatency(histogramOf(samples), 0)
	if err != nil {
		t.Fatal(err)
	}
	iv, err := load.NewLatency(histogramOf(samples[:len(samples)/2]), 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	return &load.Summary{
		Format: load.SummaryFormat, Name: "d11", Mode: load.ModeRelay, Interval: time.Second,
		Stages:  load.Stages{{Duration: 2 * time.Second, From: 100, Rate: 100}},
		Shards:  []load.ShardInfo{{Shard: load.Shard{Index: idx, Of: of}, Sent: sent, Received: sent, Generator: load.Generator{CPU: time.Second, Wall: 2 * time.Second, Cores: 2}}},
		Started: start.Add(time.Duration(idx) * 10 * time.Millisecond), Elapsed: 2 * time.Second,
		Customers: 10, Agents: 2, Sent: sent, Delivered: sent, Echoed: sent, Received: sent, Relayed: 2 * sent,
		RTT: rtt, Intervals: []load.Interval{{End: time.Second, Sent: sent / 2, RTT: iv}, {End: 2 * time.Second, Sent: sent - sent/2}},
		Thresholds: []load.ThresholdResult{{Threshold: mustThreshold(t, "round_trip_p99 < 1h"), Text: "judged on the merged shards"}},
	}
}

func mustThreshold(t *testing.T, s string) load.Threshold {
	t.Helper()
	th, err := load.ParseThreshold(s)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// A drill's definition is everything but the shard: it differs when a
// count, the seed or a threshold does, and not between shards.
func TestConfig_Definition(t *testing.T) {
	base := func() load.Config {
		return load.Config{Name: "d", URL: "ws://h:1", CustomerToken: "c", AgentToken: "a", Customers: 100, Agents: 40,
			Stages: load.Stages{{Duration: time.Second, From: 10, Rate: 10}}}
	}
	want := base()
	for _, tc := range []struct {
		name string
		edit func(*load.Config)
		same bool
	}{
		{"another shard", func(c *load.Config) { c.Shard = load.Shard{Index: 1, Of: 2} }, true},
		{"other tokens", func(c *load.Config) { c.CustomerToken, c.AgentToken = "c2", "a2" }, true},
		{"more customers", func(c *load.Config) { c.Customers = 200 }, false},
		{"another seed", func(c *load.Config) { c.Seed = 2 }, false},
		{"a threshold", func(c *load.Config) { c.Thresholds = []load.Threshold{mustThreshold(t, "sent > 1")} }, false},
		{"a longer drain", func(c *load.Config) { c.Drain = time.Minute }, false},
	} {
		c := base()
		tc.edit(&c)
		if got := c.Definition() == want.Definition(); got != tc.same {
			t.Errorf("%s: same definition %v; want %v", tc.name, got, tc.same)
		}
	}
}

// Merged shards add up, and their histogram is the histogram of all their
// samples, bucket by bucket.
func TestMerge(t *testing.T) {
	a, b, c := lognormal(1, 5000), lognormal(2, 3000), lognormal(3, 7000)
	m, err := load.Merge([]*load.Summary{part(t, 1, 3, b, 300), part(t, 0, 3, a, 500), part(t, 2, 3, c, 700)})
	if err != nil {
		t.Fatal(err)
	}
	if m.Sent != 1500 || m.Received != 1500 || m.Relayed != 3000 || m.Customers != 30 || m.Agents != 6 {
		t.Errorf("sent %d, received %d, relayed %d, customers %d, agents %d; want 1500, 1500, 3000, 30, 6", m.Sent, m.Received, m.Relayed, m.Customers, m.Agents)
	}
	got, err := m.RTT.Histogram()
	if err != nil {
		t.Fatal(err)
	}
	all := append(append(append([]time.Duration{}, a...), b...), c...)
	if want := histogramOf(all); !got.Equals(want) || m.RTT.N != int64(len(all)) {
		t.Errorf("merged histogram of %d values is not the histogram of the %d samples", m.RTT.N, len(all))
	}
	if len(m.Intervals) != 2 || m.Intervals[0].Sent != 750 || m.Intervals[0].RTT.N != int64(len(a)/2+len(b)/2+len(c)/2) {
		t.Errorf("intervals %+v; want two, the first with 750 sent and the halves' samples", m.Intervals)
	}
	if len(m.Shards) != 3 || m.Shards[0].Index != 0 || m.Shards[2].Index != 2 {
		t.Errorf("shards %+v; want 0, 1, 2 in order", m.Shards)
	}
	// The shards started 10 ms apart and each ran 2 s.
	if m.Elapsed != 2*time.Second+20*time.Millisecond || m.Generator.Cores != 6 || m.Generator.CPU != 3*time.Second {
		t.Errorf("elapsed %v, generator %+v; want 2.02s, 6 cores, 3 s CPU", m.Elapsed, m.Generator)
	}
	if len(m.Thresholds) != 1 || !m.Thresholds[0].Judged || !m.Thresholds[0].OK {
		t.Errorf("thresholds %+v; want the shards' one, judged on the merge", m.Thresholds)
	}
}

// The merge of a drill's shards is the same whatever order they are named
// in: where shards disagree on a figure they all carry (each computes the
// interval's intended rate from its own clock), the lowest shard's counts,
// as for the hub's side.
func TestMerge_OrderDoesNotMatter(t *testing.T) {
	a, b := lognormal(1, 2000), lognormal(2, 1000)
	shards := func() []*load.Summary {
		s0, s1 := part(t, 0, 2, a, 500), part(t, 1, 2, b, 300)
		s0.Intervals[0].Intended, s1.Intervals[0].Intended = 12.51, 12.5099
		s0.Aborted, s1.Aborted = "round_trip_p99 < 1ms failed", "errors_rate < 0.001 failed"
		return []*load.Summary{s0, s1}
	}
	encode := func(parts []*load.Summary) string {
		m, err := load.Merge(parts)
		if err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	in := shards()
	forward := encode(in)
	backward := encode([]*load.Summary{shards()[1], shards()[0]})
	if forward != backward {
		i := 0
		for i < min(len(forward), len(backward)) && forward[i] == backward[i] {
			i++
		}
		from := max(0, i-80)
		t.Errorf("merge of 0/2, 1/2 differs from merge of 1/2, 0/2 at byte %d:\n…%s\n…%s", i,
			forward[from:min(len(forward), i+40)], backward[from:min(len(backward), i+40)])
	}
	m, err := load.Merge([]*load.Summary{shards()[1], shards()[0]})
	if err != nil {
		t.Fatal(err)
	}
	if m.Intervals[0].Intended != 12.51 || !strings.HasPrefix(m.Aborted, "shard 0/2:") {
		t.Errorf("intended %v, aborted %q; want shard 0/2's: 12.51 and its abort", m.Intervals[0].Intended, m.Aborted)
	}
}

func TestMerge_Refuses(t *testing.T) {
	a := lognormal(1, 10)
	other := part(t, 1, 2, a, 10)
	other.Name = "another"
	redefined := part(t, 1, 2, a, 10)
	redefined.Definition = "sha256:b"
	defined := part(t, 0, 2, a, 10)
	defined.Definition = "sha256:a"
	// Shard 1/2 of yesterday's run of the same drill: the shards of one
	// execution pace together (within a poll), so their runs overlap.
	yesterday := part(t, 1, 2, a, 10)
	yesterday.Started = yesterday.Started.Add(-24 * time.Hour)
	for _, tc := range []struct {
		name  string
		parts []*load.Summary
		want  string
	}{
		{"a shard missing", []*load.Summary{part(t, 0, 3, a, 10), part(t, 2, 3, a, 10)}, "shard 1/3 missing"},
		{"a shard twice", []*load.Summary{part(t, 0, 2, a, 10), part(t, 0, 2, a, 10), part(t, 1, 2, a, 10)}, "given twice"},
		{"shards of another split", []*load.Summary{part(t, 0, 2, a, 10), part(t, 1, 3, a, 10)}, "among shards of 2"},
		{"another drill", []*load.Summary{part(t, 0, 2, a, 10), other}, "drills"},
		{"another definition", []*load.Summary{defined, redefined}, "the shards ran different drills: shard 0/2's definition sha256:a, shard 1/2's sha256:b"},
		{"a definition missing", []*load.Summary{defined, part(t, 1, 2, a, 10)}, "shard 1/2's (none)"},
		{"none", nil, "none"},
		{"another execution", []*load.Summary{part(t, 0, 2, a, 10), yesterday}, "shard 0/2 started pacing at 2026-11-11T00:00:00Z, 23h59m59.99s after shard 1/2"},
	} {
		if _, err := load.Merge(tc.parts); !errors.Is(err, load.ErrSummary) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v; want ErrSummary saying %q", tc.name, err, tc.want)
		}
	}
}

// Shards that started too far apart are refused whatever order they are
// named in: three shards of 2 s runs starting at 0, 10 and 20 s are of no
// one run (the first and last are 20 s apart, more than 2 s + 10 s), though
// each is within the margin of the middle one.
func TestMerge_StartSpreadWhateverTheOrder(t *testing.T) {
	a := lognormal(1, 10)
	shard := func(i int) *load.Summary {
		p := part(t, i, 3, a, 10)
		p.Started = p.Started.Add(time.Duration(i)*10*time.Second - time.Duration(i)*10*time.Millisecond)
		return p
	}
	for _, order := range [][]int{{0, 1, 2}, {1, 0, 2}, {1, 2, 0}, {2, 1, 0}} {
		var parts []*load.Summary
		for _, i := range order {
			parts = append(parts, shard(i))
		}
		if _, err := load.Merge(parts); !errors.Is(err, load.ErrSummary) || !strings.Contains(err.Error(), "shard 2/3 started pacing at 2026-11-11T00:00:20Z, 20s after shard 0/3") {
			t.Errorf("order %v: %v; want the 20 s spread refused", order, err)
		}
	}
}

// Idle shards merge their memory per connection: connections add up, the
// hub's growth is over all of them between the earliest and the latest
// scrape, the generators' own figures are weighted by their connections.
func TestMerge_IdleMemory(t *testing.T) {
	a := lognormal(1, 10)
	start := time.Date(2026, 11, 11, 0, 0, 0, 0, time.UTC)
	idle := func(i, conns int, selfRSS float64, setup, end float64) *load.Summary {
		p := part(t, i, 2, a, 0)
		p.Mode, p.Intervals, p.RTT, p.Stages = load.ModeIdle, nil, nil, nil
		p.HubSetup = &load.HubMetrics{At: start.Add(time.Duration(i) * time.Second), RSS: setup, HeapInuse: setup / 2}
		p.HubEnd = &load.HubMetrics{At: start.Add(time.Duration(10+i) * time.Second), RSS: end, HeapInuse: end / 2}
		p.Memory = &load.Memory{Connections: conns, SelfRSSPerConn: selfRSS, SelfRSSRead: true}
		p.Thresholds = nil
		for _, e := range []string{"hub_memory_per_connection < 80000", "hub_memory_per_connection < 70000", "generator_memory_per_connection == 35000"} {
			th, err := load.ParseThreshold(e)
			if err != nil {
				t.Fatal(err)
			}
			p.Thresholds = append(p.Thresholds, load.ThresholdResult{Threshold: th})
		}
		return p
	}
	// Shard 0 scraped the hub first (100 MB), shard 1 last (130 MB).
	m, err := load.Merge([]*load.Summary{idle(1, 300, 40_000, 110e6, 130e6), idle(0, 100, 20_000, 100e6, 120e6)})
	if err != nil {
		t.Fatal(err)
	}
	mem := m.Memory
	if mem == nil || mem.Connections != 400 || mem.HubRSSBefore != 100e6 || mem.HubRSSAfter != 130e6 ||
		mem.HubRSSPerConn != 30e6/400 || mem.HubHeapStackPerConn != 15e6/400 || mem.SelfRSSPerConn != (100*20_000+300*40_000)/400.0 {
		t.Errorf("merged memory %+v; want 400 connections, 100 → 130 MB (75,000 B each, heap 37,500), generator 35,000 B each", mem)
	}
	// The thresholds are judged on the merged figures.
	want := []bool{true, false, true}
	for i, r := range m.Thresholds {
		if !r.Judged || r.Measured == nil || r.OK != want[i] {
			t.Errorf("%s: judged %v, measured %v, ok %v; want ok %v (%s)", r.Expr, r.Judged, r.Measured, r.OK, want[i], r.Text)
		}
	}
	if len(m.Thresholds) != len(want) {
		t.Errorf("%d thresholds; want %d", len(m.Thresholds), len(want))
	}
}

// A summary written as JSON reads back as itself, strictly.
func TestDecodeSummary(t *testing.T) {
	s := part(t, 0, 1, lognormal(1, 100), 100)
	s.HubStart = &load.HubMetrics{At: s.Started, Relayed: 5, CPUSeconds: math.NaN(), RSS: math.NaN(), HeapInuse: math.NaN(), StackInuse: math.NaN(),
		Goroutines: math.NaN(), Customers: 1, Agents: math.NaN(), Latency: load.Histogram{Bounds: []float64{0.001, math.Inf(1)}, Counts: []uint64{3, 5}, Count: 5, Sum: 0.01}}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := load.DecodeSummary("s.json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := json.Marshal(back)
	if !bytes.Equal(b, b2) {
		t.Errorf("read back differently:\n%s\n%s", b, b2)
	}
	if !math.IsNaN(back.HubStart.CPUSeconds) || !math.IsInf(back.HubStart.Latency.Bounds[1], 1) {
		t.Errorf("hub start %+v; want the missing series NaN again and +Inf back", back.HubStart)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"format":"k6"}`, "format"},
		{`{"format":"` + load.SummaryFormat + `","shards":[{"index":0,"of":1}],"colour":1}`, "unknown field"},
		{`{"format":"` + load.SummaryFormat + `","shards":[]}`, "no shards"},
		{`{"format":"` + load.SummaryFormat + `","shards":[{"index":3,"of":2}]}`, "no shard"},
		{`{"format":"` + load.SummaryFormat + `","shards":[{"index":0,"of":1}],"rtt":{"hist":"xyz"}}`, "rtt"},
		{"{\n\"format\": \"" + load.SummaryFormat + "\",\n\"sent\": \"many\"}", "line 3"},
		{`not json`, "invalid character"},
	} {
		if _, err := load.DecodeSummary("s.json", strings.NewReader(tc.in)); !errors.Is(err, load.ErrSummary) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "s.json") {
			t.Errorf("%s: %v; want ErrSummary naming s.json and saying %q", tc.in, err, tc.want)
		}
	}
}

// A summary holds every documented key of its mode, zero or not
// (docs/drills.md, The summary).
func TestSummary_KeysAlwaysPresent(t *testing.T) {
	common := []string{"format", "name", "definition", "mode", "seed", "shards", "started", "interval_ns", "customers", "agents",
		"failed_connections", "assigned", "sent", "delivered", "echoed", "received", "send_errors", "hub_errors", "dropped",
		"relayed", "relayed_per_s", "generator", "kpis", "aborted"}
	synthetic := []string{"arrived", "finished", "abandoned", "disputes", "frames_sent", "frames_received"}
	for _, tc := range []struct {
		mode         string
		want, absent []string
	}{
		{load.ModeScenario, append(append([]string{}, common...), synthetic...), nil},
		{load.ModeRelay, common, synthetic},
	} {
		s := &load.Summary{Format: load.SummaryFormat, Mode: tc.mode, Shards: []load.ShardInfo{{Shard: load.Shard{Index: 0, Of: 1}}}}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(b, &keys); err != nil {
			t.Fatal(err)
		}
		for _, k := range tc.want {
			if _, ok := keys[k]; !ok {
				t.Errorf("%s summary: no key %q in %s", tc.mode, k, b)
			}
		}
		for _, k := range tc.absent {
			if _, ok := keys[k]; ok {
				t.Errorf("%s summary: key %q, which only synthetic customers have", tc.mode, k)
			}
		}
		if string(keys["kpis"]) != "null" {
			t.Errorf("%s summary: kpis %s; want null when not read", tc.mode, keys["kpis"])
		}
		back, err := load.DecodeSummary("s.json", bytes.NewReader(b))
		if err != nil || back.KPIs != nil {
			t.Errorf("%s summary read back: kpis %v, %v; want it read, without KPIs", tc.mode, back, err)
		}
	}
}

func FuzzDecodeSummary(f *testing.F) {
	h := load.NewHistogram()
	h.RecordValue(1e6)
	enc, _ := load.EncodeHistogram(h)
	f.Add(`{"format":"` + load.SummaryFormat + `","shards":[{"index":0,"of":1}],"rtt":{"n":1,"hist":"` + enc + `"}}`)
	f.Add(`{"format":"` + load.SummaryFormat + `","shards":[{"index":0,"of":2}],"intervals":[{"end_ns":1}],"thresholds":[{"expr":"sent>1","metric":"sent","op":">","value":1}]}`)
	f.Add(`{"format":"` + load.SummaryFormat + `","hub_start":{"relay_latency":{"bounds":[1],"counts":[1,2]}}}`)
	f.Add(`{"format":"` + load.SummaryFormat + `","mode":"scenario","shards":[{"index":0,"of":1}],"arrived":0,"finished":0,"abandoned":0,"disputes":0,"kpis":null,"aborted":"","definition":"sha256:0"}`)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := load.DecodeSummary("f.json", strings.NewReader(in))
		if err != nil {
			return
		}
		// What reads merges with itself as the whole and judges.
		if m, err := load.Merge([]*load.Summary{s}); err == nil {
			m.FailedThresholds()
		}
	})
}

package load

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/deskdrill/deskdrill/sim"
)

// Threshold is a condition a run must meet, written METRIC OP VALUE
// (docs/drills.md#thresholds): "round_trip_p99 < 50ms", "errors_rate <
// 0.001", "dropped == 0", "kpi.satisfaction >= 0.9".
type Threshold struct {
	// Expr is the condition as written.
	Expr   string `json:"expr"`
	Metric string `json:"metric"`
	Op     string `json:"op"`
	// Value is the limit in the metric's unit: seconds for durations,
	// bytes, CNY for the refund, a plain number otherwise.
	Value float64 `json:"value"`
	// AbortOnFail stops the run as soon as the condition fails on what
	// was measured so far (checked at the end of every interval, once
	// AbortAfter of the run has passed).
	AbortOnFail bool          `json:"abort_on_fail,omitempty"`
	AbortAfter  time.Duration `json:"abort_after_ns,omitempty"`
}

// The operators, longest first so that "<=" is not read as "<".
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// metricKind is the unit of a metric's values.
type metricKind int

const (
	kindNumber   metricKind = iota
	kindDuration            // seconds; limits written as Go durations
	kindBytes               // bytes; limits with B, KiB, MiB, GiB
	kindShare               // a fraction; limits as 0.001 or 0.1%
	kindMoney               // CNY
)

// latencyFamily is a latency distribution thresholds may name with a
// statistic: FAMILY_p99, FAMILY_max, ...
type latencyFamily struct {
	modes []string // the modes that measure it
	doc   string
}

var latencyFamilies = map[string]latencyFamily{
	"round_trip":     {[]string{ModeRelay}, "a customer message's round trip, from its intended send time"},
	"lateness":       {[]string{ModeRelay}, "how late the generator sent, after the intended time"},
	"outbound":       {[]string{ModeRelay}, "from the send to the agent's receipt"},
	"return":         {[]string{ModeRelay}, "from the agent's receipt to the customer's"},
	"first_response": {[]string{ModeScenario}, "a synthetic customer's wait for the agent's first reply"},
	"relay":          {[]string{ModeRelay, ModeScenario}, "the hub's relay latency (frame read to frame written), from its /metrics histogram"},
}

// numberMetric is a metric with one value.
type numberMetric struct {
	kind  metricKind
	modes []string
	doc   string
	get   func(*Summary) (float64, bool)
}

var (
	both = []string{ModeRelay, ModeScenario}
	// all: the metrics an idle run (connections held, nothing sent)
	// measures too.
	all = []string{ModeRelay, ModeScenario, ModeIdle}
)

var numberMetrics = map[string]numberMetric{
	"sent":               {kindNumber, both, "customer messages sent (scenario mode: customer frames)", func(s *Summary) (float64, bool) { return pick(s, float64(s.Sent), float64(s.FramesSent)), true }},
	"received":           {kindNumber, both, "messages received back (scenario mode: frames the customers received)", func(s *Summary) (float64, bool) { return pick(s, float64(s.Received), float64(s.FramesReceived)), true }},
	"delivered":          {kindNumber, []string{ModeRelay}, "customer messages the echo agents received", func(s *Summary) (float64, bool) { return float64(s.Delivered), true }},
	"echoed":             {kindNumber, []string{ModeRelay}, "messages the echo agents sent back", func(s *Summary) (float64, bool) { return float64(s.Echoed), true }},
	"relayed":            {kindNumber, []string{ModeRelay}, "relayed messages counted by the generator (delivered + received)", func(s *Summary) (float64, bool) { return float64(s.Relayed), true }},
	"relayed_per_s":      {kindNumber, []string{ModeRelay}, "relayed over the time from the first send to the last reply", func(s *Summary) (float64, bool) { return s.RelayedPerSecond, s.Elapsed > 0 }},
	"dropped":            {kindNumber, both, "messages sent that never came back (scenario mode: customers who could not finish)", func(s *Summary) (float64, bool) { return float64(s.Dropped), true }},
	"send_errors":        {kindNumber, []string{ModeRelay}, "messages that could not be sent", func(s *Summary) (float64, bool) { return float64(s.SendErrors), true }},
	"hub_errors":         {kindNumber, both, "error frames from the hub (refusals, such as unavailable)", func(s *Summary) (float64, bool) { return float64(s.HubErrors), true }},
	"errors":             {kindNumber, both, "send_errors + hub_errors + failed_connections", func(s *Summary) (float64, bool) { return float64(s.SendErrors + s.HubErrors + uint64(s.Failed)), true }},
	"errors_rate":        {kindShare, both, "(send_errors + hub_errors) ÷ messages attempted (scenario mode: hub_errors ÷ frames sent)", errorsRate},
	"failed_connections": {kindNumber, all, "connections that could not be opened", func(s *Summary) (float64, bool) { return float64(s.Failed), true }},
	"customers":          {kindNumber, all, "customer connections open once set up (scenario mode: customers that arrived)", func(s *Summary) (float64, bool) { return float64(s.Customers), true }},
	"agents":             {kindNumber, all, "the generator's agent connections", func(s *Summary) (float64, bool) { return float64(s.Agents), true }},
	"assigned":           {kindNumber, []string{ModeRelay}, "customers an agent took before pacing began (those messages are paced over)", func(s *Summary) (float64, bool) { return float64(s.Assigned), true }},
	"arrived":            {kindNumber, []string{ModeScenario}, "synthetic customers that arrived", func(s *Summary) (float64, bool) { return float64(s.Arrived), true }},
	"finished":           {kindNumber, []string{ModeScenario}, "synthetic customers that finished (abandoned included)", func(s *Summary) (float64, bool) { return float64(s.Finished), true }},
	"abandoned":          {kindNumber, []string{ModeScenario}, "synthetic customers that left waiting", func(s *Summary) (float64, bool) { return float64(s.Abandoned), true }},
	"disputes":           {kindNumber, []string{ModeScenario}, "synthetic customers that raised a platform dispute", func(s *Summary) (float64, bool) { return float64(s.Disputes), true }},
	"hub_relayed_per_s": {kindNumber, both, "messages the hub relayed per second over the pacing window (/metrics)", func(s *Summary) (float64, bool) {
		return hubValue(s, func(h *HubReport) float64 { return h.PerSecond })
	}},
	"hub_cpu_per_message": {kindDuration, both, "the hub's CPU time per relayed message over the pacing window", func(s *Summary) (float64, bool) {
		return hubValue(s, func(h *HubReport) float64 { return h.CPUPerRelayed.Seconds() })
	}},
	"hub_memory_per_connection": {kindBytes, all, "growth of the hub's resident memory per connection the drill opened", hubMemoryPerConn},
	"generator_memory_per_connection": {kindBytes, []string{ModeIdle}, "growth of the generator's own resident memory per connection it opened (idle runs)", func(s *Summary) (float64, bool) {
		if s.Memory == nil || s.Memory.Connections == 0 || !s.Memory.SelfRSSRead {
			return 0, false
		}
		return max(s.Memory.SelfRSSPerConn, 0), true
	}},
	"generator_busy": {kindShare, both, "the generator's CPU ÷ (wall time × its cores) over the pacing window", func(s *Summary) (float64, bool) { return s.Generator.Busy, s.Generator.Wall > 0 }},
	"refund":         {kindMoney, both, "the refund the hub's run owes so far under its contract, CNY (needs a viewer token)", func(s *Summary) (float64, bool) { return kpiValue(s, "") }},
}

// pick returns relay in relay mode, scenario in scenario mode.
func pick(s *Summary, relay, scenario float64) float64 {
	if s.Mode == ModeScenario {
		return scenario
	}
	return relay
}

func errorsRate(s *Summary) (float64, bool) {
	if s.Mode == ModeScenario {
		if s.FramesSent == 0 {
			return 0, true
		}
		return float64(s.HubErrors) / float64(s.FramesSent), true
	}
	tried := s.Sent + s.SendErrors
	if tried == 0 {
		return 0, true
	}
	return float64(s.SendErrors+s.HubErrors) / float64(tried), true
}

func hubValue(s *Summary, f func(*HubReport) float64) (float64, bool) {
	if s.Hub == nil {
		return 0, false
	}
	v := f(s.Hub)
	return v, !math.IsNaN(v)
}

func hubMemoryPerConn(s *Summary) (float64, bool) {
	// Resident memory can shrink meanwhile (the runtime returning what an
	// earlier drill left): the growth is then 0, not a negative size.
	if s.Mode == ModeIdle {
		// The figure of the summary's memory (and its report): the
		// connections held, from the scrape before them to the one at
		// the end of the hold.
		m := s.Memory
		if m == nil || m.Connections == 0 || s.HubSetup == nil || s.HubEnd == nil || math.IsNaN(s.HubSetup.RSS) || math.IsNaN(s.HubEnd.RSS) {
			return 0, false
		}
		return max(m.HubRSSPerConn, 0), true
	}
	if s.HubSetup == nil || s.HubStart == nil {
		return 0, false
	}
	n := s.Customers + s.Agents
	v := max((s.HubStart.RSS-s.HubSetup.RSS)/float64(n), 0)
	return v, n > 0 && !math.IsNaN(v)
}

// kpiValue returns KPI id of the hub's run, or the refund for "".
func kpiValue(s *Summary, id string) (float64, bool) {
	if s.KPIs == nil {
		return 0, false
	}
	if id == "" {
		return s.KPIs.Refund, true
	}
	v, ok := s.KPIs.Values[id]
	return v, ok
}

// metricRef is a parsed metric name.
type metricRef struct {
	kind   metricKind
	modes  []string
	family string  // a latency family, or ""
	stat   string  // p, min, max, mean
	pct    float64 // the percentile of stat p
	kpi    string  // a KPI id for kpi.ID
	number numberMetric
}

// lookupMetric parses a metric name.
func lookupMetric(name string) (metricRef, error) {
	if id, ok := strings.CutPrefix(name, "kpi."); ok {
		k, found := sim.LookupKPI(id)
		if !found {
			return metricRef{}, fmt.Errorf("unknown KPI %q (deskdrill kpis list shows the ids)", id)
		}
		// The KPI's unit says what its value takes: seconds a duration,
		// a fraction a share (0.9 or 90%), a count a number.
		kind := kindNumber
		switch k.Unit {
		case sim.UnitSeconds:
			kind = kindDuration
		case sim.UnitFraction:
			kind = kindShare
		}
		return metricRef{kind: kind, modes: both, kpi: id}, nil
	}
	if m, ok := numberMetrics[name]; ok {
		return metricRef{kind: m.kind, modes: m.modes, number: m}, nil
	}
	i := strings.LastIndexByte(name, '_')
	if i > 0 {
		fam, stat := name[:i], name[i+1:]
		if f, ok := latencyFamilies[fam]; ok {
			ref := metricRef{kind: kindDuration, modes: f.modes, family: fam}
			switch {
			case stat == "min" || stat == "max" || stat == "mean":
				if fam == "relay" && stat != "mean" {
					return metricRef{}, fmt.Errorf("%s: the hub's histogram has buckets, not its extremes: use a percentile such as relay_p99, or relay_mean", name)
				}
				ref.stat = stat
				return ref, nil
			case strings.HasPrefix(stat, "p"):
				p, err := parsePercentile(stat[1:])
				if err != nil {
					return metricRef{}, fmt.Errorf("%s: %w", name, err)
				}
				ref.stat, ref.pct = "p", p
				return ref, nil
			}
			return metricRef{}, fmt.Errorf("%s: want %s_ followed by p50, p90, p95, p99, p999, min, max or mean", name, fam)
		}
	}
	return metricRef{}, fmt.Errorf("unknown metric %q (%s)", name, metricNames())
}

// parsePercentile reads the digits after _p: two digits or fewer are a
// percent (p50, p99); more are 99 and its decimals (p999 is 99.9, p9999
// 99.99, p995 99.5).
func parsePercentile(d string) (float64, error) {
	const want = "want a percentile such as p50, p90, p99, p999 or p9999"
	if d == "" || strings.TrimLeft(d, "0123456789") != "" {
		return 0, errors.New(want)
	}
	if len(d) > 2 {
		if !strings.HasPrefix(d, "99") || len(d) > 8 {
			return 0, errors.New(want + " (three digits or more start 99: p999 is 99.9)")
		}
		d = d[:2] + "." + d[2:]
	}
	p, err := strconv.ParseFloat(d, 64)
	if err != nil || p <= 0 || p >= 100 {
		return 0, errors.New(want)
	}
	return p, nil
}

// metricNames lists the metric names, for errors.
func metricNames() string {
	var names []string
	for f := range latencyFamilies {
		names = append(names, f+"_pNN")
	}
	for n := range numberMetrics {
		names = append(names, n)
	}
	sort.Strings(names)
	return "known: " + strings.Join(names, ", ") + ", kpi.ID"
}

// ParseThreshold reads METRIC OP VALUE. The metric must be known, and the
// value of its kind: a Go duration (ns, us, µs, ms, s, m, h) for a
// latency, a size (B, KiB, MiB, GiB) for memory, a number (or a percent,
// 0.1%) for a share, a number otherwise.
func ParseThreshold(s string) (Threshold, error) {
	expr := strings.TrimSpace(s)
	i := strings.IndexAny(expr, "<>=!")
	if i < 0 {
		return Threshold{}, fmt.Errorf("threshold %q: no operator; want METRIC OP VALUE with OP one of <, <=, >, >=, ==, != such as round_trip_p99 < 50ms", s)
	}
	op := ""
	for _, o := range thresholdOps {
		if strings.HasPrefix(expr[i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return Threshold{}, fmt.Errorf("threshold %q: %q is no operator; want one of <, <=, >, >=, ==, !=", s, expr[i:min(i+2, len(expr))])
	}
	name := strings.TrimSpace(expr[:i])
	val := strings.TrimSpace(expr[i+len(op):])
	if name == "" || val == "" {
		return Threshold{}, fmt.Errorf("threshold %q: want METRIC OP VALUE such as round_trip_p99 < 50ms", s)
	}
	ref, err := lookupMetric(name)
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: %w", s, err)
	}
	v, err := parseLimit(ref.kind, val)
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: %s: %w", s, name, err)
	}
	return Threshold{Expr: expr, Metric: name, Op: op, Value: v}, nil
}

// parseLimit reads a threshold's value of kind k.
func parseLimit(k metricKind, s string) (float64, error) {
	switch k {
	case kindDuration:
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("%q: want a duration such as 50ms, 500us, 1.5s (units ns, us, µs, ms, s, m, h)", s)
		}
		return d.Seconds(), nil
	case kindBytes:
		return parseBytes(s)
	case kindShare:
		if p, ok := strings.CutSuffix(s, "%"); ok {
			v, err := finite(strings.TrimSpace(p))
			if err != nil {
				return 0, fmt.Errorf("%q: want a share such as 0.001 or 0.1%%", s)
			}
			return v / 100, nil
		}
	}
	v, err := finite(s)
	if err != nil {
		return 0, fmt.Errorf("%q: want a number such as 0.001 or 1000", s)
	}
	return v, nil
}

func finite(s string) (float64, error) {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, errors.New("not a number")
	}
	return v, nil
}

func parseBytes(s string) (float64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	num, mult := s, 1.0
	for _, u := range units {
		if n, ok := strings.CutSuffix(s, u.suffix); ok {
			num, mult = strings.TrimSpace(n), u.mult
			break
		}
	}
	v, err := finite(num)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("%q: want a size such as 20KiB, 1.5MiB or 4096 (units B, KiB, MiB, GiB; kB, MB, GB are powers of 1000)", s)
	}
	return v * mult, nil
}

// Fits reports whether the run's mode measures t's metric.
func (t Threshold) Fits(mode string) error {
	ref, err := lookupMetric(t.Metric)
	if err != nil {
		return err
	}
	for _, m := range ref.modes {
		if m == mode {
			return nil
		}
	}
	if mode == ModeIdle {
		return fmt.Errorf("threshold %q: an idle run measures only %s", t.Expr, strings.Join(idleMetrics(), ", "))
	}
	what := "echo customers (relay)"
	switch {
	case len(ref.modes) == 1 && ref.modes[0] == ModeIdle:
		what = "an idle run (--idle)"
	case ref.modes[0] == ModeScenario:
		what = "synthetic customers of a scenario"
	}
	return fmt.Errorf("threshold %q: %s is measured only with %s", t.Expr, t.Metric, what)
}

// idleMetrics names the metrics an idle run measures, sorted.
func idleMetrics() []string {
	var out []string
	for name, m := range numberMetrics {
		if slices.Contains(m.modes, ModeIdle) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}

// ThresholdResult is a threshold's verdict: the value measured, in the
// metric's unit (nil when it was not measured, which fails), and whether
// the condition holds.
type ThresholdResult struct {
	Threshold
	Measured *float64 `json:"measured"`
	// Text reads "round_trip_p99 = 63.21ms, want < 50ms: failed".
	Text string `json:"text"`
	OK   bool   `json:"ok"`
	// Judged is false for a shard's thresholds, which the merge judges.
	Judged bool `json:"judged"`
}

// unjudged returns ts as results not judged yet.
func unjudged(ts []Threshold) []ThresholdResult {
	out := make([]ThresholdResult, len(ts))
	for i, t := range ts {
		out[i] = ThresholdResult{Threshold: t, Text: t.Expr + ": judged on the merged shards"}
	}
	return out
}

// Judge judges ts on s and stores the verdicts in s.Thresholds. The
// threshold that aborted the run (AbortedBy) fails whatever its value at
// the end: the run it judged was cut short.
func (s *Summary) Judge(ts []Threshold) {
	s.Thresholds = make([]ThresholdResult, len(ts))
	for i, t := range ts {
		s.Thresholds[i] = s.judge(t)
		if s.AbortedBy != "" && t.Expr == s.AbortedBy {
			r := &s.Thresholds[i]
			r.OK = false
			r.Text = "aborted the run: " + s.Aborted
		}
	}
}

// FailedThresholds returns the thresholds judged and failed.
func (s *Summary) FailedThresholds() []ThresholdResult {
	var out []ThresholdResult
	for _, r := range s.Thresholds {
		if r.Judged && !r.OK {
			out = append(out, r)
		}
	}
	return out
}

func (s *Summary) judge(t Threshold) ThresholdResult {
	res := ThresholdResult{Threshold: t, Judged: true}
	ref, err := lookupMetric(t.Metric)
	if err != nil {
		res.Text = fmt.Sprintf("%s: %v", t.Expr, err)
		return res
	}
	v, ok := s.value(ref)
	if !ok {
		res.Text = fmt.Sprintf("%s not measured%s, want %s %s: failed", t.Metric, s.notMeasuredWhy(ref), t.Op, formatValue(ref.kind, t.Value))
		return res
	}
	res.Measured = &v
	res.OK = compare(v, t.Op, t.Value)
	verdict := "ok"
	if !res.OK {
		verdict = "failed"
	}
	res.Text = fmt.Sprintf("%s = %s, want %s %s: %s", t.Metric, formatValue(ref.kind, v), t.Op, formatValue(ref.kind, t.Value), verdict)
	return res
}

// notMeasuredWhy says why a metric of the hub's has no value in s, from
// what s holds: whether the hub was read at all, or read and had nothing.
func (s *Summary) notMeasuredWhy(ref metricRef) string {
	switch {
	case ref.kpi != "" || ref.number.kind == kindMoney:
		if s.KPIs == nil {
			return " (the hub's KPIs were not read: that takes a viewer token, and the hub's /api/live answering)"
		}
		return fmt.Sprintf(" (the hub's review of %d conversations did not observe it)", s.KPIs.Conversations)
	case ref.family == "relay" || strings.HasPrefix(ref.number.doc, "the hub's") || strings.Contains(ref.number.doc, "/metrics"):
		if s.HubStart == nil || s.HubEnd == nil {
			return " (the hub's /metrics was not read: metrics is -, or it did not answer)"
		}
		return " (the hub's /metrics had no samples of it in the run's window)"
	}
	return ""
}

func compare(v float64, op string, limit float64) bool {
	switch op {
	case "<":
		return v < limit
	case "<=":
		return v <= limit
	case ">":
		return v > limit
	case ">=":
		return v >= limit
	case "==":
		return v == limit
	case "!=":
		return v != limit
	}
	return false
}

// formatValue writes v of kind k for people: durations as Go writes them
// (to four significant digits), sizes in KiB or MiB.
func formatValue(k metricKind, v float64) string {
	switch k {
	case kindDuration:
		// Four significant digits: the histograms hold three, and a
		// fourth keeps a value just over a limit from reading as equal.
		ns := math.Round(v * float64(time.Second))
		if ns >= 1e4 {
			mag := math.Pow(10, math.Floor(math.Log10(ns))-3)
			ns = math.Round(ns/mag) * mag
		}
		return time.Duration(ns).String()
	case kindBytes:
		switch {
		case v >= 1<<20:
			return strconv.FormatFloat(v/(1<<20), 'f', 2, 64) + "MiB"
		case v >= 1<<10:
			return strconv.FormatFloat(v/(1<<10), 'f', 2, 64) + "KiB"
		}
		return strconv.FormatFloat(v, 'f', 0, 64) + "B"
	case kindMoney:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// value returns the metric's value in s.
func (s *Summary) value(ref metricRef) (float64, bool) {
	switch {
	case ref.kpi != "":
		return kpiValue(s, ref.kpi)
	case ref.family == "relay":
		return s.relayLatency(ref)
	case ref.family != "":
		h, ok := s.histogram(ref.family)
		if !ok || h.TotalCount() == 0 {
			return 0, false
		}
		var ns float64
		switch ref.stat {
		case "min":
			ns = float64(h.Min())
		case "max":
			ns = float64(h.Max())
		case "mean":
			ns = h.Mean()
		default:
			ns = float64(h.ValueAtPercentile(ref.pct))
		}
		return ns / float64(time.Second), true
	}
	return ref.number.get(s)
}

// relayLatency reads the hub's relay latency over the pacing window from
// the difference of its histogram at the start and the end, interpolated
// within the bucket as Prometheus's histogram_quantile does.
func (s *Summary) relayLatency(ref metricRef) (float64, bool) {
	if s.HubStart == nil || s.HubEnd == nil || len(s.HubEnd.Latency.Counts) == 0 {
		return 0, false
	}
	lat := s.HubEnd.Latency.Sub(s.HubStart.Latency)
	if lat.Count == 0 {
		return 0, false
	}
	if ref.stat == "mean" {
		return lat.Sum / float64(lat.Count), true
	}
	v := lat.Quantile(ref.pct / 100)
	return v, !math.IsNaN(v)
}

// histogram returns the named latency family's whole histogram.
func (s *Summary) histogram(family string) (*hdr.Histogram, bool) {
	if h, ok := s.live[family]; ok {
		return h, h != nil
	}
	var l *Latency
	switch family {
	case "round_trip":
		l = s.RTT
	case "lateness":
		l = s.Lateness
	case "outbound":
		l = s.Outbound
	case "return":
		l = s.Return
	case "first_response":
		l = s.FirstResponse
	}
	if l == nil {
		return nil, false
	}
	h, err := l.Histogram()
	if err != nil {
		return nil, false
	}
	if s.live == nil {
		s.live = map[string]*hdr.Histogram{}
	}
	s.live[family] = h
	return h, true
}

// ThresholdError is a run whose thresholds did not all hold: the CLI's
// exit status 99.
type ThresholdError struct {
	Failed []ThresholdResult
}

func (e *ThresholdError) Error() string {
	parts := make([]string, len(e.Failed))
	for i, r := range e.Failed {
		parts[i] = r.Text
	}
	return fmt.Sprintf("%d of the thresholds failed: %s", len(e.Failed), strings.Join(parts, "; "))
}

// MetricInfo describes a metric thresholds may name: Name (a latency
// family is written FAMILY_pNN, FAMILY_min, FAMILY_max or FAMILY_mean),
// its Unit (duration, number, share, bytes, CNY), the modes that measure
// it and what it is.
type MetricInfo struct {
	Name    string
	Latency bool
	Unit    string
	Modes   []string
	Doc     string
}

// Metrics lists the metrics thresholds may name, sorted (the KPIs of the
// hub's run, kpi.ID, come from the KPI catalogue).
func Metrics() []MetricInfo {
	units := map[metricKind]string{kindNumber: "number", kindDuration: "duration", kindBytes: "bytes", kindShare: "share", kindMoney: "CNY"}
	var out []MetricInfo
	for name, f := range latencyFamilies {
		out = append(out, MetricInfo{Name: name, Latency: true, Unit: "duration", Modes: f.modes, Doc: f.doc})
	}
	for name, m := range numberMetrics {
		out = append(out, MetricInfo{Name: name, Unit: units[m.kind], Modes: m.modes, Doc: m.doc})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

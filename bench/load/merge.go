package load

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// ErrSummary: a summary file that cannot be read or merged.
var ErrSummary = errors.New("bad summary")

// maxSummary bounds a summary file: a day of one-second intervals is
// about 100 MB.
const maxSummary = 512 << 20

// DecodeSummary reads a summary as Summary's JSON, strictly: an unknown
// field, another format or a histogram that is not of the run's geometry
// is an error (matching ErrSummary) that names file.
func DecodeSummary(file string, r io.Reader) (*Summary, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxSummary+1))
	if err != nil {
		return nil, fmt.Errorf("read summary %s: %w", file, err)
	}
	if len(data) > maxSummary {
		return nil, fmt.Errorf("read summary %s: %w: over %d MiB", file, ErrSummary, maxSummary>>20)
	}
	var probe struct {
		Format string `json:"format"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("read summary %s: %w: %w", file, ErrSummary, jsonError(data, err))
	}
	if probe.Format != SummaryFormat {
		return nil, fmt.Errorf("read summary %s: %w: format %q; want %q (a summary of deskdrill load or drill --summary)", file, ErrSummary, probe.Format, SummaryFormat)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	s := new(Summary)
	if err := dec.Decode(s); err != nil {
		return nil, fmt.Errorf("read summary %s: %w: %w", file, ErrSummary, jsonError(data, err))
	}
	if err := s.check(); err != nil {
		return nil, fmt.Errorf("read summary %s: %w: %w", file, ErrSummary, err)
	}
	return s, nil
}

// jsonError adds the line of a JSON syntax or type error.
func jsonError(data []byte, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	off := int64(-1)
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Errorf("line %d: %w", line, err)
}

// check verifies what decoding cannot: every histogram reads, the shards
// are whole.
func (s *Summary) check() error {
	if len(s.Shards) == 0 {
		return errors.New("no shards")
	}
	for i, sh := range s.Shards {
		if sh.Of < 1 || sh.Index < 0 || sh.Index >= sh.Of || sh.Of > maxShards {
			return fmt.Errorf("shards[%d]: %d/%d is no shard", i, sh.Index, sh.Of)
		}
	}
	for name, l := range s.latencies() {
		if l == nil {
			continue
		}
		if _, err := l.Histogram(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for i, iv := range s.Intervals {
		for name, l := range map[string]*Latency{"rtt": iv.RTT, "lateness": iv.Lateness, "first_response": iv.FirstResponse} {
			if l == nil {
				continue
			}
			if _, err := l.Histogram(); err != nil {
				return fmt.Errorf("intervals[%d].%s: %w", i, name, err)
			}
		}
	}
	for _, t := range s.Thresholds {
		if _, err := lookupMetric(t.Metric); err != nil {
			return fmt.Errorf("threshold %q: %w", t.Expr, err)
		}
	}
	return nil
}

func (s *Summary) latencies() map[string]*Latency {
	return map[string]*Latency{"rtt": s.RTT, "lateness": s.Lateness, "outbound": s.Outbound, "return": s.Return, "first_response": s.FirstResponse}
}

// shardStartSlack is how far apart beyond the runs' length the shards
// of one execution may start pacing: far more than the poll they agree
// within, far less than a rerun.
const shardStartSlack = 10 * time.Second

// Merge merges the summaries of the shards of one drill into the
// summary of the whole: counts add up, histograms merge bucket by bucket
// (exactly: the same geometry), intervals merge by their number, the
// hub's metrics span from the earliest shard's start to the latest's end,
// and the thresholds are judged again on the result. Every shard of the
// drill must be there once, of one run, and nothing else.
func Merge(parts []*Summary) (*Summary, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("merge summaries: %w: none", ErrSummary)
	}
	first := parts[0]
	of := first.Shards[0].of()
	seen := make([]bool, of)
	for _, p := range parts {
		switch {
		case p.Mode != first.Mode:
			return nil, fmt.Errorf("merge summaries: %w: a %s run and a %s run", ErrSummary, first.Mode, p.Mode)
		case p.Name != first.Name:
			return nil, fmt.Errorf("merge summaries: %w: drills %q and %q", ErrSummary, first.Name, p.Name)
		case p.Interval != first.Interval || !slices.Equal(p.Stages, first.Stages) || p.Seed != first.Seed:
			return nil, fmt.Errorf("merge summaries: %w: the shards ran different drills (stages, interval or seed differ)", ErrSummary)
		case p.Definition != first.Definition:
			return nil, fmt.Errorf("merge summaries: %w: the shards ran different drills: shard %v's definition %s, shard %v's %s "+
				"(the drill files, or their flags, differ: customers, agents, thresholds, the scenario …)", ErrSummary,
				first.Shards[0].Shard, orNone(first.Definition), p.Shards[0].Shard, orNone(p.Definition))
		}
		for _, sh := range p.Shards {
			if sh.of() != of {
				return nil, fmt.Errorf("merge summaries: %w: shard %v among shards of %d", ErrSummary, sh.Shard, of)
			}
			if seen[sh.Index] {
				return nil, fmt.Errorf("merge summaries: %w: shard %v is given twice", ErrSummary, sh.Shard)
			}
			seen[sh.Index] = true
		}
	}
	// The shards of one execution start pacing together (drills.md:
	// within a poll of each other); shards of two runs of the same drill
	// would merge into figures of no run, their hub scrapes from
	// different windows. The margin is the longer run and shardStartSlack
	// (a shard the hub seated none of paces nothing).
	// The earliest and the latest start, whatever order the shards are
	// named in: every pair lies between them.
	early, late := first, first
	longest := time.Duration(0)
	for _, p := range parts {
		if p.Started.Before(early.Started) {
			early = p
		}
		if p.Started.After(late.Started) {
			late = p
		}
		longest = max(longest, p.Elapsed.Abs())
	}
	if apart := late.Started.Sub(early.Started); apart > longest+shardStartSlack {
		return nil, fmt.Errorf("merge summaries: %w: shard %v started pacing at %s, %v after shard %v (%s): "+
			"the shards of one drill run at the same time; these are of different runs", ErrSummary,
			late.Shards[0].Shard, late.Started.Format(time.RFC3339Nano), apart.Round(time.Millisecond), early.Shards[0].Shard, early.Started.Format(time.RFC3339Nano))
	}
	var missing []string
	for i, ok := range seen {
		if !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, of))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("merge summaries: %w: shard %s missing", ErrSummary, strings.Join(missing, ", "))
	}

	// In shard order, whatever the order named: where shards each carry a
	// figure of the whole (an interval's intended rate, from each one's
	// clock) or only one can be kept (the abort), the lowest shard's is.
	parts = slices.Clone(parts)
	slices.SortFunc(parts, func(a, b *Summary) int { return a.Shards[0].Index - b.Shards[0].Index })
	first = parts[0]
	m := &Summary{Format: SummaryFormat, Name: first.Name, Definition: first.Definition, Mode: first.Mode, Seed: first.Seed, Interval: first.Interval,
		Stages: first.Stages, Rate: first.Rate, Duration: first.Duration}
	var end time.Time
	for _, p := range parts {
		m.Shards = append(m.Shards, p.Shards...)
		if m.Started.IsZero() || p.Started.Before(m.Started) {
			m.Started = p.Started
		}
		if e := p.Started.Add(p.Elapsed); e.After(end) {
			end = e
		}
		m.Customers += p.Customers
		m.Agents += p.Agents
		m.Failed += p.Failed
		m.Assigned += p.Assigned
		m.Setup = max(m.Setup, p.Setup)
		m.Sent += p.Sent
		m.Delivered += p.Delivered
		m.Echoed += p.Echoed
		m.Received += p.Received
		m.SendErrors += p.SendErrors
		m.HubErrors += p.HubErrors
		m.Dropped += p.Dropped
		m.Relayed += p.Relayed
		m.Arrived += p.Arrived
		m.Finished += p.Finished
		m.Abandoned += p.Abandoned
		m.Disputes += p.Disputes
		m.FramesSent += p.FramesSent
		m.FramesReceived += p.FramesReceived
		m.HubSetup = earliest(m.HubSetup, p.HubSetup)
		m.HubStart = earliest(m.HubStart, p.HubStart)
		m.HubEnd = latest(m.HubEnd, p.HubEnd)
		if p.KPIs != nil && (m.KPIs == nil || p.KPIs.At.After(m.KPIs.At)) {
			m.KPIs = p.KPIs
		}
		if m.Aborted == "" && p.Aborted != "" {
			m.Aborted, m.AbortedBy = fmt.Sprintf("shard %v: %s", p.Shards[0].Shard, p.Aborted), p.AbortedBy
		}
	}
	// A part may be a merge of shards itself: its shards are in order, but
	// may interleave with another part's.
	slices.SortFunc(m.Shards, func(a, b ShardInfo) int { return a.Index - b.Index })
	if !m.Started.IsZero() {
		m.Elapsed = end.Sub(m.Started)
	}
	if m.Elapsed > 0 {
		m.RelayedPerSecond = float64(m.Relayed) / m.Elapsed.Seconds()
	}
	var err error
	for _, x := range []struct {
		dst *(*Latency)
		get func(*Summary) *Latency
	}{
		{&m.RTT, func(s *Summary) *Latency { return s.RTT }},
		{&m.Lateness, func(s *Summary) *Latency { return s.Lateness }},
		{&m.Outbound, func(s *Summary) *Latency { return s.Outbound }},
		{&m.Return, func(s *Summary) *Latency { return s.Return }},
		{&m.FirstResponse, func(s *Summary) *Latency { return s.FirstResponse }},
	} {
		ls := make([]*Latency, len(parts))
		for i, p := range parts {
			ls[i] = x.get(p)
		}
		if *x.dst, err = mergeLatency(ls); err != nil {
			return nil, fmt.Errorf("merge summaries: %w", err)
		}
	}
	if m.Intervals, err = mergeIntervals(parts); err != nil {
		return nil, fmt.Errorf("merge summaries: %w", err)
	}
	if m.HubStart != nil && m.HubEnd != nil {
		rep := Report(*m.HubStart, *m.HubEnd)
		m.Hub = &rep
	}
	m.Generator = mergeGenerators(m.Shards)
	m.Memory = mergeMemory(parts, m)
	var ts []Threshold
	for _, r := range first.Thresholds {
		ts = append(ts, r.Threshold)
	}
	m.Judge(ts)
	return m, nil
}

// orNone names a missing definition (a summary of an older deskdrill).
func orNone(def string) string {
	if def == "" {
		return "(none)"
	}
	return def
}

func earliest(a, b *HubMetrics) *HubMetrics {
	if a == nil || (b != nil && b.At.Before(a.At)) {
		return b
	}
	return a
}

func latest(a, b *HubMetrics) *HubMetrics {
	if a == nil || (b != nil && b.At.After(a.At)) {
		return b
	}
	return a
}

// mergeLatency merges distributions (nil where a shard has none).
func mergeLatency(ls []*Latency) (*Latency, error) {
	var h *hdr.Histogram
	var over int64
	for _, l := range ls {
		if l == nil {
			continue
		}
		x, err := l.Histogram()
		if err != nil {
			return nil, err
		}
		if h == nil {
			h = NewHistogram()
		}
		if dropped := h.Merge(x); dropped > 0 {
			return nil, fmt.Errorf("%w: %d values outside the range", ErrHistogram, dropped)
		}
		over += l.Over
	}
	if h == nil {
		return nil, nil
	}
	return NewLatency(h, over)
}

// mergeIntervals merges the i-th intervals of every shard.
func mergeIntervals(parts []*Summary) ([]Interval, error) {
	n := 0
	for _, p := range parts {
		n = max(n, len(p.Intervals))
	}
	out := make([]Interval, n)
	for i := range out {
		iv := &out[i]
		var rtt, late, first []*Latency
		hubShard := -1
		intended := false
		for _, p := range parts {
			if i >= len(p.Intervals) {
				continue
			}
			x := p.Intervals[i]
			iv.End = max(iv.End, x.End)
			if !intended {
				iv.Intended, intended = x.Intended, true // parts are in shard order
			}
			iv.Sent += x.Sent
			iv.Received += x.Received
			iv.Errors += x.Errors
			iv.Arrived += x.Arrived
			iv.CPU += x.CPU
			rtt, late, first = append(rtt, x.RTT), append(late, x.Lateness), append(first, x.FirstResponse)
			// The hub's side from one shard, the lowest: they all scrape
			// the same hub.
			if idx := p.Shards[0].Index; x.Hub != nil && (hubShard < 0 || idx < hubShard) {
				iv.Hub, hubShard = x.Hub, idx
			}
		}
		var err error
		if iv.RTT, err = mergeLatency(rtt); err != nil {
			return nil, err
		}
		if iv.Lateness, err = mergeLatency(late); err != nil {
			return nil, err
		}
		if iv.FirstResponse, err = mergeLatency(first); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// mergeMemory joins idle runs' memory per connection: the connections add
// up, the hub's growth is recomputed from the merged scrapes (the earliest
// before, the latest after: every shard's connections were open by then),
// and each generator's own figures are weighted by its connections.
func mergeMemory(parts []*Summary, m *Summary) *Memory {
	var out *Memory
	for _, p := range parts {
		x := p.Memory
		if x == nil {
			continue
		}
		if out == nil {
			out = &Memory{SelfRSSRead: true}
		}
		out.SelfRSSRead = out.SelfRSSRead && x.SelfRSSRead
		out.Connections += x.Connections
		out.SelfRSSPerConn += x.SelfRSSPerConn * float64(x.Connections)
		out.SelfHeapStackPerConn += x.SelfHeapStackPerConn * float64(x.Connections)
	}
	if out == nil || out.Connections == 0 {
		return out
	}
	n := float64(out.Connections)
	out.SelfRSSPerConn /= n
	out.SelfHeapStackPerConn /= n
	if m.HubSetup != nil && m.HubEnd != nil {
		out.setHub(m.HubSetup, m.HubEnd)
	}
	return out
}

// mergeGenerators sums the shards' generators: their CPU over their
// cores, the longest window; a bottleneck anywhere is one of the whole.
func mergeGenerators(shards []ShardInfo) Generator {
	var g Generator
	var warn []string
	for _, sh := range shards {
		x := sh.Generator
		g.CPU += x.CPU
		g.Cores += x.Cores
		g.Wall = max(g.Wall, x.Wall)
		if x.Bottleneck {
			g.Bottleneck = true
			warn = append(warn, fmt.Sprintf("shard %v: %s", sh.Shard, x.Warning))
		}
	}
	if g.Wall > 0 && g.Cores > 0 {
		g.Busy = g.CPU.Seconds() / (g.Wall.Seconds() * float64(g.Cores))
	}
	g.Warning = strings.Join(warn, "; ")
	return g
}

// Package report writes a load run's summary (bench/load.Summary) as one
// self-contained HTML file: the verdict and every threshold with the value
// it was judged on, the stages and the rate over time, latency over time,
// the percentile spectrum, the hub's side (relay latency, CPU per message,
// memory per connection, from its /metrics), the generator's health (its
// CPU, its send lateness, and a warning when it, not the hub, was the
// bottleneck), the legs of the round trip by the agent's receive-side
// timestamp, the contract's KPIs and the shards.
//
// The charts are SVG drawn by gonum/plot and written inline; the file
// loads nothing (no script, style sheet, font or image from anywhere), so
// it can be attached to a CI run or a ticket as it is. Labels are English,
// as the planner's charts (web/chart) are: gonum/plot's embedded fonts
// have no CJK glyphs.
package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/deskdrill/deskdrill/bench/load"
)

// Write writes s's report to w.
func Write(w io.Writer, s *load.Summary) error {
	v, err := build(s)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	var b bytes.Buffer
	if err := page.Execute(&b, v); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	_, err = w.Write(b.Bytes())
	return err
}

// view is what the page shows.
type view struct {
	S        *load.Summary
	Title    string
	Verdict  string
	OK       bool
	Started  string
	Charts   []chart
	Facts    [][2]string
	Hub      [][2]string
	Gen      [][2]string
	Legs     [][2]string
	Warning  string
	LegsNote string
	KPIs     [][2]string
	Shards   [][]string
	Stages   [][]string
}

// chart is one inline SVG with its caption.
type chart struct {
	ID, Title, Caption string
	SVG                template.HTML
}

func build(s *load.Summary) (*view, error) {
	v := &view{S: s, Title: s.Name}
	if v.Title == "" {
		v.Title = "deskdrill load"
	}
	v.Started = s.Started.UTC().Format(time.RFC3339)
	failed := s.FailedThresholds()
	judged := 0
	for _, t := range s.Thresholds {
		if t.Judged {
			judged++
		}
	}
	switch {
	case s.Aborted != "":
		v.Verdict = "aborted: " + s.Aborted
	case len(failed) > 0:
		v.Verdict = fmt.Sprintf("%d of %d thresholds failed", len(failed), len(s.Thresholds))
	case judged > 0:
		v.Verdict, v.OK = fmt.Sprintf("all %d thresholds held", judged), true
	case len(s.Thresholds) > 0:
		v.Verdict, v.OK = "one shard of several: the merge judges the thresholds", true
	default:
		v.Verdict, v.OK = "no thresholds", true
	}
	v.facts()
	v.hubSide()
	v.generator()
	for _, st := range s.Stages {
		v.Stages = append(v.Stages, []string{st.Name, st.Duration.String(), fmt.Sprintf("%g", float64(st.From)), fmt.Sprintf("%g", float64(st.Rate))})
	}
	for _, sh := range s.Shards {
		busy := "—"
		if sh.Generator.Wall > 0 {
			busy = fmt.Sprintf("%.0f %%", 100*sh.Generator.Busy)
		}
		warn := ""
		if sh.Generator.Bottleneck {
			warn = "bottleneck"
		}
		v.Shards = append(v.Shards, []string{sh.Shard.String(), sh.Host, sh.Started.UTC().Format(time.TimeOnly),
			fmt.Sprint(sh.Sent), fmt.Sprint(sh.Received), fmt.Sprint(sh.Arrived), busy, warn})
	}
	if k := s.KPIs; k != nil {
		ids := make([]string, 0, len(k.Values))
		for id := range k.Values {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		v.KPIs = append(v.KPIs, [2]string{"conversations scored", fmt.Sprint(k.Conversations)}, [2]string{"refund owed so far (CNY)", fmt.Sprintf("%.2f", k.Refund)})
		for _, id := range ids {
			v.KPIs = append(v.KPIs, [2]string{id, fmt.Sprintf("%.4g", k.Values[id])})
		}
	}
	charts, err := drawCharts(s)
	if err != nil {
		return nil, err
	}
	v.Charts = charts
	return v, nil
}

func (v *view) facts() {
	s := v.S
	add := func(k, val string) { v.Facts = append(v.Facts, [2]string{k, val}) }
	add("mode", s.Mode)
	if s.Mode == load.ModeScenario {
		add("seed", fmt.Sprint(s.Seed))
	}
	add("connections", fmt.Sprintf("%d customers, %d agents, %d failed", s.Customers, s.Agents, s.Failed))
	add("set up in", fmt.Sprintf("%.1f s", s.Setup.Seconds()))
	switch s.Mode {
	case load.ModeScenario:
		add("synthetic customers", fmt.Sprintf("%d arrived, %d finished (%d abandoned), %d could not finish, %d disputes", s.Arrived, s.Finished, s.Abandoned, s.Dropped, s.Disputes))
		add("frames", fmt.Sprintf("%d sent, %d received, %d hub errors", s.FramesSent, s.FramesReceived, s.HubErrors))
		if l := s.FirstResponse; l != nil {
			add("first response", fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s", d(l.P50), d(l.P90), d(l.P99), d(l.Max)))
		}
	default:
		add("messages", fmt.Sprintf("%d sent (%.0f/s intended), %d delivered, %d echoed, %d came back, %d dropped", s.Sent, s.Rate, s.Delivered, s.Echoed, s.Received, s.Dropped))
		add("errors", fmt.Sprintf("%d send errors, %d hub errors", s.SendErrors, s.HubErrors))
		add("relayed (own count)", fmt.Sprintf("%d in %.2f s = %.0f/s", s.Relayed, s.Elapsed.Seconds(), s.RelayedPerSecond))
		if l := s.RTT; l != nil {
			add("round trip", fmt.Sprintf("p50 %s, p90 %s, p99 %s, p99.9 %s, max %s", d(l.P50), d(l.P90), d(l.P99), d(l.P999), d(l.Max)))
		}
	}
}

func (v *view) hubSide() {
	s := v.S
	add := func(k, val string) { v.Hub = append(v.Hub, [2]string{k, val}) }
	h := s.Hub
	if h == nil && s.HubStart != nil && s.HubEnd != nil {
		rep := load.Report(*s.HubStart, *s.HubEnd)
		h = &rep
	}
	if m := s.Memory; s.Mode == load.ModeIdle && m != nil && s.HubEnd != nil {
		// An idle run: the connections held, nothing relayed. A hub that
		// exports no memory series scrapes as 0, which is no measurement;
		// memory that shrank meanwhile is no growth (as the threshold
		// hub_memory_per_connection takes it).
		if m.HubRSSBefore == 0 && m.HubRSSAfter == 0 {
			add("memory per connection", "not measured: the hub's /metrics has no process_resident_memory_bytes")
			return
		}
		add("memory per connection", fmt.Sprintf("%.1f KiB resident (%.0f → %.0f MiB over %d connections), %.1f KiB Go heap and stacks",
			max(m.HubRSSPerConn, 0)/1024, m.HubRSSBefore/(1<<20), m.HubRSSAfter/(1<<20), m.Connections, max(m.HubHeapStackPerConn, 0)/1024))
		return
	}
	if h == nil {
		if s.HubEnd == nil {
			add("metrics", "the hub's /metrics was not read (metrics is -, or it did not answer)")
		} else {
			add("metrics", "the hub's /metrics was not read at the start of the pacing window (it did not answer then)")
		}
		return
	}
	add("relayed", fmt.Sprintf("%.0f in %.2f s = %.0f/s", h.Relayed, h.Window.Seconds(), h.PerSecond))
	add("relay latency (read to written)", fmt.Sprintf("p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (interpolated in the hub's buckets; %.2f %% above the top one)",
		h.LatencyP50*1e3, h.LatencyP90*1e3, h.LatencyP99*1e3, 100*h.LatencyOver))
	if h.CPU > 0 {
		add("CPU per relayed message", fmt.Sprintf("%.1f µs (%.2f s over the window)", float64(h.CPUPerRelayed)/float64(time.Microsecond), h.CPU.Seconds()))
	}
	if s.HubSetup != nil && s.HubStart != nil && s.Customers+s.Agents > 0 {
		per := (s.HubStart.RSS - s.HubSetup.RSS) / float64(s.Customers+s.Agents)
		if !math.IsNaN(per) {
			add("memory per connection", fmt.Sprintf("%.1f KiB resident (%.0f → %.0f MiB over %d connections, conversations included)",
				per/1024, s.HubSetup.RSS/(1<<20), s.HubStart.RSS/(1<<20), s.Customers+s.Agents))
		}
	}
}

func (v *view) generator() {
	s := v.S
	g := s.Generator
	add := func(k, val string) { v.Gen = append(v.Gen, [2]string{k, val}) }
	if g.Wall > 0 {
		add("CPU", fmt.Sprintf("%.2f s over %.1f s on %d cores: %.0f %% busy", g.CPU.Seconds(), g.Wall.Seconds(), g.Cores, 100*g.Busy))
	}
	if m := s.Memory; m != nil {
		add("memory per connection", fmt.Sprintf("%.1f KiB resident, %.1f KiB Go heap and stacks (this generator's own)",
			m.SelfRSSPerConn/1024, m.SelfHeapStackPerConn/1024))
	}
	if l := s.Lateness; l != nil {
		add("send lateness", fmt.Sprintf("p50 %s, p99 %s, max %s after the intended time", d(l.P50), d(l.P99), d(l.Max)))
	}
	if g.Bottleneck {
		v.Warning = g.Warning
	}
	legs := func(k string, l *load.Latency) {
		if l != nil {
			v.Legs = append(v.Legs, [2]string{k, fmt.Sprintf("p50 %s, p99 %s", d(l.P50), d(l.P99))})
		}
	}
	legs("send lateness (generator: intended → sent)", s.Lateness)
	legs("way out (sent → agent's receive-side timestamp)", s.Outbound)
	legs("way back (agent's receipt → customer's receipt)", s.Return)
	legs("round trip (intended → back)", s.RTT)
	if len(v.Legs) > 0 && s.Hub != nil {
		v.LegsNote = fmt.Sprintf("Each way crosses the hub once: the hub itself spent p99 %.3f ms per relay (its histogram). What a way "+
			"takes beyond that is the network and the generator's own delay in reading; the send lateness is the generator's delay "+
			"in sending. The ways compare the echo agent's clock with the customer's: exact on one machine, as good as the clocks' "+
			"agreement across machines.", s.Hub.LatencyP99*1e3)
	}
}

// d writes a duration for people.
func d(x time.Duration) string {
	switch {
	case x >= time.Second:
		return x.Round(time.Millisecond).String()
	case x >= time.Millisecond:
		return x.Round(10 * time.Microsecond).String()
	}
	return x.Round(time.Microsecond).String()
}

// spectrum are the percentiles of the spectrum chart.
var spectrum = []float64{0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.9, 99.95, 99.99, 99.995, 99.999}

// quantiles returns the spectrum of h: x = log10(1 / (1 − p)), y in ms.
func quantiles(h *hdr.Histogram) (xs, ys []float64) {
	n := h.TotalCount()
	for _, p := range spectrum {
		if p > 0 && n < int64(math.Ceil(100/(100-p))) {
			break // beyond what this many values can say
		}
		xs = append(xs, math.Log10(100/(100-p)))
		ys = append(ys, float64(h.ValueAtPercentile(p))/1e6)
	}
	// The maximum, at the percentile one value in n stands for (1 − 1/n):
	// the tail's end, which the summary's max shows too.
	if n > 0 {
		x, y := math.Log10(float64(n)), float64(h.Max())/1e6
		if last := len(xs) - 1; last >= 0 && x <= xs[last]+1e-12 {
			ys[last] = max(ys[last], y)
		} else {
			xs, ys = append(xs, x), append(ys, y)
		}
	}
	return xs, ys
}

func lower(s string) string { return strings.ToLower(s) }

var page = template.Must(template.New("report").Funcs(template.FuncMap{"lower": lower}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}: load drill report</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 70rem; padding: 0 1rem; color: #1d2327; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.verdict { padding: .6rem 1rem; border-radius: 6px; font-weight: 600; margin: 1rem 0; }
.ok { background: #e6f4ea; color: #1e6b34; } .fail { background: #fdecea; color: #a32016; }
.warn { background: #fff4e5; color: #7a4b00; padding: .6rem 1rem; border-radius: 6px; margin: 1rem 0; }
table { border-collapse: collapse; margin: .5rem 0; } td, th { padding: .25rem .7rem; border-bottom: 1px solid #eee; text-align: left; vertical-align: top; }
th { background: #f6f7f7; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2rem 0; } figure svg { width: 100%; height: auto; max-width: 60rem; display: block; border: 1px solid #eee; }
figcaption { color: #50575e; font-size: 13px; margin-top: .3rem; }
.muted { color: #646970; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="muted">deskdrill load drill report · started {{.Started}} · {{len .S.Shards}} shard(s){{if .S.Intervals}} · {{len .S.Intervals}} intervals of {{.S.Interval}}{{end}}</p>
<div id="verdict" class="verdict {{if .OK}}ok{{else}}fail{{end}}">{{.Verdict}}</div>
{{if .Warning}}<div id="bottleneck" class="warn"><strong>Generator bottleneck.</strong> {{.Warning}}</div>{{end}}

<h2>Thresholds</h2>
{{if .S.Thresholds}}<table id="thresholds"><tr><th></th><th>threshold</th><th>measured</th><th>abort on fail</th></tr>
{{range .S.Thresholds}}<tr class="{{if not .Judged}}muted{{else if .OK}}ok{{else}}fail{{end}}"><td>{{if not .Judged}}·{{else if .OK}}✓{{else}}✗{{end}}</td><td><code>{{.Expr}}</code></td><td>{{.Text}}</td><td>{{if .AbortOnFail}}yes{{end}}</td></tr>
{{end}}</table>{{else}}<p class="muted">None given.</p>{{end}}

<h2>Run</h2>
<table id="facts">{{range .Facts}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
{{if .Stages}}<h3>Stages</h3><table id="stages"><tr><th>stage</th><th>duration</th><th>from (/s)</th><th>to (/s)</th></tr>
{{range .Stages}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td class="num">{{index . 2}}</td><td class="num">{{index . 3}}</td></tr>{{end}}</table>{{end}}

{{range .Charts}}<figure id="{{.ID}}" class="chart"><figcaption><strong>{{.Title}}</strong></figcaption>{{.SVG}}<figcaption>{{.Caption}}</figcaption></figure>
{{end}}

<h2>The hub's side</h2>
<table id="hub">{{range .Hub}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>

<h2>The generator's health</h2>
<table id="generator">{{range .Gen}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
{{if .Legs}}<h3>Where the round trip goes</h3>
<table id="legs">{{range .Legs}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>{{end}}</table>
<p class="muted">{{.LegsNote}}</p>{{end}}

{{if .KPIs}}<h2>The contract's KPIs of the hub's run</h2>
<table id="kpis">{{range .KPIs}}<tr><th>{{index . 0}}</th><td class="num">{{index . 1}}</td></tr>{{end}}</table>{{end}}

<h2>Shards</h2>
<table id="shards"><tr><th>shard</th><th>host</th><th>started (UTC)</th><th>sent</th><th>received</th><th>arrived</th><th>generator busy</th><th></th></tr>
{{range .Shards}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>{{end}}</table>
</body>
</html>
`))

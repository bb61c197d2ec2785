package report

import (
	"bytes"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/deskdrill/deskdrill/bench/load"
)

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	purple = color.RGBA{R: 148, G: 103, B: 189, A: 255}
	grey   = color.RGBA{R: 120, G: 120, B: 120, A: 255}
)

// series is one line of a chart.
type series struct {
	name   string
	xs, ys []float64
	color  color.Color
	dashed bool
}

// line draws series on p; series without points are left out.
func line(p *plot.Plot, ss ...series) error {
	for _, s := range ss {
		var pts plotter.XYs
		for i := range s.xs {
			if !math.IsNaN(s.ys[i]) && !math.IsInf(s.ys[i], 0) {
				pts = append(pts, plotter.XY{X: s.xs[i], Y: s.ys[i]})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return err
		}
		l.Color, l.Width = s.color, vg.Points(1.5)
		if s.dashed {
			l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
		}
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	return nil
}

// svg renders p as inline SVG: the XML prologue cut, the viewBox kept so
// that the page may scale it.
func svg(p *plot.Plot) (template.HTML, error) {
	w, err := p.WriterTo(9*vg.Inch, 3.6*vg.Inch, "svg")
	if err != nil {
		return "", err
	}
	var b bytes.Buffer
	if _, err := w.WriteTo(&b); err != nil {
		return "", err
	}
	out := b.String()
	if i := strings.Index(out, "<svg"); i > 0 {
		out = out[i:]
	}
	// gonum/plot writes its own output: nothing a user typed goes in but
	// the drill's name, which the template escapes elsewhere; the charts'
	// labels are ours.
	return template.HTML(out), nil
}

func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = false
	p.Legend.TextStyle.Font.Size = vg.Points(8)
	p.Legend.ThumbnailWidth = vg.Points(14)
	p.X.Label.TextStyle.Font.Size = vg.Points(10)
	p.Y.Label.TextStyle.Font.Size = vg.Points(10)
	return p
}

// drawCharts draws the report's charts.
func drawCharts(s *load.Summary) ([]chart, error) {
	var out []chart
	add := func(id, title, caption string, p *plot.Plot) error {
		h, err := svg(p)
		if err != nil {
			return fmt.Errorf("draw %s: %w", id, err)
		}
		out = append(out, chart{ID: id, Title: title, Caption: caption, SVG: h})
		return nil
	}
	ivs := s.Intervals
	if len(ivs) > 0 {
		t := make([]float64, len(ivs))
		length := make([]float64, len(ivs)) // seconds
		prev := 0.0
		for i, iv := range ivs {
			t[i] = iv.End.Seconds()
			length[i] = t[i] - prev
			prev = t[i]
		}
		per := func(f func(load.Interval) float64) []float64 {
			ys := make([]float64, len(ivs))
			for i, iv := range ivs {
				ys[i] = f(iv) / length[i]
			}
			return ys
		}
		intended := make([]float64, len(ivs))
		for i, iv := range ivs {
			intended[i] = float64(iv.Intended)
		}

		// The stages and the rate.
		p := newPlot("", "time since the start of pacing (s)", "per second")
		what, caption := "messages", "The stages' intended rate of customer messages (all shards), what was sent and what came back, per interval."
		sent := series{"sent", t, per(func(iv load.Interval) float64 { return float64(iv.Sent) }), blue, false}
		back := series{"came back", t, per(func(iv load.Interval) float64 { return float64(iv.Received) }), green, false}
		if s.Mode == load.ModeScenario {
			what, caption = "arrivals", "The stages' intended arrival rate of synthetic customers and the arrivals, per interval."
			sent = series{"arrived", t, per(func(iv load.Interval) float64 { return float64(iv.Arrived) }), blue, false}
			back = series{}
		}
		if err := line(p, series{"intended (stages)", t, intended, grey, true}, sent, back,
			series{"errors", t, per(func(iv load.Interval) float64 { return float64(iv.Errors) }), red, false}); err != nil {
			return nil, err
		}
		p.Y.Min = 0
		if err := add("chart-rate", "Stages and rate over time: "+what, caption, p); err != nil {
			return nil, err
		}

		// Latency over time.
		hubP99 := hubSeries(s, func(d hubDelta) float64 { return d.p99 * 1e3 })
		p = newPlot("", "time since the start of pacing (s)", "ms")
		q := func(get func(load.Interval) *load.Latency, f func(*load.Latency) float64) []float64 {
			ys := make([]float64, len(ivs))
			for i, iv := range ivs {
				ys[i] = math.NaN()
				if l := get(iv); l != nil {
					ys[i] = f(l)
				}
			}
			return ys
		}
		ms := func(x float64) float64 { return x / 1e6 }
		if s.Mode == load.ModeScenario {
			p.Y.Label.Text = "s"
			fr := func(iv load.Interval) *load.Latency { return iv.FirstResponse }
			if err := line(p,
				series{"first response p50", t, q(fr, func(l *load.Latency) float64 { return l.P50.Seconds() }), blue, false},
				series{"first response p90", t, q(fr, func(l *load.Latency) float64 { return l.P90.Seconds() }), orange, false},
			); err != nil {
				return nil, err
			}
			caption = "Each synthetic customer's wait for the agent's first reply, by the interval it came in."
		} else {
			rtt := func(iv load.Interval) *load.Latency { return iv.RTT }
			late := func(iv load.Interval) *load.Latency { return iv.Lateness }
			if err := line(p,
				series{"round trip p50", t, q(rtt, func(l *load.Latency) float64 { return ms(float64(l.P50)) }), blue, false},
				series{"round trip p99", t, q(rtt, func(l *load.Latency) float64 { return ms(float64(l.P99)) }), orange, false},
				series{"send lateness p99", t, q(late, func(l *load.Latency) float64 { return ms(float64(l.P99)) }), purple, true},
				series{"hub relay p99", t, hubP99, red, false},
			); err != nil {
				return nil, err
			}
			caption = "Per interval: the customers' round trip from the intended send time, the generator's send lateness and the hub's own relay latency (its /metrics). " +
				"A round trip far above twice the hub's relay, with a high lateness, is the generator's delay, not the hub's."
		}
		p.Y.Min = 0
		if err := add("chart-latency", "Latency over time", caption, p); err != nil {
			return nil, err
		}

		// The hub's side over time.
		if cpu := hubSeries(s, func(d hubDelta) float64 { return d.cpuPerMsg * 1e6 }); hasValue(cpu) {
			p = newPlot("", "time since the start of pacing (s)", "µs")
			// Synthetic customers' latency chart is in seconds, where the
			// relay's milliseconds would lie flat: here, on this chart's
			// axis, in µs.
			rel := series{}
			if s.Mode == load.ModeScenario {
				us := make([]float64, len(hubP99))
				for i, v := range hubP99 {
					us[i] = v * 1e3
				}
				rel = series{"hub relay p99 (µs)", t, us, red, true}
			}
			if err := line(p, series{"hub CPU per relayed message", t, cpu, blue, false}, rel); err != nil {
				return nil, err
			}
			p.Y.Min = 0
			caption := "The hub process's CPU time (process_cpu_seconds_total) over the messages it relayed (deskdrill_messages_relayed_total), interval by interval."
			if s.Mode == load.ModeScenario {
				caption += " Dashed: the hub's relay latency p99 (its /metrics), in µs on the same axis."
			}
			if err := add("chart-hub", "The hub's CPU per relayed message over time", caption, p); err != nil {
				return nil, err
			}
		}

		// The generator's health over time.
		if cores := s.Generator.Cores; cores > 0 {
			busy := make([]float64, len(ivs))
			for i, iv := range ivs {
				busy[i] = 100 * iv.CPU.Seconds() / (length[i] * float64(cores))
			}
			p = newPlot("", "time since the start of pacing (s)", "% of the generator's cores")
			if err := line(p, series{"generator CPU", t, busy, purple, false},
				series{"bottleneck line (80 %)", []float64{0, t[len(t)-1]}, []float64{80, 80}, red, true}); err != nil {
				return nil, err
			}
			p.Y.Min, p.Y.Max = 0, 100
			if err := add("chart-generator", "The generator's CPU over time",
				fmt.Sprintf("The load generator's own CPU (every shard's) over its %d cores. Above 80 %% it, not the hub, shapes the figures.", cores), p); err != nil {
				return nil, err
			}
		}
	}

	// The percentile spectrum.
	p := newPlot("", "percentile", "ms")
	var ss []series
	for _, x := range []struct {
		name string
		l    *load.Latency
		c    color.Color
	}{{"round trip", s.RTT, blue}, {"way out", s.Outbound, green}, {"way back", s.Return, orange}, {"send lateness", s.Lateness, purple}, {"first response", s.FirstResponse, blue}} {
		if x.l == nil {
			continue
		}
		h, err := x.l.Histogram()
		if err != nil {
			return nil, err
		}
		xs, ys := quantiles(h)
		ss = append(ss, series{x.name, xs, ys, x.c, x.name == "send lateness"})
	}
	if len(ss) > 0 {
		if err := line(p, ss...); err != nil {
			return nil, err
		}
		p.X.Tick.Marker = percentileTicks{}
		p.Y.Min = 0
		if err := add("chart-spectrum", "Percentile spectrum",
			"The whole distribution (HDR histogram of every sample), from the minimum to the maximum: x is the percentile on a scale that spreads the tail (90, 99, 99.9, 99.99 %). "+
				"A curve goes as far into the tail as its number of samples can say (n samples: the percentile one in n stands for), and ends at its maximum there.", p); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func hasValue(ys []float64) bool {
	for _, y := range ys {
		if !math.IsNaN(y) {
			return true
		}
	}
	return false
}

// hubDelta is the hub over one interval.
type hubDelta struct {
	p99, cpuPerMsg float64 // seconds
}

// hubSeries returns f of the hub over each interval, from the scrapes at
// the intervals' ends (NaN where there is none).
func hubSeries(s *load.Summary, f func(hubDelta) float64) []float64 {
	ys := make([]float64, len(s.Intervals))
	prev := s.HubStart
	for i, iv := range s.Intervals {
		ys[i] = math.NaN()
		if iv.Hub == nil {
			continue
		}
		if prev != nil {
			var d hubDelta
			d.p99 = math.NaN()
			if lat := iv.Hub.Latency.Sub(prev.Latency); lat.Count > 0 && len(lat.Counts) == len(prev.Latency.Counts) {
				d.p99 = lat.Quantile(0.99)
			}
			d.cpuPerMsg = math.NaN()
			if rel := iv.Hub.Relayed - prev.Relayed; rel > 0 {
				d.cpuPerMsg = (iv.Hub.CPUSeconds - prev.CPUSeconds) / rel
			}
			ys[i] = f(d)
		}
		prev = iv.Hub
	}
	return ys
}

// percentileTicks labels the spectrum's axis, log10(1 / (1 − p)).
type percentileTicks struct{}

func (percentileTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	// As far as the longest curve goes: with n samples it ends at
	// log10(n), 99.9999 % at a million.
	for i := 0; float64(i) <= max+1e-9; i++ {
		if x := float64(i); x >= min-1e-9 {
			out = append(out, plot.Tick{Value: x, Label: percentileLabel(i)})
		}
	}
	return out
}

// percentileLabel names 1 − 10^−i: 0 %, 90 %, 99 %, 99.9 %, ...
func percentileLabel(i int) string {
	switch i {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", i-2) + "%"
}

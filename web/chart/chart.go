// Package chart draws the planner's charts with gonum/plot: refund
// exposure against staffing, and a promotion day's queue and staffing by
// hour. Charts render to PNG or SVG on any io.Writer.
//
// Labels are English in every locale: gonum/plot draws text with its
// embedded Liberation fonts, which have no CJK glyphs, and a CJK font
// would add several megabytes to the binary (Noto Sans SC is over 8 MB;
// subsetting it needs fonttools, which this build machine cannot
// install). The tables and JSON around the charts carry the numbers.
package chart

import (
	"fmt"
	"image/color"
	"io"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/deskdrill/deskdrill/sim/plan"
)

var (
	blue = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	band = color.RGBA{R: 31, G: 119, B: 180, A: 60}
	red  = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	grey = color.RGBA{R: 90, G: 90, B: 90, A: 255}
)

// Exposure draws the mean contract refund against agents with its 5–95 %
// band, and p_refund (× the largest refund, on the same axis, labelled).
func Exposure(rep *plan.Report, scenario string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: contract refund by staffing (%d runs per level, seed %d)", scenario, rep.Reps, rep.Seed)
	p.X.Label.Text = "agents in the peak interval"
	p.Y.Label.Text = "refund for the period, CNY"
	p.Add(plotter.NewGrid())
	var mean, lo, hi plotter.XYs
	for _, l := range rep.Levels {
		x := float64(l.Agents)
		mean = append(mean, plotter.XY{X: x, Y: l.Refund.Mean})
		lo = append(lo, plotter.XY{X: x, Y: l.Refund.P5})
		hi = append(hi, plotter.XY{X: x, Y: l.Refund.P95})
	}
	if len(mean) == 0 {
		return nil, fmt.Errorf("exposure chart: no levels")
	}
	poly := append(plotter.XYs{}, lo...)
	for i := len(hi) - 1; i >= 0; i-- {
		poly = append(poly, hi[i])
	}
	area, err := plotter.NewPolygon(poly)
	if err != nil {
		return nil, err
	}
	area.Color, area.LineStyle.Width = band, 0
	line, points, err := plotter.NewLinePoints(mean)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = blue, blue
	p.Add(area, line, points)
	p.Legend.Add("mean refund", line, points)
	p.Legend.Add("5th–95th percentile", area)
	if rep.Recommended > 0 {
		v := plotter.XYs{{X: float64(rep.Recommended), Y: 0}, {X: float64(rep.Recommended), Y: maxY(hi)}}
		rec, err := plotter.NewLine(v)
		if err != nil {
			return nil, err
		}
		rec.Color, rec.Dashes = red, []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(rec)
		p.Legend.Add(fmt.Sprintf("recommended: %d agents (%s)", rep.Recommended, rep.Risk), rec)
	}
	p.Legend.Top = true
	p.Y.Min = 0
	return p, nil
}

// PRefund draws the probability that the period's refund is above zero
// against agents, with its 95 % interval.
func PRefund(rep *plan.Report, scenario string) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s: probability of owing a refund", scenario)
	p.X.Label.Text = "agents in the peak interval"
	p.Y.Label.Text = "P(refund > 0)"
	p.Add(plotter.NewGrid())
	var pts plotter.XYs
	var errs plotter.YErrors
	for _, l := range rep.Levels {
		pts = append(pts, plotter.XY{X: float64(l.Agents), Y: l.Refund.PRefund})
		errs = append(errs, struct{ Low, High float64 }{l.Refund.PRefund - l.Refund.PRefundCI.Lo, l.Refund.PRefundCI.Hi - l.Refund.PRefund})
	}
	line, points, err := plotter.NewLinePoints(pts)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = blue, blue
	bars, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	bars.Color = grey
	p.Add(line, points, bars)
	p.Legend.Add("p_refund with 95 % Wilson interval", line, points)
	p.Legend.Top = true
	p.Y.Min, p.Y.Max = 0, 1
	return p, nil
}

// Hours draws a promotion day hour by hour at one level: agents on duty,
// mean arrivals per 10 minutes, and the mean and maximum queue.
func Hours(rep *plan.Report, scenario string) (*plot.Plot, error) {
	if len(rep.Hours) == 0 {
		return nil, fmt.Errorf("hours chart: no hourly data")
	}
	p := plot.New()
	p.Title.Text = fmt.Sprintf("%s at %d agents: queue and staffing by hour", scenario, rep.HoursAgents)
	p.X.Label.Text = "hour from the start"
	p.Y.Label.Text = "people"
	p.Add(plotter.NewGrid())
	series := []struct {
		name string
		c    color.Color
		f    func(plan.HourSummary) float64
	}{
		{"agents on duty", grey, func(h plan.HourSummary) float64 { return float64(h.Agents) }},
		{"arrivals per 10 min (mean)", blue, func(h plan.HourSummary) float64 { return h.Arrived / 6 }},
		{"queue, mean", color.RGBA{R: 255, G: 127, B: 14, A: 255}, func(h plan.HourSummary) float64 { return h.MeanQueue }},
		{"queue, max (mean of runs)", red, func(h plan.HourSummary) float64 { return h.MaxQueue }},
	}
	for _, s := range series {
		// Each hour's value holds over [h, h+1): a post-step line with a
		// closing point at the end of the last hour.
		var xy plotter.XYs
		for _, h := range rep.Hours {
			xy = append(xy, plotter.XY{X: float64(h.Hour), Y: s.f(h)})
		}
		last := rep.Hours[len(rep.Hours)-1]
		xy = append(xy, plotter.XY{X: float64(last.Hour + 1), Y: s.f(last)})
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color = s.c
		l.StepStyle = plotter.PostStep
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	var need plotter.XYs
	for _, n := range rep.Needed {
		if n.Enough {
			need = append(need, plotter.XY{X: float64(n.Hour) + 0.5, Y: float64(n.Agents)})
		}
	}
	if len(need) > 0 {
		pts, err := plotter.NewScatter(need)
		if err != nil {
			return nil, err
		}
		pts.Color = color.RGBA{R: 44, G: 160, B: 44, A: 255}
		p.Add(pts)
		p.Legend.Add(fmt.Sprintf("agents needed (≥%.0f%% in 30 s, ≤%.0f%% abandoned)", rep.HourTarget.Answered30s*100, rep.HourTarget.Abandoned*100), pts)
	}
	p.Legend.Top = true
	p.Y.Min = 0
	return p, nil
}

func maxY(xy plotter.XYs) float64 {
	m := 0.0
	for _, v := range xy {
		m = max(m, v.Y)
	}
	return m
}

// Write renders p as format ("png" or "svg") to w.
func Write(w io.Writer, p *plot.Plot, format string) error {
	c, err := p.WriterTo(8*vg.Inch, 5*vg.Inch, format)
	if err != nil {
		return fmt.Errorf("render %s: %w", format, err)
	}
	_, err = c.WriteTo(w)
	return err
}

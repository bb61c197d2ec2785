package chart

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/deskdrill/deskdrill/sim/plan"
)

var (
	blue   = color.RGBA{R: 31, G: 119, B: 180, A: 255}
	band   = color.NRGBA{R: 31, G: 119, B: 180, A: 70}
	navy   = color.RGBA{R: 20, G: 40, B: 90, A: 255}
	red    = color.RGBA{R: 214, G: 39, B: 40, A: 255}
	grey   = color.RGBA{R: 110, G: 110, B: 110, A: 255}
	green  = color.RGBA{R: 44, G: 160, B: 44, A: 255}
	orange = color.RGBA{R: 255, G: 127, B: 14, A: 255}
	purple = color.RGBA{R: 148, G: 103, B: 189, A: 255}
	teal   = color.RGBA{R: 23, G: 190, B: 207, A: 255}
	dashed = []vg.Length{vg.Points(5), vg.Points(3)}
)

// Exposure draws the mean contract refund against agents with its 5–95 %
// band, and the recommended level.
func (s *Style) Exposure(rep *plan.Report) (*Chart, error) {
	if len(rep.Levels) == 0 {
		return nil, fmt.Errorf("exposure chart: no levels")
	}
	p := s.newPlot()
	p.X.Label.Text = s.label("agents in the peak interval", "高峰时段坐席数")
	p.Y.Label.Text = s.label("refund, CNY", "退款（元）")
	p.Add(plotter.NewGrid())
	var mean, lo, hi plotter.XYs
	for _, l := range rep.Levels {
		x := float64(l.Agents)
		mean = append(mean, plotter.XY{X: x, Y: l.Refund.Mean})
		lo = append(lo, plotter.XY{X: x, Y: l.Refund.P5})
		hi = append(hi, plotter.XY{X: x, Y: l.Refund.P95})
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
	p.X.Tick.Marker = levelTicks(rep.Levels)
	c := s.newChart(fmt.Sprintf("%s: %s (%d runs, seed %d)", rep.Scenario, s.label("the period's contract refund by staffing", "不同坐席数下的当期合同退款"), rep.Runs, rep.Seed), p)
	c.add(s.label("mean refund", "平均退款"), line, points)
	c.add(s.label("5th–95th percentile of runs", "5%–95% 分位区间"), area)
	if rep.Recommended > 0 {
		rec, err := vline(float64(rep.Recommended), 0, math.Max(1, maxY(hi)), red)
		if err != nil {
			return nil, err
		}
		p.Add(rec)
		c.add(s.label(fmt.Sprintf("recommended: %d agents (%s)", rep.Recommended, rep.Risk), fmt.Sprintf("建议 %d 人", rep.Recommended)), rec)
	}
	p.Y.Min = 0
	return c, nil
}

// PRefund draws the probability that the period's refund is above zero
// against agents, with its 95 % interval and the risk target's bound.
func (s *Style) PRefund(rep *plan.Report) (*Chart, error) {
	if len(rep.Levels) == 0 {
		return nil, fmt.Errorf("p_refund chart: no levels")
	}
	p := s.newPlot()
	p.X.Label.Text = s.label("agents in the peak interval", "高峰时段坐席数")
	p.Y.Label.Text = s.label("P(refund > 0)", "发生退款的概率")
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
	p.X.Tick.Marker = levelTicks(rep.Levels)
	c := s.newChart(fmt.Sprintf("%s: %s (%d runs, seed %d)", rep.Scenario, s.label("probability of owing a refund", "发生退款的概率"), rep.Runs, rep.Seed), p)
	c.add(s.label("p_refund with its 95 % Wilson interval", "退款概率及 95% 区间"), line, points)
	if risk, err := plan.ParseRisk(rep.Risk); err == nil {
		for _, cond := range risk {
			if cond.Metric != "p_refund" {
				continue
			}
			h, err := hline(pts[0].X, pts[len(pts)-1].X, cond.Value, red)
			if err != nil {
				return nil, err
			}
			p.Add(h)
			c.add(s.label("risk target "+cond.Metric+cond.Op+strconv.FormatFloat(cond.Value, 'g', -1, 64), "风险目标"), h)
		}
	}
	p.Y.Min, p.Y.Max = 0, 1
	return c, nil
}

// Hours draws the scenario hour by hour at the report's hourly level:
// arrivals; agents on duty, needed and (with a roster) rostered; and the
// 30-second and 3-minute rates and abandonment against the hour target,
// with the hours that miss it marked.
func (s *Style) Hours(rep *plan.Report) (*Chart, error) {
	if len(rep.Hours) == 0 {
		return nil, fmt.Errorf("hours chart: no hourly data")
	}
	ticks := hourTicks(rep.Hours)
	n := float64(len(rep.Hours))
	arr, agents, service := s.newPlot(), s.newPlot(), s.newPlot()
	for _, p := range []*plot.Plot{arr, agents, service} {
		p.Add(plotter.NewGrid())
		p.X.Tick.Marker = ticks
		p.X.Min, p.X.Max = 0, n
		p.Y.Min = 0
	}
	arr.Y.Label.Text = s.label("buyers per hour", "每小时买家")
	agents.Y.Label.Text = s.label("agents", "坐席")
	service.Y.Label.Text = s.label("% of the hour's buyers", "占比 %")
	service.X.Label.Text = s.label("local time", "当地时间")
	service.Y.Max = 100
	c := s.newChart(fmt.Sprintf("%s %s", rep.Scenario, s.label(fmt.Sprintf("at %d agents, hour by hour", rep.HoursAgents), fmt.Sprintf("%d 坐席逐小时", rep.HoursAgents))), arr, agents, service)
	series := []struct {
		p      *plot.Plot
		label  string
		col    color.Color
		dashes []vg.Length
		f      func(h plan.HourSummary) (float64, bool)
	}{
		{arr, s.label("buyers arriving", "进线买家"), navy, nil, func(h plan.HourSummary) (float64, bool) { return h.Arrived, true }},
		{agents, s.label("agents on duty", "在岗坐席"), grey, nil, func(h plan.HourSummary) (float64, bool) { return float64(h.Agents), true }},
		{agents, s.label(fmt.Sprintf("agents needed (≥%.0f%% in 30 s, ≤%.0f%% abandoned)", 100*rep.HourTarget.Answered30s, 100*rep.HourTarget.Abandoned), "所需坐席"), green, nil,
			func(h plan.HourSummary) (float64, bool) { return float64(h.Needed), true }},
		{agents, s.label("rostered, after breaks and shrinkage", "排班在岗"), purple, dashed, func(h plan.HourSummary) (float64, bool) {
			if h.Rostered == nil {
				return 0, false
			}
			return *h.Rostered, true
		}},
		{service, s.label("answered within 30 s", "30秒应答"), blue, nil, func(h plan.HourSummary) (float64, bool) { return 100 * h.Answered30s, true }},
		{service, s.label("rounds answered within 3 min", "3分钟回复"), teal, nil, func(h plan.HourSummary) (float64, bool) { return 100 * h.Reply3min, true }},
		{service, s.label("abandoned", "放弃"), red, nil, func(h plan.HourSummary) (float64, bool) { return 100 * h.Abandoned, true }},
	}
	for _, sr := range series {
		xy, ok := steps(rep.Hours, sr.f)
		if !ok {
			continue
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes, l.StepStyle = sr.col, sr.dashes, plotter.PostStep
		l.Width = vg.Points(1.5)
		sr.p.Add(l)
		c.add(sr.label, l)
	}
	for _, tgt := range []struct {
		v   float64
		col color.Color
		en  string
	}{{100 * rep.HourTarget.Answered30s, blue, "target within 30 s"}, {100 * rep.HourTarget.Abandoned, red, "most abandoned"}} {
		h, err := hline(0, n, tgt.v, tgt.col)
		if err != nil {
			return nil, err
		}
		service.Add(h)
		c.add(s.label(fmt.Sprintf("%s (%.0f %%)", tgt.en, tgt.v), "小时目标"), h)
	}
	var missed plotter.XYs
	for _, h := range rep.Hours {
		if !h.Meets {
			missed = append(missed, plotter.XY{X: float64(h.Hour) + 0.5, Y: 100 * h.Answered30s})
		}
	}
	if len(missed) > 0 {
		sc, err := plotter.NewScatter(missed)
		if err != nil {
			return nil, err
		}
		sc.Color, sc.Shape, sc.Radius = red, draw.CrossGlyph{}, vg.Points(4)
		service.Add(sc)
		c.add(s.label("hour misses the hour target", "未达小时目标"), sc)
	}
	c.PanelHeight = 2.6 * vg.Inch
	return c, nil
}

// Coverage draws a roster's coverage of a day: the agents each clock hour
// needs, the coverage asked of the roster after the engine's additions,
// the roster's agents on duty after breaks and shrinkage, and flat and
// shaped staffing at the recommended level.
func (s *Style) Coverage(rep *plan.Report) (*Chart, error) {
	if rep.Roster == nil || len(rep.Hours) == 0 {
		return nil, fmt.Errorf("coverage chart: no roster")
	}
	p := s.newPlot()
	p.Add(plotter.NewGrid())
	p.X.Label.Text = s.label("time of day", "时段")
	p.Y.Label.Text = s.label("agents on duty", "在岗坐席")
	p.X.Min, p.X.Max, p.Y.Min = 0, 24, 0
	start := hourOf(rep.Hours[0].Start)
	var needed, required [24]float64
	for _, h := range rep.Hours {
		k := (start + h.Hour) % 24
		needed[k] = math.Max(needed[k], float64(h.Needed))
		if h.Required != nil {
			required[k] = math.Max(required[k], float64(*h.Required))
		}
	}
	var shaped [24]float64
	if rep.Shaped != nil {
		for _, h := range rep.Shaped.Evaluation.Hours {
			shaped[(start+h.Hour)%24] = float64(h.Agents)
		}
	}
	c := s.newChart(fmt.Sprintf("%s: %s — %.0f %s (LP bound %.0f)", rep.Scenario, s.label("roster coverage by hour", "排班覆盖"),
		rep.Roster.AgentHours, s.label("paid agent-hours", "带薪工时"), rep.Roster.LPBound), p)
	series := []struct {
		label  string
		col    color.Color
		dashes []vg.Length
		v      []float64
		show   bool
	}{
		{s.label("needed (hour target)", "所需"), green, nil, needed[:], true},
		{s.label("required after the engine's additions", "引擎追加后的要求"), orange, dashed, required[:], required != needed},
		{s.label("rostered, after breaks and shrinkage", "排班在岗"), purple, nil, rep.Roster.Rostered, true},
		{s.label(fmt.Sprintf("shaped: the scenario's shape at %d", agentsOf(rep.Shaped)), "场景原排班"), teal, dashed, shaped[:], rep.Shaped != nil},
	}
	for _, sr := range series {
		if !sr.show {
			continue
		}
		var xy plotter.XYs
		for h, v := range sr.v {
			xy = append(xy, plotter.XY{X: float64(h), Y: v})
		}
		xy = append(xy, plotter.XY{X: 24, Y: sr.v[23]})
		l, err := plotter.NewLine(xy)
		if err != nil {
			return nil, err
		}
		l.Color, l.Dashes, l.StepStyle, l.Width = sr.col, sr.dashes, plotter.PostStep, vg.Points(1.5)
		p.Add(l)
		c.add(sr.label, l)
	}
	if rep.Flat != nil {
		h, err := hline(0, 24, float64(rep.Flat.Agents), grey)
		if err != nil {
			return nil, err
		}
		p.Add(h)
		c.add(s.label(fmt.Sprintf("flat: %d every hour", rep.Flat.Agents), "全天固定人数"), h)
	}
	p.X.Tick.Marker = dayTicks{}
	return c, nil
}

func agentsOf(a *plan.Alternative) int {
	if a == nil {
		return 0
	}
	return a.Agents
}

// steps turns hourly values into a post-step line with a closing point
// at the end of the last hour; false when no hour has a value.
func steps(hours []plan.HourSummary, f func(plan.HourSummary) (float64, bool)) (plotter.XYs, bool) {
	var xy plotter.XYs
	for _, h := range hours {
		v, ok := f(h)
		if !ok {
			return nil, false
		}
		xy = append(xy, plotter.XY{X: float64(h.Hour), Y: v})
	}
	last := xy[len(xy)-1]
	return append(xy, plotter.XY{X: last.X + 1, Y: last.Y}), true
}

func vline(x, y0, y1 float64, c color.Color) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x, Y: y0}, {X: x, Y: y1}})
	if err != nil {
		return nil, err
	}
	l.Color, l.Dashes = c, dashed
	return l, nil
}

func hline(x0, x1, y float64, c color.Color) (*plotter.Line, error) {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return nil, err
	}
	l.Color, l.Dashes = c, dashed
	return l, nil
}

func maxY(xy plotter.XYs) float64 {
	m := 0.0
	for _, v := range xy {
		m = math.Max(m, v.Y)
	}
	return m
}

// hourOf reads the hour of a local date-time 2006-01-02T15:04.
func hourOf(start string) int {
	if len(start) < 5 {
		return 0
	}
	h, err := strconv.Atoi(start[len(start)-5 : len(start)-3])
	if err != nil {
		return 0
	}
	return h
}

// hourAxis labels an axis of hours from the start with clock times: every
// 3 hours for a day (minor ticks every hour), every 6 for up to three
// days, and the date at each midnight for longer runs.
type hourAxis struct {
	starts []string
	first  int // the clock hour of the start
}

func hourTicks(hours []plan.HourSummary) plot.Ticker {
	a := hourAxis{first: hourOf(hours[0].Start)}
	for _, h := range hours {
		a.starts = append(a.starts, h.Start)
	}
	return a
}

func (a hourAxis) Ticks(lo, hi float64) []plot.Tick {
	n := len(a.starts)
	major, minor := 3, 1
	switch {
	case n > 72:
		major, minor = 24, 6
	case n > 30:
		major, minor = 6, 3
	}
	var out []plot.Tick
	for i := int(math.Ceil(lo)); float64(i) <= hi; i++ {
		clock := (a.first + i) % 24
		if clock%minor != 0 {
			continue
		}
		t := plot.Tick{Value: float64(i)}
		if clock%major == 0 {
			t.Label = fmt.Sprintf("%02d:00", clock)
			switch {
			case major == 24 && i < n && len(a.starts[i]) >= 10:
				t.Label = a.starts[i][5:10]
			case major == 24:
				t.Label = "" // the end of the last day: its date is the next's
			case i == n && clock == 0:
				t.Label = "24:00"
			}
		}
		out = append(out, t)
	}
	return out
}

// dayTicks labels a day's axis 00:00 … 24:00 every 3 hours.
type dayTicks struct{}

func (dayTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for h := int(math.Ceil(lo)); float64(h) <= hi; h++ {
		t := plot.Tick{Value: float64(h)}
		if h%3 == 0 {
			t.Label = fmt.Sprintf("%02d:00", h)
		}
		out = append(out, t)
	}
	return out
}

// levelTicks labels every staffing level, or every other one when there
// are more than 12.
func levelTicks(levels []plan.LevelSummary) plot.Ticker {
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		every := 1 + (len(levels)-1)/12
		var out []plot.Tick
		for i, l := range levels {
			t := plot.Tick{Value: float64(l.Agents)}
			if i%every == 0 {
				t.Label = strconv.Itoa(l.Agents)
			}
			out = append(out, t)
		}
		return out
	})
}

package chart_test

import (
	"bytes"
	"html"
	"image"
	"image/draw"
	"image/png"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
	"github.com/deskdrill/deskdrill/web/chart"
)

func report() *plan.Report {
	rep := &plan.Report{Scenario: "double11", Seed: 42, Runs: 30, Risk: "p_refund<=0.05", Recommended: 30, HoursAgents: 30, HourTarget: plan.DefaultHourTarget}
	for i, a := range []int{10, 20, 30} {
		rep.Levels = append(rep.Levels, plan.LevelSummary{Agents: a, Refund: plan.RefundSummary{
			Mean: float64(3-i) * 1000, P5: float64(2-i) * 500, P95: float64(3-i) * 2000, PRefund: float64(3-i) / 4,
			PRefundCI: plan.Interval{Lo: 0, Hi: float64(3-i)/4 + 0.1},
		}})
		rep.Meets = append(rep.Meets, a == 30)
	}
	for h := range 24 {
		p50, p90 := 17.0, 35.0
		rep.Hours = append(rep.Hours, plan.HourSummary{Hour: h, Start: "2026-11-11T" + sim.Clock(h, 0).String(), Arrived: float64(60 * (h + 1)), Agents: 30,
			Answered30s: 0.75 + float64(h%3)/30, Reply3min: 0.99, Abandoned: 0.01, FirstReplyP50: &p50, FirstReplyP90: &p90,
			Needed: 20 + h, NeedReachable: true, Meets: h%3 != 0})
	}
	ro := &plan.Roster{AgentHours: 500, LPBound: 480, Rostered: make([]float64, 24), Shifts: []plan.Shift{{Start: sim.Clock(8, 0), Hours: 8, PaidHours: 8, Agents: 30}}}
	for h := range 24 {
		ro.Rostered[h] = float64(22 + h)
	}
	ev := &plan.Evaluation{Reps: 73}
	rep.AddRoster(ro, ev, ro.Rostered, &plan.Alternative{Agents: 30, AgentHours: 720, Evaluation: ev},
		&plan.Alternative{Agents: 30, AgentHours: 600, Evaluation: &plan.Evaluation{Hours: slices.Clone(rep.Hours)}}, 0, 300, nil, plan.Options{})
	return rep
}

// styles are the styles to render with: English always, bilingual when a
// CJK font is installed.
func styles(t *testing.T) map[string]*chart.Style {
	out := map[string]*chart.Style{"english": chart.English()}
	if p := chart.FindCJKFont(); p != "" {
		s, err := chart.LoadCJK(p)
		if err != nil {
			t.Fatalf("load %s: %v", p, err)
		}
		out["cjk"] = s
	} else {
		t.Log("no CJK font installed (fonts-noto-cjk): bilingual charts not rendered")
	}
	return out
}

func TestCharts_Render(t *testing.T) {
	for name, st := range styles(t) {
		for _, tc := range []struct {
			name  string
			build func(*plan.Report) (*chart.Chart, error)
			want  []string // text the SVG must carry
		}{
			{"exposure", st.Exposure, []string{"seed 42", "recommended: 30 agents"}},
			{"p_refund", st.PRefund, []string{"P(refund &gt; 0)", "risk target p_refund&lt;=0.05"}},
			{"hours", st.Hours, []string{"agents needed", "answered within 30 s", "00:00", "21:00"}},
			{"coverage", st.Coverage, []string{"rostered, after breaks and shrinkage", "flat: 30 every hour", "LP bound 480"}},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				c, err := tc.build(report())
				if err != nil {
					t.Fatal(err)
				}
				var svg, img bytes.Buffer
				if err := chart.Write(&svg, c, "svg"); err != nil {
					t.Fatal(err)
				}
				for _, w := range tc.want {
					if !strings.Contains(svg.String(), w) {
						t.Errorf("SVG lacks %q", w)
					}
				}
				if st.CJK() && !strings.Contains(svg.String(), "坐席") && tc.name != "p_refund" {
					t.Error("a bilingual chart has no Chinese label")
				}
				if err := chart.Write(&img, c, "png"); err != nil {
					t.Fatal(err)
				}
				m, err := png.Decode(&img)
				if err != nil {
					t.Fatalf("PNG does not decode: %v", err)
				}
				checkPNG(t, m)
			})
		}
	}
}

// checkPNG checks a chart's picture: big enough to read, not blank, and
// nothing drawn in the outermost pixels (a title or legend too wide for
// the picture would be cut there).
func checkPNG(t *testing.T, m image.Image) {
	t.Helper()
	b := m.Bounds()
	if b.Dx() < 900 || b.Dy() < 450 {
		t.Errorf("PNG is %v; want at least 900×450", b)
	}
	// Read the pixels as 8-bit RGBA in one pass: image.At per pixel is
	// slow under the race detector.
	rgba := image.NewRGBA(b)
	draw.Draw(rgba, b, m, b.Min, draw.Src)
	inked, edge := 0, 0
	colors := map[[3]uint8]bool{}
	for y := 0; y < b.Dy(); y++ {
		row := rgba.Pix[y*rgba.Stride : y*rgba.Stride+4*b.Dx()]
		for x := 0; x < b.Dx(); x++ {
			r, g, bl := row[4*x], row[4*x+1], row[4*x+2]
			if r > 0xf0 && g > 0xf0 && bl > 0xf0 {
				continue
			}
			inked++
			colors[[3]uint8{r >> 4, g >> 4, bl >> 4}] = true
			if x < 2 || x >= b.Dx()-2 || y < 2 || y >= b.Dy()-2 {
				edge++
			}
		}
	}
	if share := float64(inked) / float64(b.Dx()*b.Dy()); share < 0.01 || len(colors) < 4 {
		t.Errorf("%.2f %% of the picture inked in %d colours; want a chart, not a blank", 100*share, len(colors))
	}
	if edge > 0 {
		t.Errorf("%d inked pixels on the picture's edge: something is cut off", edge)
	}
}

// svgText matches a text of gonum's SVG: its position (y counts up from
// the bottom, negated) and its text.
var svgText = regexp.MustCompile(`(?s)<text x="(-?[\d.]+)" y="(-?[\d.]+)"[^>]*>([^<]*)</text>`)

// Every legend entry sits below the lowest axis label: outside the data,
// never over it.
func TestCharts_LegendOutsideTheData(t *testing.T) {
	st := chart.English()
	for _, build := range []func(*plan.Report) (*chart.Chart, error){st.Exposure, st.PRefund, st.Hours, st.Coverage} {
		c, err := build(report())
		if err != nil {
			t.Fatal(err)
		}
		var svg bytes.Buffer
		if err := chart.Write(&svg, c, "svg"); err != nil {
			t.Fatal(err)
		}
		ys := map[string]float64{}
		for _, m := range svgText.FindAllStringSubmatch(svg.String(), -1) {
			y, _ := strconv.ParseFloat(m[2], 64)
			ys[html.UnescapeString(m[3])] = -y
		}
		axis, ok := ys[c.Panels[len(c.Panels)-1].X.Label.Text]
		if !ok {
			t.Fatalf("%s: no x-axis label in the SVG", c.Title)
		}
		for _, e := range c.Legend {
			y, ok := ys[e.Label]
			if !ok || y >= axis {
				t.Errorf("%s: legend entry %q at y %v (found %v); want it below the x-axis label at %v", c.Title, e.Label, y, ok, axis)
			}
		}
	}
}

func TestCharts_Errors(t *testing.T) {
	st := chart.English()
	if _, err := st.Exposure(&plan.Report{}); err == nil {
		t.Error("Exposure of a report without levels: want an error")
	}
	if _, err := st.Hours(&plan.Report{}); err == nil {
		t.Error("Hours of a report without hours: want an error")
	}
	if _, err := st.Coverage(&plan.Report{Hours: report().Hours}); err == nil {
		t.Error("Coverage without a roster: want an error")
	}
	c, _ := st.PRefund(report())
	if err := chart.Write(&bytes.Buffer{}, c, "bmp"); err == nil {
		t.Error("Write as bmp: want an error")
	}
	if _, err := chart.LoadCJK("/nonexistent.ttc"); err == nil {
		t.Error("LoadCJK of a missing file: want an error")
	}
}

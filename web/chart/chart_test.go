package chart_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"gonum.org/v1/plot"

	"github.com/deskdrill/deskdrill/sim/plan"
	"github.com/deskdrill/deskdrill/web/chart"
)

func report() *plan.Report {
	rep := &plan.Report{Seed: 42, Reps: 10, Risk: "p_refund<=0.05", Recommended: 30, HoursAgents: 30, HourTarget: plan.DefaultHourTarget}
	for i, a := range []int{10, 20, 30} {
		rep.Levels = append(rep.Levels, plan.LevelSummary{Agents: a, Refund: plan.RefundSummary{
			Mean: float64(3-i) * 1000, P5: float64(2-i) * 500, P95: float64(3-i) * 2000, PRefund: float64(3-i) / 4,
			PRefundCI: plan.Interval{Lo: 0, Hi: float64(3-i)/4 + 0.1},
		}})
		rep.Meets = append(rep.Meets, a == 30)
	}
	for h := range 24 {
		rep.Hours = append(rep.Hours, plan.HourSummary{Hour: h, Arrived: float64(60 * (h + 1)), Agents: 30, MeanQueue: float64(h), MaxQueue: float64(2 * h)})
		rep.Needed = append(rep.Needed, plan.HourNeed{Hour: h, Agents: h + 5, Level: 30, Enough: h != 20})
	}
	return rep
}

func TestCharts_RenderBothFormats(t *testing.T) {
	for _, tc := range []struct {
		name  string
		build func(*plan.Report, string) (*plot.Plot, error)
		want  []string // text the SVG must carry
	}{
		{"exposure", chart.Exposure, []string{"seed 42", "recommended: 30 agents"}},
		{"p_refund", chart.PRefund, []string{"P(refund &gt; 0)"}},
		{"hours", chart.Hours, []string{"agents needed", "queue, mean"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := tc.build(report(), "double11")
			if err != nil {
				t.Fatal(err)
			}
			var svg, img bytes.Buffer
			if err := chart.Write(&svg, p, "svg"); err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(svg.String(), w) {
					t.Errorf("SVG lacks %q", w)
				}
			}
			if err := chart.Write(&img, p, "png"); err != nil {
				t.Fatal(err)
			}
			m, err := png.Decode(&img)
			if err != nil {
				t.Fatalf("PNG does not decode: %v", err)
			}
			if b := m.Bounds(); b.Dx() < 500 || b.Dy() < 300 {
				t.Errorf("PNG is %v; want at least 500×300", b)
			}
		})
	}
}

func TestCharts_Errors(t *testing.T) {
	if _, err := chart.Exposure(&plan.Report{}, "x"); err == nil {
		t.Error("Exposure of a report without levels: want an error")
	}
	if _, err := chart.Hours(&plan.Report{}, "x"); err == nil {
		t.Error("Hours of a report without hours: want an error")
	}
	p, _ := chart.PRefund(report(), "x")
	if err := chart.Write(&bytes.Buffer{}, p, "bmp"); err == nil {
		t.Error("Write as bmp: want an error")
	}
}

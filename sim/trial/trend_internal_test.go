package trial

import (
	"math"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// The trend's figures are worked by hand from the rule in doc.go.
func TestTrend(t *testing.T) {
	rated := func(top2, ratings int) sim.Counts { return sim.Counts{Ratings: ratings, Top2: top2} }
	days := func(cs ...sim.Counts) ([]sim.Counts, []Day) {
		out := make([]Day, len(cs))
		for i := range out {
			out[i].Counts.PaidOrders = 100
		}
		return cs, out
	}
	for _, tc := range []struct {
		name  string
		kpi   string
		dir   sim.Direction
		daily []sim.Counts
		want  string
		z     float64 // 0: not tested
	}{
		// Earlier 90 of 100, recent 60 of 100: p = 0.75,
		// se = √(0.75 × 0.25 × (1/100 + 1/100)) = 0.06124, z = −4.899.
		{"satisfaction falls", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(90, 100), rated(60, 100)}, Worsening, -4.899},
		// 9 of 10, then 8 of 10: z = −0.1 ÷ √(0.85 × 0.15 × 0.2) = −0.626.
		{"satisfaction within noise", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(9, 10), rated(8, 10)}, Steady, -0.626},
		{"satisfaction rises", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(60, 100), rated(90, 100)}, Improving, 4.899},
		// Six days, the last three: earlier 30 in 3 days, recent 6 in 3:
		// rate 6, se = √(6 × (1/3 + 1/3)) = 2, z = −4: fewer timeouts.
		{"timeouts fall", "timeouts_per_day", sim.LowerIsBetter, []sim.Counts{{Timeouts: 10}, {Timeouts: 10}, {Timeouts: 10}, {Timeouts: 2}, {Timeouts: 2}, {Timeouts: 2}}, Improving, -4},
		// Disputes over 100 paid orders a day: 1 then 6: p = 0.035,
		// se = √(0.035 × 0.965 × 0.02) = 0.02599, z = 1.924: steady.
		{"disputes up, within noise", "dispute_refund_rate", sim.LowerIsBetter, []sim.Counts{{Disputes: 1}, {Disputes: 6}}, Steady, 1.924},
		{"response slower by 25 %", "response_avg_s", sim.LowerIsBetter, []sim.Counts{{Rounds: 10, RoundSum: 200}, {Rounds: 10, RoundSum: 250}}, Worsening, 0},
		{"response slower by 5 %", "response_avg_s", sim.LowerIsBetter, []sim.Counts{{Rounds: 10, RoundSum: 200}, {Rounds: 10, RoundSum: 210}}, Steady, 0},
		{"one day", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(9, 10)}, Unknown, 0},
		{"nothing rated lately", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(9, 10), {}}, Unknown, 0},
		{"all perfect", "satisfaction", sim.HigherIsBetter, []sim.Counts{rated(10, 10), rated(10, 10)}, Steady, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, ds := days(tc.daily...)
			got := trend(tc.kpi, tc.dir, cs, ds, false)
			if got.Direction != tc.want {
				t.Errorf("direction %s (%+v); want %s", got.Direction, got, tc.want)
			}
			if tc.z != 0 && (got.Z == nil || math.Abs(*got.Z-tc.z) > 0.001) {
				t.Errorf("z = %v; want %v", got.Z, tc.z)
			}
		})
	}
}

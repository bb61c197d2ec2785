package sim_test

import (
	"math"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// FuzzContract_Refund checks the statement's invariants for any valid KPI
// values: no error, the total is the sum of the lines, KPI lines are never
// negative, and a month's deductions never exceed the cap.
func FuzzContract_Refund(f *testing.F) {
	f.Add(0.87, 0.026, 5.0, 0.95, uint8(6), false)
	f.Add(0.85, 0.03, 5.1, 0.5, uint8(0), true)
	f.Add(0.0, 1.0, 1e6, 0.0, uint8(12), true)
	f.Fuzz(func(t *testing.T, sat, dispute, timeouts, training float64, served uint8, max bool) {
		clamp := func(v float64) float64 {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0
			}
			return math.Min(math.Abs(v), 1)
		}
		sat, dispute, training = clamp(sat), clamp(dispute), clamp(training)
		if math.IsNaN(timeouts) || math.IsInf(timeouts, 0) || timeouts < 0 || timeouts > 1e9 {
			timeouts = 0
		}
		c := tiered()
		c.Clauses = append(c.Clauses, guaranteeTraining().Clauses...)
		if max {
			c.Stacking = sim.StackMax
		}
		mustValid(t, c)
		in := month(sim.KPIValues{"satisfaction": sat, "dispute_refund_rate": dispute, "timeouts_per_day": timeouts, "training_pass_rate": training})
		in.MonthsServed = n(int(served) % 13)
		st, err := c.Refund(in)
		if err != nil {
			t.Fatalf("valid input: %v", err)
		}
		var sum, month sim.Money
		for _, it := range st.Items {
			sum += it.Amount
			if it.Kind != "adjustment" && it.Amount < 0 {
				t.Errorf("negative line %+v", it)
			}
			// Unserved-part lines (training "remaining": no ratio) are outside the cap.
			if it.Period == "2026-11" && !(it.Kind == "training" && it.Ratio == nil) {
				month += it.Amount
			}
		}
		if sum != st.Total {
			t.Errorf("total %s; sum of lines %s", st.Total, sum)
		}
		if month > c.MonthlyFee {
			t.Errorf("month's capped deductions %s exceed the fee %s: %+v", month, c.MonthlyFee, st.Items)
		}
	})
}

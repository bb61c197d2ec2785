package plan_test

import (
	"math"
	"slices"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// refunds builds a level whose replications refund the given amounts, in
// CNY.
func refunds(agents int, cny ...float64) plan.Level {
	l := plan.Level{Agents: agents, AgentDays: float64(agents)}
	for i, r := range cny {
		l.Reps = append(l.Reps, plan.Rep{Index: i, Refund: sim.Money(r * 100), KPIs: map[string]float64{"satisfaction": float64(i + 1)}})
	}
	return l
}

func zeros(n int) []float64 { return make([]float64, n) }

func TestMetricInterval(t *testing.T) {
	one := func(n int) []float64 { // 1, 2, ..., n
		x := make([]float64, n)
		for i := range x {
			x[i] = float64(i + 1)
		}
		return x
	}
	for _, tc := range []struct {
		name   string
		l      plan.Level
		metric string
		lo, hi float64
	}{
		// Wilson, as TestWilson checks against Newcombe (1998): 5 of 100.
		{"share", refunds(1, append(zeros(95), 1, 1, 1, 1, 1)...), "p_refund", 0.0215, 0.1118},
		// 1..10: mean 5.5, s = 3.0277, t(0.975, 9) = 2.262157: ± 2.1659.
		{"mean", refunds(1, one(10)...), "refund_mean", 3.3341, 7.6659},
		// The median of 20 lies between the 6th and the 15th smallest
		// with at least 95 % (binomial(20, ½): P(B ≤ 5) = 0.0207,
		// P(B ≤ 14) = 0.9793), the textbook interval.
		{"median", refunds(1, one(20)...), "refund_median", 6, 15},
		// Of 10 values, no rank holds the 95th percentile from above with
		// 97.5 %: the interval is open upwards.
		{"p95 of few", refunds(1, one(10)...), "refund_p95", 8, math.Inf(1)},
		{"max", refunds(1, one(10)...), "refund_max", 10, math.Inf(1)},
		{"KPI mean", refunds(1, one(10)...), "satisfaction_mean", 3.3341, 7.6659},
	} {
		t.Run(tc.name, func(t *testing.T) {
			iv, ok := plan.MetricInterval(&tc.l, tc.metric, 0)
			if !ok || !near(iv.Lo, tc.lo) || !near(iv.Hi, tc.hi) {
				t.Errorf("%s: [%v, %v], %v; want [%v, %v]", tc.metric, iv.Lo, iv.Hi, ok, tc.lo, tc.hi)
			}
		})
	}
	l := refunds(3, 1, 2)
	if iv, ok := plan.MetricInterval(&l, "agent_cost", 300); !ok || iv.Lo != 900 || iv.Hi != 900 {
		t.Errorf("agent_cost at 3 agent-days × 300: %v, %v; want [900, 900]", iv, ok)
	}
	if _, ok := plan.MetricInterval(&l, "p_miss.satisfaction", 0); ok {
		t.Error("p_miss of a KPI no replication judged: want no interval")
	}
}

func near(a, b float64) bool {
	if math.IsInf(b, 0) {
		return a == b
	}
	return math.Abs(a-b) < 5e-4
}

func TestAdaptive_Plan(t *testing.T) {
	a := plan.Adaptive{Min: 10, Max: 400, Risk: plan.DefaultRisk}
	all := func(n int) []float64 {
		x := make([]float64, n)
		for i := range x {
			x[i] = 100
		}
		return x
	}
	for _, tc := range []struct {
		name   string
		levels []plan.Level
		want   []int
	}{
		{"first round: every level gets the minimum", []plan.Level{refunds(1), refunds(2)}, []int{10, 10}},
		// Wilson(10, 10) = [0.72, 1]: fails. 0 of 10: [0, 0.28], open; it
		// would settle at 73 (the first n with z²/(n+z²) ≤ 0.05) but
		// may at most double. The level above it waits.
		{"the lowest open level doubles", []plan.Level{refunds(1, all(10)...), refunds(2, zeros(10)...), refunds(3, zeros(10)...)}, []int{10, 20, 10}},
		{"then doubles again", []plan.Level{refunds(1, all(10)...), refunds(2, zeros(20)...), refunds(3, zeros(10)...)}, []int{10, 40, 10}},
		{"then goes to where it would settle", []plan.Level{refunds(1, all(10)...), refunds(2, zeros(40)...), refunds(3, zeros(10)...)}, []int{10, 73, 10}},
		// Wilson(0, 73) ends at 0.04999: holds. The level above cannot
		// change the recommendation: it stays at 10.
		{"settled: nothing more", []plan.Level{refunds(1, all(10)...), refunds(2, zeros(73)...), refunds(3, zeros(10)...)}, []int{10, 73, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := a.Plan(tc.levels); !slices.Equal(got, tc.want) {
				t.Errorf("Plan = %v; want %v", got, tc.want)
			}
		})
	}
	// 20 of 400 = 0.05: Wilson [0.033, 0.076] straddles 0.05; at the
	// maximum the level stops, undecided, and the next one opens.
	l := refunds(2, append(zeros(380), all(20)...)...)
	if v, _ := plan.Judge(plan.DefaultRisk, &l, 0); v != plan.Undecided {
		t.Errorf("20 of 400 against p_refund<=0.05: %v; want undecided", v)
	}
	if got := a.Plan([]plan.Level{l, refunds(3, zeros(10)...)}); !slices.Equal(got, []int{400, 20}) {
		t.Errorf("Plan after an undecided maximum = %v; want [400 20]", got)
	}
}

func TestJudge(t *testing.T) {
	risk, _ := plan.ParseRisk("p_refund<=0.05, refund_mean<=10")
	l := refunds(1, append(zeros(99), 1000)...) // p 0.01, mean 10
	v, ivs := plan.Judge(risk, &l, 0)
	// p_refund: Wilson(1, 100) = [0.0018, 0.0545], open; refund_mean
	// [−9.8, 29.8], open: undecided, with both intervals.
	if v != plan.Undecided || len(ivs) != 2 {
		t.Errorf("verdict %v with %d intervals; want undecided with 2", v, len(ivs))
	}
	many := refunds(1, all100(30)...)
	if v, _ := plan.Judge(risk, &many, 0); v != plan.Fails {
		t.Errorf("30 of 30 refunded: %v; want fails", v)
	}
	none := refunds(1, zeros(80)...)
	if v, _ := plan.Judge(risk, &none, 0); v != plan.Holds {
		t.Errorf("0 of 80 refunded, mean 0 ± 0: %v; want holds", v)
	}
}

func all100(n int) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = 100
	}
	return x
}

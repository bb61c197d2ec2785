package plan_test

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

func TestWilson(t *testing.T) {
	for _, tc := range []struct {
		k, n   int
		lo, hi float64
	}{
		// Published: Newcombe (1998), Table I, and the usual k = 0 case.
		{0, 100, 0, 0.0370},
		{5, 100, 0.0215, 0.1118},
		{81, 263, 0.2553, 0.3662},
		{100, 100, 0.9630, 1},
	} {
		got := plan.Wilson(tc.k, tc.n)
		if math.Abs(got.Lo-tc.lo) > 5e-5 || math.Abs(got.Hi-tc.hi) > 5e-5 {
			t.Errorf("Wilson(%d, %d) = [%.4f, %.4f]; want [%.4f, %.4f]", tc.k, tc.n, got.Lo, got.Hi, tc.lo, tc.hi)
		}
	}
	// The bounds at 0 and at n are exactly 0 and 1 (reports print them):
	// 0 of 10 came out 2.8e-17.
	for n := 1; n <= 400; n++ {
		if lo := plan.Wilson(0, n).Lo; lo != 0 {
			t.Errorf("Wilson(0, %d).Lo = %g; want 0 exactly", n, lo)
		}
		if hi := plan.Wilson(n, n).Hi; hi != 1 {
			t.Errorf("Wilson(%d, %d).Hi = %g; want 1 exactly", n, n, hi)
		}
	}
}

// level builds a level whose replications refund 0, 100, ..., and miss
// satisfaction when the refund is positive.
func level(agents int, refunds ...float64) plan.Level {
	l := plan.Level{Agents: agents, AgentDays: float64(agents)}
	for i, r := range refunds {
		l.Reps = append(l.Reps, plan.Rep{
			Index: i, Refund: sim.Money(r * 100), KPIs: map[string]float64{"satisfaction": 0.95 - r/10000},
			Missed: map[string]bool{"satisfaction": r > 0}, Disputes: i,
		})
	}
	return l
}

func TestSummarizeLevel(t *testing.T) {
	var refunds []float64
	for i := 1; i <= 20; i++ {
		refunds = append(refunds, float64(i)*100)
	}
	refunds[0] = 0 // 0, 200, 300, ..., 2000
	ls := plan.SummarizeLevel(level(10, refunds...), 300)
	r := ls.Refund
	// gonum's empirical quantile of 20 values: the ⌈20p⌉-th smallest.
	if r.Median != 1000 || r.P90 != 1800 || r.P95 != 1900 || r.Max != 2000 || r.P5 != 0 {
		t.Errorf("median %v p90 %v p95 %v max %v p5 %v; want 1000 1800 1900 2000 0", r.Median, r.P90, r.P95, r.Max, r.P5)
	}
	if r.PRefund != 0.95 || ls.PMiss["satisfaction"] != 0.95 {
		t.Errorf("p_refund %v, p_miss %v; want 0.95 and 0.95", r.PRefund, ls.PMiss["satisfaction"])
	}
	if ls.AgentCost != 3000 || math.Abs(ls.ExpectedTotal-(3000+r.Mean)) > 1e-9 {
		t.Errorf("agent cost %v, expected total %v; want 3000 and 3000 + mean refund", ls.AgentCost, ls.ExpectedTotal)
	}
	if s := ls.KPIs["satisfaction"]; s.N != 20 || !(s.P5 < s.Mean && s.Mean < s.P95) {
		t.Errorf("satisfaction spread %+v", s)
	}
}

func TestParseRisk(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // Risk.String, or "error: ..." text
	}{
		{"p_refund<=0.05", "p_refund<=0.05"},
		{" p_refund <= 0.05 , refund_p95<=5000", "p_refund<=0.05,refund_p95<=5000"},
		{"p_refund<0.1 and p_miss.satisfaction<=0.2", "p_refund<0.1,p_miss.satisfaction<=0.2"},
		{"satisfaction_p5>=0.9", "satisfaction_p5>=0.9"},
		{"", "error: empty"},
		{"p_refund", "error: want METRIC OP VALUE"},
		{"p_refund=<0.05", "error: want METRIC OP VALUE"},
		{"happiness<=1", `error: unknown metric "happiness"`},
		{"p_refund<=lots", "error: want METRIC OP VALUE"},
		// Shares of replications are probabilities.
		{"p_refund<=2", "error: want a value from 0 to 1"},
		{"p_miss.satisfaction<=-0.1", "error: want a value from 0 to 1"},
		{"p_refund<=1", "p_refund<=1"},
	} {
		r, err := plan.ParseRisk(tc.in)
		if want, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ParseRisk(%q) = %v, %v; want an error with %q", tc.in, r, err, want)
			}
			continue
		}
		if err != nil || r.String() != tc.want {
			t.Errorf("ParseRisk(%q) = %q, %v; want %q", tc.in, r, err, tc.want)
		}
	}
}

func TestSummarize_Recommendation(t *testing.T) {
	zeros := func(n int) []float64 { return make([]float64, n) }
	some := append(zeros(18), 500, 500) // p_refund 0.1
	levels := []plan.Level{level(10, append(zeros(10), 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000)...), level(20, some...), level(30, zeros(20)...), level(40, zeros(20)...)}
	rep := plan.Summarize(levels, nil, plan.Options{Seed: 7, Reps: 20, AgentCostPerDay: 10, MaxAbandon: 1})
	if rep.Recommended != 30 || !rep.Monotone || rep.Risk != "p_refund<=0.05" || rep.Runs != 80 {
		t.Errorf("recommended %d, monotone %v, risk %q, runs %d; want 30, true, p_refund<=0.05, 80", rep.Recommended, rep.Monotone, rep.Risk, rep.Runs)
	}
	// Cost 10 per agent-day: 100 + mean 275 at 10 agents, 200 + 50, 300, 400.
	if c := rep.Cheapest; c.Pick == nil || c.Pick.Agents != 20 || c.Pick.Cost != 250 || c.Refused != nil {
		t.Errorf("cheapest %+v; want 20 agents at 250 CNY, nothing refused", c)
	}
	// Disputes 0..19 per replication count as 1 CNY each when refunded to
	// buyers: at 10 agents they add 9.5, which does not move the answer,
	// but 100 CNY each at 20 agents does.
	for _, tc := range []struct {
		perDispute float64
		want       int
	}{{0, 20}, {1, 20}, {100, 30}} {
		lv := slices.Clone(levels)
		for i := range lv {
			lv[i].Reps = slices.Clone(lv[i].Reps)
			for j := range lv[i].Reps {
				if lv[i].Agents <= 20 {
					lv[i].Reps[j].DisputeRefunds = sim.Money(tc.perDispute * 100 * float64(lv[i].Reps[j].Disputes))
				}
			}
		}
		if got := plan.Summarize(lv, nil, plan.Options{AgentCostPerDay: 10, MaxAbandon: 1}).CheapestForMerchant.Pick.Agents; got != tc.want {
			t.Errorf("%v CNY per dispute below 30 agents: cheapest for the merchant %d; want %d", tc.perDispute, got, tc.want)
		}
	}
	risk, _ := plan.ParseRisk("refund_p95<=0")
	rep = plan.Summarize(levels, nil, plan.Options{Risk: risk})
	if rep.Recommended != 30 {
		t.Errorf("refund_p95<=0: recommended %d; want 30", rep.Recommended)
	}
	risk, _ = plan.ParseRisk("p_refund<0")
	if rep = plan.Summarize(levels, nil, plan.Options{Risk: risk}); rep.Recommended != 0 {
		t.Errorf("an impossible target recommended %d; want 0", rep.Recommended)
	}
}

func FuzzParseRisk(f *testing.F) {
	for _, s := range []string{"p_refund<=0.05", "refund_p95<=5000, p_miss.satisfaction<0.1", "x", "a and b", "p_refund<=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := plan.ParseRisk(s)
		if err != nil {
			return
		}
		// What parses prints back to something that parses the same.
		again, err := plan.ParseRisk(r.String())
		if err != nil || again.String() != r.String() {
			t.Fatalf("%q parsed to %q, which reparses to %q, %v", s, r.String(), again, err)
		}
	})
}

package plan

import (
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deskdrill/deskdrill/sim"
)

// Spread is a distribution over replications: its mean and its 5th and
// 95th percentiles, over N replications where the value was observed.
type Spread struct {
	N    int     `json:"n"`
	Mean float64 `json:"mean"`
	P5   float64 `json:"p5"`
	P95  float64 `json:"p95"`
}

// Interval is a 95 % confidence interval. An unbounded end is ±Inf, and
// null in JSON.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// MarshalJSON writes {"lo": x, "hi": y} with null for an unbounded end.
func (iv Interval) MarshalJSON() ([]byte, error) {
	end := func(v float64) string {
		if math.IsInf(v, 0) || math.IsNaN(v) {
			return "null"
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return []byte(`{"lo":` + end(iv.Lo) + `,"hi":` + end(iv.Hi) + `}`), nil
}

// UnmarshalJSON reads what MarshalJSON writes: null is -Inf for lo and
// +Inf for hi.
func (iv *Interval) UnmarshalJSON(b []byte) error {
	var v struct{ Lo, Hi *float64 }
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	iv.Lo, iv.Hi = math.Inf(-1), math.Inf(1)
	if v.Lo != nil {
		iv.Lo = *v.Lo
	}
	if v.Hi != nil {
		iv.Hi = *v.Hi
	}
	return nil
}

// RefundSummary is the distribution of the period's contract refund, in
// CNY.
type RefundSummary struct {
	Mean   float64 `json:"mean"`
	P5     float64 `json:"p5"`
	Median float64 `json:"median"`
	P90    float64 `json:"p90"`
	P95    float64 `json:"p95"`
	Max    float64 `json:"max"`
	// PRefund is the share of replications whose refund is above zero,
	// with its 95 % Wilson interval.
	PRefund   float64  `json:"p_refund"`
	PRefundCI Interval `json:"p_refund_ci"`
}

// LevelSummary is what the planner says about one staffing level.
type LevelSummary struct {
	Agents    int     `json:"agents"`
	AgentDays float64 `json:"agent_days"`
	// Reps is the replications run at this level; Intervals the 95 %
	// interval of each metric of the risk target, and Verdict what the
	// intervals say of the target (undecided when the replications ran
	// out first: then the point estimates decide, as with a fixed --reps).
	Reps      int                 `json:"reps"`
	Intervals map[string]Interval `json:"intervals"`
	Verdict   Verdict             `json:"verdict"`
	KPIs      map[string]Spread   `json:"kpis"`
	// PMiss is, per contract KPI, the share of replications in which its
	// clause owed a refund.
	PMiss  map[string]float64 `json:"p_miss"`
	Refund RefundSummary      `json:"refund"`
	// Disputes ruled for the buyer: count and money refunded to buyers.
	Disputes       Spread `json:"disputes"`
	DisputeRefunds Spread `json:"dispute_refunds"`
	Abandoned      Spread `json:"abandoned"`
	// AbandonRate is the mean share of buyers who left before a first
	// valid reply (the abandon_rate KPI), what --max-abandon bounds.
	AbandonRate float64 `json:"abandon_rate"`
	AgentCost   float64 `json:"agent_cost,omitempty"`
	// ExpectedTotal is agent cost plus the mean refund.
	ExpectedTotal float64 `json:"expected_total,omitempty"`
}

// quantile is the empirical quantile of sorted x: gonum's definition (the
// smallest value with at least p of the sample at or below it).
func quantile(p float64, sorted []float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	return stat.Quantile(p, stat.Empirical, sorted, nil)
}

func spread(x []float64) Spread {
	if len(x) == 0 {
		return Spread{}
	}
	s := slices.Clone(x)
	sort.Float64s(s)
	return Spread{N: len(s), Mean: stat.Mean(s, nil), P5: quantile(0.05, s), P95: quantile(0.95, s)}
}

// Wilson returns the 95 % Wilson score interval of k successes in n
// trials. Unlike the normal approximation it stays inside [0, 1] and is
// sensible at k = 0, which is the case a risk target cares about.
func Wilson(k, n int) Interval {
	if n == 0 {
		return Interval{0, 1}
	}
	z := distuv.UnitNormal.Quantile(0.975)
	p, nn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/nn
	mid := (p + z*z/(2*nn)) / den
	half := z * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn)) / den
	iv := Interval{Lo: math.Max(0, mid-half), Hi: math.Min(1, mid+half)}
	// At 0 of n (n of n) the bound is exactly 0 (1); in floating point
	// mid−half can come out 2.8e-17, which a report would print.
	if k == 0 {
		iv.Lo = 0
	}
	if k == n {
		iv.Hi = 1
	}
	return iv
}

func cny(m sim.Money) float64 { return float64(m) / 100 }

// SummarizeLevel summarises one level's replications. costPerDay is the
// cost of one agent-day in CNY (0: none given).
func SummarizeLevel(l Level, costPerDay float64) LevelSummary {
	ls := LevelSummary{Agents: l.Agents, AgentDays: l.AgentDays, Reps: len(l.Reps), KPIs: map[string]Spread{}, PMiss: map[string]float64{}}
	kpis := map[string][]float64{}
	miss := map[string][2]int{}
	var refunds, disputes, dmoney, abandoned []float64
	positive := 0
	for _, r := range l.Reps {
		for id, v := range r.KPIs {
			kpis[id] = append(kpis[id], v)
		}
		for id, m := range r.Missed {
			c := miss[id]
			c[1]++
			if m {
				c[0]++
			}
			miss[id] = c
		}
		refunds = append(refunds, cny(r.Refund))
		if r.Refund > 0 {
			positive++
		}
		disputes = append(disputes, float64(r.Disputes))
		dmoney = append(dmoney, cny(r.DisputeRefunds))
		abandoned = append(abandoned, float64(r.Abandoned))
	}
	for id, x := range kpis {
		ls.KPIs[id] = spread(x)
	}
	for id, c := range miss {
		ls.PMiss[id] = float64(c[0]) / float64(c[1])
	}
	if n := len(refunds); n > 0 {
		sort.Float64s(refunds)
		ls.Refund = RefundSummary{
			Mean: stat.Mean(refunds, nil), P5: quantile(0.05, refunds), Median: quantile(0.5, refunds),
			P90: quantile(0.9, refunds), P95: quantile(0.95, refunds), Max: refunds[n-1],
			PRefund: float64(positive) / float64(n), PRefundCI: Wilson(positive, n),
		}
	}
	ls.Disputes, ls.DisputeRefunds, ls.Abandoned = spread(disputes), spread(dmoney), spread(abandoned)
	if a, ok := ls.KPIs["abandon_rate"]; ok && a.N > 0 {
		ls.AbandonRate = a.Mean
	} else if len(l.Reps) > 0 {
		share := 0.0
		for _, r := range l.Reps {
			if r.Customers > 0 {
				share += float64(r.Abandoned) / float64(r.Customers)
			}
		}
		ls.AbandonRate = share / float64(len(l.Reps))
	}
	if costPerDay > 0 {
		ls.AgentCost = l.AgentDays * costPerDay
		ls.ExpectedTotal = ls.AgentCost + ls.Refund.Mean
	}
	return ls
}

package plan

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// Condition is one METRIC OP VALUE of a risk target.
type Condition struct {
	Metric string  `json:"metric"`
	Op     string  `json:"op"`
	Value  float64 `json:"value"`
}

// Risk is a risk target: every condition must hold.
type Risk []Condition

func (r Risk) String() string {
	parts := make([]string, len(r))
	for i, c := range r {
		parts[i] = c.Metric + c.Op + strconv.FormatFloat(c.Value, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

var condition = regexp.MustCompile(`^\s*([a-z0-9_.]+)\s*(<=|>=|==|<|>)\s*([-+0-9.eE]+)\s*$`)

// fixedMetrics are the level metrics a risk target may use besides the
// per-KPI ones.
var fixedMetrics = []string{
	"p_refund", "refund_mean", "refund_median", "refund_p90", "refund_p95", "refund_max",
	"disputes_mean", "dispute_refunds_mean", "abandoned_mean", "agent_cost", "expected_total",
}

// MetricNames lists every metric a risk target may use: the fixed ones,
// p_miss.KPI for each KPI of the catalogue, and KPI_mean, KPI_p5, KPI_p95.
func MetricNames() []string {
	names := append([]string(nil), fixedMetrics...)
	for _, id := range sim.KPIIDs() {
		names = append(names, "p_miss."+id, id+"_mean", id+"_p5", id+"_p95")
	}
	return names
}

// ParseRisk reads a risk target: conditions METRIC OP VALUE with OP one of
// <=, <, >=, >, ==, joined by commas or "and"; all must hold.
// Example: "p_refund<=0.05, refund_p95<=5000".
func ParseRisk(s string) (Risk, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("risk target is empty: want METRIC OP VALUE, such as p_refund<=0.05")
	}
	known := map[string]bool{}
	for _, n := range MetricNames() {
		known[n] = true
	}
	var r Risk
	for i, part := range strings.Split(strings.ReplaceAll(s, " and ", ","), ",") {
		m := condition.FindStringSubmatch(part)
		if m == nil {
			return nil, fmt.Errorf("risk condition %d %q: want METRIC OP VALUE with OP one of <= < >= > ==, such as p_refund<=0.05", i+1, strings.TrimSpace(part))
		}
		if !known[m[1]] {
			return nil, fmt.Errorf("risk condition %d: unknown metric %q (known: %s, p_miss.KPI, KPI_mean, KPI_p5, KPI_p95)", i+1, m[1], strings.Join(fixedMetrics, ", "))
		}
		v, err := strconv.ParseFloat(m[3], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("risk condition %d: value %q is not a number", i+1, m[3])
		}
		// A share of replications is a probability: p_refund<=2 would
		// hold at every level, a typo for 0.2 that recommends the fewest.
		if (m[1] == "p_refund" || strings.HasPrefix(m[1], "p_miss.")) && (v < 0 || v > 1) {
			return nil, fmt.Errorf("risk condition %d: %s is a share of replications: want a value from 0 to 1, got %s", i+1, m[1], m[3])
		}
		r = append(r, Condition{Metric: m[1], Op: m[2], Value: v})
	}
	return r, nil
}

// Metric returns a level's value of a metric, and false when the level
// has none (a KPI never observed, a cost not given).
func Metric(ls *LevelSummary, name string) (float64, bool) {
	switch name {
	case "p_refund":
		return ls.Refund.PRefund, true
	case "refund_mean":
		return ls.Refund.Mean, true
	case "refund_median":
		return ls.Refund.Median, true
	case "refund_p90":
		return ls.Refund.P90, true
	case "refund_p95":
		return ls.Refund.P95, true
	case "refund_max":
		return ls.Refund.Max, true
	case "disputes_mean":
		return ls.Disputes.Mean, true
	case "dispute_refunds_mean":
		return ls.DisputeRefunds.Mean, true
	case "abandoned_mean":
		return ls.Abandoned.Mean, true
	case "agent_cost":
		return ls.AgentCost, ls.AgentCost > 0
	case "expected_total":
		return ls.ExpectedTotal, ls.AgentCost > 0
	}
	if id, ok := strings.CutPrefix(name, "p_miss."); ok {
		v, ok := ls.PMiss[id]
		return v, ok
	}
	for _, suffix := range []string{"_mean", "_p5", "_p95"} {
		if id, ok := strings.CutSuffix(name, suffix); ok {
			s, ok := ls.KPIs[id]
			if !ok || s.N == 0 {
				return 0, false
			}
			switch suffix {
			case "_mean":
				return s.Mean, true
			case "_p5":
				return s.P5, true
			default:
				return s.P95, true
			}
		}
	}
	return 0, false
}

// Met reports whether a level meets every condition; a metric the level
// lacks fails its condition.
func (r Risk) Met(ls *LevelSummary) bool {
	for _, c := range r {
		v, ok := Metric(ls, c.Metric)
		if !ok {
			return false
		}
		var hold bool
		switch c.Op {
		case "<=":
			hold = v <= c.Value
		case "<":
			hold = v < c.Value
		case ">=":
			hold = v >= c.Value
		case ">":
			hold = v > c.Value
		case "==":
			hold = v == c.Value
		}
		if !hold {
			return false
		}
	}
	return true
}

// Shortfall is how far a level's point estimates are from meeting r: the
// sum over the conditions they break of the distance to the condition's
// value, relative to it (to 1 when the value is 0), and 1 for a metric
// the level lacks. 0 when the point estimates meet every condition. The
// roster search judges progress by it, whatever metrics the target uses.
func (r Risk) Shortfall(ls *LevelSummary) float64 {
	var sum float64
	for _, c := range r {
		v, ok := Metric(ls, c.Metric)
		if !ok {
			sum++
			continue
		}
		var d float64
		switch c.Op {
		case "<=", "<":
			d = v - c.Value
		case ">=", ">":
			d = c.Value - v
		case "==":
			d = math.Abs(v - c.Value)
		}
		if d <= 0 && (c.Op == "<=" || c.Op == ">=" || c.Op == "==") {
			continue
		}
		scale := math.Abs(c.Value)
		if scale == 0 {
			scale = 1
		}
		sum += math.Max(d, 0) / scale
	}
	return sum
}

// KPIBadness sums, over the KPIs whose miss probability r names
// (p_miss.KPI), how bad each KPI's mean is, relative to the contract's
// target where targets has one (to 1 otherwise): larger is worse,
// whichever way the KPI improves. When a miss probability sits at 1
// through several evaluations, the mean still shows whether agents
// added there help. 0 when r names no KPI.
func (r Risk) KPIBadness(ls *LevelSummary, targets map[string]float64) float64 {
	var sum float64
	for _, c := range r {
		id, ok := strings.CutPrefix(c.Metric, "p_miss.")
		if !ok {
			continue
		}
		k, ok := sim.LookupKPI(id)
		s, have := ls.KPIs[id]
		if !ok || !have || s.N == 0 {
			continue
		}
		scale := math.Abs(targets[id])
		if scale == 0 {
			scale = 1
		}
		if k.Direction == sim.HigherIsBetter {
			sum -= s.Mean / scale
		} else {
			sum += s.Mean / scale
		}
	}
	return sum
}

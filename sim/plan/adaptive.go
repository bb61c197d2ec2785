package plan

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// The bounds of adaptive replications: every staffing gets at least
// DefaultMinReps and at most DefaultMaxReps.
const (
	DefaultMinReps = 10
	DefaultMaxReps = 400
)

// Adaptive is the stopping rule of adaptive replications. Staffing levels
// get replications in rounds, and a level stops getting more when
//
//   - the 95 % interval of every risk metric lies wholly on one side of its
//     threshold (or one condition's interval lies wholly on the failing
//     side, which settles the verdict), or
//   - it has Max, or
//   - a level with fewer agents is settled as meeting the target: the
//     recommendation, the fewest agents meeting it, is then below, and no
//     more replications of this level can change it (verdict Beyond).
//
// Every level starts with Min. After that only the level with the fewest
// agents that is still open gets more, so that a level above it does not
// run replications its neighbour's verdict may make needless.
type Adaptive struct {
	Min, Max int
	Risk     Risk
	// CostPerDay is the cost of an agent-day (for agent_cost and
	// expected_total); 0 when not given.
	CostPerDay float64
}

// Verdict is what the intervals say of a condition or a risk target.
type Verdict int

// The verdicts.
const (
	Undecided Verdict = iota
	Holds
	Fails
	// Beyond is undecided at a level above one whose intervals hold: it
	// cannot change the recommendation.
	Beyond
)

var verdictNames = [...]string{"undecided", "holds", "fails", "beyond"}

func (v Verdict) String() string { return verdictNames[v] }

// MarshalText writes the verdict's name.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText reads a verdict's name.
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if string(b) == n {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("verdict %q: want one of %v", b, verdictNames)
}

// Plan returns how many replications each level (in increasing order of
// agents) should have after the next round; a count no larger than what a
// level has means none more.
//
// The next count of the open level is the smallest at which the current
// estimates would settle one of its undecided conditions (for p_refund at
// 0 of n: 73, the first n whose Wilson interval of 0 ends at or below
// 0.05), at least 10 more and at most twice as many as now, and at most
// Max. The rounds only choose when to look; the stopping rule is the same
// whatever they choose.
func (a Adaptive) Plan(levels []Level) []int {
	lo, hi := max(1, a.Min), max(1, a.Max, a.Min)
	want := make([]int, len(levels))
	open := -1
	held := false
	for i := range levels {
		l := &levels[i]
		n := len(l.Reps)
		want[i] = n
		if n < lo {
			want[i] = lo
			continue
		}
		if held || open >= 0 || n >= hi {
			continue
		}
		switch v, _ := Judge(a.Risk, l, a.CostPerDay); v {
		case Holds:
			held = true
		case Undecided:
			open = i
		}
	}
	for i := range levels {
		if len(levels[i].Reps) < lo {
			return want // the first round: every level gets Min
		}
	}
	if open < 0 {
		return want
	}
	l := &levels[open]
	n := len(l.Reps)
	next := hi
	for _, c := range a.Risk {
		iv, ok := MetricInterval(l, c.Metric, a.CostPerDay)
		if !ok || decide(c, iv) != Undecided {
			continue
		}
		next = min(next, predict(l, c, a.CostPerDay, hi))
	}
	want[open] = min(hi, max(next, n+10), 2*n)
	return want
}

// predict estimates the replications at which c's interval would settle
// if the estimates stayed as they are.
func predict(l *Level, c Condition, cost float64, limit int) int {
	n := len(l.Reps)
	kind, xs := samples(l, c.Metric, cost)
	switch kind {
	case kindShare:
		k := 0
		for _, x := range xs {
			if x > 0 {
				k++
			}
		}
		p := float64(k) / float64(len(xs))
		for m := n + 1; m <= limit; m++ {
			if decide(c, Wilson(int(math.Round(p*float64(m))), m)) != Undecided {
				return m
			}
		}
		return limit
	case kindMean:
		mean, sd := stat.MeanStdDev(xs, nil)
		gap := math.Abs(mean - c.Value)
		if gap == 0 || len(xs) < 2 {
			return limit
		}
		half := tQuantile(len(xs)) * sd / math.Sqrt(float64(len(xs)))
		r := half / gap
		return int(math.Ceil(float64(len(xs)) * r * r))
	}
	return 2 * n
}

// Judge returns the verdict of the risk target's 95 % intervals on l and
// the interval of each metric it names.
func Judge(r Risk, l *Level, cost float64) (Verdict, map[string]Interval) {
	ivs := map[string]Interval{}
	all := Holds
	for _, c := range r {
		iv, ok := MetricInterval(l, c.Metric, cost)
		if !ok {
			return Fails, ivs // a metric the level lacks fails its condition
		}
		ivs[c.Metric] = iv
		switch decide(c, iv) {
		case Fails:
			all = Fails
		case Undecided:
			if all != Fails {
				all = Undecided
			}
		}
	}
	return all, ivs
}

// decide says whether interval iv lies wholly on one side of c's
// threshold.
func decide(c Condition, iv Interval) Verdict {
	v := c.Value
	var holds, fails bool
	switch c.Op {
	case "<=":
		holds, fails = iv.Hi <= v, iv.Lo > v
	case "<":
		holds, fails = iv.Hi < v, iv.Lo >= v
	case ">=":
		holds, fails = iv.Lo >= v, iv.Hi < v
	case ">":
		holds, fails = iv.Lo > v, iv.Hi <= v
	case "==":
		holds, fails = iv.Lo == v && iv.Hi == v, iv.Lo > v || iv.Hi < v
	}
	switch {
	case holds:
		return Holds
	case fails:
		return Fails
	}
	return Undecided
}

type sampleKind int

const (
	kindShare    sampleKind = iota // a share of replications: Wilson
	kindMean                       // a mean: Student's t
	kindQuantile                   // an empirical quantile: order statistics
	kindMax                        // the largest value: [max, +Inf)
	kindConst                      // no sampling error
)

// samples returns a metric's per-replication values and how its interval
// is formed. For a share the values are 1 (counted) or 0.
func samples(l *Level, name string, cost float64) (sampleKind, []float64) {
	var xs []float64
	each := func(f func(r *Rep) (float64, bool)) []float64 {
		for i := range l.Reps {
			if v, ok := f(&l.Reps[i]); ok {
				xs = append(xs, v)
			}
		}
		return xs
	}
	refund := func(r *Rep) (float64, bool) { return cny(r.Refund), true }
	switch name {
	case "p_refund":
		return kindShare, each(func(r *Rep) (float64, bool) { return b2f(r.Refund > 0), true })
	case "refund_mean":
		return kindMean, each(refund)
	case "refund_median", "refund_p90", "refund_p95":
		return kindQuantile, each(refund)
	case "refund_max":
		return kindMax, each(refund)
	case "disputes_mean":
		return kindMean, each(func(r *Rep) (float64, bool) { return float64(r.Disputes), true })
	case "dispute_refunds_mean":
		return kindMean, each(func(r *Rep) (float64, bool) { return cny(r.DisputeRefunds), true })
	case "abandoned_mean":
		return kindMean, each(func(r *Rep) (float64, bool) { return float64(r.Abandoned), true })
	case "agent_cost":
		return kindConst, []float64{l.AgentDays * cost}
	case "expected_total":
		return kindMean, each(func(r *Rep) (float64, bool) { return l.AgentDays*cost + cny(r.Refund), true })
	}
	if id, ok := strings.CutPrefix(name, "p_miss."); ok {
		return kindShare, each(func(r *Rep) (float64, bool) {
			m, ok := r.Missed[id]
			return b2f(m), ok
		})
	}
	for _, suffix := range []string{"_mean", "_p5", "_p95"} {
		if id, ok := strings.CutSuffix(name, suffix); ok {
			k := kindQuantile
			if suffix == "_mean" {
				k = kindMean
			}
			return k, each(func(r *Rep) (float64, bool) {
				v, ok := r.KPIs[id]
				return v, ok
			})
		}
	}
	return kindConst, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// quantileOf returns the probability of a quantile metric's name.
func quantileOf(name string) float64 {
	switch {
	case strings.HasSuffix(name, "_median"):
		return 0.5
	case strings.HasSuffix(name, "_p90"):
		return 0.9
	case strings.HasSuffix(name, "_p95"):
		return 0.95
	}
	return 0.05 // _p5
}

// MetricInterval returns the 95 % interval of a risk metric on l's
// replications, and false when l has no value of it:
//
//   - a share (p_refund, p_miss.KPI): Wilson's score interval;
//   - a mean: mean ± t(0.975, n−1) × s ÷ √n, unbounded below 2
//     replications;
//   - a quantile (refund_p95, KPI_p5, …): the distribution-free interval
//     between the order statistics whose ranks hold the quantile with
//     95 % binomial probability, unbounded where a rank falls outside the
//     sample;
//   - refund_max: from the largest value seen to +Inf (more replications
//     can only raise it);
//   - agent_cost: its value, which no replication changes.
func MetricInterval(l *Level, name string, cost float64) (Interval, bool) {
	kind, xs := samples(l, name, cost)
	if len(xs) == 0 {
		return Interval{}, false
	}
	n := len(xs)
	switch kind {
	case kindShare:
		k := 0
		for _, x := range xs {
			if x > 0 {
				k++
			}
		}
		return Wilson(k, n), true
	case kindMean:
		mean, sd := stat.MeanStdDev(xs, nil)
		if n < 2 {
			return Interval{Lo: math.Inf(-1), Hi: math.Inf(1)}, true
		}
		half := tQuantile(n) * sd / math.Sqrt(float64(n))
		return Interval{Lo: mean - half, Hi: mean + half}, true
	case kindQuantile:
		s := slices.Clone(xs)
		slices.Sort(s)
		b := distuv.Binomial{N: float64(n), P: quantileOf(name)}
		lo, hi := math.Inf(-1), math.Inf(1)
		// Ranks are 1-based: x(r) is s[r-1]. P(B < r) is the chance that
		// fewer than r values lie at or below the quantile.
		for r := n; r >= 1; r-- {
			if b.CDF(float64(r-1)) <= 0.025 {
				lo = s[r-1]
				break
			}
		}
		for r := 1; r <= n; r++ {
			if b.CDF(float64(r-1)) >= 0.975 {
				hi = s[r-1]
				break
			}
		}
		return Interval{Lo: lo, Hi: hi}, true
	case kindMax:
		return Interval{Lo: slices.Max(xs), Hi: math.Inf(1)}, true
	}
	return Interval{Lo: xs[0], Hi: xs[0]}, true
}

// tQuantile is Student's t quantile at 0.975 with n−1 degrees of freedom.
func tQuantile(n int) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(n - 1)}.Quantile(0.975)
}

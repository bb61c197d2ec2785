package calib

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// Bounds of a check (the back-test of docs/calibration.md): shares within
// an absolute error, everything else within a relative one.
const (
	ShareBound    = 0.03
	RelativeBound = 0.05
)

// Check compares a fitted parameter with the value the scenario's agent
// model gave it.
type Check struct {
	Param  string  `json:"param"`
	Truth  float64 `json:"truth"`
	Fitted float64 `json:"fitted"`
	// RelError is (fitted − truth) ÷ truth; AbsError fitted − truth.
	RelError float64 `json:"rel_error"`
	AbsError float64 `json:"abs_error"`
	// Bound is the error allowed, absolute for shares and relative for
	// the rest (BoundKind says which).
	Bound     float64 `json:"bound"`
	BoundKind string  `json:"bound_kind"`
	Within    bool    `json:"within"`
	// Pooled: fitted from every conversation, not one case's.
	Pooled bool `json:"pooled"`
	N      int  `json:"n"`
	// Lo and Hi are the fitted value's 95 % interval.
	Lo float64 `json:"ci95_low"`
	Hi float64 `json:"ci95_high"`
}

// MarshalJSON writes c with null for an interval that is not a number.
func (c Check) MarshalJSON() ([]byte, error) {
	type plain Check
	type view struct {
		plain
		Lo *float64 `json:"ci95_low"`
		Hi *float64 `json:"ci95_high"`
	}
	return json.Marshal(view{plain: plain(c), Lo: finite(c.Lo), Hi: finite(c.Hi)})
}

// Comparison is a fit set against a scenario's own agent model.
type Comparison struct {
	Scenario string  `json:"scenario"`
	Checks   []Check `json:"checks"`
	// Insufficient lists the parameters with a sample below the fit's
	// MinN: printed with their n, not checked.
	Insufficient []Param `json:"insufficient"`
	// Within counts the checks within their bounds, PooledWithin the
	// pooled ones among them.
	Within, Pooled, PooledWithin int
}

// Passed reports whether the comparison meets the back-test's rule: at
// least 90 % of the checks within their bounds, and every pooled one.
func (c *Comparison) Passed() bool {
	return len(c.Checks) > 0 && c.PooledWithin == c.Pooled && float64(c.Within) >= 0.9*float64(len(c.Checks))
}

// Compare checks f against the agent model of s: the pooled accuracy,
// reply work, handle time (per effort) and rounds, the capacity of every
// level of chats held with the sample, and each case's handle time and
// accuracy where the case had the sample. The truth of the pooled
// accuracy is the scenario's accuracy of each judged conversation's case,
// averaged (the file's accuracy when no case overrides it).
func Compare(f *Fit, s *sim.Scenario) *Comparison {
	am := s.Agent
	if am == nil {
		am = sim.DefaultAgentModel()
	}
	cmp := &Comparison{Scenario: s.Name}
	add := func(name string, truth float64, share, pooled bool) {
		p, ok := f.Param(name)
		if !ok || math.IsNaN(p.Value) {
			return
		}
		if p.Insufficient {
			return
		}
		c := Check{Param: name, Truth: truth, Fitted: p.Value, AbsError: p.Value - truth, Pooled: pooled, N: p.N, Lo: p.Lo, Hi: p.Hi}
		if truth != 0 {
			c.RelError = (p.Value - truth) / truth
		}
		if share {
			c.Bound, c.BoundKind, c.Within = ShareBound, "absolute", math.Abs(c.AbsError) <= ShareBound
		} else {
			c.Bound, c.BoundKind, c.Within = RelativeBound, "relative", math.Abs(c.RelError) <= RelativeBound
		}
		cmp.Checks = append(cmp.Checks, c)
	}
	if n := f.judged(); n > 0 {
		truth := 0.0
		for id, k := range f.judgedByCase {
			truth += float64(k) * am.AccuracyFor(id)
		}
		add("accuracy", truth/float64(n), true, true)
	}
	add("first_reply.mean", am.FirstReply.MeanDuration().Seconds(), false, true)
	add("reply.mean", am.ReplyWork().MeanDuration().Seconds(), false, true)
	add("handle_time.mean", pooledHandle(am, f.handleByCase), false, true)
	add("rounds", am.Rounds, false, true)
	add("unanswered_close", am.UnansweredClose, true, true)
	for n := 2; n <= len(am.Capacity); n++ {
		add(fmt.Sprintf("capacity[%d]", n), am.Capacity[n-1], false, true)
	}
	for _, id := range sim.CaseIDs() {
		add("cases."+id+".handle_time.mean", am.HandleTimeFor(id).MeanDuration().Seconds(), false, false)
		add("cases."+id+".accuracy", am.AccuracyFor(id), true, false)
	}
	for _, p := range f.Params {
		if p.Insufficient {
			cmp.Insufficient = append(cmp.Insufficient, p)
		}
	}
	for _, c := range cmp.Checks {
		if c.Within {
			cmp.Within++
		}
		if c.Pooled {
			cmp.Pooled++
			if c.Within {
				cmp.PooledWithin++
			}
		}
	}
	return cmp
}

func (f *Fit) judged() int {
	n := 0
	for _, k := range f.judgedByCase {
		n += k
	}
	return n
}

// Summary says in one line how the comparison went.
func (c *Comparison) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d checks within their bounds (%.0f %%), %d of %d pooled", c.Within, len(c.Checks),
		100*float64(c.Within)/math.Max(1, float64(len(c.Checks))), c.PooledWithin, c.Pooled)
	if c.Passed() {
		b.WriteString(": the fit recovers the scenario's agent model")
	} else {
		b.WriteString(": the back-test's rule (90 % of the checks and every pooled one) is not met")
	}
	return b.String()
}

// pooledHandle is the truth of the pooled handle time: what its
// log-normal fit converges to over the cases behind it, each case's
// handle time divided by its effort. When none of those cases has a
// handle time of its own in the scenario, that is the scenario's
// handle_time; otherwise the fit sees a mixture, and its mean and
// variance of logs are the mixture's (each case taken as a log-normal of
// its mean and cv).
func pooledHandle(am *sim.AgentModel, byCase map[string]int) float64 {
	n, m, m2 := 0.0, 0.0, 0.0
	for id, k := range byCase {
		d := am.HandleTimeFor(id)
		eff := 1.0
		if c, ok := sim.LookupCase(id); ok && c.Effort > 0 {
			eff = c.Effort
		}
		s2 := math.Log1p(d.CV * d.CV)
		mu := math.Log(d.MeanDuration().Seconds()/eff) - s2/2
		w := float64(k)
		n += w
		m += w * mu
		m2 += w * (s2 + mu*mu)
	}
	if n == 0 {
		return am.HandleTime.MeanDuration().Seconds()
	}
	m /= n
	return math.Exp(m + (m2/n-m*m)/2)
}

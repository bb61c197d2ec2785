package plan

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"

	"github.com/deskdrill/deskdrill/sim"
)

// Shift is one kind of shift of a roster and the agents who work it.
type Shift struct {
	Start sim.ClockTime `json:"start"`
	// Hours is the shift's length, breaks included; PaidHours leaves out
	// its unpaid breaks.
	Hours     float64 `json:"hours"`
	PaidHours float64 `json:"paid_hours"`
	Agents    int     `json:"agents"`
}

// Roster is a daily pattern of shifts, repeated every day of the
// scenario.
type Roster struct {
	Shifts []Shift `json:"shifts"`
	// AgentHours is the paid agent-hours over the scenario; PerDay those
	// of one day of the pattern.
	AgentHours float64 `json:"agent_hours"`
	PerDay     float64 `json:"agent_hours_per_day"`
	// Cost is AgentHours at the plan's agent cost (CNY), 0 without one.
	Cost float64 `json:"cost,omitempty"`
	// LPBound is the optimum of the linear relaxation for the final
	// coverage, over the scenario: no roster of these shifts covers it
	// with fewer paid agent-hours. Gap is AgentHours ÷ LPBound − 1.
	LPBound float64 `json:"lp_bound"`
	Gap     float64 `json:"gap"`
	// Rostered is, per clock hour of the day, the agents on duty after
	// breaks and shrinkage: Σ agents × the share of the hour their shift
	// is on duty × (1 − shrinkage).
	Rostered  []float64 `json:"rostered"`
	Shrinkage float64   `json:"shrinkage"`
	// Rounds are the engine's evaluations that added agents before the
	// last one, which met the risk target (MeetsRisk: with adaptive
	// replications, its intervals hold) or ran out of rounds.
	Rounds    []RosterRound `json:"rounds"`
	MeetsRisk bool          `json:"meets_risk"`
	// Stopped says why the search stopped: StopMet, StopRounds, StopStale
	// or StopNoHour.
	Stopped string `json:"stopped"`
}

// Why a roster search stopped (Roster.Stopped).
const (
	StopMet    = "meets the risk target"
	StopRounds = "the most evaluations"
	StopStale  = "three evaluations running did not bring the risk target closer: the miss is not the roster's"
	StopNoHour = "every hour it would add to is one no staffing meets: the miss is not the roster's"
)

// RosterRound is an evaluation of a roster that missed the risk target,
// and the agents added to the coverage it asks for because of it.
type RosterRound struct {
	AgentHours float64  `json:"agent_hours"`
	Reps       int      `json:"reps"`
	PRefund    float64  `json:"p_refund"`
	PRefundCI  Interval `json:"p_refund_ci"`
	Verdict    Verdict  `json:"verdict"`
	// Missed are the contract KPIs missed in some replication; Hours the
	// clock hours ("20:00") that got agents, and Added how many in all.
	Missed []string `json:"missed"`
	Hours  []string `json:"hours"`
	Added  int      `json:"added"`
}

// Evaluation is a staffing's refund exposure over its own replications.
type Evaluation struct {
	Reps      int      `json:"reps"`
	PRefund   float64  `json:"p_refund"`
	PRefundCI Interval `json:"p_refund_ci"`
	// RefundMean is the mean contract refund, CNY.
	RefundMean float64 `json:"refund_mean"`
	// MeetsRisk is whether the staffing meets the risk target: with a
	// fixed number of replications the point estimates' answer, with
	// adaptive ones the intervals' (Verdict Holds); one left undecided at
	// the maximum is a miss (docs/planning.md, Evaluation).
	MeetsRisk bool         `json:"meets_risk"`
	Verdict   Verdict      `json:"verdict"`
	Summary   LevelSummary `json:"summary"`
	// Hours are the scenario's hours under this staffing.
	Hours []HourSummary `json:"hours"`
}

// Evaluate summarises a staffing's replications against the risk target.
func Evaluate(l Level, o Options) *Evaluation {
	ls := SummarizeLevel(l, o.AgentCostPerDay)
	ls.Verdict, ls.Intervals = Judge(o.RiskTarget(), &l, o.AgentCostPerDay)
	return &Evaluation{
		Reps: len(l.Reps), PRefund: ls.Refund.PRefund, PRefundCI: ls.Refund.PRefundCI, RefundMean: ls.Refund.Mean,
		MeetsRisk: o.RiskTarget().Met(&ls) && (o.Reps > 0 || ls.Verdict == Holds), Verdict: ls.Verdict, Summary: ls, Hours: Hourly(l, o.HourStarts),
	}
}

func altEvaluation(a *Alternative) *Evaluation {
	if a == nil {
		return nil
	}
	return a.Evaluation
}

// Alternative is a staffing to compare a roster with: flat (N agents every
// hour) or shaped (the scenario's intervals scaled to N in the peak).
type Alternative struct {
	Agents     int     `json:"agents"`
	AgentHours float64 `json:"agent_hours"`
	// Cost is AgentHours at the plan's agent cost (CNY), 0 without one.
	Cost       float64     `json:"cost,omitempty"`
	Evaluation *Evaluation `json:"evaluation"`
}

// column is one shift kind of the program: a start and a length.
type column struct {
	start sim.ClockTime
	len   time.Duration
	paid  float64     // paid hours
	cover [24]float64 // agents on duty per clock hour, per agent rostered
}

// columns lists the shift kinds of the rules with their coverage of each
// clock hour of a daily pattern (a shift running past midnight covers the
// early hours, as the same pattern the day before would).
func columns(rules sim.RosterRules) []column {
	var out []column
	for _, start := range rules.StartTimes() {
		for _, d := range rules.Shifts {
			c := column{start: start, len: d, paid: d.Hours()}
			minutes := make([]bool, int(d/time.Minute))
			for i := range minutes {
				minutes[i] = true
			}
			for _, b := range rules.BreaksOf(d) {
				for m := int(b.After / time.Minute); m < int((b.After+b.Length)/time.Minute) && m < len(minutes); m++ {
					minutes[m] = false
				}
				if !b.Paid {
					c.paid -= b.Length.Hours()
				}
			}
			for m, on := range minutes {
				if on {
					c.cover[((int(start)+m)%sim.MinutesPerDay)/60] += (1 - rules.Shrinkage) / 60
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ErrUncovered means some clock hour needs agents that no allowed shift
// puts on duty.
var ErrUncovered = errors.New("no allowed shift covers an hour that needs agents")

// SolveRoster finds a roster of the rules' shifts whose agents on duty,
// after breaks and shrinkage, reach required[h] in every clock hour h (24
// values) with the fewest paid agent-hours: an integer program, solved
// by its linear relaxation (gonum's simplex), rounding up, and local
// improvement (removing agents, and moving one to a cheaper shift, while
// coverage holds). days scales the per-day figures to the scenario.
func SolveRoster(required []float64, rules sim.RosterRules, days float64) (*Roster, error) {
	if len(required) != 24 {
		return nil, fmt.Errorf("solve roster: %d hours of needs; want 24", len(required))
	}
	cols := columns(rules)
	for h, r := range required {
		if r <= 0 {
			continue
		}
		covered := false
		for _, c := range cols {
			covered = covered || c.cover[h] > 0
		}
		if !covered {
			return nil, fmt.Errorf("solve roster: %02d:00 needs %.0f agents: %w", h, r, ErrUncovered)
		}
	}
	bound, x, err := relax(cols, required)
	if err != nil {
		return nil, err
	}
	n := make([]int, len(cols))
	for j, v := range x {
		n[j] = int(math.Ceil(v - 1e-9))
	}
	improve(cols, required, n)
	// Rounding down and repairing greedily sometimes lands lower.
	alt := make([]int, len(cols))
	for j, v := range x {
		alt[j] = int(math.Floor(v + 1e-9))
	}
	repair(cols, required, alt)
	improve(cols, required, alt)
	if cost(cols, alt) < cost(cols, n) {
		n = alt
	}
	r := &Roster{PerDay: cost(cols, n), LPBound: bound * days, Rostered: make([]float64, 24), Shrinkage: rules.Shrinkage, Shifts: []Shift{}}
	r.AgentHours = r.PerDay * days
	// The simplex's optimum carries rounding error: a bound a hair above
	// the whole-number roster's cost (which no relaxation can exceed) is
	// that cost, not a negative gap.
	if r.LPBound > r.AgentHours && r.LPBound-r.AgentHours <= 1e-9*r.AgentHours {
		r.LPBound = r.AgentHours
	}
	if r.LPBound > 0 {
		r.Gap = r.AgentHours/r.LPBound - 1
	}
	for j, c := range cols {
		if n[j] == 0 {
			continue
		}
		r.Shifts = append(r.Shifts, Shift{Start: c.start, Hours: c.len.Hours(), PaidHours: c.paid, Agents: n[j]})
		for h := range 24 {
			r.Rostered[h] += float64(n[j]) * c.cover[h]
		}
	}
	return r, nil
}

// relax solves the linear relaxation: minimise Σ paid_j x_j subject to
// Σ cover_hj x_j − s_h = required_h, x, s ≥ 0.
func relax(cols []column, required []float64) (float64, []float64, error) {
	if slices.Max(required) <= 0 {
		return 0, make([]float64, len(cols)), nil
	}
	m, nc := 24, len(cols)
	a := mat.NewDense(m, nc+m, nil)
	c := make([]float64, nc+m)
	for j, col := range cols {
		c[j] = col.paid
		for h := range m {
			a.Set(h, j, col.cover[h])
		}
	}
	for h := range m {
		a.Set(h, nc+h, -1)
	}
	opt, x, err := lp.Simplex(c, a, slices.Clone(required), 1e-10, nil)
	if err != nil {
		return 0, nil, fmt.Errorf("solve roster's linear relaxation: %w", err)
	}
	return opt, x[:nc], nil
}

func cost(cols []column, n []int) float64 {
	s := 0.0
	for j, c := range cols {
		s += float64(n[j]) * c.paid
	}
	return s
}

// covers reports whether n reaches required in every hour.
func covers(cols []column, required []float64, n []int) bool {
	for h := range 24 {
		s := 0.0
		for j, c := range cols {
			s += float64(n[j]) * c.cover[h]
		}
		if s < required[h]-1e-9 {
			return false
		}
	}
	return true
}

// repair adds, while some hour falls short, the shift that fills the
// most shortfall per paid hour.
func repair(cols []column, required []float64, n []int) {
	for !covers(cols, required, n) {
		var short [24]float64
		for h := range 24 {
			s := 0.0
			for j, c := range cols {
				s += float64(n[j]) * c.cover[h]
			}
			short[h] = max(0, required[h]-s)
		}
		best, bestV := -1, 0.0
		for j, c := range cols {
			v := 0.0
			for h := range 24 {
				v += math.Min(short[h], c.cover[h])
			}
			if v /= c.paid; v > bestV {
				best, bestV = j, v
			}
		}
		if best < 0 {
			return
		}
		n[best]++
	}
}

// improve removes agents, dearest shifts first, and moves agents to
// cheaper shifts, while coverage holds, until neither helps.
func improve(cols []column, required []float64, n []int) {
	order := make([]int, len(cols))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case cols[a].paid > cols[b].paid:
			return -1
		case cols[a].paid < cols[b].paid:
			return 1
		}
		return 0
	})
	for changed := true; changed; {
		changed = false
		for _, j := range order {
			for n[j] > 0 {
				n[j]--
				if covers(cols, required, n) {
					changed = true
					continue
				}
				n[j]++
				break
			}
		}
		for _, j := range order {
			if n[j] == 0 {
				continue
			}
			for k := range cols {
				if k == j || cols[k].paid >= cols[j].paid {
					continue
				}
				n[j]--
				n[k]++
				if covers(cols, required, n) {
					changed = true
					break
				}
				n[j]++
				n[k]--
			}
		}
	}
}

// RosterRequirement turns a scenario's hourly needs into the coverage a
// daily roster must give each clock hour: the most any day needs at that
// hour. startHour is the clock hour the scenario starts at.
func RosterRequirement(needs []HourNeed, startHour int) []float64 {
	out := make([]float64, 24)
	for i, n := range needs {
		h := (startHour + i) % 24
		out[h] = math.Max(out[h], float64(n.Agents))
	}
	return out
}

// MissHours chooses the clock hours whose agents cause an evaluation to
// miss the risk target. For each contract KPI missed in some replication
// it takes the hours that KPI counts whose hourly value falls short of
// the KPI's target — the 30-second answer rate for answer_rate_30s, the
// 3-minute reply rate for reply_rate_3min, abandonment for abandon_rate —
// or, when none falls short (the period misses by the spread between
// replications, not by one bad hour), the quarter of those hours with the
// least margin. Other KPIs (satisfaction, disputes, timeouts) and a risk
// target on money alone take the quarter of all hours with the least
// margin on the hour target. startHour is the scenario's first clock
// hour. The clock hours in skip (those no staffing meets) are left out
// before choosing: more agents do nothing there.
func MissHours(ev *Evaluation, o Options, startHour int, skip map[int]bool) (hours []int, missed []string) {
	t := o.hourTarget()
	chosen := map[int]bool{}
	pickLowest := func(idx []int, margin func(h *HourSummary) float64) {
		idx = slices.DeleteFunc(slices.Clone(idx), func(i int) bool { return skip[(startHour+ev.Hours[i].Hour)%24] })
		if len(idx) == 0 {
			return
		}
		var below []int
		for _, i := range idx {
			if margin(&ev.Hours[i]) < 0 {
				below = append(below, i)
			}
		}
		if len(below) == 0 {
			below = slices.Clone(idx)
			slices.SortStableFunc(below, func(a, b int) int {
				return cmpFloat(margin(&ev.Hours[a]), margin(&ev.Hours[b]))
			})
			below = below[:max(1, (len(below)+3)/4)]
		}
		for _, i := range below {
			chosen[(startHour+ev.Hours[i].Hour)%24] = true
		}
	}
	var all, business, answered []int
	for i, h := range ev.Hours {
		if h.Arrived == 0 {
			continue
		}
		clock := hourClock(h.Start)
		all = append(all, i)
		if o.BusinessHours.Contains(clock) || o.BusinessHours == (sim.ClockRange{}) {
			business = append(business, i)
		}
		if o.AnswerExcludes == nil || !o.AnswerExcludes.Contains(clock) {
			answered = append(answered, i)
		}
	}
	for _, id := range sim.KPIIDs() {
		if ev.Summary.PMiss[id] > 0 {
			missed = append(missed, id)
		}
	}
	hourMargin := func(h *HourSummary) float64 {
		return math.Min(h.Answered30s-t.Answered30s, t.Abandoned-h.Abandoned)
	}
	generic := len(missed) == 0
	for _, id := range missed {
		target, ok := o.Targets[id]
		switch {
		case id == "answer_rate_30s" && ok && len(answered) > 0:
			pickLowest(answered, func(h *HourSummary) float64 { return h.Answered30s - target })
		case id == "reply_rate_3min" && ok && len(business) > 0:
			pickLowest(business, func(h *HourSummary) float64 { return h.Reply3min - target })
		case id == "abandon_rate" && ok && len(all) > 0:
			pickLowest(all, func(h *HourSummary) float64 { return target - h.Abandoned })
		default:
			generic = true
		}
	}
	if generic && len(all) > 0 {
		pickLowest(all, hourMargin)
	}
	for h := range 24 {
		if chosen[h] {
			hours = append(hours, h)
		}
	}
	return hours, missed
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// AddRoster puts a roster, its evaluation and the staffings it is
// compared with into the report, and each of the report's hours gets the
// roster's agents on duty and the coverage asked of it (required, per
// clock hour, after the engine's additions). startHour is the scenario's
// first clock hour; costPerDay the cost of an agent-day (0: none), which
// prices the roster and the staffings beside it.
//
// Each staffing's hours are judged against the hour target and the plan's
// hourly needs (needs, o) as the report's own hours are: meets_target,
// needed and why say the same things of a roster as of a level.
func (r *Report) AddRoster(ro *Roster, ev *Evaluation, required []float64, flat, shaped *Alternative, startHour int, costPerDay float64,
	needs []HourNeed, o Options) {
	r.Roster, r.Evaluation, r.Flat, r.Shaped = ro, ev, flat, shaped
	for _, e := range []*Evaluation{ev, altEvaluation(flat), altEvaluation(shaped)} {
		if e != nil {
			judgeHours(e.Hours, needs, &o, &e.Summary)
		}
	}
	ro.Cost = ro.AgentHours / 24 * costPerDay
	for _, a := range []*Alternative{flat, shaped} {
		if a != nil {
			a.Cost = a.AgentHours / 24 * costPerDay
		}
	}
	for i := range r.Hours {
		h := (startHour + r.Hours[i].Hour) % 24
		on, req := ro.Rostered[h], int(math.Round(required[h]))
		r.Hours[i].Rostered, r.Hours[i].Required = &on, &req
	}
}

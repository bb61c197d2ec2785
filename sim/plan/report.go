package plan

import (
	"github.com/deskdrill/deskdrill/sim"
)

// Options are the planner's settings and what it knows of the scenario
// when it writes the report. They are all a report needs besides the
// replications and the hourly needs, so a plan's shards carry them and
// their merge writes the report the unsharded plan writes.
type Options struct {
	Scenario string `json:"scenario"`
	// HourStarts are the local starts (2006-01-02T15:04) of the
	// scenario's hours: the hours a report shows.
	HourStarts []string `json:"hour_starts"`
	Seed       uint64   `json:"seed"`
	// Reps is the replications per level when fixed (--reps); 0 means
	// adaptive, from MinReps to MaxReps.
	Reps    int `json:"reps"`
	MinReps int `json:"min_reps"`
	MaxReps int `json:"max_reps"`
	// AgentCostPerDay is the cost of one agent-day in CNY; 0 when not given.
	AgentCostPerDay float64 `json:"agent_cost_per_day"`
	// Risk is the target the recommendation must meet; nil means
	// p_refund ≤ 0.05.
	Risk Risk `json:"risk"`
	// Hour is the target each hour must meet for the agents-per-hour
	// answer; the zero value means DefaultHourTarget.
	Hour HourTarget `json:"hour_target"`
	// MaxAbandon bounds the abandonment of a "cheapest" pick (the platform
	// profile's comfortable level by default).
	MaxAbandon float64 `json:"max_abandon"`
	// AnswerExcludes is the daily window the platform leaves out of the
	// answer rate (nil: none), BusinessHours the window of its reply-rate
	// KPIs, Targets the contract's KPI targets by KPI id: what explains an
	// hour that misses the hour target, and where a roster needs agents.
	AnswerExcludes *sim.ClockRange    `json:"answer_excludes,omitempty"`
	BusinessHours  sim.ClockRange     `json:"business_hours"`
	Targets        map[string]float64 `json:"targets,omitempty"`
}

// RiskTarget is the options' risk target, DefaultRisk when none is set.
func (o *Options) RiskTarget() Risk {
	if o.Risk == nil {
		return DefaultRisk
	}
	return o.Risk
}

func (o *Options) hourTarget() HourTarget {
	if o.Hour == (HourTarget{}) {
		return DefaultHourTarget
	}
	return o.Hour
}

// Adaptive returns the stopping rule of o's adaptive replications.
func (o *Options) Adaptive() Adaptive {
	return Adaptive{Min: o.MinReps, Max: o.MaxReps, Risk: o.RiskTarget(), CostPerDay: o.AgentCostPerDay}
}

// DefaultRisk is the risk target when none is given: the period's refund
// is above zero in at most 5 % of replications.
var DefaultRisk = Risk{{Metric: "p_refund", Op: "<=", Value: 0.05}}

// Pick is a staffing level and what buyers get at it.
type Pick struct {
	Agents int `json:"agents"`
	// Cost is what the rule minimises, in CNY.
	Cost float64 `json:"cost"`
	// Abandoned is the mean share of buyers leaving before a first valid
	// reply; Disputes the mean disputes ruled for buyers and BuyerRefunds
	// the money refunded to them through disputes, CNY.
	Abandoned    float64 `json:"abandoned"`
	Disputes     float64 `json:"disputes"`
	BuyerRefunds float64 `json:"buyer_refunds"`
}

// Cheapest is a "cheapest" answer: the level with the least cost by a
// rule, among the levels whose abandonment is within MaxAbandon.
type Cheapest struct {
	Rule string `json:"rule"`
	// Pick is nil when every level loses more buyers than MaxAbandon.
	Pick *Pick `json:"pick"`
	// Refused is the cheaper level the rule would pick without the floor,
	// refused for the buyers it loses; nil when the cheapest respects it.
	Refused *Pick `json:"refused,omitempty"`
}

// Report is the planner's answer.
type Report struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Reps is the replications per level when fixed (--reps), 0 when
	// adaptive between MinReps and MaxReps; each level says how many it
	// ran, and Runs counts them all.
	Reps    int            `json:"reps"`
	MinReps int            `json:"min_reps,omitempty"`
	MaxReps int            `json:"max_reps,omitempty"`
	Runs    int            `json:"runs"`
	Risk    string         `json:"risk"`
	Levels  []LevelSummary `json:"levels"`
	// Recommended is the fewest agents meeting the risk target, or 0 when
	// no level does; Meets says which levels meet it.
	Recommended int    `json:"recommended_agents"`
	Meets       []bool `json:"meets_risk"`
	// Monotone is false when a level above the recommended one fails the
	// target again: more replications would help.
	Monotone bool `json:"monotone"`
	// MaxAbandon is the floor of the cheapest picks; Cheapest the level
	// with the least agent cost plus expected contract refund, and
	// CheapestForMerchant adds the money refunded to buyers through
	// platform disputes (the contract refund is capped at the fee, so an
	// understaffed vendor may be cheap for itself and dear for the store).
	// Both only with a cost.
	MaxAbandon          float64   `json:"max_abandon"`
	Cheapest            *Cheapest `json:"cheapest,omitempty"`
	CheapestForMerchant *Cheapest `json:"cheapest_with_dispute_refunds,omitempty"`
	// Hours holds the scenario's hours at HoursAgents (the recommended
	// level, or the largest when none meets the target), each with the
	// agents it needs to meet HourTarget and, when it misses, why.
	// MissedHours lists the starts of the hours that miss.
	HourTarget  HourTarget    `json:"hour_target"`
	HoursAgents int           `json:"hours_agents"`
	Hours       []HourSummary `json:"hours"`
	MissedHours []string      `json:"hours_missing_target"`
	// Roster, Evaluation, Flat and Shaped come with --roster.
	Roster     *Roster      `json:"roster,omitempty"`
	Evaluation *Evaluation  `json:"evaluation,omitempty"`
	Flat       *Alternative `json:"flat,omitempty"`
	Shaped     *Alternative `json:"shaped,omitempty"`
}

// Summarize turns the replications of every level, in order of agents,
// and the hourly needs into the report. It adds in replication order and
// nothing else, so equal inputs give bit-identical reports.
func Summarize(levels []Level, needs []HourNeed, o Options) *Report {
	risk := o.RiskTarget()
	rep := &Report{Scenario: o.Scenario, Seed: o.Seed, Reps: o.Reps, Risk: risk.String(), Monotone: true,
		MaxAbandon: o.MaxAbandon, HourTarget: o.hourTarget(), MissedHours: []string{}}
	if o.Reps == 0 {
		rep.MinReps, rep.MaxReps = o.MinReps, o.MaxReps
	}
	held := false
	for i := range levels {
		ls := SummarizeLevel(levels[i], o.AgentCostPerDay)
		ls.Verdict, ls.Intervals = Judge(risk, &levels[i], o.AgentCostPerDay)
		if ls.Verdict == Undecided && held {
			ls.Verdict = Beyond
		}
		held = held || ls.Verdict == Holds
		rep.Levels = append(rep.Levels, ls)
		rep.Runs += len(levels[i].Reps)
	}
	for i := range rep.Levels {
		ok := risk.Met(&rep.Levels[i])
		rep.Meets = append(rep.Meets, ok)
		if ok && rep.Recommended == 0 {
			rep.Recommended = rep.Levels[i].Agents
		} else if !ok && rep.Recommended != 0 {
			rep.Monotone = false
		}
	}
	if o.AgentCostPerDay > 0 {
		rep.Cheapest = cheapest(rep.Levels, o.MaxAbandon, "least agent cost plus expected contract refund",
			func(l LevelSummary) float64 { return l.ExpectedTotal })
		rep.CheapestForMerchant = cheapest(rep.Levels, o.MaxAbandon, "least agent cost plus expected contract refund plus buyer dispute refunds",
			func(l LevelSummary) float64 { return l.ExpectedTotal + l.DisputeRefunds.Mean })
	}
	at := len(levels) - 1
	for i, l := range levels {
		if l.Agents == rep.Recommended {
			at = i
		}
	}
	if at >= 0 {
		rep.HoursAgents = levels[at].Agents
		rep.Hours = Hourly(levels[at], o.HourStarts)
		judgeHours(rep.Hours, needs, &o, &rep.Levels[at])
		for _, h := range rep.Hours {
			if !h.Meets {
				rep.MissedHours = append(rep.MissedHours, h.Start)
			}
		}
	}
	return rep
}

// cheapest picks the level with the least cost among those within the
// abandonment floor, and names the cheaper one it refused.
func cheapest(levels []LevelSummary, maxAbandon float64, rule string, cost func(LevelSummary) float64) *Cheapest {
	pick := func(ok func(LevelSummary) bool) *Pick {
		best := -1
		for i, l := range levels {
			if ok(l) && (best < 0 || cost(l) < cost(levels[best])) {
				best = i
			}
		}
		if best < 0 {
			return nil
		}
		l := levels[best]
		return &Pick{Agents: l.Agents, Cost: cost(l), Abandoned: l.AbandonRate, Disputes: l.Disputes.Mean, BuyerRefunds: l.DisputeRefunds.Mean}
	}
	c := &Cheapest{Rule: rule, Pick: pick(func(l LevelSummary) bool { return l.AbandonRate <= maxAbandon })}
	if any := pick(func(LevelSummary) bool { return true }); any != nil && (c.Pick == nil || any.Agents != c.Pick.Agents) {
		c.Refused = any
	}
	return c
}

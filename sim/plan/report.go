package plan

// Options are the planner's settings that shape the report.
type Options struct {
	Seed uint64
	Reps int
	// AgentCostPerDay is the cost of one agent-day in CNY; 0 when not given.
	AgentCostPerDay float64
	// Risk is the target the recommendation must meet; nil means
	// p_refund ≤ 0.05.
	Risk Risk
}

// DefaultRisk is the risk target when none is given: the period's refund
// is above zero in at most 5 % of replications.
var DefaultRisk = Risk{{Metric: "p_refund", Op: "<=", Value: 0.05}}

// Report is the planner's answer.
type Report struct {
	Seed   uint64         `json:"seed"`
	Reps   int            `json:"reps"`
	Risk   string         `json:"risk"`
	Levels []LevelSummary `json:"levels"`
	// Recommended is the fewest agents meeting the risk target, or 0 when
	// no level does; Meets says which levels meet it.
	Recommended int    `json:"recommended_agents"`
	Meets       []bool `json:"meets_risk"`
	// Monotone is false when a level above the recommended one fails the
	// target again: more replications would help.
	Monotone bool `json:"monotone"`
	// Cheapest is the level with the least agent cost plus expected refund
	// (only with a cost).
	Cheapest int `json:"cheapest_agents,omitempty"`
	// Hours holds the recommended level hour by hour (or the largest
	// level when none meets the target).
	HoursAgents int           `json:"hours_agents"`
	Hours       []HourSummary `json:"hours"`
}

// Summarize turns the replications of every level into the report.
func Summarize(levels []Level, o Options) *Report {
	risk := o.Risk
	if risk == nil {
		risk = DefaultRisk
	}
	rep := &Report{Seed: o.Seed, Reps: o.Reps, Risk: risk.String(), Monotone: true}
	for _, l := range levels {
		rep.Levels = append(rep.Levels, SummarizeLevel(l, o.AgentCostPerDay))
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
		best := -1
		for i, ls := range rep.Levels {
			if best < 0 || ls.ExpectedTotal < rep.Levels[best].ExpectedTotal {
				best = i
			}
		}
		if best >= 0 {
			rep.Cheapest = rep.Levels[best].Agents
		}
	}
	hourLevel := len(levels) - 1
	for i, l := range levels {
		if l.Agents == rep.Recommended {
			hourLevel = i
		}
	}
	if hourLevel >= 0 {
		rep.HoursAgents = levels[hourLevel].Agents
		rep.Hours = Hourly(levels[hourLevel])
	}
	return rep
}

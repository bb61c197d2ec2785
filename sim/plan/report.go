package plan

import "slices"

// Options are the planner's settings that shape the report.
type Options struct {
	Seed uint64
	Reps int
	// AgentCostPerDay is the cost of one agent-day in CNY; 0 when not given.
	AgentCostPerDay float64
	// Risk is the target the recommendation must meet; nil means
	// p_refund ≤ 0.05.
	Risk Risk
	// Hour is the target each hour must meet for the agents-per-hour
	// answer; the zero value means DefaultHourTarget.
	Hour HourTarget
}

// HourTarget is what an hour of a promotion day must achieve: at least
// Answered30s of its arrivals answered within 30 s, at most Abandoned of
// them leaving without an answer.
type HourTarget struct {
	Answered30s float64 `json:"answered_30s"`
	Abandoned   float64 `json:"abandoned"`
}

// DefaultHourTarget is 80 % answered within 30 s (the 30-second response
// rate the platforms measure) and at most 5 % abandoned.
var DefaultHourTarget = HourTarget{Answered30s: 0.8, Abandoned: 0.05}

// Met reports whether an hour averaged over replications meets t. An hour
// without arrivals needs nobody and meets it.
func (t HourTarget) Met(h HourSummary) bool {
	return h.Arrived == 0 || (h.Answered30s >= t.Answered30s && h.Abandoned <= t.Abandoned)
}

// HourNeed is the staffing one hour needs: the on-duty agents of the
// smallest level whose runs meet the hour target in that hour.
type HourNeed struct {
	Hour    int     `json:"hour"`
	Arrived float64 `json:"arrived"`
	// Agents on duty in this hour at Level; 0 with Enough false when no
	// level tried meets the target in this hour, and Tried is then the
	// most on duty in this hour at any level.
	Agents int  `json:"agents"`
	Level  int  `json:"level"`
	Enough bool `json:"enough"`
	Tried  int  `json:"tried,omitempty"`
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
	// CheapestForMerchant adds the money refunded to buyers through
	// platform disputes: the contract refund is capped at the fee, so an
	// understaffed vendor may be cheap for itself and dear for the store.
	CheapestForMerchant int `json:"cheapest_with_dispute_refunds,omitempty"`
	// Hours holds the recommended level hour by hour (or the largest
	// level when none meets the target).
	HoursAgents int           `json:"hours_agents"`
	Hours       []HourSummary `json:"hours"`
	// Needed is, hour by hour, the agents that hour needs to meet
	// HourTarget: the answer for surge days, where a single peak figure
	// overstaffs the quiet hours and the shape of the default roster may
	// not match the shape of the surge.
	HourTarget HourTarget `json:"hour_target"`
	Needed     []HourNeed `json:"needed_per_hour"`
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
		rep.Cheapest = argmin(rep.Levels, func(l LevelSummary) float64 { return l.ExpectedTotal })
		rep.CheapestForMerchant = argmin(rep.Levels, func(l LevelSummary) float64 { return l.ExpectedTotal + l.DisputeRefunds.Mean })
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
	rep.HourTarget = o.Hour
	if rep.HourTarget == (HourTarget{}) {
		rep.HourTarget = DefaultHourTarget
	}
	rep.Needed = Needed(levels, rep.HourTarget)
	return rep
}

// argmin returns the agents of the level with the least cost, the fewest
// agents on a tie; 0 without levels.
func argmin(levels []LevelSummary, cost func(LevelSummary) float64) int {
	best := -1
	for i, l := range levels {
		if best < 0 || cost(l) < cost(levels[best]) {
			best = i
		}
	}
	if best < 0 {
		return 0
	}
	return levels[best].Agents
}

// Needed finds, for every hour, the smallest level that meets t in that
// hour. Levels are searched in ascending order of agents; each hour is
// judged on its own, so the answer is a roster, not a peak headcount.
// A level's queue carries over from earlier hours, which is why an hour
// right after a surge may need more agents than its own arrivals suggest.
func Needed(levels []Level, t HourTarget) []HourNeed {
	order := make([]int, len(levels))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return levels[a].Agents - levels[b].Agents })
	var hourly [][]HourSummary
	for _, i := range order {
		hourly = append(hourly, Hourly(levels[i]))
	}
	n := 0
	for _, h := range hourly {
		n = max(n, len(h))
	}
	out := make([]HourNeed, n)
	for hour := range out {
		out[hour].Hour = hour
		for k, h := range hourly {
			if hour >= len(h) {
				continue
			}
			out[hour].Arrived = h[hour].Arrived
			out[hour].Tried = max(out[hour].Tried, h[hour].Agents)
			if h[hour].Arrived == 0 {
				// Nobody to answer (the drain after the last arrival).
				out[hour].Enough, out[hour].Tried = true, 0
				break
			}
			if t.Met(h[hour]) {
				out[hour].Agents, out[hour].Level, out[hour].Enough, out[hour].Tried = h[hour].Agents, levels[order[k]].Agents, true, 0
				break
			}
		}
	}
	return out
}

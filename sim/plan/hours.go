package plan

import (
	"fmt"
	"math"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// HourTarget is what an hour of a promotion day must achieve: at least
// Answered30s of its buyers answered within 30 s, at most Abandoned of
// them leaving without an answer.
type HourTarget struct {
	Answered30s float64 `json:"answered_30s"`
	Abandoned   float64 `json:"abandoned"`
}

// DefaultHourTarget is 80 % answered within 30 s (the 30-second response
// rate the platforms measure) and at most 5 % abandoned.
var DefaultHourTarget = HourTarget{Answered30s: 0.8, Abandoned: 0.05}

// Met reports whether an hour whose buyers (arrived, summed over
// replications) had answered of them answered within 30 s and abandoned
// leaving unanswered meets t. An hour without buyers needs nobody and
// meets it.
func (t HourTarget) Met(arrived, answered, abandoned float64) bool {
	return arrived == 0 || (answered/arrived >= t.Answered30s && abandoned/arrived <= t.Abandoned)
}

// HourNeed is the staffing one hour needs: the fewest agents on duty that
// meet the hour target in that hour, with every earlier hour staffed at
// its own need (package des searches for it one agent at a time).
type HourNeed struct {
	Hour int `json:"hour"`
	// Agents is the need. When Reachable is false no staffing met the
	// target, up to an agent for every buyer present, and Agents is the
	// fewest tried beyond which the hour does not get better.
	Agents    int  `json:"agents"`
	Reachable bool `json:"reachable"`
	// Arrived is the mean buyers of the hour; Answered30s and Abandoned
	// the shares at Agents, over the search's replications.
	Arrived     float64 `json:"arrived"`
	Answered30s float64 `json:"answered_30s"`
	Abandoned   float64 `json:"abandoned"`
}

// HourSummary is one hour of a staffing, over its replications.
type HourSummary struct {
	Hour  int    `json:"hour"`  // hours from the start
	Start string `json:"start"` // local date-time, 2006-01-02T15:04
	// Arrived is the mean buyers arriving in the hour; Agents those on
	// duty at its start.
	Arrived float64 `json:"arrived"`
	Agents  int     `json:"agents"`
	// Occupancy is the share of agent time holding at least one chat;
	// ChatsPerAgent the mean chats held per agent on duty.
	Occupancy     float64 `json:"occupancy"`
	ChatsPerAgent float64 `json:"chats_per_agent"`
	// FirstReplyP50 and P90 are percentiles of the wait for a first valid
	// reply, in seconds, of the buyers who got one (null when none did;
	// 600 means 10 minutes or more).
	FirstReplyP50 *float64 `json:"first_reply_p50_s"`
	FirstReplyP90 *float64 `json:"first_reply_p90_s"`
	// Answered30s is buyers answered within 30 s ÷ buyers; Reply3min is
	// rounds answered within 3 minutes ÷ rounds; Abandoned is buyers who
	// left before a first valid reply ÷ buyers. Ratios of sums over the
	// replications.
	Answered30s float64 `json:"answered_30s"`
	Reply3min   float64 `json:"reply_3min"`
	Abandoned   float64 `json:"abandoned"`
	// MeanQueue is the time-average of buyers waiting for an agent;
	// QueueWait the mean wait for an agent per buyer (Little's law).
	MeanQueue float64 `json:"queue_mean"`
	MaxQueue  float64 `json:"queue_max"` // mean over replications of the hour's maximum
	QueueWait float64 `json:"queue_wait_s"`
	// Needed is the hour's need (HourNeed.Agents); NeedReachable false
	// when no staffing met the target in this hour.
	Needed        int  `json:"needed"`
	NeedReachable bool `json:"needed_reachable"`
	// Meets says whether this staffing meets the hour target in this
	// hour; Why, when it does not, says why and what the contract makes
	// of it.
	Meets bool   `json:"meets_target"`
	Why   string `json:"why,omitempty"`
	// Rostered is the roster's agents on duty after breaks and shrinkage,
	// and Required what the roster had to cover: the need plus the agents
	// the engine added (with --roster).
	Rostered *float64 `json:"rostered,omitempty"`
	Required *int     `json:"required,omitempty"`

	answered, abandoned, arrivedSum float64
}

// Hourly sums a staffing's replications over the hours that starts names
// (all of them when starts is empty).
func Hourly(l Level, starts []string) []HourSummary {
	n := len(starts)
	var out []HourSummary
	var reply [][]uint64
	var rounds, in3m []float64
	for _, r := range l.Reps {
		for i, h := range r.Hours {
			if n > 0 && i >= n {
				break
			}
			for i >= len(out) {
				k := len(out)
				label := fmt.Sprintf("+%dh", k)
				if k < len(starts) {
					label = starts[k]
				}
				out = append(out, HourSummary{Hour: k, Start: label})
				reply = append(reply, make([]uint64, ReplyBins))
				rounds, in3m = append(rounds, 0), append(in3m, 0)
			}
			o := &out[i]
			o.arrivedSum += float64(h.Arrived)
			o.MeanQueue += h.MeanQueue
			o.MaxQueue += float64(h.MaxQueue)
			o.answered += float64(h.AnsweredIn30s)
			o.abandoned += float64(h.Abandoned)
			o.Occupancy += h.BusyTime
			o.ChatsPerAgent += h.ChatTime
			o.QueueWait += h.AgentTime // the denominator, for now
			o.Agents = h.Agents
			rounds[i] += float64(h.Rounds)
			in3m[i] += float64(h.RoundsIn3m)
			for b, c := range h.FirstReply {
				reply[i][b] += uint64(c)
			}
		}
	}
	reps := float64(len(l.Reps))
	for i := range out {
		o := &out[i]
		agentTime := o.QueueWait
		o.Occupancy, o.ChatsPerAgent = ratio(o.Occupancy, agentTime), ratio(o.ChatsPerAgent, agentTime)
		o.QueueWait = ratio(o.MeanQueue*3600, o.arrivedSum)
		o.Answered30s, o.Abandoned = ratio(o.answered, o.arrivedSum), ratio(o.abandoned, o.arrivedSum)
		o.Reply3min = ratio(in3m[i], rounds[i])
		o.Arrived, o.MeanQueue, o.MaxQueue = o.arrivedSum/reps, o.MeanQueue/reps, o.MaxQueue/reps
		if p := ReplyPercentile(reply[i], 0.5); !math.IsNaN(p) {
			p90 := ReplyPercentile(reply[i], 0.9)
			o.FirstReplyP50, o.FirstReplyP90 = &p, &p90
		}
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// judgeHours sets each hour's need and verdict, and for the hours that
// miss the target says why: too few on duty, a backlog from an earlier
// hour, a target no staffing reaches; whether the queue or the agents'
// reply pace loses the 30 seconds; and how the contract's period KPIs
// count the hour, which is how a staffing can meet the contract while an
// hour misses.
func judgeHours(hours []HourSummary, needs []HourNeed, o *Options, ls *LevelSummary) {
	t := o.hourTarget()
	short := -1 // the latest earlier hour that missed
	for i := range hours {
		h := &hours[i]
		if i < len(needs) {
			h.Needed, h.NeedReachable = needs[i].Agents, needs[i].Reachable
		}
		h.Meets = t.Met(h.arrivedSum, h.answered, h.abandoned)
		if h.Meets {
			// Fewer than needed and still meeting: the need was measured with
			// the earlier hours at their own needs, and on fewer runs.
			if h.Agents < h.Needed && h.NeedReachable {
				if i > 0 && hours[i-1].Agents > hours[i-1].Needed {
					h.Why = fmt.Sprintf("meets with %d on duty, %d needed: the hour before had %d, more than its need of %d, and left less backlog than the need assumes",
						h.Agents, h.Needed, hours[i-1].Agents, hours[i-1].Needed)
				} else {
					h.Why = fmt.Sprintf("meets with %d on duty, %d needed: at the edge, within the noise of the replications", h.Agents, h.Needed)
				}
			}
			continue
		}
		var why []string
		if h.Answered30s < t.Answered30s {
			why = append(why, fmt.Sprintf("%s answered within 30 s (target %s)", pct(h.Answered30s), pct(t.Answered30s)))
		}
		if h.Abandoned > t.Abandoned {
			why = append(why, fmt.Sprintf("%s abandoned (at most %s)", pct(h.Abandoned), pct(t.Abandoned)))
		}
		switch {
		case i < len(needs) && !h.NeedReachable:
			why = append(why, fmt.Sprintf("no staffing meets the target in this hour: from %d on duty more agents gain less than a point (%s answered within 30 s, %s abandoned there)",
				h.Needed, pct(needs[i].Answered30s), pct(needs[i].Abandoned)))
		case h.Agents < h.Needed:
			why = append(why, fmt.Sprintf("%d on duty, %d needed", h.Agents, h.Needed))
		case short >= 0 && short == i-1 && h.QueueWait >= 5:
			// A backlog only from the hour right before, and only while
			// buyers still queue: hours that met the target in between,
			// or no queue now, clear the earlier hour of the blame.
			why = append(why, fmt.Sprintf("%d on duty, %d needed, but buyers left waiting by %s spill over", h.Agents, h.Needed, hourClock(hours[short].Start)))
		default:
			why = append(why, fmt.Sprintf("%d on duty, %d needed: at the edge, within the noise of the replications", h.Agents, h.Needed))
		}
		if h.QueueWait < 5 && h.FirstReplyP90 != nil {
			why = append(why, fmt.Sprintf("no queue to speak of (%.1f s per buyer): agents hold %.1f chats each and the first reply itself takes %.0f s (p50), %.0f s (p90)",
				h.QueueWait, h.ChatsPerAgent, *h.FirstReplyP50, *h.FirstReplyP90))
		} else {
			why = append(why, fmt.Sprintf("buyers wait %.0f s for a free agent on average (%.1f waiting)", h.QueueWait, h.MeanQueue))
		}
		why = append(why, o.contractView(h, ls)...)
		h.Why = strings.Join(why, "; ")
		short = i
	}
}

// contractView says how the contract's period KPIs count an hour that
// misses the hour target.
func (o *Options) contractView(h *HourSummary, ls *LevelSummary) []string {
	var out []string
	clock := hourClock(h.Start)
	check := func(kpi, what string, counted bool, window string) {
		target, ok := o.Targets[kpi]
		if !ok {
			return
		}
		if !counted {
			out = append(out, fmt.Sprintf("the contract's %s leaves this hour out (%s)", kpi, window))
			return
		}
		if ls == nil {
			return
		}
		if s, ok := ls.KPIs[kpi]; ok && s.N > 0 {
			out = append(out, fmt.Sprintf("the contract's %s counts this hour, and over the period averages %s (target %s)%s", kpi, pct(s.Mean), pct(target), what))
		}
	}
	answerCounted := o.AnswerExcludes == nil || !o.AnswerExcludes.Contains(clock)
	excl := ""
	if o.AnswerExcludes != nil {
		excl = "it counts none started " + o.AnswerExcludes.String()
	}
	if h.Answered30s < o.hourTarget().Answered30s {
		check("answer_rate_30s", ": the other hours make up for it", answerCounted, excl)
		if _, ok := o.Targets["answer_rate_30s"]; !ok {
			out = append(out, "the contract has no 30-second answer KPI")
		}
	}
	if h.Abandoned > o.hourTarget().Abandoned {
		check("abandon_rate", "", true, "")
	}
	return out
}

// hourClock is the time of day of a local date-time 2006-01-02T15:04.
func hourClock(start string) sim.ClockTime {
	if len(start) < 5 {
		return 0
	}
	c, err := sim.ParseClock(start[len(start)-5:])
	if err != nil {
		return 0
	}
	return c
}

func pct(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }

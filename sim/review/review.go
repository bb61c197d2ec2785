// Package review judges a set of recorded conversations: it scores each
// one, computes the KPIs of the whole and of every agent by the platform
// profile's rules, and, with a contract, the refund statement whose lines
// list the conversations behind them. The live hub's run report, `deskdrill
// report` and `deskdrill kpis --transcripts` all call it, so a live run, a
// stored run and an imported chat log are judged alike; the tally is the
// one the discrete-event engine feeds.
package review

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Options say by which rules to judge.
type Options struct {
	Profile  *sim.PlatformProfile
	Contract *sim.Contract // nil: no statement
	Weights  sim.ScoreWeights
	// Start is the start of the KPI calendar (day boundaries, business
	// hours); zero takes the earliest arrival.
	Start time.Time
	// PaidOrders is the store's paid orders over the conversations' span,
	// the denominator of the dispute-refund rate; 0 uses the number of
	// after-sales conversations, which overstates the rate and is said in
	// the review's notes.
	PaidOrders float64
	// Period is the contract period the conversations stand for ("2026-11"
	// or "trial"); empty takes the month of Start.
	Period string
	// Scored, when set, returns a conversation's score computed earlier:
	// the live hub scores each conversation once, when it ends, and a
	// review of thousands must not score them all again.
	Scored func(*sim.Conversation) (sim.Score, bool)
}

// ConversationScore is one conversation's verdict.
type ConversationScore struct {
	ID    string    `json:"id"`
	Agent string    `json:"agent,omitempty"` // who held it last
	Case  string    `json:"case,omitempty"`
	Score sim.Score `json:"score"`
	// FirstReply is the wait for the first valid reply in seconds, -1 when
	// none came.
	FirstReply float64 `json:"first_reply_s"`
	Abandoned  bool    `json:"abandoned"`
	Rating     int     `json:"rating,omitempty"`
	Dispute    bool    `json:"dispute,omitempty"`
}

// AgentReview is the KPIs and scores of one agent's conversations.
type AgentReview struct {
	Agent         string        `json:"agent"`
	Conversations int           `json:"conversations"`
	MeanScore     float64       `json:"mean_score"`
	Correct       int           `json:"correct"`
	HardFails     int           `json:"hard_fails"`
	KPIs          sim.KPIValues `json:"kpis"`
}

// Review is the judgement of a set of conversations.
type Review struct {
	Period        string              `json:"period"`
	Start         time.Time           `json:"start"`
	Conversations int                 `json:"conversations"`
	KPIs          sim.KPIValues       `json:"kpis"`
	Days          []sim.KPIValues     `json:"days"`
	Agents        []AgentReview       `json:"agents"`
	Scores        []ConversationScore `json:"scores"`
	MeanScore     float64             `json:"mean_score"`
	// Evidence lists, per KPI id, the conversations that pulled it the
	// wrong way: the lines of a claim.
	Evidence  map[string][]string `json:"evidence"`
	Statement *sim.Statement      `json:"statement,omitempty"`
	// DisputeRefunds is the money buyers got back through platform
	// disputes (the order prices of disputed conversations).
	DisputeRefunds sim.Money `json:"dispute_refunds"`
	Notes          []string  `json:"notes,omitempty"`
}

// ErrNoProfile: KPIs need a platform profile.
var ErrNoProfile = errors.New("review: a platform profile is required")

// lastAgent is the agent who held c last.
func lastAgent(c *sim.Conversation) string {
	for i := len(c.Events) - 1; i >= 0; i-- {
		if e := c.Events[i]; e.Kind == sim.EventAssign {
			return e.Agent
		}
	}
	return ""
}

// Evaluate judges convs. Conversations the run's end or an interruption
// cut off (the customer left with sim.LeaveRunEnded or
// sim.LeaveInterrupted before a close) are left out and counted in a
// note: they say nothing about the agents. Conversations are
// not changed.
func Evaluate(convs []*sim.Conversation, o Options) (*Review, error) {
	if o.Profile == nil {
		return nil, ErrNoProfile
	}
	var kept []*sim.Conversation
	interrupted := 0
	for _, c := range convs {
		switch {
		case c.Interrupted():
			interrupted++
		case !c.CutOff():
			kept = append(kept, c)
		}
	}
	cut := len(convs) - len(kept) - interrupted
	convs = kept
	if o.Weights == (sim.ScoreWeights{}) {
		o.Weights = sim.DefaultScoreWeights()
	}
	start, end := o.Start, o.Start
	for _, c := range convs {
		if start.IsZero() || c.Arrived.Before(start) {
			start = c.Arrived
		}
		for _, e := range c.Events {
			if e.At.After(end) {
				end = e.At
			}
		}
	}
	if o.Start.IsZero() {
		o.Start = start
	}
	if start.IsZero() {
		start = time.Unix(0, 0)
		o.Start = start
	}
	span := max(end.Sub(o.Start), 0) + 24*time.Hour
	r := &Review{Period: o.Period, Start: o.Start, Conversations: len(convs), Evidence: map[string][]string{}}
	if r.Period == "" {
		r.Period = o.Start.Format("2006-01")
	}
	cal := sim.NewCalendar(o.Start, span)
	timeout := time.Duration(0)
	all := sim.NewTally(cal, o.Profile, timeout)
	byAgent := map[string]*sim.Tally{}
	agents := map[string]*AgentReview{}
	answer, timeoutS := o.Profile.AnswerThreshold.Seconds(), o.Profile.TimeoutThreshold.Seconds()
	if timeoutS <= 0 {
		timeoutS = sim.DefaultTimeoutThreshold.Seconds()
	}
	afterSales := 0
	total := 0.0
	for _, c := range convs {
		sc, ok := sim.Score{}, false
		if o.Scored != nil {
			sc, ok = o.Scored(c)
		}
		if !ok {
			sc = sim.ScoreConversation(c, o.Profile, o.Weights)
		}
		s, rounds := sim.SessionOf(c, o.Start, sc.Correct)
		all.AddSession(s, rounds)
		agent := lastAgent(c)
		if agent != "" {
			t := byAgent[agent]
			if t == nil {
				t = sim.NewTally(cal, o.Profile, timeout)
				byAgent[agent] = t
				agents[agent] = &AgentReview{Agent: agent}
			}
			t.AddSession(s, rounds)
			a := agents[agent]
			a.Conversations++
			a.MeanScore += sc.Total
			if sc.Correct {
				a.Correct++
			}
			if sc.HardFail {
				a.HardFails++
			}
		}
		total += sc.Total
		r.Scores = append(r.Scores, ConversationScore{ID: c.ID, Agent: agent, Case: c.Case, Score: sc,
			FirstReply: s.FirstReply, Abandoned: s.Abandoned, Rating: s.Rating, Dispute: s.Dispute})
		if !s.Presales {
			afterSales++
		}
		ev := func(kpi string) { r.Evidence[kpi] = append(r.Evidence[kpi], c.ID) }
		if s.Rating > 0 && s.Rating < 4 {
			ev("satisfaction")
		}
		if s.Dispute {
			ev("dispute_refund_rate")
			r.DisputeRefunds += c.Order.Price
		}
		if s.FirstReply < 0 || s.FirstReply > answer {
			ev("answer_rate_30s")
			ev("first_response_avg_s")
		}
		if s.LateRound {
			ev("reply_rate_3min")
			ev("response_avg_s")
		}
		for _, rd := range rounds {
			if rd.Wait < 0 || rd.Wait > timeoutS {
				ev("timeouts_per_day")
				ev("timeout_bad_day_share")
				break
			}
		}
		if s.Abandoned {
			ev("abandon_rate")
		}
		if s.LeftUnanswered {
			ev("not_served_rate")
		}
		if !s.Presales && !s.Resolved {
			ev("resolution_24h_rate")
		}
		if s.Presales && !s.Converted {
			ev("inquiry_conversion")
		}
		if sc.HardFail {
			ev("qa_hard_fails")
		}
	}
	if len(convs) > 0 {
		r.MeanScore = total / float64(len(convs))
	}
	if cut > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d conversations cut off by the end of the run are left out", cut))
	}
	if interrupted > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d conversations open when the run was interrupted (its hub stopped) are left out", interrupted))
	}
	paid := o.PaidOrders
	if paid <= 0 {
		paid = float64(afterSales)
		r.Notes = append(r.Notes, "no paid-order count given: the dispute-refund rate is taken over after-sales conversations, which overstates it")
	}
	limit := -1.0
	if o.Contract != nil {
		if l, ok := o.Contract.TimeoutDailyLimit(); ok {
			limit = l
		}
	}
	// Days are counted over the conversations' own span, not the padded
	// calendar.
	d0, _ := cal.Local(0)
	d1, _ := cal.Local(max(end.Sub(o.Start).Seconds(), 0))
	days := float64(d1 - d0 + 1)
	r.KPIs = all.KPIValues(paid, days, limit)
	if len(convs) > 0 {
		r.KPIs["qa_hard_fails"] = float64(len(r.Evidence["qa_hard_fails"]))
	}
	perDay := paid / max(1, days)
	for i, d := range all.Days() {
		if float64(i) >= days {
			break
		}
		r.Days = append(r.Days, sim.KPIValuesOf(d, []sim.Counts{d}, perDay, 1, limit))
	}
	names := make([]string, 0, len(agents))
	for n := range agents {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		a := agents[n]
		a.MeanScore /= float64(a.Conversations)
		share := float64(a.Conversations) / float64(max(1, len(convs)))
		a.KPIs = byAgent[n].KPIValues(paid*share, days, limit)
		r.Agents = append(r.Agents, *a)
	}
	for k := range r.Evidence {
		slices.Sort(r.Evidence[k])
	}
	if o.Contract != nil {
		st, err := o.Contract.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: r.Period, Values: r.KPIs, Evidence: r.Evidence}}})
		if err != nil {
			return nil, err
		}
		r.Statement = st
	}
	return r, nil
}

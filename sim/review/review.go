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
	"math"
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
	// Policy is the merchant policy scoring bounds compensation by (nil:
	// the default).
	Policy *sim.MerchantPolicy
	// Start is the start of the KPI calendar; zero takes the earliest
	// arrival. Days, business hours and the period are always counted in
	// the profile's time zone (Beijing time), whatever zone Start and the
	// events are written in.
	Start time.Time
	// PaidOrders is the store's paid orders over the conversations' span,
	// the denominator of the dispute-refund rate. When 0 the rate is not
	// evaluated (per conversation it would be overstated about tenfold; a
	// chat's paid events are pre-sales purchases, not the store's orders)
	// and the statement says so.
	PaidOrders float64
	// End, when set, is the end of the period on the KPI calendar (after
	// Clock): a conversation arriving at or after it is left out (and
	// counted in a note), and a round a buyer opens at or after it is not
	// counted. A trial ends at its scenario's end; the conversations under
	// way then say nothing more about it.
	End time.Time
	// Period is the contract period the conversations stand for ("2026-11"
	// or "trial"); empty takes the month of Start in the profile's zone.
	Period string
	// Clock, when set, maps an instant of the records to the instant the
	// KPI calendar counts it at. A live run that compresses the scenario's
	// time counts its conversations on the scenario's clock (the scenario's
	// start plus the time since the run began × the speed), so its days,
	// business hours and period are the scenario's; waits and scores are
	// never scaled. Nil counts the records' own times.
	Clock func(time.Time) time.Time
	// InferCase, when set, guesses the case of a conversation that names
	// none, from its text, and says whether the guess is confident. A
	// confident guess is judged like a named case (and marked inferred); an
	// unconfident one leaves the resolution unjudged.
	InferCase func(*sim.Conversation) (caseID string, confident bool)
	// Scored, when set, returns a conversation's score computed earlier:
	// the live hub scores each conversation once, when it ends, and a
	// review of thousands must not score them all again.
	Scored func(*sim.Conversation) (sim.Score, bool)
}

// ConversationScore is one conversation's verdict. Total, Correct,
// HardFail and ResolutionJudged repeat Score's for readers of the JSON
// that want them flat.
type ConversationScore struct {
	ID    string `json:"id"`
	Agent string `json:"agent,omitempty"` // who held it last
	Case  string `json:"case,omitempty"`
	// CaseInferred: Case was inferred from the text, not given.
	CaseInferred     bool      `json:"case_inferred,omitempty"`
	Total            float64   `json:"total"`
	Correct          bool      `json:"correct"`
	HardFail         bool      `json:"hard_fail"`
	ResolutionJudged bool      `json:"resolution_judged"`
	Score            sim.Score `json:"score"`
	// FirstReply is the wait for the first valid reply in seconds, -1 when
	// none came.
	FirstReply float64 `json:"first_reply_s"`
	Abandoned  bool    `json:"abandoned"` // left before any valid reply, as abandon_rate counts it
	Rating     int     `json:"rating,omitempty"`
	Dispute    bool    `json:"dispute,omitempty"`
	// HeldBy are all who were assigned it, in order (Agent is the last):
	// who may see it, not part of the JSON.
	HeldBy []string `json:"-"`
}

// heldBy returns the agents assigned c, each once, in order.
func heldBy(c *sim.Conversation) []string {
	var out []string
	for _, e := range c.Events {
		if e.Kind == sim.EventAssign && e.Agent != "" && !slices.Contains(out, e.Agent) {
			out = append(out, e.Agent)
		}
	}
	return out
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
	Period        string        `json:"period"`
	Start         time.Time     `json:"start"`
	Conversations int           `json:"conversations"`
	KPIs          sim.KPIValues `json:"kpis"`
	// Counts are the counts behind KPIs, by the names of a KPI file's
	// count columns (n_ratings, n_rounds, n_paid_orders, ...);
	// DaysCounts those behind each of Days.
	Counts     map[string]float64   `json:"counts"`
	Days       []sim.KPIValues      `json:"days"`
	DaysCounts []map[string]float64 `json:"days_counts"`
	// DayDates names each of Days on the KPI calendar ("2026-03-11").
	DayDates  []string            `json:"day_dates"`
	Agents    []AgentReview       `json:"agents"`
	Scores    []ConversationScore `json:"scores"`
	MeanScore float64             `json:"mean_score"`
	// Evidence lists, per KPI id, the conversations that pulled it the
	// wrong way: the lines of a claim.
	Evidence map[string][]string `json:"evidence"`
	// DayCounts are the counts behind Days, one per calendar day from
	// Start's (the tally's days: a round is counted on the day it began, a
	// session on the day it arrived); DayEvidence is Evidence by the day the
	// conversation arrived. A trial is judged from them (sim/trial).
	DayCounts   []sim.Counts          `json:"-"`
	DayEvidence []map[string][]string `json:"-"`
	Statement   *sim.Statement        `json:"statement,omitempty"`
	// DisputeRefunds is the money buyers got back through platform
	// disputes (the order prices of disputed conversations).
	DisputeRefunds sim.Money `json:"dispute_refunds"`
	// Inference counts the conversations without a case: how many got an
	// inferred case, and of those how many were judged (confident) or not.
	Inference *Inference `json:"inference,omitempty"`
	// Cuts are the times the run's end or an interruption cut
	// conversations off, with how many of those were counted missed and
	// how many left out.
	Cuts  []Cut    `json:"cuts,omitempty"`
	Notes []string `json:"notes,omitempty"`
	// PaidOrdersNote is the note of Notes that the dispute-refund rate was
	// not evaluated for want of paid orders ("" when they were given), so
	// that a caller that counts paid orders its own way (sim/trial) can
	// leave it out without matching its words.
	PaidOrdersNote string `json:"-"`
}

// Cut is one time the run's end (Kind sim.LeaveRunEnded), its pause
// (sim.LeavePaused) or an interruption of its hub (sim.LeaveInterrupted)
// cut conversations off
// while buyers waited or chatted. A conversation with a round that had
// already waited past the reply threshold at the cut is counted, as missed
// (the buyer left unanswered); the others are left out of the KPIs.
// Leaves of one kind within a minute of the first form one cut.
type Cut struct {
	Kind string `json:"kind"`
	// At is the first leave of the cut on the KPI calendar, no later than
	// the period's end (Options.End): a cut in a trial's wind-down is at
	// the trial's end.
	At      time.Time `json:"at"`
	Missed  int       `json:"missed"`
	LeftOut int       `json:"left_out"`
}

// Note says what the cut did, for people.
func (c Cut) Note(threshold time.Duration) string {
	what := "the run's end"
	switch c.Kind {
	case sim.LeavePaused:
		what = "a pause of the run (serve stopped before the end; --resume continues it)"
	case sim.LeaveInterrupted:
		what = "an interruption of the run (its hub stopped)"
	}
	return fmt.Sprintf("%s at %s cut off %d conversations: %d counted missed (a buyer had already waited over the %s reply threshold), %d left out of the KPIs",
		what, c.At.Format("2006-01-02 15:04:05"), c.Missed+c.LeftOut, c.Missed, threshold, c.LeftOut)
}

// cutConv is a conversation cut off, at its leave.
type cutConv struct {
	kind   string
	at     time.Time
	missed bool
}

// cutOf says how c was cut: when, by what, and whether a round of it had
// waited more than limit seconds, unanswered, when it was.
func cutOf(c *sim.Conversation, limit float64) cutConv {
	out := cutConv{kind: c.CutKind()}
	for _, e := range c.Events {
		if e.Kind == sim.EventLeave {
			out.at = e.At
			break
		}
	}
	base := c.Arrived
	if base.IsZero() {
		base = out.at
	}
	_, rounds := sim.SessionOf(c, base, false)
	cut := out.at.Sub(base).Seconds()
	for _, r := range rounds {
		if r.Wait < 0 && r.Start <= cut && cut-r.Start > limit {
			out.missed = true
		}
	}
	return out
}

// groupCuts groups cut conversations into cuts, in time order.
// A cut after end (a trial's wind-down), when end is set, is at end.
func groupCuts(cs []cutConv, clock func(time.Time) time.Time, end time.Time, zone *time.Location) []Cut {
	slices.SortStableFunc(cs, func(a, b cutConv) int { return a.at.Compare(b.at) })
	var out []Cut
	var first time.Time
	for _, c := range cs {
		if n := len(out); n == 0 || out[n-1].Kind != c.kind || c.at.Sub(first) > time.Minute {
			first = c.at
			at := clock(c.at)
			if !end.IsZero() && at.After(end) {
				at = end
			}
			out = append(out, Cut{Kind: c.kind, At: at.In(zone)})
		}
		if c.missed {
			out[len(out)-1].Missed++
		} else {
			out[len(out)-1].LeftOut++
		}
	}
	return out
}

// Inference counts what case inference did in a review.
type Inference struct {
	// Unlabelled conversations named no case.
	Unlabelled int `json:"unlabelled"`
	// Judged were inferred confidently and their resolution judged;
	// Unjudged were not (no confident guess).
	Judged   int `json:"judged"`
	Unjudged int `json:"unjudged"`
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
// sim.LeaveInterrupted before a close) are counted as missed when a round
// of theirs had already waited past the reply threshold at the cut, and
// left out otherwise (they say nothing about the agents); Cuts and a note
// per cut count both. Conversations are not changed.
func Evaluate(convs []*sim.Conversation, o Options) (*Review, error) {
	if o.Profile == nil {
		return nil, ErrNoProfile
	}
	clock := o.Clock
	if clock == nil {
		clock = func(t time.Time) time.Time { return t }
	}
	// Cuts: a conversation the run's end or an interruption cut off is
	// counted, as missed, when a round of it had already waited past the
	// reply threshold at the cut; otherwise it says nothing about the
	// agents and is left out.
	replyLimit := o.Profile.ReplyThreshold.Seconds()
	var kept []*sim.Conversation
	var cutConvs []cutConv
	for _, c := range convs {
		if !c.CutOff() {
			kept = append(kept, c)
			continue
		}
		cc := cutOf(c, replyLimit)
		cutConvs = append(cutConvs, cc)
		if cc.missed {
			kept = append(kept, c)
		}
	}
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
			// The days run from the first chat to the last chat
			// (DOMAIN.md §1): its messages, evidence and actions. A
			// rating or a system event after midnight adds no day.
			if chatEvent(e) && e.At.After(end) {
				end = e.At
			}
		}
	}
	if o.Start.IsZero() {
		o.Start = start
	}
	if o.Start.IsZero() {
		o.Start = time.Unix(0, 0)
	}
	// The platform's calendar, not the offsets a file was written in:
	// 01:00Z is 09:00 in Beijing. Offsets from the records' start (o.Start)
	// become offsets from the calendar's start (calStart) through the
	// clock.
	calStart := clock(o.Start).In(o.Profile.Zone())
	calOff := func(off float64) float64 {
		return clock(o.Start.Add(time.Duration(off * float64(time.Second)))).Sub(calStart).Seconds()
	}
	calEnd := max(clock(end).Sub(calStart), 0)
	endOff := math.Inf(1)
	afterEnd := 0
	if !o.End.IsZero() {
		endOff = o.End.Sub(calStart).Seconds()
		calEnd = min(calEnd, max(o.End.Sub(calStart)-time.Nanosecond, 0))
		// Sessions arriving after the period's end are not the period's.
		kept = kept[:0]
		for _, c := range convs {
			at := c.Arrived
			if at.IsZero() && len(c.Events) > 0 {
				at = c.Events[0].At
			}
			if calOff(at.Sub(o.Start).Seconds()) >= endOff {
				afterEnd++
				continue
			}
			kept = append(kept, c)
		}
		convs = kept
	}
	span := calEnd + 24*time.Hour
	r := &Review{Period: o.Period, Start: calStart, Conversations: len(convs), Evidence: map[string][]string{}}
	if r.Period == "" {
		r.Period = calStart.Format("2006-01")
	}
	cal := sim.NewCalendar(calStart, span)
	timeout := o.Contract.ResponseTimeout()
	all := sim.NewTally(cal, o.Profile, timeout)
	replyS := all.ReplyThreshold()
	perDialogue := o.Profile.ReplyScope == sim.ScopeDialogue
	byAgent := map[string]*sim.Tally{}
	agents := map[string]*AgentReview{}
	answer, timeoutS := o.Profile.AnswerThreshold.Seconds(), all.TimeoutThreshold()
	total := 0.0
	var inf Inference
	for _, c := range convs {
		caseID, inferred := c.Case, false
		if caseID == "" && o.InferCase != nil {
			inf.Unlabelled++
			if id, sure := o.InferCase(c); sure && id != "" {
				cp := *c
				cp.Case = id
				c, caseID, inferred = &cp, id, true
				inf.Judged++
			} else {
				inf.Unjudged++
			}
		}
		sc, ok := sim.Score{}, false
		if o.Scored != nil && !inferred {
			sc, ok = o.Scored(c)
		}
		if !ok {
			sc = sim.ScoreConversationBy(c, sim.ScoreRules{Profile: o.Profile, Weights: o.Weights, Policy: o.Policy})
		}
		s, rounds := sim.SessionOf(c, o.Start, sc.Correct)
		if o.Clock != nil {
			s.Start = calOff(s.Start)
			for i := range rounds {
				rounds[i].Start = calOff(rounds[i].Start)
			}
		}
		// Rounds opened after the period's end are not the period's; an
		// unanswered one among them no longer makes the dialogue late.
		if n := len(rounds); n > 0 && rounds[n-1].Start >= endOff {
			rounds = slices.DeleteFunc(rounds, func(r sim.Round) bool { return r.Start >= endOff })
			s.LateRound = slices.ContainsFunc(rounds, func(r sim.Round) bool { return r.Wait < 0 })
		}
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
		r.Scores = append(r.Scores, ConversationScore{ID: c.ID, Agent: agent, Case: caseID, CaseInferred: inferred,
			Total: sc.Total, Correct: sc.Correct, HardFail: sc.HardFail, ResolutionJudged: sc.ResolutionJudged, Score: sc,
			FirstReply: s.FirstReply, Abandoned: s.LeftUnanswered, Rating: s.Rating, Dispute: s.Dispute, HeldBy: heldBy(c)})
		day, _ := cal.Local(s.Start)
		day = max(day, 0) // as the tally files it
		for len(r.DayEvidence) <= day {
			r.DayEvidence = append(r.DayEvidence, map[string][]string{})
		}
		ev := func(kpi string) {
			r.Evidence[kpi] = append(r.Evidence[kpi], c.ID)
			r.DayEvidence[day][kpi] = append(r.DayEvidence[day][kpi], c.ID)
		}
		if s.Rating > 0 && s.Rating < 4 {
			ev("satisfaction")
		}
		if s.Dispute {
			ev("dispute_refund_rate")
			r.DisputeRefunds += c.Order.Price
		}
		// The evidence behind a KPI is what the tally counts in it: rounds
		// and sessions in business hours (and outside the answer rate's
		// excluded hours), never a late round at 02:00 that no
		// business-hours KPI counts.
		sessionBH := all.InBusinessHours(s.Start)
		lateFirst := s.FirstReply < 0 || s.FirstReply > answer
		if lateFirst && all.InAnswerWindow(s.Start) {
			ev("answer_rate_30s")
		}
		if lateFirst && sessionBH {
			ev("first_response_avg_s")
		}
		lateBH, timeoutBH, lateAny := false, false, false
		for _, rd := range rounds {
			late := rd.Wait < 0 || rd.Wait > replyS
			lateAny = lateAny || late
			if !all.InBusinessHours(rd.Start) {
				continue
			}
			lateBH = lateBH || late
			timeoutBH = timeoutBH || rd.Wait < 0 || rd.Wait > timeoutS
		}
		if perDialogue {
			// A dialogue counts by its start; any late round makes it late.
			if sessionBH && (lateAny || s.FirstReply < 0) {
				ev("reply_rate_3min")
			}
		} else if lateBH {
			ev("reply_rate_3min")
		}
		if lateBH {
			ev("response_avg_s")
		}
		if timeoutBH {
			ev("timeouts_per_day")
			ev("timeout_bad_day_share")
		}
		if s.LeftUnanswered {
			ev("abandon_rate")
		}
		if !s.Served && sessionBH {
			ev("not_served_rate")
		}
		if !s.Presales && !s.NoCase && !s.Resolved24h() {
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
	r.Cuts = groupCuts(cutConvs, clock, o.End, o.Profile.Zone())
	for _, c := range r.Cuts {
		r.Notes = append(r.Notes, c.Note(o.Profile.ReplyThreshold))
	}
	if afterEnd > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d conversations arriving after the period's end (%s) are left out", afterEnd, o.End.In(o.Profile.Zone()).Format("2006-01-02 15:04")))
	}
	if o.InferCase != nil {
		r.Inference = &inf
		if inf.Unlabelled > 0 {
			r.Notes = append(r.Notes, fmt.Sprintf("%d conversations named no case: %d inferred from the text and judged, %d not judged (no confident guess)",
				inf.Unlabelled, inf.Judged, inf.Unjudged))
		}
	}
	// The dispute-refund rate divides by the store's paid orders of the
	// period (DOMAIN.md §1), which conversations do not hold: a chat's
	// paid event is a pre-sales buyer's purchase, one of few orders that
	// came through chat, and dividing by those would overstate the rate
	// more than dividing by conversations would.
	paid := max(o.PaidOrders, 0)
	unevaluated := map[string]string{}
	if paid == 0 {
		why := "no paid-order count (--paid-orders): the rate divides by the store's paid orders, which conversations do not hold " +
			"(per conversation it would be overstated about tenfold, per pre-sales purchase more)"
		unevaluated["dispute_refund_rate"] = why
		r.PaidOrdersNote = "dispute_refund_rate not evaluated: " + why
		r.Notes = append(r.Notes, r.PaidOrdersNote)
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
	d1, _ := cal.Local(calEnd.Seconds())
	days := float64(d1 - d0 + 1)
	r.KPIs = all.KPIValues(paid, days, limit)
	for id := range unevaluated {
		delete(r.KPIs, id)
	}
	if len(convs) > 0 {
		r.KPIs["qa_hard_fails"] = float64(len(r.Evidence["qa_hard_fails"]))
	}
	// A day's paid orders: the count given, spread evenly over the days.
	perDay := paid / max(1, days)
	daily := all.Days()
	for len(daily) < int(days) {
		daily = append(daily, sim.Counts{}) // a day of the span without a chat of its own
	}
	for i, d := range daily {
		if float64(i) >= days {
			break
		}
		dv := sim.KPIValuesFor(o.Profile, d, []sim.Counts{d}, perDay, 1, limit)
		for id := range unevaluated {
			delete(dv, id)
		}
		r.Days = append(r.Days, dv)
		r.DaysCounts = append(r.DaysCounts, d.Columns(perDay))
		r.DayDates = append(r.DayDates, calStart.AddDate(0, 0, i).Format(time.DateOnly))
	}
	r.Counts = all.Total().Columns(paid)
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
		for id := range unevaluated {
			delete(a.KPIs, id)
		}
		r.Agents = append(r.Agents, *a)
	}
	for k := range r.Evidence {
		slices.Sort(r.Evidence[k])
	}
	for _, m := range r.DayEvidence {
		for k := range m {
			slices.Sort(m[k])
		}
	}
	r.DayCounts = slices.Clone(all.Days())
	if o.Contract != nil {
		st, err := o.Contract.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: r.Period, Values: r.KPIs, Evidence: r.Evidence, Unevaluated: unevaluated}}})
		if err != nil {
			return nil, err
		}
		r.Statement = st
	}
	return r, nil
}

// chatEvent reports whether e is part of the chat itself: a message,
// evidence or an action.
func chatEvent(e sim.Event) bool {
	return e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence || e.Kind == sim.EventAction
}

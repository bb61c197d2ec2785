package trial

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// State is where a trial run stands.
type State string

// The states of a trial run. Only StateFinal has a final verdict.
const (
	// StateRunning: the run is live and the scenario's end not reached.
	StateRunning State = "running"
	// StateClosing: the scenario's time is over; the run waits for the
	// last conversations before it decides.
	StateClosing State = "closing"
	// StatePaused: the run's hub stopped before the scenario's end (a
	// kill, a crash, Ctrl-C); serve --resume continues it.
	StatePaused State = "paused"
	// StateStopped: the run ended before the scenario's end and cannot go
	// on: its verdict stays provisional.
	StateStopped State = "stopped"
	// StateFinal: the run reached the scenario's end and the verdict is
	// recorded.
	StateFinal State = "final"
)

// Outcome is what a verdict says.
type Outcome string

// The outcomes.
const (
	OutcomePass   Outcome = "pass"
	OutcomeRefund Outcome = "refund"
	// OutcomeUndecided: no day finished yet, or no gate could be checked.
	OutcomeUndecided Outcome = "undecided"
)

// Directions of a trend.
const (
	Improving = "improving"
	Worsening = "worsening"
	Steady    = "steady"
	Unknown   = "unknown"
)

// Options say which trial to judge and how far it has got.
type Options struct {
	// Contract must have a trial clause.
	Contract *sim.Contract
	// Profile gives the calendar's zone and the reply rate's scope.
	Profile *sim.PlatformProfile
	// Start and End bound the trial on the scenario's clock.
	Start, End time.Time
	// Played is the scenario time played so far; at End-Start or more
	// every day is finished.
	Played time.Duration
	// PaidOrdersPerDay is the store's paid orders per day, behind the
	// dispute-refund rate; 0 leaves that rate unevaluated.
	PaidOrdersPerDay float64
	State            State
	// Open holds the arrival times, on the scenario's clock, of the
	// conversations still open (not in the review): each day shows how
	// many of its conversations are still open, and is final only once
	// none is.
	Open []time.Time
}

// Counts are the counts behind a day's rates (a subset of sim.Counts, as
// an evidence pack's n_ columns show them).
type Counts struct {
	Sessions       int     `json:"sessions"`
	Rounds         int     `json:"rounds"`
	RoundsOnTime   int     `json:"rounds_on_time"`
	AnswerSessions int     `json:"answer_sessions"`
	AnsweredInTime int     `json:"answered_in_time"`
	Ratings        int     `json:"ratings"`
	Top2           int     `json:"top2"`
	Disputes       int     `json:"disputes"`
	PaidOrders     float64 `json:"paid_orders"`
	Timeouts       int     `json:"timeouts"`
	Dialogues      int     `json:"dialogues"`
	NotServed      int     `json:"not_served"`
}

func countsOf(c sim.Counts, paid float64) Counts {
	return Counts{Sessions: c.Sessions, Rounds: c.Rounds, RoundsOnTime: c.RoundsOnTime, AnswerSessions: c.AnswerSessions,
		AnsweredInTime: c.AnsweredInTime, Ratings: c.Ratings, Top2: c.Top2, Disputes: c.Disputes, PaidOrders: paid,
		Timeouts: c.Timeouts, Dialogues: c.Dialogues, NotServed: c.NotServed}
}

// Day is one finished day of the trial.
type Day struct {
	// Index counts from 0, the day of the scenario's start; Date is its
	// calendar date in the KPI calendar's zone.
	Index int    `json:"index"`
	Date  string `json:"date"`
	// Hours is how much of the day the trial covers (24 but for a start
	// or end within the day).
	Hours  float64       `json:"hours"`
	Counts Counts        `json:"counts"`
	KPIs   sim.KPIValues `json:"kpis"`
	// Gates says, per gate KPI measured that day, whether the day met it;
	// Met is true when every measured gate was met (nil: none measured).
	Gates map[string]bool `json:"gates"`
	Met   *bool           `json:"met"`
	// Open counts the conversations that arrived on the day and are still
	// open: they count when they end, so the day's figures may change
	// until then. Final is true once the day's figures can no longer
	// change: the day is finished and none of its conversations is open,
	// or the trial's verdict is final.
	Open  int  `json:"open"`
	Final bool `json:"final"`
}

// Trend is how a gate moved lately; see the package documentation.
type Trend struct {
	Direction   string   `json:"direction"`
	Recent      *float64 `json:"recent"`
	Earlier     *float64 `json:"earlier"`
	RecentDays  int      `json:"recent_days"`
	EarlierDays int      `json:"earlier_days"`
	// Z is the test statistic (recent − earlier ÷ its standard error),
	// when the KPI's counts allow a test.
	Z    *float64 `json:"z,omitempty"`
	Rule string   `json:"rule"`
}

// Gate is one trial gate so far.
type Gate struct {
	KPI    string  `json:"kpi"`
	Name   string  `json:"name"`
	Target float64 `json:"target"`
	// Better is "higher" or "lower".
	Better string `json:"better"`
	// Value is the gate's KPI over the finished days pooled; Met whether it
	// meets the target (nil: nothing measured).
	Value *float64 `json:"value"`
	Met   *bool    `json:"met"`
	// Daily is the value of each finished day; ToDate the pooled value
	// through each day (null where nothing was measured).
	Daily  []*float64 `json:"daily"`
	ToDate []*float64 `json:"to_date"`
	Trend  Trend      `json:"trend"`
	// Breaches counts the conversations behind the value (rated 1–3, a
	// late round, a late or missing first answer, a dispute...); Evidence
	// lists them.
	Breaches int      `json:"breaches"`
	Evidence []string `json:"evidence,omitempty"`
}

// Verdict is the trial clause's verdict over the finished days.
type Verdict struct {
	Outcome Outcome   `json:"outcome"`
	Refund  sim.Money `json:"refund"`
	// Final is true only for a trial that reached its end.
	Final  bool   `json:"final"`
	Reason string `json:"reason"`
	// Failed and Unchecked list gate KPIs that missed, and that had
	// nothing to measure.
	Failed    []string `json:"failed,omitempty"`
	Unchecked []string `json:"unchecked,omitempty"`
}

// Status is a trial day by day: what trial status and the dashboard show,
// and, once final, what is recorded.
type Status struct {
	Contract    string    `json:"contract"`
	Currency    string    `json:"currency"`
	Fee         sim.Money `json:"fee"`
	RefundRatio float64   `json:"refund_ratio"`
	// ExitWithoutReason repeats the clause's: the merchant may leave the
	// trial early without a reason (no money follows from leaving).
	ExitWithoutReason bool      `json:"exit_without_reason"`
	Start             time.Time `json:"start"`
	End               time.Time `json:"end"`
	// Zone is the KPI calendar's time zone (IANA), in which days are
	// counted.
	Zone  string `json:"zone"`
	State State  `json:"state"`
	// Played is the scenario time played, seconds.
	Played float64 `json:"played_s"`
	// Days is the trial's calendar days; DaysDone those finished.
	Days     int    `json:"days"`
	DaysDone int    `json:"days_done"`
	Gates    []Gate `json:"gates"`
	Daily    []Day  `json:"daily"`
	// Pooled is every KPI of the finished days, recomputed from Counts:
	// the period "trial" of a KPI file.
	Pooled sim.KPIValues `json:"pooled"`
	Counts Counts        `json:"counts"`
	// Cuts are the times the run's end or an interruption cut
	// conversations off: how many were counted missed, how many left out
	// (review.Cut).
	Cuts      []review.Cut   `json:"cuts"`
	Verdict   Verdict        `json:"verdict"`
	Statement *sim.Statement `json:"statement"`
	Notes     []string       `json:"notes,omitempty"`
}

// ErrNoTrial: the contract has no trial clause.
var ErrNoTrial = errors.New("the contract has no trial clause")

// Evaluate judges the trial from r, the review of the run's conversations
// on the scenario's clock (review.Options.Start at the scenario's start).
func Evaluate(r *review.Review, o Options) (*Status, error) {
	c := o.Contract
	if c == nil || c.Trial == nil {
		return nil, ErrNoTrial
	}
	if !o.End.After(o.Start) {
		return nil, fmt.Errorf("judge trial: end %v is not after start %v", o.End, o.Start)
	}
	loc := o.Profile.Zone()
	start, end := o.Start.In(loc), o.End.In(loc)
	y, m, d := start.Date()
	dayStart := func(i int) time.Time { return time.Date(y, m, d+i, 0, 0, 0, 0, loc) }
	days := 1
	for dayStart(days).Before(end) {
		days++
	}
	played := min(max(o.Played, 0), end.Sub(start))
	now := start.Add(played)
	ratio := 1.0
	if c.Trial.RefundRatio != nil {
		ratio = *c.Trial.RefundRatio
	}
	st := &Status{Contract: c.Name, Currency: c.Currency, Fee: c.Trial.Fee, RefundRatio: ratio, ExitWithoutReason: c.Trial.ExitWithoutReason,
		Start: start, End: end, Zone: loc.String(), State: o.State, Played: played.Seconds(), Days: days,
		Cuts: slices.Clone(r.Cuts)}
	// The review's notes (cuts, conversations after the end...), but its
	// word on paid orders: the trial says its own below.
	for _, n := range r.Notes {
		if n != r.PaidOrdersNote {
			st.Notes = append(st.Notes, n)
		}
	}
	if st.Cuts == nil {
		st.Cuts = []review.Cut{}
	}
	limit := -1.0
	if l, ok := c.TimeoutDailyLimit(); ok {
		limit = l
	}
	// The day's counts and evidence. Nothing after the trial's end is the
	// trial's: the review leaves it out (review.Options.End), and a day
	// past the last is never read.
	dayCounts := func(i int) sim.Counts {
		if i < len(r.DayCounts) {
			return r.DayCounts[i]
		}
		return sim.Counts{}
	}
	dayEvidence := func(i int) map[string][]string {
		out := map[string][]string{}
		if i < len(r.DayEvidence) {
			for id, ids := range r.DayEvidence[i] {
				out[id] = slices.Clone(ids)
			}
		}
		return out
	}
	perDialogue := o.Profile != nil && o.Profile.ReplyScope == sim.ScopeDialogue
	var (
		pooled   sim.Counts
		daily    []sim.Counts
		paid     float64
		evidence = map[string][]string{}
		toDate   []sim.KPIValues
	)
	for i := range days {
		from, to := later(dayStart(i), start), earlier(dayStart(i+1), end)
		if now.Before(to) {
			break
		}
		hours := to.Sub(from).Hours()
		dc := dayCounts(i)
		dp := o.PaidOrdersPerDay * hours / 24
		ev := dayEvidence(i)
		kpis := sim.KPIValuesFor(o.Profile, dc, []sim.Counts{dc}, dp, 1, limit)
		if dc.Sessions > 0 {
			kpis["qa_hard_fails"] = float64(len(ev["qa_hard_fails"]))
		}
		day := Day{Index: i, Date: dayStart(i).Format(time.DateOnly), Hours: hours, Counts: countsOf(dc, dp), KPIs: kpis, Gates: map[string]bool{}}
		for _, t := range o.Open {
			if !t.Before(from) && t.Before(to) || i == 0 && t.Before(from) {
				day.Open++
			}
		}
		day.Final = o.State == StateFinal || day.Open == 0
		for _, g := range c.Trial.Gates {
			if v, ok := kpis[g.KPI]; ok {
				day.Gates[g.KPI] = meets(g, v)
			}
		}
		if len(day.Gates) > 0 {
			all := true
			for _, ok := range day.Gates {
				all = all && ok
			}
			day.Met = &all
		}
		st.Daily = append(st.Daily, day)
		pooled.Add(dc)
		daily = append(daily, dc)
		paid += dp
		for id, ids := range ev {
			evidence[id] = append(evidence[id], ids...)
		}
		toDate = append(toDate, values(o.Profile, pooled, daily, paid, len(daily), limit, evidence))
	}
	st.DaysDone = len(st.Daily)
	for id := range evidence {
		slices.Sort(evidence[id])
	}
	st.Counts = countsOf(pooled, paid)
	unevaluated := map[string]string{}
	if st.DaysDone > 0 {
		st.Pooled = toDate[len(toDate)-1]
		if o.PaidOrdersPerDay <= 0 {
			why := "the scenario states no paid orders per day (store.paid_orders_per_day)"
			unevaluated["dispute_refund_rate"] = why
			st.Notes = append(st.Notes, "dispute_refund_rate not evaluated: "+why)
		}
	} else {
		st.Pooled = sim.KPIValues{}
	}
	for _, g := range c.Trial.Gates {
		st.Gates = append(st.Gates, gate(g, st, toDate, daily, paid, evidence, perDialogue))
	}
	if st.DaysDone > 0 {
		stmt, err := c.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: sim.TrialPeriod, Values: st.Pooled, Evidence: evidence, Unevaluated: unevaluated}}})
		if err != nil {
			return nil, fmt.Errorf("judge trial: %w", err)
		}
		st.Statement = stmt
	}
	st.Verdict = verdict(st, o.State == StateFinal)
	return st, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// values is the KPIs of counts c over the given days.
func values(p *sim.PlatformProfile, c sim.Counts, daily []sim.Counts, paid float64, days int, limit float64, evidence map[string][]string) sim.KPIValues {
	v := sim.KPIValuesFor(p, c, daily, paid, float64(days), limit)
	if c.Sessions > 0 {
		v["qa_hard_fails"] = float64(len(evidence["qa_hard_fails"]))
	}
	return v
}

func meets(g sim.Gate, v float64) bool {
	k, _ := sim.LookupKPI(g.KPI)
	if k.Direction == sim.HigherIsBetter {
		return v >= g.Target
	}
	return v <= g.Target
}

func gate(g sim.Gate, st *Status, toDate []sim.KPIValues, daily []sim.Counts, paid float64, evidence map[string][]string, perDialogue bool) Gate {
	k, _ := sim.LookupKPI(g.KPI)
	out := Gate{KPI: g.KPI, Name: k.Name, Target: g.Target, Better: "lower", Daily: []*float64{}, ToDate: []*float64{},
		Evidence: evidence[g.KPI], Breaches: len(evidence[g.KPI])}
	if k.Direction == sim.HigherIsBetter {
		out.Better = "higher"
	}
	opt := func(m sim.KPIValues) *float64 {
		if v, ok := m[g.KPI]; ok {
			return &v
		}
		return nil
	}
	for i, d := range st.Daily {
		out.Daily = append(out.Daily, opt(d.KPIs))
		out.ToDate = append(out.ToDate, opt(toDate[i]))
	}
	if out.Value = opt(st.Pooled); out.Value != nil {
		met := meets(g, *out.Value)
		out.Met = &met
	}
	out.Trend = trend(g.KPI, k.Direction, daily, st.Daily, perDialogue)
	return out
}

// trend compares the last days with the days before them.
func trend(id string, dir sim.Direction, daily []sim.Counts, days []Day, perDialogue bool) Trend {
	n := len(daily)
	k := min(3, n/2)
	t := Trend{Direction: Unknown, RecentDays: k, EarlierDays: n - k}
	if k < 1 {
		t.Rule = "fewer than two finished days"
		return t
	}
	var recent, earlier sim.Counts
	var recentPaid, earlierPaid float64
	for i, c := range daily {
		if i >= n-k {
			recent.Add(c)
			recentPaid += days[i].Counts.PaidOrders
		} else {
			earlier.Add(c)
			earlierPaid += days[i].Counts.PaidOrders
		}
	}
	n1, d1, kind := parts(id, recent, recentPaid, float64(k), perDialogue)
	n0, d0, _ := parts(id, earlier, earlierPaid, float64(n-k), perDialogue)
	if kind == "" {
		t.Rule = "no counts behind this KPI"
		return t
	}
	if d1 <= 0 || d0 <= 0 {
		t.Rule = "nothing measured on one side"
		return t
	}
	p1, p0 := n1/d1, n0/d0
	t.Recent, t.Earlier = &p1, &p0
	better := func(diff float64) string {
		if dir == sim.LowerIsBetter {
			diff = -diff
		}
		if diff > 0 {
			return Improving
		}
		return Worsening
	}
	var se float64
	switch kind {
	case "proportion":
		p := (n0 + n1) / (d0 + d1)
		se = math.Sqrt(p * (1 - p) * (1/d0 + 1/d1))
		t.Rule = "two-proportion z-test, |z| ≥ 1.96"
	case "count":
		rate := (n0 + n1) / (d0 + d1)
		se = math.Sqrt(rate * (1/d0 + 1/d1))
		t.Rule = "Poisson z-test on the daily count, |z| ≥ 1.96"
	case "mean":
		t.Rule = "a change of 10 % or more (averages keep no variance)"
		switch {
		case p0 == 0 && p1 == 0, p0 != 0 && math.Abs(p1-p0)/math.Abs(p0) < 0.10:
			t.Direction = Steady
		default:
			t.Direction = better(p1 - p0)
		}
		return t
	}
	if se == 0 {
		t.Direction = Steady
		return t
	}
	z := (p1 - p0) / se
	t.Z = &z
	t.Direction = Steady
	if math.Abs(z) >= 1.96 {
		t.Direction = better(p1 - p0)
	}
	return t
}

// parts returns the numerator and denominator of KPI id in c, and how they
// are compared: "proportion", "count" (per day) or "mean"; "" when the
// counts do not give the KPI.
func parts(id string, c sim.Counts, paid, days float64, perDialogue bool) (num, den float64, kind string) {
	f := func(n int) float64 { return float64(n) }
	switch id {
	case "satisfaction":
		return f(c.Top2), f(c.Ratings), "proportion"
	case "reply_rate_3min":
		if perDialogue {
			return f(c.DialoguesOnTime), f(c.Dialogues), "proportion"
		}
		return f(c.RoundsOnTime), f(c.Rounds), "proportion"
	case "answer_rate_30s":
		return f(c.AnsweredInTime), f(c.AnswerSessions), "proportion"
	case "dispute_refund_rate":
		return f(c.Disputes), paid, "proportion"
	case "abandon_rate":
		return f(c.Left), f(c.Handled + c.Left), "proportion"
	case "resolution_24h_rate":
		return f(c.Resolved24), f(c.Cases), "proportion"
	case "not_served_rate":
		return f(c.NotServed), f(c.Dialogues), "proportion"
	case "inquiry_conversion":
		return f(c.Converted), f(c.Presales), "proportion"
	case "timeouts_per_day":
		return f(c.Timeouts), days, "count"
	case "first_response_avg_s":
		return c.FirstSum, f(c.FirstSessions), "mean"
	case "response_avg_s":
		return c.RoundSum, f(c.Rounds), "mean"
	}
	return 0, 0, ""
}

func verdict(st *Status, final bool) Verdict {
	v := Verdict{Outcome: OutcomeUndecided, Final: final}
	for _, g := range st.Gates {
		if st.DaysDone == 0 {
			break
		}
		switch {
		case g.Met == nil:
			v.Unchecked = append(v.Unchecked, g.KPI)
		case !*g.Met:
			v.Failed = append(v.Failed, g.KPI)
		}
	}
	// The trial's lines are one per checked gate; the one carrying the
	// refund (or, when all are met, the first) holds the summary.
	var line *sim.Item
	if st.Statement != nil {
		for i := range st.Statement.Items {
			it := &st.Statement.Items[i]
			if it.Kind == "trial" && (line == nil || it.Amount > 0 && line.Amount == 0) {
				line = it
			}
		}
	}
	scope := fmt.Sprintf("over %d of %d days", st.DaysDone, st.Days)
	if final {
		scope = fmt.Sprintf("over all %d days", st.Days)
	}
	switch {
	case st.DaysDone == 0:
		v.Reason = "no day of the trial has finished yet"
	case line == nil:
		v.Reason = "no gate could be checked " + scope + ": " + strings.Join(v.Unchecked, ", ") + " had nothing to measure"
	case line.Amount > 0:
		v.Outcome, v.Refund = OutcomeRefund, line.Amount
		v.Reason = fmt.Sprintf("%s %s: %s refunded", line.Reason, scope, line.Amount)
	default:
		v.Outcome = OutcomePass
		v.Reason = line.Reason + " " + scope
	}
	if len(v.Unchecked) > 0 && line != nil {
		v.Reason += "; not checked (nothing measured): " + strings.Join(v.Unchecked, ", ")
	}
	if !final && st.DaysDone > 0 {
		v.Reason += "; provisional: " + provisional(st.State, st.Played >= st.End.Sub(st.Start).Seconds())
	}
	return v
}

func provisional(s State, timeOver bool) string {
	switch {
	case s == StatePaused && timeOver:
		return "the trial's time is over but its hub stopped during the wind-down (serve --resume finishes the wind-down and records the final verdict)"
	case s == StatePaused:
		return "the trial is paused before its end (serve --resume continues it)"
	case s == StateStopped:
		return "the trial was stopped before its end and will not be decided"
	case s == StateClosing:
		return "the trial's time is over; the verdict is decided when its last conversations end"
	}
	return "the verdict if the trial ended now"
}

package sim

import (
	"math"
	"time"
)

// A Calendar maps offsets from a run's start (seconds, as the engines keep
// time) to the local calendar day and time of day, the two things the
// platform rules ask of an instant. It precomputes one entry per hour so
// that the discrete-event engine never formats a time.Time on its hot
// path. It assumes the zone's offset does not change inside an hour.
//
// A Calendar is immutable and safe for concurrent use.
type Calendar struct {
	start time.Time
	loc   *time.Location
	hours []hourEntry
}

type hourEntry struct {
	day   int32   // local days since the start's day
	clock float64 // local seconds since midnight at the hour's start
}

// NewCalendar returns the calendar of a run that starts at start and lasts
// span (offsets beyond span still work, more slowly).
func NewCalendar(start time.Time, span time.Duration) *Calendar {
	loc := start.Location()
	c := &Calendar{start: start, loc: loc}
	n := int(span/time.Hour) + 2
	c.hours = make([]hourEntry, n)
	for i := range c.hours {
		c.hours[i] = c.slow(float64(i) * 3600)
	}
	return c
}

func (c *Calendar) slow(off float64) hourEntry {
	t := c.start.Add(time.Duration(off * float64(time.Second))).In(c.loc)
	// Days count from the start's own date: its local midnight, where
	// the clocks jump at midnight, does not exist, and time.Date moves it
	// to the day before.
	day := int32(DaysBetween(c.start, t, c.loc))
	clock := float64(t.Hour()*3600+t.Minute()*60+t.Second()) + float64(t.Nanosecond())/1e9
	return hourEntry{day: day, clock: clock}
}

// Local returns the local day (0 = the start's day) and seconds since local
// midnight of the instant off seconds after the start.
func (c *Calendar) Local(off float64) (day int, clock float64) {
	h := int(off / 3600)
	if off < 0 || h >= len(c.hours) {
		e := c.slow(off)
		return int(e.day), e.clock
	}
	e := c.hours[h]
	clock = e.clock + (off - float64(h)*3600)
	if clock >= 86400 {
		return int(e.day) + 1, clock - 86400
	}
	return int(e.day), clock
}

// Time returns the instant off seconds after the start.
func (c *Calendar) Time(off float64) time.Time {
	return c.start.Add(time.Duration(off * float64(time.Second)))
}

// Session is what the KPIs need to know of one conversation. Times are
// seconds from the run's start; a negative FirstReply means no valid reply
// ever came.
type Session struct {
	Start float64
	// FirstReply is the wait from the buyer's first message to the first
	// valid reply.
	FirstReply float64
	// Served: an agent sent a valid reply (an assignment alone, or an
	// automatic welcome, serves nobody). Abandoned: the buyer left before
	// the conversation was resolved.
	Served, Abandoned bool
	// LeftUnanswered: the buyer left while waiting for a first reply.
	LeftUnanswered bool
	// LateRound: some round waited longer than the reply threshold or got
	// no reply (the per-dialogue reply rate).
	LateRound bool
	// Rating is the 1–5 rating, 0 when the buyer did not rate.
	Rating   int
	Presales bool
	// NoCase: an after-sales conversation whose case is not known (an
	// imported transcript naming none, and none inferred). Resolution is
	// judged against the case, so it is left out of the resolution rate,
	// neither resolved nor unresolved (transcripts.md).
	NoCase bool
	// Converted: a pre-sales buyer paid. Dispute: an after-sales buyer won a
	// platform dispute. Resolved: the case got a correct solution, after
	// ResolvedAfter seconds from the first message.
	Converted, Dispute, Resolved bool
	ResolvedAfter                float64
}

// Resolved24h reports whether the case was solved within 24 hours of the
// buyer's first message (resolution_24h_rate).
func (s Session) Resolved24h() bool { return s.Resolved && s.ResolvedAfter <= 86400 }

// Counts are the raw counters behind the KPIs of one period or day. They
// add up: the counts of a period are the sum of its days'.
type Counts struct {
	Sessions          int     // all sessions
	FirstSessions     int     // sessions in business hours (first_response_avg_s)
	FirstSum          float64 // their first-response seconds, unanswered ones at the unanswered-round value
	Rounds            int     // rounds starting in business hours
	RoundSum          float64 // their capped reply seconds
	RoundsOnTime      int     // answered within the reply threshold
	Timeouts          int     // rounds in business hours later than the timeout threshold, or unanswered
	Dialogues         int     // sessions in business hours (per-dialogue reply rate and not-served rate)
	DialoguesOnTime   int
	NotServed         int
	AnswerSessions    int // sessions the answer rate counts
	AnsweredInTime    int
	Ratings, Top2     int
	Disputes          int
	Handled, Left     int // handled = served and not abandoned; left = abandoned before a valid reply
	Cases, Resolved24 int // after-sales sessions of a known case; those solved within 24 h
	Presales          int
	Converted         int
}

func (c *Counts) add(o *Counts) {
	c.Sessions += o.Sessions
	c.FirstSessions += o.FirstSessions
	c.FirstSum += o.FirstSum
	c.Rounds += o.Rounds
	c.RoundSum += o.RoundSum
	c.RoundsOnTime += o.RoundsOnTime
	c.Timeouts += o.Timeouts
	c.Dialogues += o.Dialogues
	c.DialoguesOnTime += o.DialoguesOnTime
	c.NotServed += o.NotServed
	c.AnswerSessions += o.AnswerSessions
	c.AnsweredInTime += o.AnsweredInTime
	c.Ratings += o.Ratings
	c.Top2 += o.Top2
	c.Disputes += o.Disputes
	c.Handled += o.Handled
	c.Left += o.Left
	c.Cases += o.Cases
	c.Resolved24 += o.Resolved24
	c.Presales += o.Presales
	c.Converted += o.Converted
}

// Tally computes the KPIs of a run from its sessions and rounds, by the
// rules of a platform profile (DOMAIN.md §1). The live hub and the
// discrete-event engine both feed one, so their KPIs mean the same. A Tally
// is not safe for concurrent use.
type Tally struct {
	cal                                     *Calendar
	profile                                 *PlatformProfile
	bhFrom, bhTo                            float64 // business hours, local seconds of day
	bhWraps                                 bool
	exFrom, exTo                            float64 // answer-rate exclusion window
	exWraps, hasEx                          bool
	answer, reply, timeout, cap, unanswered float64
	perDialogue                             bool
	days                                    []Counts
}

// NewTally returns a tally for a run on cal under profile. timeout is the
// response-timeout threshold (the contract's, or 0 for the profile's).
func NewTally(cal *Calendar, profile *PlatformProfile, timeout time.Duration) *Tally {
	if timeout <= 0 {
		timeout = profile.TimeoutThreshold
	}
	if timeout <= 0 {
		timeout = DefaultTimeoutThreshold
	}
	t := &Tally{
		cal: cal, profile: profile,
		bhFrom: profile.BusinessHours.From.Duration().Seconds(), bhTo: profile.BusinessHours.To.Duration().Seconds(),
		bhWraps:     profile.BusinessHours.Wraps(),
		answer:      profile.AnswerThreshold.Seconds(),
		reply:       profile.ReplyThreshold.Seconds(),
		timeout:     timeout.Seconds(),
		cap:         profile.RoundCap.Seconds(),
		unanswered:  profile.UnansweredRound.Seconds(),
		perDialogue: profile.ReplyScope == ScopeDialogue,
	}
	if profile.BusinessHours.From == profile.BusinessHours.To {
		t.bhFrom, t.bhTo, t.bhWraps = 0, 86400, false
	}
	if ex := profile.AnswerRateExcludes; ex != nil {
		t.hasEx = true
		t.exFrom, t.exTo, t.exWraps = ex.From.Duration().Seconds(), ex.To.Duration().Seconds(), ex.Wraps()
	}
	return t
}

// ReplyThreshold returns the reply-rate threshold in seconds: a round
// answered later is late.
func (t *Tally) ReplyThreshold() float64 { return t.reply }

func within(clock, from, to float64, wraps bool) bool {
	if wraps {
		return clock >= from || clock < to
	}
	return clock >= from && clock < to
}

// InBusinessHours reports whether an instant off seconds after the start
// falls in the profile's business hours on a day of the calendar: a round
// starting then counts in the round KPIs (reply rate, average response,
// timeouts), a session arriving then in the per-session ones that keep
// business hours (first response, dialogues, not served). The evidence
// behind a KPI must be what it counts, so reviews ask this too.
func (t *Tally) InBusinessHours(off float64) bool {
	d, clock := t.cal.Local(off)
	return d >= 0 && within(clock, t.bhFrom, t.bhTo, t.bhWraps)
}

// InAnswerWindow reports whether a session arriving off seconds after the
// start counts in the answer rate (answer_rate_30s): outside the
// profile's exclusion window, if it has one.
func (t *Tally) InAnswerWindow(off float64) bool {
	if !t.hasEx {
		return true
	}
	_, clock := t.cal.Local(off)
	return !within(clock, t.exFrom, t.exTo, t.exWraps)
}

// TimeoutThreshold returns the response-timeout threshold in seconds: a
// round answered later, or never, is a timeout.
func (t *Tally) TimeoutThreshold() float64 { return t.timeout }

func (t *Tally) day(d int) *Counts {
	for d >= len(t.days) {
		t.days = append(t.days, Counts{})
	}
	return &t.days[d]
}

// Round records one round: the buyer's message at start and the wait for
// the first valid reply (negative: never answered). It reports whether the
// round was on time (within the reply threshold).
func (t *Tally) Round(start, wait float64) (onTime bool) {
	onTime = wait >= 0 && wait <= t.reply
	d, clock := t.cal.Local(start)
	if d < 0 || !within(clock, t.bhFrom, t.bhTo, t.bhWraps) {
		return onTime
	}
	c := t.day(d)
	c.Rounds++
	switch {
	case wait < 0:
		c.RoundSum += t.unanswered
	case t.cap > 0 && wait > t.cap:
		c.RoundSum += t.cap
	default:
		c.RoundSum += wait
	}
	if onTime {
		c.RoundsOnTime++
	}
	if wait < 0 || wait > t.timeout {
		c.Timeouts++
	}
	return onTime
}

// Add records a finished session.
func (t *Tally) Add(s *Session) {
	d, clock := t.cal.Local(s.Start)
	if d < 0 {
		d = 0
	}
	c := t.day(d)
	c.Sessions++
	bh := within(clock, t.bhFrom, t.bhTo, t.bhWraps)
	if bh {
		c.FirstSessions++
		if s.FirstReply >= 0 {
			c.FirstSum += s.FirstReply
		} else {
			c.FirstSum += t.unanswered
		}
		c.Dialogues++
		if !s.LateRound && s.FirstReply >= 0 {
			c.DialoguesOnTime++
		}
		if !s.Served {
			c.NotServed++
		}
	}
	if !t.hasEx || !within(clock, t.exFrom, t.exTo, t.exWraps) {
		c.AnswerSessions++
		if s.FirstReply >= 0 && s.FirstReply <= t.answer {
			c.AnsweredInTime++
		}
	}
	if s.Rating > 0 {
		c.Ratings++
		if s.Rating >= 4 {
			c.Top2++
		}
	}
	if s.LeftUnanswered {
		c.Left++
	} else if s.Served {
		c.Handled++
	}
	if s.Presales {
		c.Presales++
		if s.Converted {
			c.Converted++
		}
		return
	}
	if !s.NoCase {
		c.Cases++
		if s.Resolved24h() {
			c.Resolved24++
		}
	}
	if s.Dispute {
		c.Disputes++
	}
}

// Days returns the counts of each local day, from the start's day.
func (t *Tally) Days() []Counts { return t.days }

// Total returns the counts of the whole run.
func (t *Tally) Total() Counts {
	var c Counts
	for i := range t.days {
		c.add(&t.days[i])
	}
	return c
}

// KPIValues turns counts into KPI values by the catalogue's formulas.
// paidOrders is the period's paid orders (the dispute-rate denominator);
// days the business days of the period; dailyLimit the contract's daily
// timeout limit, or negative when it has none (no timeout_bad_day_share).
// daily holds the per-day counts behind the bad-day share. A KPI whose
// denominator is zero is left out: it was not observed.
func KPIValuesOf(c Counts, daily []Counts, paidOrders, days, dailyLimit float64) map[string]float64 {
	v := map[string]float64{}
	ratio := func(id string, num, den float64) {
		if den > 0 {
			v[id] = num / den
		}
	}
	ratio("first_response_avg_s", c.FirstSum, float64(c.FirstSessions))
	ratio("response_avg_s", c.RoundSum, float64(c.Rounds))
	ratio("reply_rate_3min", float64(c.RoundsOnTime), float64(c.Rounds))
	ratio("answer_rate_30s", float64(c.AnsweredInTime), float64(c.AnswerSessions))
	ratio("satisfaction", float64(c.Top2), float64(c.Ratings))
	ratio("dispute_refund_rate", float64(c.Disputes), paidOrders)
	ratio("abandon_rate", float64(c.Left), float64(c.Handled+c.Left))
	ratio("resolution_24h_rate", float64(c.Resolved24), float64(c.Cases))
	ratio("timeouts_per_day", float64(c.Timeouts), days)
	ratio("not_served_rate", float64(c.NotServed), float64(c.Dialogues))
	ratio("inquiry_conversion", float64(c.Converted), float64(c.Presales))
	if dailyLimit >= 0 && days > 0 {
		bad := 0
		for _, d := range daily {
			if float64(d.Timeouts) > dailyLimit {
				bad++
			}
		}
		v["timeout_bad_day_share"] = math.Min(1, float64(bad)/days)
	}
	return v
}

// KPIValues returns the KPIs of the whole run; see [KPIValuesFor].
func (t *Tally) KPIValues(paidOrders, days, dailyLimit float64) map[string]float64 {
	return KPIValuesFor(t.profile, t.Total(), t.days, paidOrders, days, dailyLimit)
}

// KPIValuesFor is [KPIValuesOf] by the rules of profile: under a
// per-dialogue profile (Douyin) reply_rate_3min counts dialogues, not
// rounds. A nil profile counts rounds.
func KPIValuesFor(profile *PlatformProfile, c Counts, daily []Counts, paidOrders, days, dailyLimit float64) map[string]float64 {
	v := KPIValuesOf(c, daily, paidOrders, days, dailyLimit)
	if profile != nil && profile.ReplyScope == ScopeDialogue {
		delete(v, "reply_rate_3min")
		if c.Dialogues > 0 {
			v["reply_rate_3min"] = float64(c.DialoguesOnTime) / float64(c.Dialogues)
		}
	}
	return v
}

// Columns returns the counts behind the KPIs by the names of a KPI file's
// count columns (n_ratings, n_rounds, ...), with paidOrders as
// n_paid_orders (omitted when not above 0): what a reader checks a rate
// against.
func (c Counts) Columns(paidOrders float64) map[string]float64 {
	f := func(n int) float64 { return float64(n) }
	m := map[string]float64{
		"n_sessions": f(c.Sessions), "n_first_sessions": f(c.FirstSessions), "n_rounds": f(c.Rounds),
		"n_rounds_on_time": f(c.RoundsOnTime), "n_timeouts": f(c.Timeouts), "n_dialogues": f(c.Dialogues),
		"n_dialogues_on_time": f(c.DialoguesOnTime), "n_not_served": f(c.NotServed), "n_answer_sessions": f(c.AnswerSessions),
		"n_answered_in_time": f(c.AnsweredInTime), "n_ratings": f(c.Ratings), "n_top2": f(c.Top2), "n_disputes": f(c.Disputes),
		"n_handled": f(c.Handled), "n_left": f(c.Left), "n_cases": f(c.Cases), "n_resolved_24h": f(c.Resolved24),
		"n_presales": f(c.Presales), "n_converted": f(c.Converted),
	}
	if paidOrders > 0 {
		m["n_paid_orders"] = paidOrders
	}
	return m
}

// Add adds the counts of o to c: the counts of a period are the sum of its
// days'.
func (c *Counts) Add(o Counts) { c.add(&o) }

// TimeoutDailyLimit returns the daily timeout limit of the contract's
// count_per_day clause, and whether it has one.
func (c *Contract) TimeoutDailyLimit() (float64, bool) {
	for _, cl := range c.Clauses {
		if cl.Kind == KindCountPerDay && cl.Limit != nil {
			return *cl.Limit, true
		}
	}
	return 0, false
}

package sim

import (
	"errors"
	"slices"
	"sort"
	"strings"
	"time"
)

// ReplyScope is what a reply-rate KPI counts: rounds, or whole dialogues.
type ReplyScope string

// The reply scopes.
const (
	// ScopeRound counts each round (buyer's first message to the first
	// valid reply) on its own: Taobao, Pinduoduo.
	ScopeRound ReplyScope = "round"
	// ScopeDialogue counts a whole dialogue: any message waiting longer than
	// the threshold makes the dialogue 0 (Douyin).
	ScopeDialogue ReplyScope = "dialogue"
)

// BotRule is how a platform treats replies of a bot.
type BotRule string

// The bot rules.
const (
	// BotExclude takes rounds answered by the bot out of the KPI, from both
	// numerator and denominator (Taobao's rule for full-auto bots).
	BotExclude BotRule = "exclude"
	// BotCount counts the bot's reply as a valid reply (Taobao's rule for
	// assist-mode bots, where a person approves each reply).
	BotCount BotRule = "count"
	// BotIgnore treats the bot's reply as no reply: the round waits for a
	// person.
	BotIgnore BotRule = "ignore"
)

var botRules = []BotRule{BotExclude, BotCount, BotIgnore}

// ValidReply says which messages count as a valid reply, the event that
// ends a round.
type ValidReply struct {
	// Welcome: whether a welcome message counts. It never does on the
	// platforms we know; a session with only a welcome is "not served".
	Welcome bool `yaml:"welcome"`
	// AutoGreeting: whether an automatic greeting sent on the buyer's first
	// message counts.
	AutoGreeting bool    `yaml:"auto_greeting"`
	FullAutoBot  BotRule `yaml:"full_auto_bot"`
	AssistBot    BotRule `yaml:"assist_bot"`
}

// PlatformProfile is how one platform measures chat service (DOMAIN.md §1):
// the rules behind the timeliness KPIs. Platforms disagree and change their
// rules, so every value lives in a profile, never in code, and Sources says
// where each value comes from.
type PlatformProfile struct {
	Name string `yaml:"name"`
	// Base is the built-in profile a scenario's profile was derived from,
	// empty for a built-in profile itself.
	Base        string `yaml:"base"`
	Description string `yaml:"description"`
	// BusinessHours is the daily window the timeliness KPIs count.
	BusinessHours ClockRange `yaml:"business_hours"`
	// AnswerThreshold is the first-response limit of the answer rate (30 s).
	AnswerThreshold time.Duration `yaml:"answer_threshold"`
	// ReplyThreshold is the limit of the reply rate (3 min), applied per
	// ReplyScope.
	ReplyThreshold time.Duration `yaml:"reply_threshold"`
	ReplyScope     ReplyScope    `yaml:"reply_scope"`
	// RoundCap caps each round's reply time in the average response time
	// (Taobao 600 s); 0 leaves rounds uncapped.
	RoundCap time.Duration `yaml:"round_cap"`
	// UnansweredRound is what a round that never got a valid reply counts
	// in the average response time (Taobao 600 s).
	UnansweredRound time.Duration `yaml:"unanswered_round"`
	// TimeoutThreshold makes a round a response timeout when its first
	// valid reply came later, or never (default 3 min). DOMAIN.md lets a
	// contract agree its own; contract files have no field for it yet, so
	// a profile carries it.
	TimeoutThreshold time.Duration `yaml:"timeout_threshold"`
	// RollingWindow is the platform's KPI window (Taobao 30 days); deskdrill
	// reports its own periods and keeps this for reference.
	RollingWindow time.Duration `yaml:"rolling_window"`
	// OfflineCountsAsMissed: a session that fell to offline messages counts
	// as not answered.
	OfflineCountsAsMissed bool       `yaml:"offline_counts_as_missed"`
	ValidReply            ValidReply `yaml:"valid_reply"`
	// AnswerRateExcludes is a daily window whose sessions the answer rate
	// leaves out (JD: sessions started 23:00–09:00). Nil excludes none.
	AnswerRateExcludes *ClockRange `yaml:"answer_rate_excludes"`
	// ComfortableAbandon is the share of buyers leaving before a first
	// valid reply that a store can live with: the planner refuses a
	// "cheapest" staffing that loses more (deskdrill plan --max-abandon).
	// 0 means DefaultComfortableAbandon.
	ComfortableAbandon float64 `yaml:"comfortable_abandon"`
	// TimeZone is the zone of the platform's calendar: its days, business
	// hours and periods (default Asia/Shanghai: the platforms deskdrill
	// knows keep Beijing time, whatever offsets a chat log is written in).
	TimeZone string `yaml:"timezone"`
	// Location is TimeZone loaded; the scenarios package sets it.
	Location *time.Location `yaml:"-"`
	// Sources maps a field's file name ("round_cap") to where its value
	// comes from: the platform rule, or "deskdrill default".
	Sources map[string]string `yaml:"sources"`
}

// Zone returns the location of the platform's calendar: Location, or
// China Standard Time when none was loaded.
func (p *PlatformProfile) Zone() *time.Location {
	if p != nil && p.Location != nil {
		return p.Location
	}
	return chinaStandardTime
}

// ProfileFields lists the value fields of a profile by their file names:
// the keys Sources may (and a built-in profile must) give.
func ProfileFields() []string {
	return []string{
		"business_hours", "answer_threshold", "reply_threshold", "reply_scope", "round_cap",
		"unanswered_round", "timeout_threshold", "rolling_window", "offline_counts_as_missed",
		"valid_reply", "answer_rate_excludes", "comfortable_abandon",
	}
}

// DefaultComfortableAbandon is the comfortable abandonment when a profile
// gives none: 5 % of buyers leaving before a first valid reply, a common
// contact-centre ceiling for chat (a deskdrill default; the platforms
// publish none).
const DefaultComfortableAbandon = 0.05

// DefaultTimeoutThreshold is the response-timeout threshold deskdrill uses
// when neither profile nor contract sets one (DOMAIN.md §1).
const DefaultTimeoutThreshold = 3 * time.Minute

// Normalize fills what has one obvious default: the timeout threshold (3
// min), the reply scope (round), the unanswered-round value (the round cap)
// and the bot rules (full-auto excluded, assist-mode counted).
func (p *PlatformProfile) Normalize() {
	if p.TimeoutThreshold == 0 {
		p.TimeoutThreshold = DefaultTimeoutThreshold
	}
	if p.ComfortableAbandon == 0 {
		p.ComfortableAbandon = DefaultComfortableAbandon
	}
	if p.ReplyScope == "" {
		p.ReplyScope = ScopeRound
	}
	if p.UnansweredRound == 0 {
		p.UnansweredRound = p.RoundCap
	}
	if p.ValidReply.FullAutoBot == "" {
		p.ValidReply.FullAutoBot = BotExclude
	}
	if p.ValidReply.AssistBot == "" {
		p.ValidReply.AssistBot = BotCount
	}
	if p.TimeZone == "" {
		p.TimeZone = DefaultTimeZone
	}
	if p.Location == nil && p.TimeZone == DefaultTimeZone {
		p.Location = chinaStandardTime
	}
}

// Validate normalises p and checks it. The error joins one *FieldError per
// problem with paths as in the profile file.
func (p *PlatformProfile) Validate() error {
	var fe fieldErrors
	p.check(&fe, "")
	return errors.Join(fe...)
}

// check appends p's problems under path ("" or "platform").
func (p *PlatformProfile) check(fe *fieldErrors, path string) {
	p.Normalize()
	if strings.TrimSpace(p.Name) == "" {
		fe.add(fieldPath(path, "name"), "is required")
	}
	if p.Location == nil {
		fe.add(fieldPath(path, "timezone"), "%q is not loaded (the scenarios package resolves time zones)", p.TimeZone)
	}
	bh := p.BusinessHours
	if bh == (ClockRange{}) {
		fe.add(fieldPath(path, "business_hours"), "is required, e.g. 08:00-23:00 (00:00-24:00 for all day)")
	} else if bh.Wraps() {
		fe.add(fieldPath(path, "business_hours"), "%v: business hours must not run over midnight (the end is after the start; 00:00-24:00 is all day)", bh)
	}
	positive := func(field string, d time.Duration) {
		if d <= 0 {
			fe.add(fieldPath(path, field), "is required and must be above zero")
		} else if d > 366*24*time.Hour {
			fe.add(fieldPath(path, field), "%s is longer than a year", FormatDuration(d))
		}
	}
	positive("answer_threshold", p.AnswerThreshold)
	positive("reply_threshold", p.ReplyThreshold)
	positive("timeout_threshold", p.TimeoutThreshold)
	positive("rolling_window", p.RollingWindow)
	if p.RoundCap < 0 {
		fe.add(fieldPath(path, "round_cap"), "must not be negative (0 leaves rounds uncapped)")
	}
	switch {
	case p.UnansweredRound <= 0:
		fe.add(fieldPath(path, "unanswered_round"), "is required and must be above zero (what a round without a reply counts; Taobao 600s)")
	case p.RoundCap > 0 && p.UnansweredRound < p.RoundCap:
		fe.add(fieldPath(path, "unanswered_round"), "%s is below round_cap (%s): a round without a reply cannot count less than a capped one", FormatDuration(p.UnansweredRound), FormatDuration(p.RoundCap))
	}
	if p.ReplyScope != ScopeRound && p.ReplyScope != ScopeDialogue {
		fe.add(fieldPath(path, "reply_scope"), "%q: want round or dialogue", p.ReplyScope)
	}
	for _, r := range []struct {
		field string
		rule  BotRule
	}{{"valid_reply.full_auto_bot", p.ValidReply.FullAutoBot}, {"valid_reply.assist_bot", p.ValidReply.AssistBot}} {
		if !slices.Contains(botRules, r.rule) {
			fe.add(fieldPath(path, r.field), "%q: want one of %v", r.rule, botRules)
		}
	}
	if a := p.ComfortableAbandon; !(a > 0 && a < 1) {
		fe.add(fieldPath(path, "comfortable_abandon"), "%v: want a share above 0 and below 1, such as 0.05", a)
	}
	if x := p.AnswerRateExcludes; x != nil && x.From == x.To {
		fe.add(fieldPath(path, "answer_rate_excludes"), "%v is empty: leave the field out to exclude nothing", *x)
	}
	known := ProfileFields()
	keys := make([]string, 0, len(p.Sources))
	for k := range p.Sources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch {
		case !slices.Contains(known, k):
			fe.add(fieldPath(path, "sources.")+k, "no profile field %q has a value to source (fields: %s)", k, strings.Join(known, ", "))
		case strings.TrimSpace(p.Sources[k]) == "":
			fe.add(fieldPath(path, "sources.")+k, "is empty: say where the value comes from")
		}
	}
}

// InBusinessHours reports whether t (in the scenario's location) falls in
// the profile's business hours.
func (p *PlatformProfile) InBusinessHours(t time.Time) bool {
	return p.BusinessHours.ContainsTime(t)
}

// Clone returns a deep copy of p.
func (p *PlatformProfile) Clone() *PlatformProfile {
	q := *p
	if p.AnswerRateExcludes != nil {
		x := *p.AnswerRateExcludes
		q.AnswerRateExcludes = &x
	}
	if p.Sources != nil {
		q.Sources = make(map[string]string, len(p.Sources))
		for k, v := range p.Sources {
			q.Sources[k] = v
		}
	}
	return &q
}

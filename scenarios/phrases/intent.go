package phrases

import (
	"slices"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// Locale is the language of a bank: "zh-CN" or "en".
type Locale string

// The locales with a built-in bank. The set is closed because slot values
// (money, shipping payer, time) are rendered per locale in Go.
const (
	ZhCN Locale = "zh-CN"
	En   Locale = "en"
)

// Locales lists the supported locales; the first is the fallback of a bank
// asked for a locale it does not hold.
func Locales() []Locale { return []Locale{ZhCN, En} }

// Intent is what a line does in the conversation. An intent may carry a
// qualifier after a dot ("dispute.platform", "confirm.refund"); a customer
// line with a qualifier the bank lacks falls back to the bare intent.
type Intent string

// The customer intents. Every one of them has generic lines in a bank, so
// any case id draws a line for any of them.
const (
	Open         Intent = "open"          // first message, describing the problem
	More         Intent = "more"          // follow-up detail
	GiveOrder    Intent = "give_order"    // discloses the order number ({order})
	GiveEvidence Intent = "give_evidence" // describes a photo, video or measurement sent
	Nudge        Intent = "nudge"         // patience ran out: "在吗?", "hello?"
	Accept       Intent = "accept"        // accepts the resolution
	Dispute      Intent = "dispute"       // rejects it; qualified by the escalation step it threatens
	Angry        Intent = "angry"         // vents
	Thanks       Intent = "thanks"        // thanks the agent
	Rate         Intent = "rate"          // rating comment; qualified good or bad
	AskSize      Intent = "ask_size"      // pre-sales: which size fits
	AskStock     Intent = "ask_stock"     // pre-sales: in stock?
	AskShipDate  Intent = "ask_ship_date" // pre-sales: when does it ship
	AskCoupon    Intent = "ask_coupon"    // pre-sales: coupons and discounts
)

// The agent (bot) intents. Confirm is always qualified by an action kind:
// use ConfirmOf.
const (
	Greet       Intent = "greet"
	Apologize   Intent = "apologize"
	AskOrder    Intent = "ask_order"
	AskEvidence Intent = "ask_evidence"
	Confirm     Intent = "confirm"
	NextStep    Intent = "next_step" // a concrete next step with a time ({time})
	Close       Intent = "close"
	Answer      Intent = "answer" // pre-sales: answers a question on size, stock, shipping or coupons
)

// Generic is the customer section that holds the lines of every intent,
// used for a case that has none of its own.
const Generic = "generic"

var (
	customerBase = []Intent{Open, More, GiveOrder, GiveEvidence, Nudge, Accept, Dispute,
		Angry, Thanks, Rate, AskSize, AskStock, AskShipDate, AskCoupon}
	agentBase = []Intent{Greet, Apologize, AskOrder, AskEvidence, NextStep, Close, Answer}
)

// Rating qualifiers of Rate.
const (
	rateGood = "good" // 4 or 5 stars
	rateBad  = "bad"  // 1 or 2 stars
)

// qualifiers lists the qualifiers a base intent takes, in a fixed order.
func qualifiers(base Intent) []string {
	var qs []string
	switch base {
	case Dispute:
		for _, s := range sim.EscalationSteps() {
			qs = append(qs, string(s))
		}
	case Nudge:
		// NudgeNone says nothing, so it has no lines.
		qs = []string{string(sim.NudgeZaiMa), string(sim.NudgeRepeat), string(sim.NudgeEmoji)}
	case Rate:
		qs = []string{rateGood, rateBad}
	case Confirm:
		for _, k := range sim.ActionKinds() {
			qs = append(qs, string(k))
		}
	}
	return qs
}

func expand(bases []Intent) []Intent {
	var out []Intent
	for _, b := range bases {
		out = append(out, b)
		for _, q := range qualifiers(b) {
			out = append(out, b+"."+Intent(q))
		}
	}
	return out
}

// CustomerIntents lists every customer intent a bank may hold, qualified
// ones after their base, in a fixed order.
func CustomerIntents() []Intent { return expand(customerBase) }

// AgentIntents lists every agent intent, in a fixed order. Every one of
// them is required in a bank.
func AgentIntents() []Intent {
	out := slices.Clone(agentBase[:4])
	for _, k := range sim.ActionKinds() {
		out = append(out, ConfirmOf(k))
	}
	return append(out, agentBase[4:]...)
}

// ConfirmOf is the agent intent that confirms an action of kind k.
func ConfirmOf(k sim.ActionKind) Intent { return Confirm + "." + Intent(k) }

// DisputeOf is the customer intent that rejects a resolution and threatens
// step ("dispute.platform").
func DisputeOf(step sim.EscalationStep) Intent { return Dispute + "." + Intent(step) }

// DisputeAt is the dispute a buyer with ladder sends at tension: it
// threatens the highest rung whose tension trigger has been reached, or
// only rejects when none has.
func DisputeAt(ladder []sim.Rung, tension float64) Intent {
	out := Dispute
	for _, r := range ladder {
		if r.Tension > 0 && tension >= r.Tension {
			out = DisputeOf(r.Step)
		}
	}
	return out
}

// NudgeOf is the nudge of a persona's style. NudgeNone has no words; it
// maps to the plain nudge so a caller that sends one anyway gets text.
func NudgeOf(style sim.NudgeStyle) Intent {
	if style == sim.NudgeNone || style == "" {
		return Nudge
	}
	return Nudge + "." + Intent(style)
}

// RateOf is the rating comment of a 1–5 star rating: good for 4 and 5,
// bad for 1 and 2, plain for 3.
func RateOf(stars int) Intent {
	switch {
	case stars >= 4:
		return Rate + "." + rateGood
	case stars <= 2:
		return Rate + "." + rateBad
	}
	return Rate
}

// split cuts an intent into its base and qualifier.
func (i Intent) split() (base Intent, qualifier string) {
	b, q, _ := strings.Cut(string(i), ".")
	return Intent(b), q
}

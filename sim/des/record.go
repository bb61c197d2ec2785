package des

import (
	"fmt"
	"math"
	"slices"

	"github.com/deskdrill/deskdrill/sim"
)

// This file turns the engine's conversations into records of the kind the
// live hub keeps (sim.Conversation), for transcripts (docs/transcripts.md).
// Recording never draws: a run with Run.Record set meets the same buyers,
// and ends the same, as one without.

// Placeholder texts of a recorded conversation. The engine writes no
// words; these stand where a live run has messages, worded so that the
// scorer (docs/scoring.md) reads them as it reads real ones: the buyer's
// language, an answer where the agent answered, only holding phrases where
// a pre-sales question went unanswered.
type placeholders struct {
	buyer, nudge, supervisor, answer, holding, product, reason string
}

var placeholderTexts = map[sim.Locale]placeholders{
	sim.LocaleZhCN: {
		buyer: "（模拟买家消息）",
		nudge: "（模拟买家催促）",
		// The nudge that escalates to a supervisor says so, in words the
		// calibration (sim/calib) reads as a supervisor demand: the
		// conversation then holds the agent the escalation work longer.
		supervisor: "（模拟买家要求主管）",
		answer:     "（模拟客服答复内容）",
		holding:    "请稍等，马上帮您查一下",
		product:    "（模拟商品）",
		reason:     "按售后标准处理",
	},
	sim.LocaleEN: {
		buyer:      "(simulated buyer message)",
		nudge:      "(simulated buyer nudge)",
		supervisor: "(simulated buyer asks for a supervisor)",
		answer:     "(simulated agent reply with the answer)",
		holding:    "one moment please, let me check",
		product:    "(simulated product)",
		reason:     "per the after-sales standard",
	},
}

// The texts of a recorded buyer's leave: done after the close, out of
// patience before it (the live customers' words).
const (
	leaveDone     = "done"
	leaveImpatent = "out of patience"
)

// AgentName returns the name the engine's agent a (0-based) has in
// recorded conversations: "agent-001" for the first.
func AgentName(a int32) string { return fmt.Sprintf("agent-%03d", a+1) }

// ConversationID returns the id of the recorded conversation of the
// customer with arrival number n.
func ConversationID(n int64) string { return fmt.Sprintf("sim-%07d", n) }

func (e *Engine) texts() placeholders {
	if s := e.m.scenario; s != nil {
		if p, ok := placeholderTexts[s.Locale]; ok {
			return p
		}
	}
	return placeholderTexts[sim.LocaleZhCN]
}

func (e *Engine) at(t float64) sim.Event {
	return sim.Event{At: e.m.cal.Time(t)}
}

func (e *Engine) recEvent(c *customer, t float64, sender sim.Sender, kind sim.EventKind, text string) *sim.Event {
	ev := e.at(t)
	ev.Sender, ev.Kind, ev.Text = sender, kind, text
	c.conv.Events = append(c.conv.Events, ev)
	return &c.conv.Events[len(c.conv.Events)-1]
}

// recArrive starts the record of a counted customer: its case, persona
// and order, and the message that opens the first round.
func (e *Engine) recArrive(c *customer) {
	cm := &e.m.cases[c.caseIdx]
	price := max(1, sim.Money(math.Round(c.price)))
	c.conv = &sim.Conversation{
		ID: ConversationID(c.idx), Case: cm.id, Persona: e.m.personas[c.persona].Name, Presales: cm.presales,
		Order:   sim.Order{ID: fmt.Sprintf("SIM%012d", c.idx), Product: e.texts().product, Price: price},
		Arrived: e.m.cal.Time(c.arrive),
		// Two events a round, the assignment, the handling and the end.
		Events: make([]sim.Event, 0, 2*int(c.rounds)+10),
	}
	e.recEvent(c, c.arrive, sim.SenderCustomer, sim.EventMessage, e.texts().buyer)
}

func (e *Engine) recAssign(c *customer, a int32) {
	e.recEvent(c, e.now, sim.SenderSystem, sim.EventAssign, "").Agent = e.agentName(a)
}

// agentName is AgentName, formatted once per agent.
func (e *Engine) agentName(a int32) string {
	for int(a) >= len(e.names) {
		e.names = append(e.names, AgentName(int32(len(e.names))))
	}
	return e.names[a]
}

// recReply records a valid reply. The last one carries the handling:
// the table's resolution when the agent resolves the case correctly,
// otherwise the steps without the resolution (a wrong handling that is no
// hard fail).
func (e *Engine) recReply(c *customer, last bool) {
	p := e.texts()
	text := p.answer
	cm := &e.m.cases[c.caseIdx]
	if cm.presales && !c.correct {
		text = p.holding
	}
	agent := e.agentName(c.agent)
	e.recEvent(c, e.now, sim.SenderAgent, sim.EventMessage, text).Agent = agent
	if !last || cm.presales {
		return
	}
	k, _ := sim.LookupCase(cm.id)
	for _, a := range Handling(k, c.conv.Order.Price, c.correct, p.reason) {
		ev := e.recEvent(c, e.now, sim.SenderAgent, sim.EventAction, "")
		ev.Agent, ev.Action = agent, &a
	}
}

// Handling returns the actions of an after-sales handling of case k on an
// order of price: with correct, the case's required steps and its first
// resolution with the table's shipping payer and amounts; without, the
// steps alone (or, where the steps are themselves a resolution, the steps
// and a reject), which the scorer judges wrong but not a hard fail. reason
// is the text of escalations and rejects.
func Handling(k sim.Case, price sim.Money, correct bool, reason string) []sim.Action {
	var out []sim.Action
	has := func(kind sim.ActionKind) bool {
		return slices.ContainsFunc(out, func(a sim.Action) bool { return a.Kind == kind })
	}
	add := func(kind sim.ActionKind) {
		if has(kind) || kind == sim.ActClose {
			return
		}
		a := sim.Action{Kind: kind}
		switch kind {
		case sim.ActRefund:
			a.Amount = max(1, price)
		case sim.ActCompensate:
			a.Amount = max(1, price/10)
		case sim.ActApproveReturn, sim.ActExchange, sim.ActReship:
			a.Payer = k.ShippingPayer
			if a.Payer == sim.PayerNone {
				a.Payer = sim.PayerSeller // "per case" (the angry buyer): either, named
			}
		case sim.ActEscalate, sim.ActReject:
			a.Reason = reason
		}
		out = append(out, a)
	}
	if k.EvidenceRequired || slices.Contains(k.Steps, sim.ActRequestEvidence) {
		add(sim.ActRequestEvidence)
	}
	if k.EscalateAlways || slices.Contains(k.Steps, sim.ActEscalate) {
		add(sim.ActEscalate)
	}
	if len(k.Resolutions) == 0 {
		return out
	}
	if correct {
		for _, kind := range k.Resolutions[0] {
			add(kind)
		}
		return out
	}
	if k.Correct(out) {
		add(sim.ActReject)
	}
	return out
}

// recBuyer records the buyer's message that opens a later round, at t
// (at or after now: the buyer reads and writes first).
func (e *Engine) recBuyer(c *customer, t float64) {
	e.recEvent(c, t, sim.SenderCustomer, sim.EventMessage, e.texts().buyer)
}

// recNudge records a nudge; demand marks the one that escalated the
// conversation to a supervisor.
func (e *Engine) recNudge(c *customer, demand bool) {
	text := e.texts().nudge
	if demand {
		text = e.texts().supervisor
	}
	e.recEvent(c, e.now, sim.SenderCustomer, sim.EventMessage, text)
}

func (e *Engine) recClose(c *customer) {
	ev := e.recEvent(c, e.now, sim.SenderAgent, sim.EventAction, "")
	ev.Agent, ev.Action = e.agentName(c.agent), &sim.Action{Kind: sim.ActClose}
}

// recEnd records how the conversation ended, as a live customer sends it
// (its rating, a dispute, a purchase, then its leave) and the hub's close,
// and hands the record over.
func (e *Engine) recEnd(c *customer, left bool, v sim.Verdict, dispute bool) {
	t := e.now
	if v.Rating > 0 {
		e.recEvent(c, t, sim.SenderCustomer, sim.EventRating, "").Rating = v.Rating
	}
	if dispute {
		e.recEvent(c, t, sim.SenderCustomer, sim.EventDispute, "")
	}
	if v.Converted {
		e.recEvent(c, t, sim.SenderCustomer, sim.EventPaid, "")
	}
	why := leaveDone
	if left {
		why = leaveImpatent
	}
	e.recEvent(c, t, sim.SenderCustomer, sim.EventLeave, why)
	e.recEvent(c, t, sim.SenderSystem, sim.EventClose, "")
	conv := c.conv
	c.conv = nil
	e.cfg.Record(c.idx, conv)
}

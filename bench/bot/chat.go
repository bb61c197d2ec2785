package bot

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// chat is one conversation a bot holds.
type chat struct {
	t          *Team
	l          *link
	r          *rand.Rand
	id         string
	supervisor bool
	frames     chan protocol.Frame // the customer's frames; closed when the chat leaves the bot
	loc        phrases.Locale
	order      sim.Order
	texts      []string // what the customer wrote
	evidence   bool
}

// think pauses for a drawn think time; false when the chat or the run
// ended meanwhile. Customer frames that arrive are taken in.
func (c *chat) think(ctx context.Context) bool {
	cfg := c.t.cfg
	d := cfg.ThinkMin
	if span := cfg.ThinkMax - cfg.ThinkMin; span > 0 {
		d += time.Duration(c.r.Int64N(int64(span)))
	}
	return c.wait(ctx, time.Duration(float64(d)*(2-cfg.Skill)), func() bool { return false })
}

// waitEvidence waits up to limit for the customer's evidence.
func (c *chat) waitEvidence(ctx context.Context, limit time.Duration) bool {
	return c.wait(ctx, limit, func() bool { return c.evidence })
}

// wait takes in customer frames until done says so or d has passed (true),
// or the chat or the run ended (false).
func (c *chat) wait(ctx context.Context, d time.Duration, done func() bool) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	for !done() {
		select {
		case <-ctx.Done():
			return false
		case f, ok := <-c.frames:
			if !ok {
				return false
			}
			c.take(f)
		case <-timer.C:
			return true
		}
	}
	return true
}

func (c *chat) take(f protocol.Frame) {
	switch f.Type {
	case protocol.TypeMessage:
		c.texts = append(c.texts, f.Text)
	case protocol.TypeEvidence:
		c.evidence = true
		c.texts = append(c.texts, f.Text)
	}
}

func (c *chat) say(intent phrases.Intent, s phrases.Slots) bool {
	return c.l.send(protocol.Frame{Type: protocol.TypeMessage, Conversation: c.id, Text: c.t.cfg.Bank.Agent(c.r, c.loc, intent, s)}) == nil
}

func (c *chat) act(a sim.Action) bool {
	return c.l.send(protocol.Frame{Type: protocol.TypeAction, Conversation: c.id, Action: &a}) == nil
}

// work handles the conversation from its assignment to its close.
func (c *chat) work(ctx context.Context, assign protocol.Frame) {
	if assign.Order != nil {
		c.order = *assign.Order
	}
	c.loc = phrases.ZhCN
	if assign.Customer != nil && assign.Customer.Locale == string(phrases.En) {
		c.loc = phrases.En
	}
	for _, h := range assign.History {
		if h.Sender == string(sim.SenderCustomer) {
			c.texts = append(c.texts, h.Text)
			c.evidence = c.evidence || h.Kind == string(sim.EventEvidence)
		}
	}
	slots := phrases.Slots{Order: c.order.ID, Product: c.order.Product, Price: c.order.Price, Time: 24 * time.Hour}
	if !c.think(ctx) || !c.say(phrases.Greet, slots) {
		return
	}
	// The case from the customer's words and the order's stage (an order
	// not paid is a question before the sale), as kpis --transcripts
	// infers it (phrases.Bank.InferOrder): agents are never told the case,
	// nor whether the contact is pre-sales.
	guess := c.t.cfg.Bank.InferOrder(c.loc, c.texts, c.order).Case
	k, _ := sim.LookupCase(guess)
	if !k.Presales {
		if c.r.Float64() >= c.t.cfg.Skill {
			// A slip: the bot treats it as another case, one whose
			// resolutions share no action with the case it read, so the
			// slip is a wrong resolution (Config.Skill), not a lucky one.
			guess = slip(c.r, guess)
		}
		k, _ = sim.LookupCase(guess)
		if k.ID == "" {
			k, _ = sim.LookupCase(sim.CaseQualityDefect)
		}
		if !c.think(ctx) || !c.say(phrases.Apologize, slots) {
			return
		}
	}
	if !k.Presales && (k.EvidenceRequired || slices.Contains(k.Steps, sim.ActRequestEvidence)) && !c.evidence {
		if !c.think(ctx) || !c.say(phrases.AskEvidence, slots) || !c.act(sim.Action{Kind: sim.ActRequestEvidence}) {
			return
		}
		if !c.waitEvidence(ctx, 3*time.Minute) {
			return
		}
	}
	escalated := false
	if (k.EscalateAlways || slices.Contains(k.Steps, sim.ActEscalate)) && !c.supervisor {
		if !c.think(ctx) || !c.say(phrases.ConfirmOf(sim.ActEscalate), slots) {
			return
		}
		c.act(sim.Action{Kind: sim.ActEscalate, Reason: k.EscalateWhen})
		c.t.esc.Add(1)
		if !c.t.cfg.KeepEscalated {
			return // the conversation goes to a supervisor
		}
		escalated = true
	}
	res := k.Resolutions[c.r.IntN(len(k.Resolutions))]
	for _, kind := range res {
		if kind == sim.ActEscalate && (c.supervisor || escalated) {
			continue
		}
		a := sim.Action{Kind: kind}
		switch kind {
		case sim.ActRefund:
			a.Amount = max(c.order.Price, 1)
			if k.ID == sim.CasePriceProtection && c.order.CurrentPrice > 0 && c.order.CurrentPrice < c.order.Price {
				a.Amount = c.order.Price - c.order.CurrentPrice // the difference (DOMAIN.md §2 #11)
			}
		case sim.ActCompensate:
			a.Amount = max(c.order.Price/10, 1)
		case sim.ActApproveReturn, sim.ActExchange, sim.ActReship:
			a.Payer = k.ShippingPayer
			if a.Payer == sim.PayerNone {
				a.Payer = sim.PayerSeller // "per case" (the angry buyer): either, named
			}
		case sim.ActReject, sim.ActEscalate:
			a.Reason = "per the after-sales standard"
		}
		slots.Amount, slots.Payer = a.Amount, a.Payer
		if kind != sim.ActClose {
			if !c.think(ctx) || !c.say(phrases.ConfirmOf(kind), slots) || !c.act(a) {
				return
			}
		}
	}
	next := phrases.NextStep
	if k.Presales {
		next = phrases.Answer
	}
	if !c.think(ctx) || !c.say(next, slots) {
		return
	}
	if !c.think(ctx) || !c.say(phrases.Close, slots) {
		return
	}
	if c.act(sim.Action{Kind: sim.ActClose}) {
		c.t.close.Add(1)
	}
}

// slip returns a case other than read, drawn with r among the after-sales
// cases whose resolutions share no action with read's.
func slip(r *rand.Rand, read string) string {
	k, _ := sim.LookupCase(read)
	acts := map[sim.ActionKind]bool{}
	for _, res := range k.Resolutions {
		for _, a := range res {
			acts[a] = true
		}
	}
	var other []string
	for _, c := range sim.Cases() {
		if c.ID == read || c.Presales {
			continue
		}
		shared := false
		for _, res := range c.Resolutions {
			for _, a := range res {
				shared = shared || acts[a]
			}
		}
		if !shared {
			other = append(other, c.ID)
		}
	}
	if len(other) == 0 {
		return read
	}
	return other[r.IntN(len(other))]
}

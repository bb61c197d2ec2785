package hub

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios/people"
	"github.com/deskdrill/deskdrill/sim"
)

// The methods in this file are called with h.mu held.

func (h *Hub) profile() *protocol.Profile {
	p := h.cfg.Scenario.Platform
	if p == nil {
		return nil
	}
	return &protocol.Profile{Name: p.Name, AnswerS: p.AnswerThreshold.Seconds(), ReplyS: p.ReplyThreshold.Seconds()}
}

// agentJoined attaches a new connection to its agent: a new agent, or one
// coming back within its grace period, who gets its chats again.
func (h *Hub) agentJoined(c *conn) {
	p := c.pool
	a := p.agents[c.name]
	resumed := false
	if a == nil {
		a = &agent{pool: p, name: c.name, role: c.role, chats: map[string]*conv{}, idle: h.now()}
		p.agents[c.name] = a
	} else {
		if a.conn != nil {
			// One connection per agent: the newer one wins (a console
			// reloaded, a bot restarted).
			old := a.conn
			old.agent = nil
			old.close(websocket.ClosePolicyViolation, "replaced by a newer connection of the same agent")
			// Its agentLeft finds no agent and counts nothing: the gauge
			// counts it gone here.
			h.metrics.agents.Dec()
		}
		a.grace.stop()
		a.grace = nil
		resumed = len(a.chats) > 0
	}
	a.epoch++
	a.conn, a.away = c, false
	c.agent = a
	h.metrics.agents.Inc()
	c.pushFrame(protocol.Frame{
		Type: protocol.TypeWelcome, Agent: a.name, Role: a.role, Concurrency: p.cfg.Concurrency,
		Run: p.cfg.Run, Scenario: h.cfg.Scenario.Name, Profile: h.profile(),
	}, time.Time{})
	for _, cv := range h.sortedChats(a) {
		h.sendAssign(a, cv, resumed)
	}
	h.sendQueue(c)
	h.dispatch(p)
}

func (h *Hub) sortedChats(a *agent) []*conv {
	var out []*conv
	for _, cv := range a.chats {
		out = append(out, cv)
	}
	slices.SortFunc(out, func(x, y *conv) int { return x.rec.Arrived.Compare(y.rec.Arrived) })
	return out
}

// agentLeft starts the grace period of a disconnected agent: its chats
// wait for it, their clocks running; after the grace they go back to the
// head of the queue.
func (h *Hub) agentLeft(c *conn) {
	a := c.agent
	if a == nil || a.conn != c {
		return // replaced by a newer connection
	}
	a.conn = nil
	h.metrics.agents.Dec()
	p := a.pool
	if len(a.chats) == 0 {
		delete(p.agents, a.name)
		return
	}
	if h.closed || h.pools[p.cfg.ID] != p {
		// Shutting down, or the pool (a sitting) has ended: nobody comes
		// back for these chats, and a grace timer would hold up Close.
		return
	}
	epoch := a.epoch
	a.grace = h.after(h.cfg.Grace, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if a.conn != nil || a.epoch != epoch || h.closed {
			return
		}
		a.grace = nil
		var back []*conv
		for _, cv := range h.sortedChats(a) {
			delete(a.chats, cv.rec.ID)
			cv.agent = nil
			cv.state = stateQueued
			h.record(cv, sim.Event{At: h.now(), Sender: sim.SenderSystem, Kind: sim.EventRequeue, Agent: a.name,
				Text: fmt.Sprintf("agent disconnected for more than %v", h.cfg.Grace)})
			back = append(back, cv)
		}
		// The oldest at the very head: these customers have waited longest.
		p.queue = append(back, p.queue...)
		delete(p.agents, a.name)
		h.dispatch(p)
		h.broadcastQueue(p)
	})
}

// timer is a time.AfterFunc the hub waits for on Close: a func that runs
// holds a slot of h.wg, and stopping it before it runs gives the slot back.
type timer struct {
	t *time.Timer
	h *Hub
}

func (h *Hub) after(d time.Duration, f func()) *timer {
	h.wg.Add(1)
	return &timer{h: h, t: time.AfterFunc(d, func() {
		defer h.wg.Done()
		f()
	})}
}

// stop prevents the func from running if it has not started; safe to call
// more than once and on nil.
func (t *timer) stop() {
	if t != nil && t.t.Stop() {
		t.h.wg.Done()
	}
}

func (h *Hub) available(a *agent) bool {
	return a.conn != nil && !a.away && len(a.chats) < a.pool.cfg.Concurrency
}

// pick returns the available agent of the role in p with the fewest
// chats, then the longest idle; nil when none.
func (h *Hub) pick(p *pool, role string) *agent {
	var best *agent
	for _, a := range p.agents {
		if a.role != role || !h.available(a) {
			continue
		}
		if best == nil || len(a.chats) < len(best.chats) ||
			len(a.chats) == len(best.chats) && (a.idle.Before(best.idle) || a.idle.Equal(best.idle) && a.name < best.name) {
			best = a
		}
	}
	return best
}

// dispatch assigns p's waiting customers while its agents are free: the
// queue to agents, the escalations to supervisors.
func (h *Hub) dispatch(p *pool) {
	if p.held {
		return
	}
	changed := false
	for len(p.queue) > 0 {
		a := h.pick(p, "agent")
		if a == nil {
			break
		}
		cv := p.queue[0]
		p.queue = p.queue[1:]
		h.assign(a, cv)
		changed = true
	}
	for len(p.escalated) > 0 {
		a := h.pick(p, "supervisor")
		if a == nil {
			break
		}
		cv := p.escalated[0]
		p.escalated = p.escalated[1:]
		h.assign(a, cv)
		changed = true
	}
	if changed {
		h.broadcastQueue(p)
	}
}

func (h *Hub) assign(a *agent, cv *conv) {
	now := h.now()
	cv.state, cv.agent = stateAssigned, a
	cv.held = append(cv.held, a.name)
	a.chats[cv.rec.ID] = cv
	a.idle = now
	a.served++
	h.record(cv, sim.Event{At: now, Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: a.name})
	h.sendAssign(a, cv, false)
	if cv.customer != nil {
		cv.customer.pushFrame(protocol.Frame{Type: protocol.TypeAssigned, Conversation: cv.rec.ID, Agent: a.name}, time.Time{})
	}
}

func (h *Hub) sendAssign(a *agent, cv *conv, resumed bool) {
	if a.conn == nil {
		return
	}
	order := cv.rec.Order
	cust := cv.cust
	f := protocol.Frame{
		Type: protocol.TypeAssign, Conversation: cv.rec.ID, Customer: &cust, Order: &order,
		Presales: cv.rec.Presales, Resumed: resumed, Waited: h.now().Sub(cv.rec.Arrived).Seconds(),
	}
	for _, e := range cv.rec.Events {
		if e.Kind == sim.EventAssign || e.Kind == sim.EventRequeue {
			continue
		}
		f.History = append(f.History, protocol.HistoryItem{At: e.At, Sender: string(e.Sender), Kind: string(e.Kind), Text: e.Text, Action: e.Action, Rating: e.Rating})
	}
	a.conn.pushFrame(f, time.Time{})
}

// sendQueue tells one agent connection the queue lengths.
func (h *Hub) sendQueue(c *conn) {
	c.queueChanged()
}

// broadcastQueue tells every connected agent of p the queue lengths when
// they changed. With many agents this is the costliest thing the hub does
// per event: it only flags each agent's connection, and writePump sends
// the lengths at most once per QueueInterval.
func (h *Hub) broadcastQueue(p *pool) {
	w, e := len(p.queue), len(p.escalated)
	if p.told == [2]int{w, e} {
		return
	}
	p.told = [2]int{w, e}
	p.lengths.Store(uint64(w)<<32 | uint64(uint32(e)))
	if p == h.main {
		h.metrics.waiting.Set(float64(w))
	}
	for _, a := range p.agents {
		if a.conn != nil {
			a.conn.queueChanged()
		}
	}
}

// queueFrame encodes p's current queue lengths, stamped with the hub's
// clock. It does not need h.mu.
func (h *Hub) queueFrame(p *pool) []byte {
	l := p.lengths.Load()
	w, e := int(l>>32), int(uint32(l))
	now := h.now()
	b, err := protocol.Encode(protocol.Frame{Type: protocol.TypeQueue, Waiting: &w, Escalated: &e, At: &now})
	if err != nil {
		h.log.Error("encode frame", "type", protocol.TypeQueue, "err", err)
	}
	return b
}

// ack acknowledges f, naming its conversation: the one f names (an
// agent's), else the customer's own. mu must be held.
func (h *Hub) ack(c *conn, f protocol.Frame) {
	if f.ID != "" {
		conv := f.Conversation
		if conv == "" && c.conv != nil {
			conv = c.conv.rec.ID
		}
		c.pushFrame(protocol.Frame{Type: protocol.TypeAck, Ref: f.ID, Conversation: conv}, time.Time{})
	}
}

// agentFrame applies one frame of an agent or supervisor.
func (h *Hub) agentFrame(c *conn, f protocol.Frame, read time.Time) error {
	a := c.agent
	if a == nil {
		return protocol.Errorf(protocol.CodeState, "", "this connection was replaced by a newer one")
	}
	switch f.Type {
	case protocol.TypePing:
		c.pushFrame(protocol.Frame{Type: protocol.TypePong, Ref: f.ID}, time.Time{})
		return nil
	case protocol.TypeStatus:
		a.away = f.Status == "away"
		h.ack(c, f)
		if !a.away {
			h.dispatch(a.pool)
		}
		return nil
	case protocol.TypeTake:
		if a.role != "supervisor" {
			return protocol.Errorf(protocol.CodeForbidden, "type", "only supervisors take escalated conversations")
		}
		p := a.pool
		i := slices.IndexFunc(p.escalated, func(cv *conv) bool { return cv.rec.ID == f.Conversation })
		if i < 0 {
			return protocol.Errorf(protocol.CodeUnknownConv, "conversation", "%q is not in the escalation queue", f.Conversation)
		}
		cv := p.escalated[i]
		p.escalated = slices.Delete(p.escalated, i, i+1)
		h.assign(a, cv)
		h.ack(c, f)
		h.broadcastQueue(p)
		return nil
	}
	cv := h.convs[f.Conversation]
	if cv == nil {
		return protocol.Errorf(protocol.CodeUnknownConv, "conversation", "no conversation %q", f.Conversation)
	}
	if cv.agent != a {
		if cv.state == stateClosed && cv.lastHolder() == a.name {
			return protocol.Errorf(protocol.CodeState, "conversation", "%q is closed: you closed it (the customer may still rate it)", f.Conversation)
		}
		return protocol.Errorf(protocol.CodeNotYours, "conversation", "%q is not assigned to you", f.Conversation)
	}
	if cv.state != stateAssigned {
		return protocol.Errorf(protocol.CodeState, "conversation", "%q is closed", f.Conversation)
	}
	now := h.now()
	switch f.Type {
	case protocol.TypeMessage:
		h.firstResponse(cv, now)
		h.record(cv, sim.Event{At: now, Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: a.name, Text: f.Text})
		if cv.customer != nil {
			cv.customer.pushRelay(relayFrame(protocol.TypeMessage, now, cv.rec.ID, f.Text, a.name), read)
		}
	case protocol.TypeAction:
		act := *f.Action
		if err := h.checkMoney(cv, act); err != nil {
			return err
		}
		switch act.Kind {
		case sim.ActRefund:
			cv.refunded += act.Amount
		case sim.ActCompensate:
			cv.compensated += act.Amount
		}
		h.firstResponse(cv, now)
		h.record(cv, sim.Event{At: now, Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: a.name, Text: f.Text, Action: &act})
		if cv.customer != nil {
			cv.customer.pushFrame(protocol.Frame{Type: protocol.TypeActionOut, Conversation: cv.rec.ID, Action: &act, Text: f.Text, Agent: a.name, At: &now}, read)
		}
		switch act.Kind {
		case sim.ActEscalate:
			if p := cv.pool; a.role != "supervisor" && !p.cfg.KeepEscalated {
				h.release(a, cv, "escalated to a supervisor")
				cv.state = stateEscalated
				p.escalated = append(p.escalated, cv)
				h.dispatch(p)
				h.broadcastQueue(p)
			}
		case sim.ActClose:
			h.closeConv(cv, now)
		}
	}
	h.ack(c, f)
	return nil
}

// checkMoney refuses a money action beyond the order: a refund that would
// take the conversation's refunds above the order price, or a
// compensation that would take its compensation above it unless the
// merchant policy allows that (DOMAIN.md §2: at most the order price).
// The refused action reaches nobody and is not recorded.
func (h *Hub) checkMoney(cv *conv, act sim.Action) error {
	price := cv.rec.Order.Price
	switch act.Kind {
	case sim.ActRefund:
		if total := cv.refunded + act.Amount; total > price {
			return protocol.Errorf(protocol.CodeBadField, "action.amount",
				"a refund of %s would take this conversation's refunds to %s, above the order price %s (%s refunded already)",
				act.Amount, total, price, cv.refunded)
		}
	case sim.ActCompensate:
		if p := h.cfg.Scenario.Policy; p != nil && p.CompensationAbovePrice {
			return nil
		}
		if total := cv.compensated + act.Amount; total > price {
			return protocol.Errorf(protocol.CodeBadField, "action.amount",
				"a compensation of %s would take this conversation's compensation to %s, above the order price %s (%s compensated already; the merchant policy does not allow compensation above the price)",
				act.Amount, total, price, cv.compensated)
		}
	}
	return nil
}

// firstResponse observes the wait for the first valid reply of cv, once.
func (h *Hub) firstResponse(cv *conv, now time.Time) {
	if !cv.answered {
		cv.answered = true
		h.metrics.firstResponse.Observe(now.Sub(cv.rec.Arrived).Seconds())
	}
}

// release takes cv away from a and tells a's console why.
func (h *Hub) release(a *agent, cv *conv, why string) {
	delete(a.chats, cv.rec.ID)
	cv.agent = nil
	if len(a.chats) == 0 {
		a.idle = h.now()
	}
	if a.conn != nil {
		a.conn.pushFrame(protocol.Frame{Type: protocol.TypeUnassign, Conversation: cv.rec.ID, Text: why}, time.Time{})
	}
}

// closeConv ends the agent's part: the customer may still rate and
// dispute within the rating window.
func (h *Hub) closeConv(cv *conv, now time.Time) {
	a := cv.agent
	cv.state = stateClosed
	if a != nil {
		delete(a.chats, cv.rec.ID)
		cv.agent = nil
		if len(a.chats) == 0 {
			a.idle = now
		}
		if a.conn != nil {
			a.conn.pushFrame(protocol.Frame{Type: protocol.TypeClosed, Conversation: cv.rec.ID}, time.Time{})
		}
	}
	if cv.customer != nil {
		cv.customer.pushFrame(protocol.Frame{Type: protocol.TypeClosed, Conversation: cv.rec.ID}, time.Time{})
	}
	if !h.closed {
		cv.timer = h.after(h.cfg.RatingWindow, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if cv.state == stateClosed {
				h.finish(cv, "rating window over")
			}
		})
	}
	h.dispatch(cv.pool)
}

// customerFrame applies one frame of a customer.
func (h *Hub) customerFrame(c *conn, f protocol.Frame, read time.Time) error {
	if f.Type == protocol.TypePing {
		c.pushFrame(protocol.Frame{Type: protocol.TypePong, Ref: f.ID}, time.Time{})
		return nil
	}
	now := h.now()
	if f.Type == protocol.TypeStart {
		if h.stopping != "" && c.pool == h.main {
			return protocol.Errorf(protocol.CodeUnavailable, "", "the run is stopping (%s): no new conversation starts", h.stopping)
		}
		if c.conv != nil {
			return protocol.Errorf(protocol.CodeState, "type", "this connection already has conversation %s; open another connection for another", c.conv.rec.ID)
		}
		if f.Persona != "" && !slices.Contains(h.personaNames(c.pool), f.Persona) {
			return protocol.Errorf(protocol.CodeBadField, "persona", "unknown persona %q (the personas of scenario %s: %s)",
				f.Persona, h.cfg.Scenario.Name, strings.Join(h.personaNames(c.pool), ", "))
		}
		h.nextConv++
		id := fmt.Sprintf("c%06d", h.nextConv)
		rec := &sim.Conversation{ID: id, Case: f.Case, Persona: f.Persona, Presales: f.Presales, Arrived: now}
		if f.Order != nil {
			rec.Order = *f.Order
		}
		// Presales is what the customer's client declared, never derived
		// from the hidden case: agents see it in assign, and a flag true
		// exactly for presales_question would name the case. Scoring
		// reads the case itself (sim.Conversation.isPresales).
		// Agents see contact details as platform consoles show them,
		// whatever the customer client sent.
		cust := *f.Customer
		cust.Phone, cust.Address = people.MaskPhone(cust.Phone), people.MaskAddress(cust.Address)
		p := c.pool
		cv := &conv{pool: p, rec: rec, customer: c, cust: cust}
		h.convs[id] = cv
		c.conv = cv
		if err := h.cfg.Recorder.StartConversation(context.Background(), p.cfg.Run, rec); err != nil {
			h.log.Error("record conversation", "conversation", id, "err", err)
		}
		h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: f.Text})
		c.pushFrame(protocol.Frame{Type: protocol.TypeStarted, Conversation: id, Ref: f.ID}, time.Time{})
		p.queue = append(p.queue, cv)
		h.dispatch(p)
		if cv.state == stateQueued {
			h.broadcastQueue(p)
		}
		return nil
	}
	cv := c.conv
	if cv == nil {
		return protocol.Errorf(protocol.CodeState, "type", "start the conversation first (type start)")
	}
	if cv.state == stateDone {
		return protocol.Errorf(protocol.CodeState, "type", "conversation %s has ended", cv.rec.ID)
	}
	switch f.Type {
	case protocol.TypeMessage, protocol.TypeEvidence:
		if cv.state == stateClosed {
			// A buyer's words after the close are no round of the agent's
			// (docs/scoring.md): refused, not recorded.
			return protocol.Errorf(protocol.CodeState, "type", "conversation %s was closed by the agent: you may still rate it, dispute it, pay or leave", cv.rec.ID)
		}
		kind := sim.EventMessage
		if f.Type == protocol.TypeEvidence {
			kind = sim.EventEvidence
		}
		h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: kind, Text: f.Text})
		if a := cv.agent; a != nil && a.conn != nil {
			a.conn.pushRelay(relayFrame(f.Type, now, cv.rec.ID, f.Text, ""), read)
		}
	case protocol.TypeRating:
		h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: f.Rating, Text: f.Text})
	case protocol.TypeDispute:
		h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: sim.EventDispute, Text: f.Text})
	case protocol.TypePaid:
		h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: sim.EventPaid, Text: f.Text})
	case protocol.TypeLeave:
		h.customerGone(cv, h.leaveText(cv, f.Text), now)
		h.ack(c, f)
		return nil
	}
	h.ack(c, f)
	return nil
}

// personaNames lists the personas a customer of pool p may give in its
// start: the pool's, else the run's scenario's, sim.DefaultPersonas when the scenario has
// none, as the swarm does.
func (h *Hub) personaNames(p *pool) []string {
	if p.cfg.Personas != nil {
		return p.cfg.Personas
	}
	ps := h.cfg.Scenario.Personas
	if len(ps) == 0 {
		ps = sim.DefaultPersonas()
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

// customerGone ends a conversation from the customer's side: after a
// close it finishes it; before, the customer abandoned.
func (h *Hub) customerGone(cv *conv, why string, now time.Time) {
	if now.IsZero() {
		now = h.now()
	}
	h.record(cv, sim.Event{At: now, Sender: sim.SenderCustomer, Kind: sim.EventLeave, Text: why})
	p := cv.pool
	switch cv.state {
	case stateQueued:
		p.queue = slices.DeleteFunc(p.queue, func(x *conv) bool { return x == cv })
		h.broadcastQueue(p)
	case stateEscalated:
		p.escalated = slices.DeleteFunc(p.escalated, func(x *conv) bool { return x == cv })
		h.broadcastQueue(p)
	case stateAssigned:
		a := cv.agent
		h.release(a, cv, "customer left")
		if a.conn != nil {
			a.conn.pushFrame(protocol.Frame{Type: protocol.TypeLeft, Conversation: cv.rec.ID, Text: why}, time.Time{})
		}
		h.dispatch(p)
	}
	h.finish(cv, "")
}

// finish records the end of cv and hands it to OnFinish.
func (h *Hub) finish(cv *conv, why string) {
	if cv.state == stateDone {
		return
	}
	cv.timer.stop()
	cv.state = stateDone
	h.record(cv, sim.Event{At: h.now(), Sender: sim.SenderSystem, Kind: sim.EventClose, Text: why})
	delete(h.convs, cv.rec.ID)
	if cv.customer != nil {
		cv.customer.conv = cv // keep, so later frames get "has ended"
	}
	onFinish := h.cfg.OnFinish
	if cv.pool.cfg.OnFinish != nil {
		onFinish = cv.pool.cfg.OnFinish
	}
	if onFinish != nil {
		f := Finished{Conv: cv.rec, Agents: slices.Clone(cv.held)}
		slices.Reverse(f.Agents)
		h.wg.Add(1)
		go func() {
			defer h.wg.Done()
			onFinish(f)
		}()
	}
}

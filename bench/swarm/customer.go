package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios/people"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// customer is one synthetic buyer: everything it will be and do is drawn
// from its own seeded source when it arrives, so the same seed gives the
// same buyers whatever the agents do.
type customer struct {
	s        *Swarm
	r        *rand.Rand
	index    int
	arrived  time.Time // scenario time
	caseID   string
	k        sim.Case
	persona  *sim.Persona
	patience *sim.Sampler
	buyer    sim.Buyer
	draws    sim.OutcomeDraws
	loc      phrases.Locale
	person   people.Person
	order    sim.Order
	slots    phrases.Slots

	ws *websocket.Conn

	// mu guards the conversation state below and serialises the writes:
	// run's goroutine reads the socket and handles each frame under it,
	// and the patience timer and the end of the run act under it from
	// their own short-lived goroutines (callbacks counts them). One
	// goroutine per waiting customer, not two, keeps the swarm small.
	mu        sync.Mutex
	callbacks sync.WaitGroup
	patienceT *time.Timer // the current patience draw's timer
	armed     int         // bumps on every arm, so a stale timer does nothing
	// over is set when the conversation ended outside run's goroutine (out
	// of patience, a failed nudge, the run stopped); outcome and err are
	// then what run returns.
	over    bool
	outcome string
	err     error
	// out keeps each frame until the hub answers it; a frame refused as
	// unavailable is sent again by a timer in resends.
	out     protocol.Outbox
	resends []*time.Timer

	gaveOrder, gaveEvidence bool
	waitingSince            time.Time // zero when not waiting for a reply
	waitSum                 time.Duration
	firstReply              time.Duration
	replied                 bool
	actions                 []sim.Action
	decided, correct        bool
}

func (s *Swarm) newCustomer(index int, arrived time.Time) *customer {
	r := rand.New(rand.NewPCG(s.cfg.Seed, uint64(index)+1))
	c := &customer{s: s, r: r, index: index, arrived: arrived}
	c.caseID = pickCase(r, s.rate.Mix(arrived))
	c.k, _ = sim.LookupCase(c.caseID)
	c.persona = &s.personas[pickPersona(r, s.personas)]
	c.patience = s.patience[c.persona.Name]
	c.buyer = sim.NewBuyer(c.persona)
	c.draws = sim.OutcomeDraws{Rate: r.Float64(), Dispute: r.Float64(), Conversion: r.Float64(), RatingZ: r.NormFloat64()}
	c.loc = phrases.ZhCN
	if r.Float64() >= s.cfg.ZhShare {
		c.loc = phrases.En
	}
	c.person = people.NewPerson(r, c.loc)
	product := people.NewProduct(r, c.loc, s.scenario.Store.AverageOrderValue)
	days := 1 + r.IntN(6)
	paid := arrived.Add(-time.Duration(days+2) * 24 * time.Hour)
	c.order = sim.Order{ID: people.OrderID(r), Product: product.Name, Price: product.Price, Paid: paid}
	if c.k.Presales {
		// A question before the sale: the item asked about, not paid for
		// (as exam items must be). The agent sees the order's stage, as
		// on the platforms, never the case.
		c.order.Paid = time.Time{}
	}
	if !c.k.Presales && c.caseID != sim.CaseRefundUnshipped {
		c.order.Shipped = paid.Add(20 * time.Hour)
		c.order.Logistics = "in transit"
		if c.caseID != sim.CaseCancelInTransit && c.caseID != sim.CaseLogisticsStalled {
			c.order.Received = arrived.Add(-time.Duration(days) * 24 * time.Hour)
			c.order.Logistics = "signed"
		}
	}
	if c.persona.Honesty == sim.Abusive {
		c.order.EarlierRefunds = 3 + r.IntN(5)
	}
	if c.caseID == sim.CasePriceProtection {
		// The listing dropped 15 % after the buyer paid: the agent sees
		// both prices and refunds the difference. Derived, not drawn, so
		// the customer's other draws stay where they were.
		c.order.CurrentPrice = c.order.Price * 85 / 100
	}
	c.slots = phrases.Slots{Order: c.order.ID, Product: product.Name, Price: product.Price, Days: days, Name: c.person.Name}
	return c
}

func pickCase(r *rand.Rand, mix sim.ContactMix) string {
	shares := mix.Shares()
	u := r.Float64()
	for _, s := range shares {
		if u < s.Share {
			return s.ID
		}
		u -= s.Share
	}
	return shares[len(shares)-1].ID
}

func pickPersona(r *rand.Rand, ps []sim.Persona) int {
	total := 0.0
	for _, p := range ps {
		total += p.Weight
	}
	u := r.Float64() * total
	for i, p := range ps {
		if u < p.Weight {
			return i
		}
		u -= p.Weight
	}
	return len(ps) - 1
}

func (c *customer) say(intent phrases.Intent) string {
	return c.s.bank.Customer(c.r, c.loc, c.caseID, intent, c.slots)
}

func (c *customer) send(f protocol.Frame) error {
	f = c.out.Stamp(f)
	f.V = protocol.Version
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if err := c.ws.WriteMessage(websocket.TextMessage, b); err != nil {
		return fmt.Errorf("send %s: %w", f.Type, err)
	}
	c.s.stats.sent.Add(1)
	return nil
}

// await starts waiting for a reply, unless already waiting.
func (c *customer) await(now time.Time) {
	if c.waitingSince.IsZero() {
		c.waitingSince = now
	}
}

// patienceTimer returns the real duration of the next patience draw.
func (c *customer) patienceTimer() time.Duration {
	sec := c.patience.Draw(c.r) * c.s.cfg.PatienceScale / c.s.cfg.TimeScale
	if sec > 1e6 {
		sec = 1e6
	}
	return time.Duration(sec * float64(time.Second))
}

// run is the buyer's whole conversation. It returns when the buyer has
// left, the hub went away or ctx ended.
func (c *customer) run(ctx context.Context) (outcome string, err error) {
	ws, _, err := c.s.dialer.DialContext(ctx, c.s.cfg.URL, c.s.header)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("connect: %w", err) // the run ended first
		}
		return "", fmt.Errorf("%w: %w", errNotConnected, err)
	}
	c.ws = ws
	defer ws.Close()
	ws.SetReadLimit(protocol.MaxFrame)

	c.mu.Lock()
	open := phrases.Open
	if c.k.Presales {
		open = []phrases.Intent{phrases.AskSize, phrases.AskStock, phrases.AskShipDate, phrases.AskCoupon}[c.r.IntN(4)]
	}
	cust := protocol.Customer{Name: c.person.Name, Phone: c.person.Phone, Address: c.person.Address, Locale: string(c.loc)}
	now := time.Now()
	if err := c.send(protocol.Frame{Type: protocol.TypeStart, Case: c.caseID, Persona: c.persona.Name,
		Order: &c.order, Customer: &cust, Text: c.say(open)}); err != nil {
		c.mu.Unlock()
		return "", err
	}
	c.await(now)
	c.arm()
	c.mu.Unlock()
	c.callbacks.Add(1)
	stopped := context.AfterFunc(ctx, func() {
		defer c.callbacks.Done()
		c.stop(ctx)
	})
	defer func() {
		c.mu.Lock()
		c.over = true
		if c.patienceT.Stop() {
			c.callbacks.Done()
		}
		for _, t := range c.resends {
			if t.Stop() {
				c.callbacks.Done()
			}
		}
		c.mu.Unlock()
		if stopped() {
			c.callbacks.Done()
		}
		c.callbacks.Wait()
	}()

	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			c.mu.Lock()
			defer c.mu.Unlock()
			if c.over {
				return c.outcome, c.err
			}
			if ce, isClose := err.(*websocket.CloseError); isClose && ce.Code == websocket.CloseGoingAway {
				return "hub closed", nil
			}
			return "", fmt.Errorf("hub connection: %w", err)
		}
		var f protocol.Frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		c.s.stats.received.Add(1)
		c.mu.Lock()
		if c.over {
			// Ended meanwhile: the socket is closing under us.
			c.mu.Unlock()
			continue
		}
		done, err := c.handle(f)
		if err != nil || done {
			c.over = true
			c.mu.Unlock()
			return "finished", err
		}
		if !c.waitingSince.IsZero() {
			c.arm()
		}
		c.mu.Unlock()
	}
}

// arm starts the patience timer with a new draw, replacing the last. mu
// must be held.
func (c *customer) arm() {
	if c.patienceT != nil && c.patienceT.Stop() {
		c.callbacks.Done()
	}
	c.armed++
	armed := c.armed
	c.callbacks.Add(1)
	c.patienceT = time.AfterFunc(c.patienceTimer(), func() {
		defer c.callbacks.Done()
		c.patienceOver(armed)
	})
}

// patienceOver is the patience timer's: a buyer kept waiting leaves or
// nudges.
func (c *customer) patienceOver(armed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over || armed != c.armed {
		return // ended, or re-armed after this timer fired
	}
	if c.waitingSince.IsZero() {
		c.arm()
		return
	}
	leave, _ := c.buyer.OutOfPatience()
	if leave {
		c.end("abandoned", c.finish(true))
		return
	}
	if c.persona.Nudge != sim.NudgeNone {
		if err := c.send(protocol.Frame{Type: protocol.TypeMessage, Text: c.say(phrases.NudgeOf(c.persona.Nudge))}); err != nil {
			c.end("", err)
			return
		}
	}
	c.arm()
}

// retry takes an error from the hub: a frame it refused as unavailable
// is sent again after the Outbox's pause, as the protocol advises. mu
// must be held.
func (c *customer) retry(e protocol.Frame) {
	f, after, ok := c.out.Settle(e)
	if !ok {
		return
	}
	c.callbacks.Add(1)
	c.resends = append(c.resends, time.AfterFunc(after, func() {
		defer c.callbacks.Done()
		c.mu.Lock()
		defer c.mu.Unlock()
		if !c.over {
			c.send(f)
		}
	}))
}

// stop makes the buyer leave because the run ended.
func (c *customer) stop(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.over {
		return
	}
	c.send(protocol.Frame{Type: protocol.TypeLeave, Text: sim.LeaveRunEnded})
	c.end("stopped", ctx.Err())
}

// end ends the conversation from outside run's goroutine: run returns
// outcome and err once closing the socket has ended its read. mu must be
// held.
func (c *customer) end(outcome string, err error) {
	c.over, c.outcome, c.err = true, outcome, err
	c.ws.Close()
}

// replied notes a valid reply from the agent.
func (c *customer) gotReply(now time.Time) {
	if !c.waitingSince.IsZero() {
		w := now.Sub(c.waitingSince)
		c.waitSum += w
		if !c.replied {
			c.firstReply = w
			if f := c.s.cfg.OnFirstReply; f != nil {
				f(w)
			}
		}
		c.waitingSince = time.Time{}
	}
	c.replied = true
	c.buyer.Replied()
}

// handle reacts to one frame of the hub; done means the buyer has left.
func (c *customer) handle(f protocol.Frame) (done bool, err error) {
	now := time.Now()
	switch f.Type {
	case protocol.TypeAck, protocol.TypeStarted:
		c.out.Settle(f)
	case protocol.TypeError:
		c.retry(f)
		c.s.stats.errors.Add(1)
		level := slog.LevelWarn
		if f.Code == protocol.CodeUnavailable {
			level = slog.LevelDebug // the hub logs why, once: not once per customer
		}
		c.s.log.Log(context.Background(), level, "hub refused a customer frame", "code", f.Code, "field", f.Field, "text", f.Text)
	case protocol.TypeMessage:
		c.gotReply(now)
		asks := c.s.bank.Asks(f.Text)
		switch {
		case asks.Order && !c.gaveOrder:
			c.gaveOrder = true
			return false, c.reply(protocol.Frame{Type: protocol.TypeMessage, Text: c.say(phrases.GiveOrder)}, now)
		case asks.Evidence && !c.gaveEvidence && !c.k.Presales:
			return false, c.evidence(now)
		case !c.decided && c.r.Float64() < 0.3:
			// Now and then a buyer adds detail unasked, as people do.
			return false, c.reply(protocol.Frame{Type: protocol.TypeMessage, Text: c.say(phrases.More)}, now)
		}
		if !c.decided {
			c.await(now) // still waiting for a solution
		}
	case protocol.TypeActionOut:
		if f.Action == nil {
			return false, nil
		}
		c.gotReply(now)
		c.actions = append(c.actions, *f.Action)
		switch f.Action.Kind {
		case sim.ActRequestEvidence:
			if !c.gaveEvidence {
				return false, c.evidence(now)
			}
		case sim.ActEscalate:
			if !c.decided && !c.k.Presales && c.k.Resolves(c.order, c.actions, c.gaveEvidence, c.s.scenario.Policy) {
				// An escalation that resolves the case (an angry buyer's
				// threat to a supervisor, DOMAIN.md row 12).
				c.decided, c.correct = true, true
			}
			c.await(now)
		case sim.ActClose:
		default:
			correct := c.k.Resolves(c.order, c.actions, c.gaveEvidence, c.s.scenario.Policy)
			if !correct && c.k.Pending(c.order, c.actions, c.gaveEvidence, c.s.scenario.Policy) {
				// Half of a resolution of several actions (row 6's refund
				// before its compensation): wait for the rest; the close
				// judges what came.
				return false, nil
			}
			c.decided = true
			c.correct = correct
			intent := phrases.Accept
			if !c.correct {
				c.buyer.Resolved(0)
				intent = phrases.DisputeAt(c.persona.Ladder, c.buyer.Tension)
			}
			return false, c.send(protocol.Frame{Type: protocol.TypeMessage, Text: c.say(intent)})
		}
	case protocol.TypeClosed:
		if c.k.Presales && !c.decided {
			c.correct = true // a pre-sales question answered and closed, with no money or goods
		}
		return true, c.finish(false)
	}
	return false, nil
}

func (c *customer) reply(f protocol.Frame, now time.Time) error {
	if err := c.send(f); err != nil {
		return err
	}
	c.await(now)
	return nil
}

func (c *customer) evidence(now time.Time) error {
	c.gaveEvidence = true
	return c.reply(protocol.Frame{Type: protocol.TypeEvidence, Text: c.say(phrases.GiveEvidence)}, now)
}

// finish applies the outcome model, sends the rating, a dispute or a
// purchase, and leaves.
func (c *customer) finish(left bool) error {
	q := 0.0
	if c.correct && !left {
		q = 1
	}
	if !left && !c.k.Presales && q == 1 {
		c.buyer.Resolved(q)
	}
	if !c.waitingSince.IsZero() {
		c.waitSum += time.Since(c.waitingSince)
	}
	// Waits in scenario time: the customers' clock may run slower than the
	// hub's (Config.TimeScale).
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) * c.s.cfg.TimeScale) }
	first := time.Duration(-1)
	if c.replied {
		first = scaled(c.firstReply)
	}
	v := c.s.scenario.Outcome.Decide(c.persona, c.draws, sim.Ending{
		Wait: scaled(c.waitSum), FirstReply: first, Q: q, Tension: c.buyer.Tension, Left: left, Presales: c.k.Presales,
	})
	if v.Rating > 0 {
		if err := c.send(protocol.Frame{Type: protocol.TypeRating, Rating: v.Rating, Text: c.say(phrases.RateOf(v.Rating))}); err != nil {
			return err
		}
	}
	if v.Dispute {
		c.s.stats.disputes.Add(1)
		if err := c.send(protocol.Frame{Type: protocol.TypeDispute, Text: c.say(phrases.DisputeOf(sim.StepPlatform))}); err != nil {
			return err
		}
	}
	if v.Converted {
		if err := c.send(protocol.Frame{Type: protocol.TypePaid}); err != nil {
			return err
		}
	}
	why := "done"
	if left {
		// Counted as abandoned by Run, once the customer has left.
		why = "out of patience"
	}
	return c.send(protocol.Frame{Type: protocol.TypeLeave, Text: why})
}

// errNotConnected marks a customer whose connection could not be opened.
var errNotConnected = errors.New("connect")

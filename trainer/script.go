package trainer

import (
	"math/rand/v2"
	"time"
	"unicode/utf8"

	"github.com/deskdrill/deskdrill/scenarios/people"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// Script is one item's customer during one sitting: a deterministic state
// machine (docs/exams.md, "Scripted customers"). What it says and when
// depends only on the item and on what the agent did and when (its
// messages, the facts they ask for, its actions), never on a random draw:
// the phrase banks' lines it uses are fixed per item, intent and use, and
// its nudges come at the item's fixed waits. So two candidates who act
// alike see the same words at the same offsets.
//
// Times are exam time (the sitting's clock); the driver that connects the
// script to the hub maps them to the wall clock at the sitting's speed.
// A Script is not safe for concurrent use.
type Script struct {
	exam    *Exam
	index   int
	item    Item
	k       sim.Case
	persona sim.Persona
	buyer   sim.Buyer
	bank    *phrases.Bank
	loc     phrases.Locale
	lang    sim.Lang
	slots   phrases.Slots
	said    map[phrases.Intent]int
	order   sim.Order
	person  people.Person
	draws   sim.OutcomeDraws

	actions []sim.Action
	// What has happened: the facts given, the resolution decided (and
	// whether right), a question answered, an escalation, the close.
	gaveOrder, gaveEvidence, evidenceFirst bool
	decided, correct, answered             bool
	escalated, closed, done, complained    bool
	moreSaid                               int
	// pendingFrom is when the agent began a resolution of several
	// actions without finishing it (sim.Case.Pending); zero otherwise.
	pendingFrom time.Time

	// The wait for a reply: since when (zero when not waiting) and how
	// many nudges it has had.
	waitFrom time.Time
	nudged   int
	// For the outcome: the total and first waits.
	waitSum    time.Duration
	firstReply time.Duration
	replied    bool
}

// Opening is the customer's first frame: who it is, its order and case,
// and its first message. It declares no pre-sales flag: agents see it, and
// it would name the case (a pre-sales item's order is not paid, which the
// agent sees as on the platforms).
type Opening struct {
	Case, Persona   string
	Order           sim.Order
	Name, Phone     string
	Address, Locale string
	Text            string
}

// Line is something the customer does, After the event that caused it
// (the time it takes to type): a message, evidence, a rating, a dispute, a
// purchase or leaving.
type Line struct {
	After  time.Duration
	Kind   sim.EventKind
	Text   string
	Rating int
}

// typing is how long the customer takes to type text: 2 s and 150 ms a
// character, at most 12 s. Fixed, so offsets are the same for everyone.
func typing(text string) time.Duration {
	return min(12*time.Second, 2*time.Second+time.Duration(utf8.RuneCountInString(text))*150*time.Millisecond)
}

// NewScript returns the script of e's item i, drawing default lines from
// bank.
func NewScript(e *Exam, i int, bank *phrases.Bank) *Script {
	it := e.Items[i]
	k, _ := sim.LookupCase(it.Case)
	p := personas[it.Persona]
	s := &Script{exam: e, index: i, item: it, k: k, persona: p, bank: bank, said: map[phrases.Intent]int{}}
	s.buyer = sim.NewBuyer(&s.persona)
	s.loc, s.lang = phrases.ZhCN, sim.LangZh
	if it.Locale == "en" {
		s.loc, s.lang = phrases.En, sim.LangEn
	}
	r := s.rng("identity", 0)
	s.person = people.NewPerson(r, s.loc)
	if c := it.Customer; c.Name != "" {
		s.person.Name = c.Name
	}
	if c := it.Customer; c.Phone != "" {
		s.person.Phone = c.Phone
	}
	if c := it.Customer; c.Address != "" {
		s.person.Address = c.Address
	}
	s.order = sim.Order{ID: it.Order.ID, Product: it.Order.Product, Price: it.Order.Price, CurrentPrice: it.Order.CurrentPrice,
		Logistics: it.Order.Logistics, Tracking: it.Order.Tracking, EarlierRefunds: it.Order.EarlierRefunds}
	if s.order.ID == "" {
		s.order.ID = people.OrderID(r)
	}
	d := s.rng("outcome", 0)
	s.draws = sim.OutcomeDraws{Rate: d.Float64(), Dispute: d.Float64(), Conversion: d.Float64(), RatingZ: d.NormFloat64()}
	s.slots = phrases.Slots{Order: s.order.ID, Product: s.order.Product, Price: s.order.Price, Name: s.person.Name, Days: 3}
	return s
}

// rng is the source of one use of one kind of draw: fixed by the exam's
// seed, the item and what is drawn, so a draw never shifts another.
func (s *Script) rng(kind string, n int) *rand.Rand {
	return rand.New(rand.NewPCG(s.exam.Seed, seedOf(s.item.ID+"/"+kind)+uint64(n)))
}

// say returns the bank's n-th line of intent for this item.
func (s *Script) say(intent phrases.Intent) string {
	n := s.said[intent]
	s.said[intent] = n + 1
	return s.bank.Customer(s.rng(string(intent), n), s.loc, s.item.Case, intent, s.slots)
}

// pick returns text, or the bank's line of intent when text is empty.
func (s *Script) pick(text string, intent phrases.Intent) string {
	if text != "" {
		return text
	}
	return s.say(intent)
}

// Item returns the script's item.
func (s *Script) Item() Item { return s.item }

// Done reports whether the customer has left.
func (s *Script) Done() bool { return s.done }

// Start opens the conversation at exam time at: the customer's order
// (its times at the item's offsets before at) and first message.
func (s *Script) Start(at time.Time) Opening {
	o := &s.order
	if d := s.item.Order.Paid; d > 0 {
		o.Paid = at.Add(-d)
	}
	if d := s.item.Order.Shipped; d > 0 {
		o.Shipped = at.Add(-d)
	}
	if d := s.item.Order.Received; d > 0 {
		o.Received = at.Add(-d)
	}
	s.await(at)
	return Opening{Case: s.item.Case, Persona: s.item.Persona, Order: *o,
		Name: s.person.Name, Phone: s.person.Phone, Address: s.person.Address, Locale: string(s.loc), Text: s.item.Open}
}

// Verdict is what the customer concluded of the agent's actions so far:
// whether it judged a resolution, and whether it took it as right.
func (s *Script) Verdict() (decided, correct bool) { return s.decided, s.correct }

// Order returns the customer's order (with its times once started).
func (s *Script) Order() sim.Order { return s.order }

// await starts a wait for a reply at at, unless one is running.
func (s *Script) await(at time.Time) {
	if s.waitFrom.IsZero() {
		s.waitFrom, s.nudged = at, 0
	}
}

// reply ends a wait: a valid reply reached the customer at at.
func (s *Script) reply(at time.Time) {
	if !s.waitFrom.IsZero() {
		w := at.Sub(s.waitFrom)
		s.waitSum += w
		if !s.replied {
			s.firstReply = w
		}
		s.waitFrom = time.Time{}
	}
	s.replied = true
	s.buyer.Replied()
}

// message is a message Line.
func (s *Script) message(text string) Line {
	return Line{After: typing(text), Kind: sim.EventMessage, Text: text}
}

// Sent tells the script a line went out at at: the customer waits for a
// reply again from then (unless it left or the conversation is over).
func (s *Script) Sent(at time.Time, l Line) {
	switch {
	case l.Kind == sim.EventLeave:
		s.done = true
	case s.closed || s.done:
	case l.Kind == sim.EventMessage || l.Kind == sim.EventEvidence:
		s.await(at)
	}
}

// OnMessage is the agent's message reaching the customer at at.
func (s *Script) OnMessage(at time.Time, text string) []Line {
	if s.done || s.closed {
		return nil
	}
	s.reply(at)
	var out []Line
	asks := s.bank.Asks(text)
	lang := sim.TextLang(text)
	switch {
	case lang != sim.LangNone && lang != s.lang && !s.complained:
		// A buyer written to in another language says so, once.
		s.complained = true
		out = append(out, s.message(map[sim.Lang]string{sim.LangZh: "能说中文吗？看不懂", sim.LangEn: "Sorry, could you write in English? I can't read that."}[s.lang]))
	case asks.Order && !s.gaveOrder:
		s.gaveOrder = true
		out = append(out, s.message(s.pick(s.item.Facts.Order, phrases.GiveOrder)))
	case asks.Evidence && !s.gaveEvidence && !s.k.Presales:
		out = append(out, s.evidence())
	case s.k.Presales && !s.answered && lang == s.lang && sim.Answers(text):
		s.answered = true
		out = append(out, s.message(s.pick(s.item.Reactions.Accept, phrases.Accept)))
	case !s.decided && !s.k.Presales && s.moreSaid < len(s.item.Facts.More):
		out = append(out, s.message(s.item.Facts.More[s.moreSaid]))
		s.moreSaid++
	}
	if !s.decided && !s.answered && len(out) == 0 {
		s.await(at) // still waiting for a solution
	}
	return out
}

// evidence is the customer sending the item's evidence.
func (s *Script) evidence() Line {
	s.gaveEvidence = true
	text := s.pick(s.item.Facts.Evidence, phrases.GiveEvidence)
	if !s.decided {
		s.evidenceFirst = true
	}
	return Line{After: typing(text), Kind: sim.EventEvidence, Text: text}
}

// OnAction is the agent's structured action reaching the customer at at.
func (s *Script) OnAction(at time.Time, a sim.Action) []Line {
	if s.done || s.closed {
		return nil
	}
	if a.Kind == sim.ActClose {
		return s.OnClosed(at)
	}
	s.reply(at)
	s.actions = append(s.actions, a)
	switch a.Kind {
	case sim.ActRequestEvidence:
		if !s.gaveEvidence && !s.k.Presales {
			return []Line{s.evidence()}
		}
		return nil
	case sim.ActEscalate:
		s.escalated = true
		if !s.decided && !s.k.Presales && s.k.Resolves(s.order, s.actions, s.evidenceFirst, nil) {
			// An escalation that resolves the case (an angry buyer's
			// threat handed to a supervisor, DOMAIN.md row 12): the
			// buyer is answered as the scorer judges it.
			s.decided, s.correct, s.pendingFrom = true, true, time.Time{}
			s.buyer.Resolved(1)
		}
		text := s.item.Reactions.Escalated
		if text == "" {
			text = map[sim.Lang]string{sim.LangZh: "好的，那我等你们的消息", sim.LangEn: "OK, I'll wait to hear from you."}[s.lang]
		}
		return []Line{s.message(text)}
	}
	if s.decided {
		return nil // a second step of the same resolution
	}
	if !s.k.Presales && !s.k.Resolves(s.order, s.actions, s.evidenceFirst, nil) &&
		s.k.Pending(s.order, s.actions, s.evidenceFirst, nil) {
		// Half of a two-action resolution (row 6's refund before its
		// compensation): wait for the rest, up to PendingWait.
		if s.pendingFrom.IsZero() {
			s.pendingFrom = at
		}
		return nil
	}
	return s.decide()
}

// PendingWait is how long a customer given part of a resolution of
// several actions waits for the rest before judging it incomplete.
const PendingWait = 2 * time.Minute

// decide judges the resolution the actions so far make and reacts:
// accepts it, or disputes it as the persona's tension says.
func (s *Script) decide() []Line {
	s.decided = true
	s.pendingFrom = time.Time{}
	if s.k.Presales {
		s.correct = false // money or goods for a question
	} else {
		s.correct = s.k.Resolves(s.order, s.actions, s.evidenceFirst, nil)
	}
	q := 0.0
	if s.correct {
		q = 1
	}
	s.buyer.Resolved(q)
	if s.correct {
		return []Line{s.message(s.pick(s.item.Reactions.Accept, phrases.Accept))}
	}
	return []Line{s.message(s.pick(s.item.Reactions.Dispute, phrases.DisputeAt(s.persona.Ladder, s.buyer.Tension)))}
}

// OnClosed is the agent closing the conversation at at: the customer
// rates by the outcome model (with its fixed draws), disputes or buys as
// the model says, and leaves.
func (s *Script) OnClosed(at time.Time) []Line {
	if s.done || s.closed {
		return nil
	}
	s.closed = true
	s.waitFrom = time.Time{}
	q := 0.0
	switch {
	case s.k.Presales && s.answered && !s.decided, s.correct:
		q = 1
	}
	first := s.firstReply
	if !s.replied {
		first = -1
	}
	v := sim.DefaultOutcome().Decide(&s.persona, s.draws, sim.Ending{Wait: s.waitSum, FirstReply: first, Q: q,
		Tension: s.buyer.Tension, Presales: s.k.Presales})
	var out []Line
	if v.Converted {
		out = append(out, Line{After: 5 * time.Second, Kind: sim.EventPaid})
	}
	if v.Dispute {
		out = append(out, Line{After: 5 * time.Second, Kind: sim.EventDispute})
	}
	if v.Rating > 0 {
		out = append(out, Line{After: 5 * time.Second, Kind: sim.EventRating, Rating: v.Rating})
	}
	return append(out, Line{After: time.Second, Kind: sim.EventLeave, Text: "done"})
}

// Due returns when the customer acts next on its own (a nudge, or leaving
// out of patience), and false when it waits for nothing.
func (s *Script) Due() (time.Time, bool) {
	if s.done || s.closed {
		return time.Time{}, false
	}
	var due time.Time
	if !s.pendingFrom.IsZero() {
		due = s.pendingFrom.Add(PendingWait)
	}
	if !s.waitFrom.IsZero() {
		w := s.waitFrom.Add(s.item.Patience)
		if s.nudged < len(s.item.Nudges) {
			w = s.waitFrom.Add(s.item.Nudges[s.nudged])
		}
		if due.IsZero() || w.Before(due) {
			due = w
		}
	}
	return due, !due.IsZero()
}

// OnDue is the time Due returned arriving: a nudge, or leaving.
func (s *Script) OnDue(at time.Time) []Line {
	due, ok := s.Due()
	if !ok || at.Before(due) {
		return nil
	}
	if !s.pendingFrom.IsZero() && !at.Before(s.pendingFrom.Add(PendingWait)) {
		return s.decide() // the rest never came: incomplete
	}
	if s.nudged < len(s.item.Nudges) {
		n := s.nudged
		s.nudged++
		s.buyer.OutOfPatience()
		text := ""
		if n < len(s.item.Reactions.Nudge) {
			text = s.item.Reactions.Nudge[n]
		} else {
			text = s.say(phrases.NudgeOf(s.persona.Nudge))
		}
		return []Line{{After: 0, Kind: sim.EventMessage, Text: text}}
	}
	// Done once the leave is said (Sent), not before: a sitting ending
	// its customers when they are done would otherwise end this one with
	// the leave unsaid, recorded as a dropped connection.
	return []Line{{After: 0, Kind: sim.EventLeave, Text: "out of patience"}}
}

// TimeUp is the sitting's time limit: a customer still there leaves.
func (s *Script) TimeUp() []Line {
	if s.done {
		return nil
	}
	s.done = true
	return []Line{{Kind: sim.EventLeave, Text: "the exam's time limit"}}
}

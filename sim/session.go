package sim

import "time"

// Round is one round of a conversation as the KPIs count it (DOMAIN.md §1):
// Start is when the buyer's first message of the round arrived and Wait how
// long the first valid reply took, both in seconds; Start is measured from
// the run's start. A negative Wait means the round was never answered.
type Round struct{ Start, Wait float64 }

// span is a round with the events behind it. SessionOf and
// ScoreConversation both derive rounds through spans, so the KPIs and the
// score count the same rounds.
type span struct {
	open  int // index of the buyer's message that opened the round
	reply int // index of the first valid reply; -1 when none came
	// end is the index of the leave that ended an unanswered round, or -1
	// when the conversation ended (closed) with the round still open.
	end int
}

func (s span) answered() bool { return s.reply >= 0 }

// wait returns the round's wait in seconds, or -1 when unanswered. An
// event list out of time order cannot make a wait negative.
func (s span) wait(c *Conversation) float64 {
	if !s.answered() {
		return -1
	}
	return max(0, c.Events[s.reply].At.Sub(c.Events[s.open].At).Seconds())
}

// opensRound reports whether e can open a round: the buyer wrote or sent
// evidence.
func opensRound(e Event) bool {
	return e.Sender == SenderCustomer && (e.Kind == EventMessage || e.Kind == EventEvidence)
}

// ruleSet holds the rules of docs/scoring.md switched off. Scoring keeps
// every rule on (a nil set); the ablation tests (export_test.go) switch
// them off one at a time to show that each changes some verdict of the
// labelled corpus.
type ruleSet map[string]bool

// The rules an ablation can switch off, by name. Case hard-fail phrasings
// and compliance rules are switched off by their rule names.
const (
	ruleAuto            = "automatic messages are not the agent's"
	ruleCloseEnds       = "the agent's close ends the conversation"
	ruleLanguageServed  = "served in the buyer's language"
	ruleLanguageComm    = "writing in the buyer's language"
	rulePresalesAnswer  = "a question is resolved by an answer"
	rulePresalesMoney   = "no money or goods on a question"
	ruleThreatClose     = "no close on an unresolved threat"
	rulePriceCap        = "money within the order price"
	ruleConditions      = "correct means the table's conditions"
	ruleNoResolutionAll = "no resolving action keeps no points"
	// ruleUnescalated + a case id: not escalating a case that is always
	// escalated is a hard fail.
	ruleUnescalated      = "unescalated "
	ruleFalsePromiseHard = "an unverifiable promise is a hard fail"
)

// byAgent reports whether e is the agent's own: sent by the agent and not
// an automatic message from the agent's account (docs/scoring.md, "Who
// wrote what").
func (off ruleSet) byAgent(e Event) bool {
	return e.Sender == SenderAgent && (!e.Auto || off[ruleAuto])
}

// isClose reports whether e closes the conversation: the agent's close
// action or a close event.
func (off ruleSet) isClose(e Event) bool {
	return e.Kind == EventClose || !off[ruleCloseEnds] && e.Kind == EventAction && e.Action != nil && e.Action.Kind == ActClose
}

// validReply reports whether e ends a round: an agent's message or
// structured action other than the close. Events from SenderSystem
// (welcome messages, assignments) and automatic messages from the agent's
// account never do; the close ends the conversation, it answers nothing.
func (off ruleSet) validReply(e Event) bool {
	return off.byAgent(e) && (e.Kind == EventMessage || e.Kind == EventAction && !off.isClose(e))
}

// byAgent and isClose with every rule on.
func byAgent(e Event) bool { return ruleSet(nil).byAgent(e) }
func isClose(e Event) bool { return ruleSet(nil).isClose(e) }

// spans splits c into rounds. A round opens at the buyer's first message
// or evidence after the last valid reply (or at the start) and ends at the
// next valid reply. A leave ends an open round unanswered. The close (the
// agent's close action or a close event, whichever comes first) ends the
// conversation: a round still open counts as unanswered (the platforms
// count a buyer's last message that got no reply, so a polite "谢谢" needs
// an answer too), and buyer messages after the close open no round: they
// are not the agent's to answer (the hub refuses them). Events are taken in
// slice order, which is time order for the hub's records and for
// ReadTranscripts.
func spans(c *Conversation, off ruleSet) []span {
	var out []span
	open := -1
	for i, e := range c.Events {
		switch {
		case off.isClose(e):
			if open >= 0 {
				out = append(out, span{open: open, reply: -1, end: -1})
			}
			return out
		case opensRound(e):
			if open < 0 {
				open = i
			}
		case off.validReply(e):
			if open >= 0 {
				out = append(out, span{open: open, reply: i, end: -1})
				open = -1
			}
		case e.Kind == EventLeave:
			if open >= 0 {
				out = append(out, span{open: open, reply: -1, end: i})
				open = -1
			}
		}
	}
	if open >= 0 {
		out = append(out, span{open: open, reply: -1, end: -1})
	}
	return out
}

// firstIndex returns the index of c's first event of kind k, or -1.
func firstIndex(c *Conversation, k EventKind) int {
	for i, e := range c.Events {
		if e.Kind == k {
			return i
		}
	}
	return -1
}

// isPresales reports whether c is a pre-sales conversation: flagged so, or
// its case is the pre-sales question.
func (c *Conversation) isPresales() bool {
	if c.Presales {
		return true
	}
	k, ok := LookupCase(c.Case)
	return ok && k.Presales
}

// SessionOf derives what the KPIs need of a finished conversation: the
// session and its rounds, times in seconds from runStart. correct is
// whether the agent's handling resolved the case (Score.Correct).
//
// The fields mean what the discrete-event engine (sim/des) fills in:
//
//   - Start: c.Arrived, or the buyer's first message when Arrived is zero.
//   - FirstReply: the wait of the first round; -1 when it got no valid
//     reply (including a session with only a welcome message).
//   - Served: an agent sent a valid reply (DOMAIN.md §1: a session with
//     no agent reply, or only an automatic welcome, is not served). An
//     assignment alone does not serve the buyer.
//   - Abandoned: the buyer left (EventLeave) before the conversation was
//     closed. LeftUnanswered: abandoned before any valid reply.
//   - LateRound: some round went unanswered. SessionOf knows no reply
//     threshold; [Tally.AddConversation] also sets it for rounds later than
//     the tally's threshold, as the engine does.
//   - Rating: the last 1–5 rating (EventRating); 0 when none.
//   - Dispute: an EventDispute. Converted: an EventPaid.
//   - NoCase (after-sales only): c names no case of the decision table;
//     such a session is never resolved and the resolution rate leaves it
//     out.
//   - Resolved (after-sales only): correct, closed and not abandoned, as
//     the engine counts only correct handlings the buyer stayed for.
//   - ResolvedAfter: seconds from the buyer's first message to the
//     deciding action, the first action after which the case's actions are
//     correct (the last action when the case is unknown, the close when
//     there is none). The engine measures to the close instead; in a live
//     chat the solution is given when the agent acts, and the chat may stay
//     open for thanks and the rating.
func SessionOf(c *Conversation, runStart time.Time, correct bool) (Session, []Round) {
	off := func(t time.Time) float64 { return t.Sub(runStart).Seconds() }
	sp := spans(c, nil)
	rounds := make([]Round, len(sp))
	s := Session{FirstReply: -1, Presales: c.isPresales()}
	anyReply := false
	for i, r := range sp {
		rounds[i] = Round{Start: off(c.Events[r.open].At), Wait: r.wait(c)}
		anyReply = anyReply || r.answered()
		if !r.answered() {
			s.LateRound = true
		}
	}
	first := time.Time{}
	switch {
	case len(sp) > 0:
		first = c.Events[sp[0].open].At
	case len(c.Events) > 0:
		first = c.Events[0].At
	default:
		first = c.Arrived
	}
	s.Start = off(first)
	if !c.Arrived.IsZero() {
		s.Start = off(c.Arrived)
	}
	if len(sp) > 0 && sp[0].answered() {
		s.FirstReply = rounds[0].Wait
	}

	leave, closeAt := firstIndex(c, EventLeave), closeIndex(c)
	s.Abandoned = leave >= 0 && (closeAt < 0 || leave < closeAt)
	if s.Abandoned {
		s.LeftUnanswered = true
		for _, r := range sp {
			if r.answered() && r.reply < leave {
				s.LeftUnanswered = false
				break
			}
		}
	}
	s.Served = anyReply
	for _, e := range c.Events {
		switch e.Kind {
		case EventRating:
			if e.Rating >= 1 && e.Rating <= 5 {
				s.Rating = e.Rating
			}
		case EventDispute:
			s.Dispute = true
		case EventPaid:
			s.Converted = true
		}
	}
	if !s.Presales {
		_, known := LookupCase(c.Case)
		s.NoCase = !known
		s.Resolved = known && correct && closeAt >= 0 && !s.Abandoned
		if s.Resolved {
			at := c.Events[closeAt].At
			if d := decidingAction(c); d >= 0 {
				at = c.Events[d].At
			}
			s.ResolvedAfter = max(0, at.Sub(first).Seconds())
		}
	}
	return s, rounds
}

// closeIndex returns the index of the conversation's close: the agent's
// close action, or a close event (the hub records one when the
// conversation ends; imported transcripts may have only that), whichever
// comes first; -1 when neither.
func closeIndex(c *Conversation) int { return ruleSet(nil).closeIndex(c) }

// closeIndex is closeIndex with off's rules (an ablation may switch the
// agent's close action off).
func (off ruleSet) closeIndex(c *Conversation) int {
	for i, e := range c.Events {
		if off.isClose(e) {
			return i
		}
	}
	return -1
}

// decidingAction returns the index of the action that decided c: the first
// after which the actions so far resolve the case (counting a request for
// evidence in the agent's text, as scoring does), else the last action, or
// -1 when the agent took none.
func decidingAction(c *Conversation) int {
	k, known := LookupCase(c.Case)
	var acts []Action
	last := -1
	first := -1
	if known {
		first = evidenceAt(c, len(c.Events)-1)
	}
	for i, e := range c.Events {
		if e.Kind != EventAction || e.Action == nil {
			continue
		}
		last = i
		acts = append(acts, *e.Action)
		if known && k.Correct(withTextEvidence(acts, first, i)) {
			return i
		}
	}
	return last
}

// AddConversation feeds c to t: every round through t.Round, then the
// session through t.Add, so the live hub and imported transcripts yield
// the same KPIs as the discrete-event engine. runStart is the time offsets
// are measured from: the start of the Calendar t was made with. correct is
// whether the handling resolved the case (Score.Correct).
func (t *Tally) AddConversation(c *Conversation, runStart time.Time, correct bool) {
	s, rounds := SessionOf(c, runStart, correct)
	t.AddSession(s, rounds)
}

// AddSession feeds a session and its rounds, as SessionOf returns them, to
// t; a caller that feeds one conversation to several tallies (the whole
// run and its agent) derives the session once.
func (t *Tally) AddSession(s Session, rounds []Round) {
	for _, r := range rounds {
		if !t.Round(r.Start, r.Wait) {
			s.LateRound = true
		}
	}
	t.Add(&s)
}

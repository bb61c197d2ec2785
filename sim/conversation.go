package sim

import (
	"fmt"
	"strings"
	"time"
)

// Sender is who produced an event of a conversation.
type Sender string

// The senders. System events are the hub's own (assignment, transfer,
// timeout), never typed by a person.
const (
	SenderCustomer Sender = "customer"
	SenderAgent    Sender = "agent"
	SenderSystem   Sender = "system"
)

// EventKind is what an event of a conversation is.
type EventKind string

// The event kinds of a conversation record. The live hub records them as
// they happen; imported transcripts (docs/transcripts.md) use the same.
const (
	// EventMessage is text from the customer or the agent.
	EventMessage EventKind = "message"
	// EventEvidence is a photo, video or measurement the customer sends;
	// Text describes it.
	EventEvidence EventKind = "evidence"
	// EventAction is a structured agent action (Action is set).
	EventAction EventKind = "action"
	// EventAssign: an agent (Agent) took the conversation.
	EventAssign EventKind = "assign"
	// EventRequeue: the agent lost it (disconnected past the grace
	// period); it went back to the queue.
	EventRequeue EventKind = "requeue"
	// EventLeave: the customer left (out of patience, or done).
	EventLeave EventKind = "leave"
	// EventRating: the customer's 1–5 rating (Rating is set).
	EventRating EventKind = "rating"
	// EventDispute: the customer took the case to the platform.
	EventDispute EventKind = "dispute"
	// EventPaid: a pre-sales customer placed the order (inquiry
	// conversion).
	EventPaid EventKind = "paid"
	// EventClose: the conversation ended (the close action, or the
	// customer's leave, or the run's end).
	EventClose EventKind = "close"
)

// LeaveRunEnded is the text of a customer's leave event when the run, not
// the customer, ended the conversation. Such conversations are cut off,
// not abandoned: reviews leave them out of the KPIs.
const LeaveRunEnded = "run ended"

// LeaveInterrupted is the text of the leave event recorded for a
// conversation that was open when the run's hub stopped without ending
// the run (killed, a crash, a power cut): its customer is gone and what
// happened last is unknown. Such conversations are cut off like those of
// LeaveRunEnded.
const LeaveInterrupted = "run interrupted"

// LeavePaused is the text of the leave event recorded for a conversation
// that was open when the run was paused (a trial stopped before its end,
// Ctrl-C or SIGTERM: serve --resume continues it). Such conversations are
// cut off like those of LeaveRunEnded.
const LeavePaused = "run paused"

// IsCut reports whether why, the text of a leave, is one of a cut: the
// run's end, its pause or its interruption, not the customer's own.
func IsCut(why string) bool {
	return why == LeaveRunEnded || why == LeavePaused || why == LeaveInterrupted
}

// CutOff reports whether the run's end, its pause or its interruption cut
// c off: the customer left because the run stopped, before the
// conversation was closed.
func (c *Conversation) CutOff() bool { return c.CutKind() != "" }

// CutKind is the text of the leave that cut c off (LeaveRunEnded,
// LeavePaused or LeaveInterrupted), or "" when c was not cut off.
func (c *Conversation) CutKind() string {
	if why, ok := c.leftBeforeClose(); ok && IsCut(why) {
		return why
	}
	return ""
}

// Interrupted reports whether c was cut off by an interruption of the
// run (see LeaveInterrupted).
func (c *Conversation) Interrupted() bool { return c.CutKind() == LeaveInterrupted }

// leftBeforeClose returns the text of the customer's leave, if the
// customer left before the agent closed.
func (c *Conversation) leftBeforeClose() (string, bool) {
	for _, e := range c.Events {
		switch {
		case e.Kind == EventAction && e.Action != nil && e.Action.Kind == ActClose:
			return "", false
		case e.Kind == EventLeave:
			return e.Text, true
		}
	}
	return "", false
}

// Action is a structured agent action with its arguments (DOMAIN.md §2).
type Action struct {
	Kind ActionKind `json:"kind"`
	// Amount is the money of refund and compensate.
	Amount Money `json:"amount,omitempty"`
	// Payer is the shipping payer of approve_return, exchange and reship.
	Payer Payer `json:"shipping_payer,omitempty"`
	// Reason is the reason of escalate and reject.
	Reason string `json:"reason,omitempty"`
}

// Check reports whether the action's arguments fit its kind: an amount
// above zero for refund and compensate, a known payer where one is given,
// a reason for escalate and reject.
func (a Action) Check() error {
	known := false
	for _, k := range ActionKinds() {
		known = known || k == a.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("unknown action %q (want one of %v)", a.Kind, ActionKinds())
	case (a.Kind == ActRefund || a.Kind == ActCompensate) && a.Amount <= 0:
		return fmt.Errorf("%s needs an amount above zero", a.Kind)
	case a.Amount < 0:
		return fmt.Errorf("amount %v is negative", a.Amount)
	case a.Payer != PayerNone && a.Payer != PayerBuyer && a.Payer != PayerSeller:
		return fmt.Errorf("shipping payer %q: want buyer or seller", a.Payer)
	case (a.Kind == ActEscalate || a.Kind == ActReject) && a.Reason == "":
		return fmt.Errorf("%s needs a reason", a.Kind)
	}
	return nil
}

// Event is one timestamped event of a conversation. At is the hub's clock
// (or the transcript's), never the client's.
type Event struct {
	At     time.Time
	Sender Sender
	Kind   EventKind
	// Agent names the agent of an agent event or an assignment.
	Agent  string
	Text   string
	Action *Action
	Rating int
	// Auto marks a message sent automatically from an agent's account (a
	// welcome, an auto-greeting, an away notice): the shop's words, not
	// the agent's, so it is no valid reply and is not judged
	// (docs/scoring.md).
	Auto bool
}

// Order is what an agent sees of the customer's order: the facts a real
// agent would look up, never the hidden truth of the case.
type Order struct {
	ID       string    `json:"id"`
	Product  string    `json:"product"`
	Price    Money     `json:"price"`
	Paid     time.Time `json:"paid,omitzero"`
	Shipped  time.Time `json:"shipped,omitzero"`
	Received time.Time `json:"received,omitzero"`
	// Logistics is the carrier's last status ("in transit", "signed", ...).
	Logistics string `json:"logistics,omitempty"`
	// EarlierRefunds counts the buyer's refunds in the last 90 days.
	EarlierRefunds int `json:"earlier_refunds"`
	// CurrentPrice is the listing's price now, when it differs from what
	// the buyer paid: price protection refunds Price − CurrentPrice. Zero
	// when unknown.
	CurrentPrice Money `json:"current_price,omitempty"`
	// Tracking holds the courier tracking numbers the agent can see
	// (space-separated). A tracking number the agent quotes that is
	// neither here nor in the buyer's words is invented.
	Tracking string `json:"tracking,omitempty"`
}

// Signed reports whether the carrier's last status says the parcel was
// signed for ("signed", "已签收").
func (o Order) Signed() bool {
	l := strings.ToLower(o.Logistics)
	if strings.Contains(l, "unsigned") || strings.Contains(l, "not signed") || strings.Contains(l, "未签收") {
		return false
	}
	return strings.Contains(l, "signed") || strings.Contains(l, "签收")
}

// Conversation is the record of one customer's chat: who, what order, the
// case behind it and every event in order. Case is the hidden truth the
// scoring compares against; it is empty for imported transcripts whose case
// is unknown.
type Conversation struct {
	ID       string
	Case     string
	Persona  string
	Order    Order
	Presales bool
	// Arrived is when the customer's first message reached the hub.
	Arrived time.Time
	Events  []Event
}

// Actions returns the agent's structured actions in order.
func (c *Conversation) Actions() []Action {
	var out []Action
	for _, e := range c.Events {
		if e.Kind == EventAction && e.Action != nil {
			out = append(out, *e.Action)
		}
	}
	return out
}

// Correct reports whether the agent's actions resolve case k: they hold
// every step the case requires and all actions of one of its resolutions,
// and no reject unless rejecting is itself a resolution.
func (k Case) Correct(actions []Action) bool {
	has := map[ActionKind]bool{}
	for _, a := range actions {
		has[a.Kind] = true
	}
	for _, s := range k.Steps {
		if !has[s] {
			return false
		}
	}
	if k.EscalateAlways && !has[ActEscalate] {
		return false
	}
	for _, r := range k.Resolutions {
		ok, rejects := true, false
		for _, a := range r {
			ok = ok && has[a]
			rejects = rejects || a == ActReject
		}
		if ok && (rejects || !has[ActReject]) {
			return true
		}
	}
	return false
}

// Package protocol is deskdrill's live protocol: JSON frames over
// WebSocket between the hub and its agents (/ws/agent) and customers
// (/ws/customer), documented for outsiders in docs/protocol.md.
//
// It lives under bench, the client side, because dependencies point one
// way (sim ← scenarios ← bench ← web): the hub in web and the clients in
// bench (synthetic customers, bot agents) both import it, and it imports
// nothing of ours but sim.
//
// Every frame is one JSON object with "v" (the protocol version) and
// "type". A frame is flat: the fields a type uses sit beside "type", the
// others are absent. Decoding checks the version, the type for the
// direction and the fields the type requires, and returns an *Error whose
// Code and Field a client can act on.
package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/deskdrill/deskdrill/sim"
)

// Version is the protocol version this package speaks. A frame of another
// version is refused with CodeVersion.
const Version = 1

// MaxFrame is the largest frame the hub reads; a larger one closes the
// connection with 1009 (message too big). 64 KiB holds any chat message
// with room for an evidence description.
const MaxFrame = 64 << 10

// Frame types. Each is listed with who sends it.
const (
	// Agent → hub.
	TypeStatus  = "status"  // status: online | away
	TypeMessage = "message" // conversation, text (also customer → hub, hub → both)
	TypeAction  = "action"  // conversation, action
	TypeTake    = "take"    // supervisor: conversation from the escalation queue
	// Customer → hub.
	TypeStart    = "start"    // case, persona, order, customer, presales, text: opens the conversation
	TypeEvidence = "evidence" // text: a photo or video, described (also hub → agent)
	TypeRating   = "rating"   // rating 1–5, text
	TypeDispute  = "dispute"  // the customer takes the case to the platform
	TypePaid     = "paid"     // a pre-sales customer placed the order
	TypeLeave    = "leave"    // text (reason): the customer leaves
	// Both → hub.
	TypePing = "ping" // id: the hub answers pong with the same id and its clock
	// Hub → clients.
	TypeWelcome   = "welcome"  // who you are, your limits, the server clock
	TypeAssign    = "assign"   // hub → agent: a conversation, its customer, order and history
	TypeAssigned  = "assigned" // hub → customer: an agent took the conversation
	TypeStarted   = "started"  // hub → customer: the conversation's id
	TypeUnassign  = "unassign" // hub → agent: the conversation left you (escalated, requeued, ended)
	TypeLeft      = "left"     // hub → agent: the customer left
	TypeClosed    = "closed"   // hub → both: the conversation is closed
	TypeScore     = "score"    // hub → agent (and dashboards): the conversation's score
	TypeQueue     = "queue"    // hub → agent: queue lengths, sent when they change
	TypePong      = "pong"     // hub → client: answer to ping
	TypeAck       = "ack"      // hub → client: a frame with an id was applied at "at"
	TypeError     = "error"    // hub → client: code, text, ref, field
	TypeActionOut = "action"   // hub → customer: the agent's structured action
)

// Error codes.
const (
	CodeBadJSON      = "bad_json"      // the frame is not a JSON object
	CodeVersion      = "bad_version"   // "v" is not Version
	CodeUnknownType  = "unknown_type"  // no such type for this endpoint
	CodeMissingField = "missing_field" // a required field is absent or empty
	CodeBadField     = "bad_field"     // a field has a wrong value
	CodeNotYours     = "not_yours"     // the conversation is not assigned to you
	CodeUnknownConv  = "unknown_conversation"
	CodeState        = "bad_state" // the frame does not fit the conversation's state (closed, not started)
	CodeForbidden    = "forbidden" // your role may not do this
	CodeTooMany      = "too_many_errors"
	// CodeUnavailable: the hub cannot record right now (its disk is full,
	// or its writer is behind), so it applied nothing and acknowledges
	// nothing. The frame may be sent again unchanged after a pause; such
	// refusals do not count toward the error limit.
	CodeUnavailable = "unavailable"
)

// Frame is every frame of the protocol, flat. Encoders set the fields the
// type uses; omitempty keeps the others off the wire.
type Frame struct {
	V    int    `json:"v"`
	Type string `json:"type"`
	// ID is the client's own id for a frame; the hub echoes it as Ref in
	// the ack or error it causes.
	ID  string `json:"id,omitempty"`
	Ref string `json:"ref,omitempty"`
	// At is the hub's clock, set on every frame the hub sends.
	At *time.Time `json:"at,omitempty"`

	Conversation string      `json:"conversation,omitempty"`
	Text         string      `json:"text,omitempty"`
	Action       *sim.Action `json:"action,omitempty"`
	Status       string      `json:"status,omitempty"`
	Rating       int         `json:"rating,omitempty"`

	// start (customer → hub): the hidden truth and what the agent may see.
	Case     string     `json:"case,omitempty"`
	Persona  string     `json:"persona,omitempty"`
	Presales bool       `json:"presales,omitempty"`
	Order    *sim.Order `json:"order,omitempty"`
	Customer *Customer  `json:"customer,omitempty"`

	// assign (hub → agent).
	History []HistoryItem `json:"history,omitempty"`
	Resumed bool          `json:"resumed,omitempty"`
	// Waited is how long the customer has waited so far, in seconds.
	Waited float64 `json:"waited_s,omitempty"`

	// welcome.
	Agent       string   `json:"agent,omitempty"`
	Role        string   `json:"role,omitempty"`
	Concurrency int      `json:"concurrency,omitempty"`
	Run         int64    `json:"run,omitempty"`
	Scenario    string   `json:"scenario,omitempty"`
	Profile     *Profile `json:"profile,omitempty"`

	// queue.
	Waiting   *int `json:"waiting,omitempty"`
	Escalated *int `json:"escalated,omitempty"`

	// score.
	Score *Score `json:"score,omitempty"`

	// error.
	Code  string `json:"code,omitempty"`
	Field string `json:"field,omitempty"`
}

// Customer is what an agent sees of a customer: a display name and masked
// contact details, never the hidden case.
type Customer struct {
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	Locale  string `json:"locale,omitempty"`
}

// HistoryItem is one earlier event of a conversation in an assign frame:
// sender customer or agent, kind message, evidence, action (Action set),
// rating (Rating set), dispute or paid.
type HistoryItem struct {
	At     time.Time   `json:"at"`
	Sender string      `json:"sender"`
	Kind   string      `json:"kind"`
	Text   string      `json:"text,omitempty"`
	Action *sim.Action `json:"action,omitempty"`
	Rating int         `json:"rating,omitempty"`
}

// Profile is the platform profile's thresholds an agent's console colours
// waiting times against.
type Profile struct {
	Name    string  `json:"name"`
	AnswerS float64 `json:"answer_s"`
	ReplyS  float64 `json:"reply_s"`
}

// Score is the summary of a scored conversation.
type Score struct {
	Total    float64 `json:"total"`
	Correct  bool    `json:"correct"`
	HardFail bool    `json:"hard_fail"`
}

// Error is a protocol error: what goes back to the client as an error
// frame.
type Error struct {
	Code  string
	Field string
	Text  string
	Ref   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: field %q: %s", e.Code, e.Field, e.Text)
	}
	return e.Code + ": " + e.Text
}

// Frame returns the error frame of e.
func (e *Error) Frame() Frame {
	return Frame{V: Version, Type: TypeError, Code: e.Code, Field: e.Field, Text: e.Text, Ref: e.Ref}
}

// Errorf returns an *Error with a formatted text.
func Errorf(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Text: fmt.Sprintf(format, args...)}
}

// Role is the role of the endpoint a frame arrives on; it decides which
// types are allowed.
type Role int

// The roles.
const (
	FromAgent Role = iota
	FromCustomer
)

var allowed = [...]map[string]bool{
	FromAgent:    {TypeStatus: true, TypeMessage: true, TypeAction: true, TypeTake: true, TypePing: true},
	FromCustomer: {TypeStart: true, TypeMessage: true, TypeEvidence: true, TypeRating: true, TypeDispute: true, TypePaid: true, TypeLeave: true, TypePing: true},
}

// HubTypes returns the frame types the hub sends on an endpoint of role
// to: every frame an agent (FromAgent) or a customer (FromCustomer) may
// receive. docs/protocol.md's "Hub → agent" and "Hub → customer" tables
// list the same, and the hub's tests check that no frame an agent
// receives carries a conversation's hidden truth.
func HubTypes(to Role) []string {
	if to == FromAgent {
		return []string{TypeWelcome, TypeAssign, TypeMessage, TypeEvidence, TypeLeft, TypeUnassign, TypeClosed,
			TypeQueue, TypeAck, TypePong, TypeError}
	}
	return []string{TypeWelcome, TypeStarted, TypeAssigned, TypeMessage, TypeActionOut, TypeClosed, TypeAck, TypePong, TypeError}
}

// MaxText is the longest text field in runes: longer than any chat
// message, short enough that a flood of them is cheap to refuse.
const MaxText = 4000

// Decode parses one client frame that arrived on an endpoint of role from,
// and checks it. The error, when not nil, is an *Error with the frame's
// id as Ref whenever the id could be read: only a frame that is not a
// JSON object at all comes back without one.
//
// The checks run in a fixed order, so a frame with several faults always
// gets the same answer: the version, then the type, then the fields (the
// first faulty one in the frame's own order).
func Decode(data []byte, from Role) (Frame, error) {
	var f Frame
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return f, Errorf(CodeBadJSON, "", "want a JSON object such as {\"v\":1,\"type\":\"message\",...}")
	}
	if err := json.Unmarshal(data, &f); err != nil {
		// The slow path, for refused frames only: find which field is at
		// fault, and the id to answer with.
		return Frame{}, decodeError(data, from, err)
	}
	fail := func(code, field, format string, args ...any) (Frame, error) {
		e := Errorf(code, field, format, args...)
		e.Ref = f.ID
		return f, e
	}
	if f.V != Version {
		return fail(CodeVersion, "v", "protocol version %d is not spoken here; want %d", f.V, Version)
	}
	if f.Type == "" {
		return fail(CodeMissingField, "type", "every frame needs a type")
	}
	if !allowed[from][f.Type] {
		return fail(CodeUnknownType, "type", "%q is not a frame this endpoint accepts (want one of %s)", f.Type, typeList(from))
	}
	if n := utf8.RuneCountInString(f.Text); n > MaxText {
		return fail(CodeBadField, "text", "%d characters; at most %d", n, MaxText)
	}
	switch f.Type {
	case TypeStatus:
		if f.Status == "" {
			return fail(CodeMissingField, "status", "say online or away")
		}
		if f.Status != "online" && f.Status != "away" {
			return fail(CodeBadField, "status", "%q: want online or away", f.Status)
		}
	case TypeMessage:
		if from == FromAgent && f.Conversation == "" {
			return fail(CodeMissingField, "conversation", "say which conversation the message is for")
		}
		if strings.TrimSpace(f.Text) == "" {
			return fail(CodeMissingField, "text", "a message needs text")
		}
	case TypeAction:
		if f.Conversation == "" {
			return fail(CodeMissingField, "conversation", "say which conversation the action is for")
		}
		if f.Action == nil || f.Action.Kind == "" {
			return fail(CodeMissingField, "action.kind", "an action needs a kind (refund, approve_return, ...)")
		}
		if e := checkAction(*f.Action); e != nil {
			e.Ref = f.ID
			return f, e
		}
	case TypeTake:
		if f.Conversation == "" {
			return fail(CodeMissingField, "conversation", "say which escalated conversation to take")
		}
	case TypeStart:
		if f.Customer == nil || f.Customer.Name == "" {
			return fail(CodeMissingField, "customer.name", "a conversation starts with the customer's name")
		}
		if strings.TrimSpace(f.Text) == "" {
			return fail(CodeMissingField, "text", "a conversation starts with the customer's first message")
		}
		if l := f.Customer.Locale; l != "" && l != "zh-CN" && l != "en" {
			return fail(CodeBadField, "customer.locale", "%q: want zh-CN or en (or none)", l)
		}
		if f.Case != "" {
			if _, ok := sim.LookupCase(f.Case); !ok {
				return fail(CodeBadField, "case", "%v", &sim.UnknownCaseError{ID: f.Case})
			}
		}
		if o := f.Order; o != nil {
			// No refund of a negative price could ever be right.
			if o.Price < 0 {
				return fail(CodeBadField, "order.price", "%v is negative", o.Price)
			}
			if o.CurrentPrice < 0 {
				return fail(CodeBadField, "order.current_price", "%v is negative", o.CurrentPrice)
			}
		}
	case TypeEvidence:
		if strings.TrimSpace(f.Text) == "" {
			return fail(CodeMissingField, "text", "describe the evidence (a photo of the torn seam, ...)")
		}
	case TypeRating:
		if f.Rating == 0 {
			return fail(CodeMissingField, "rating", "a rating needs its stars, 1 to 5")
		}
		if f.Rating < 1 || f.Rating > 5 {
			return fail(CodeBadField, "rating", "%d: want 1 to 5", f.Rating)
		}
	}
	return f, nil
}

// checkAction checks an action's arguments against its kind, naming the
// argument at fault: sim.Action.Check's rules, with field paths.
func checkAction(a sim.Action) *Error {
	if !slices.Contains(sim.ActionKinds(), a.Kind) {
		return Errorf(CodeBadField, "action.kind", "unknown action %q (want one of %v)", a.Kind, sim.ActionKinds())
	}
	money := a.Kind == sim.ActRefund || a.Kind == sim.ActCompensate
	switch {
	case money && a.Amount == 0:
		return Errorf(CodeMissingField, "action.amount", "%s needs an amount, such as \"59.90\"", a.Kind)
	case a.Amount < 0:
		return Errorf(CodeBadField, "action.amount", "amount %v is negative", a.Amount)
	case a.Payer != sim.PayerNone && a.Payer != sim.PayerBuyer && a.Payer != sim.PayerSeller:
		return Errorf(CodeBadField, "action.shipping_payer", "%q: want buyer or seller", a.Payer)
	case (a.Kind == sim.ActEscalate || a.Kind == sim.ActReject) && strings.TrimSpace(a.Reason) == "":
		return Errorf(CodeMissingField, "action.reason", "%s needs a reason", a.Kind)
	}
	if n := utf8.RuneCountInString(a.Reason); n > MaxText {
		return Errorf(CodeBadField, "action.reason", "%d characters; at most %d", n, MaxText)
	}
	if err := a.Check(); err != nil {
		// Unreachable while the rules above cover sim's; kept so that a
		// new rule there cannot let an action through here.
		return Errorf(CodeBadField, "action", "%v", err)
	}
	return nil
}

func typeList(from Role) string {
	var order []string
	switch from {
	case FromAgent:
		order = []string{TypeStatus, TypeMessage, TypeAction, TypeTake, TypePing}
	default:
		order = []string{TypeStart, TypeMessage, TypeEvidence, TypeRating, TypeDispute, TypePaid, TypeLeave, TypePing}
	}
	return strings.Join(order, ", ")
}

// Encode marshals a hub frame, setting the version.
func Encode(f Frame) ([]byte, error) {
	f.V = Version
	return json.Marshal(f)
}

package scenarios

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// The limits of a transcript file (docs/transcripts.md).
const (
	// MaxTranscriptLine is the longest line ReadTranscripts accepts, in
	// bytes without the line end: a message with a pasted document fits,
	// a corrupt file does not eat the memory.
	MaxTranscriptLine = 1 << 20
	// maxTranscriptErrors is how many problems one read reports before it
	// stops: enough to fix a file in one pass, few enough to read.
	maxTranscriptErrors = 20
)

// rfc3339Example is the time form the format wants, quoted in errors.
const rfc3339Example = "2026-11-11T00:00:05+08:00"

// rfc3339 is RFC 3339's date-time, which time.Parse reads more loosely
// (it takes a one-digit hour).
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})$`)

var (
	senders    = []sim.Sender{sim.SenderCustomer, sim.SenderAgent, sim.SenderSystem}
	eventKinds = []sim.EventKind{sim.EventMessage, sim.EventEvidence, sim.EventAction, sim.EventAssign, sim.EventRequeue,
		sim.EventLeave, sim.EventRating, sim.EventDispute, sim.EventPaid, sim.EventClose}
	lineFields   = []string{"conversation", "time", "sender", "kind", "text", "auto", "agent", "action", "rating", "case", "persona", "presales", "order"}
	actionFields = []string{"kind", "amount", "shipping_payer", "reason"}
	orderFields  = []string{"id", "product", "price", "paid", "shipped", "received", "logistics", "earlier_refunds", "current_price", "tracking"}
)

// ReadTranscripts reads conversations from a JSON-lines transcript
// (docs/transcripts.md): one event per line, each naming its conversation.
// name names the input in errors. Conversations come in order of first
// appearance, each with its events sorted stably by time; Arrived is the
// time of the buyer's first message or evidence (the first event when the
// buyer wrote nothing), and a conversation whose case is the pre-sales
// question is Presales.
//
// Every problem is reported, up to 20, as *FieldError values (file, line,
// column of the value, field) joined with errors.Join; each matches
// ErrBadInput. A failure to read r is returned wrapped as is.
func ReadTranscripts(r io.Reader, name string) ([]*sim.Conversation, error) {
	tr := &transcriptReader{file: name, byID: map[string]*convState{}}
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for n := 1; ; n++ {
		line, tooLong, err := readLine(br, buf[:0])
		buf = line
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read transcripts %s: %w", name, err)
		}
		last := errors.Is(err, io.EOF)
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		switch {
		case tooLong:
			tr.fail(&FieldError{File: name, Line: n, Column: 1, Msg: fmt.Sprintf("the line is longer than %d bytes (1 MiB)", MaxTranscriptLine)})
		case len(bytes.TrimSpace(line)) > 0:
			tr.line(n, line)
		}
		if len(tr.errs) >= maxTranscriptErrors {
			if !last {
				tr.errs = append(tr.errs, &FieldError{File: name, Msg: fmt.Sprintf("stopped at line %d after %d errors", n, maxTranscriptErrors)})
			}
			return nil, errors.Join(tr.errs...)
		}
		if last {
			break
		}
	}
	if len(tr.errs) == 0 && len(tr.convs) == 0 {
		return nil, &FieldError{File: name, Msg: `no events: want one JSON object a line, such as {"conversation": "c1", "time": "` + rfc3339Example + `", "sender": "customer", "text": "在吗"}`}
	}
	// Each conversation is checked whole only when every line read
	// (transcripts.md): a line that failed may be the one that settles it.
	if len(tr.errs) == 0 {
		tr.finish()
	}
	if len(tr.errs) > 0 {
		return nil, errors.Join(tr.errs[:min(len(tr.errs), maxTranscriptErrors)]...)
	}
	out := make([]*sim.Conversation, len(tr.convs))
	for i, cs := range tr.convs {
		out[i] = cs.c
	}
	return out, nil
}

// readLine reads one line into buf without its line end. A line longer
// than MaxTranscriptLine is read to its end and dropped (tooLong). err is
// io.EOF on the last line.
func readLine(br *bufio.Reader, buf []byte) (line []byte, tooLong bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			buf = append(buf, chunk...)
			if len(bytes.TrimRight(buf, "\r\n")) > MaxTranscriptLine {
				tooLong, buf = true, buf[:0]
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == nil {
			buf = bytes.TrimSuffix(bytes.TrimSuffix(buf, []byte("\n")), []byte("\r"))
		}
		return buf, tooLong, err
	}
}

// convState is a conversation being read. given holds the line of each
// per-conversation field (case, persona, presales, order) that was given,
// so a later conflicting value can point back at it.
type convState struct {
	c        *sim.Conversation
	given    map[string]int
	presales bool // the file's presales value, when given
}

// transcriptReader collects the conversations and errors of one read.
type transcriptReader struct {
	file  string
	convs []*convState
	byID  map[string]*convState
	errs  []error
}

func (tr *transcriptReader) fail(err error) { tr.errs = append(tr.errs, err) }

// transcriptLine is one decoded line: the event, its conversation and the
// per-conversation fields it gives, with the offset of each value for
// errors found after decoding.
type transcriptLine struct {
	conv     string
	ev       sim.Event
	caseID   string
	persona  string
	presales *bool
	order    *sim.Order
	at       map[string]int64 // field path → offset of its value
}

// line decodes line n and, if it is sound, adds its event to its
// conversation.
func (tr *transcriptReader) line(n int, data []byte) {
	lp := &lineParser{
		j:    &jsonReader{file: tr.file, data: data, dec: json.NewDecoder(bytes.NewReader(data))},
		line: n,
		rec:  transcriptLine{at: map[string]int64{}},
	}
	lp.j.dec.UseNumber()
	if err := lp.parse(); err != nil {
		lp.errs = append(lp.errs, lp.place(err))
	}
	if len(lp.errs) == 0 {
		lp.check()
	}
	if len(lp.errs) == 0 {
		tr.add(lp)
	}
	tr.errs = append(tr.errs, lp.errs...)
}

// add files a sound line's event under its conversation and checks the
// per-conversation fields against what earlier lines gave: the first value
// stands, a different later one is an error.
func (tr *transcriptReader) add(lp *lineParser) {
	rec := &lp.rec
	cs, ok := tr.byID[rec.conv]
	if !ok {
		cs = &convState{c: &sim.Conversation{ID: rec.conv}, given: map[string]int{}}
		tr.byID[rec.conv] = cs
		tr.convs = append(tr.convs, cs)
	}
	// once records field's first value by set, or reports a later value
	// that differs.
	once := func(field string, given, same bool, got, first string, set func()) {
		switch l, seen := cs.given[field]; {
		case !given:
		case !seen:
			set()
			cs.given[field] = lp.line
		case !same:
			lp.failAt(rec.at[field], field, "%s conflicts with %s given on line %d: a conversation's %s is given once", got, first, l, field)
		}
	}
	once("case", rec.caseID != "", rec.caseID == cs.c.Case, strconv.Quote(rec.caseID), strconv.Quote(cs.c.Case),
		func() { cs.c.Case = rec.caseID })
	once("persona", rec.persona != "", rec.persona == cs.c.Persona, strconv.Quote(rec.persona), strconv.Quote(cs.c.Persona),
		func() { cs.c.Persona = rec.persona })
	if p := rec.presales; p != nil {
		once("presales", true, *p == cs.presales, strconv.FormatBool(*p), strconv.FormatBool(cs.presales),
			func() { cs.presales = *p })
	}
	if o := rec.order; o != nil {
		once("order", true, sameOrder(*o, cs.c.Order), "this order", "the one", func() { cs.c.Order = *o })
	}
	if len(lp.errs) == 0 {
		cs.c.Events = append(cs.c.Events, rec.ev)
	}
}

// finish sorts each conversation's events by time, sets Arrived and
// Presales, and checks the presales flag against the case.
func (tr *transcriptReader) finish() {
	for _, cs := range tr.convs {
		c := cs.c
		sort.SliceStable(c.Events, func(a, b int) bool { return c.Events[a].At.Before(c.Events[b].At) })
		c.Arrived = c.Events[0].At
		for _, e := range c.Events {
			if e.Sender == sim.SenderCustomer && (e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence) {
				c.Arrived = e.At
				break
			}
		}
		k, known := sim.LookupCase(c.Case)
		c.Presales = cs.presales || known && k.Presales
		if l, ok := cs.given["presales"]; ok && known && cs.presales != k.Presales {
			what := "an after-sales case"
			if k.Presales {
				what = "the pre-sales question"
			}
			tr.fail(&FieldError{File: tr.file, Line: l, Column: 1, Field: "presales",
				Msg: fmt.Sprintf("%v, but case %s of conversation %q is %s", cs.presales, c.Case, c.ID, what)})
		}
	}
}

func sameOrder(a, b sim.Order) bool {
	return a.ID == b.ID && a.Product == b.Product && a.Price == b.Price && a.Paid.Equal(b.Paid) &&
		a.Shipped.Equal(b.Shipped) && a.Received.Equal(b.Received) && a.Logistics == b.Logistics &&
		a.EarlierRefunds == b.EarlierRefunds && a.CurrentPrice == b.CurrentPrice && a.Tracking == b.Tracking
}

// lineParser decodes one line token by token, so every error names the
// column of the value at fault.
type lineParser struct {
	j    *jsonReader
	line int
	rec  transcriptLine
	errs []error
}

// place puts an error from jsonReader, which sees only this line, on the
// file's line, with the column counted in characters rather than bytes:
// the lines are mostly Chinese, and editors count characters.
func (lp *lineParser) place(err error) error {
	var fe *FieldError
	if errors.As(err, &fe) {
		fe.Line = lp.line
		fe.Column = charColumn(lp.j.data, fe.Column)
		return fe
	}
	return &FieldError{File: lp.j.file, Line: lp.line, Column: 1, Msg: err.Error()}
}

// failAt records a problem with the value at off (the offset after its
// key, or 0 for the line).
func (lp *lineParser) failAt(off int64, field, format string, args ...any) {
	lp.errs = append(lp.errs, lp.place(lp.j.errAt(off, field, format, args...)))
}

// describe names a JSON token for an error: got the number 5, got null.
func describe(t json.Token) string {
	switch v := t.(type) {
	case nil:
		return "null"
	case json.Delim:
		if v == '[' {
			return "a list"
		}
		return "an object"
	case string:
		return strconv.Quote(v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return strconv.FormatBool(v)
	}
	return fmt.Sprint(t)
}

// value reads the next value; a list or object is skipped and returned as
// its opening delimiter, for an error message.
func (lp *lineParser) value(field string) (json.Token, int64, error) {
	t, off, err := lp.j.token(field)
	if err != nil {
		return nil, off, err
	}
	return t, off, lp.skip(t, field)
}

// skip reads the rest of a list or object whose opening t was just read;
// other tokens need nothing more.
func (lp *lineParser) skip(t json.Token, field string) error {
	if d, ok := t.(json.Delim); !ok || d != '[' && d != '{' {
		return nil
	}
	for depth := 1; depth > 0; {
		u, _, err := lp.j.token(field)
		if err != nil {
			return err
		}
		if d, ok := u.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// object reads the members of an object whose '{' has been read; member
// reads each value. A key given twice or not in known is an error and its
// value skipped.
func (lp *lineParser) object(path string, known []string, member func(key, field string) error) error {
	seen := map[string]bool{}
	for lp.j.dec.More() {
		t, off, err := lp.j.token(path)
		if err != nil {
			return err
		}
		key, _ := t.(string)
		field := join(path, key)
		switch {
		case seen[key]:
			lp.failAt(off, field, "given twice")
		case !slices.Contains(known, key):
			lp.failAt(off, field, "unknown field %q (known fields here: %s)", key, strings.Join(known, ", "))
		default:
			seen[key] = true
			lp.rec.at[field] = lp.j.dec.InputOffset()
			if err := member(key, field); err != nil {
				return err
			}
			continue
		}
		if _, _, err := lp.value(field); err != nil {
			return err
		}
	}
	_, _, err := lp.j.token(path)
	return err
}

// str reads an optional string; null and "" are the same as leaving the
// field out.
func (lp *lineParser) str(field string) (string, error) {
	t, off, err := lp.value(field)
	if err != nil {
		return "", err
	}
	switch v := t.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	}
	lp.failAt(off, field, "want text, got %s", describe(t))
	return "", nil
}

// timestamp reads an RFC 3339 time with its offset.
func (lp *lineParser) timestamp(field string) (time.Time, error) {
	t, off, err := lp.value(field)
	if err != nil || t == nil {
		return time.Time{}, err
	}
	if s, ok := t.(string); ok && rfc3339.MatchString(s) {
		if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
			// Parse returns the machine's Local zone when the offset
			// matches it; a fixed zone (UTC for a zero offset) keeps a
			// transcript's meaning the same on every machine.
			_, off := v.Zone()
			if off == 0 {
				return v.UTC(), nil
			}
			return v.In(time.FixedZone("", off)), nil
		}
	}
	lp.failAt(off, field, "want RFC 3339 such as %s, got %s", rfc3339Example, describe(t))
	return time.Time{}, nil
}

// money reads an amount in CNY: "12.50" or 12.5, at most two decimals, not
// negative.
func (lp *lineParser) money(field string) (sim.Money, error) {
	t, off, err := lp.value(field)
	if err != nil || t == nil {
		return 0, err
	}
	var s string
	switch v := t.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	default:
		lp.failAt(off, field, "want an amount in CNY such as \"12.50\" or 12.5, got %s", describe(t))
		return 0, nil
	}
	m, err := sim.ParseMoney(s)
	switch {
	case err != nil:
		lp.failAt(off, field, "%v", err)
	case m < 0:
		lp.failAt(off, field, "amount %s is negative", m)
	default:
		return m, nil
	}
	return 0, nil
}

// boolean reads an optional true or false; null leaves it out (nil).
func (lp *lineParser) boolean(field string) (*bool, error) {
	t, off, err := lp.value(field)
	switch v := t.(type) {
	case nil:
	case bool:
		return &v, err
	default:
		lp.failAt(off, field, "want true or false, got %s", describe(t))
	}
	return nil, err
}

// integer reads a whole number from lo to hi.
func (lp *lineParser) integer(field string, lo, hi int) (int, error) {
	t, off, err := lp.value(field)
	if err != nil || t == nil {
		return 0, err
	}
	if n, ok := t.(json.Number); ok {
		if v, err := strconv.Atoi(n.String()); err == nil && v >= lo && v <= hi {
			return v, nil
		}
	}
	lp.failAt(off, field, "want a whole number from %d to %d, got %s", lo, hi, describe(t))
	return 0, nil
}

// parse decodes the line's object into lp.rec. It returns only a syntax
// error, which ends the line; other problems are collected.
func (lp *lineParser) parse() error {
	t, off, err := lp.j.token("")
	if err != nil {
		return err
	}
	if t != json.Delim('{') {
		lp.failAt(off, "", `want a JSON object such as {"conversation": "c1", "time": "%s", "sender": "customer", "text": "在吗"}, got %s`, rfc3339Example, describe(t))
		return nil
	}
	rec := &lp.rec
	rec.ev.Kind = sim.EventMessage
	err = lp.object("", lineFields, func(key, field string) error {
		var err error
		switch key {
		case "conversation":
			rec.conv, err = lp.str(field)
		case "time":
			rec.ev.At, err = lp.timestamp(field)
		case "sender":
			var s string
			s, err = lp.str(field)
			rec.ev.Sender = sim.Sender(s)
			if s != "" && !slices.Contains(senders, rec.ev.Sender) {
				lp.failAt(rec.at[field], field, "%q: want one of %v", s, senders)
			}
		case "kind":
			var s string
			s, err = lp.str(field)
			if s != "" {
				rec.ev.Kind = sim.EventKind(s)
				if !slices.Contains(eventKinds, rec.ev.Kind) {
					lp.failAt(rec.at[field], field, "%q: want one of %v", s, eventKinds)
				}
			}
		case "text":
			rec.ev.Text, err = lp.str(field)
		case "agent":
			rec.ev.Agent, err = lp.str(field)
		case "rating":
			rec.ev.Rating, err = lp.integer(field, 1, 5)
		case "case":
			rec.caseID, err = lp.str(field)
			if _, ok := sim.LookupCase(rec.caseID); rec.caseID != "" && !ok {
				lp.failAt(rec.at[field], field, "%v", &sim.UnknownCaseError{ID: rec.caseID})
				rec.caseID = ""
			}
		case "persona":
			rec.persona, err = lp.str(field)
		case "presales":
			var v *bool
			v, err = lp.boolean(field)
			rec.presales = v
		case "auto":
			var v *bool
			v, err = lp.boolean(field)
			rec.ev.Auto = v != nil && *v
		case "action":
			return lp.nested(field, actionFields, func(key, f string) error { return lp.actionField(key, f) })
		case "order":
			return lp.nested(field, orderFields, func(key, f string) error { return lp.orderField(key, f) })
		}
		return err
	})
	if err != nil {
		return err
	}
	if off := lp.j.dec.InputOffset(); len(bytes.TrimSpace(lp.j.data[off:])) > 0 {
		lp.failAt(off, "", "unexpected data after the object: one event a line")
	}
	return nil
}

// nested reads an optional object value (action, order); null leaves it
// out.
func (lp *lineParser) nested(field string, known []string, member func(key, field string) error) error {
	t, off, err := lp.j.token(field)
	if err != nil {
		return err
	}
	switch t {
	case nil:
		return nil
	case json.Delim('{'):
		switch field {
		case "action":
			lp.rec.ev.Action = &sim.Action{}
		case "order":
			lp.rec.order = &sim.Order{}
		}
		return lp.object(field, known, member)
	}
	lp.failAt(off, field, "want an object with fields %s, got %s", strings.Join(known, ", "), describe(t))
	return lp.skip(t, field)
}

func (lp *lineParser) actionField(key, field string) error {
	a := lp.rec.ev.Action
	var err error
	switch key {
	case "kind":
		var s string
		s, err = lp.str(field)
		a.Kind = sim.ActionKind(s)
	case "amount":
		a.Amount, err = lp.money(field)
	case "shipping_payer":
		var s string
		s, err = lp.str(field)
		a.Payer = sim.Payer(s)
	case "reason":
		a.Reason, err = lp.str(field)
	}
	return err
}

func (lp *lineParser) orderField(key, field string) error {
	o := lp.rec.order
	var err error
	switch key {
	case "id":
		o.ID, err = lp.str(field)
	case "product":
		o.Product, err = lp.str(field)
	case "price":
		o.Price, err = lp.money(field)
	case "paid":
		o.Paid, err = lp.timestamp(field)
	case "shipped":
		o.Shipped, err = lp.timestamp(field)
	case "received":
		o.Received, err = lp.timestamp(field)
	case "logistics":
		o.Logistics, err = lp.str(field)
	case "earlier_refunds":
		o.EarlierRefunds, err = lp.integer(field, 0, 1_000_000)
	case "current_price":
		o.CurrentPrice, err = lp.money(field)
	case "tracking":
		o.Tracking, err = lp.str(field)
	}
	return err
}

// check applies the rules between fields once the line decoded cleanly.
func (lp *lineParser) check() {
	rec := &lp.rec
	if rec.conv == "" {
		lp.failAt(0, "conversation", "is required: the id of the conversation the event belongs to")
	}
	if rec.ev.At.IsZero() {
		lp.failAt(0, "time", "is required: when the event happened, in RFC 3339 such as %s", rfc3339Example)
	}
	if rec.ev.Sender == "" {
		lp.failAt(0, "sender", "is required: one of %v", senders)
		return
	}
	if field, msg := eventProblem(rec.ev); msg != "" {
		// Point at the field, else its parent (a missing action.kind at
		// the action), else the kind that asked for it.
		off := rec.at["kind"]
		for _, f := range []string{field, parentPath(field)} {
			if o, ok := rec.at[f]; ok {
				off = o
				break
			}
		}
		lp.failAt(off, field, "%s", msg)
	}
}

// eventProblem returns the field and the problem of an event that breaks
// the format's rules, or "", "" when it keeps them. ReadTranscripts and
// WriteTranscripts share it, so what is written can be read.
func eventProblem(e sim.Event) (field, msg string) {
	customerOnly := map[sim.EventKind]bool{sim.EventEvidence: true, sim.EventLeave: true, sim.EventRating: true,
		sim.EventDispute: true, sim.EventPaid: true}
	switch {
	case !slices.Contains(senders, e.Sender):
		return "sender", fmt.Sprintf("%q: want one of %v", e.Sender, senders)
	case !slices.Contains(eventKinds, e.Kind):
		return "kind", fmt.Sprintf("%q: want one of %v", e.Kind, eventKinds)
	case customerOnly[e.Kind] && e.Sender != sim.SenderCustomer:
		return "sender", fmt.Sprintf("%s: an event of kind %s comes from the customer", e.Sender, e.Kind)
	case e.Kind == sim.EventMessage && e.Text == "":
		return "text", "a message needs its text"
	case e.Kind == sim.EventAssign && e.Agent == "":
		return "agent", "an assignment names the agent who took the conversation"
	case e.Kind == sim.EventAction && e.Action == nil:
		return "action", `an event of kind action needs one, such as {"kind": "refund", "amount": "59.00"}`
	case e.Kind != sim.EventAction && e.Action != nil:
		return "action", fmt.Sprintf("only an event of kind action carries an action (this one is %s)", e.Kind)
	case e.Kind == sim.EventAction && e.Sender != sim.SenderAgent:
		return "sender", fmt.Sprintf("%s: actions are the agent's", e.Sender)
	case e.Kind == sim.EventRating && (e.Rating < 1 || e.Rating > 5):
		return "rating", "an event of kind rating needs a rating from 1 to 5"
	case e.Kind != sim.EventRating && e.Rating != 0:
		return "rating", fmt.Sprintf("only an event of kind rating carries a rating (this one is %s)", e.Kind)
	case e.Auto && (e.Sender != sim.SenderAgent || e.Kind != sim.EventMessage):
		return "auto", fmt.Sprintf("marks an automatic message sent from an agent's account; this is a %s from the %s", e.Kind, e.Sender)
	}
	if e.Action != nil {
		return actionProblem(*e.Action)
	}
	return "", ""
}

// actionProblem names the field of an action's problem (sim.Action.Check
// knows the rules; this points at the field).
func actionProblem(a sim.Action) (field, msg string) {
	err := a.Check()
	if err == nil {
		return "", ""
	}
	switch {
	case a.Kind == "":
		return "action.kind", fmt.Sprintf("is required: one of %v", sim.ActionKinds())
	case !slices.Contains(sim.ActionKinds(), a.Kind):
		return "action.kind", err.Error()
	case a.Payer != sim.PayerNone && a.Payer != sim.PayerBuyer && a.Payer != sim.PayerSeller:
		return "action.shipping_payer", err.Error()
	case (a.Kind == sim.ActEscalate || a.Kind == sim.ActReject) && a.Reason == "":
		return "action.reason", err.Error()
	}
	return "action.amount", err.Error()
}

// transcriptOut is a line as WriteTranscripts writes it, fields in the
// order of docs/transcripts.md.
type transcriptOut struct {
	Conversation string     `json:"conversation"`
	Time         string     `json:"time"`
	Sender       sim.Sender `json:"sender"`
	Kind         string     `json:"kind"`
	Agent        string     `json:"agent,omitempty"`
	Text         string     `json:"text,omitempty"`
	Auto         bool       `json:"auto,omitempty"`
	Action       *actionOut `json:"action,omitempty"`
	Rating       int        `json:"rating,omitempty"`
	Case         string     `json:"case,omitempty"`
	Persona      string     `json:"persona,omitempty"`
	Presales     bool       `json:"presales,omitempty"`
	Order        *orderOut  `json:"order,omitempty"`
}

type actionOut struct {
	Kind   sim.ActionKind `json:"kind"`
	Amount string         `json:"amount,omitempty"`
	Payer  sim.Payer      `json:"shipping_payer,omitempty"`
	Reason string         `json:"reason,omitempty"`
}

type orderOut struct {
	ID             string `json:"id,omitempty"`
	Product        string `json:"product,omitempty"`
	Price          string `json:"price,omitempty"`
	Paid           string `json:"paid,omitempty"`
	Shipped        string `json:"shipped,omitempty"`
	Received       string `json:"received,omitempty"`
	Logistics      string `json:"logistics,omitempty"`
	EarlierRefunds int    `json:"earlier_refunds,omitempty"`
	CurrentPrice   string `json:"current_price,omitempty"`
	Tracking       string `json:"tracking,omitempty"`
}

// formatTime writes t in RFC 3339 with its own offset. An offset with
// seconds (local mean time before 1900) cannot be written, so such a time
// is written in UTC: the instant is kept, the offset is not.
func formatTime(t time.Time) (string, error) {
	if t.IsZero() {
		return "", nil
	}
	if _, off := t.Zone(); off%60 != 0 {
		t = t.UTC()
	}
	if y := t.Year(); y < 0 || y > 9999 {
		return "", fmt.Errorf("time %v: the year is outside 0000–9999", t)
	}
	return t.Format(time.RFC3339Nano), nil
}

// WriteTranscripts writes convs as a JSON-lines transcript
// (docs/transcripts.md): each conversation's events in their order, one a
// line, the conversation's case, persona, presales flag and order on its
// first line. What ReadTranscripts returns, WriteTranscripts writes back
// so that ReadTranscripts reads the same again. A conversation without an
// id or events, or an event the format cannot hold, is an error and
// nothing after it is written.
func WriteTranscripts(w io.Writer, convs []*sim.Conversation) error {
	bw := bufio.NewWriter(w)
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	for ci, c := range convs {
		if c.ID == "" {
			return fmt.Errorf("write transcripts: conversation %d has no id", ci)
		}
		if len(c.Events) == 0 {
			return fmt.Errorf("write transcripts: conversation %q has no events", c.ID)
		}
		for i, e := range c.Events {
			fail := func(format string, args ...any) error {
				return fmt.Errorf("write transcripts: conversation %q, event %d: %s", c.ID, i, fmt.Sprintf(format, args...))
			}
			if field, msg := eventProblem(e); msg != "" {
				return fail("%s: %s", field, msg)
			}
			if e.At.IsZero() {
				return fail("time: is required")
			}
			ts, err := formatTime(e.At)
			if err != nil {
				return fail("%v", err)
			}
			out := transcriptOut{Conversation: c.ID, Time: ts, Sender: e.Sender, Kind: string(e.Kind),
				Agent: e.Agent, Text: e.Text, Auto: e.Auto, Rating: e.Rating}
			if a := e.Action; a != nil {
				out.Action = &actionOut{Kind: a.Kind, Payer: a.Payer, Reason: a.Reason}
				if a.Amount != 0 {
					out.Action.Amount = a.Amount.String()
				}
			}
			if i == 0 {
				out.Case, out.Persona, out.Presales = c.Case, c.Persona, c.Presales
				if o, err := orderOf(c.Order); err != nil {
					return fail("order: %v", err)
				} else if o != (orderOut{}) {
					out.Order = &o
				}
			}
			line.Reset()
			if err := enc.Encode(out); err != nil {
				return fail("%v", err)
			}
			if line.Len()-1 > MaxTranscriptLine {
				return fail("the line has %d bytes; a transcript line has at most %d", line.Len()-1, MaxTranscriptLine)
			}
			if _, err := bw.Write(line.Bytes()); err != nil {
				return fmt.Errorf("write transcripts: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write transcripts: %w", err)
	}
	return nil
}

func orderOf(o sim.Order) (orderOut, error) {
	out := orderOut{ID: o.ID, Product: o.Product, Logistics: o.Logistics, EarlierRefunds: o.EarlierRefunds, Tracking: o.Tracking}
	if o.Price != 0 {
		out.Price = o.Price.String()
	}
	if o.CurrentPrice != 0 {
		out.CurrentPrice = o.CurrentPrice.String()
	}
	var err error
	for _, t := range []struct {
		dst *string
		v   time.Time
	}{{&out.Paid, o.Paid}, {&out.Shipped, o.Shipped}, {&out.Received, o.Received}} {
		if *t.dst, err = formatTime(t.v); err != nil {
			return out, err
		}
	}
	return out, nil
}

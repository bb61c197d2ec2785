package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Events are stored in batches: each commit of the writer puts the events
// it takes, of one run, into one row of event_batches, encoded as below.
// One INSERT of a row per batch instead of one per event took the writer's
// CPU per event from about 11 µs to under 1 µs under a load drill (5,000
// conversations written at once: each event's row had gone through
// SQLite's record building and the key index's random inserts;
// docs/performance.md). Every read of events reads whole runs, or the
// batches of one run, and groups them by conversation in memory.
//
// A batch's data is eventCodecVersion, then its events back to back, each:
//
//	flags   byte: 1 the time is set, 2 an action follows, 4 auto
//	conv    string
//	seq     uvarint
//	at      varint Unix nanoseconds (only with flag 1)
//	sender, kind, agent, text  string
//	action  kind string, amount varint fen, payer string, reason string (only with flag 2)
//	rating  varint
//
// where a string is its length as a uvarint and its bytes.
const eventCodecVersion = 1

const (
	flagAt     = 1
	flagAction = 2
	flagAuto   = 4
	flagsAll   = flagAt | flagAction | flagAuto
)

// maxEventString bounds every string of an encoded event: a frame is at
// most 64 KiB, so a longer length is damage, not text.
const maxEventString = 1 << 20

// eventBatch encodes the events of one run's batch.
type eventBatch struct {
	data   []byte
	n      int
	lastAt int64 // the latest time among the events (valid when hasAt)
	hasAt  bool
}

func (b *eventBatch) reset() {
	b.data = append(b.data[:0], eventCodecVersion)
	b.n, b.lastAt, b.hasAt = 0, 0, false
}

// add appends one event.
func (b *eventBatch) add(conv string, seq int, e *sim.Event) {
	if len(b.data) == 0 {
		b.data = append(b.data, eventCodecVersion)
	}
	var flags byte
	if !e.At.IsZero() {
		flags |= flagAt
	}
	if e.Action != nil {
		flags |= flagAction
	}
	if e.Auto {
		flags |= flagAuto
	}
	d := append(b.data, flags)
	d = appendString(d, conv)
	d = binary.AppendUvarint(d, uint64(seq))
	if flags&flagAt != 0 {
		at := e.At.UnixNano()
		d = binary.AppendVarint(d, at)
		if !b.hasAt || at > b.lastAt {
			b.lastAt, b.hasAt = at, true
		}
	}
	d = appendString(d, string(e.Sender))
	d = appendString(d, string(e.Kind))
	d = appendString(d, e.Agent)
	d = appendString(d, e.Text)
	if a := e.Action; a != nil {
		d = appendString(d, string(a.Kind))
		d = binary.AppendVarint(d, int64(a.Amount))
		d = appendString(d, string(a.Payer))
		d = appendString(d, a.Reason)
	}
	d = binary.AppendVarint(d, int64(e.Rating))
	b.data = d
	b.n++
}

// insertArgs are the arguments of insertBatch that store the batch as a
// row of run's; last_at is NULL when none of its events has a time.
func (b *eventBatch) insertArgs(run int64) []any {
	var last any
	if b.hasAt {
		last = b.lastAt
	}
	return []any{run, b.n, last, b.data}
}

func appendString(d []byte, s string) []byte {
	d = binary.AppendUvarint(d, uint64(len(s)))
	return append(d, s...)
}

// errBadBatch is the error of a batch whose data cannot be decoded.
var errBadBatch = errors.New("damaged event batch")

// eventReader decodes a batch's data.
type eventReader struct {
	d   []byte
	err error
}

// decodeEvents calls fn for every event of a batch's data, in order, with
// the conversation ID's bytes (valid during the call only). When keep is
// not nil it is asked first, with the conversation ID, and an event it
// does not keep is skipped over without decoding the rest.
func decodeEvents(data []byte, keep func(conv []byte) bool, fn func(conv []byte, seq int, e sim.Event)) error {
	if len(data) == 0 || data[0] != eventCodecVersion {
		if len(data) == 0 {
			return fmt.Errorf("%w: empty", errBadBatch)
		}
		return fmt.Errorf("%w: codec version %d, want %d", errBadBatch, data[0], eventCodecVersion)
	}
	r := eventReader{d: data[1:]}
	for n := 0; len(r.d) > 0; n++ {
		flags := r.d[0]
		r.d = r.d[1:]
		if flags&^flagsAll != 0 {
			return fmt.Errorf("%w: event %d: unknown flags %#x", errBadBatch, n, flags)
		}
		conv := r.bytes()
		if r.err == nil && keep != nil && !keep(conv) {
			r.skip(flags)
			if r.err != nil {
				return fmt.Errorf("%w: event %d: %v", errBadBatch, n, r.err)
			}
			continue
		}
		seq := r.uvarint()
		var e sim.Event
		if flags&flagAt != 0 {
			e.At = time.Unix(0, r.varint()).UTC()
		}
		e.Sender = sim.Sender(r.str())
		e.Kind = sim.EventKind(r.str())
		e.Agent = r.str()
		e.Text = r.str()
		if flags&flagAction != 0 {
			a := &sim.Action{Kind: sim.ActionKind(r.str())}
			a.Amount = sim.Money(r.varint())
			a.Payer = sim.Payer(r.str())
			a.Reason = r.str()
			e.Action = a
		}
		rating := r.varint()
		e.Auto = flags&flagAuto != 0
		if r.err == nil && (seq > math.MaxInt32 || rating < math.MinInt32 || rating > math.MaxInt32) {
			r.err = errors.New("number out of range")
		}
		if r.err != nil {
			return fmt.Errorf("%w: event %d: %v", errBadBatch, n, r.err)
		}
		e.Rating = int(rating)
		fn(conv, int(seq), e)
	}
	return nil
}

// skip passes over the rest of an event whose conversation was read.
func (r *eventReader) skip(flags byte) {
	r.uvarint()
	if flags&flagAt != 0 {
		r.varint()
	}
	for range 4 {
		r.skipStr()
	}
	if flags&flagAction != 0 {
		r.skipStr()
		r.varint()
		r.skipStr()
		r.skipStr()
	}
	r.varint()
}

func (r *eventReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.d)
	if n <= 0 {
		r.err = errors.New("bad or truncated number")
		return 0
	}
	r.d = r.d[n:]
	return v
}

func (r *eventReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.d)
	if n <= 0 {
		r.err = errors.New("bad or truncated number")
		return 0
	}
	r.d = r.d[n:]
	return v
}

// bytes returns the next string's bytes, still in the batch's data.
func (r *eventReader) bytes() []byte {
	l := r.uvarint()
	if r.err != nil {
		return nil
	}
	if l > maxEventString || l > uint64(len(r.d)) {
		r.err = errors.New("truncated string")
		return nil
	}
	b := r.d[:l]
	r.d = r.d[l:]
	return b
}

func (r *eventReader) str() string { return string(r.bytes()) }

func (r *eventReader) skipStr() { r.bytes() }

// EventRow is an event as the file keeps it: the conversation it belongs
// to, its number there (seq) and the event.
type EventRow struct {
	Conv  string
	Seq   int
	Event sim.Event
}

// DecodeEvents decodes the data of a row of event_batches, for a program
// that reads the file itself (the store's own reads group them by
// conversation: Conversations).
func DecodeEvents(data []byte) ([]EventRow, error) {
	var out []EventRow
	err := decodeEvents(data, nil, func(conv []byte, seq int, e sim.Event) {
		out = append(out, EventRow{Conv: string(conv), Seq: seq, Event: e})
	})
	return out, err
}

// EncodeEvents encodes rows as the data of a row of event_batches; its
// events column is len(rows). DecodeEvents gives them back.
func EncodeEvents(rows []EventRow) []byte {
	var b eventBatch
	b.reset()
	for i := range rows {
		b.add(rows[i].Conv, rows[i].Seq, &rows[i].Event)
	}
	return b.data
}

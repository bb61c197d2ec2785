package protocol

import (
	"strconv"
	"time"
)

// The pauses before a frame refused with CodeUnavailable is sent again:
// the first, doubling up to the last; an ack starts again from the first.
const (
	RetryFirst = 250 * time.Millisecond
	RetryMax   = 5 * time.Second
)

// Outbox keeps a client's frames until the hub answers them, so that a
// frame refused with CodeUnavailable (the hub cannot record right now) can
// be sent again unchanged, as docs/protocol.md advises. Stamp gives each
// frame an id before it is sent; Settle takes the hub's answers. The zero
// value is ready; it is not safe for concurrent use (callers hold the lock
// that serialises their writes).
type Outbox struct {
	next int
	// pending holds the frames not yet answered, oldest first: a few at
	// most, as the hub answers within milliseconds, so a slice costs a
	// waiting customer less than a map would.
	pending []*Frame
	pause   time.Duration
}

// Stamp gives f the next id ("o1", "o2", …) and keeps it until the hub
// answers it. Pings are answered with a pong and are not kept.
func (o *Outbox) Stamp(f Frame) Frame {
	if f.Type == TypePing {
		return f
	}
	o.next++
	f.ID = "o" + strconv.Itoa(o.next)
	kept := f
	o.pending = append(o.pending, &kept)
	return f
}

// take removes the pending frame with id and returns it.
func (o *Outbox) take(id string) (*Frame, bool) {
	for i, f := range o.pending {
		if f.ID == id {
			o.pending = append(o.pending[:i], o.pending[i+1:]...)
			if len(o.pending) == 0 {
				o.pending = nil // let the array go
			}
			return f, true
		}
	}
	return nil, false
}

// Settle takes a frame from the hub. An ack (or, for a start, started)
// forgets the frame it answers; so does an error. For an error with
// CodeUnavailable it returns the refused frame, to be sent again after
// the pause it returns (RetryFirst, doubling up to RetryMax while the
// hub keeps refusing).
func (o *Outbox) Settle(f Frame) (again Frame, after time.Duration, ok bool) {
	if f.Ref == "" {
		return Frame{}, 0, false
	}
	switch f.Type {
	case TypeAck, TypeStarted:
		o.take(f.Ref)
		o.pause = 0
	case TypeError:
		sent, found := o.take(f.Ref)
		if found && f.Code == CodeUnavailable {
			o.pause = min(max(2*o.pause, RetryFirst), RetryMax)
			again := *sent
			again.ID = ""
			return again, o.pause, true
		}
	}
	return Frame{}, 0, false
}

// Pending is the number of frames sent and not yet answered.
func (o *Outbox) Pending() int { return len(o.pending) }

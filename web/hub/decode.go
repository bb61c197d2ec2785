package hub

import (
	"strings"
	"unicode/utf8"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// decode reads a client's frame: the hand-written fast path for the frame
// the hub reads most, a message, else protocol.Decode.
func decode(data []byte, from protocol.Role) (protocol.Frame, error) {
	if f, ok := decodeMessage(data, from); ok {
		return f, nil
	}
	return protocol.Decode(data, from)
}

// decodeMessage reads a well-formed message frame without reflection:
// {"v":1,"type":"message","text":"..."} with an optional id and (an
// agent's: required) conversation, in any order, with JSON whitespace. It
// gives up (ok false) on anything else, and on anything protocol.Decode
// would refuse or read differently: another key (encoding/json matches
// keys without regard to case), a key given twice, a string with an escape
// or a control character or invalid UTF-8, a v that is not exactly 1, a
// blank text, too long a text, a conversation missing from an agent's
// message. protocol.Decode then has the last word, errors included, so
// the fast path never changes what the hub answers. TestDecodeMessage and
// FuzzDecodeMessage hold it to protocol.Decode. Reflection cost 5 µs per
// relayed message (docs/performance.md).
func decodeMessage(data []byte, from protocol.Role) (f protocol.Frame, ok bool) {
	p := scanner{b: data}
	p.space()
	if !p.byte('{') {
		return f, false
	}
	var seen uint8
	const (
		seenV = 1 << iota
		seenType
		seenID
		seenConv
		seenText
	)
	for first := true; ; first = false {
		p.space()
		if p.byte('}') {
			if first {
				return f, false
			}
			break
		}
		if !first && (!p.byte(',') || !p.spaced()) {
			return f, false
		}
		key, ok := p.raw()
		if !ok {
			return f, false
		}
		p.space()
		if !p.byte(':') {
			return f, false
		}
		p.space()
		var bit uint8
		switch string(key) { // compared without a copy
		case "v":
			bit = seenV
			if !p.byte('1') || p.digitNext() {
				return f, false
			}
			f.V = 1
		case "type":
			bit = seenType
			v, ok := p.raw()
			if !ok || string(v) != protocol.TypeMessage {
				return f, false
			}
			f.Type = protocol.TypeMessage
		case "id":
			bit = seenID
			if f.ID, ok = p.str(); !ok {
				return f, false
			}
		case "conversation":
			bit = seenConv
			if f.Conversation, ok = p.str(); !ok {
				return f, false
			}
		case "text":
			bit = seenText
			if f.Text, ok = p.str(); !ok {
				return f, false
			}
		default:
			return f, false
		}
		if seen&bit != 0 {
			return f, false
		}
		seen |= bit
	}
	p.space()
	if p.i != len(p.b) || seen&(seenV|seenType|seenText) != seenV|seenType|seenText {
		return f, false
	}
	if from == protocol.FromAgent && f.Conversation == "" {
		return f, false
	}
	if strings.TrimSpace(f.Text) == "" || utf8.RuneCountInString(f.Text) > protocol.MaxText {
		return f, false
	}
	return f, true
}

// scanner reads JSON tokens from b at i.
type scanner struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (p *scanner) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// spaced skips whitespace and reports true: for use in conditions.
func (p *scanner) spaced() bool {
	p.space()
	return true
}

// byte consumes c if it is next.
func (p *scanner) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// digitNext reports whether a digit, a dot or an exponent follows (a
// number that goes on: 10, 1.0, 1e0).
func (p *scanner) digitNext() bool {
	if p.i >= len(p.b) {
		return false
	}
	c := p.b[p.i]
	return c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E'
}

// str reads a string as raw does, and copies it.
func (p *scanner) str() (string, bool) {
	b, ok := p.raw()
	return string(b), ok
}

// raw reads a string without escapes or control characters, of valid
// UTF-8, and returns its bytes in b; ok is false for anything else.
func (p *scanner) raw() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for p.i < len(p.b) {
		c := p.b[p.i]
		switch {
		case c == '"':
			s := p.b[start:p.i]
			p.i++
			if !utf8.Valid(s) {
				return nil, false
			}
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
		p.i++
	}
	return nil, false
}

package hub

import (
	"sync"
	"time"
	"unicode/utf8"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// relayFrame returns the frame appendRelay writes, in a buffer of its own
// (it waits on a send queue), from relayBufs: write gives it back once it
// is written.
func relayFrame(typ string, at time.Time, conv, text, agent string) outbound {
	p, _ := relayBufs.Get().(*[]byte)
	if p == nil {
		p = new([]byte)
	}
	// Room for the fields' names, the clock and a few escapes.
	if need := 112 + len(conv) + len(text) + len(agent); cap(*p) < need {
		*p = make([]byte, 0, need)
	}
	return outbound{data: appendRelay((*p)[:0], typ, at, conv, text, agent), buf: p}
}

// relayBufs holds the buffers of relayed frames already written (as
// *[]byte: a slice put into a Pool is an allocation of its own). A buffer
// per relayed frame had been a tenth of the bytes the hub allocated.
var relayBufs sync.Pool

// keepRelayBuf bounds the buffers relayBufs keeps.
const keepRelayBuf = 4 << 10

// release gives m's buffer back to relayBufs, once m is written.
func (m *outbound) release() {
	if m.buf == nil {
		return
	}
	if cap(m.data) <= keepRelayBuf {
		*m.buf = m.data[:0]
		relayBufs.Put(m.buf)
	}
	m.buf = nil
}

// appendRelay appends the frame that relays a text: a customer's message
// or evidence to the agent (agent empty), or an agent's message to the
// customer. It writes exactly what protocol.Encode writes for
//
//	protocol.Frame{Type: typ, At: &at, Conversation: conv, Text: text, Agent: agent}
//
// (fields in Frame's order, strings escaped as encoding/json escapes
// them) without reflection: this is the frame the hub writes most, once
// per relayed message. TestAppendRelay holds it to protocol.Encode.
func appendRelay(b []byte, typ string, at time.Time, conv, text, agent string) []byte {
	b = append(b, `{"v":`...)
	b = appendInt(b, protocol.Version)
	b = append(b, `,"type":`...)
	b = appendString(b, typ)
	if y := at.Year(); y >= 0 && y <= 9999 {
		b = append(b, `,"at":"`...)
		b = at.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if conv != "" {
		b = append(b, `,"conversation":`...)
		b = appendString(b, conv)
	}
	if text != "" {
		b = append(b, `,"text":`...)
		b = appendString(b, text)
	}
	if agent != "" {
		b = append(b, `,"agent":`...)
		b = appendString(b, agent)
	}
	return append(b, '}')
}

func appendInt(b []byte, v int) []byte {
	if v < 10 && v >= 0 {
		return append(b, byte('0'+v))
	}
	var d [20]byte
	i := len(d)
	neg := v < 0
	u := uint64(v)
	if neg {
		u = uint64(-v)
	}
	for u >= 10 {
		i--
		d[i] = byte('0' + u%10)
		u /= 10
	}
	i--
	d[i] = byte('0' + u)
	if neg {
		i--
		d[i] = '-'
	}
	return append(b, d[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string the way encoding/json's Marshal
// does: <, > and & escaped for HTML, control characters as \b \f \n \r
// \t or \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

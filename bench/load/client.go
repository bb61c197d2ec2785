package load

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// filler is the text of every paced customer message, before its marker:
// a typical first message, 20 characters, 60 bytes of UTF-8.
const filler = "您好，我的订单还没发货，麻烦帮我查一下物流"

// The roles of a peer, indexing Runner.roles.
const (
	roleCustomer = 0
	roleAgent    = 1
)

// peer is one connection of the generator: a customer or an echo agent.
// Its reader goroutine (owned by Runner.wg) reads every frame; agents
// answer from it, customers are written to by the pacing workers.
type peer struct {
	r  *Runner
	ws *websocket.Conn
	// mu serialises writes: gorilla allows one writer at a time.
	mu sync.Mutex
	// assigned is set when the hub assigns the customer to an agent.
	assigned atomic.Bool
}

func (p *peer) write(b []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return p.ws.WriteMessage(websocket.TextMessage, b)
}

// inFrame is the part of a hub frame the generator reads.
type inFrame struct {
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	Text         string `json:"text"`
	Code         string `json:"code"`
}

// dial opens a connection to the endpoint path and reads its welcome.
func (r *Runner) dial(ctx context.Context, role int, path string, query url.Values) (*peer, error) {
	u := strings.TrimRight(r.cfg.URL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	ws, _, err := r.dialer.DialContext(ctx, u, r.header[role])
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", path, err)
	}
	ws.SetReadLimit(protocol.MaxFrame)
	r.mu.Lock()
	r.conns = append(r.conns, ws)
	r.mu.Unlock()
	p := &peer{r: r, ws: ws}
	var f inFrame
	if dl, ok := ctx.Deadline(); ok {
		ws.SetReadDeadline(dl)
	}
	if err := ws.ReadJSON(&f); err != nil || f.Type != protocol.TypeWelcome {
		return nil, fmt.Errorf("connect %s: no welcome (%q): %v", path, f.Type, err)
	}
	ws.SetReadDeadline(time.Time{})
	r.roles[role].Add(1)
	return p, nil
}

func (r *Runner) dialAgent(ctx context.Context, i int) (*peer, error) {
	p, err := r.dial(ctx, roleAgent, "/ws/agent", url.Values{"seat": {fmt.Sprintf("%s%05d", r.cfg.Seat, r.cfg.Shard.Global(uint64(i))+1)}})
	if err != nil {
		return nil, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		p.agentLoop()
	}()
	return p, nil
}

func (r *Runner) dialCustomer(ctx context.Context, i int) (*peer, error) {
	p, err := r.dial(ctx, roleCustomer, "/ws/customer", nil)
	if err != nil {
		return nil, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		p.customerLoop()
	}()
	start, err := protocol.Encode(protocol.Frame{Type: protocol.TypeStart, Customer: &protocol.Customer{Name: fmt.Sprintf("load customer %d", r.cfg.Shard.Global(uint64(i))+1)}, Text: filler})
	if err == nil {
		err = p.write(start)
	}
	if err != nil {
		return nil, fmt.Errorf("start conversation: %w", err)
	}
	return p, nil
}

// dialIdleCustomer opens a customer connection and only reads (answering
// pings) until it is closed.
func (r *Runner) dialIdleCustomer(ctx context.Context, _ int) (*peer, error) {
	p, err := r.dial(ctx, roleCustomer, "/ws/customer", nil)
	if err != nil {
		return nil, err
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		p.customerLoop()
	}()
	return p, nil
}

// appendMessage appends the customer message of tick t: the filler and a
// marker " #N@DUE@SENT" (DUE in nanoseconds since the Runner's epoch,
// SENT the wall clock in Unix nanoseconds), from which the echo is timed.
func appendMessage(b []byte, t tick, sent time.Time) []byte {
	b = append(b, `{"v":1,"type":"message","text":"`+filler+` #`...)
	b = strconv.AppendUint(b, t.n, 10)
	b = append(b, '@')
	b = strconv.AppendInt(b, int64(t.due), 10)
	b = append(b, '@')
	b = strconv.AppendInt(b, sent.UnixNano(), 10)
	return append(b, `"}`...)
}

// marker is what a paced message's text carries: when it was due (since
// the sending Runner's epoch), when it was sent (Unix ns, wall clock),
// and, once an echo agent has had it, when the agent received it (Unix
// ns, its wall clock; 0 before): the receive-side timestamp that splits
// the round trip into the way out and the way back.
type marker struct {
	due        time.Duration
	sent, recv int64
}

// parseMarker reads the marker at the end of a message's text.
func parseMarker(text string) (marker, bool) {
	i := strings.LastIndex(text, " #")
	if i < 0 {
		return marker{}, false
	}
	parts := strings.Split(text[i+2:], "@")
	if len(parts) < 3 || len(parts) > 4 {
		return marker{}, false
	}
	var v [4]int64
	for j, p := range parts[1:] {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return marker{}, false
		}
		v[j] = n
	}
	return marker{due: time.Duration(v[0]), sent: v[1], recv: v[2]}, true
}

// readFrames hands every frame the hub sends to handle until the
// connection ends or handle returns false; frames that are not JSON are
// skipped.
func (p *peer) readFrames(handle func(inFrame) bool) {
	for {
		_, data, err := p.ws.ReadMessage()
		if err != nil {
			return
		}
		var f inFrame
		if json.Unmarshal(data, &f) == nil && !handle(f) {
			return
		}
	}
}

// customerLoop reads a customer's frames: the assignment, and the echoes,
// which it times from their intended send time.
func (p *peer) customerLoop() {
	r := p.r
	p.readFrames(func(f inFrame) bool {
		switch f.Type {
		case protocol.TypeAssigned:
			if !p.assigned.Swap(true) {
				r.assigned.Add(1)
				select {
				case r.changed <- struct{}{}:
				default:
				}
			}
		case protocol.TypeMessage:
			if m, ok := parseMarker(f.Text); ok {
				now := time.Since(r.epoch)
				rtt := now - m.due
				r.rtt.record(rtt)
				if m.recv > 0 {
					wall := time.Now().UnixNano()
					r.outbound.record(time.Duration(m.recv - m.sent))
					r.back.record(time.Duration(wall - m.recv))
				}
				r.received.Add(1)
				r.lastReply.Store(int64(now))
				if r.cfg.Trace != nil {
					r.cfg.Trace(rtt)
				}
			}
		case protocol.TypeError:
			r.hubErrs.Add(1)
			r.log.Debug("hub refused a customer frame", "code", f.Code, "text", f.Text)
		}
		return true
	})
}

// echo is an agent's answer.
type echo struct {
	V            int    `json:"v"`
	Type         string `json:"type"`
	Conversation string `json:"conversation"`
	Text         string `json:"text"`
}

// agentLoop reads an agent's frames and answers every customer message
// with the same text, at once.
func (p *peer) agentLoop() {
	r := p.r
	p.readFrames(func(f inFrame) bool {
		switch f.Type {
		case protocol.TypeMessage:
			r.delivered.Add(1)
			text := f.Text
			if m, ok := parseMarker(text); ok && m.recv == 0 {
				// The receive-side timestamp, taken as the frame is read.
				text += "@" + strconv.FormatInt(time.Now().UnixNano(), 10)
			}
			b, err := json.Marshal(echo{V: protocol.Version, Type: protocol.TypeMessage, Conversation: f.Conversation, Text: text})
			if err != nil {
				return true
			}
			if err := p.write(b); err != nil {
				return false
			}
			r.echoed.Add(1)
		case protocol.TypeError:
			r.hubErrs.Add(1)
			r.log.Debug("hub refused an agent frame", "code", f.Code, "text", f.Text)
		}
		return true
	})
}

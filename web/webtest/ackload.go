// Package webtest drives a live hub the way the durability tests need:
// customers that send numbered messages at a steady pace and note when
// each one was acknowledged, so a test can compare what the hub promised
// with what reached the disk. Tests of web and of cmd/deskdrill (which
// runs serve in a child process) share it.
package webtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// AckLoad is a load of customers, each with one conversation, sending a
// message every Every. Message ids are "kCCC-NNNNNN" (customer, number)
// and each message's text starts with its id, so a test can look for the
// id in the records. A message refused with code unavailable is sent
// again, unchanged, after a pause that starts at Retry and doubles up to
// a second until an ack arrives (the protocol's advice); meanwhile the
// customer writes nothing new.
//
// Set the fields, then call Run; the other methods are safe to call while
// it runs.
type AckLoad struct {
	// URL is the hub's customer endpoint, ws://HOST/ws/customer.
	URL   string
	Token string
	// Customers is the number of connections; Every the pause between
	// two messages of one customer; Pad the bytes of filler after the
	// id in each message.
	Customers int
	Every     time.Duration
	Pad       int
	// Retry is the first pause before a refused frame is sent again
	// (default 50 ms).
	Retry time.Duration

	mu      sync.Mutex
	acks    map[string]time.Time // message id → when its ack arrived
	sent    int
	refused int
	// firstRefused and lastAck are when the first refusal and the last
	// ack arrived.
	firstRefused, lastAck time.Time
	// dropped lists the connections that ended before Run's ctx did.
	dropped []string
	started int
}

// Stats are an AckLoad's counts so far.
type Stats struct {
	// Started is the customers whose conversation started.
	Started int
	// Sent counts messages sent, resends included; Acked the distinct
	// messages acknowledged; Refused the unavailable errors.
	Sent, Acked, Refused  int
	FirstRefused, LastAck time.Time
	// Dropped describes each connection the hub ended while Run went on
	// (close code and reason).
	Dropped []string
}

// Stats returns the counts so far.
func (l *AckLoad) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return Stats{Started: l.started, Sent: l.sent, Acked: len(l.acks), Refused: l.refused,
		FirstRefused: l.firstRefused, LastAck: l.lastAck, Dropped: append([]string(nil), l.dropped...)}
}

// Acks returns every acknowledged message id with the time its ack
// arrived.
func (l *AckLoad) Acks() map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]time.Time, len(l.acks))
	for k, v := range l.acks {
		out[k] = v
	}
	return out
}

// AckedSince returns how many distinct messages were acknowledged after t.
func (l *AckLoad) AckedSince(t time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.acks {
		if at.After(t) {
			n++
		}
	}
	return n
}

// ID returns the message id in a recorded message text (its first word).
func ID(text string) string {
	id, _, _ := strings.Cut(text, " ")
	return id
}

// Run connects the customers and sends until ctx is done, then closes the
// connections. It returns an error if a customer cannot connect.
func (l *AckLoad) Run(ctx context.Context) error {
	if l.Retry == 0 {
		l.Retry = 50 * time.Millisecond
	}
	l.mu.Lock()
	l.acks = map[string]time.Time{}
	l.mu.Unlock()
	dialer := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	header := http.Header{"Authorization": {"Bearer " + l.Token}}
	var conns []*websocket.Conn
	for range l.Customers {
		ws, _, err := dialer.DialContext(ctx, l.URL, header)
		if err != nil {
			for _, c := range conns {
				c.Close()
			}
			return fmt.Errorf("dial %s: %w", l.URL, err)
		}
		conns = append(conns, ws)
	}
	var wg sync.WaitGroup
	for i, ws := range conns {
		wg.Go(func() { l.customer(ctx, i, ws) })
	}
	wg.Wait()
	return nil
}

// customer runs one connection: a reader goroutine notes acks and
// refusals, this goroutine writes.
func (l *AckLoad) customer(ctx context.Context, k int, ws *websocket.Conn) {
	refusedIDs := make(chan string, 1024)
	acked := make(chan struct{}, 1)
	startedC := make(chan struct{})
	readDone := make(chan struct{})
	go func() { // ends when the socket closes (below, or by the hub)
		defer close(readDone)
		l.read(ctx, k, ws, refusedIDs, acked, startedC)
	}()
	defer func() {
		ws.Close()
		<-readDone
	}()
	send := func(f protocol.Frame) bool {
		f.V = protocol.Version
		b, _ := json.Marshal(f)
		ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if ws.WriteMessage(websocket.TextMessage, b) != nil {
			return false
		}
		l.mu.Lock()
		l.sent++
		l.mu.Unlock()
		return true
	}
	pad := strings.Repeat("x", l.Pad)
	message := func(id string) protocol.Frame {
		return protocol.Frame{Type: protocol.TypeMessage, ID: id, Text: id + " " + pad}
	}
	start := protocol.Frame{Type: protocol.TypeStart, ID: fmt.Sprintf("s%03d", k), Text: "start",
		Customer: &protocol.Customer{Name: fmt.Sprintf("load-%03d", k)}}
	tick := time.NewTicker(l.Every)
	defer tick.Stop()
	// Start, resending until the hub takes it.
	for started := false; !started; {
		if !send(start) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-readDone:
			return
		case <-startedC:
			started = true
		case <-refusedIDs:
			select { // a client's pause before it sends again
			case <-ctx.Done():
				return
			case <-time.After(l.Retry):
			}
		}
	}
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	var again []string // refused ids waiting for retry to fire
	backoff := time.Duration(0)
	n := 0
	for {
		select {
		case <-ctx.Done():
			ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			return
		case <-readDone:
			return
		case <-acked:
			backoff = 0
		case id := <-refusedIDs:
			if len(again) == 0 {
				backoff = min(max(2*backoff, l.Retry), time.Second)
				retry.Reset(backoff)
			}
			again = append(again, id)
		case <-retry.C:
			for _, id := range again {
				if !send(message(id)) {
					return
				}
			}
			again = again[:0]
		case <-tick.C:
			if backoff > 0 {
				continue // refused lately: nothing new until an ack
			}
			n++
			if !send(message(fmt.Sprintf("k%03d-%06d", k, n))) {
				return
			}
		}
	}
}

func (l *AckLoad) read(ctx context.Context, k int, ws *websocket.Conn, refused chan<- string, acked, started chan<- struct{}) {
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			if ctx.Err() == nil {
				l.mu.Lock()
				l.dropped = append(l.dropped, fmt.Sprintf("customer %d: %v", k, err))
				l.mu.Unlock()
			}
			return
		}
		var f protocol.Frame
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		now := time.Now()
		switch f.Type {
		case protocol.TypeStarted:
			l.mu.Lock()
			l.started++
			l.mu.Unlock()
			close(started)
		case protocol.TypeAck:
			l.mu.Lock()
			if _, dup := l.acks[f.Ref]; !dup {
				l.acks[f.Ref] = now
			}
			l.lastAck = now
			l.mu.Unlock()
			select {
			case acked <- struct{}{}:
			default:
			}
		case protocol.TypeError:
			if f.Code != protocol.CodeUnavailable {
				continue
			}
			l.mu.Lock()
			l.refused++
			if l.firstRefused.IsZero() {
				l.firstRefused = now
			}
			l.mu.Unlock()
			select {
			case refused <- f.Ref:
			default: // more refusals than the writer keeps: that id is not resent
			}
		}
	}
}

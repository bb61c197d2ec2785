package echo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/load"
)

// ClientConfig configures a paced client of an echo server.
type ClientConfig struct {
	// URL is the server's WebSocket endpoint, ws://HOST:PORT/.
	URL string
	// Conns is how many connections are opened and held.
	Conns int
	// Rate is the pace of messages over all connections, round robin:
	// 5,000 connections at 5000/s send one message a second each.
	Rate     load.Rate
	Duration time.Duration
	// Dialers is how many connections are opened at once (64).
	Dialers int
}

// ClientResult is what a client measured.
type ClientResult struct {
	Conns    int `json:"conns"`
	Failed   int `json:"failed_connections"`
	Sent     uint64
	Received uint64
	// Elapsed runs from the first send to the last reply.
	Elapsed time.Duration
}

// message is the payload: the size of bench/load's customer message, so
// that both servers move frames of the same size.
const message = `{"v":1,"type":"message","text":"您好，我的订单还没发货，麻烦帮我查一下物流 #`

// RunClient opens the connections, paces messages for Duration, waits up
// to 5 s for the last echoes and closes everything.
func RunClient(ctx context.Context, cfg ClientConfig) (ClientResult, error) {
	if cfg.Conns < 1 || cfg.Rate.Freq < 1 || cfg.Rate.Per <= 0 || cfg.Duration <= 0 {
		return ClientResult{}, fmt.Errorf("run echo client: %d connections at %v for %v: want at least one connection, a rate and a duration", cfg.Conns, cfg.Rate, cfg.Duration)
	}
	if cfg.Dialers <= 0 {
		cfg.Dialers = load.DefaultDialers
	}
	dialer := &websocket.Dialer{HandshakeTimeout: 10 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}}
	var (
		res      ClientResult
		received atomic.Uint64
		last     atomic.Int64
		readers  sync.WaitGroup
		firstErr error
		mu       sync.Mutex
	)
	start := time.Now()
	conns := make([]*conn, cfg.Conns)
	sem := make(chan struct{}, cfg.Dialers)
	var dials sync.WaitGroup
	for i := range conns {
		sem <- struct{}{}
		dials.Add(1)
		go func() {
			defer dials.Done()
			defer func() { <-sem }()
			ws, _, err := dialer.DialContext(ctx, cfg.URL, nil)
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
				return
			}
			c := &conn{ws: ws}
			conns[i] = c
			readers.Add(1)
			go func() {
				defer readers.Done()
				for {
					if _, _, err := ws.ReadMessage(); err != nil {
						return
					}
					received.Add(1)
					last.Store(int64(time.Since(start)))
				}
			}()
		}()
	}
	dials.Wait()
	open := conns[:0]
	for _, c := range conns {
		if c != nil {
			open = append(open, c)
		}
	}
	res.Conns, res.Failed = len(open), cfg.Conns-len(open)
	defer func() {
		for _, c := range open {
			c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			c.ws.Close()
		}
		readers.Wait()
	}()
	if len(open) == 0 {
		return res, fmt.Errorf("run echo client: no connection opened: %w", firstErr)
	}

	pacer := load.ConstantPacer{Rate: cfg.Rate, Duration: cfg.Duration}
	paceStart := time.Since(start)
	ticks := make(chan uint64, 64)
	var sent atomic.Uint64
	var senders sync.WaitGroup
	for range 64 {
		senders.Add(1)
		go func() {
			defer senders.Done()
			buf := make([]byte, 0, 160)
			for n := range ticks {
				c := open[n%uint64(len(open))]
				buf = strconv.AppendUint(append(buf[:0], message...), n, 10)
				buf = append(buf, `"}`...)
				if c.write(buf) == nil {
					sent.Add(1)
				}
			}
		}()
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
pace:
	for n := uint64(0); ; {
		wait, stop := pacer.Pace(time.Since(start)-paceStart, n)
		if stop {
			break
		}
		if wait > 0 {
			timer.Reset(wait)
			select {
			case <-ctx.Done():
				break pace
			case <-timer.C:
			}
			continue
		}
		select {
		case ticks <- n:
			n++
		case <-ctx.Done():
			break pace
		}
	}
	close(ticks)
	senders.Wait()
	res.Sent = sent.Load()
	drain := time.Now().Add(5 * time.Second)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for received.Load() < res.Sent && time.Now().Before(drain) && ctx.Err() == nil {
		<-poll.C
	}
	res.Received = received.Load()
	res.Elapsed = time.Duration(last.Load()) - paceStart
	if res.Received < res.Sent && ctx.Err() == nil {
		return res, fmt.Errorf("run echo client: %w: %d of %d came back", errLost, res.Received, res.Sent)
	}
	return res, nil
}

var errLost = errors.New("echoes lost")

// conn is one client connection; mu serialises its writers.
type conn struct {
	mu sync.Mutex
	ws *websocket.Conn
}

func (c *conn) write(b []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

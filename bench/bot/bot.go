// Package bot runs deskdrill's own agents: programs that connect to the
// hub's agent endpoint like any vendor integration, read what the customer
// says and the order facts, guess the case, and follow the decision table
// (evidence first where the table wants it, escalation where it must, the
// table's resolution with the right shipping payer and amount). Skill sets
// how often a bot gets the case right and how fast it works. They serve
// demos, tests and capacity drills.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
)

// Config configures a team of bots.
type Config struct {
	// URL is the hub's agent endpoint, ws://HOST/ws/agent.
	URL   string
	Token string
	// Count bots connect, each as its own seat: the token's name plus
	// "/" plus Seat and the bot's number.
	Count int
	Seat  string
	// Skill in [0, 1]: the chance a bot resolves a case by the table
	// (otherwise it picks a plausible but wrong resolution), and its
	// speed: a bot of skill s thinks (2 − s) times the drawn think time.
	Skill float64
	// ThinkMin and ThinkMax bound the pause before each step, drawn
	// uniformly.
	ThinkMin, ThinkMax time.Duration
	Seed               uint64
	Bank               *phrases.Bank
	Logger             *slog.Logger
	// KeepEscalated: the hub keeps an escalated chat with the agent that
	// escalated it (an exam sitting has no supervisor), so the bot goes on
	// after escalating: a batch defect's resolution, a safety case's next
	// step and close.
	KeepEscalated bool
}

// Stats count what a team did.
type Stats struct {
	Conversations, Closed, Escalated int64
	// Connected is how many bots are connected now (welcomed by the hub).
	Connected int64
}

// Team is a running team of bots.
type Team struct {
	cfg   Config
	log   *slog.Logger
	conv  atomic.Int64
	close atomic.Int64
	esc   atomic.Int64
	conn  atomic.Int64
}

// New checks cfg.
func New(cfg Config) (*Team, error) {
	if cfg.URL == "" || cfg.Count < 1 {
		return nil, errors.New("new bots: a hub URL and a count of at least 1 are required")
	}
	if cfg.Skill < 0 || cfg.Skill > 1 {
		return nil, fmt.Errorf("new bots: skill %v: want 0 to 1", cfg.Skill)
	}
	if cfg.ThinkMax < cfg.ThinkMin {
		return nil, fmt.Errorf("new bots: think %v..%v: the longest is shorter than the shortest", cfg.ThinkMin, cfg.ThinkMax)
	}
	if cfg.Seat == "" {
		cfg.Seat = "bot-"
	}
	if cfg.Bank == nil {
		cfg.Bank = phrases.Default()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Team{cfg: cfg, log: cfg.Logger}, nil
}

// Stats returns the counts so far.
func (t *Team) Stats() Stats {
	return Stats{Conversations: t.conv.Load(), Closed: t.close.Load(), Escalated: t.esc.Load(), Connected: t.conn.Load()}
}

// ErrRefused: the hub refuses the team's token (revoked, or never
// valid): reconnecting cannot help.
var ErrRefused = errors.New("the hub refuses the token")

// closeRevoked is the close code of a connection whose token an admin
// revoked (docs/protocol.md, Close codes).
const closeRevoked = 4401

// Run connects the bots and works until ctx ends. A bot whose connection
// drops reconnects (the hub's grace period keeps its chats); one whose
// token the hub refuses (revoked: close 4401, or HTTP 401/403 at the
// handshake) stops. Run returns ErrRefused when every bot stopped so.
func (t *Team) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	var refused atomic.Int64
	for i := range t.cfg.Count {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seat := fmt.Sprintf("%s%02d", t.cfg.Seat, i+1)
			r := rand.New(rand.NewPCG(t.cfg.Seed, uint64(i)+1))
			for backoff := 100 * time.Millisecond; ctx.Err() == nil; backoff = min(2*backoff, 5*time.Second) {
				err := t.session(ctx, seat, r)
				if ctx.Err() != nil {
					return
				}
				if errors.Is(err, ErrRefused) {
					t.log.Error("the hub refuses the bot's token: it stops", "seat", seat, "err", err)
					refused.Add(1)
					return
				}
				t.log.Warn("bot disconnected; reconnecting", "seat", seat, "err", err, "in", backoff)
				select {
				case <-ctx.Done():
				case <-time.After(backoff):
				}
			}
		}()
	}
	wg.Wait()
	if n := refused.Load(); n > 0 && n == int64(t.cfg.Count) {
		return fmt.Errorf("%d bot(s): %w", n, ErrRefused)
	}
	return nil
}

// link is one bot's connection: one reader (session), many writers
// (the chat goroutines) serialised by mu.
type link struct {
	mu sync.Mutex
	ws *websocket.Conn
	// out (under mu) keeps every frame until the hub answers it: a frame
	// refused as unavailable goes to again, and the resender sends it
	// after a pause.
	out   protocol.Outbox
	again chan resend
}

// resend is a refused frame and when it may go again.
type resend struct {
	f  protocol.Frame
	at time.Time
}

func (l *link) send(f protocol.Frame) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f = l.out.Stamp(f)
	f.V = protocol.Version
	b, err := json.Marshal(f)
	if err != nil {
		return err
	}
	l.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return l.ws.WriteMessage(websocket.TextMessage, b)
}

// settle takes the hub's answer to a frame; a refused one is queued for
// the resender (dropped if a burst of refusals overflows the queue).
func (l *link) settle(f protocol.Frame) {
	l.mu.Lock()
	again, after, ok := l.out.Settle(f)
	l.mu.Unlock()
	if ok {
		select {
		case l.again <- resend{again, time.Now().Add(after)}:
		default:
		}
	}
}

// resender sends refused frames again, in order, each once its pause
// (counted from its refusal) is over, until ctx ends.
func (l *link) resender(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case r := <-l.again:
			if wait := time.Until(r.at); wait > 0 {
				t.Reset(wait)
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
			if l.send(r.f) != nil {
				return
			}
		}
	}
}

func (t *Team) session(ctx context.Context, seat string, r *rand.Rand) error {
	u, err := url.Parse(t.cfg.URL)
	if err != nil {
		return fmt.Errorf("agent url: %w", err)
	}
	q := u.Query()
	q.Set("seat", seat)
	u.RawQuery = q.Encode()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u.String(), http.Header{"Authorization": {"Bearer " + t.cfg.Token}})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return fmt.Errorf("connect: HTTP %d: %w", resp.StatusCode, ErrRefused)
		}
		return fmt.Errorf("connect: %w", err)
	}
	l := &link{ws: ws, again: make(chan resend, 64)}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		ws.Close()
		wg.Wait()
	}()
	wg.Go(func() { l.resender(ctx) })
	go func() {
		<-ctx.Done()
		l.mu.Lock()
		ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		l.mu.Unlock()
		ws.Close()
	}()
	chats := map[string]chan protocol.Frame{}
	role := "agent"
	welcomed := false
	for {
		var f protocol.Frame
		_, data, err := ws.ReadMessage()
		if err != nil {
			if websocket.IsCloseError(err, closeRevoked) {
				return fmt.Errorf("%w: %w", ErrRefused, err)
			}
			return err
		}
		if json.Unmarshal(data, &f) != nil {
			continue
		}
		switch f.Type {
		case protocol.TypeWelcome:
			role = f.Role
			if !welcomed {
				welcomed = true
				t.conn.Add(1)
				defer t.conn.Add(-1)
			}
		case protocol.TypeAssign:
			if ch, ok := chats[f.Conversation]; ok && f.Resumed {
				ch <- f
				continue
			}
			ch := make(chan protocol.Frame, 32)
			chats[f.Conversation] = ch
			t.conv.Add(1)
			c := &chat{t: t, l: l, r: rand.New(rand.NewPCG(r.Uint64(), r.Uint64())), id: f.Conversation, supervisor: role == "supervisor", frames: ch}
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.work(ctx, f)
			}()
		case protocol.TypeMessage, protocol.TypeEvidence:
			if ch, ok := chats[f.Conversation]; ok {
				select {
				case ch <- f:
				default: // a flood of customer messages: the bot reads the latest
				}
			}
		case protocol.TypeClosed, protocol.TypeUnassign, protocol.TypeLeft:
			if ch, ok := chats[f.Conversation]; ok {
				close(ch)
				delete(chats, f.Conversation)
			}
		case protocol.TypeAck:
			l.settle(f)
		case protocol.TypeError:
			l.settle(f)
			level := slog.LevelWarn
			if f.Code == protocol.CodeUnavailable {
				level = slog.LevelDebug // the hub logs why, once: not once per bot
			}
			t.log.Log(context.Background(), level, "hub refused a bot frame", "seat", seat, "code", f.Code, "field", f.Field, "text", f.Text)
		}
	}
}

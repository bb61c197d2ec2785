package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// Sittings (docs/exams.md): a candidate sits an exam alone on the live
// run's hub, in a pool of its own; the exam's scripted customers are
// driven from here over loopback WebSockets, one goroutine each, on the
// sitting's clock.

// Errors of sittings.
var (
	// ErrNoInvitation: the token was not made for an exam.
	ErrNoInvitation = errors.New("this token has no exam invitation")
	// ErrSitting: the candidate already has a sitting going.
	ErrSitting = errors.New("a sitting is already going for this candidate")
	// ErrNoSitting: no such sitting.
	ErrNoSitting = errors.New("no such sitting")
)

// SittingConfig starts a sitting.
type SittingConfig struct {
	Exam      *trainer.Exam
	Candidate string
	Cohort    string
	// Token is the id of the candidate's token: its connections join the
	// sitting's pool.
	Token int64
	// Speed compresses the sitting's clock as the server's clock does
	// (exam try); it scales the customers' waits on the wall clock. 1 in
	// serve.
	Speed float64
	// Seed is recorded on the card: the seed of a bot candidate.
	Seed uint64
}

// sitting is one candidate's sitting: its pool on the hub, its customers
// and what they did.
type sitting struct {
	s       *Server
	lr      *liveRun
	cfg     SittingConfig
	run     int64
	pool    string
	started time.Time // the server's clock
	wall    time.Time // the wall clock at the start
	custTok string    // the in-memory token of its customers
	cancel  context.CancelFunc
	work    sync.WaitGroup // the customers
	done    chan struct{}  // closed when the card is made

	mu sync.Mutex
	// changed is closed and replaced when a conversation finishes.
	changed chan struct{}
	scripts []*trainer.Script
	itemOf  map[string]string            // conversation id → item id
	convs   map[string]*sim.Conversation // item id → the finished conversation
	open    int                          // conversations started and not finished
	card    *trainer.Card
	ended   time.Time
	// interrupted: the server stopped before the sitting ended. It is
	// not graded: a card made of the conversations so far would fail a
	// candidate for the server's stop (docs/exams.md, Sittings).
	interrupted bool
}

// SittingInfo is what the API says of a sitting.
type SittingInfo struct {
	ID        int64     `json:"id"`
	Exam      string    `json:"exam"`
	Title     string    `json:"title"`
	Candidate string    `json:"candidate"`
	Cohort    string    `json:"cohort,omitempty"`
	Started   time.Time `json:"started"`
	// Ends is when the time limit ends it, on the sitting's clock.
	Ends     time.Time `json:"ends"`
	Ended    time.Time `json:"ended,omitzero"`
	Items    int       `json:"items"`
	Arrived  int       `json:"arrived"`
	Finished int       `json:"finished"`
	Running  bool      `json:"running"`
	// Interrupted: the server stopped during the sitting; it has no card
	// and does not count in the cohort, and the candidate may sit again.
	Interrupted bool    `json:"interrupted,omitempty"`
	TimeLimit   float64 `json:"time_limit_s"`
	// Left is the time left before the time limit, in seconds of the
	// sitting's clock, when the answer was made.
	Left float64 `json:"left_s"`
}

func (st *sitting) info() SittingInfo {
	st.mu.Lock()
	defer st.mu.Unlock()
	e := st.cfg.Exam
	out := SittingInfo{ID: st.run, Exam: e.Name, Title: e.Title, Candidate: st.cfg.Candidate, Cohort: st.cfg.Cohort,
		Started: st.started, Ends: st.started.Add(e.TimeLimit), Ended: st.ended, Items: len(e.Items),
		Arrived: len(st.itemOf), Finished: len(st.convs), Running: st.card == nil && !st.interrupted,
		Interrupted: st.interrupted, TimeLimit: e.TimeLimit.Seconds()}
	if out.Running {
		out.Left = max(0, out.Ends.Sub(st.clock()).Seconds())
	}
	return out
}

// sittingRegistry is the server's sittings: by run id, and the going one
// of each candidate token; the in-memory tokens of their customers.
type sittingRegistry struct {
	mu        sync.Mutex
	byRun     map[int64]*sitting
	byToken   map[int64]*sitting
	customers map[string]*sitting
	// candidates holds the candidates (candidateKey) with a sitting
	// going or starting: a candidate invited again has a second token,
	// and the two must not sit at once (a black-box tester did).
	candidates map[string]bool
}

func newSittingRegistry() *sittingRegistry {
	return &sittingRegistry{byRun: map[int64]*sitting{}, byToken: map[int64]*sitting{}, customers: map[string]*sitting{},
		candidates: map[string]bool{}}
}

// candidateKey names a candidate of a cohort and exam, whatever its token.
func candidateKey(cfg SittingConfig) string {
	return cfg.Cohort + "\x00" + cfg.Exam.Name + "\x00" + cfg.Candidate
}

// pool returns the pool a token's connections join: the going sitting of
// a candidate's token, "" for everyone else.
func (r *sittingRegistry) pool(token int64) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.byToken[token]; st != nil {
		return st.pool
	}
	return ""
}

// customer returns the identity of a sitting's customer token.
func (r *sittingRegistry) customer(token string) (hub.Identity, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.customers[token]
	if st == nil {
		return hub.Identity{}, false
	}
	return hub.Identity{Name: st.pool + "-customers", Role: "customer", Pool: st.pool}, true
}

// interruptAll interrupts the going sittings: their customers leave at
// once and they end without a card (Stop).
func (r *sittingRegistry) interruptAll() {
	r.mu.Lock()
	var going []*sitting
	for _, st := range r.byRun {
		going = append(going, st)
	}
	r.mu.Unlock()
	for _, st := range going {
		st.mu.Lock()
		if st.card == nil {
			st.interrupted = true
		}
		st.mu.Unlock()
		st.cancel()
	}
}

func (r *sittingRegistry) get(run int64) *sitting {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byRun[run]
}

// StartSitting starts cfg's sitting on the live run's hub: a run of its
// own in the records, a pool on the hub, the customers at their offsets.
// The candidate's connections (its token) join the pool from now until
// the sitting ends.
func (s *Server) StartSitting(ctx context.Context, cfg SittingConfig) (SittingInfo, error) {
	lr := s.current()
	if lr == nil {
		return SittingInfo{}, ErrNoRun
	}
	if cfg.Exam == nil || cfg.Candidate == "" {
		return SittingInfo{}, errors.New("start sitting: an exam and a candidate are required")
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	s.mu.Lock()
	loopback := s.loopback
	s.mu.Unlock()
	if loopback == "" {
		return SittingInfo{}, errors.New("start sitting: the server does not know its own address (SetLoopback) for the customers")
	}
	reg := s.sittings
	key := candidateKey(cfg)
	reg.mu.Lock()
	if cfg.Token != 0 && reg.byToken[cfg.Token] != nil || reg.candidates[key] {
		reg.mu.Unlock()
		return SittingInfo{}, ErrSitting
	}
	// Held from here, so that two starts at once cannot both pass; let go
	// if this one fails, else when the sitting closes.
	reg.candidates[key] = true
	reg.mu.Unlock()
	started := false
	defer func() {
		if !started {
			reg.mu.Lock()
			delete(reg.candidates, key)
			reg.mu.Unlock()
		}
	}()

	e := cfg.Exam
	now := s.cfg.Now()
	conf, _ := json.Marshal(map[string]any{"exam": e.Name, "exam_version": e.Version, "candidate": cfg.Candidate,
		"cohort": cfg.Cohort, "speed": cfg.Speed, "seed": cfg.Seed})
	run, err := s.store.CreateRun(ctx, store.Run{Scenario: sittingScenario(e.Name), Seed: cfg.Seed, Speed: cfg.Speed, Started: now, Config: conf})
	if err != nil {
		return SittingInfo{}, fmt.Errorf("start sitting: %w", err)
	}
	st := &sitting{s: s, lr: lr, cfg: cfg, run: run, pool: fmt.Sprintf("sitting-%d", run), started: now, wall: time.Now(),
		custTok: "sit_" + randomToken(), done: make(chan struct{}), changed: make(chan struct{}),
		itemOf: map[string]string{}, convs: map[string]*sim.Conversation{}}
	bank := phrases.Default()
	for i := range e.Items {
		st.scripts = append(st.scripts, trainer.NewScript(e, i, bank))
	}
	if err := s.store.StartSitting(ctx, store.Sitting{Run: run, TokenID: cfg.Token, Exam: e.Name, ExamVersion: e.Version,
		Cohort: cfg.Cohort, Candidate: cfg.Candidate, Started: now}); err != nil {
		return SittingInfo{}, fmt.Errorf("start sitting: %w", err)
	}
	if err := lr.hub.AddPool(hub.Pool{ID: st.pool, Run: run, Concurrency: e.Concurrency, KeepEscalated: true,
		Personas: trainer.PersonaNames(), OnFinish: st.onFinish}); err != nil {
		return SittingInfo{}, fmt.Errorf("start sitting: %w", err)
	}
	reg.mu.Lock()
	reg.byRun[run] = st
	if cfg.Token != 0 {
		reg.byToken[cfg.Token] = st
	}
	reg.customers[st.custTok] = st
	reg.mu.Unlock()
	started = true

	// When the time is up (or the sitting is cut), the pool first stops
	// handing out customers, then the customers leave: one leaving must
	// not free the candidate for a queued one at the last instant.
	limit := time.Duration(float64(e.TimeLimit) / cfg.Speed)
	work, cancel := context.WithCancel(context.Background())
	st.cancel = func() {
		lr.hub.HoldPool(st.pool)
		cancel()
	}
	timeUp := time.AfterFunc(limit, st.cancel)
	context.AfterFunc(work, func() { timeUp.Stop() })
	for i := range e.Items {
		st.work.Add(1)
		go func() {
			defer st.work.Done()
			st.customer(work, loopback, i)
		}()
	}
	lr.work.Add(1)
	go func() {
		defer lr.work.Done()
		st.await(lr)
	}()
	s.log.Info("sitting started", "sitting", run, "exam", e.Name, "candidate", cfg.Candidate, "cohort", cfg.Cohort)
	return st.info(), nil
}

// randomToken is 24 random bytes, base64url: the in-memory token of a
// sitting's customers, never stored.
func randomToken() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// await waits for the customers (all left, or the time limit), for their
// conversations to finish, then grades the sitting and ends it.
func (st *sitting) await(lr *liveRun) {
	st.work.Wait()
	// The last customers' conversations end on the hub right after they
	// leave; wait (a while at most) for the hub to hand them over.
	limit := time.NewTimer(5 * time.Second)
	defer limit.Stop()
	for {
		st.mu.Lock()
		open, changed, interrupted := st.open, st.changed, st.interrupted
		st.mu.Unlock()
		if open <= 0 || interrupted {
			break
		}
		select {
		case <-changed:
			continue
		case <-limit.C:
		case <-st.s.closing:
		}
		break
	}
	st.finish()
}

// finish grades the sitting, ends its pool and records its card; an
// interrupted sitting is recorded as ended without one.
func (st *sitting) finish() {
	st.cancel()
	s := st.s
	st.mu.Lock()
	ended := s.cfg.Now()
	if st.interrupted {
		st.ended = ended
		st.mu.Unlock()
		if err := s.store.InterruptSitting(context.Background(), st.run, ended); err != nil {
			s.log.Error("record sitting", "sitting", st.run, "err", err)
		}
		st.close("the server stopped: the sitting is interrupted, without a card; start it again when the server is back")
		s.log.Info("sitting interrupted", "sitting", st.run, "candidate", st.cfg.Candidate)
		return
	}
	sit := trainer.Sitting{Exam: st.cfg.Exam, Candidate: st.cfg.Candidate, Cohort: st.cfg.Cohort, Run: st.run, Seed: st.cfg.Seed,
		Started: st.started, Ended: ended, Conversations: st.convs}
	st.mu.Unlock()
	card := trainer.Grade(sit)
	if err := s.saveSitting(context.Background(), st, card); err != nil {
		s.log.Error("record sitting", "sitting", st.run, "err", err)
	}
	st.mu.Lock()
	st.card, st.ended = &card, ended
	st.mu.Unlock()
	st.close("the sitting is over: see the report card")
	s.log.Info("sitting ended", "sitting", st.run, "candidate", st.cfg.Candidate, "passed", card.Passed, "score", card.Score)
}

// close ends the sitting's pool with reason and lets go of its tokens.
func (st *sitting) close(reason string) {
	if h := st.lr.hub; h != nil {
		h.RemovePool(st.pool, reason)
	}
	reg := st.s.sittings
	reg.mu.Lock()
	if reg.byToken[st.cfg.Token] == st {
		delete(reg.byToken, st.cfg.Token)
	}
	delete(reg.customers, st.custTok)
	delete(reg.candidates, candidateKey(st.cfg))
	reg.mu.Unlock()
	close(st.done)
}

// onFinish takes a finished conversation of the sitting: scored and
// recorded under the sitting's run, kept for the card.
func (st *sitting) onFinish(f hub.Finished) {
	sc := sim.ScoreConversationBy(f.Conv, sim.ScoreRules{Profile: st.cfg.Exam.Profile})
	if b, err := json.Marshal(sc); err == nil {
		agent := ""
		if len(f.Agents) > 0 {
			agent = f.Agents[0]
		}
		if err := st.s.store.SaveScore(context.Background(), st.run, f.Conv.ID, agent, b, sc.Total); err != nil {
			st.s.log.Error("record score", "sitting", st.run, "conversation", f.Conv.ID, "err", err)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if item, ok := st.itemOf[f.Conv.ID]; ok {
		st.convs[item] = f.Conv
		st.open--
		close(st.changed)
		st.changed = make(chan struct{})
	}
}

// clock is the sitting's clock: the server's.
func (st *sitting) clock() time.Time { return st.s.cfg.Now() }

// wallAt returns the wall instant of sitting-clock instant t.
func (st *sitting) wallAt(t time.Time) time.Time {
	return st.wall.Add(time.Duration(float64(t.Sub(st.started)) / st.cfg.Speed))
}

// pending is a line the customer will send at a wall instant.
type pending struct {
	at   time.Time
	line trainer.Line
}

// customer drives item i's scripted customer: it arrives at its offset,
// opens the conversation, and from then on answers the hub's frames and
// its own timers as its script says, until it leaves or the time limit
// (ctx) ends the sitting.
func (st *sitting) customer(ctx context.Context, loopback string, i int) {
	sc := st.scripts[i]
	it := sc.Item()
	arrive := time.NewTimer(time.Until(st.wall.Add(time.Duration(float64(it.Arrive) / st.cfg.Speed))))
	defer arrive.Stop()
	select {
	case <-ctx.Done():
		return // never reached: scores 0
	case <-arrive.C:
	}
	hdr := http.Header{"Authorization": {"Bearer " + st.custTok}}
	ws, _, err := websocket.DefaultDialer.DialContext(ctx, loopback+"/ws/customer", hdr)
	if err != nil {
		if ctx.Err() == nil {
			st.s.log.Error("sitting customer: connect", "sitting", st.run, "item", it.ID, "err", err)
		}
		return
	}
	defer ws.Close()
	ws.SetReadLimit(protocol.MaxFrame)
	frames := make(chan protocol.Frame, 16)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		defer close(frames)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			var f protocol.Frame
			if json.Unmarshal(data, &f) == nil {
				select {
				case frames <- f:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	defer func() {
		ws.Close()
		<-readDone
	}()
	send := func(f protocol.Frame) error {
		f.V = protocol.Version
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
		return ws.WriteMessage(websocket.TextMessage, b)
	}
	open := sc.Start(st.clock())
	order := open.Order
	if err := send(protocol.Frame{Type: protocol.TypeStart, ID: "start", Case: open.Case, Persona: open.Persona,
		Order: &order, Customer: &protocol.Customer{Name: open.Name, Phone: open.Phone, Address: open.Address, Locale: open.Locale},
		Text: open.Text}); err != nil {
		return
	}
	var queue []pending
	schedule := func(ls []trainer.Line) {
		at := time.Now()
		if n := len(queue); n > 0 {
			at = queue[n-1].at
		}
		for _, l := range ls {
			at = at.Add(time.Duration(float64(l.After) / st.cfg.Speed))
			queue = append(queue, pending{at, l})
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	// Done with lines still queued (the leave that ends its patience,
	// the "done" after the close) is not yet gone: they are said first,
	// or the hub records the socket's end, "disconnected", instead.
	for !sc.Done() || len(queue) > 0 {
		// The next thing the customer does on its own: a queued line, or
		// its script's next nudge or leaving.
		next := time.Now().Add(time.Hour)
		if len(queue) > 0 {
			next = queue[0].at
		} else if due, ok := sc.Due(); ok {
			next = st.wallAt(due)
		}
		timer.Reset(time.Until(next))
		select {
		case <-ctx.Done():
			// The time limit, or the server's stop: a customer still
			// there leaves, saying which (an interruption's leave is
			// the cut's, not the exam's time limit).
			st.mu.Lock()
			interrupted := st.interrupted
			st.mu.Unlock()
			for _, l := range sc.TimeUp() {
				if interrupted {
					l.Text = sim.LeaveInterrupted
				}
				st.sendLine(send, sc, l)
			}
			return
		case f, ok := <-frames:
			if !ok {
				return // the hub went away
			}
			now := st.clock()
			switch f.Type {
			case protocol.TypeStarted:
				st.mu.Lock()
				st.itemOf[f.Conversation] = it.ID
				st.open++
				st.mu.Unlock()
			case protocol.TypeMessage:
				schedule(sc.OnMessage(now, f.Text))
			case protocol.TypeActionOut:
				if f.Action != nil {
					schedule(sc.OnAction(now, *f.Action))
				}
			case protocol.TypeClosed:
				schedule(sc.OnClosed(now))
			}
		case <-timer.C:
			if len(queue) > 0 && !time.Now().Before(queue[0].at) {
				l := queue[0].line
				queue = queue[1:]
				if err := st.sendLine(send, sc, l); err != nil {
					return
				}
				continue
			}
			if len(queue) == 0 {
				schedule(sc.OnDue(st.clock()))
			}
		}
	}
}

// sendLine sends one of the customer's lines and tells its script.
func (st *sitting) sendLine(send func(protocol.Frame) error, sc *trainer.Script, l trainer.Line) error {
	f := protocol.Frame{Text: l.Text}
	switch l.Kind {
	case sim.EventMessage:
		f.Type = protocol.TypeMessage
	case sim.EventEvidence:
		f.Type = protocol.TypeEvidence
	case sim.EventRating:
		f.Type, f.Rating = protocol.TypeRating, l.Rating
	case sim.EventDispute:
		f.Type = protocol.TypeDispute
	case sim.EventPaid:
		f.Type = protocol.TypePaid
	case sim.EventLeave:
		f.Type = protocol.TypeLeave
	default:
		return nil
	}
	err := send(f)
	sc.Sent(st.clock(), l)
	return err
}

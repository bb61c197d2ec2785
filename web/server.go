// Package web is deskdrill's server side: it owns the live hub (web/hub),
// the records (web/store), the HTTP API, the pages (web/assets), health and
// metrics. A Server runs at most one live run at a time; an admin may stop
// it and start another. Past runs are read from the store.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/bench/swarm"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// Config configures a server.
type Config struct {
	Store  *store.Store
	Logger *slog.Logger
	// Hub settings that tests shorten; zero takes the hub's defaults.
	Grace, RatingWindow time.Duration
	// StallTimeout: a connection that has not drained its send queue, or
	// answered a ping, for this long is treated as disconnected (15 s;
	// serve --stall-timeout).
	StallTimeout time.Duration
	Concurrency  int
	// RevokeCheck is how often a live run looks in the store for tokens
	// revoked by another process (deskdrill tokens revoke) and closes their
	// connections (2 s). Revoking through the API closes them at once.
	RevokeCheck time.Duration
	Now         func() time.Time
	// Sample is the interval of the dashboard's timeline (5 s).
	Sample time.Duration
	// WindDown bounds how long a trial at its end waits for the
	// conversations under way (DefaultWindDown).
	WindDown time.Duration
}

// RunConfig is one live run: a scenario, its clock, and who works it.
type RunConfig struct {
	Scenario *sim.Scenario
	Seed     uint64
	// Speed compresses the arrival clock; 0 takes the scenario's.
	Speed float64
	// Bots run in-process as agents (and one supervisor bot per ten).
	Bots               int
	BotSkill           float64
	ThinkMin, ThinkMax time.Duration
	// Customers: "internal" runs the swarm in-process over loopback
	// WebSockets; "external" leaves it to `deskdrill customers`.
	Customers string
	// Count stops the swarm after that many customers (0: the scenario).
	Count int
	// Sources are the files Scenario was read from (scenarios.
	// LoadScenarioSources), recorded with a new run so that it is judged
	// by them later. Nil records the built-in sources of a built-in
	// scenario's name, and nothing for another.
	Sources []scenarios.Source
	// Resume, when not zero, continues that interrupted run (marked by
	// store.MarkInterrupted) instead of starting a new one: the same run
	// and tokens, conversations numbered on, and arrivals from the
	// scenario time where it stopped. Scenario, Seed and Speed must be
	// the run's.
	Resume int64
}

// DefaultRevokeCheck is how often a live run looks for tokens revoked by
// another process.
const DefaultRevokeCheck = 2 * time.Second

// ErrNoRun: no live run is going.
var ErrNoRun = errors.New("no live run")

// Server is the live runs and the API over all runs.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	rec      *recorder // the store, as the hub records into it
	registry *prometheus.Registry
	handler  http.Handler
	closing  chan struct{} // closed by Shutdown: long-lived requests end
	once     sync.Once

	mu       sync.Mutex
	cur      *liveRun
	loopback string // ws://HOST:PORT of this server, for internal customers and bots

	sittings *sittingRegistry

	// bg holds the goroutines that stop a run that ended by itself (a
	// trial at its end); ended receives their runs' ids.
	bg    sync.WaitGroup
	ended chan int64
}

// New returns a server with no run; Start begins one.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil {
		return nil, errors.New("new server: a store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sample <= 0 {
		cfg.Sample = 5 * time.Second
	}
	if cfg.RevokeCheck <= 0 {
		cfg.RevokeCheck = DefaultRevokeCheck
	}
	if cfg.WindDown <= 0 {
		cfg.WindDown = DefaultWindDown
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: cfg.Store, registry: prometheus.NewRegistry(), closing: make(chan struct{}),
		sittings: newSittingRegistry(), ended: make(chan int64, 1)}
	s.rec = &recorder{st: cfg.Store, log: cfg.Logger}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.registerStoreMetrics()
	s.handler = s.routes()
	return s, nil
}

// SetLoopback tells the server its own WebSocket base (ws://HOST:PORT),
// where internal customers and bots connect.
func (s *Server) SetLoopback(base string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.loopback = base
}

// ServeHTTP serves the pages, the API, the WebSocket endpoints, health and
// metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// current returns the live run, or nil.
func (s *Server) current() *liveRun {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Run returns the live run's record; ok is false when none is going.
func (s *Server) Run() (store.Run, bool) {
	lr := s.current()
	if lr == nil {
		return store.Run{}, false
	}
	return lr.run, true
}

// Hub returns the live run's hub, or nil.
func (s *Server) Hub() *hub.Hub {
	if lr := s.current(); lr != nil {
		return lr.hub
	}
	return nil
}

// RunInfo is a started run and the tokens made for it.
type RunInfo struct {
	Run    store.Run
	Tokens map[string]string // agent, supervisor, viewer, customer, bots
}

// liveRun is one live run: its hub, its customers and bots, what has been
// scored, and the dashboard's timeline.
type liveRun struct {
	s        *Server
	run      store.Run
	scenario *sim.Scenario
	speed    float64
	hub      *hub.Hub
	started  time.Time
	cancel   context.CancelFunc // stops the swarm, the bots and the sampler
	work     sync.WaitGroup
	tokens   map[string]string

	mu       sync.Mutex
	finished []*sim.Conversation
	scores   map[string]sim.Score // by conversation, computed once when it ended
	cache    *review.Review       // the review of finished, while its length is unchanged
	cacheN   int
	cacheAt  time.Time
	// changed is closed and replaced whenever a conversation is scored: a
	// broadcast to whoever waits (the stream, long polls, tests).
	changed  chan struct{}
	timeline []Sample
	// collectors are the hub's metrics, unregistered when the run stops
	// so the next run's hub can register the same series.
	collectors []prometheus.Collector
}

// runRegisterer registers a run's collectors and remembers them.
type runRegisterer struct {
	r   prometheus.Registerer
	run *liveRun
}

func (w *runRegisterer) Register(c prometheus.Collector) error {
	if err := w.r.Register(c); err != nil {
		return err
	}
	w.run.collectors = append(w.run.collectors, c)
	return nil
}

func (w *runRegisterer) MustRegister(cs ...prometheus.Collector) {
	for _, c := range cs {
		if err := w.Register(c); err != nil {
			panic(err)
		}
	}
}

func (w *runRegisterer) Unregister(c prometheus.Collector) bool { return w.r.Unregister(c) }

func (lr *liveRun) unregister() {
	for _, c := range lr.collectors {
		lr.s.registry.Unregister(c)
	}
}

// Start begins a live run, stopping the current one first.
func (s *Server) Start(ctx context.Context, rc RunConfig) (*RunInfo, error) {
	if rc.Scenario == nil {
		return nil, errors.New("start run: a scenario is required")
	}
	if rc.Customers == "" {
		rc.Customers = "internal"
	}
	if rc.Customers != "internal" && rc.Customers != "external" {
		return nil, fmt.Errorf("start run: customers %q: want internal or external", rc.Customers)
	}
	if rc.Speed == 0 {
		rc.Speed = rc.Scenario.Speed
	}
	if rc.ThinkMax == 0 {
		rc.ThinkMin, rc.ThinkMax = time.Second, 4*time.Second
	}
	if err := s.Stop(ctx); err != nil && !errors.Is(err, ErrNoRun) {
		return nil, err
	}
	s.mu.Lock()
	loopback := s.loopback
	s.mu.Unlock()
	if (rc.Bots > 0 || rc.Customers == "internal") && loopback == "" {
		return nil, errors.New("start run: the server does not know its own address (SetLoopback) for internal customers and bots")
	}
	now := s.cfg.Now()
	// A real-time run plays its scenario on the real calendar: day 1 is
	// today in the scenario's zone, from the time of day it is now
	// (Scenario.RealTime). A compressed run keeps the scenario's own.
	var clockStart time.Time
	var clockOffset time.Duration
	if rc.Resume == 0 && rc.Speed == 1 {
		rc.Scenario, clockOffset = rc.Scenario.RealTime(now)
		clockStart = rc.Scenario.StartTime()
	}
	lr := &liveRun{s: s, scenario: rc.Scenario, speed: rc.Speed, started: now, changed: make(chan struct{}), tokens: map[string]string{},
		scores: map[string]sim.Score{}}
	people := []struct{ role, name string }{{store.RoleAgent, "trainee"}, {store.RoleSupervisor, "supervisor"}, {store.RoleViewer, "dashboard"}}
	var (
		id        int64
		firstConv int
		resume    time.Duration
		err       error
	)
	if rc.Resume != 0 {
		if firstConv, resume, err = lr.resume(ctx, rc); err != nil {
			return nil, fmt.Errorf("start run: %w", err)
		}
		rc.Scenario = lr.scenario // on the run's calendar
		id = lr.run.ID
		// People keep the tokens printed when the run started (only
		// their hashes are stored); the internal clients get new ones of
		// the same names, so the agents keep their names.
		people = nil
	} else {
		conf, _ := json.Marshal(map[string]any{"scenario": rc.Scenario.Name, "seed": rc.Seed, "speed": rc.Speed, "bots": rc.Bots,
			"bot_skill": rc.BotSkill, "customers": rc.Customers, "count": rc.Count})
		lr.run = store.Run{Scenario: rc.Scenario.Name, Seed: rc.Seed, Speed: rc.Speed, Contract: rc.Scenario.Contract.Name, Started: lr.started, Config: conf,
			ClockStart: clockStart, ClockOffset: clockOffset}
		// The arrivals before the time of day it starts are drawn, not
		// sent, as a resumed run's are.
		resume = clockOffset
		if id, err = s.store.CreateRun(ctx, lr.run); err != nil {
			return nil, fmt.Errorf("start run: %w", err)
		}
		lr.run.ID, lr.run.State = id, store.RunLive
		srcs := rc.Sources
		if srcs == nil {
			if _, err := scenarios.ScenarioSource(rc.Scenario.Name); err == nil {
				_, srcs, _ = scenarios.LoadScenarioSources(rc.Scenario.Name)
			}
		}
		if err := s.store.SaveSources(ctx, id, sourcesOf(srcs)); err != nil {
			return nil, fmt.Errorf("start run: %w", err)
		}
	}
	for _, t := range append(people, []struct{ role, name string }{
		{store.RoleCustomer, "swarm"}, {store.RoleAgent, "bots"}, {store.RoleSupervisor, "bot-supervisors"},
	}...) {
		plain, _, err := s.store.CreateToken(ctx, t.role, fmt.Sprintf("%s-run%d", t.name, id))
		if err != nil {
			return nil, fmt.Errorf("start run: %w", err)
		}
		lr.tokens[t.name] = plain
	}
	// Customers and bots are checked before anything starts, so a bad
	// configuration leaves no goroutine, hub or metric behind.
	var teams []*bot.Team
	if rc.Bots > 0 {
		for _, team := range []struct {
			token, seat string
			count       int
			seed        uint64
		}{{lr.tokens["bots"], "bot-", rc.Bots, rc.Seed}, {lr.tokens["bot-supervisors"], "sup-", max(1, rc.Bots/10), rc.Seed + 1}} {
			t, err := bot.New(bot.Config{URL: loopback + "/ws/agent", Token: team.token, Count: team.count, Seat: team.seat,
				Skill: rc.BotSkill, ThinkMin: rc.ThinkMin, ThinkMax: rc.ThinkMax, Seed: team.seed, Logger: s.log})
			if err != nil {
				return nil, fmt.Errorf("start run: %w", err)
			}
			teams = append(teams, t)
		}
	}
	var sw *swarm.Swarm
	if rc.Customers == "internal" {
		if sw, err = swarm.New(swarm.Config{URL: loopback + "/ws/customer", Token: lr.tokens["swarm"], Scenario: rc.Scenario,
			Seed: rc.Seed, Speed: rc.Speed, Count: rc.Count, Resume: resume, Logger: s.log}); err != nil {
			return nil, fmt.Errorf("start run: %w", err)
		}
	}
	lr.hub, err = hub.New(hub.Config{
		Run: id, Scenario: rc.Scenario, Recorder: s.rec, Auth: auth{s.store, s.sittings}, Admit: s.store.Health,
		OnFinish: lr.onFinish, Now: s.cfg.Now, Concurrency: s.cfg.Concurrency,
		Grace: s.cfg.Grace, RatingWindow: s.cfg.RatingWindow, StallTimeout: s.cfg.StallTimeout,
		Logger: s.log, Registerer: &runRegisterer{r: s.registry, run: lr},
		FirstConversation: firstConv,
	})
	if err != nil {
		lr.unregister()
		return nil, fmt.Errorf("start run: %w", err)
	}
	work, cancel := context.WithCancel(context.Background())
	lr.cancel = cancel
	// Copied before the run's goroutines start: a trial's end writes
	// lr.run (its end time) from one of them.
	info := &RunInfo{Run: lr.run, Tokens: lr.tokens}
	// The live run before its goroutines start: a resumed trial already
	// past its end ends at once, and endTrial ends only the live run.
	s.mu.Lock()
	s.cur = lr
	s.mu.Unlock()
	for _, t := range teams {
		lr.work.Add(1)
		go func() {
			defer lr.work.Done()
			t.Run(work)
		}()
	}
	var swarmDone chan struct{}
	if sw != nil {
		swarmDone = make(chan struct{})
		lr.work.Add(1)
		go func() {
			defer lr.work.Done()
			defer close(swarmDone)
			sum, _ := sw.Run(work)
			// not_finished counts the customers still under way when the run
			// stopped with those whose connection failed: most are cut off
			// by the stop, not failures.
			s.log.Info("customers done", "run", id, "arrived", sum.Arrived, "finished", sum.Finished, "abandoned", sum.Abandoned, "not_finished", sum.Failed)
		}()
	}
	if IsTrial(rc.Scenario) {
		lr.work.Add(1)
		go func() {
			defer lr.work.Done()
			lr.watchTrialEnd(work, swarmDone)
		}()
	}
	lr.work.Add(2)
	go func() {
		defer lr.work.Done()
		lr.sample(work)
	}()
	go func() {
		defer lr.work.Done()
		lr.watchRevoked(work)
	}()
	return info, nil
}

// Stop ends the live run in order: customers and bots stop first (so their
// last frames are recorded), the hub says goodbye to every connection and
// waits for them and for scoring, the run's end is recorded and the store
// flushed. A trial (IsTrial) whose scenario time is over ends with its
// final verdict recorded; one stopped before is paused instead, so that
// serve --resume continues it.
func (s *Server) Stop(ctx context.Context) error {
	s.mu.Lock()
	lr := s.cur
	s.cur = nil
	s.mu.Unlock()
	if lr == nil {
		return ErrNoRun
	}
	return s.stopLive(ctx, lr)
}

// stopLive stops lr, which is no longer the live run.
func (s *Server) stopLive(ctx context.Context, lr *liveRun) error {
	// The stop begins now: a trial whose time is not over pauses here.
	// The hub ends the conversations still open as this cut before the
	// customers are told to leave and the connections close, so no buyer
	// is recorded walking away because the run stopped.
	stopAt := s.cfg.Now()
	cut := sim.LeaveRunEnded
	if IsTrial(lr.scenario) && lr.run.Elapsed(stopAt) < lr.scenario.Duration {
		cut = sim.LeavePaused
	}
	// Every open conversation ends now, at once: its records wait for
	// the writer's room (within ctx) rather than overflow its queue.
	defer s.rec.waitWithin(ctx)()
	lr.hub.Stopping(cut)
	lr.cancel()
	s.sittings.interruptAll()
	var errs []error
	if err := waitGroup(ctx, &lr.work); err != nil {
		errs = append(errs, fmt.Errorf("stop run %d: customers and bots: %w", lr.run.ID, err))
	}
	if err := lr.hub.Close(ctx); err != nil {
		errs = append(errs, fmt.Errorf("stop run %d: %w", lr.run.ID, err))
	}
	// The run's end is recorded only once every event is on disk: a stop
	// whose events could not be written (a full disk) leaves the end
	// unrecorded, so the next start marks the run interrupted (live.md)
	// rather than the file claiming a clean end. While the disk is full
	// these fail rather than wait.
	if err := s.store.Flush(ctx); err != nil {
		errs = append(errs, err)
		lr.unregister()
		return errors.Join(errs...)
	}
	if IsTrial(lr.scenario) {
		if err := s.finishTrial(ctx, lr, stopAt); err != nil {
			errs = append(errs, err)
		}
	} else {
		lr.run.Ended = s.cfg.Now()
		if err := s.store.EndRun(ctx, lr.run.ID, lr.run.Ended); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.store.Flush(ctx); err != nil {
		errs = append(errs, err)
	}
	lr.unregister()
	return errors.Join(errs...)
}

// Shutdown stops the live run and ends long-lived requests (the stream).
// The caller closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	s.once.Do(func() { close(s.closing) })
	err := s.Stop(ctx)
	if errors.Is(err, ErrNoRun) {
		err = nil
	}
	// A trial ending by itself finishes its stop.
	return errors.Join(err, waitGroup(ctx, &s.bg))
}

// auth adapts the store's tokens to the hub: a sitting's customers come
// with an in-memory token of their sitting's, and a candidate's token
// joins its going sitting's pool.
type auth struct {
	st       *store.Store
	sittings *sittingRegistry
}

func (a auth) Authenticate(ctx context.Context, token string) (hub.Identity, error) {
	if id, ok := a.sittings.customer(token); ok {
		return id, nil
	}
	t, err := a.st.Authenticate(ctx, token)
	if err != nil {
		return hub.Identity{}, err
	}
	pool := a.sittings.pool(t.ID)
	if pool == "" && t.Role == store.RoleAgent {
		// A candidate's token is for its sittings only: before Start or
		// after the end it would otherwise join the live run and be
		// offered the practice customers. The hub refuses a pool it does
		// not have (409, "the sitting of this token has not started or
		// has ended").
		if _, err := a.st.InvitationOf(ctx, t.ID); err == nil {
			pool = noSitting
		} else if !errors.Is(err, store.ErrNotFound) {
			return hub.Identity{}, err
		}
	}
	return hub.Identity{Name: t.Name, Role: t.Role, Token: t.ID, Pool: pool}, nil
}

// noSitting is the pool of a candidate's token with no sitting going: the
// hub never has it.
const noSitting = "sitting-none"

// watchRevoked closes the connections of revoked tokens every RevokeCheck
// until ctx ends: tokens revoked by another process (deskdrill tokens
// revoke) reach the hub this way, and a connection that authenticated
// just before its token was revoked is caught on the next look.
func (lr *liveRun) watchRevoked(ctx context.Context) {
	t := time.NewTicker(lr.s.cfg.RevokeCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ids, err := lr.s.store.RevokedTokenIDs(ctx)
		if err != nil {
			if ctx.Err() == nil {
				lr.s.log.Warn("look for revoked tokens", "err", err)
			}
			continue
		}
		lr.hub.Revoke(ids...)
	}
}

// Revoke revokes token id: the store refuses it from then on, and the live
// run's connections made with it are closed (hub.CloseRevoked). It
// returns how many connections it closed, and an error wrapping
// store.ErrNotFound when there is no such token or it is revoked already.
func (s *Server) Revoke(ctx context.Context, id int64) (int, error) {
	if err := s.store.RevokeToken(ctx, id); err != nil {
		return 0, err
	}
	if h := s.Hub(); h != nil {
		return h.Revoke(id), nil
	}
	return 0, nil
}

// onFinish scores a finished conversation and records the score. The hub
// calls it on its own goroutine, outside its lock, and waits for it on
// Close.
func (lr *liveRun) onFinish(f hub.Finished) {
	s := lr.s
	sc := sim.ScoreConversation(f.Conv, lr.scenario.Platform, sim.DefaultScoreWeights())
	b, err := json.Marshal(sc)
	if err != nil {
		s.log.Error("encode score", "conversation", f.Conv.ID, "err", err)
		return
	}
	agent := ""
	if len(f.Agents) > 0 {
		agent = f.Agents[0]
	}
	s.rec.saveScore(context.Background(), lr.run.ID, f.Conv.ID, agent, b, sc.Total)
	lr.mu.Lock()
	lr.finished = append(lr.finished, f.Conv)
	lr.scores[f.Conv.ID] = sc
	close(lr.changed)
	lr.changed = make(chan struct{})
	lr.mu.Unlock()
}

// Changed returns a channel closed at the live run's next scored
// conversation, and the number scored so far.
func (s *Server) Changed() (<-chan struct{}, int, error) {
	lr := s.current()
	if lr == nil {
		return nil, 0, ErrNoRun
	}
	ch, n := lr.changedCh()
	return ch, n, nil
}

func (lr *liveRun) changedCh() (<-chan struct{}, int) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	return lr.changed, len(lr.finished)
}

// WaitScored waits until the live run has at least n scored conversations
// or ctx ends.
func (s *Server) WaitScored(ctx context.Context, n int) error {
	lr := s.current()
	if lr == nil {
		return ErrNoRun
	}
	for {
		ch, got := lr.changedCh()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("wait for %d scored conversations (%d so far): %w", n, got, ctx.Err())
		}
	}
}

// Period is the contract period a scenario's run stands for: the month of
// its start, or the trial when the scenario is no longer than the
// contract's trial (the rule the planner's engine uses).
func Period(sc *sim.Scenario) string {
	p := sc.StartTime().Format("2006-01")
	if c := sc.Contract.Contract; c != nil && c.Trial != nil && sc.Duration <= time.Duration(c.Trial.Weeks)*7*24*time.Hour {
		p = sim.TrialPeriod
	}
	return p
}

// ReviewOptions are the rules a scenario's runs are judged by, for run
// judged at now. A run counts its conversations on the scenario's clock:
// the scenario's start plus the scenario time the run had played at each
// event (wall time × speed, without the time it stood interrupted:
// store.Run.Elapsed), so business hours and days are the scenario's
// however much the run compresses them; waits are never scaled. The paid
// orders behind the dispute-refund rate are the store's over the scenario
// time played by now.
func ReviewOptions(sc *sim.Scenario, run store.Run, now time.Time) review.Options {
	s0 := sc.StartTime()
	// The scenario time before the run started (a real-time run's day 1
	// before the time of day it started) had no store orders of the run.
	played := run.Elapsed(now) - run.ClockOffset
	if IsTrial(sc) {
		// A trial's store stops taking orders at the trial's end, as
		// sim/trial counts them: the scenario time from where the run
		// started playing (ClockOffset) to the end.
		played = min(played, sc.Duration-run.ClockOffset)
	}
	o := review.Options{
		Profile: sc.Platform, Policy: sc.Policy, Contract: sc.Contract.Contract, Start: run.Started, Period: Period(sc),
		PaidOrders: sc.Store.PaidOrdersPerDay * played.Hours() / 24,
		Clock:      func(t time.Time) time.Time { return s0.Add(run.Elapsed(t)) },
	}
	if IsTrial(sc) {
		// Nothing after the trial's end is the trial's: sessions arriving
		// in the wind-down and rounds opened then are left out.
		o.End = sc.EndTime()
	}
	return o
}

// LiveReview judges the live run's finished conversations so far. The
// paid orders behind the dispute-refund rate are the store's over the
// scenario time that has passed (wall time × speed).
func (s *Server) LiveReview() (*review.Review, error) {
	lr := s.current()
	if lr == nil {
		return nil, ErrNoRun
	}
	return lr.review(0)
}

// review judges the finished conversations. A review younger than maxAge
// is good enough for the dashboard's stream and timeline, which would
// otherwise recompute it on every conversation at high rates; the API asks
// for a fresh one (maxAge 0).
func (lr *liveRun) review(maxAge time.Duration) (*review.Review, error) {
	lr.mu.Lock()
	defer lr.mu.Unlock()
	now := lr.s.cfg.Now()
	if lr.cache != nil && (lr.cacheN == len(lr.finished) || now.Sub(lr.cacheAt) < maxAge) {
		return lr.cache, nil
	}
	o := ReviewOptions(lr.scenario, lr.run, now)
	// Called with lr.mu held, as Evaluate runs under it.
	o.Scored = func(c *sim.Conversation) (sim.Score, bool) {
		sc, ok := lr.scores[c.ID]
		return sc, ok
	}
	r, err := review.Evaluate(lr.finished, o)
	if err != nil {
		return nil, err
	}
	r.Notes = append(r.Notes, interruptionNotes(lr.run, lr.scenario.Platform.Zone())...)
	lr.cache, lr.cacheN, lr.cacheAt = r, len(lr.finished), now
	return r, nil
}

// Package web is deskdrill's server side: it owns the live hub (web/hub),
// the records (web/store), the HTTP API, health and metrics. A Server runs
// one live run of one scenario; past runs are read from the store.
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

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// Config configures a server.
type Config struct {
	Store    *store.Store
	Scenario *sim.Scenario
	Seed     uint64
	Speed    float64
	Logger   *slog.Logger
	// Hub settings that tests shorten; zero takes the hub's defaults.
	Grace, RatingWindow time.Duration
	Concurrency         int
	Now                 func() time.Time
}

// Server is one live run and the API over all runs.
type Server struct {
	cfg      Config
	log      *slog.Logger
	store    *store.Store
	hub      *hub.Hub
	run      store.Run
	registry *prometheus.Registry
	handler  http.Handler
	started  time.Time

	mu       sync.Mutex
	finished []*sim.Conversation // this run's finished conversations
	cache    *review.Review      // the review of finished, while len is unchanged
	cacheN   int
	// changed is closed and replaced whenever a conversation is scored:
	// a broadcast to whoever waits (tests, live dashboards).
	changed chan struct{}
}

// New creates the run in the store and the hub that serves it.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Scenario == nil {
		return nil, errors.New("new server: a store and a scenario are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Speed == 0 {
		cfg.Speed = cfg.Scenario.Speed
	}
	s := &Server{cfg: cfg, log: cfg.Logger, store: cfg.Store, registry: prometheus.NewRegistry(), started: cfg.Now(), changed: make(chan struct{})}
	s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	conf, _ := json.Marshal(map[string]any{"scenario": cfg.Scenario.Name, "seed": cfg.Seed, "speed": cfg.Speed})
	s.run = store.Run{Scenario: cfg.Scenario.Name, Seed: cfg.Seed, Speed: cfg.Speed, Contract: cfg.Scenario.Contract.Name, Started: s.started, Config: conf}
	id, err := cfg.Store.CreateRun(ctx, s.run)
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	s.run.ID = id
	s.hub, err = hub.New(hub.Config{
		Run: id, Scenario: cfg.Scenario, Recorder: cfg.Store, Auth: auth{cfg.Store},
		OnFinish: s.onFinish, Now: cfg.Now, Concurrency: cfg.Concurrency,
		Grace: cfg.Grace, RatingWindow: cfg.RatingWindow, Logger: cfg.Logger, Registerer: s.registry,
	})
	if err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// Run returns the live run.
func (s *Server) Run() store.Run { return s.run }

// Hub returns the live hub.
func (s *Server) Hub() *hub.Hub { return s.hub }

// ServeHTTP serves the API, the WebSocket endpoints, health and metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// auth adapts the store's tokens to the hub.
type auth struct{ st *store.Store }

func (a auth) Authenticate(ctx context.Context, token string) (hub.Identity, error) {
	t, err := a.st.Authenticate(ctx, token)
	if err != nil {
		return hub.Identity{}, err
	}
	return hub.Identity{Name: t.Name, Role: t.Role}, nil
}

// onFinish scores a finished conversation and records the score. The hub
// calls it on its own goroutine, outside its lock.
func (s *Server) onFinish(f hub.Finished) {
	sc := sim.ScoreConversation(f.Conv, s.cfg.Scenario.Platform, sim.DefaultScoreWeights())
	b, err := json.Marshal(sc)
	if err != nil {
		s.log.Error("encode score", "conversation", f.Conv.ID, "err", err)
		return
	}
	agent := ""
	if len(f.Agents) > 0 {
		agent = f.Agents[0]
	}
	if err := s.store.SaveScore(context.Background(), s.run.ID, f.Conv.ID, agent, b, sc.Total); err != nil {
		s.log.Error("record score", "conversation", f.Conv.ID, "err", err)
	}
	s.mu.Lock()
	s.finished = append(s.finished, f.Conv)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// Changed returns a channel closed at the next scored conversation, and
// the number scored so far.
func (s *Server) Changed() (<-chan struct{}, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.changed, len(s.finished)
}

// WaitScored waits until at least n conversations are scored or ctx ends.
func (s *Server) WaitScored(ctx context.Context, n int) error {
	for {
		ch, got := s.Changed()
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

// ReviewOptions are the rules a scenario's runs are judged by.
func ReviewOptions(sc *sim.Scenario, start time.Time, scenarioSpan time.Duration) review.Options {
	return review.Options{
		Profile: sc.Platform, Contract: sc.Contract.Contract, Start: start, Period: Period(sc),
		PaidOrders: sc.Store.PaidOrdersPerDay * scenarioSpan.Hours() / 24,
	}
}

// LiveReview judges the live run's finished conversations so far. The
// paid orders behind the dispute-refund rate are the store's over the
// scenario time that has passed (wall time × speed).
func (s *Server) LiveReview() (*review.Review, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cache != nil && s.cacheN == len(s.finished) {
		return s.cache, nil
	}
	span := time.Duration(float64(s.cfg.Now().Sub(s.started)) * s.cfg.Speed)
	r, err := review.Evaluate(s.finished, ReviewOptions(s.cfg.Scenario, s.started, span))
	if err != nil {
		return nil, err
	}
	s.cache, s.cacheN = r, len(s.finished)
	return r, nil
}

// Shutdown ends the run: the hub says goodbye to every connection and
// waits for them, scoring finishes, the run's end is recorded and the
// store flushed. The caller closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	// Close waits for the hub's OnFinish calls too, so every score is in.
	err := s.hub.Close(ctx)
	if e := s.store.EndRun(context.Background(), s.run.ID, s.cfg.Now()); e != nil && err == nil {
		err = e
	}
	if e := s.store.Flush(context.Background()); e != nil && err == nil {
		err = e
	}
	return err
}

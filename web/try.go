package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/store"
)

// TryConfig is a deskdrill bot sitting an exam on an in-process hub
// (deskdrill exam try).
type TryConfig struct {
	Exam *trainer.Exam
	// Source is the exam's file, hosted in the store.
	Source []byte
	Store  *store.Store
	// Cohort and Candidate name the sitting in the records (a cohort of
	// "try" by default; the candidate "bot").
	Cohort, Candidate string
	// BotSkill and Seed make the bot (bench/bot); Think bounds its pause
	// before each step on the sitting's clock (default 1s..4s).
	BotSkill           float64
	Seed               uint64
	ThinkMin, ThinkMax time.Duration
	// Speed compresses the sitting's whole clock (arrivals, typing,
	// nudges, the bot's thinking); events are recorded in exam time.
	Speed  float64
	Logger *slog.Logger
	// Sittings is how many candidates sit at once on the one hub (TryExams;
	// default 1): candidate i is Candidate-i with a bot of seed Seed+i.
	Sittings int
}

// TryExam lets a bot sit cfg.Exam once and returns its report card. It
// runs a server of its own on 127.0.0.1 whose clock runs Speed times
// faster than the wall clock from now on, so the sitting scores as the
// same sitting in real time would, and stops it before it returns.
func TryExam(ctx context.Context, cfg TryConfig) (trainer.Card, error) {
	cfg.Sittings = 1
	cards, err := TryExams(ctx, cfg)
	if err != nil {
		return trainer.Card{}, err
	}
	return cards[0], nil
}

// TryExams lets cfg.Sittings bots sit cfg.Exam at the same time on one
// in-process hub, each in its own sitting with its own queue, and returns
// their report cards in candidate order. It is TryExam for a cohort; the
// measurement of concurrent sittings in docs/performance.md runs it.
func TryExams(ctx context.Context, cfg TryConfig) ([]trainer.Card, error) {
	e := cfg.Exam
	if e == nil || cfg.Store == nil {
		return nil, errors.New("try exam: an exam and a store are required")
	}
	if cfg.Sittings <= 0 {
		cfg.Sittings = 1
	}
	if cfg.Speed <= 0 {
		cfg.Speed = 1
	}
	if cfg.ThinkMax == 0 {
		cfg.ThinkMin, cfg.ThinkMax = time.Second, 4*time.Second
	}
	if cfg.Cohort == "" {
		cfg.Cohort = "try"
	}
	if cfg.Candidate == "" {
		cfg.Candidate = "bot"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	wall0 := time.Now()
	exam0 := wall0
	speed := cfg.Speed
	clock := func() time.Time { return exam0.Add(time.Duration(float64(time.Since(wall0)) * speed)) }
	srv, err := New(Config{Store: cfg.Store, Logger: cfg.Logger, Now: clock,
		// The hub's waits are wall time; they outlast a compressed sitting.
		Grace: time.Duration(float64(DefaultTryGrace) / speed), RatingWindow: time.Minute})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("try exam: %w", err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		hs.Shutdown(ctx)
		<-served
	}()
	srv.SetLoopback("ws://" + ln.Addr().String())

	sc := examScenario(e, exam0)
	if _, err := srv.Start(ctx, RunConfig{Scenario: sc, Customers: "external", Speed: 1}); err != nil {
		return nil, fmt.Errorf("try exam: %w", err)
	}
	names := []string{cfg.Candidate}
	if cfg.Sittings > 1 {
		names = names[:0]
		for i := range cfg.Sittings {
			names = append(names, fmt.Sprintf("%s-%d", cfg.Candidate, i+1))
		}
	}
	invs, err := srv.Invite(ctx, e, cfg.Source, cfg.Cohort, names)
	if err != nil {
		return nil, fmt.Errorf("try exam: %w", err)
	}
	botCtx, stopBots := context.WithCancel(ctx)
	var bots sync.WaitGroup
	defer func() {
		stopBots()
		bots.Wait()
	}()
	ids := make([]int64, len(invs))
	for i, inv := range invs {
		seed := cfg.Seed + uint64(i)
		info, err := srv.StartSitting(ctx, SittingConfig{Exam: e, Candidate: names[i], Cohort: cfg.Cohort, Token: inv.TokenID,
			Speed: speed, Seed: seed})
		if err != nil {
			return nil, fmt.Errorf("try exam: %w", err)
		}
		ids[i] = info.ID
		team, err := bot.New(bot.Config{URL: srv.loopbackURL() + "/ws/agent", Token: inv.Token, Count: 1, Seat: "bot-",
			Skill: cfg.BotSkill, Seed: seed, KeepEscalated: true, Logger: cfg.Logger,
			ThinkMin: time.Duration(float64(cfg.ThinkMin) / speed), ThinkMax: time.Duration(float64(cfg.ThinkMax) / speed)})
		if err != nil {
			return nil, fmt.Errorf("try exam: %w", err)
		}
		bots.Add(1)
		go func() {
			defer bots.Done()
			team.Run(botCtx)
		}()
	}
	cards := make([]trainer.Card, len(ids))
	for i, id := range ids {
		card, err := srv.WaitSitting(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("try exam: %w", err)
		}
		cards[i] = card
	}
	return cards, nil
}

// DefaultTryGrace is how long a bot that lost its connection keeps its
// chats in a tried sitting, on the sitting's clock.
const DefaultTryGrace = 30 * time.Second

// loopbackURL returns the server's own WebSocket base.
func (s *Server) loopbackURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.loopback
}

package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/sim"
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
}

// TryExam lets a bot sit cfg.Exam once and returns its report card. It
// runs a server of its own on 127.0.0.1 whose clock runs Speed times
// faster than the wall clock from now on, so the sitting scores as the
// same sitting in real time would, and stops it before it returns.
func TryExam(ctx context.Context, cfg TryConfig) (trainer.Card, error) {
	e := cfg.Exam
	if e == nil || cfg.Store == nil {
		return trainer.Card{}, errors.New("try exam: an exam and a store are required")
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
		return trainer.Card{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
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

	sc := sim.NewScenario()
	local := exam0.In(e.Profile.Zone())
	sc.Name, sc.Platform = "exam:"+e.Name, e.Profile
	sc.Start = sim.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute())
	sc.Location = e.Profile.Zone()
	sc.Staffing = &sim.Staffing{Concurrency: e.Concurrency, Intervals: []sim.StaffInterval{{Start: 0, End: sim.MinutesPerDay, Agents: 1}}}
	if _, err := srv.Start(ctx, RunConfig{Scenario: sc, Customers: "external", Speed: 1}); err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
	}
	invs, err := srv.Invite(ctx, e, cfg.Source, cfg.Cohort, []string{cfg.Candidate})
	if err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
	}
	inv := invs[0]
	info, err := srv.StartSitting(ctx, SittingConfig{Exam: e, Candidate: cfg.Candidate, Cohort: cfg.Cohort, Token: inv.TokenID,
		Speed: speed, Seed: cfg.Seed})
	if err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
	}
	team, err := bot.New(bot.Config{URL: srv.loopbackURL() + "/ws/agent", Token: inv.Token, Count: 1, Seat: "bot-",
		Skill: cfg.BotSkill, Seed: cfg.Seed, KeepEscalated: true, Logger: cfg.Logger,
		ThinkMin: time.Duration(float64(cfg.ThinkMin) / speed), ThinkMax: time.Duration(float64(cfg.ThinkMax) / speed)})
	if err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
	}
	botCtx, stopBot := context.WithCancel(ctx)
	botDone := make(chan struct{})
	go func() {
		defer close(botDone)
		team.Run(botCtx)
	}()
	card, err := srv.WaitSitting(ctx, info.ID)
	stopBot()
	<-botDone
	if err != nil {
		return trainer.Card{}, fmt.Errorf("try exam: %w", err)
	}
	return card, nil
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

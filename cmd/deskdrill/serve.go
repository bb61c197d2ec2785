package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

type serveOptions struct {
	scenario  string
	addr      string
	db        string
	speed     float64
	bots      int
	botSkill  float64
	think     think
	customers string
	seed      uint64
	count     int
	grace     time.Duration
	stall     time.Duration
	logLevel  string
}

// The self-running demo: an ordinary day at the scenario's own speed (an
// hour a minute), served by a few bots, so the dashboard moves within
// seconds and the evening peak outgrows the team.
const (
	demoScenario = "steady-day"
	demoBots     = 8
)

func newServeCmd() *cobra.Command {
	var o serveOptions
	c := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the live sandbox: synthetic customers, agents over WebSocket, every conversation scored",
		Long: `serve starts the live sandbox on --addr. Synthetic customers arrive by the scenario's arrival
curve (time compressed by --speed) and chat, over WebSockets, with the agents connected to it:
people in the console, a vendor's bots through the protocol (docs/protocol.md), or deskdrill's
own bots (--bots). Every conversation is recorded in --db (SQLite) and scored; KPIs and the
contract refund are known at any moment (/api/live, deskdrill report).

With no flags it runs a self-running demo: the steady-day scenario at its own speed (an hour of
arrivals a minute), eight bots, internal customers. It prints the address and the tokens: one to join as an agent,
one to view the dashboard and reports, one for the admin. Stop it with Ctrl-C: customers leave,
connections get a close frame, everything is written to disk.`,
		Example: `  deskdrill serve
  deskdrill serve --scenario pre-hire-basic --bots 0          # people do the work
  deskdrill serve --scenario double11 --speed 120 --bots 40 --bot-skill 0.8
  deskdrill serve --customers external                       # then: deskdrill customers --url ... --token ...`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("seed") {
				o.seed = randomSeed()
			}
			return runServe(c.Context(), c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.scenario, "scenario", demoScenario, "built-in scenario or scenario file")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on")
	f.StringVar(&o.db, "db", "deskdrill.db", "SQLite file for runs, conversations and scores")
	speedFlag(f, &o.speed)
	intFlag(f, &o.bots, "bots", demoBots, "deskdrill bot agents to run in-process (0: people do the work)", 0, maxBots, "a whole number of bots from 0 to 5000 such as 8")
	floatFlag(f, &o.botSkill, "bot-skill", 0.9, "bots' skill: chance of the right resolution, and speed", share, "a share from 0 to 1 such as 0.9")
	thinkFlag(f, &o.think, think{time.Second, 4 * time.Second}, "bots' pause before each step, MIN..MAX")
	f.StringVar(&o.customers, "customers", "internal", "internal (the swarm runs in-process) or external (deskdrill customers)")
	seedFlag(f, &o.seed, "seed of customers and bots (default: a random one, printed)")
	countFlag(f, &o.count, "stop sending customers after this many (0: the scenario's whole duration)")
	durationFlag(f, &o.grace, "grace", 30*time.Second, "how long a disconnected agent keeps its chats", 0, "a duration such as 30s or 2m")
	durationFlag(f, &o.stall, "stall-timeout", 15*time.Second, "a client that has not drained its send queue, or answered a ping, this long is treated as disconnected",
		time.Second, "a duration of at least 1s such as 15s")
	f.StringVar(&o.logLevel, "log", "info", "log level: debug, info, warn, error")
	return c
}

// maxBots bounds the bots one process runs.
const maxBots = 5000

// speedFlag defines --speed of serve and customers.
func speedFlag(f *pflag.FlagSet, p *float64) {
	floatFlag(f, p, "speed", 0, "arrival-clock speed-up (default: the scenario's)", above(0, maxSpeed),
		"a number above 0 such as 60 (arrivals 60× faster), at most 100000")
}

// maxSpeed bounds --speed: beyond it a second of wall clock holds more
// than a day of arrivals, and timers cannot keep up.
const maxSpeed = 100_000

// thinkFlag defines --think of serve and agent.
func thinkFlag(f *pflag.FlagSet, p *think, def think, usage string) {
	*p = def
	varFlag(f, p, "think", "MIN..MAX", usage, parseThink, formatThink)
}

// countFlag defines --count of customers: 0 means no limit.
func countFlag(f *pflag.FlagSet, p *int, usage string) {
	intFlag(f, p, "count", 0, usage, 0, math.MaxInt32, "a whole number of customers from 0 such as 500")
}

func newLogger(w io.Writer, level string) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log %q: want debug, info, warn or error", level)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l})), nil
}

func runServe(ctx context.Context, c *cobra.Command, o serveOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.customers != "internal" && o.customers != "external" {
		return usage("--customers %q: want internal or external", o.customers)
	}
	logger, err := newLogger(c.ErrOrStderr(), o.logLevel)
	if err != nil {
		return usage("%w", err)
	}
	sc, err := scenarios.LoadScenario(o.scenario)
	if err != nil {
		return err
	}
	speed := o.speed
	if speed == 0 {
		speed = sc.Speed
	}
	st, err := store.Open(ctx, o.db, store.Options{Logger: logger})
	if err != nil {
		return err
	}
	defer st.Close()
	srv, err := web.New(web.Config{Store: st, Logger: logger, Grace: o.grace, StallTimeout: o.stall})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	addr := ln.Addr().String()
	srv.SetLoopback("ws://" + addr)
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	info, err := srv.Start(ctx, web.RunConfig{Scenario: sc, Seed: o.seed, Speed: speed, Bots: o.bots, BotSkill: o.botSkill,
		ThinkMin: o.think.Min, ThinkMax: o.think.Max, Customers: o.customers, Count: o.count})
	if err != nil {
		httpSrv.Close()
		return err
	}
	admin, _, err := st.CreateToken(ctx, store.RoleAdmin, fmt.Sprintf("admin-run%d", info.Run.ID))
	if err != nil {
		httpSrv.Close()
		return err
	}
	tokens := info.Tokens
	id := info.Run.ID
	out := c.OutOrStdout()
	fmt.Fprintf(out, "deskdrill serving run %d of %s on http://%s (speed %g×, seed %d, records in %s)\n", id, sc.Name, addr, speed, o.seed, o.db)
	fmt.Fprintf(out, "  open a link (it signs you in), or http://%s/ and paste a token:\n", addr)
	fmt.Fprintf(out, "  agent console:           http://%s/?token=%s\n", addr, tokens["trainee"])
	fmt.Fprintf(out, "  supervisor console:      http://%s/?token=%s\n", addr, tokens["supervisor"])
	fmt.Fprintf(out, "  dashboard and reports:   http://%s/?token=%s\n", addr, tokens["dashboard"])
	fmt.Fprintf(out, "  admin:                   http://%s/?token=%s\n", addr, admin)
	if o.customers == "external" {
		fmt.Fprintf(out, "  customer token: %s\n  send customers with: deskdrill customers --url ws://%s --token %s --scenario %s\n", tokens["swarm"], addr, tokens["swarm"], o.scenario)
	}
	fmt.Fprintf(out, "  live KPIs: curl -H 'Authorization: Bearer %s' http://%s/api/live\n", tokens["dashboard"], addr)
	fmt.Fprintf(out, "  report afterwards: deskdrill report %d --db %s\n", id, o.db)

	select {
	case <-ctx.Done():
	case err := <-served:
		srv.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	}
	fmt.Fprintln(out, "stopping: customers leave, connections close, records are flushed")
	shut, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err = srv.Shutdown(shut)
	if e := httpSrv.Shutdown(shut); e != nil && err == nil && !errors.Is(e, http.ErrServerClosed) {
		err = e
	}
	if e := st.Close(); e != nil && err == nil {
		err = e
	}
	if err == nil {
		fmt.Fprintf(out, "run %d ended; deskdrill report %d --db %s\n", id, id, o.db)
	}
	return err
}

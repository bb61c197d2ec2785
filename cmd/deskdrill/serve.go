package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
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
	// stopTimeout bounds the stop after a signal; integrity asks for the
	// full check of the file at start; maxSize caps the file (bytes).
	stopTimeout time.Duration
	integrity   bool
	maxSize     int64
	// resume is the interrupted run to continue (0: a new run).
	resume int64
	// pprof is the address of a profiling listener ("": none).
	pprof string
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
connections get a close frame, everything is written to disk (if the disk cannot take it within
--stop-timeout, serve exits 1 saying how many events were not written).

An acknowledged event is on disk within 250 ms, or the hub stops acknowledging and says why: while
the disk cannot take records, frames are refused with the error unavailable and /healthz answers 503.
At start serve checks the file (PRAGMA quick_check; --integrity-check for the full check) and refuses
one that is damaged or another program's; one serve holds a file at a time. A run whose hub died is
marked interrupted; --resume RUN continues it with the same tokens and scenario clock.

A trial (a scenario no longer than its contract's trial clause, such as trial-2w) ends by itself at
the scenario's end: it waits up to 30 minutes for the conversations under way, records its final
verdict with the run's end, and serve exits. Ctrl-C before that pauses the trial instead of ending
it: serve --resume RUN continues it. deskdrill trial status and evidence read it (docs/trial.md).`,
		Example: `  deskdrill serve
  deskdrill serve --scenario trial-2w --bots 0 --db trial.db  # a vendor's two-week trial, in real time
  deskdrill serve --scenario pre-hire-basic --bots 0          # people do the work
  deskdrill serve --scenario double11 --speed 120 --bots 40 --bot-skill 0.8
  deskdrill serve --customers external                       # then: deskdrill customers --url ... --token ...
  deskdrill serve --resume 3                                 # continue interrupted run 3`,
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
	durationFlag(f, &o.stopTimeout, "stop-timeout", 10*time.Second,
		"after Ctrl-C or SIGTERM, how long to wait for the records to reach the disk before exiting without them", time.Second, "a duration of at least 1s such as 10s")
	f.BoolVar(&o.integrity, "integrity-check", false, "check the whole database file at start (PRAGMA integrity_check) instead of the quick check")
	varFlag(f, &o.resume, "resume", "RUN", "continue interrupted run RUN: the same run, tokens and scenario clock", parseRunFlag,
		func(v int64) string { return strconv.FormatInt(v, 10) })
	f.StringVar(&o.pprof, "pprof", "", "serve Go's profiles (net/http/pprof) on this address, such as 127.0.0.1:6060; no token guards it, so keep it on loopback")
	varFlag(f, &o.maxSize, "db-max-size", "size", "cap the database file (e.g. 500MiB, 2GiB): beyond it the hub stops acknowledging, as on a full disk",
		parseSizeFlag, func(v int64) string { return strconv.FormatInt(v, 10) })
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
	varFlag(f, p, "think", "MIN..MAX", usage+" (one duration: always that)", parseThink, formatThink)
}

// countFlag defines --count of customers: 0 means no limit.
func countFlag(f *pflag.FlagSet, p *int, usage string) {
	intFlag(f, p, "count", 0, usage, 0, math.MaxInt32, "a whole number of customers from 0 such as 500")
}

// parseSize reads a size in bytes with an optional unit: B, KiB, MiB,
// GiB, KB, MB, GB.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || !(n > 0) || n*float64(mult) > 1<<50 {
		return 0, fmt.Errorf("%q: want a size such as 500MiB or 2GiB", s)
	}
	return int64(n * float64(mult)), nil
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
	// The address and the database's path are checked before anything
	// is opened: a value that can never work is bad usage (exit 2), not a
	// run that failed.
	if _, port, err := net.SplitHostPort(o.addr); err != nil {
		return usage("--addr %q: %v; want HOST:PORT such as 127.0.0.1:8080 (port 0: any free port)", o.addr, unwrapAddrErr(err))
	} else if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return usage("--addr %q: port %q: want HOST:PORT with a port from 0 to 65535, such as 127.0.0.1:8080", o.addr, port)
	}
	if err := dbNotDir(c, o.db); err != nil {
		return err
	}
	logger, err := newLogger(c.ErrOrStderr(), o.logLevel)
	if err != nil {
		return usage("%w", err)
	}
	maxSize := o.maxSize
	check := store.CheckQuick
	if o.integrity {
		check = store.CheckFull
	}
	// A scenario that does not load is bad input before any file is made
	// (a new --db was left behind, initialised, by a typo in --scenario).
	var loaded web.RunConfig
	if o.resume == 0 {
		if loaded.Scenario, loaded.Sources, err = scenarios.LoadScenarioSources(o.scenario); err != nil {
			return flagged("--scenario", err)
		}
	}
	// Exclusive: one serve per file. Report and export read beside it.
	st, err := store.Open(ctx, o.db, store.Options{Logger: logger, Check: check, Exclusive: true, MaxSize: maxSize})
	if err != nil {
		return err
	}
	defer st.Close()
	out := c.OutOrStdout()
	// Runs whose hub died (kill -9, a crash, a stop that could not
	// record the end) are marked now that nobody else serves the file.
	marked, err := st.MarkInterrupted(ctx, time.Now())
	if err != nil {
		return err
	}
	for _, r := range marked {
		in := r.Interrupted()
		if exam, sitting := web.SittingExam(r); sitting {
			// A sitting is not resumed: it is retaken (exams.md).
			fmt.Fprintf(out, "sitting %d (%s) was interrupted at %s: its hub stopped during it; it has no card and does not count, and the candidate may sit the exam again\n",
				r.ID, exam, in.At.Local().Format(time.DateTime))
			continue
		}
		fmt.Fprintf(out, "run %d (%s) was interrupted at %s: its hub stopped without ending it; its open conversations are closed as cut off (deskdrill serve --resume %d continues it)\n",
			r.ID, r.Scenario, in.At.Local().Format(time.DateTime), r.ID)
	}
	rc := web.RunConfig{Seed: o.seed, Speed: o.speed, Bots: o.bots, BotSkill: o.botSkill, ThinkMin: o.think.Min, ThinkMax: o.think.Max,
		Customers: o.customers, Count: o.count}
	var resumed *store.Run
	if o.resume != 0 {
		run, err := resumeConfig(c, st, o, &rc)
		if err != nil {
			return err
		}
		resumed = &run
	} else {
		rc.Scenario, rc.Sources = loaded.Scenario, loaded.Sources
	}
	sc := rc.Scenario
	if rc.Speed == 0 {
		rc.Speed = sc.Speed
	}
	speed := rc.Speed
	srv, err := web.New(web.Config{Store: st, Logger: logger, Grace: o.grace, StallTimeout: o.stall})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	addr := ln.Addr().String()
	if o.pprof != "" {
		stopProfiles, err := serveProfiles(o.pprof, out)
		if err != nil {
			ln.Close()
			return usage("--pprof %s: %w", o.pprof, err)
		}
		defer stopProfiles()
	}
	srv.SetLoopback("ws://" + addr)
	httpSrv := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- httpSrv.Serve(ln) }()
	info, err := srv.Start(ctx, rc)
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
	if resumed != nil {
		in := resumed.Interrupted()
		// As trial status and the report say it: the scenario time the run
		// itself played (a real-time run's day 1 before the time it
		// started is not played), the instant on the scenario's calendar.
		how := "interrupted" // its hub stopped without a stop
		if in.Paused() {
			how = "paused" // serve stopped it before its end
		}
		fmt.Fprintf(out, "deskdrill resumed run %d of %s on http://%s (%s at %s after %v of the run's scenario time; speed %g×, seed %d, records in %s)\n",
			id, sc.Name, addr, how, in.At.In(sc.Platform.Zone()).Format("2006-01-02 15:04:05 MST"), (in.Elapsed - resumed.ClockOffset).Round(time.Second), speed, rc.Seed, o.db)
		fmt.Fprintf(out, "  the tokens printed when run %d started still work; a new admin link:\n", id)
		fmt.Fprintf(out, "  admin:                   http://%s/?token=%s\n", addr, admin)
		tokens["dashboard"] = admin
	} else {
		fmt.Fprintf(out, "deskdrill serving run %d of %s on http://%s (speed %g×, seed %d, records in %s)\n", id, sc.Name, addr, speed, rc.Seed, o.db)
		fmt.Fprintf(out, "  open a link (it signs you in), or http://%s/ and paste a token:\n", addr)
		fmt.Fprintf(out, "  agent console:           http://%s/?token=%s\n", addr, tokens["trainee"])
		fmt.Fprintf(out, "  supervisor console:      http://%s/?token=%s\n", addr, tokens["supervisor"])
		fmt.Fprintf(out, "  dashboard and reports:   http://%s/?token=%s\n", addr, tokens["dashboard"])
		fmt.Fprintf(out, "  admin:                   http://%s/?token=%s\n", addr, admin)
	}
	switch {
	case rc.Customers == "external" && resumed != nil:
		fmt.Fprintf(out, "  customer token: %s\n  send the rest of the customers with: deskdrill customers --url ws://%s --token %s --scenario %s --seed %d --speed %g --count %d --resume-at %v\n",
			tokens["swarm"], addr, tokens["swarm"], sc.Name, rc.Seed, rc.Speed, rc.Count, resumed.Interrupted().Elapsed)
	case rc.Customers == "external" && info.Run.ClockOffset > 0:
		// A real-time run starts at the time of day it is: the customers
		// skip the scenario time before it, as a resumed run's do.
		fmt.Fprintf(out, "  customer token: %s\n  send customers with: deskdrill customers --url ws://%s --token %s --scenario %s --speed 1 --resume-at %v\n",
			tokens["swarm"], addr, tokens["swarm"], sc.Name, info.Run.ClockOffset)
	case rc.Customers == "external":
		fmt.Fprintf(out, "  customer token: %s\n  send customers with: deskdrill customers --url ws://%s --token %s --scenario %s\n", tokens["swarm"], addr, tokens["swarm"], sc.Name)
	}
	if web.IsTrial(sc) {
		// On the run's calendar: a real-time run's is today's, from now.
		cal := web.OnRunCalendar(sc, info.Run)
		fmt.Fprintf(out, "  a trial of %s (%s to %s): it ends by itself at the scenario's end with its final verdict; Ctrl-C pauses it (serve --resume %d continues)\n",
			// To the minute, as the times beside it.
			scenarios.FormatDuration(cal.EndTime().Sub(cal.StartTime().Add(info.Run.ClockOffset)).Round(time.Minute)), cal.StartTime().Add(info.Run.ClockOffset).Format("2006-01-02 15:04"),
			cal.EndTime().Format("2006-01-02 15:04"), id)
		fmt.Fprintf(out, "  trial day by day: deskdrill trial status --db %s --run %d\n", o.db, id)
	} else if c := sc.Contract.Contract; c != nil && c.Trial != nil {
		fmt.Fprintf(out, "  note: %s lasts %s, longer than its contract's %d-week trial: the run is judged as a month, not as the trial\n", sc.Name, scenarios.FormatDuration(sc.Duration), c.Trial.Weeks)
	}
	fmt.Fprintf(out, "  live KPIs: curl -H 'Authorization: Bearer %s' http://%s/api/live\n", tokens["dashboard"], addr)
	fmt.Fprintf(out, "  report afterwards: deskdrill report %d --db %s\n", id, o.db)

	select {
	case <-ctx.Done():
	case err := <-served:
		srv.Shutdown(context.Background())
		return fmt.Errorf("serve: %w", err)
	case <-srv.Ended():
		fmt.Fprintf(out, "run %d: the trial reached its end\n", id)
	}
	fmt.Fprintln(out, "stopping: customers leave, connections close, records are flushed")
	shut, cancel := context.WithTimeout(context.Background(), o.stopTimeout)
	defer cancel()
	// A second Ctrl-C (or SIGTERM) gives up on the records at once.
	again := make(chan os.Signal, 1)
	signal.Notify(again, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(again)
	go func() { // ends when shut does (cancel is deferred)
		select {
		case <-again:
			fmt.Fprintln(out, "stopping: a second signal: giving up on the records not yet written")
			cancel()
		case <-shut.Done():
		}
	}()
	if herr := st.Health(); herr != nil {
		s := st.Stats()
		fmt.Fprintf(out, "stopping: %d records are not on disk yet (%v); waiting up to %v for the disk to take them, Ctrl-C again to give up\n",
			s.Appended-s.Committed-s.Rejected-s.Lost, herr, o.stopTimeout)
	}
	// The run that ends is the live one, which an admin may have started
	// over the API since (POST /api/runs): name it, not the first.
	trialRun := web.IsTrial(sc)
	if r, ok := srv.Run(); ok && r.ID != id {
		id, trialRun = r.ID, r.Scenario == sc.Name && trialRun
	}
	err = srv.Shutdown(shut)
	if e := httpSrv.Shutdown(shut); e != nil && !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	if e := st.Shutdown(shut); e != nil {
		err = errors.Join(err, e)
	}
	var nw *store.NotWrittenError
	if errors.As(err, &nw) {
		// What was not written says it all; the failed flush before it
		// is the same story.
		err = nw
	}
	if err != nil {
		return fmt.Errorf("stop run %d: %w", id, err)
	}
	if trialRun {
		return trialStopped(ctx, out, o.db, id)
	}
	fmt.Fprintf(out, "run %d ended; deskdrill report %d --db %s\n", id, id, o.db)
	return nil
}

// trialStopped says how a trial run stopped: with its final verdict, or
// paused before its end.
func trialStopped(ctx context.Context, out io.Writer, db string, id int64) error {
	st, err := store.Open(context.WithoutCancel(ctx), db, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	// The verdict was just judged and recorded: it is printed as recorded,
	// without reading the run again (trial status does, to check it).
	if s, err := web.RecordedVerdict(context.WithoutCancel(ctx), st, id); err == nil {
		fmt.Fprintf(out, "run %d ended: the trial's final verdict, recorded: %s\n", id, s.Verdict.Reason)
		fmt.Fprintf(out, "evidence pack: deskdrill evidence %d --db %s --out trial-%d.zip\n", id, db, id)
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	rep, err := web.Trial(context.WithoutCancel(ctx), st, id, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "run %d paused after %d of %d trial days (provisional: %s); deskdrill serve --resume %d --db %s continues it\n",
		id, rep.Status.DaysDone, rep.Status.Days, rep.Status.Verdict.Outcome, id, db)
	return nil
}

// resumeConfig fills rc for `serve --resume RUN` from the run as it was
// started: its scenario, seed and speed (flags that contradict them are
// refused), and its bots, customers and count unless flags set them.
func resumeConfig(c *cobra.Command, st *store.Store, o serveOptions, rc *web.RunConfig) (store.Run, error) {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	run, err := st.Run(c.Context(), o.resume)
	if err != nil {
		return run, fmt.Errorf("--resume: %w", err)
	}
	if run.State != store.RunInterrupted {
		return run, usage("--resume %d: the run is %s; only an interrupted run can be resumed", run.ID, run.State)
	}
	var conf struct {
		Bots      *int     `json:"bots"`
		BotSkill  *float64 `json:"bot_skill"`
		Customers string   `json:"customers"`
		Count     *int     `json:"count"`
	}
	if len(run.Config) > 0 {
		if err := json.Unmarshal(run.Config, &conf); err != nil {
			return run, fmt.Errorf("--resume %d: the run's configuration: %w", run.ID, err)
		}
	}
	f := c.Flags()
	if f.Changed("scenario") {
		rc.Scenario, err = scenarios.LoadScenario(o.scenario)
	} else {
		// The files the run started under, as recorded with it.
		rc.Scenario, _, err = web.RunScenario(c.Context(), st, run)
	}
	if err != nil {
		return run, fmt.Errorf("--resume %d: its scenario %s: %w (name its file with --scenario)", run.ID, run.Scenario, err)
	}
	switch {
	case rc.Scenario.Name != run.Scenario:
		return run, usage("--resume %d: the run plays %s, not %s", run.ID, run.Scenario, rc.Scenario.Name)
	case f.Changed("seed") && o.seed != run.Seed:
		return run, usage("--resume %d: the run's seed is %d, not %d", run.ID, run.Seed, o.seed)
	case f.Changed("speed") && o.speed != run.Speed:
		return run, usage("--resume %d: the run's speed is %g, not %g", run.ID, run.Speed, o.speed)
	}
	rc.Seed, rc.Speed, rc.Resume = run.Seed, run.Speed, run.ID
	if conf.Bots != nil && !f.Changed("bots") {
		rc.Bots = *conf.Bots
	}
	if conf.BotSkill != nil && !f.Changed("bot-skill") {
		rc.BotSkill = *conf.BotSkill
	}
	if conf.Customers != "" && !f.Changed("customers") {
		rc.Customers = conf.Customers
	}
	if conf.Count != nil && !f.Changed("count") {
		rc.Count = *conf.Count
	}
	return run, nil
}

// parseRunFlag reads --resume: a run number.
func parseRunFlag(s string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 1 {
		return 0, &wantError{want: "a run number such as 3 (deskdrill report --list)"}
	}
	return n, nil
}

// parseSizeFlag reads --db-max-size.
func parseSizeFlag(s string) (int64, error) {
	n, err := parseSize(s)
	if err != nil {
		return 0, &wantError{want: "a size such as 500MiB or 2GiB"}
	}
	return n, nil
}

// unwrapAddrErr is net's address error without its repetition of the
// address.
func unwrapAddrErr(err error) string {
	var ae *net.AddrError
	if errors.As(err, &ae) {
		return ae.Err
	}
	return err.Error()
}

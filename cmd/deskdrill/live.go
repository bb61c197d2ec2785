package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/bench/swarm"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/web/store"
)

// wsURL appends an endpoint's path to a hub address read by parseHub,
// unless the address already ends with it.
func wsURL(hub, path string) string {
	if strings.HasSuffix(hub, path) {
		return hub
	}
	return hub + path
}

// hubFlags defines --url and --token, which customers, agent and load
// need. The URL is checked as it is read; requireHub says which is missing.
func hubFlags(f *pflag.FlagSet, url, token *string, tokenName, tokenUsage string) {
	varFlag(f, url, "url", "ws://HOST:PORT", "the hub, ws://HOST:PORT", parseHub, func(s string) string { return s })
	f.StringVar(token, tokenName, "", tokenUsage)
}

// requireHub is the usage error for a missing --url or token, or nil.
func requireHub(c *cobra.Command, url string, tokens ...string) error {
	missing := []string{}
	if url == "" {
		missing = append(missing, "--url (the hub, such as ws://127.0.0.1:8080)")
	}
	for _, name := range tokens {
		if v, _ := c.Flags().GetString(name); strings.TrimSpace(v) == "" {
			missing = append(missing, "--"+name)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("%s is required", missing[0])}
	}
	return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("%s are required", strings.Join(missing, " and "))}
}

func newCustomersCmd() *cobra.Command {
	var (
		url, token, scenario string
		speed                float64
		count                int
		seed                 uint64
		patience             float64
		jsonOut              bool
		resumeAt             time.Duration
	)
	c := &cobra.Command{
		Use:   "customers --url ws://HOST --token T [flags]",
		Short: "Send synthetic customers to a hub (one started with serve --customers external)",
		Long: `customers runs the synthetic-customer swarm as its own process: customers arrive by the
scenario's arrival curve, time compressed by --speed, and chat with the hub's agents by the sim
customer model. It stops after --count customers or the scenario's duration, when every
conversation under way has ended, or at Ctrl-C (customers leave at once). The token is a
customer token (serve prints one with --customers external).`,
		Example: `  deskdrill customers --url ws://127.0.0.1:8080 --token dd_... --scenario steady-day --speed 60 --count 500`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
			}
			if err := requireHub(c, url, "token"); err != nil {
				return err
			}
			u := wsURL(url, "/ws/customer")
			if !c.Flags().Changed("seed") {
				seed = randomSeed()
			}
			sc, err := scenarios.LoadScenario(scenario)
			if err != nil {
				return flagged("--scenario", err)
			}
			var arrived, done atomic.Int64
			if resumeAt < 0 {
				return usage("--resume-at %v: want the scenario time serve --resume printed", resumeAt)
			}
			cfg := swarm.Config{URL: u, Token: token, Scenario: sc, Seed: seed, Speed: speed, Count: count, PatienceScale: patience, Resume: resumeAt,
				OnArrive: func() { arrived.Add(1) }, OnDone: func() { done.Add(1) }}
			logger, _ := newLogger(c.ErrOrStderr(), "warn")
			cfg.Logger = logger
			sw, err := swarm.New(cfg)
			if err != nil {
				return usage("%w", err)
			}
			stopBar := progress(c, count, &arrived, &done)
			sum, err := sw.Run(c.Context())
			stopBar()
			if err != nil {
				return err
			}
			if jsonOut {
				err = writeJSON(c.OutOrStdout(), sum)
			} else {
				fmt.Fprintf(c.OutOrStdout(), "customers: %d arrived, %d finished (%d abandoned), %d failed, %d disputes; %d frames sent, %d received, %d refused; %.1f s; seed %d\n",
					sum.Arrived, sum.Finished, sum.Abandoned, sum.Failed, sum.Disputes, sum.Sent, sum.Received, sum.Errors, sum.Elapsed.Seconds(), sum.Seed)
			}
			// Customers none of whom reached the hub did nothing: a
			// run-time failure (exit 1), as for agent and drill.
			if err == nil && sum.Arrived > 0 && sum.NotConnected == sum.Arrived {
				err = fmt.Errorf("customers: none of the %d could connect to %s (the address, the token, or the hub not running)", sum.Arrived, u)
			}
			return err
		},
	}
	f := c.Flags()
	hubFlags(f, &url, &token, "token", "a customer token")
	f.StringVar(&scenario, "scenario", demoScenario, "built-in scenario or scenario file")
	speedFlag(f, &speed)
	countFlag(f, &count, "stop after this many customers (0: the scenario's duration)")
	seedFlag(f, &seed, "seed (default: a random one, printed)")
	floatFlag(f, &patience, "patience-scale", 1, "multiply every patience draw", above(0, 1000),
		"a number above 0 such as 1.5 (every buyer waits 50 % longer)")
	f.BoolVar(&jsonOut, "json", false, "print the summary as JSON")
	// A scenario time can be a long trial's (weeks): bounded by a year,
	// not by the week other duration flags stop at.
	varFlag(f, &resumeAt, "resume-at", "duration", "continue an interrupted run's arrivals from this scenario time (serve --resume prints it; same --seed)",
		func(s string) (time.Duration, error) {
			d, err := scenarios.ParseDuration(s)
			if err != nil || d < 0 || d > 366*24*time.Hour {
				return 0, &wantError{want: "a scenario time such as 3h20m or 9d4h, at most 366d"}
			}
			return d, nil
		}, formatDuration)
	return c
}

// progress shows an mpb bar of customers on a terminal, none otherwise;
// the returned func stops it.
func progress(c *cobra.Command, total int, arrived, done *atomic.Int64) func() {
	if !isTerminal(c.ErrOrStderr()) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(c.Context())
	p := mpb.NewWithContext(ctx, mpb.WithOutput(c.ErrOrStderr()), mpb.WithWidth(40))
	bar := p.AddBar(int64(total),
		mpb.PrependDecorators(decor.Name("customers "), decor.Any(func(decor.Statistics) string {
			return fmt.Sprintf("%d arrived, %d done", arrived.Load(), done.Load())
		})),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.SetCurrent(done.Load())
			}
		}
	}()
	return func() {
		close(stop)
		bar.Abort(false)
		cancel()
		p.Wait()
	}
}

func newAgentCmd() *cobra.Command {
	var (
		url, token, seat string
		pause            think
		count            int
		skill            float64
		seed             uint64
	)
	c := &cobra.Command{
		Use:   "agent --url ws://HOST --token T [flags]",
		Short: "Run deskdrill's bot agents against a hub",
		Long: `agent connects --count bot agents to a hub with an agent (or supervisor) token. Each takes a
seat of its own (NAME/bot-01, ...), reads what the customer says and the order facts, and follows
the after-sales decision table: evidence first where the table wants it, escalation where it
must, the table's resolution with the right shipping payer and amount. --skill is the chance of
the right resolution and sets the speed. They run until Ctrl-C.`,
		Example: `  deskdrill agent --url ws://127.0.0.1:8080 --token dd_... --count 10 --skill 0.9 --think 2s..20s`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
			}
			if err := requireHub(c, url, "token"); err != nil {
				return err
			}
			u := wsURL(url, "/ws/agent")
			lo, hi := pause.Min, pause.Max
			if !c.Flags().Changed("seed") {
				seed = randomSeed()
			}
			logger, _ := newLogger(c.ErrOrStderr(), "info")
			team, err := bot.New(bot.Config{URL: u, Token: token, Count: count, Seat: seat, Skill: skill, ThinkMin: lo, ThinkMax: hi, Seed: seed, Logger: logger})
			if err != nil {
				return usage("%w", err)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d bot agents on %s (skill %.2f, think %v..%v, seed %d); Ctrl-C stops them\n", count, u, skill, lo, hi, seed)
			err = team.Run(c.Context())
			s := team.Stats()
			fmt.Fprintf(c.OutOrStdout(), "bots: %d conversations, %d closed, %d escalated\n", s.Conversations, s.Closed, s.Escalated)
			return err
		},
	}
	f := c.Flags()
	hubFlags(f, &url, &token, "token", "an agent or supervisor token")
	intFlag(f, &count, "count", 1, "bots to run", 1, maxBots, "a whole number of bots from 1 to 5000 such as 10")
	f.StringVar(&seat, "seat", "bot-", "seat name prefix")
	floatFlag(f, &skill, "skill", 0.9, "chance of the right resolution (0 to 1), and speed", share, "a share from 0 to 1 such as 0.9")
	thinkFlag(f, &pause, think{2 * time.Second, 20 * time.Second}, "pause before each step, MIN..MAX")
	seedFlag(f, &seed, "seed (default: a random one, printed)")
	return c
}

func newTokensCmd() *cobra.Command {
	var db, role, name string
	create := &cobra.Command{
		Use:   "create --role ROLE --name NAME [--db FILE]",
		Short: "Create a token; it is printed once and stored hashed",
		Example: `  deskdrill tokens create --role agent --name 小王
  deskdrill tokens create --role viewer --name merchant-audit`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if strings.TrimSpace(name) == "" {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--name is required")}
			}
			if !slices.Contains([]string{store.RoleAdmin, store.RoleSupervisor, store.RoleViewer, store.RoleAgent, store.RoleCustomer}, role) {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--role %q: want admin, supervisor, viewer, agent or customer", role)}
			}
			if err := dbNotDir(c, db); err != nil {
				return err
			}
			st, err := store.Open(c.Context(), db, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			plain, t, err := st.CreateToken(c.Context(), role, name)
			if err != nil {
				return &usageError{cmd: c.CommandPath(), err: err}
			}
			fmt.Fprintf(c.OutOrStdout(), "%s\n", plain)
			fmt.Fprintf(c.ErrOrStderr(), "token %d for %s (%s); it is shown only now\n", t.ID, t.Name, t.Role)
			return nil
		},
	}
	create.Flags().StringVar(&role, "role", store.RoleAgent, "admin, supervisor, viewer, agent or customer")
	create.Flags().StringVar(&name, "name", "", "who the token is for (an agent's name is its token's)")
	list := &cobra.Command{
		Use:     "list [--db FILE]",
		Short:   "List tokens (names and roles; the tokens themselves are not stored)",
		Example: "  deskdrill tokens list --db deskdrill.db",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			ts, err := st.Tokens(c.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tROLE\tNAME\tCREATED")
			for _, t := range ts {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", t.ID, t.Role, t.Name, t.Created.Format(time.RFC3339))
			}
			return tw.Flush()
		},
	}
	revoke := &cobra.Command{
		Use:   "revoke ID|NAME [--db FILE]",
		Short: "Revoke a token: refused from now on, its open connections closed",
		Long: `revoke revokes a token, by its ID or its name (deskdrill tokens list shows both; a name
several tokens carry needs the ID). The token is refused from then on; a server running on the
same file closes the token's open WebSocket connections within 2 seconds (close code 4401,
"token revoked"). The row stays in the file, marked revoked, for the record.`,
		Example: `  deskdrill tokens revoke 7 --db deskdrill.db
  deskdrill tokens revoke 小王`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			t, err := st.FindToken(c.Context(), args[0])
			var ambiguous *store.AmbiguousTokenError
			if errors.Is(err, store.ErrNotFound) || errors.As(err, &ambiguous) {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("revoke %q: %w (deskdrill tokens list shows the tokens)", args[0], err)}
			}
			if err != nil {
				return err
			}
			if err := st.RevokeToken(c.Context(), t.ID); err != nil {
				return err
			}
			fmt.Fprintf(c.OutOrStdout(), "revoked token %d for %s (%s)\n", t.ID, t.Name, t.Role)
			return nil
		},
	}
	g := groupCmd("tokens", "Access tokens with a role (admin, supervisor, viewer, agent, customer)", "  deskdrill tokens create --role agent --name alice", create, list, revoke)
	g.PersistentFlags().StringVar(&db, "db", "deskdrill.db", "SQLite file of the hub")
	return g
}

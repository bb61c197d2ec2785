package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/deskdrill/deskdrill/bench/report"

	// main has a type named load (scenarios.go).
	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

func newLoadCmd() *cobra.Command {
	var (
		cfg     loadgen.Config
		out     engineOutput
		metrics string
	)
	c := &cobra.Command{
		Use:   "load --url ws://HOST --customer-token T --agent-token T [flags]",
		Short: "Load-test a hub's relay: paced customer messages echoed by agents, latency and throughput",
		Long: `load opens --customers customer connections and --agents echo agents on a hub (one started
with serve --customers external --bots 0), has every customer start a conversation, and, once
the agents hold them, sends customer messages at --rate (over all customers, round robin) for
--duration. Each agent answers each message at once with the same text, so every message is
relayed twice. The pace is open-loop: latency is measured from each message's intended send
time. It reports messages relayed and the round trip's percentiles, and, from the hub's
/metrics, its relay count, relay latency (frame read to frame written) and CPU time per
relayed message over the same window.

load is the quick form of deskdrill drill (docs/drills.md): one stage at a constant rate. It
takes the same --threshold conditions (exit status 99 when one fails), --summary FILE.json
(every metric, every latency histogram in HdrHistogram's encoding, per interval too),
--html FILE (a self-contained report) and --shard i/n (run the i-th of n equal parts;
deskdrill merge joins the parts' summaries).

With --idle it only opens the connections (customers start no conversation), holds them for
--duration and reports memory per connection, the hub's (from /metrics) and its own; its
thresholds may name customers, agents, failed_connections, hub_memory_per_connection and
generator_memory_per_connection.

The agents' seats are TOKENNAME/load-00001 and up; the hub's concurrency (the scenario's
staffing.concurrency) decides how many customers each agent takes.`,
		Example: `  deskdrill load --url ws://127.0.0.1:8080 --customer-token dd_... --agent-token dd_... --customers 1000 --agents 100 --rate 2500/s --duration 30s
  deskdrill load --url ws://127.0.0.1:8080 --customer-token dd_... --agent-token dd_... --rate 500/s \
      --threshold 'round_trip_p99 < 50ms' --threshold 'dropped == 0' --summary load.json --html load.html
  deskdrill load --url ws://127.0.0.1:8080 --customer-token dd_... --agent-token dd_... --customers 10000 --agents 1000 --idle --duration 20s \
      --threshold 'hub_memory_per_connection < 40KiB' --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := requireHub(c, cfg.URL, "customer-token"); err != nil {
				return err
			}
			// As in a drill file: a KPI or refund threshold without a
			// viewer token could only fail, so it is bad input before the
			// run.
			for _, th := range cfg.Thresholds {
				if cfg.ViewerToken == "" && (strings.HasPrefix(th.Metric, "kpi.") || th.Metric == "refund") {
					return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--threshold %q: %s is read from the hub's /api/live: give --viewer-token", th.Expr, th.Metric)}
				}
			}
			cfg.MetricsURL = metrics
			return runEngine(c, cfg, out)
		},
	}
	f := c.Flags()
	hubFlags(f, &cfg.URL, &cfg.CustomerToken, "customer-token", "a customer token")
	f.StringVar(&cfg.AgentToken, "agent-token", "", "an agent token")
	f.StringVar(&cfg.ViewerToken, "viewer-token", "", "a viewer token: read the contract's KPIs of the hub's run at the end (for kpi.ID and refund thresholds)")
	intFlag(f, &cfg.Customers, "customers", 100, "customer connections (all shards)", 0, maxConnections, "a whole number of connections from 0 such as 1000")
	intFlag(f, &cfg.Agents, "agents", 10, "echo agent connections (all shards)", 0, maxConnections, "a whole number of connections from 0 such as 100")
	cfg.Rate = loadgen.Rate{Freq: 100, Per: time.Second}
	varFlag(f, &cfg.Rate, "rate", "rate", "customer messages per unit over all customers (each relayed twice)", parseLoadRate, loadgen.Rate.String)
	durationFlag(f, &cfg.Duration, "duration", 10*time.Second, "how long to send (or, with --idle, to hold the connections)",
		time.Nanosecond, "a duration above 0 such as 30s or 5m")
	f.BoolVar(&cfg.Idle, "idle", false, "open and hold the connections only, and report memory per connection")
	f.StringVar(&metrics, "metrics", "", "the hub's Prometheus endpoint (default http://HOST:PORT/metrics; - for none)")
	f.StringVar(&cfg.Seat, "seat", loadgen.DefaultSeat, "agents' seat prefix")
	intFlag(f, &cfg.Dialers, "dialers", loadgen.DefaultDialers, "connections opened at once", 1, maxConnections, "a whole number from 1 such as 64")
	intFlag(f, &cfg.Workers, "workers", loadgen.DefaultWorkers, "goroutines sending the paced messages", 1, 10_000, "a whole number from 1 such as 64")
	durationFlag(f, &cfg.Setup, "setup-timeout", loadgen.DefaultSetup, "longest wait for the connections and assignments",
		time.Nanosecond, "a duration above 0 such as 1m")
	// A drill file's interval has the same bounds.
	durationRangeFlag(f, &cfg.Interval, "interval", loadgen.DefaultInterval, "length of the summary's intervals", 10*time.Millisecond, time.Hour, "a duration from 10ms to 1h such as 1s")
	thresholdFlag(f, &cfg.Thresholds)
	shardFlag(f, &cfg.Shard)
	out.flags(f)
	return c
}

// maxConnections bounds --customers, --agents and --dialers of load.
const maxConnections = 1_000_000

// engineOutput is where a load or drill writes its results.
type engineOutput struct {
	summary, html string
	json          bool
}

func (o *engineOutput) flags(f *pflag.FlagSet) {
	f.StringVar(&o.summary, "summary", "", "write the summary, every metric and histogram, as JSON to this file (deskdrill merge reads it)")
	f.StringVar(&o.html, "html", "", "write a self-contained HTML report to this file")
	f.BoolVar(&o.json, "json", false, "print the summary as JSON instead of text")
}

// thresholdFlag defines --threshold, repeatable.
func thresholdFlag(f *pflag.FlagSet, p *[]loadgen.Threshold) {
	f.Var(&thresholdValues{p: p}, "threshold", "a condition the run must meet, such as 'round_trip_p99 < 50ms' (repeatable; exit 99 when one fails; docs/drills.md lists the metrics)")
}

// thresholdValues are --threshold flags: each parsed as it is read.
type thresholdValues struct{ p *[]loadgen.Threshold }

const thresholdWant = "METRIC OP VALUE such as 'round_trip_p99 < 50ms', 'errors_rate < 0.001' or 'dropped == 0'"

func (v *thresholdValues) wants() string { return thresholdWant }

func (v *thresholdValues) Set(s string) error {
	t, err := loadgen.ParseThreshold(s)
	if err != nil {
		reason := strings.TrimPrefix(err.Error(), fmt.Sprintf("threshold %q: ", s))
		return &wantError{reason: reason, want: thresholdWant}
	}
	*v.p = append(*v.p, t)
	return nil
}

func (v *thresholdValues) String() string {
	if v == nil || v.p == nil {
		return ""
	}
	parts := make([]string, len(*v.p))
	for i, t := range *v.p {
		parts[i] = t.Expr
	}
	return strings.Join(parts, ", ")
}

func (v *thresholdValues) Type() string { return "expr" }

// shardFlag defines --shard i/n.
func shardFlag(f *pflag.FlagSet, p *loadgen.Shard) {
	*p = loadgen.Shard{Index: 0, Of: 1}
	varFlag(f, p, "shard", "i/n", "run the i-th of n equal parts of the load (from 0; deskdrill merge joins the summaries)", parseShard, loadgen.Shard.String)
}

func parseShard(s string) (loadgen.Shard, error) {
	sh, err := loadgen.ParseShard(s)
	if err != nil {
		return loadgen.Shard{}, &wantError{want: "i/n with 0 ≤ i < n ≤ 10000 such as 0/4 (the first of four)"}
	}
	return sh, nil
}

// runEngine runs the load engine with cfg, shows its progress, writes its
// outputs and returns a *loadgen.ThresholdError when a threshold failed.
func runEngine(c *cobra.Command, cfg loadgen.Config, out engineOutput) error {
	usage := func(err error) error { return &usageError{cmd: c.CommandPath(), err: err} }
	logger, err := newLogger(c.ErrOrStderr(), "warn")
	if err != nil {
		return err
	}
	cfg.Logger = logger
	// The files are opened first: a path that cannot be written is bad
	// input, found before the run rather than after it.
	files, err := openOutputs(out)
	if err != nil {
		return usage(err)
	}
	defer files.close()
	lines := !isTerminal(c.ErrOrStderr())
	if lines {
		cfg.OnInterval = intervalLine(c.ErrOrStderr(), cfg)
	}
	r, err := loadgen.New(cfg)
	if err != nil {
		return usage(err)
	}
	stop := func() {}
	if !lines {
		stop = loadProgress(c, cfg, r)
	}
	s, runErr := r.Run(c.Context())
	stop()
	if s == nil {
		return runErr
	}
	if err := files.write(s); err != nil {
		return errors.Join(runErr, err)
	}
	if runErr != nil {
		return runErr
	}
	if out.json {
		if err := writeJSON(c.OutOrStdout(), s); err != nil {
			return err
		}
	} else {
		printSummary(c.OutOrStdout(), s)
	}
	if failed := s.FailedThresholds(); len(failed) > 0 {
		return &loadgen.ThresholdError{Failed: failed}
	}
	return nil
}

// outputs are the summary and report files, created before the run.
type outputs struct {
	summary, html *os.File
}

func openOutputs(o engineOutput) (*outputs, error) {
	var out outputs
	for _, x := range []struct {
		name, flag string
		dst        **os.File
	}{{o.summary, "--summary", &out.summary}, {o.html, "--html", &out.html}} {
		if x.name == "" {
			continue
		}
		f, err := os.Create(x.name)
		if err != nil {
			out.close()
			return nil, fmt.Errorf("%s %s: %w", x.flag, x.name, err)
		}
		*x.dst = f
	}
	return &out, nil
}

func (o *outputs) close() {
	for _, f := range []*os.File{o.summary, o.html} {
		if f != nil {
			f.Close()
		}
	}
}

func (o *outputs) write(s *loadgen.Summary) error {
	if o.summary != nil {
		if err := writeJSON(o.summary, s); err != nil {
			return fmt.Errorf("write summary %s: %w", o.summary.Name(), err)
		}
		if err := o.summary.Close(); err != nil {
			return fmt.Errorf("write summary %s: %w", o.summary.Name(), err)
		}
		o.summary = nil
	}
	if o.html != nil {
		if err := report.Write(o.html, s); err != nil {
			return fmt.Errorf("write report %s: %w", o.html.Name(), err)
		}
		if err := o.html.Close(); err != nil {
			return fmt.Errorf("write report %s: %w", o.html.Name(), err)
		}
		o.html = nil
	}
	return nil
}

// intervalLine returns the OnInterval that prints a line per interval:
// the progress display where there is no terminal (CI logs).
func intervalLine(w io.Writer, cfg loadgen.Config) func(loadgen.Interval) {
	// An interval's rates are over its own length, from the end of the one
	// before (as the report's charts take them): the last ends with the
	// run, short of a whole interval, and each ends when the ticker fired,
	// a little after its nominal end.
	var prev time.Duration
	return func(iv loadgen.Interval) {
		secs := cfg.Interval.Seconds()
		if d := iv.End - prev; d > 0 {
			secs = d.Seconds()
		}
		prev = iv.End
		line := fmt.Sprintf("t=%6.1fs", iv.End.Seconds())
		if iv.Intended > 0 {
			line += fmt.Sprintf("  intended %7.1f/s", float64(iv.Intended))
		}
		if cfg.Scenario != nil {
			line += fmt.Sprintf("  arrived %5d (%6.1f/s)", iv.Arrived, float64(iv.Arrived)/secs)
			if l := iv.FirstResponse; l != nil {
				line += fmt.Sprintf("  first response p50 %s p90 %s", round(l.P50), round(l.P90))
			}
		} else {
			line += fmt.Sprintf("  sent %6d (%7.1f/s)  back %6d", iv.Sent, float64(iv.Sent)/secs, iv.Received)
			if l := iv.RTT; l != nil {
				line += fmt.Sprintf("  rtt p50 %s p99 %s", round(l.P50), round(l.P99))
			}
		}
		if iv.Errors > 0 {
			line += fmt.Sprintf("  errors %d", iv.Errors)
		}
		fmt.Fprintln(w, line)
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}

// loadProgress shows an mpb bar of the run on a terminal; the returned
// func stops it.
func loadProgress(c *cobra.Command, cfg loadgen.Config, r *loadgen.Runner) func() {
	ctx, cancel := context.WithCancel(c.Context())
	p := mpb.NewWithContext(ctx, mpb.WithOutput(c.ErrOrStderr()), mpb.WithWidth(40))
	total := int64(r.Progress().Total)
	if cfg.Idle {
		total = int64(cfg.Shard.Count(cfg.Customers) + cfg.Shard.Count(cfg.Agents))
	}
	bar := p.AddBar(total,
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			pr := r.Progress()
			if cfg.Scenario != nil {
				return fmt.Sprintf("%-10s %d arrived", pr.Phase, pr.Arrived)
			}
			return fmt.Sprintf("%-10s %d connected, %d assigned, %d sent, %d back", pr.Phase, pr.Connected, pr.Assigned, pr.Sent, pr.Received)
		})),
		mpb.AppendDecorators(decor.Elapsed(decor.ET_STYLE_GO)))
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				pr := r.Progress()
				switch {
				case cfg.Idle:
					bar.SetCurrent(pr.Connected)
				case cfg.Scenario != nil:
					bar.SetCurrent(pr.Arrived)
				default:
					bar.SetCurrent(int64(pr.Sent))
				}
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		bar.Abort(false)
		cancel()
		p.Wait()
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// printSummary writes the summary for people.
func printSummary(w io.Writer, s *loadgen.Summary) {
	if s.Name != "" {
		fmt.Fprintf(w, "drill %s", s.Name)
		if s.Mode == loadgen.ModeScenario {
			fmt.Fprintf(w, " (seed %d)", s.Seed)
		}
		fmt.Fprintln(w)
	}
	if len(s.Shards) > 1 || s.Shards[0].Of > 1 {
		idx := make([]string, len(s.Shards))
		for i, sh := range s.Shards {
			idx[i] = sh.Shard.String()
		}
		fmt.Fprintf(w, "shards: %s\n", strings.Join(idx, ", "))
	}
	fmt.Fprintf(w, "connections: %d customers, %d agents (%d failed), %d customers assigned; set up in %.1f s\n",
		s.Customers, s.Agents, s.Failed, s.Assigned, s.Setup.Seconds())
	switch s.Mode {
	case loadgen.ModeIdle:
		if m := s.Memory; m != nil {
			fmt.Fprintf(w, "memory per connection (%d): hub %.1f KiB resident (%.0f → %.0f MiB), %.1f KiB Go heap+stacks; this process %.1f KiB resident, %.1f KiB heap+stacks\n",
				m.Connections, m.HubRSSPerConn/1024, m.HubRSSBefore/(1<<20), m.HubRSSAfter/(1<<20), m.HubHeapStackPerConn/1024, m.SelfRSSPerConn/1024, m.SelfHeapStackPerConn/1024)
		}
		printThresholds(w, s)
		return
	case loadgen.ModeScenario:
		fmt.Fprintf(w, "synthetic customers over %s: %d arrived, %d finished (%d abandoned), %d could not finish, %d disputes; %d frames sent, %d received, %d hub errors\n",
			ranFor(s), s.Arrived, s.Finished, s.Abandoned, s.Dropped, s.Disputes, s.FramesSent, s.FramesReceived, s.HubErrors)
		if l := s.FirstResponse; l != nil {
			fmt.Fprintf(w, "first response (s): p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", l.P50.Seconds(), l.P90.Seconds(), l.P99.Seconds(), l.Max.Seconds())
		}
	default:
		// The rate is the drill's: a shard sends its part of it.
		rate := fmt.Sprintf("at %.0f/s", s.Rate)
		if len(s.Shards) == 1 && !s.Shards[0].Whole() {
			rate = fmt.Sprintf("(shard %v's part of a drill at %.0f/s)", s.Shards[0].Shard, s.Rate)
		}
		fmt.Fprintf(w, "sent %d customer messages %s for %s: %d reached agents, %d echoed, %d came back (%d send errors, %d hub errors, %d dropped)\n",
			s.Sent, rate, ranFor(s), s.Delivered, s.Echoed, s.Received, s.SendErrors, s.HubErrors, s.Dropped)
		fmt.Fprintf(w, "relayed (own count): %d in %.2f s = %.0f/s\n", s.Relayed, s.Elapsed.Seconds(), s.RelayedPerSecond)
		if l := s.RTT; l != nil {
			fmt.Fprintf(w, "round trip from the intended send time (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
				ms(l.P50), ms(l.P90), ms(l.P99), ms(l.P999), ms(l.Max))
		}
		if l := s.Lateness; l != nil {
			fmt.Fprintf(w, "generator lateness (ms): p50 %.2f  p99 %.2f  max %.2f\n", ms(l.P50), ms(l.P99), ms(l.Max))
		}
		if o, b := s.Outbound, s.Return; o != nil && b != nil {
			fmt.Fprintf(w, "legs, by the agent's receive-side timestamp (ms): out p50 %.2f p99 %.2f; back p50 %.2f p99 %.2f\n",
				ms(o.P50), ms(o.P99), ms(b.P50), ms(b.P99))
		}
	}
	if h := s.Hub; h != nil {
		fmt.Fprintf(w, "hub (/metrics): relayed %.0f in %.2f s = %.0f/s; relay latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (%.2f%% above the top bucket)\n",
			h.Relayed, h.Window.Seconds(), h.PerSecond, h.LatencyP50*1e3, h.LatencyP90*1e3, h.LatencyP99*1e3, 100*h.LatencyOver)
		if h.CPU > 0 {
			fmt.Fprintf(w, "hub CPU: %.2f s over the window = %.1f µs per relayed message\n", h.CPU.Seconds(), float64(h.CPUPerRelayed)/float64(time.Microsecond))
		}
	}
	if g := s.Generator; g.Wall > 0 {
		fmt.Fprintf(w, "generator: %.2f s CPU over %.1f s on %d cores (%.0f %% busy)\n", g.CPU.Seconds(), g.Wall.Seconds(), g.Cores, 100*g.Busy)
		if g.Bottleneck {
			fmt.Fprintf(w, "WARNING: %s\n", g.Warning)
		}
	}
	if k := s.KPIs; k != nil {
		fmt.Fprintf(w, "hub's run: %d conversations scored; refund owed so far %.2f\n", k.Conversations, k.Refund)
	}
	if s.Aborted != "" {
		fmt.Fprintf(w, "ABORTED: %s\n", s.Aborted)
	}
	printThresholds(w, s)
}

// printThresholds prints a line per threshold: ✓ held, ✗ failed, · left
// to the merge (a shard).
func printThresholds(w io.Writer, s *loadgen.Summary) {
	for _, t := range s.Thresholds {
		mark := "✓"
		switch {
		case !t.Judged:
			mark = "·"
		case !t.OK:
			mark = "✗"
		}
		fmt.Fprintf(w, "%s %s\n", mark, t.Text)
	}
}

// ranFor is how long the run paced: its planned duration, or for a run
// a threshold aborted, how far it got of it.
func ranFor(s *loadgen.Summary) string {
	if s.Aborted == "" {
		return s.Duration.String()
	}
	return fmt.Sprintf("%.1fs of the planned %v (aborted)", s.Elapsed.Seconds(), s.Duration)
}

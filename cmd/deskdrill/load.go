package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	// main has a type named load (scenarios.go).
	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

func newLoadCmd() *cobra.Command {
	var (
		cfg     loadgen.Config
		jsonOut bool
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

With --idle it only opens the connections (customers start no conversation), holds them for
--duration and reports memory per connection, the hub's (from /metrics) and its own.

The agents' seats are TOKENNAME/load-00001 and up; the hub's concurrency (the scenario's
staffing.concurrency) decides how many customers each agent takes.`,
		Example: `  deskdrill load --url ws://127.0.0.1:8080 --customer-token dd_... --agent-token dd_... --customers 1000 --agents 100 --rate 2500/s --duration 30s
  deskdrill load --url ws://127.0.0.1:8080 --customer-token dd_... --agent-token dd_... --customers 10000 --agents 1000 --idle --duration 20s --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
			}
			if err := requireHub(c, cfg.URL, "customer-token"); err != nil {
				return err
			}
			cfg.MetricsURL = metrics
			logger, err := newLogger(c.ErrOrStderr(), "warn")
			if err != nil {
				return err
			}
			cfg.Logger = logger
			r, err := loadgen.New(cfg)
			if err != nil {
				return usage("%w", err)
			}
			stop := loadProgress(c, cfg, r)
			res, err := r.Run(c.Context())
			stop()
			if err != nil {
				return err
			}
			if jsonOut {
				return writeJSON(c.OutOrStdout(), res)
			}
			printLoad(c.OutOrStdout(), res)
			return nil
		},
	}
	f := c.Flags()
	hubFlags(f, &cfg.URL, &cfg.CustomerToken, "customer-token", "a customer token")
	f.StringVar(&cfg.AgentToken, "agent-token", "", "an agent token")
	intFlag(f, &cfg.Customers, "customers", 100, "customer connections", 0, maxConnections, "a whole number of connections from 0 such as 1000")
	intFlag(f, &cfg.Agents, "agents", 10, "echo agent connections", 0, maxConnections, "a whole number of connections from 0 such as 100")
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
	f.BoolVar(&jsonOut, "json", false, "print the result as JSON")
	return c
}

// maxConnections bounds --customers, --agents and --dialers of load.
const maxConnections = 1_000_000

// loadProgress shows an mpb bar of the run on a terminal, none otherwise;
// the returned func stops it.
func loadProgress(c *cobra.Command, cfg loadgen.Config, r *loadgen.Runner) func() {
	if !isTerminal(c.ErrOrStderr()) {
		return func() {}
	}
	ctx, cancel := context.WithCancel(c.Context())
	p := mpb.NewWithContext(ctx, mpb.WithOutput(c.ErrOrStderr()), mpb.WithWidth(40))
	total := int64(cfg.Customers + cfg.Agents)
	if !cfg.Idle {
		total = int64(loadgen.ConstantPacer{Rate: cfg.Rate, Duration: cfg.Duration}.Total())
	}
	bar := p.AddBar(total,
		mpb.PrependDecorators(decor.Any(func(decor.Statistics) string {
			pr := r.Progress()
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
				if cfg.Idle {
					bar.SetCurrent(pr.Connected)
				} else {
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

func printLoad(w io.Writer, r loadgen.Result) {
	fmt.Fprintf(w, "connections: %d customers, %d agents (%d failed), %d customers assigned; set up in %.1f s\n",
		r.Customers, r.Agents, r.Failed, r.Assigned, r.Setup.Seconds())
	if r.Mode == "idle" {
		if m := r.Memory; m != nil {
			fmt.Fprintf(w, "memory per connection (%d): hub %.1f KiB resident (%.0f → %.0f MiB), %.1f KiB Go heap+stacks; this process %.1f KiB resident, %.1f KiB heap+stacks\n",
				m.Connections, m.HubRSSPerConn/1024, m.HubRSSBefore/(1<<20), m.HubRSSAfter/(1<<20), m.HubHeapStackPerConn/1024, m.SelfRSSPerConn/1024, m.SelfHeapStackPerConn/1024)
		}
		return
	}
	fmt.Fprintf(w, "sent %d customer messages at %.0f/s for %v: %d reached agents, %d echoed, %d came back (%d send errors, %d hub errors)\n",
		r.Sent, r.Rate, r.Duration, r.Delivered, r.Echoed, r.Received, r.SendErrors, r.HubErrors)
	fmt.Fprintf(w, "relayed (own count): %d in %.2f s = %.0f/s\n", r.Relayed, r.Elapsed.Seconds(), r.RelayedPerSecond)
	fmt.Fprintf(w, "round trip from the intended send time (ms): p50 %.2f  p90 %.2f  p99 %.2f  p99.9 %.2f  max %.2f\n",
		ms(r.RTT.P50), ms(r.RTT.P90), ms(r.RTT.P99), ms(r.RTT.P999), ms(r.RTT.Max))
	fmt.Fprintf(w, "generator lateness (ms): p50 %.2f  p99 %.2f  max %.2f\n", ms(r.Lateness.P50), ms(r.Lateness.P99), ms(r.Lateness.Max))
	if h := r.Hub; h != nil {
		fmt.Fprintf(w, "hub (/metrics): relayed %.0f in %.2f s = %.0f/s; relay latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms (%.2f%% above the top bucket)\n",
			h.Relayed, h.Window.Seconds(), h.PerSecond, h.LatencyP50*1e3, h.LatencyP90*1e3, h.LatencyP99*1e3, 100*h.LatencyOver)
		if h.CPU > 0 {
			fmt.Fprintf(w, "hub CPU: %.2f s over the window = %.1f µs per relayed message\n", h.CPU.Seconds(), float64(h.CPUPerRelayed)/float64(time.Microsecond))
		}
	}
}

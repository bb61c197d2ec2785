package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/bench/drill"
	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

func newDrillCmd() *cobra.Command {
	var (
		out   engineOutput
		shard loadgen.Shard
		seed  uint64
	)
	c := &cobra.Command{
		Use:   "drill FILE [flags]",
		Short: "Run a load drill from a file: stages, thresholds, a summary and an HTML report (exit 99 when a threshold fails)",
		Long: `drill runs the load drill written in FILE (docs/drills.md) against a hub: its customers (echo
customers, or synthetic customers of a scenario), the agents it brings (echo agents, deskdrill's
bots, or none when the team under test answers), its stages (ramp up, hold, spike, ramp down: the
rate of messages, or of arrivals, over time; open model: the pace does not wait for the hub) and
its thresholds (round_trip_p99 < 50ms, relay_p99 < 5ms, first_response_p90 < 30s,
errors_rate < 0.001, dropped == 0, kpi.satisfaction >= 0.9, ...).

It shows a progress bar on a terminal and prints a line per interval otherwise (CI logs), then
the summary with every threshold and the value it was judged on. Exit status: 0 every threshold
held, 99 one failed, 1 the run failed, 2 bad input (the file, a flag).

--summary FILE.json keeps every metric and every latency histogram (HdrHistogram's standard
encoding) for later: deskdrill merge joins the summaries of --shard i/n runs into the whole
drill's and judges the thresholds on it. --html FILE writes a self-contained report with charts.
Values ${NAME} in the file's hub, metrics and tokens are read from the environment.`,
		Example: `  deskdrill drill double11-rehearsal.yaml
  deskdrill drill ci-gate.yaml --summary gate.json --html gate.html
  deskdrill drill rehearsal.yaml --shard 0/4 --summary shard-0.json     # one of four machines
  deskdrill merge shard-*.json --html rehearsal.html                    # then, the whole drill`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			f, err := drill.Load(args[0])
			if err != nil {
				return err
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			cfg.Shard = shard
			if c.Flags().Changed("seed") {
				cfg.Seed = seed
			}
			if cfg.Scenario != nil && cfg.Seed == 0 {
				if !shard.Whole() {
					return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("a sharded drill of synthetic customers needs a fixed seed, the same on every shard: set seed in %s or give --seed", args[0])}
				}
				cfg.Seed = randomSeed()
				fmt.Fprintf(c.ErrOrStderr(), "seed %d (give --seed %d to run the same customers again)\n", cfg.Seed, cfg.Seed)
			}
			return runEngine(c, cfg, out)
		},
	}
	f := c.Flags()
	shardFlag(f, &shard)
	seedFlag(f, &seed, "root seed of synthetic customers (default: the file's, else a random one, printed)")
	out.flags(f)
	return c
}

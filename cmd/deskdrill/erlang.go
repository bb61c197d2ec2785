package main

import (
	"errors"
	"fmt"
	"math"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim/queue"
)

type erlangOptions struct {
	arrivals                    queue.Rate
	aht, patience, target       time.Duration
	agents                      int
	solveSL, maxAbandon, maxOcc float64
	shrinkage                   float64
	json                        bool
}

func newErlangCmd() *cobra.Command {
	var o erlangOptions
	c := &cobra.Command{
		Use:   "erlang --arrivals R/h --aht S (--agents C | --solve-sl SL) [flags]",
		Short: "Exact queueing formulas: Erlang C, Erlang A with patience, and the fewest agents for a target",
		Long: `erlang evaluates a stationary queue with the exact formulas: Erlang C (M/M/c) without
--patience, Erlang A (M/M/c+M, buyers abandon after an exponential patience) with it. It prints
the probability of waiting, the mean wait of those answered (ASA), the service level within
--target (answered within T ÷ offered: abandoned contacts stay in the denominator), the
probability of abandoning and the occupancy.

With --solve-sl instead of --agents it finds the fewest agents that meet the service level,
--max-abandon and --max-occupancy, and with --shrinkage the agents to schedule.

Erlang C has no answer at a load of one Erlang per agent or more: the queue grows without end.
erlang says so (and exits 0); Erlang A, with patience, always answers. Chat concurrency is not
in these formulas: see docs/queueing.md for the approximation, and deskdrill simulate or plan
for the engine that models it.`,
		Example: `  deskdrill erlang --arrivals 100/30m --aht 180s --agents 14 --target 20s
  deskdrill erlang --arrivals 200/h --aht 3m --agents 14 --patience 5m --json
  deskdrill erlang --arrivals 200/h --aht 3m --target 20s --solve-sl 0.8 --max-occupancy 0.85 --shrinkage 0.3`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runErlang(c, o) },
	}
	f := c.Flags()
	queueFlags(f, &o.arrivals, &o.aht, &o.patience, &o.target)
	intFlag(f, &o.agents, "agents", 0, "agents on the queue", 1, maxQueueAgents, "a whole number of agents from 1 such as 14")
	floatFlag(f, &o.solveSL, "solve-sl", 0, "find the fewest agents with this service level (0.8 = 80 % within T)",
		share, "a share from 0 to 1 such as 0.8 (80 % answered within --target)")
	floatFlag(f, &o.maxAbandon, "max-abandon", 0, "with --solve-sl: the most P(abandon) allowed", share, "a share from 0 to 1 such as 0.05")
	floatFlag(f, &o.maxOcc, "max-occupancy", 0, "with --solve-sl: the most occupancy allowed", share, "a share from 0 to 1 such as 0.85")
	floatFlag(f, &o.shrinkage, "shrinkage", 0, "share of paid time off the queue (breaks, training): scheduled = agents ÷ (1 − shrinkage)",
		from(0, 0.99), "a share from 0 to 0.99 such as 0.3")
	f.BoolVar(&o.json, "json", false, "print one JSON object")
	return c
}

// maxQueueAgents bounds --agents of a stationary queue.
const maxQueueAgents = 100_000

// queueFlags defines the flags of a stationary queue that erlang and
// simulate share.
func queueFlags(f *pflag.FlagSet, arrivals *queue.Rate, aht, patience, target *time.Duration) {
	varFlag(f, arrivals, "arrivals", "rate", "arrival rate, such as 200/h, 100/30m or 3/s (required)", parseRate, formatRate)
	durationFlag(f, aht, "aht", 0, "mean handle time, such as 180s or 3m (required)", time.Nanosecond, "a duration above 0 such as 180s or 3m")
	durationFlag(f, patience, "patience", 0, "mean patience (exponential); without it nobody abandons (Erlang C)",
		0, "a duration such as 5m (0 for none)")
	durationFlag(f, target, "target", 20*time.Second, "service-level threshold T", 0, "a duration such as 20s")
}

// erlangReport is the JSON of erlang. Metrics a model cannot give are
// null: Erlang C's at overload, P(abandon) without patience.
type erlangReport struct {
	Model           string   `json:"model"`
	ArrivalsPerHour float64  `json:"arrivals_per_hour"`
	AHTSeconds      float64  `json:"aht_s"`
	PatienceS       *float64 `json:"patience_s,omitempty"`
	TargetS         float64  `json:"target_s"`
	Load            float64  `json:"load"`
	Agents          int      `json:"agents"`
	Stable          bool     `json:"stable"`
	PWait           *float64 `json:"p_wait"`
	ASA             *float64 `json:"asa_s"`
	ServiceLevel    *float64 `json:"service_level"`
	PAbandon        *float64 `json:"p_abandon,omitempty"`
	Occupancy       *float64 `json:"occupancy"`
	Scheduled       *int     `json:"scheduled_agents,omitempty"`
}

func ptr[T any](v T) *T { return &v }

func runErlang(c *cobra.Command, o erlangOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.arrivals.Per == 0 || o.aht == 0 {
		return usage("--arrivals and --aht are required")
	}
	rate, aht, patience, target := o.arrivals, o.aht, o.patience, o.target
	solving := c.Flags().Changed("solve-sl")
	switch {
	case solving && c.Flags().Changed("agents"):
		return usage("give --agents (evaluate) or --solve-sl (find the agents), not both")
	case !solving && !c.Flags().Changed("agents"):
		return usage("give --agents N (evaluate) or --solve-sl SL (find the agents)")
	case !solving && o.agents < 1:
		return usage("--agents %d: want at least 1 (or --solve-sl to find the number)", o.agents)
	case solving && o.solveSL >= 1:
		return usage("--solve-sl %v: want a share below 1 such as 0.8 (no finite staffing answers every buyer within --target)", o.solveSL)
	case solving && c.Flags().Changed("max-abandon") && o.maxAbandon == 0:
		return usage("--max-abandon 0: want a share above 0 such as 0.05 (leave it out for no limit)")
	case solving && c.Flags().Changed("max-occupancy") && o.maxOcc == 0:
		return usage("--max-occupancy 0: want a share above 0 such as 0.85 (leave it out for no limit)")
	case !solving && (c.Flags().Changed("max-abandon") || c.Flags().Changed("max-occupancy")):
		return usage("--max-abandon and --max-occupancy constrain --solve-sl")
	}
	cfg := queue.Config{Arrivals: rate, AHT: aht, Agents: o.agents, Patience: patience, Target: target}
	rep := erlangReport{Model: "Erlang C", ArrivalsPerHour: rate.PerSecond() * 3600, AHTSeconds: aht.Seconds(),
		TargetS: target.Seconds(), Load: cfg.Load(), Agents: o.agents}
	if patience > 0 {
		rep.Model, rep.PatienceS = "Erlang A", ptr(patience.Seconds())
	}
	var res queue.Result
	var err error
	if solving {
		st, err := queue.Solve(rate, aht, patience, queue.Target{ServiceLevel: o.solveSL, Within: target,
			MaxAbandon: o.maxAbandon, MaxOccupancy: o.maxOcc, Shrinkage: o.shrinkage})
		if errors.Is(err, queue.ErrNoStaffing) {
			return err
		}
		if err != nil {
			return usage("%w", err)
		}
		res, rep.Agents, rep.Scheduled = st.Result, st.Agents, ptr(st.Scheduled)
	} else {
		res, err = queue.ErlangA(cfg)
		if err != nil && !errors.Is(err, queue.ErrUnstable) {
			return usage("%w", err)
		}
		if o.shrinkage > 0 {
			rep.Scheduled = ptr(scheduled(o.agents, o.shrinkage))
		}
	}
	rep.Stable = err == nil
	if rep.Stable {
		rep.PWait, rep.ASA, rep.ServiceLevel, rep.Occupancy = ptr(res.PWait), ptr(res.ASA.Seconds()), ptr(res.ServiceLevel), ptr(res.Occupancy)
		if patience > 0 {
			rep.PAbandon = ptr(res.PAbandon)
		}
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), rep)
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "%s: %g arrivals/h, AHT %s", rep.Model, rep.ArrivalsPerHour, scenarios.FormatDuration(aht))
	if patience > 0 {
		fmt.Fprintf(w, ", mean patience %s", scenarios.FormatDuration(patience))
	}
	fmt.Fprintf(w, ": offered load %.4g Erlangs\n", rep.Load)
	if !rep.Stable {
		fmt.Fprintf(w, "%d agents: unstable. The load is at least one Erlang per agent, so without abandonment the queue\n"+
			"grows without end and Erlang C has no answer. Add agents (more than %.4g) or give --patience for Erlang A.\n", o.agents, rep.Load)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "agents\t%d\n", rep.Agents)
	if rep.Scheduled != nil {
		fmt.Fprintf(tw, "scheduled agents (shrinkage %g)\t%d\n", o.shrinkage, *rep.Scheduled)
	}
	fmt.Fprintf(tw, "P(wait)\t%.7f\n", *rep.PWait)
	fmt.Fprintf(tw, "ASA (mean wait of those answered)\t%.6f s\n", *rep.ASA)
	fmt.Fprintf(tw, "service level (answered within %s ÷ offered)\t%.6f\n", scenarios.FormatDuration(target), *rep.ServiceLevel)
	if rep.PAbandon != nil {
		fmt.Fprintf(tw, "P(abandon)\t%.6f\n", *rep.PAbandon)
	}
	fmt.Fprintf(tw, "occupancy\t%.7f\n", *rep.Occupancy)
	return tw.Flush()
}

// scheduled is agents ÷ (1 − shrinkage), rounded up, as the solver does.
func scheduled(agents int, shrinkage float64) int {
	return int(math.Ceil(float64(agents)/(1-shrinkage) - 1e-9))
}

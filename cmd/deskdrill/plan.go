package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"gonum.org/v1/plot"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/plan"
	"github.com/deskdrill/deskdrill/web/chart"
)

type planOptions struct {
	scenario    string
	agents      sim.Sweep // zero: the scenario's sweep
	concurrency int
	reps        int
	seed        uint64
	risk        plan.Risk
	agentCost   float64 // CNY per agent-day; 0 when not given
	json        bool
	out         string
	hourSL      float64
	hourAbandon float64
	agentModel  string
}

func newPlanCmd() *cobra.Command {
	var o planOptions
	c := &cobra.Command{
		Use:   "plan --scenario NAME|FILE [flags]",
		Short: "Refund exposure, disputes and KPIs by staffing level, as distributions over many runs",
		Long: `plan runs the scenario many times (--reps) at each staffing level (--agents MIN:MAX:STEP,
default the scenario's own sweep). A level N means N agents in the peak interval, the other
intervals scaled by the scenario's staffing shape. Every level meets the same buyers (common
random numbers), so differences between levels are the staffing's, not the noise's.

For each level it reports the KPIs (mean, 5th–95th percentile), the probability that each
contract KPI is missed, the contract refund (mean, median, 90th and 95th percentiles, maximum
and p_refund, the probability it is above zero, with a 95 % interval), buyer disputes, and the
agent cost with --agent-cost. It recommends the fewest agents meeting --risk (conditions
METRIC OP VALUE joined by commas, all must hold; default p_refund<=0.05) and, with a cost, the
level with the least cost plus expected refund. --out DIR writes CSV tables and PNG and SVG
charts. The report prints its seed; the same seed gives the same report.`,
		Example: `  deskdrill plan --scenario double11
  deskdrill plan --scenario double11 --agents 200:500:50 --reps 200 --risk 'p_refund<=0.05' --agent-cost 300/day --out plan-d11
  deskdrill plan --scenario my-store.yaml --risk 'refund_p95<=5000, p_miss.satisfaction<=0.1' --json
  deskdrill plan --scenario double11 --agent-model vendor.yaml   # this vendor's agents (deskdrill calibrate)`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("seed") {
				o.seed = randomSeed()
			}
			return runPlan(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.scenario, "scenario", "", "built-in scenario or scenario file (required)")
	varFlag(f, &o.agents, "agents", "MIN:MAX:STEP", "staffing levels MIN:MAX:STEP in the peak interval (default: the scenario's sweep)", parseAgents, formatSweep)
	intFlag(f, &o.concurrency, "concurrency", 0, "chats per agent (default: the scenario's)", 1, 100, "a whole number of chats per agent from 1 such as 3")
	intFlag(f, &o.reps, "reps", 100, "replications per level", 1, 100_000, "a whole number of replications from 1 to 100000 such as 100")
	seedFlag(f, &o.seed, "root seed (default: a random one, printed)")
	o.risk, _ = plan.ParseRisk(defaultRisk)
	varFlag(f, &o.risk, "risk", "METRIC<=VALUE", "risk target: METRIC OP VALUE[, ...]", parseRisk, plan.Risk.String)
	varFlag(f, &o.agentCost, "agent-cost", "COST/day", "cost of one agent, such as 300/day", parseCost, func(v float64) string {
		if v == 0 {
			return ""
		}
		return formatFloat(v) + "/day"
	})
	f.BoolVar(&o.json, "json", false, "print the report as JSON")
	f.StringVar(&o.out, "out", "", "directory for CSV tables and PNG/SVG charts")
	f.StringVar(&o.agentModel, "agent-model", "", "run the scenario with this agent model file (deskdrill calibrate --out)")
	floatFlag(f, &o.hourSL, "hour-sl", plan.DefaultHourTarget.Answered30s, "agents per hour: share of each hour's buyers to answer within 30 s",
		share, "a share from 0 to 1 such as 0.8 (80 % answered within 30 s)")
	floatFlag(f, &o.hourAbandon, "hour-abandon", plan.DefaultHourTarget.Abandoned, "agents per hour: most of each hour's buyers that may leave unanswered",
		share, "a share from 0 to 1 such as 0.05")
	return c
}

// defaultRisk is the planner's risk target when --risk is not given.
const defaultRisk = "p_refund<=0.05"

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func runPlan(c *cobra.Command, o planOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.scenario == "" {
		return usage("--scenario is required: a built-in scenario (deskdrill scenarios list) or a scenario file")
	}
	risk, cost := o.risk, o.agentCost
	s, m, err := loadScenarioModel(c, o.scenario, o.agentModel)
	if err != nil {
		return err
	}
	sweep := s.Staffing.Sweep
	if !o.agents.IsZero() {
		sweep = o.agents
	}
	if o.concurrency > len(s.Agent.Capacity) {
		return usage("--concurrency %d: want 1 to %d (the agent model's capacity curve)", o.concurrency, len(s.Agent.Capacity))
	}
	levels := sweep.Levels()
	total := len(levels) * o.reps
	var progress func()
	var bars *mpb.Progress
	if isTerminal(c.ErrOrStderr()) {
		bars = mpb.NewWithContext(c.Context(), mpb.WithOutput(c.ErrOrStderr()), mpb.WithWidth(40))
		bar := bars.AddBar(int64(total),
			mpb.PrependDecorators(decor.Name("plan "+s.Name+" "), decor.CountersNoUnit("%d/%d runs")),
			mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)))
		progress = func() { bar.EwmaIncrement(time.Second / 10) }
	}
	start := time.Now()
	reps, err := des.Replicate(c.Context(), m, des.Sweep{
		Levels: levels, Reps: o.reps, Seed: o.seed, Concurrency: o.concurrency,
		Workers: runtime.GOMAXPROCS(0), Progress: progress,
	})
	if bars != nil {
		bars.Shutdown()
	}
	if err != nil {
		return err
	}
	rep := plan.Summarize(reps, plan.Options{Seed: o.seed, Reps: o.reps, AgentCostPerDay: cost, Risk: risk,
		Hour: plan.HourTarget{Answered30s: o.hourSL, Abandoned: o.hourAbandon}})
	elapsed := time.Since(start)
	if o.out != "" {
		if err := writePlanFiles(o.out, s.Name, rep); err != nil {
			return err
		}
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), struct {
			Scenario string  `json:"scenario"`
			Elapsed  float64 `json:"elapsed_s"`
			*plan.Report
		}{s.Name, elapsed.Seconds(), rep})
	}
	return writePlanTable(c.OutOrStdout(), s, rep, total, elapsed, o.out)
}

func writePlanTable(w io.Writer, s *sim.Scenario, rep *plan.Report, runs int, elapsed time.Duration, out string) error {
	fmt.Fprintf(w, "plan %s: %d levels × %d replications = %d runs in %.1f s; seed %d\n", s.Name, len(rep.Levels), rep.Reps, runs, elapsed.Seconds(), rep.Seed)
	fmt.Fprintf(w, "refunds in CNY for the contract period the scenario stands for; risk target %s\n\n", rep.Risk)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "AGENTS\tP_REFUND\t95% CI\tREFUND MEAN\tMEDIAN\tP90\tP95\tMAX\tDISPUTES\tBUYER REFUNDS\tSATISF. MEAN\tABANDON MEAN\t"
	if rep.Levels[0].AgentCost > 0 {
		header += "AGENT COST\tCOST+REFUND\t"
	}
	fmt.Fprintln(tw, header+"MEETS\t")
	for i, l := range rep.Levels {
		r := l.Refund
		fmt.Fprintf(tw, "%d\t%.3f\t[%.3f, %.3f]\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%s\t%s\t", l.Agents, r.PRefund, r.PRefundCI.Lo, r.PRefundCI.Hi,
			r.Mean, r.Median, r.P90, r.P95, r.Max, l.Disputes.Mean, l.DisputeRefunds.Mean, kpiMean(l, "satisfaction"), kpiMean(l, "abandon_rate"))
		if l.AgentCost > 0 {
			fmt.Fprintf(tw, "%.0f\t%.0f\t", l.AgentCost, l.ExpectedTotal)
		}
		meets := "no"
		if rep.Meets[i] {
			meets = "yes"
		}
		fmt.Fprintf(tw, "%s\t\n", meets)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "probability each contract KPI is missed:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ids := missIDs(rep)
	fmt.Fprintf(tw, "AGENTS\t%s\n", strings.Join(ids, "\t"))
	for _, l := range rep.Levels {
		cells := make([]string, len(ids))
		for j, id := range ids {
			cells[j] = fmt.Sprintf("%.3f", l.PMiss[id])
		}
		fmt.Fprintf(tw, "%d\t%s\n", l.Agents, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if rep.Recommended > 0 {
		var rec plan.LevelSummary
		for _, l := range rep.Levels {
			if l.Agents == rep.Recommended {
				rec = l
			}
		}
		fmt.Fprintf(w, "recommended: %d agents in the peak interval, the fewest meeting %s (p_refund %.3f, 95%% interval [%.3f, %.3f])\n",
			rep.Recommended, rep.Risk, rec.Refund.PRefund, rec.Refund.PRefundCI.Lo, rec.Refund.PRefundCI.Hi)
		if !rep.Monotone {
			fmt.Fprintln(w, "note: a larger level misses the target again; run more replications (--reps) before trusting the edge")
		}
	} else {
		fmt.Fprintf(w, "no level meets %s: try more agents (--agents) or a looser target\n", rep.Risk)
	}
	if rep.Cheapest > 0 {
		fmt.Fprintf(w, "least agent cost plus expected contract refund: %d agents\n", rep.Cheapest)
		fmt.Fprintf(w, "least agent cost plus expected contract refund plus buyer dispute refunds: %d agents\n", rep.CheapestForMerchant)
	}
	if len(rep.Hours) > 0 && len(rep.Hours) <= 48 {
		fmt.Fprintf(w, "\nhour by hour at %d agents (mean over runs); NEEDED is the fewest on duty that meet ≥%.0f%% answered within 30 s and ≤%.0f%% abandoned in that hour:\n",
			rep.HoursAgents, rep.HourTarget.Answered30s*100, rep.HourTarget.Abandoned*100)
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "HOUR\tARRIVALS\tAGENTS\tQUEUE MEAN\tQUEUE MAX\tANSWERED ≤30s\tABANDONED\tNEEDED\t")
		start := s.StartTime()
		for i, h := range rep.Hours {
			fmt.Fprintf(tw, "%s\t%.0f\t%d\t%.1f\t%.1f\t%.3f\t%.3f\t%s\t\n", start.Add(time.Duration(h.Hour)*time.Hour).Format("01-02 15:04"),
				h.Arrived, h.Agents, h.MeanQueue, h.MaxQueue, h.Answered30s, h.Abandoned, needed(rep, i))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if out != "" {
		fmt.Fprintf(w, "\nwrote CSV tables and PNG/SVG charts to %s\n", out)
	}
	return nil
}

// needed prints the agents hour i needs, or "> N" when even the most
// tried (N on duty in that hour) fall short of the hour target.
func needed(rep *plan.Report, i int) string {
	if i >= len(rep.Needed) {
		return "-"
	}
	if n := rep.Needed[i]; n.Enough {
		return strconv.Itoa(n.Agents)
	}
	return fmt.Sprintf("> %d", rep.Needed[i].Tried)
}

func kpiMean(l plan.LevelSummary, id string) string {
	if s, ok := l.KPIs[id]; ok && s.N > 0 {
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return "-"
}

func missIDs(rep *plan.Report) []string {
	seen := map[string]bool{}
	var ids []string
	for _, id := range sim.KPIIDs() {
		for _, l := range rep.Levels {
			if _, ok := l.PMiss[id]; ok && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// writePlanFiles writes levels.csv, hours.csv and the charts to dir.
func writePlanFiles(dir, scenario string, rep *plan.Report) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory: %w", err)
	}
	ids := missIDs(rep)
	rows := [][]string{append([]string{"agents", "agent_days", "p_refund", "p_refund_lo", "p_refund_hi", "refund_mean", "refund_p5",
		"refund_median", "refund_p90", "refund_p95", "refund_max", "disputes_mean", "dispute_refunds_mean", "agent_cost", "expected_total", "meets_risk"},
		prefixed("p_miss.", ids)...)}
	for i, l := range rep.Levels {
		r := l.Refund
		row := []string{strconv.Itoa(l.Agents), ff(l.AgentDays), ff(r.PRefund), ff(r.PRefundCI.Lo), ff(r.PRefundCI.Hi), ff(r.Mean), ff(r.P5),
			ff(r.Median), ff(r.P90), ff(r.P95), ff(r.Max), ff(l.Disputes.Mean), ff(l.DisputeRefunds.Mean), ff(l.AgentCost), ff(l.ExpectedTotal),
			strconv.FormatBool(rep.Meets[i])}
		for _, id := range ids {
			row = append(row, ff(l.PMiss[id]))
		}
		rows = append(rows, row)
	}
	if err := writeCSV(filepath.Join(dir, "levels.csv"), rows); err != nil {
		return err
	}
	rows = [][]string{{"hour", "agents", "arrived_mean", "queue_mean", "queue_max_mean", "answered_30s", "abandoned", "needed_agents", "needed_at_level"}}
	for i, h := range rep.Hours {
		need, at := "", ""
		if i < len(rep.Needed) && rep.Needed[i].Enough {
			need, at = strconv.Itoa(rep.Needed[i].Agents), strconv.Itoa(rep.Needed[i].Level)
		}
		rows = append(rows, []string{strconv.Itoa(h.Hour), strconv.Itoa(h.Agents), ff(h.Arrived), ff(h.MeanQueue), ff(h.MaxQueue), ff(h.Answered30s), ff(h.Abandoned), need, at})
	}
	if err := writeCSV(filepath.Join(dir, "hours.csv"), rows); err != nil {
		return err
	}
	for _, ch := range []struct {
		name  string
		build func(*plan.Report, string) (*plot.Plot, error)
	}{{"refund-exposure", chart.Exposure}, {"p-refund", chart.PRefund}, {"hours", chart.Hours}} {
		p, err := ch.build(rep, scenario)
		if err != nil {
			return err
		}
		for _, format := range []string{"png", "svg"} {
			path := filepath.Join(dir, ch.name+"."+format)
			f, err := os.Create(path)
			if err != nil {
				return fmt.Errorf("write chart: %w", err)
			}
			err = chart.Write(f, p, format)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	return nil
}

func prefixed(p string, ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = p + id
	}
	return out
}

func ff(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

func writeCSV(path string, rows [][]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	w := csv.NewWriter(f)
	if err := w.WriteAll(rows); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

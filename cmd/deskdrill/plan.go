package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/vbauerster/cupwriter"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/plan"
)

type planOptions struct {
	scenario    string
	agents      sim.Sweep // zero: the scenario's sweep
	concurrency int
	reps        int // 0: adaptive
	maxReps     int
	seed        uint64
	risk        plan.Risk
	agentCost   float64 // CNY per agent-day; 0 when not given
	json        bool
	out         string
	hourSL      float64
	hourAbandon float64
	hourReps    int
	maxAbandon  float64 // the profile's comfortable level unless given
	roster      bool
	shifts      []time.Duration
	starts      []sim.ClockTime
	breaks      breakList
	shrinkage   float64
	shard       shardSpec
	agentModel  string
}

func newPlanCmd() *cobra.Command {
	var o planOptions
	c := &cobra.Command{
		Use:   "plan --scenario NAME|FILE [flags]",
		Short: "Refund exposure, disputes and KPIs by staffing level, agents per hour, and rosters",
		Long: `plan runs the scenario many times at each staffing level (--agents MIN:MAX:STEP, default
the scenario's own sweep). A level N means N agents in the peak interval, the other intervals
scaled by the scenario's staffing shape. Every level meets the same buyers (common random
numbers), so differences between levels are the staffing's, not the noise's.

Replications are adaptive: each level gets 10, then more in rounds, until the 95 % interval of
every metric of --risk lies wholly on one side of its threshold, or a level with fewer agents is
settled as meeting it, or --max-reps (400). --reps N runs exactly N per level instead. The
report gives each level's count, intervals and verdict.

For each level it reports the KPIs (mean, 5th–95th percentile), the probability that each
contract KPI is missed, the contract refund (mean, median, 90th and 95th percentiles, maximum
and p_refund, the probability it is above zero, with a 95 % interval), buyer disputes, and the
agent cost with --agent-cost. It recommends the fewest agents meeting --risk (conditions
METRIC OP VALUE joined by commas, all must hold; default p_refund<=0.05) and, with a cost, the
level with the least cost plus expected refund, stating what buyers get there and refusing a
level whose abandonment is above --max-abandon (default: the platform profile's comfortable
level).

Hour by hour it shows the recommended level (arrivals, agents, occupancy, chats per agent,
first-reply p50/p90, the 30-second and 3-minute rates, abandonment) and the agents each hour
needs to meet --hour-sl and --hour-abandon, searched one agent at a time; an hour that misses
says why, and how the contract counts it.

--roster turns the hourly needs into shifts (lengths, starts, breaks and shrinkage from the
scenario's staffing.roster or --shifts, --starts, --break, --shrinkage): few paid agent-hours
covering every hour, by linear programming and rounding (the LP bound and the gap say how close
to the fewest), then evaluated in the
engine, with agents added where the risk target is missed. It is compared with flat staffing
(the recommended level every hour) and the scenario's own shape.

--out DIR writes CSV tables (levels.csv, hours.csv, roster.csv) and PNG and SVG charts. With
--shard I/N and a fixed --reps, plan runs only replications I, I+N, I+2N, … and --out DIR holds
that shard's rows; deskdrill merge of the N directories prints the unsharded plan exactly.
The report prints its seed; the same seed gives the same report.`,
		Example: `  deskdrill plan --scenario double11
  deskdrill plan --scenario double11 --agent-cost 300/day --out plan-d11
  deskdrill plan --scenario double11 --roster --shifts 4h,8h,9h --break 9h:4h:1h --shrinkage 0.15 --out plan-d11
  deskdrill plan --scenario double11 --agents 300:400:10 --reps 200 --risk 'p_refund<=0.05, refund_p95<=5000'
  deskdrill plan --scenario my-store.yaml --hour-sl 0.9 --hour-abandon 0.02 --json
  deskdrill plan --scenario double11 --reps 400 --seed 7 --shard 2/8 --out shard-2   # then: deskdrill merge shard-*
  deskdrill plan --scenario double11 --agent-model vendor.yaml   # this vendor's agents (deskdrill calibrate)`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("seed") {
				o.seed = randomSeed()
			}
			if !c.Flags().Changed("max-abandon") {
				o.maxAbandon = -1
			}
			if !c.Flags().Changed("shrinkage") {
				o.shrinkage = -1
			}
			return runPlan(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.scenario, "scenario", "", "built-in scenario or scenario file (required)")
	varFlag(f, &o.agents, "agents", "MIN:MAX:STEP", "staffing levels MIN:MAX:STEP in the peak interval (default: the scenario's sweep)", parseAgents, formatSweep)
	intFlag(f, &o.concurrency, "concurrency", 0, "chats per agent (default: the scenario's)", 1, 100, "a whole number of chats per agent from 1 such as 3")
	intFlag(f, &o.reps, "reps", 0, "exactly N replications per level (default: adaptive, 10 to --max-reps)", 1, 100_000, "a whole number of replications from 1 to 100000 such as 100")
	intFlag(f, &o.maxReps, "max-reps", plan.DefaultMaxReps, "adaptive replications: the most per level", plan.DefaultMinReps, 100_000,
		"a whole number of replications from 10 to 100000 such as 400")
	seedFlag(f, &o.seed, "root seed (default: the scenario file's seed, else a random one, printed)")
	o.risk, _ = plan.ParseRisk(defaultRisk)
	varFlag(f, &o.risk, "risk", "METRIC<=VALUE", "risk target: METRIC OP VALUE[, ...]", parseRisk, plan.Risk.String)
	varFlag(f, &o.agentCost, "agent-cost", "COST/day", "cost of one agent, such as 300/day", parseCost, func(v float64) string {
		if v == 0 {
			return ""
		}
		return formatFloat(v) + "/day"
	})
	f.BoolVar(&o.json, "json", false, "print the report as JSON")
	f.StringVar(&o.out, "out", "", "directory for CSV tables and PNG/SVG charts (with --shard: the shard's rows)")
	f.StringVar(&o.agentModel, "agent-model", "", "run the scenario with this agent model file (deskdrill calibrate --out)")
	floatFlag(f, &o.hourSL, "hour-sl", plan.DefaultHourTarget.Answered30s, "agents per hour: share of each hour's buyers to answer within 30 s",
		share, "a share from 0 to 1 such as 0.8 (80 % answered within 30 s)")
	floatFlag(f, &o.hourAbandon, "hour-abandon", plan.DefaultHourTarget.Abandoned, "agents per hour: most of each hour's buyers that may leave unanswered",
		share, "a share from 0 to 1 such as 0.05")
	intFlag(f, &o.hourReps, "hour-reps", plan.DefaultMinReps, "agents per hour: replications each hour's need is judged on", 1, 400,
		"a whole number of replications from 1 to 400 such as 10")
	floatFlag(f, &o.maxAbandon, "max-abandon", 0, "most buyers a cheapest pick may lose before a first reply (default: the platform profile's comfortable_abandon)",
		share, "a share from 0 to 1 such as 0.05")
	f.BoolVar(&o.roster, "roster", false, "turn the hourly needs into a roster of shifts, evaluated in the engine")
	varFlag(f, &o.shifts, "shifts", "LENGTHS", "roster: shift lengths, such as 4h,8h,9h (default: the scenario's)", parseShifts, formatShifts)
	varFlag(f, &o.starts, "starts", "TIMES", "roster: allowed shift starts, such as 00:00,08:00,16:00 (default: the scenario's, or every hour)", parseStarts, formatStarts)
	varFlag(f, &o.breaks, "break", "MIN:AFTER:LENGTH", "roster: breaks, such as 9h:4h:1h (shifts of 9h or more pause after 4h for 1h, unpaid; add :paid), comma-separated, or none",
		parseBreaks, breakList.String)
	floatFlag(f, &o.shrinkage, "shrinkage", 0, "roster: share of paid time not on chats (default: the scenario's, or 0.1)",
		from(0, sim.MaxShrinkage), "a share from 0 to 0.9 such as 0.15")
	varFlag(f, &o.shard, "shard", "I/N", "run shard I of N (0 ≤ I < N) of a fixed --reps, writing its rows to --out", parsePlanShard, shardSpec.String)
	return c
}

// defaultRisk is the planner's risk target when --risk is not given.
const defaultRisk = "p_refund<=0.05"

// isTerminal reports whether w is a terminal mpb can draw a bar on: a
// terminal with a size. A terminal of no size (a pseudo-terminal nobody
// sized, as some CI runners and `script` without a terminal of its own
// give) would get nothing at all from mpb, which draws as many rows as the
// terminal has; the commands print lines there, as to a file. The check is
// cupwriter's, the writer mpb draws with, so that the two agree.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	cw := cupwriter.New(f, false)
	if !cw.IsTerminal() {
		return false
	}
	width, height, err := cw.GetTermSize()
	return err == nil && width > 0 && height > 0
}

// planProgress draws a bar per stage on a terminal and nothing elsewhere.
type planProgress struct {
	bars *mpb.Progress
}

func newPlanProgress(c *cobra.Command) *planProgress {
	if !isTerminal(c.ErrOrStderr()) {
		return &planProgress{}
	}
	return &planProgress{bars: mpb.NewWithContext(c.Context(), mpb.WithOutput(c.ErrOrStderr()), mpb.WithWidth(40))}
}

// stage returns a progress func for Replicate, or nil without a terminal.
func (p *planProgress) stage(name string) func(done, planned int) {
	if p.bars == nil {
		return nil
	}
	bar := p.bars.AddBar(0,
		mpb.PrependDecorators(decor.Name(name+" "), decor.CountersNoUnit("%d/%d runs")),
		mpb.AppendDecorators(decor.Percentage()))
	return func(done, planned int) {
		bar.SetTotal(int64(planned), false)
		bar.SetCurrent(int64(done))
	}
}

func (p *planProgress) stop() {
	if p.bars != nil {
		p.bars.Shutdown()
	}
}

func runPlan(c *cobra.Command, o planOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.scenario == "" {
		return usage("--scenario is required: a built-in scenario (deskdrill scenarios list) or a scenario file")
	}
	if !o.roster {
		// A roster flag without --roster would be ignored in silence.
		for _, name := range []string{"shifts", "starts", "break", "shrinkage"} {
			if c.Flags().Changed(name) {
				return usage("--%s shapes a roster: it needs --roster", name)
			}
		}
	}
	if o.shard.n > 0 {
		switch {
		case o.reps == 0:
			return usage("--shard %s needs a fixed --reps: adaptive replications decide how many to run from all of them, which one shard cannot see", o.shard)
		case !c.Flags().Changed("seed"):
			return usage("--shard %s needs --seed: every shard must draw the same plan's replications, so each shard's command names the seed (a file without a seed of its own would have each shard draw a random one, which the merge refuses)", o.shard)
		case o.out == "":
			return usage("--shard %s needs --out DIR for the shard's rows", o.shard)
		case o.roster:
			return usage("--shard %s: --roster does not shard (each evaluation decides the next); run it on the merged plan's machine", o.shard)
		}
	}
	s, m, err := loadScenarioModel(c, o.scenario, o.agentModel)
	if err != nil {
		return err
	}
	o.seed = scenarioSeed(c, o.seed, s)
	sweep := s.Staffing.Sweep
	if !o.agents.IsZero() {
		sweep = o.agents
	}
	if o.concurrency > len(s.Agent.Capacity) {
		return usage("--concurrency %d: want 1 to %d (the agent model's capacity curve)", o.concurrency, len(s.Agent.Capacity))
	}
	rules, err := rosterRules(s, o, c.Flags())
	if err != nil {
		return usage("%v", err)
	}
	if o.roster {
		if err := rosterScenario(s); err != nil {
			return usage("--roster: %v", err)
		}
	}
	opts := planOptionsFor(s, o)
	workers := runtime.GOMAXPROCS(0)
	start := time.Now()
	progress := newPlanProgress(c)
	defer progress.stop()
	needs, err := des.HourNeeds(c.Context(), m, des.Needs{Reps: o.hourReps, Seed: o.seed, Target: opts.Hour, Concurrency: o.concurrency, Workers: workers})
	if err != nil {
		return err
	}
	sw := des.Sweep{Levels: sweep.Levels(), Reps: o.reps, Seed: o.seed, Concurrency: o.concurrency, Workers: workers,
		Progress: progress.stage("plan " + s.Name), Shard: o.shard.i, Shards: o.shard.n}
	if o.reps == 0 {
		sw.Next = opts.Adaptive().Plan
	}
	levels, err := des.Replicate(c.Context(), m, sw)
	if err != nil {
		return err
	}
	if o.shard.n > 0 {
		progress.stop()
		sh := plan.NewShard(o.shard.i, o.shard.n, opts, levels, needs)
		sh.Definition = planDefinition(s, o.concurrency, o.hourReps)
		if err := writeShard(o.out, sh); err != nil {
			return err
		}
		if o.json {
			// A shard has no report; --json says what it wrote.
			return writeJSON(c.OutOrStdout(), struct {
				Scenario     string `json:"scenario"`
				Shard        int    `json:"shard"`
				Shards       int    `json:"shards"`
				Replications int    `json:"replications"`
				Levels       int    `json:"levels"`
				Seed         uint64 `json:"seed"`
				Out          string `json:"out"`
				Definition   string `json:"definition"`
			}{s.Name, o.shard.i, o.shard.n, len(sh.Rows), len(levels), o.seed, o.out, sh.Definition})
		}
		fmt.Fprintf(c.OutOrStdout(), "plan %s shard %s: %d replications of %d levels in %.1f s; seed %d; rows in %s\n",
			s.Name, o.shard, len(sh.Rows), len(levels), time.Since(start).Seconds(), o.seed, o.out)
		return nil
	}
	rep := plan.Summarize(levels, needs, opts)
	if o.roster {
		if err := addRoster(c, m, s, rep, levels, needs, opts, rules, o, progress); err != nil {
			if errors.Is(err, plan.ErrUncovered) {
				// The rules, not the run, are wrong: bad input.
				return usage("--roster: %v; %s", err, rosterRulesSource(s, c.Flags()))
			}
			return err
		}
	}
	progress.stop()
	elapsed := time.Since(start)
	if o.out != "" {
		fonts, err := writePlanFiles(o.out, rep)
		if err != nil {
			return err
		}
		if o.json {
			fmt.Fprintf(c.ErrOrStderr(), "wrote CSV tables and PNG/SVG charts to %s (%s)\n", o.out, fonts)
		} else {
			defer fmt.Fprintf(c.OutOrStdout(), "\nwrote CSV tables and PNG/SVG charts to %s (%s)\n", o.out, fonts)
		}
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), rep)
	}
	return writePlanTable(c.OutOrStdout(), rep, elapsed)
}

// planOptionsFor gathers what the report needs to know of the scenario
// and the flags. A shard carries it, so it must not depend on --shard.
func planOptionsFor(s *sim.Scenario, o planOptions) plan.Options {
	opts := plan.Options{
		Scenario: s.Name, Seed: o.seed, Reps: o.reps, AgentCostPerDay: o.agentCost, Risk: o.risk,
		Hour:       plan.HourTarget{Answered30s: o.hourSL, Abandoned: o.hourAbandon},
		MaxAbandon: o.maxAbandon, BusinessHours: s.Platform.BusinessHours, AnswerExcludes: s.Platform.AnswerRateExcludes,
	}
	if o.reps == 0 {
		opts.MinReps, opts.MaxReps = plan.DefaultMinReps, o.maxReps
	}
	if opts.MaxAbandon < 0 {
		opts.MaxAbandon = s.Platform.ComfortableAbandon
	}
	start := s.StartTime()
	hours := int(s.Duration / time.Hour)
	if s.Duration%time.Hour != 0 {
		hours++
	}
	for i := range hours {
		opts.HourStarts = append(opts.HourStarts, start.Add(time.Duration(i)*time.Hour).Format("2006-01-02T15:04"))
	}
	if c := s.Contract.Contract; c != nil {
		opts.Targets = map[string]float64{}
		for _, cl := range c.Clauses {
			switch {
			case cl.KPI == "":
			case cl.Target != nil:
				opts.Targets[cl.KPI] = *cl.Target
			case cl.Threshold != nil:
				opts.Targets[cl.KPI] = *cl.Threshold
			}
		}
	}
	return opts
}

// rosterRulesSource says where the starts and shift lengths of a roster
// came from, for an error that they leave an hour uncovered.
func rosterRulesSource(s *sim.Scenario, fs *pflag.FlagSet) string {
	var from []string
	for _, name := range []string{"starts", "shifts"} {
		if fs.Changed(name) {
			from = append(from, fmt.Sprintf("--%s %s", name, fs.Lookup(name).Value))
		}
	}
	if len(from) == 0 {
		if s.Staffing.Roster != nil {
			return "allow starts or shift lengths that cover it (staffing.roster.starts and shifts of " + s.Name + ")"
		}
		return "allow starts or shift lengths that cover it"
	}
	return "allow starts or shift lengths that cover it (" + strings.Join(from, ", ") + ")"
}

// rosterFlags maps the top field of a roster rule to the flag that set
// it.
var rosterFlags = map[string]string{"shifts": "shifts", "starts": "starts", "breaks": "break", "shrinkage": "shrinkage"}

// rosterRules are the scenario's roster rules with the flags' changes. A
// problem with a value a flag gave names the flag and its value, as any
// bad flag value does.
func rosterRules(s *sim.Scenario, o planOptions, fs *pflag.FlagSet) (sim.RosterRules, error) {
	r := s.Staffing.RosterRules()
	if o.shifts != nil {
		r.Shifts = o.shifts
	}
	if o.starts != nil {
		r.Starts = o.starts
	}
	if o.breaks.set {
		r.Breaks = o.breaks.breaks
	}
	if o.shrinkage >= 0 {
		r.Shrinkage = o.shrinkage
	}
	if err := r.Validate(); err != nil {
		var msgs []string
		for _, e := range sim.Unjoin(err) {
			fe, ok := e.(*sim.FieldError)
			if !ok {
				msgs = append(msgs, e.Error())
				continue
			}
			top, _, _ := strings.Cut(strings.SplitN(fe.Field, "[", 2)[0], ".")
			name := rosterFlags[top]
			if top == "breaks" && !fs.Changed("break") && fs.Changed("shifts") {
				name = "shifts" // the scenario's breaks, the flag's shifts
			}
			if name == "" || !fs.Changed(name) {
				msgs = append(msgs, "roster rules: "+fe.Error())
				continue
			}
			msgs = append(msgs, fmt.Sprintf("--%s %s: %s; want %s", name, fs.Lookup(name).Value, fe.Msg, rosterFlagWant[name]))
		}
		return r, errors.New(strings.Join(msgs, "; "))
	}
	return r, nil
}

// rosterFlagWant shows a good value of each roster flag.
var rosterFlagWant = map[string]string{
	"shifts":    "shift lengths from 1h to 16h longer than their breaks, such as 4h,8h,9h",
	"starts":    "times of day from 00:00 to 23:59, such as 00:00,08:00,16:00",
	"break":     "breaks shorter than the shifts that take them, one after the other, such as 9h:4h:1h",
	"shrinkage": "a share from 0 to 0.9, such as 0.1",
}

// rosterScenario says why a scenario cannot have a daily roster.
func rosterScenario(s *sim.Scenario) error {
	start := s.StartTime()
	switch {
	case start.Minute() != 0 || start.Second() != 0:
		return fmt.Errorf("scenario %s starts at %s: a roster covers clock hours, so the scenario must start on the hour", s.Name, start.Format("15:04"))
	case s.Duration%(24*time.Hour) != 0:
		return fmt.Errorf("scenario %s lasts %s: a roster is a daily pattern, so the scenario must last whole days", s.Name, sim.FormatDuration(s.Duration))
	}
	return nil
}

// addRoster plans the roster, evaluates flat staffing at the recommended
// level, and adds both, with the shaped level, to the report.
func addRoster(c *cobra.Command, m *des.Model, s *sim.Scenario, rep *plan.Report, levels []plan.Level, needs []plan.HourNeed,
	opts plan.Options, rules sim.RosterRules, o planOptions, progress *planProgress) error {
	workers := runtime.GOMAXPROCS(0)
	r, ev, required, err := des.PlanRoster(c.Context(), m, des.RosterSearch{Rules: rules, Needs: needs, Options: opts,
		Concurrency: o.concurrency, Workers: workers, Progress: progress.stage("roster")})
	if err != nil {
		return err
	}
	var flat, shaped *plan.Alternative
	if n := rep.Recommended; n > 0 {
		fev, _, err := des.Evaluate(c.Context(), m, des.FlatStaffing(n), opts, o.concurrency, workers, progress.stage(fmt.Sprintf("flat %d", n)))
		if err != nil {
			return err
		}
		flat = &plan.Alternative{Agents: n, AgentHours: float64(n) * float64(len(opts.HourStarts)), Evaluation: fev}
		for _, l := range levels {
			if l.Agents == n {
				shaped = &plan.Alternative{Agents: n, AgentHours: l.AgentDays * 24, Evaluation: plan.Evaluate(l, opts)}
			}
		}
	}
	rep.AddRoster(r, ev, required, flat, shaped, s.StartTime().Hour(), o.agentCost, needs, opts)
	return nil
}

func writePlanTable(w io.Writer, rep *plan.Report, elapsed time.Duration) error {
	reps := fmt.Sprintf("adaptive replications (%d to %d per level)", rep.MinReps, rep.MaxReps)
	if rep.Reps > 0 {
		reps = fmt.Sprintf("%d replications per level", rep.Reps)
	}
	fmt.Fprintf(w, "plan %s: %d levels, %s, %d runs", rep.Scenario, len(rep.Levels), reps, rep.Runs)
	if elapsed > 0 {
		fmt.Fprintf(w, " in %.1f s", elapsed.Seconds())
	}
	fmt.Fprintf(w, "; seed %d\n", rep.Seed)
	fmt.Fprintf(w, "refunds in CNY for the contract period the scenario stands for; risk target %s\n\n", rep.Risk)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	header := "AGENTS\tRUNS\tP_REFUND\t95% CI\tREFUND MEAN\tMEDIAN\tP90\tP95\tMAX\tDISPUTES\tBUYER REFUNDS\tSATISF. MEAN\tABANDON MEAN\t"
	if rep.Levels[0].AgentCost > 0 {
		header += "AGENT COST\tCOST+REFUND\t"
	}
	fmt.Fprintln(tw, header+"MEETS\t")
	for i, l := range rep.Levels {
		r := l.Refund
		fmt.Fprintf(tw, "%d\t%d\t%.3f\t[%.3f, %.3f]\t%.0f\t%.0f\t%.0f\t%.0f\t%.0f\t%.1f\t%.0f\t%s\t%s\t", l.Agents, l.Reps, r.PRefund, r.PRefundCI.Lo, r.PRefundCI.Hi,
			r.Mean, r.Median, r.P90, r.P95, r.Max, l.Disputes.Mean, l.DisputeRefunds.Mean, kpiMean(l, "satisfaction"), kpiMean(l, "abandon_rate"))
		if l.AgentCost > 0 {
			fmt.Fprintf(tw, "%.0f\t%.0f\t", l.AgentCost, l.ExpectedTotal)
		}
		meets := "no"
		if rep.Meets[i] {
			meets = "yes"
		}
		// Not settled by its own intervals: say how it was decided.
		switch l.Verdict {
		case plan.Undecided:
			meets += " (undecided)"
		case plan.Beyond:
			meets += " (beyond: a level below holds)"
		}
		fmt.Fprintf(tw, "%s\t\n", meets)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	if hasOtherIntervals(rep) {
		fmt.Fprintln(w, "95 % intervals of the risk metrics (undecided: the interval straddles the threshold):")
		for _, l := range rep.Levels {
			fmt.Fprintf(w, "  %d agents, %d runs, %s: %s\n", l.Agents, l.Reps, l.Verdict, intervals(l))
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "probability each contract KPI is missed:")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	ids := missIDs(rep.Levels)
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
		fmt.Fprintf(w, "recommended: %d agents in the peak interval, the fewest meeting %s (p_refund %.3f, 95%% interval [%.3f, %.3f], %d runs)\n",
			rep.Recommended, rep.Risk, rec.Refund.PRefund, rec.Refund.PRefundCI.Lo, rec.Refund.PRefundCI.Hi, rec.Reps)
		fmt.Fprintf(w, "  buyers there: %s abandon, %.0f disputes, %.0f CNY refunded to buyers through disputes\n",
			pct(rec.AbandonRate), rec.Disputes.Mean, rec.DisputeRefunds.Mean)
		if !rep.Monotone {
			fmt.Fprintln(w, "note: a larger level misses the target again; run more replications before trusting the edge")
		}
	} else {
		fmt.Fprintf(w, "no level meets %s: try more agents (--agents) or a looser target\n", rep.Risk)
	}
	for _, ch := range []*plan.Cheapest{rep.Cheapest, rep.CheapestForMerchant} {
		if ch == nil {
			continue
		}
		if ch.Refused != nil {
			p := ch.Refused
			fmt.Fprintf(w, "%s: %d agents — refused: buyers abandon %s there (above --max-abandon %s), with %.0f disputes and %.0f CNY refunded to buyers\n",
				ch.Rule, p.Agents, pct(p.Abandoned), pct(rep.MaxAbandon), p.Disputes, p.BuyerRefunds)
		}
		switch p := ch.Pick; {
		case p == nil:
			fmt.Fprintf(w, "%s within --max-abandon %s: no level keeps abandonment that low\n", ch.Rule, pct(rep.MaxAbandon))
		case ch.Refused != nil:
			fmt.Fprintf(w, "  within --max-abandon: %d agents (%.0f CNY; buyers: %s abandon, %.0f disputes, %.0f CNY refunded)\n",
				p.Agents, p.Cost, pct(p.Abandoned), p.Disputes, p.BuyerRefunds)
		default:
			fmt.Fprintf(w, "%s: %d agents (%.0f CNY; buyers: %s abandon, %.0f disputes, %.0f CNY refunded)\n",
				ch.Rule, p.Agents, p.Cost, pct(p.Abandoned), p.Disputes, p.BuyerRefunds)
		}
	}
	if err := writeHoursTable(w, rep); err != nil {
		return err
	}
	if rep.Roster != nil {
		if err := writeRosterTable(w, rep); err != nil {
			return err
		}
	}
	return nil
}

// hasOtherIntervals reports whether the risk target has metrics besides
// p_refund, whose interval the main table shows.
func hasOtherIntervals(rep *plan.Report) bool {
	for _, l := range rep.Levels {
		for m := range l.Intervals {
			if m != "p_refund" {
				return true
			}
		}
	}
	return false
}

func intervals(l plan.LevelSummary) string {
	var parts []string
	for _, m := range sortedKeys(l.Intervals) {
		iv := l.Intervals[m]
		parts = append(parts, fmt.Sprintf("%s [%s, %s]", m, bound(iv.Lo), bound(iv.Hi)))
	}
	return strings.Join(parts, ", ")
}

func bound(v float64) string {
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func writeHoursTable(w io.Writer, rep *plan.Report) error {
	if len(rep.Hours) == 0 || len(rep.Hours) > 48 {
		if len(rep.Hours) > 48 {
			fmt.Fprintf(w, "\n%d hours: see hours.csv (--out) or --json for the hour-by-hour view\n", len(rep.Hours))
		}
		return nil
	}
	t := rep.HourTarget
	fmt.Fprintf(w, "\nhour by hour at %d agents (over its runs); NEEDED is the fewest on duty meeting ≥%s answered within 30 s and ≤%s abandoned in that hour,\nsearched one agent at a time with the earlier hours at their needs:\n",
		rep.HoursAgents, pct(t.Answered30s), pct(t.Abandoned))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	roster := rep.Roster != nil
	header := "HOUR\tARRIVALS\tAGENTS\tOCCUPANCY\tCHATS/AGENT\tFIRST REPLY P50\tP90\t≤30s\t≤3min\tABANDONED\tNEEDED\t"
	if roster {
		header += "REQUIRED\tROSTERED\t"
	}
	fmt.Fprintln(tw, header+"MEETS\t")
	for _, h := range rep.Hours {
		need := strconv.Itoa(h.Needed)
		if !h.NeedReachable {
			need = "> " + need
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%d\t%.2f\t%.2f\t%s\t%s\t%.3f\t%.3f\t%.3f\t%s\t", shortStart(h.Start), h.Arrived, h.Agents, h.Occupancy, h.ChatsPerAgent,
			seconds(h.FirstReplyP50), seconds(h.FirstReplyP90), h.Answered30s, h.Reply3min, h.Abandoned, need)
		if roster {
			fmt.Fprintf(tw, "%s\t%s\t", intp(h.Required), floatp(h.Rostered))
		}
		meets := "yes"
		if !h.Meets {
			meets = "NO"
		}
		fmt.Fprintf(tw, "%s\t\n", meets)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(rep.MissedHours) > 0 {
		if rep.Recommended > 0 {
			fmt.Fprintf(w, "\n%d agents meet the contract's risk target, but %s the hour target:\n", rep.HoursAgents, hoursMiss(len(rep.MissedHours), len(rep.Hours)))
		} else {
			fmt.Fprintf(w, "\nat %d agents, %s the hour target:\n", rep.HoursAgents, hoursMiss(len(rep.MissedHours), len(rep.Hours)))
		}
		for _, h := range rep.Hours {
			if !h.Meets {
				fmt.Fprintf(w, "  %s: %s\n", shortStart(h.Start), h.Why)
			}
		}
		fmt.Fprintln(w, "  staff each hour at NEEDED (plan --roster turns it into shifts) to meet the hour target everywhere")
	}
	return nil
}

// shortStart writes a local start 2006-01-02T15:04 as 01-02 15:04.
func shortStart(s string) string {
	if len(s) == len("2006-01-02T15:04") {
		return s[5:10] + " " + s[11:]
	}
	return s
}

func hoursMiss(n, of int) string {
	if n == 1 {
		return fmt.Sprintf("1 of %d hours misses", of)
	}
	return fmt.Sprintf("%d of %d hours miss", n, of)
}

func seconds(v *float64) string {
	switch {
	case v == nil:
		return "-"
	case *v >= 600:
		return "≥600 s"
	}
	return fmt.Sprintf("%.0f s", *v)
}

func intp(v *int) string {
	if v == nil {
		return "-"
	}
	return strconv.Itoa(*v)
}

func floatp(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.1f", *v)
}

func pct(v float64) string { return fmt.Sprintf("%.1f %%", 100*v) }

func writeRosterTable(w io.Writer, rep *plan.Report) error {
	r := rep.Roster
	fmt.Fprintf(w, "\nroster (a daily pattern; shrinkage %s):\n", pct(r.Shrinkage))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "START\tHOURS\tPAID\tAGENTS\t")
	for _, s := range r.Shifts {
		fmt.Fprintf(tw, "%s\t%g\t%g\t%d\t\n", s.Start, s.Hours, s.PaidHours, s.Agents)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "paid agent-hours %.0f; LP bound %.1f (gap %s)", r.AgentHours, r.LPBound, pct(r.Gap))
	if r.Cost > 0 {
		fmt.Fprintf(w, "; agent cost %.0f CNY", r.Cost)
	}
	fmt.Fprintln(w)
	for i, rr := range r.Rounds {
		fmt.Fprintf(w, "  evaluation %d: %.0f agent-hours, p_refund %.3f [%.3f, %.3f] over %d runs (%s; missed %s): +%d agents at %s\n",
			i+1, rr.AgentHours, rr.PRefund, rr.PRefundCI.Lo, rr.PRefundCI.Hi, rr.Reps, rr.Verdict, orNone(rr.Missed), rr.Added, strings.Join(rr.Hours, ", "))
	}
	if !r.MeetsRisk {
		fmt.Fprintf(w, "the roster still misses %s after %d evaluations: %s\n", rep.Risk, len(r.Rounds)+1, r.Stopped)
	}
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	costs := r.Cost > 0
	header := "STAFFING\tAGENT-HOURS\t"
	if costs {
		header += "AGENT COST\t"
	}
	fmt.Fprintln(tw, header+"RUNS\tP_REFUND\t95% CI\tREFUND MEAN\tP95\tABANDON\tDISPUTES\tBUYER REFUNDS\tMEETS\t")
	row := func(name string, hours, cost float64, ev *plan.Evaluation) {
		l := ev.Summary
		meets := "no"
		if ev.MeetsRisk {
			meets = "yes"
		}
		if ev.Verdict == plan.Undecided {
			meets += " (undecided)"
		}
		fmt.Fprintf(tw, "%s\t%.0f\t", name, hours)
		if costs {
			fmt.Fprintf(tw, "%.0f\t", cost)
		}
		fmt.Fprintf(tw, "%d\t%.3f\t[%.3f, %.3f]\t%.0f\t%.0f\t%s\t%.1f\t%.0f\t%s\t\n", ev.Reps, ev.PRefund, ev.PRefundCI.Lo, ev.PRefundCI.Hi,
			ev.RefundMean, l.Refund.P95, pct(l.AbandonRate), l.Disputes.Mean, l.DisputeRefunds.Mean, meets)
	}
	row("roster", r.AgentHours, r.Cost, rep.Evaluation)
	if rep.Flat != nil {
		row(fmt.Sprintf("flat %d every hour", rep.Flat.Agents), rep.Flat.AgentHours, rep.Flat.Cost, rep.Flat.Evaluation)
	}
	if rep.Shaped != nil {
		row(fmt.Sprintf("shaped, %d at the peak", rep.Shaped.Agents), rep.Shaped.AgentHours, rep.Shaped.Cost, rep.Shaped.Evaluation)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if rep.Flat != nil && rep.Flat.AgentHours > 0 {
		fmt.Fprintf(w, "the roster pays %.0f %% of flat staffing's agent-hours\n", 100*r.AgentHours/rep.Flat.AgentHours)
	}
	if rep.Flat == nil && rep.Recommended == 0 {
		fmt.Fprintf(w, "no flat or shaped staffing beside it: no level meets %s, so there is no level to compare with\n", rep.Risk)
	}
	ids := missIDs([]plan.LevelSummary{rep.Evaluation.Summary})
	var miss []string
	for _, id := range ids {
		miss = append(miss, fmt.Sprintf("%s %.3f", id, rep.Evaluation.Summary.PMiss[id]))
	}
	fmt.Fprintf(w, "roster's probability each contract KPI is missed: %s\n", orNone(miss))
	return nil
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}

func kpiMean(l plan.LevelSummary, id string) string {
	if s, ok := l.KPIs[id]; ok && s.N > 0 {
		return fmt.Sprintf("%.4f", s.Mean)
	}
	return "-"
}

func missIDs(levels []plan.LevelSummary) []string {
	seen := map[string]bool{}
	var ids []string
	for _, id := range sim.KPIIDs() {
		for _, l := range levels {
			if _, ok := l.PMiss[id]; ok && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// planDefinition is a digest of what a plan's replications depend on
// beyond its report's options: the scenario's whole content (after an
// agent model is applied), the concurrency and the per-hour
// replications. Shards whose definitions differ ran different plans,
// even of scenarios with the same name, and the merge refuses them. It is
// "sha256:" and hex.
func planDefinition(s *sim.Scenario, concurrency, hourReps int) string {
	d := struct {
		Scenario              *sim.Scenario
		Concurrency, HourReps int
	}{s, concurrency, hourReps}
	b, err := json.Marshal(d)
	if err != nil {
		b = fmt.Appendf(nil, "%+v", d) // every field is plain data
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

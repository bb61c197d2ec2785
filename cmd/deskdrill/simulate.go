package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/queue"
)

type simulateOptions struct {
	scenario  string
	arrivals  queue.Rate
	aht       time.Duration
	agents    int
	patience  time.Duration
	target    time.Duration
	customers int
	seed      uint64
	json      bool
	// Scenario runs only: the engine's conversations to a transcript
	// file, an agent model file, and a planner replication to repeat.
	transcripts string
	agentModel  string
	level, rep  int
}

func newSimulateCmd() *cobra.Command {
	var o simulateOptions
	c := &cobra.Command{
		Use:   "simulate (--arrivals R/h --aht S --agents C | --scenario NAME|FILE) [flags]",
		Short: "Run the discrete-event engine once: a stationary queue or a whole scenario",
		Long: `simulate runs the planner's discrete-event engine once.

With --arrivals, --aht and --agents it runs the stationary M/M/c queue (M/M/c+M with
--patience: exponential patience, buyers leave when it runs out) for --customers customers
after a warm-up of 20 mean handle times, and prints the measured probability of waiting and
of abandoning, the mean wait of those served (ASA), the service level within --target
(served within T ÷ offered), the speed of the run and, for comparison, the exact Erlang
values. With --scenario it runs the whole scenario once, with its own staffing, and prints
its KPIs, its refund statement and its queue statistics.

With --scenario, --transcripts FILE writes the engine's conversations as JSON-lines transcripts
(docs/transcripts.md): the events a live run records, at the engine's instants, with placeholder
texts, so that deskdrill kpis --transcripts FILE --paid-orders N and deskdrill calibrate read
them. --agent-model FILE runs the scenario with an agent model that deskdrill calibrate fitted
(docs/calibration.md). --level N and --rep I repeat replication I of deskdrill plan at level N
with the same --seed: its staffing (N agents in the peak interval) and its seed.

Every run prints its seed; the same seed gives the same run.`,
		Example: `  deskdrill simulate --arrivals 200/h --aht 180s --agents 14 --patience 5m --target 20s
  deskdrill simulate --arrivals 900/h --aht 3m --agents 50 --patience 6m --customers 5000000 --json
  deskdrill simulate --scenario double11 --seed 7
  deskdrill simulate --scenario steady-day --seed 1 --transcripts day.jsonl
  deskdrill kpis --transcripts day.jsonl --paid-orders 12000 --contract seed-tiered
  deskdrill simulate --scenario double11 --agent-model vendor.yaml --seed 7
  deskdrill simulate --scenario double11 --seed 42 --level 300 --rep 17 --transcripts rep17.jsonl`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("seed") {
				o.seed = randomSeed()
			}
			if o.scenario != "" {
				return runSimulateScenario(c, o)
			}
			return runSimulateStationary(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.scenario, "scenario", "", "run a built-in scenario or scenario file once")
	queueFlags(f, &o.arrivals, &o.aht, &o.patience, &o.target)
	intFlag(f, &o.agents, "agents", 0, "agents (one chat each)", 1, maxQueueAgents, "a whole number of agents from 1 such as 14")
	intFlag(f, &o.customers, "customers", 1_000_000, "customers to simulate after the warm-up",
		1, 1_000_000_000, "a whole number of customers from 1 to 1000000000 such as 1000000")
	seedFlag(f, &o.seed, "root seed (default: the scenario file's seed, else a random one, printed)")
	f.BoolVar(&o.json, "json", false, "print one JSON object")
	f.StringVar(&o.transcripts, "transcripts", "", "with --scenario: write the engine's conversations to FILE as JSON-lines transcripts")
	f.StringVar(&o.agentModel, "agent-model", "", "with --scenario: run it with this agent model file (deskdrill calibrate --out)")
	intFlag(f, &o.level, "level", 0, "with --scenario: the planner's staffing level, agents in the peak interval (default: the scenario's staffing)",
		1, 100_000, "a whole number of agents from 1 such as 6")
	intFlag(f, &o.rep, "rep", 0, "with --scenario: repeat the planner's replication REP of root --seed (its seed is derived from both)",
		0, 100_000, "a replication number from 0 such as 17")
	return c
}

// scenarioSeed is the seed of a run of scenario s: --seed when given, else
// the file's own seed when it has one (scenarios.md: the same seed and file
// give the same result), else seed (drawn at random, printed).
func scenarioSeed(c *cobra.Command, seed uint64, s *sim.Scenario) uint64 {
	if !c.Flags().Changed("seed") && s.Seed != 0 {
		return s.Seed
	}
	return seed
}

// randomSeed picks a seed for a run that was not given one; the run prints
// it so that it can be repeated.
func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])>>1 | 1
}

type simulateReport struct {
	Seed          uint64  `json:"seed"`
	Arrivals      float64 `json:"arrivals_per_hour"`
	AHTSeconds    float64 `json:"aht_s"`
	Agents        int     `json:"agents"`
	PatienceS     float64 `json:"patience_s,omitempty"`
	TargetS       float64 `json:"target_s"`
	Customers     int     `json:"customers"`
	PWait         float64 `json:"p_wait"`
	PAbandon      float64 `json:"p_abandon"`
	ASA           float64 `json:"asa_s"`
	ServiceLevel  float64 `json:"service_level"`
	Occupancy     float64 `json:"occupancy"`
	Events        uint64  `json:"events"`
	Elapsed       float64 `json:"elapsed_s"`
	CustomersPerS float64 `json:"customers_per_s"`
	// Erlang holds the exact values of the same queue, when they exist.
	Erlang *erlangValues `json:"erlang,omitempty"`
}

type erlangValues struct {
	Model        string  `json:"model"`
	PWait        float64 `json:"p_wait"`
	PAbandon     float64 `json:"p_abandon"`
	ASA          float64 `json:"asa_s"`
	ServiceLevel float64 `json:"service_level"`
}

func runSimulateStationary(c *cobra.Command, o simulateOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.arrivals.Per == 0 || o.aht == 0 || o.agents == 0 {
		return usage("give --arrivals, --aht and --agents (a stationary queue) or --scenario")
	}
	for _, name := range []string{"transcripts", "agent-model", "level", "rep"} {
		if c.Flags().Changed(name) {
			return usage("--%s runs with --scenario: a stationary queue has no conversations, agent model or planner levels", name)
		}
	}
	rate, aht, patience, target := o.arrivals, o.aht, o.patience, o.target
	perHour := rate.PerSecond() * 3600
	m, err := des.Stationary(des.StationaryConfig{ArrivalsPerHour: perHour, AHT: aht, Agents: o.agents, Patience: patience})
	if err != nil {
		return usage("%w", err)
	}
	warmup := 20 * aht
	start := time.Now()
	r, err := des.NewEngine(m).Run(c.Context(), des.Run{Seed: o.seed, Customers: o.customers, Warmup: warmup, Target: target})
	if err != nil {
		return err
	}
	elapsed := time.Since(start).Seconds()
	s := r.Stats
	rep := simulateReport{
		Seed: o.seed, Arrivals: perHour, AHTSeconds: aht.Seconds(), Agents: o.agents, PatienceS: patience.Seconds(),
		TargetS: target.Seconds(), Customers: s.Customers, PWait: s.PWait(), PAbandon: s.PAbandon(), ASA: s.ASA(),
		ServiceLevel: s.ServiceLevel(), Occupancy: s.Occupancy(), Events: r.Events, Elapsed: elapsed,
		CustomersPerS: float64(s.Customers) / elapsed,
	}
	qc := queue.Config{Arrivals: rate, AHT: aht, Agents: o.agents, Patience: patience, Target: target}
	if ex, err := queue.ErlangA(qc); err == nil {
		model := "Erlang C"
		if patience > 0 {
			model = "Erlang A"
		}
		rep.Erlang = &erlangValues{Model: model, PWait: ex.PWait, PAbandon: ex.PAbandon, ASA: ex.ASA.Seconds(), ServiceLevel: ex.ServiceLevel}
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), rep)
	}
	w := c.OutOrStdout()
	fmt.Fprintf(w, "stationary M/M/%d", o.agents)
	if patience > 0 {
		fmt.Fprintf(w, "+M (mean patience %s)", scenarios.FormatDuration(patience))
	}
	fmt.Fprintf(w, ": %g arrivals/h, AHT %s, load %.3f Erlangs; seed %d\n", perHour, scenarios.FormatDuration(aht), perHour/3600*aht.Seconds(), o.seed)
	fmt.Fprintf(w, "%d customers after a warm-up of %s, %d events in %.2f s (%.0f customers/s)\n\n",
		s.Customers, scenarios.FormatDuration(warmup), r.Events, elapsed, rep.CustomersPerS)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "\tSIMULATED"
	if rep.Erlang != nil {
		header += "\t" + strings.ToUpper(rep.Erlang.Model)
	} else {
		header += "\tERLANG"
	}
	fmt.Fprintln(tw, header)
	row := func(name string, got float64, exact func(*erlangValues) float64, format string) {
		fmt.Fprintf(tw, "%s\t"+format, name, got)
		if rep.Erlang != nil {
			fmt.Fprintf(tw, "\t"+format, exact(rep.Erlang))
		} else {
			fmt.Fprint(tw, "\tundefined (load ≥ agents)")
		}
		fmt.Fprintln(tw)
	}
	row("P(wait)", rep.PWait, func(e *erlangValues) float64 { return e.PWait }, "%.5f")
	if patience > 0 {
		row("P(abandon)", rep.PAbandon, func(e *erlangValues) float64 { return e.PAbandon }, "%.5f")
	}
	row("ASA (s)", rep.ASA, func(e *erlangValues) float64 { return e.ASA }, "%.3f")
	row(fmt.Sprintf("service level (%s)", scenarios.FormatDuration(target)), rep.ServiceLevel, func(e *erlangValues) float64 { return e.ServiceLevel }, "%.5f")
	fmt.Fprintf(tw, "occupancy\t%.5f\n", rep.Occupancy)
	return tw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// loadModel loads and compiles a scenario.
func loadModel(nameOrFile string) (*sim.Scenario, *des.Model, error) {
	s, err := scenarios.LoadScenario(nameOrFile)
	if err != nil {
		return nil, nil, flagged("--scenario", err)
	}
	m, err := des.Compile(s)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

type scenarioRunReport struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// RunSeed is the replication's own seed: Seed, or with --rep the
	// planner's seed of that replication.
	RunSeed        uint64               `json:"run_seed"`
	Level          int                  `json:"level,omitempty"`
	AgentModel     string               `json:"agent_model,omitempty"`
	Transcripts    string               `json:"transcripts,omitempty"`
	Period         string               `json:"period"`
	Customers      int                  `json:"customers"`
	Served         int                  `json:"served"`
	Abandoned      int                  `json:"abandoned"`
	LeftLater      int                  `json:"left_after_pickup"`
	Disputes       int                  `json:"disputes"`
	DisputeRefunds sim.Money            `json:"dispute_refunds"`
	Escalations    int                  `json:"escalations"`
	Complaints     int                  `json:"complaints"`
	KPIs           map[string]float64   `json:"kpis"`
	Days           []map[string]float64 `json:"days,omitempty"`
	Refund         *sim.Statement       `json:"refund,omitempty"`
	Events         uint64               `json:"events"`
	Elapsed        float64              `json:"elapsed_s"`
}

func runSimulateScenario(c *cobra.Command, o simulateOptions) error {
	if f := c.Flags(); f.Changed("arrivals") || f.Changed("aht") || f.Changed("agents") || f.Changed("patience") {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--scenario runs the scenario's own arrivals and staffing: leave out --arrivals, --aht, --agents and --patience")}
	}
	s, m, err := loadScenarioModel(c, o.scenario, o.agentModel)
	if err != nil {
		return err
	}
	o.seed = scenarioSeed(c, o.seed, s)
	run := des.Run{Seed: o.seed, Target: 30 * time.Second}
	repeat := c.Flags().Changed("rep")
	if repeat {
		run.Seed = des.RepSeed(o.seed, o.rep)
	}
	if o.level > 0 {
		run.Staffing = s.Staffing.Scaled(o.level)
	}
	var sink *transcriptSink
	if o.transcripts != "" {
		if sink, err = newTranscriptSink(o.transcripts); err != nil {
			return err
		}
		defer sink.close()
		run.Record = sink.add
	}
	start := time.Now()
	r, err := des.NewEngine(m).Run(context.WithoutCancel(c.Context()), run)
	if err != nil {
		return err
	}
	if sink != nil {
		if err := sink.close(); err != nil {
			return err
		}
		fmt.Fprintf(c.ErrOrStderr(), "wrote %d conversations to %s (kpis --transcripts %s --paid-orders %g reads them)\n",
			sink.written, o.transcripts, o.transcripts, s.Store.PaidOrdersPerDay*s.Duration.Hours()/24)
	}
	rep := scenarioRunReport{
		Scenario: s.Name, Seed: o.seed, RunSeed: run.Seed, Level: o.level, AgentModel: o.agentModel, Transcripts: o.transcripts, Period: r.Period, Customers: r.Stats.Customers, Served: r.Stats.Served,
		Abandoned: r.Stats.Abandoned, LeftLater: r.Stats.LeftLater, Disputes: r.Disputes, DisputeRefunds: r.DisputeRefunds,
		Escalations: r.Escalations, Complaints: r.Complaints, KPIs: r.KPIs, Refund: r.Statement,
		Events: r.Events, Elapsed: time.Since(start).Seconds(),
	}
	if len(r.Days) > 1 {
		rep.Days = r.Days
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), rep)
	}
	w := c.OutOrStdout()
	how := ""
	if repeat {
		how += fmt.Sprintf(", replication %d (run seed %d)", o.rep, run.Seed)
	}
	if o.level > 0 {
		how += fmt.Sprintf(", level %d", o.level)
	}
	if o.agentModel != "" {
		how += ", agent model " + o.agentModel
	}
	fmt.Fprintf(w, "scenario %s, seed %d%s: %d customers, %d picked up by an agent, %d left before a pick-up, %d after; %d events in %.2f s\n",
		s.Name, o.seed, how, rep.Customers, rep.Served, rep.Abandoned, rep.LeftLater, rep.Events, rep.Elapsed)
	fmt.Fprintf(w, "disputes ruled for the buyer: %d (%s CNY refunded to buyers); escalations %d; complaints %d\n\n",
		rep.Disputes, rep.DisputeRefunds.Grouped(), rep.Escalations, rep.Complaints)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KPI\tVALUE\tTARGET")
	targets := map[string]string{}
	if ct := m.Scenario().Contract.Contract; ct != nil {
		for _, cl := range ct.Clauses {
			if cl.Target != nil {
				targets[cl.KPI] = strconv.FormatFloat(*cl.Target, 'g', -1, 64)
			}
		}
	}
	for _, id := range sim.KPIIDs() {
		if v, ok := r.KPIs[id]; ok {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", id, formatKPI(id, v), targets[id])
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if r.Statement != nil {
		fmt.Fprintf(w, "\nrefund for period %s under %s (the run's KPIs stand for the period):\n", r.Period, r.Statement.Contract)
		return writeStatement(w, m.Scenario().Contract.Contract, r.Statement)
	}
	return nil
}

func formatKPI(id string, v float64) string {
	k, ok := sim.LookupKPI(id)
	if ok && k.Unit == sim.UnitFraction {
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

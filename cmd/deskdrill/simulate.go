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
	arrivals  string
	aht       string
	agents    int
	patience  string
	target    string
	customers int
	seed      uint64
	json      bool
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

Every run prints its seed; the same seed gives the same run.`,
		Example: `  deskdrill simulate --arrivals 200/h --aht 180s --agents 14 --patience 5m --target 20s
  deskdrill simulate --arrivals 900/h --aht 3m --agents 50 --patience 6m --customers 5000000 --json
  deskdrill simulate --scenario double11 --seed 7`,
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
	f.StringVar(&o.arrivals, "arrivals", "", "arrival rate, such as 200/h, 100/30m or 3/s")
	f.StringVar(&o.aht, "aht", "", "mean handle time, such as 180s or 3m")
	f.IntVar(&o.agents, "agents", 0, "agents (one chat each)")
	f.StringVar(&o.patience, "patience", "", "mean patience (exponential); without it nobody abandons")
	f.StringVar(&o.target, "target", "20s", "service-level threshold T")
	f.IntVar(&o.customers, "customers", 1_000_000, "customers to simulate after the warm-up")
	f.Uint64Var(&o.seed, "seed", 0, "root seed (default: a random one, printed)")
	f.BoolVar(&o.json, "json", false, "print one JSON object")
	return c
}

// randomSeed picks a seed for a run that was not given one; the run prints
// it so that it can be repeated.
func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:])>>1 | 1
}

// parseRate reads "200/h", "100/30m", "3/s": contacts per a duration.
func parseRate(s string) (queue.Rate, error) {
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return queue.Rate{}, fmt.Errorf("%q: want contacts per duration, such as 200/h or 100/30m", s)
	}
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || !(n > 0) || n > 1e12 {
		return queue.Rate{}, fmt.Errorf("%q: want a count above zero before the /", s)
	}
	per = strings.TrimSpace(per)
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := scenarios.ParseDuration(per)
	if err != nil || d <= 0 {
		return queue.Rate{}, fmt.Errorf("%q: want a duration after the /, such as h, 30m or s", s)
	}
	return queue.Rate{Freq: n, Per: d}, nil
}

func parsePositiveDuration(flag, s string, zeroOK bool) (time.Duration, error) {
	if s == "" && zeroOK {
		return 0, nil
	}
	d, err := scenarios.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("--%s %q: %w", flag, s, err)
	}
	if d < 0 || (d == 0 && !zeroOK) {
		return 0, fmt.Errorf("--%s %q: want a duration above zero", flag, s)
	}
	return d, nil
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
	if o.arrivals == "" || o.aht == "" || o.agents == 0 {
		return usage("give --arrivals, --aht and --agents (a stationary queue) or --scenario")
	}
	rate, err := parseRate(o.arrivals)
	if err != nil {
		return usage("--arrivals %w", err)
	}
	aht, err := parsePositiveDuration("aht", o.aht, false)
	if err != nil {
		return usage("%w", err)
	}
	patience, err := parsePositiveDuration("patience", o.patience, true)
	if err != nil {
		return usage("%w", err)
	}
	target, err := parsePositiveDuration("target", o.target, true)
	if err != nil {
		return usage("%w", err)
	}
	if o.agents < 1 {
		return usage("--agents %d: want at least 1", o.agents)
	}
	if o.customers < 1 || o.customers > 1_000_000_000 {
		return usage("--customers %d: want 1 to 1,000,000,000", o.customers)
	}
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
		return nil, nil, err
	}
	m, err := des.Compile(s)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

type scenarioRunReport struct {
	Scenario       string               `json:"scenario"`
	Seed           uint64               `json:"seed"`
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
	if o.arrivals != "" || o.aht != "" || o.agents != 0 || o.patience != "" {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--scenario runs the scenario's own arrivals and staffing: leave out --arrivals, --aht, --agents and --patience")}
	}
	s, m, err := loadModel(o.scenario)
	if err != nil {
		return err
	}
	start := time.Now()
	r, err := des.NewEngine(m).Run(context.WithoutCancel(c.Context()), des.Run{Seed: o.seed, Target: 30 * time.Second})
	if err != nil {
		return err
	}
	rep := scenarioRunReport{
		Scenario: s.Name, Seed: o.seed, Period: r.Period, Customers: r.Stats.Customers, Served: r.Stats.Served,
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
	fmt.Fprintf(w, "scenario %s, seed %d: %d customers, %d served, %d left before a pick-up, %d after; %d events in %.2f s\n",
		s.Name, o.seed, rep.Customers, rep.Served, rep.Abandoned, rep.LeftLater, rep.Events, rep.Elapsed)
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

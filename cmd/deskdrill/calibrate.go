package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/calib"
	"github.com/deskdrill/deskdrill/sim/des"
)

type calibrateOptions struct {
	db          string
	run         int
	transcripts string
	profile     string
	out         string
	against     string
	minN        int
	json        bool
}

func newCalibrateCmd() *cobra.Command {
	var o calibrateOptions
	c := &cobra.Command{
		Use:   "calibrate (--db FILE --run N | --transcripts FILE) [--out model.yaml] [--against SCENARIO] [--json]",
		Short: "Fit the planner's agent model to recorded conversations: a live run's, a vendor's chats, the engine's own",
		Long: `calibrate fits the agent model the discrete-event engine runs (docs/scenarios.md, "agent") to
recorded conversations (docs/calibration.md): the reply work and how it slows with the chats an
agent holds (a censored log-normal regression of the reply times on the chats held; the queue
wait before the pick-up is never part of it), the capacity of 2, 3, ... chats, the handle time
per case and per effort with the slowdown and the escalation work taken off (log-normal,
maximum likelihood), the accuracy and the hard-fail rate (the scorer's verdicts, Wilson
intervals), the buyer turns, and the buyers' patience where leaves allow (exponential maximum
likelihood over censored waits, and the Kaplan-Meier median). Each parameter is printed with
its 95 % interval and the sample behind it; one of fewer than --min-n observations is marked
insufficient and leaves the pooled value in the model. A Kolmogorov-Smirnov test checks each
fitted distribution.

The conversations come from a run in a database (--db FILE --run N) or a transcript file
(--transcripts FILE, docs/transcripts.md; cases a chat does not name are inferred from the
buyer's words where the guess is confident). --out writes the model file that simulate and plan
take with --agent-model. --against SCENARIO also prints the scenario's own values and each
fitted value's error, shares within 0.03 and the rest within 5 %: the back-test of a fit on the
engine's own transcripts.`,
		Example: `  deskdrill calibrate --db trial.db --run 3 --out vendor.yaml
  deskdrill plan --scenario double11 --agent-model vendor.yaml
  deskdrill calibrate --transcripts vendor-march.jsonl --profile taobao --out vendor.yaml --json
  deskdrill simulate --scenario steady-day --seed 20260311 --transcripts day.jsonl
  deskdrill calibrate --transcripts day.jsonl --against steady-day --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runCalibrate(c, o) },
	}
	f := c.Flags()
	f.StringVar(&o.db, "db", "", "SQLite file of the hub, with --run")
	intFlag(f, &o.run, "run", 0, "the run in --db whose conversations to fit", 1, math.MaxInt32, "a run number from 1 such as 3 (deskdrill report --list)")
	f.StringVar(&o.transcripts, "transcripts", "", "JSON-lines transcripts to fit (instead of --db and --run)")
	f.StringVar(&o.profile, "profile", "taobao", "platform profile the transcripts are scored by: built-in name or file (a run uses its scenario's)")
	f.StringVar(&o.out, "out", "", "write the fitted agent model to FILE (YAML, for --agent-model)")
	f.StringVar(&o.against, "against", "", "compare with a built-in scenario or scenario file: its agent model, each fitted value's error")
	intFlag(f, &o.minN, "min-n", calib.DefaultMinN, "observations a parameter needs to stand on its own",
		10, 1_000_000, "a whole number of observations from 10 such as 300")
	f.BoolVar(&o.json, "json", false, "print as JSON")
	return c
}

func runCalibrate(c *cobra.Command, o calibrateOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	fromDB := o.db != "" || c.Flags().Changed("run")
	switch {
	case fromDB && o.transcripts != "":
		return usage("give --db FILE --run N or --transcripts FILE, not both")
	case fromDB && (o.db == "" || !c.Flags().Changed("run")):
		return usage("--db and --run go together: the run whose conversations to fit (deskdrill report --list --db FILE)")
	case !fromDB && o.transcripts == "":
		return usage("give the conversations: --db FILE --run N, or --transcripts FILE")
	}
	var against *sim.Scenario
	if o.against != "" {
		s, err := scenarios.LoadScenario(o.against)
		if err != nil {
			return flagged("--against", err)
		}
		against = s
	}
	var (
		convs  []*sim.Conversation
		source string
		prof   *sim.PlatformProfile
		err    error
	)
	if fromDB {
		st, err := openExisting(c, o.db)
		if err != nil {
			return err
		}
		defer st.Close()
		run, err := st.Run(c.Context(), int64(o.run))
		if err != nil {
			return fmt.Errorf("run %d: %w", o.run, err)
		}
		if convs, err = st.Conversations(c.Context(), int64(o.run)); err != nil {
			return err
		}
		source = fmt.Sprintf("run %d of %s (%s, seed %d, speed %g)", run.ID, o.db, run.Scenario, run.Seed, run.Speed)
		// The run is scored by its scenario's profile, when the scenario
		// still loads; otherwise by --profile.
		if s, err := scenarios.LoadScenario(run.Scenario); err == nil && !c.Flags().Changed("profile") {
			prof = s.Platform
		}
	} else {
		f, err := scenarios.OpenInput(o.transcripts)
		if err != nil {
			return fmt.Errorf("read transcripts: %w", err)
		}
		convs, err = scenarios.ReadTranscripts(f, o.transcripts)
		f.Close()
		if err != nil {
			return err
		}
		source = o.transcripts
	}
	if prof == nil {
		if prof, err = scenarios.LoadProfile(o.profile); err != nil {
			return flagged("--profile", err)
		}
	}
	bank := phrases.Default()
	fit, err := calib.Calibrate(convs, calib.Options{Profile: prof, MinN: o.minN, Workers: runtime.GOMAXPROCS(0),
		InferCase: func(c *sim.Conversation) (string, bool) {
			in := bank.InferConversation(c)
			return in.Case, in.Confident
		}})
	if err != nil {
		return err
	}
	if o.out != "" {
		if err := writeModelFile(o.out, &scenarios.AgentModelFile{Source: source, Conversations: fit.Conversations, Agent: fit.Model}, fit.Notes); err != nil {
			return err
		}
	}
	var cmp *calib.Comparison
	if against != nil {
		cmp = calib.Compare(fit, against)
	}
	if o.json {
		return writeJSON(c.OutOrStdout(), calibrateJSON(source, prof.Name, fit, cmp, o.out))
	}
	return writeCalibration(c.OutOrStdout(), source, prof.Name, fit, cmp, o.out)
}

func writeModelFile(path string, f *scenarios.AgentModelFile, notes []string) error {
	out, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write agent model: %w", err)
	}
	if err := scenarios.WriteAgentModel(out, f, notes); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("write agent model: %w", err)
	}
	return nil
}

// calibrationReport is calibrate's JSON.
type calibrationReport struct {
	Source  string `json:"source"`
	Profile string `json:"profile"`
	*calib.Fit
	Model    modelJSON `json:"model"`
	ModelOut string    `json:"model_file,omitempty"`
	// With --against: the scenario, its checks and whether they pass.
	Against      string        `json:"against,omitempty"`
	Checks       []calib.Check `json:"checks,omitempty"`
	Insufficient []calib.Param `json:"insufficient,omitempty"`
	Passed       *bool         `json:"passed,omitempty"`
}

type distJSON struct {
	Kind string  `json:"kind"`
	Mean float64 `json:"mean_s"`
	CV   float64 `json:"cv,omitempty"`
}

type modelJSON struct {
	HandleTime distJSON `json:"handle_time"`
	FirstReply distJSON `json:"first_reply"`
	// Reply is nil when the model takes first_reply for later replies.
	Reply           *distJSON                `json:"reply"`
	Rounds          float64                  `json:"rounds"`
	UnansweredClose float64                  `json:"unanswered_close"`
	EscalationWork  float64                  `json:"escalation_work_s"`
	Accuracy        float64                  `json:"accuracy"`
	Capacity        []float64                `json:"capacity"`
	Cases           map[string]caseModelJSON `json:"cases,omitempty"`
}

type caseModelJSON struct {
	HandleTime *distJSON `json:"handle_time,omitempty"`
	Accuracy   *float64  `json:"accuracy,omitempty"`
}

func distOf(d sim.Dist) distJSON {
	return distJSON{Kind: string(d.Kind), Mean: d.MeanDuration().Seconds(), CV: d.CV}
}

func calibrateJSON(source, profile string, f *calib.Fit, cmp *calib.Comparison, out string) calibrationReport {
	m := f.Model
	r := calibrationReport{Source: source, Profile: profile, Fit: f, ModelOut: out,
		Model: modelJSON{HandleTime: distOf(m.HandleTime), FirstReply: distOf(m.FirstReply), Rounds: m.Rounds, UnansweredClose: m.UnansweredClose,
			EscalationWork: m.EscalationWork.Seconds(), Accuracy: m.Accuracy, Capacity: m.Capacity}}
	if m.Reply != nil {
		d := distOf(*m.Reply)
		r.Model.Reply = &d
	}
	for id, c := range m.Cases {
		if r.Model.Cases == nil {
			r.Model.Cases = map[string]caseModelJSON{}
		}
		cj := caseModelJSON{Accuracy: c.Accuracy}
		if c.HandleTime != nil {
			d := distOf(*c.HandleTime)
			cj.HandleTime = &d
		}
		r.Model.Cases[id] = cj
	}
	if cmp != nil {
		passed := cmp.Passed()
		r.Against, r.Checks, r.Insufficient, r.Passed = cmp.Scenario, cmp.Checks, cmp.Insufficient, &passed
		if r.Checks == nil {
			r.Checks = []calib.Check{}
		}
	}
	return r
}

// fmtParam writes a parameter's value in its unit.
func fmtParam(v float64, unit string) string {
	switch {
	case math.IsNaN(v):
		return "-"
	case unit == "s":
		return strconv.FormatFloat(v, 'f', 1, 64) + " s"
	case unit == "share":
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	return strconv.FormatFloat(v, 'f', 3, 64)
}

func writeCalibration(w io.Writer, source, profile string, f *calib.Fit, cmp *calib.Comparison, out string) error {
	fmt.Fprintf(w, "calibrated from %s: %d conversations, %d picked up, %d closed by the agent; scored by the %s profile\n\n",
		source, f.Conversations, f.PickedUp, f.Closed, profile)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAMETER\tVALUE\t95% INTERVAL\tN\t")
	for _, p := range f.Params {
		ci := "-"
		if !math.IsNaN(p.Lo) && !math.IsNaN(p.Hi) {
			ci = "[" + fmtParam(p.Lo, p.Unit) + ", " + fmtParam(p.Hi, p.Unit) + "]"
		}
		mark := ""
		if p.Insufficient {
			mark = fmt.Sprintf("insufficient (n < %d)", f.MinN)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", p.Name, fmtParam(p.Value, p.Unit), ci, p.N, mark)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ngoodness of fit (Kolmogorov-Smirnov against the Kaplan-Meier estimate where waits are censored):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DISTRIBUTION\tFAMILY\tN\tD\tP\t")
	for _, g := range f.GoodnessOfFit {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%.4f\t%.3g\t\n", g.Dist, g.Family, g.N, g.D, g.P)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range f.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	m := f.Model
	reply := "as the first"
	if m.Reply != nil {
		reply = m.Reply.String()
	}
	fmt.Fprintf(w, "\nthe model: handle time %s, first reply %s, later replies %s, %.3g rounds, unanswered closes %.3f, accuracy %.3f, capacity %v",
		m.HandleTime, m.FirstReply, reply, m.Rounds, m.UnansweredClose, m.Accuracy, m.Capacity)
	if len(m.Cases) > 0 {
		var ids []string
		for _, id := range sim.CaseIDs() {
			if _, ok := m.Cases[id]; ok {
				ids = append(ids, id)
			}
		}
		fmt.Fprintf(w, "; own values for %s", strings.Join(ids, ", "))
	}
	fmt.Fprintln(w)
	if out != "" {
		fmt.Fprintf(w, "written to %s (deskdrill plan --scenario NAME --agent-model %s)\n", out, out)
	}
	if cmp == nil {
		return nil
	}
	fmt.Fprintf(w, "\nagainst scenario %s (shares within %g, the rest within %g %%):\n", cmp.Scenario, calib.ShareBound, calib.RelativeBound*100)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PARAMETER\tTRUTH\tFITTED\tERROR\tN\tWITHIN\t")
	for _, ch := range cmp.Checks {
		e := fmt.Sprintf("%+.2f %%", 100*ch.RelError)
		if ch.BoundKind == "absolute" {
			e = fmt.Sprintf("%+.4f", ch.AbsError)
		}
		within := "yes"
		if !ch.Within {
			within = "NO"
		}
		fmt.Fprintf(tw, "%s\t%.4g\t%.4g\t%s\t%d\t%s\t\n", ch.Param, ch.Truth, ch.Fitted, e, ch.N, within)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s; %d parameters insufficient (listed above) are not checked\n", cmp.Summary(), len(cmp.Insufficient))
	return nil
}

// loadScenarioModel loads a scenario, with the agent model of
// agentModel when given, and compiles it.
func loadScenarioModel(c *cobra.Command, scenario, agentModel string) (*sim.Scenario, *des.Model, error) {
	s, err := scenarios.LoadScenario(scenario)
	if err != nil {
		return nil, nil, flagged("--scenario", err)
	}
	if agentModel != "" {
		am, err := scenarios.LoadAgentModel(agentModel)
		if err != nil {
			return nil, nil, err
		}
		for _, n := range scenarios.ApplyAgentModel(s, am.Agent) {
			fmt.Fprintf(c.ErrOrStderr(), "note: %s\n", n)
		}
	}
	m, err := des.Compile(s)
	if err != nil {
		return nil, nil, err
	}
	return s, m, nil
}

// transcriptSink writes the engine's conversations to a transcript file
// in arrival order: a conversation ends after later arrivals' may, so
// finished ones wait until every earlier arrival is written.
type transcriptSink struct {
	path    string
	f       *os.File
	w       *bufio.Writer
	pending map[int64]*sim.Conversation
	next    int64
	written int
	err     error
	closed  bool
}

func newTranscriptSink(path string) (*transcriptSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("write transcripts: %w", err)
	}
	return &transcriptSink{path: path, f: f, w: bufio.NewWriterSize(f, 1<<16), pending: map[int64]*sim.Conversation{}}, nil
}

func (s *transcriptSink) add(n int64, c *sim.Conversation) {
	if s.err != nil {
		return
	}
	s.pending[n] = c
	for {
		c, ok := s.pending[s.next]
		if !ok {
			return
		}
		delete(s.pending, s.next)
		s.next++
		s.write(c)
	}
}

func (s *transcriptSink) write(c *sim.Conversation) {
	if s.err != nil {
		return
	}
	if s.err = scenarios.WriteTranscripts(s.w, []*sim.Conversation{c}); s.err == nil {
		s.written++
	}
}

// close writes what is left in order and closes the file; it is safe to
// call twice and returns the first error.
func (s *transcriptSink) close() error {
	if s.closed {
		return s.err
	}
	s.closed = true
	for len(s.pending) > 0 && s.err == nil {
		lo := int64(math.MaxInt64)
		for n := range s.pending {
			lo = min(lo, n)
		}
		s.write(s.pending[lo])
		delete(s.pending, lo)
	}
	if err := s.w.Flush(); err != nil && s.err == nil {
		s.err = fmt.Errorf("write transcripts: %w", err)
	}
	if err := s.f.Close(); err != nil && s.err == nil {
		s.err = fmt.Errorf("write transcripts: %w", err)
	}
	return s.err
}

package scenarios

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/deskdrill/deskdrill/sim"
)

// AgentModelFile is an agent model file (docs/calibration.md, "The model
// file"): the agent section of a scenario on its own, with where it came
// from. deskdrill calibrate writes one; simulate and plan run a scenario
// with it (--agent-model).
type AgentModelFile struct {
	// Source says what the model was fitted from (free text).
	Source string `yaml:"source"`
	// Conversations is how many conversations the fit read.
	Conversations int `yaml:"conversations"`
	// Agent is the model, in the format of a scenario's agent section: it
	// starts from the default agent model, so a field left out keeps its
	// default.
	Agent *sim.AgentModel `yaml:"agent"`
}

// ParseAgentModel decodes and validates an agent model file, strictly:
// an unknown field, a field given twice or a value of the wrong type is
// an error at its line and column, and so is every problem of the model
// (docs/scenarios.md, "agent"). file names it in errors.
func ParseAgentModel(file string, data []byte) (*AgentModelFile, error) {
	doc, err := parseDocument(file, data, scenarioHooks(&refs{}))
	if err != nil {
		return nil, err
	}
	f := &AgentModelFile{Agent: sim.DefaultAgentModel()}
	given := doc.root.Kind == yaml.MappingNode && slices.ContainsFunc(doc.root.Content, func(n *yaml.Node) bool { return n.Value == "agent" })
	errs := sim.Unjoin(doc.decode(f))
	var problems []error
	switch {
	case !given && len(errs) == 0:
		problems = append(problems, &sim.FieldError{Field: "agent", Msg: "is required: the agent model, as in a scenario's agent section"})
	case f.Agent == nil:
		problems = append(problems, &sim.FieldError{Field: "agent", Msg: "is empty: give the agent model, as in a scenario's agent section"})
	default:
		if err := f.Agent.Validate(); err != nil {
			problems = append(problems, prefixed("agent", err)...)
		}
	}
	if f.Conversations < 0 {
		problems = append(problems, &sim.FieldError{Field: "conversations", Msg: fmt.Sprintf("%d: want the number of conversations fitted, 0 or more", f.Conversations)})
	}
	errs = append(errs, doc.beyond(errs, errors.Join(problems...))...)
	if len(errs) > 0 {
		return nil, doc.report(errs)
	}
	return f, nil
}

// prefixed puts path in front of the field of every *sim.FieldError in
// err.
func prefixed(path string, err error) []error {
	var out []error
	for _, e := range sim.Unjoin(err) {
		var fe *sim.FieldError
		if errors.As(e, &fe) {
			field := path
			if fe.Field != "" {
				field += "." + fe.Field
			}
			out = append(out, &sim.FieldError{Field: field, Msg: fe.Msg})
			continue
		}
		out = append(out, &sim.FieldError{Field: path, Msg: e.Error()})
	}
	return out
}

// LoadAgentModel reads and parses an agent model file.
func LoadAgentModel(file string) (*AgentModelFile, error) {
	b, err := ReadInput(file)
	if err != nil {
		return nil, fmt.Errorf("read agent model: %w", err)
	}
	return ParseAgentModel(file, b)
}

// ApplyAgentModel replaces the agent model of s with m (a copy) and
// returns what it had to adapt. When m's capacity curve is shorter than
// the chats an agent of s holds (staffing.concurrency), the curve is
// extended with the scenario's own: each further chat adds the throughput
// it adds in the scenario's curve, scaled to m's last value, at most n for
// n chats. s is validated again by des.Compile.
func ApplyAgentModel(s *sim.Scenario, m *sim.AgentModel) []string {
	am := *m
	am.Capacity = slices.Clone(m.Capacity)
	if m.Cases != nil {
		am.Cases = make(map[string]sim.AgentCase, len(m.Cases))
		for k, v := range m.Cases {
			am.Cases[k] = v
		}
	}
	var notes []string
	conc := sim.DefaultConcurrency
	if s.Staffing != nil && s.Staffing.Concurrency > 0 {
		conc = s.Staffing.Concurrency
	}
	own := sim.DefaultCapacity()
	if s.Agent != nil && len(s.Agent.Capacity) > 0 {
		own = s.Agent.Capacity
	}
	if l := len(am.Capacity); l > 0 && l < conc {
		last := am.Capacity[l-1]
		for n := l + 1; n <= conc; n++ {
			c := last
			if n-1 < len(own) && l-1 < len(own) && own[l-1] > 0 {
				c = last * own[n-1] / own[l-1]
			}
			am.Capacity = append(am.Capacity, math.Min(float64(n), math.Max(c, am.Capacity[n-2])))
		}
		notes = append(notes, fmt.Sprintf("the agent model's capacity curve covers %d chats; scenario %s lets an agent hold %d, so capacity %v extends it by the scenario's own curve",
			l, s.Name, conc, formatCapacity(am.Capacity[l:])))
	}
	s.Agent = &am
	return notes
}

func formatCapacity(c []float64) string {
	parts := make([]string, len(c))
	for i, v := range c {
		parts[i] = strconv.FormatFloat(math.Round(v*1000)/1000, 'f', -1, 64)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// WriteAgentModel writes f in the model file format, with comments: what
// each value means and, in notes, what the fit said. What it writes,
// ParseAgentModel reads back to the same model (durations to the
// millisecond).
func WriteAgentModel(w io.Writer, f *AgentModelFile, notes []string) error {
	if f.Agent == nil {
		return errors.New("write agent model: no model")
	}
	if err := f.Agent.Validate(); err != nil {
		return fmt.Errorf("write agent model: %w", err)
	}
	m := f.Agent
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("# A deskdrill agent model (docs/calibration.md): the agent section of a\n")
	p("# scenario. Run a scenario with it:\n")
	p("#   deskdrill simulate --scenario steady-day --agent-model THIS.yaml\n")
	p("#   deskdrill plan --scenario double11 --agent-model THIS.yaml\n")
	for _, n := range notes {
		p("# note: %s\n", strings.ReplaceAll(n, "\n", " "))
	}
	if f.Source != "" {
		p("source: %s\n", quoteYAML(f.Source))
	}
	if f.Conversations > 0 {
		p("conversations: %d\n", f.Conversations)
	}
	p("agent:\n")
	p("  # Pick-up to close with one chat held, for a case of effort 1.\n")
	p("  handle_time: %s\n", formatDist(m.HandleTime))
	p("  # Work from the pick-up to the first valid reply, with one chat held.\n")
	p("  first_reply: %s\n", formatDist(m.FirstReply))
	if m.Reply != nil {
		p("  # Work from a later round's buyer message to the reply, with one chat held.\n")
		p("  reply: %s\n", formatDist(*m.Reply))
	}
	p("  rounds: %s\n", formatFloat(m.Rounds))
	p("  escalation_work: %s\n", formatDur(m.EscalationWork))
	p("  # The cases without their own accuracy below.\n")
	p("  accuracy: %s\n", formatFloat(m.Accuracy))
	p("  # Closes with the buyer's last message unanswered.\n")
	p("  unanswered_close: %s\n", formatFloat(m.UnansweredClose))
	p("  # Throughput of 1, 2, ... chats held, relative to one.\n")
	p("  capacity: %s\n", formatCapacity(m.Capacity))
	if len(m.Cases) > 0 {
		p("  cases:\n")
		ids := make([]string, 0, len(m.Cases))
		for id := range m.Cases {
			ids = append(ids, id)
		}
		slices.SortFunc(ids, func(a, b string) int { return slices.Index(sim.CaseIDs(), a) - slices.Index(sim.CaseIDs(), b) })
		for _, id := range ids {
			c := m.Cases[id]
			var parts []string
			if c.HandleTime != nil {
				parts = append(parts, "handle_time: "+formatDist(*c.HandleTime))
			}
			if c.Accuracy != nil {
				parts = append(parts, "accuracy: "+formatFloat(*c.Accuracy))
			}
			p("    %s: {%s}\n", id, strings.Join(parts, ", "))
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write agent model: %w", err)
	}
	return nil
}

func formatDist(d sim.Dist) string {
	var parts []string
	parts = append(parts, "kind: "+string(d.Kind))
	if d.Kind != sim.DistUniform {
		parts = append(parts, "mean: "+formatDur(d.Mean))
	}
	if d.CV != 0 {
		parts = append(parts, "cv: "+formatFloat(d.CV))
	}
	if d.Min != 0 {
		parts = append(parts, "min: "+formatDur(d.Min))
	}
	if d.Max != 0 {
		parts = append(parts, "max: "+formatDur(d.Max))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// formatDur writes d in whole days, hours and minutes and seconds with up
// to three decimals ("6m3.767s"), which ParseDuration reads back to the
// millisecond.
func formatDur(d time.Duration) string {
	d = d.Round(time.Millisecond)
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}} {
		if d >= u.d {
			fmt.Fprintf(&b, "%d%s", d/u.d, u.name)
			d %= u.d
		}
	}
	if d > 0 {
		b.WriteString(strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s")
	}
	return b.String()
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// quoteYAML writes s as a double-quoted YAML scalar.
func quoteYAML(s string) string { return strconv.Quote(s) }

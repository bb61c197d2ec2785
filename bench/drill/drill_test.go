package drill_test

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/drill"
	"github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/scenarios"
)

// env is the environment of the docs' examples.
func env(name string) (string, bool) {
	v, ok := map[string]string{
		"DESKDRILL_HUB": "ws://hub.deskdrill:8080", "DESKDRILL_CUSTOMER_TOKEN": "dd_c", "DESKDRILL_AGENT_TOKEN": "dd_a", "DESKDRILL_VIEWER_TOKEN": "dd_v",
	}[name]
	return v, ok
}

// docBlocks returns the YAML blocks of a doc that are whole drill files
// (their first line is "# drill: ...").
func docBlocks(t testing.TB, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(b), -1) {
		if strings.HasPrefix(m[1], "# drill") {
			out = append(out, m[1])
		}
	}
	return out
}

// Every drill file in docs/drills.md reads, and becomes the engine's
// configuration it describes.
func TestParse_DocExamples(t *testing.T) {
	blocks := docBlocks(t, "../../docs/drills.md")
	if len(blocks) < 2 {
		t.Fatalf("%d drill files in docs/drills.md; want the two examples", len(blocks))
	}
	for i, b := range blocks {
		f, err := drill.Parse("docs/drills.md", []byte(b), env)
		if err != nil {
			t.Errorf("example %d: %v", i, err)
			continue
		}
		cfg, err := f.Config()
		if err != nil {
			t.Errorf("example %d: %v", i, err)
			continue
		}
		if _, err := load.New(cfg); err != nil {
			t.Errorf("example %d: the engine refuses it: %v", i, err)
		}
	}
	f, err := drill.Parse("ci-gate.yaml", []byte(blocks[0]), env)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := f.Config()
	// ramp 0→500/s in 10 s, 40 s at 500, a 5 s spike at 2000, 5 s down to
	// 0: 2,500 + 20,000 + 10,000 + 5,000 messages.
	if cfg.Name != "ci-gate" || cfg.URL != "ws://127.0.0.1:8080" || cfg.CustomerToken != "dd_c" || cfg.Customers != 1000 || cfg.Agents != 400 ||
		cfg.Stages.Total() != 37_500 || cfg.Stages[2].From != 2000 || cfg.Stages[3].From != 2000 || len(cfg.Thresholds) != 4 ||
		!cfg.Thresholds[3].AbortOnFail || cfg.Thresholds[3].AbortAfter != 15*time.Second {
		t.Errorf("ci-gate read as %+v", cfg)
	}
	// Its sample output follows from it: the hub it runs on (serve's
	// steady-day) seats every customer, and the stages' messages and rate.
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/drills.md")
	if err != nil {
		t.Fatal(err)
	}
	conns := regexp.MustCompile(`connections: (\d+) customers, (\d+) agents \(0 failed\), (\d+) customers assigned`).FindStringSubmatch(string(doc))
	sent := regexp.MustCompile(`sent (\d+) customer messages at (\d+)/s for 1m0s: (\d+) reached agents, (\d+) echoed, (\d+) came back`).FindStringSubmatch(string(doc))
	if conns == nil || sent == nil {
		t.Fatal("docs/drills.md: no sample summary of ci-gate")
	}
	seats := cfg.Agents * sc.Staffing.Concurrency
	want := []string{fmt.Sprint(cfg.Customers), fmt.Sprint(cfg.Agents), fmt.Sprint(min(cfg.Customers, seats))}
	if !slices.Equal(conns[1:], want) || seats < cfg.Customers {
		t.Errorf("sample %q; want %q, every customer seated (%d agents × %d chats = %d seats)", conns[0], want, cfg.Agents, sc.Staffing.Concurrency, seats)
	}
	total := fmt.Sprint(cfg.Stages.Total())
	want = []string{total, fmt.Sprintf("%.0f", float64(cfg.Stages.Total())/cfg.Stages.Duration().Seconds()), total, total, total}
	if !slices.Equal(sent[1:], want) {
		t.Errorf("sample %q; want %q", sent[0], want)
	}
}

// Problems are reported at their line, column and field, all at once.
func TestParse_Errors(t *testing.T) {
	const ok = "hub: ws://h:1\ntokens: {customer: c, agent: a}\ncustomers: {count: 10}\nagents: {count: 2}\nstages: [{duration: 1s, rate: 10/s}]\n"
	for _, tc := range []struct {
		name string
		in   string
		want []string
	}{
		{"unknown field", ok + "colour: red\n", []string{"d.yaml:6:1: colour: unknown field"}},
		{"no hub", strings.Replace(ok, "hub: ws://h:1\n", "", 1), []string{"hub: required"}},
		{"bad hub", strings.Replace(ok, "ws://h:1", "ftp://h", 1), []string{"d.yaml:1:6: hub:", "ws://127.0.0.1:8080"}},
		{"bad rate", strings.Replace(ok, "10/s", "fast", 1), []string{"d.yaml:5:", "stages[0].rate", "2500/s"}},
		{"bad duration", strings.Replace(ok, "1s,", "soon,", 1), []string{"stages[0].duration"}},
		{"no stages", strings.Replace(ok, "stages: [{duration: 1s, rate: 10/s}]\n", "", 1), []string{"stages: required for echo customers"}},
		// drills.md: speed and patience_scale are only for kind: scenario.
		{"speed for echo customers", strings.Replace(ok, "{count: 10}", "{count: 10, speed: 60}", 1), []string{"d.yaml:3:", "customers.speed: only for kind: scenario"}},
		{"patience_scale for echo customers", strings.Replace(ok, "{count: 10}", "{count: 10, patience_scale: 2}", 1), []string{"customers.patience_scale: only for kind: scenario"}},
		{"bot agents for echo customers", strings.Replace(ok, "{count: 2}", "{kind: bot, count: 2}", 1), []string{"agents.kind: echo customers need echo agents"}},
		{"no agent token", strings.Replace(ok, ", agent: a", "", 1), []string{"tokens.agent: required"}},
		{"bad threshold", ok + "thresholds: [{expr: latency < 1s}]\n", []string{"d.yaml:6:", "thresholds[0].expr", "unknown metric"}},
		{"threshold of the other mode", ok + "thresholds: [{expr: first_response_p90 < 30s}]\n", []string{"thresholds[0].expr", "synthetic customers"}},
		{"kpi without a viewer", ok + "thresholds: [{expr: kpi.satisfaction >= 0.9}]\n", []string{"tokens.viewer"}},
		{"abort_after alone", ok + "thresholds: [{expr: dropped == 0, abort_after: 5s}]\n", []string{"abort_after: only with abort_on_fail"}},
		{"missing variable", strings.Replace(ok, "tokens: {customer: c, agent: a}", "tokens:\n  customer: ${NOPE}\n  agent: a", 1), []string{"tokens.customer: the environment has no NOPE"}},
		{"scenario without one", "hub: h:1\ntokens: {customer: c}\ncustomers: {kind: scenario}\nduration: 1m\n", []string{"customers.scenario: required"}},
		{"scenario without stages or duration", "hub: h:1\ntokens: {customer: c}\ncustomers: {kind: scenario, scenario: steady-day}\n", []string{"duration: synthetic customers need stages"}},
		{"nothing to send", strings.Replace(ok, "10/s", "0/s", 1), []string{"stages:", "send nothing"}},
		{"speed not a number", "hub: h:1\ntokens: {customer: c}\ncustomers: {kind: scenario, scenario: steady-day, speed: .nan}\nduration: 1m\n", []string{"d.yaml:3:58: customers.speed: want a finite number"}},
		{"patience_scale not a number", "hub: h:1\ntokens: {customer: c}\ncustomers: {kind: scenario, scenario: steady-day, patience_scale: .nan}\nduration: 1m\n", []string{"d.yaml:3:67: customers.patience_scale: want a finite number"}},
		{"skill not a number", "hub: h:1\ntokens: {customer: c, agent: a}\ncustomers: {kind: scenario, scenario: steady-day}\nagents: {kind: bot, count: 2, skill: .nan}\nduration: 1m\n", []string{"d.yaml:4:38: agents.skill: want a finite number"}},
		{"several at once", strings.Replace(strings.Replace(ok, "10/s", "fast", 1), "count: 10", "count: -1", 1),
			[]string{"customers.count", "stages[0].rate"}},
		// An unknown scenario is one of the file's problems, with its
		// line, reported with the others.
		{"unknown scenario with the others", "hub: h:1\ntokens: {customer: c}\ncustomers: {kind: scenario, scenario: nonexistent-scn}\nduration: 1s\ninterval: 1ms\nthresholds: [{expr: bogus > 1}]\n",
			[]string{"d.yaml:3:39: customers.scenario:", `no scenario named`, "d.yaml:5:11: interval:", "thresholds[0].expr"}},
		// One mistake, one message (scenarios.md; drills.md: strict as
		// scenario files): an unknown kind is not also "echo customers
		// need echo agents", an unset variable in hub not also "required".
		{"unknown agent kind, once", strings.Replace(ok, "{count: 2}", "{kind: robots, count: 2}", 1), []string{"want echo, bot or none"}},
		{"unset variable in hub, once", strings.Replace(ok, "ws://h:1", "${NOPE}", 1), []string{"hub: the environment has no NOPE"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := drill.Parse("d.yaml", []byte(tc.in), env)
			if err == nil {
				t.Fatal("read without an error")
			}
			if strings.HasSuffix(tc.name, ", once") && strings.Count(err.Error(), "\n") > 0 {
				t.Errorf("one mistake gave several messages:\n%v", err)
			}
			if !errors.Is(err, scenarios.ErrBadInput) {
				t.Errorf("%v: want it to match ErrBadInput (exit 2)", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%v: want it to say %q", err, w)
				}
			}
		})
	}
}

// The metrics table of docs/drills.md lists exactly the metrics the code
// knows, with the modes that measure them.
func TestDocs_MetricsTable(t *testing.T) {
	b, err := os.ReadFile("../../docs/drills.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z_.A-Z*]+)` \\| ([a-zA-Z' ]+?) \\| ((?:echo|idle|scenario)(?:, (?:idle|scenario))*) \\|").FindAllStringSubmatch(string(b), -1) {
		rows[m[1]] = m[2] + " | " + m[3]
	}
	modeName := map[string]string{load.ModeRelay: "echo", load.ModeScenario: "scenario", load.ModeIdle: "idle"}
	want := map[string]string{"kpi.ID": "the KPI's | echo, scenario"}
	for _, m := range load.Metrics() {
		name := m.Name
		if m.Latency {
			name += "_*"
		}
		var modes []string
		for _, x := range m.Modes {
			modes = append(modes, modeName[x])
		}
		slices.Sort(modes)
		want[name] = m.Unit + " | " + strings.Join(modes, ", ")
	}
	for name, w := range want {
		if got, ok := rows[name]; !ok || got != w {
			t.Errorf("docs/drills.md: metric `%s`: %q; want a row %q", name, got, w)
		}
	}
	for name := range rows {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/drills.md lists `%s`, which the code does not know", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, b := range docBlocks(f, "../../docs/drills.md") {
		f.Add(b)
	}
	f.Add("hub: h:1\ntokens: {customer: c, agent: a}\ncustomers: {count: 1}\nagents: {count: 1}\nstages: [{duration: 1s, rate: 1/s}]\n")
	f.Add("hub: [1\n")
	f.Add("stages: [{duration: 1w, from: 1000000/s, rate: 0.000001/s}]\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := drill.Parse("f.yaml", []byte(in), env)
		if err != nil {
			if !errors.Is(err, scenarios.ErrBadInput) {
				t.Fatalf("%q: %v; want every problem to be bad input", in, err)
			}
			return
		}
		// What reads gives a configuration the engine takes, unless its
		// scenario file does not exist.
		cfg, err := d.Config()
		if err != nil {
			return
		}
		if _, err := load.New(cfg); err != nil {
			t.Fatalf("%q read, but the engine refuses it: %v", in, err)
		}
	})
}

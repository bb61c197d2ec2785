// Package drill reads drill files: a load drill against a deskdrill hub
// written down, so that it runs the same way by hand, in CI and on many
// machines (docs/drills.md). A file names the hub and its tokens, the
// customers (echo customers, or synthetic customers of a scenario), the
// agents the drill brings, the stages of the load and the thresholds the
// run must meet; Config turns it into the bench/load engine's
// configuration.
//
// # Decoding
//
// Files are decoded strictly (scenarios.DecodeStrict): an unknown field,
// a field given twice or a value of the wrong kind is an error at its
// line and column, and every problem is reported at once. Values of the
// form ${NAME} in hub, metrics and tokens are read from the environment,
// so that a file in a repository holds no secret.
package drill

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// File is a drill file.
type File struct {
	// Name names the drill in its summary and report (default: the file's
	// name without .yaml).
	Name string `yaml:"name"`
	// Hub is the hub's address: ws://HOST:PORT (http:// and HOST:PORT are
	// read as ws://).
	Hub string `yaml:"hub"`
	// Metrics is the hub's Prometheus endpoint (default
	// http://HOST:PORT/metrics; "-" for none).
	Metrics string    `yaml:"metrics"`
	Tokens  Tokens    `yaml:"tokens"`
	Seed    uint64    `yaml:"seed"`
	Cust    Customers `yaml:"customers"`
	Agents  Agents    `yaml:"agents"`
	Stages  []Stage   `yaml:"stages"`
	// Duration is how long synthetic customers arrive by their scenario's
	// own arrival process, for a drill without stages.
	Duration time.Duration `yaml:"duration"`
	// Interval is the length of the report's intervals (1s).
	Interval time.Duration `yaml:"interval"`
	// Drain bounds the wait after the last message (or arrival) for the
	// replies (or conversations) still under way: 5s for echo customers,
	// 2m for synthetic ones.
	Drain time.Duration `yaml:"drain"`
	// SetupTimeout bounds the wait for connections and assignments (2m).
	SetupTimeout time.Duration `yaml:"setup_timeout"`
	Thresholds   []Threshold   `yaml:"thresholds"`

	file string // as given, for relative paths and the default name
	// scenario is customers.scenario, read by validate so that its
	// problems are reported with the file's others, at their line.
	scenario *sim.Scenario
}

// Tokens are the hub's tokens the drill uses: customer always, agent for
// agents the drill brings, viewer to read the contract's KPIs at the end.
type Tokens struct {
	Customer string `yaml:"customer"`
	Agent    string `yaml:"agent"`
	Viewer   string `yaml:"viewer"`
}

// Customers says who the customers are.
type Customers struct {
	// Kind is echo (each customer one conversation whose messages an echo
	// agent sends back; stages pace messages) or scenario (synthetic
	// customers of a scenario; stages pace arrivals).
	Kind string `yaml:"kind"`
	// Count is the echo customers' connections, or the most synthetic
	// customers that arrive (0: no cap).
	Count int `yaml:"count"`
	// Scenario is a built-in scenario's name or a scenario file (relative
	// to the drill file).
	Scenario string `yaml:"scenario"`
	// Speed compresses the scenario's clock for arrivals without stages
	// (default the scenario's own).
	Speed float64 `yaml:"speed"`
	// PatienceScale multiplies every patience draw (default 1).
	PatienceScale float64 `yaml:"patience_scale"`
}

// Agents says which agents the drill brings.
type Agents struct {
	// Kind is echo (answer every message at once with its text), bot
	// (deskdrill's bots) or none (the team under test answers). Default:
	// echo for echo customers, none for synthetic ones.
	Kind  string `yaml:"kind"`
	Count int    `yaml:"count"`
	// Seat prefixes the agents' seats (default load-).
	Seat string `yaml:"seat"`
	// Skill (0 to 1, default 0.9) and Think (MIN..MAX, default 1s..4s)
	// configure bots.
	Skill *float64 `yaml:"skill"`
	Think string   `yaml:"think"`
}

// Stage is a stage of the load: for Duration, the rate (messages per
// second for echo customers, arrivals for synthetic ones) goes linearly
// from From (default: where the stage before ended, 0 for the first) to
// Rate.
type Stage struct {
	Name     string          `yaml:"name"`
	Duration time.Duration   `yaml:"duration"`
	From     *load.PerSecond `yaml:"from"`
	Rate     *load.PerSecond `yaml:"rate"`
}

// Threshold is a condition the run must meet (load.ParseThreshold's
// grammar) and whether failing it stops the run at once.
type Threshold struct {
	Expr        string `yaml:"expr"`
	AbortOnFail bool   `yaml:"abort_on_fail"`
	// AbortAfter keeps abort_on_fail from judging before this much of the
	// run has passed (few samples say little).
	AbortAfter time.Duration `yaml:"abort_after"`
}

// Customer and agent kinds.
const (
	KindEcho     = "echo"
	KindScenario = "scenario"
	KindBot      = "bot"
	KindNone     = "none"
)

// Limits on a drill's values: beyond them a value is a typo.
const (
	maxCount    = 1_000_000
	minInterval = 10 * time.Millisecond
	maxInterval = time.Hour
	maxDuration = 7 * 24 * time.Hour
)

// Parse decodes and checks a drill file (file names it in errors and is
// the directory scenario files are read against). getenv reads ${NAME}
// (os.LookupEnv when nil). Every problem is a *scenarios.FieldError with
// its line, column and field, matching scenarios.ErrBadInput.
func Parse(file string, data []byte, getenv func(string) (string, bool)) (*File, error) {
	if getenv == nil {
		getenv = os.LookupEnv
	}
	f := &File{file: file}
	if err := scenarios.DecodeStrict(file, data, f, func() error { return f.validate(getenv) }); err != nil {
		return nil, err
	}
	return f, nil
}

// Load reads and parses a drill file.
func Load(file string) (*File, error) {
	b, err := scenarios.ReadInput(file)
	if err != nil {
		return nil, fmt.Errorf("read drill: %w", err)
	}
	return Parse(file, b, nil)
}

// envRef is ${NAME}.
var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces every ${NAME} in *s from getenv.
func expand(s *string, getenv func(string) (string, bool)) error {
	var missing []string
	*s = envRef.ReplaceAllStringFunc(*s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := getenv(name)
		if !ok {
			missing = append(missing, name)
		}
		return v
	})
	if len(missing) > 0 {
		return fmt.Errorf("the environment has no %s", strings.Join(missing, ", "))
	}
	return nil
}

func fieldErr(field, format string, args ...any) error {
	return &sim.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)}
}

// validate fills in the defaults and checks f; every problem is a
// *sim.FieldError.
func (f *File) validate(getenv func(string) (string, bool)) error {
	var errs []error
	bad := func(field, format string, args ...any) { errs = append(errs, fieldErr(field, format, args...)) }
	// A field that could not be read is not checked further: one mistake,
	// one message (scenarios.md).
	unread := map[string]bool{}
	for _, x := range []struct {
		field string
		v     *string
	}{{"hub", &f.Hub}, {"metrics", &f.Metrics}, {"tokens.customer", &f.Tokens.Customer}, {"tokens.agent", &f.Tokens.Agent}, {"tokens.viewer", &f.Tokens.Viewer}} {
		if err := expand(x.v, getenv); err != nil {
			bad(x.field, "%v", err)
			unread[x.field] = true
		}
	}
	if f.Name == "" {
		f.Name = strings.TrimSuffix(filepath.Base(f.file), filepath.Ext(f.file))
	}
	if !unread["hub"] {
		if f.Hub == "" {
			bad("hub", "required: the hub's address, such as ws://127.0.0.1:8080")
		} else if u, err := hubURL(f.Hub); err != nil {
			bad("hub", "%v", err)
		} else {
			f.Hub = u
		}
	}
	if f.Metrics != "" && f.Metrics != "-" {
		if u, err := url.Parse(f.Metrics); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("metrics", "%q: want the hub's Prometheus endpoint such as http://127.0.0.1:8080/metrics, or - for none", f.Metrics)
		}
	}
	if strings.TrimSpace(f.Tokens.Customer) == "" {
		bad("tokens.customer", "required: a customer token of the hub (deskdrill tokens create --role customer)")
	}

	c := &f.Cust
	switch c.Kind {
	case "":
		c.Kind = KindEcho
	case KindEcho, KindScenario:
	default:
		bad("customers.kind", "%q: want echo or scenario", c.Kind)
	}
	switch {
	case c.Count < 0 || c.Count > maxCount:
		bad("customers.count", "%d: want 0 to %d", c.Count, maxCount)
	case c.Kind == KindEcho && c.Count < 1:
		bad("customers.count", "required for echo customers: how many connections, such as 1000")
	}
	if c.Kind == KindScenario && c.Scenario == "" {
		bad("customers.scenario", "required for synthetic customers: a built-in scenario such as steady-day, or a scenario file")
	}
	// Echo customers have no scenario: its clock and patience are not
	// theirs to scale, and a value set for them would be ignored.
	for _, x := range []struct {
		field string
		set   bool
	}{{"customers.scenario", c.Scenario != ""}, {"customers.speed", c.Speed != 0}, {"customers.patience_scale", c.PatienceScale != 0}} {
		if c.Kind == KindEcho && x.set {
			bad(x.field, "only for kind: scenario")
		}
	}
	if c.Kind == KindScenario && c.Scenario != "" {
		name := c.Scenario
		if _, err := scenarios.ScenarioSource(name); err != nil && !filepath.IsAbs(name) {
			name = filepath.Join(filepath.Dir(f.file), name)
		}
		if sc, err := scenarios.LoadScenario(name); err != nil && name != c.Scenario {
			// The path looked at, next to the file, with the name given.
			bad("customers.scenario", "%q: %v", c.Scenario, err)
		} else if err != nil {
			bad("customers.scenario", "%v", err)
		} else {
			f.scenario = sc
		}
	}
	if c.Speed < 0 || c.Speed > 100_000 {
		bad("customers.speed", "%v: want above 0 and at most 100000 (0: the scenario's own)", c.Speed)
	}
	if c.PatienceScale < 0 || c.PatienceScale > 1000 {
		bad("customers.patience_scale", "%v: want above 0 and at most 1000", c.PatienceScale)
	}

	a := &f.Agents
	if a.Kind == "" {
		a.Kind = KindEcho
		if c.Kind == KindScenario {
			a.Kind = KindNone
		}
	}
	kindOK := true
	switch a.Kind {
	case KindEcho, KindBot, KindNone:
	default:
		bad("agents.kind", "%q: want echo, bot or none", a.Kind)
		kindOK = false
	}
	switch {
	case !kindOK:
	case a.Count < 0 || a.Count > maxCount:
		bad("agents.count", "%d: want 0 to %d", a.Count, maxCount)
	case c.Kind == KindEcho && a.Kind != KindEcho:
		bad("agents.kind", "echo customers need echo agents (their messages come back from them)")
	case a.Kind != KindNone && a.Count < 1:
		bad("agents.count", "required for %s agents: how many, such as 100", a.Kind)
	case a.Kind == KindNone && a.Count > 0:
		bad("agents.count", "agents of kind none are not the drill's to count: leave it out")
	}
	if a.Kind != KindNone && a.Count > 0 && strings.TrimSpace(f.Tokens.Agent) == "" {
		bad("tokens.agent", "required for the drill's agents: an agent token of the hub")
	}
	if a.Kind != KindBot && (a.Skill != nil || a.Think != "") {
		bad("agents", "skill and think are for bots (kind: bot)")
	}
	if a.Skill != nil && (*a.Skill < 0 || *a.Skill > 1) {
		bad("agents.skill", "%v: want 0 to 1", *a.Skill)
	}
	if a.Think != "" {
		if _, _, err := parseThink(a.Think); err != nil {
			bad("agents.think", "%v", err)
		}
	}
	if strings.ContainsAny(a.Seat, "/") || len(a.Seat) > 40 {
		bad("agents.seat", "%q: at most 40 characters without /", a.Seat)
	}

	switch {
	case len(f.Stages) == 0 && c.Kind == KindEcho:
		bad("stages", "required for echo customers: the message rates over time, such as - {duration: 30s, rate: 1000/s}")
	case len(f.Stages) == 0 && f.Duration <= 0:
		bad("duration", "synthetic customers need stages, or a duration for the scenario's own arrivals")
	case len(f.Stages) > 0 && f.Duration != 0:
		bad("duration", "the stages say how long the drill lasts: leave duration out")
	case f.Duration < 0 || f.Duration > maxDuration:
		bad("duration", "%v: want at most 1w", f.Duration)
	}
	for i, st := range f.Stages {
		p := fmt.Sprintf("stages[%d]", i)
		if st.Duration <= 0 || st.Duration > maxDuration {
			bad(p+".duration", "%v: want above 0 and at most 1w, such as 30s", st.Duration)
		}
		if st.Rate == nil {
			bad(p+".rate", "required: the rate at the stage's end, such as 1000/s")
		}
	}
	if len(errs) == 0 && len(f.Stages) > 0 {
		if err := f.stages().Check(); err != nil {
			bad("stages", "%v", err)
		}
	}
	switch {
	case f.Interval == 0:
		f.Interval = load.DefaultInterval
	case f.Interval < minInterval || f.Interval > maxInterval:
		bad("interval", "%v: want 10ms to 1h", f.Interval)
	}
	if f.Drain < 0 || f.Drain > maxDuration {
		bad("drain", "%v: want at most 1w", f.Drain)
	}
	if f.SetupTimeout < 0 || f.SetupTimeout > maxDuration {
		bad("setup_timeout", "%v: want at most 1w", f.SetupTimeout)
	}
	mode := load.ModeRelay
	if c.Kind == KindScenario {
		mode = load.ModeScenario
	}
	for i, t := range f.Thresholds {
		p := fmt.Sprintf("thresholds[%d]", i)
		th, err := load.ParseThreshold(t.Expr)
		if err != nil {
			bad(p+".expr", "%v", err)
			continue
		}
		if err := th.Fits(mode); err != nil {
			bad(p+".expr", "%v", err)
		}
		if t.AbortAfter < 0 {
			bad(p+".abort_after", "%v: want zero or more", t.AbortAfter)
		}
		if t.AbortAfter > 0 && !t.AbortOnFail {
			bad(p+".abort_after", "only with abort_on_fail: true")
		}
		if (f.Tokens.Viewer == "") && (strings.HasPrefix(th.Metric, "kpi.") || th.Metric == "refund") {
			bad(p+".expr", "%s is read from the hub's /api/live: give tokens.viewer", th.Metric)
		}
	}
	return errors.Join(errs...)
}

// hubURL reads the hub's address as ws(s)://HOST:PORT.
func hubURL(s string) (string, error) {
	u := protocol.HubURL(s)
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "ws" && p.Scheme != "wss") || p.Host == "" || p.User != nil || p.RawQuery != "" || p.Fragment != "" || p.Path != "" {
		return "", fmt.Errorf("%q: want the hub's address such as ws://127.0.0.1:8080", s)
	}
	return u, nil
}

// parseThink reads "1s..4s" or one duration.
func parseThink(s string) (lo, hi time.Duration, err error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		b = a
	}
	if lo, err = scenarios.ParseDuration(a); err == nil {
		hi, err = scenarios.ParseDuration(b)
	}
	switch {
	case err != nil:
		return 0, 0, fmt.Errorf("%q: want MIN..MAX such as 1s..4s", s)
	case hi < lo:
		return 0, 0, fmt.Errorf("%q: MAX is shorter than MIN", s)
	case hi > time.Hour:
		return 0, 0, fmt.Errorf("%q: longer than 1h", s)
	}
	return lo, hi, nil
}

// Stages returns the file's stages, each From filled in.
func (f *File) stages() load.Stages {
	var out load.Stages
	var prev load.PerSecond
	for _, st := range f.Stages {
		from := prev
		if st.From != nil {
			from = *st.From
		}
		out = append(out, load.Stage{Name: st.Name, Duration: st.Duration, From: from, Rate: *st.Rate})
		prev = *st.Rate
	}
	return out
}

// Config returns the engine's configuration of the drill: the scenario
// loaded (a file relative to the drill file's directory) and the
// thresholds parsed.
func (f *File) Config() (load.Config, error) {
	cfg := load.Config{
		Name: f.Name, URL: f.Hub, MetricsURL: f.Metrics,
		CustomerToken: f.Tokens.Customer, AgentToken: f.Tokens.Agent, ViewerToken: f.Tokens.Viewer,
		Customers: f.Cust.Count, Agents: f.Agents.Count, AgentKind: f.Agents.Kind, Seat: f.Agents.Seat,
		Seed: f.Seed, Speed: f.Cust.Speed, PatienceScale: f.Cust.PatienceScale,
		Stages: f.stages(), Duration: f.Duration, Interval: f.Interval, Drain: f.Drain, Setup: f.SetupTimeout,
		BotSkill: 0.9, BotThinkMin: time.Second, BotThinkMax: 4 * time.Second,
	}
	if f.Agents.Kind == KindNone {
		cfg.AgentKind, cfg.Agents = load.AgentsNone, 0
	}
	if f.Agents.Skill != nil {
		cfg.BotSkill = *f.Agents.Skill
	}
	if f.Agents.Think != "" {
		cfg.BotThinkMin, cfg.BotThinkMax, _ = parseThink(f.Agents.Think)
	}
	if f.Cust.Kind == KindScenario {
		cfg.Scenario = f.scenario // read by validate
	}
	for _, t := range f.Thresholds {
		th, err := load.ParseThreshold(t.Expr)
		if err != nil {
			return load.Config{}, err // validate has checked it
		}
		th.AbortOnFail, th.AbortAfter = t.AbortOnFail, t.AbortAfter
		cfg.Thresholds = append(cfg.Thresholds, th)
	}
	return cfg, nil
}

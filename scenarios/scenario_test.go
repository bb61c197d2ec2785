package scenarios_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// leaves returns every error joined (at any depth) in err.
func leaves(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, leaves(e)...)
		}
		return out
	}
	return []error{err}
}

// badInputOnly fails unless every error joined in err is a positioned
// *FieldError or a *NotFoundError, and err as a whole is ErrBadInput.
func badInputOnly(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	for _, e := range leaves(err) {
		var fe *scenarios.FieldError
		var nf *scenarios.NotFoundError
		if !errors.As(e, &fe) && !errors.As(e, &nf) {
			t.Fatalf("error is neither a FieldError nor a NotFoundError: %T %v", e, e)
		}
	}
	if !errors.Is(err, scenarios.ErrBadInput) {
		t.Fatalf("error does not match ErrBadInput: %v", err)
	}
}

func mustScenario(t *testing.T, name string) *sim.Scenario {
	t.Helper()
	s, err := scenarios.LoadScenario(name)
	if err != nil {
		t.Fatalf("LoadScenario(%q): %v", name, err)
	}
	return s
}

// expected returns the expected conversations of the whole run and the
// peak hour's.
func expected(s *sim.Scenario) (total float64, peakAt time.Time, peak float64) {
	a := s.ArrivalRate()
	peakAt, peak = a.PeakHour(s.StartTime(), s.EndTime())
	return a.Expected(s.StartTime(), s.EndTime()), peakAt, peak
}

func TestScenarioNames(t *testing.T) {
	want := []string{"618", "double11", "double11-aftersales", "pre-hire-basic", "steady-day", "trial-2w"}
	if got := scenarios.ScenarioNames(); !slices.Equal(got, want) {
		t.Errorf("ScenarioNames = %v; want %v", got, want)
	}
}

func TestBuiltinScenarios_Valid(t *testing.T) {
	for _, name := range scenarios.ScenarioNames() {
		t.Run(name, func(t *testing.T) {
			s := mustScenario(t, name)
			if s.Name != name {
				t.Errorf("name %q; want the file's name %q", s.Name, name)
			}
			if s.Description == "" || s.Seed == 0 {
				t.Errorf("a built-in scenario needs a description and a fixed seed")
			}
			if s.Location.String() != "Asia/Shanghai" {
				t.Errorf("Location = %v; want the tz database's Asia/Shanghai", s.Location)
			}
			if !s.Contract.IsZero() && (s.Contract.Contract == nil || s.Contract.Contract.Name != s.Contract.Name) {
				t.Errorf("contract %q not resolved", s.Contract.Name)
			}
			if err := s.Validate(); err != nil {
				t.Errorf("Validate after loading: %v", err)
			}
			// Every surge lies in the run and the source parses again the same.
			src, _ := scenarios.ScenarioSource(name)
			again, err := scenarios.ParseScenario(name+".yaml", src)
			if err != nil || again.Seed != s.Seed {
				t.Errorf("ParseScenario of the source: %v", err)
			}
		})
	}
}

// TestBuiltinScenarios_Load checks the figures the issue and the
// descriptions promise, computed from the arrival integral.
func TestBuiltinScenarios_Load(t *testing.T) {
	steady := mustScenario(t, "steady-day")
	steadyTotal, steadyAt, steadyPeak := expected(steady)
	if math.Abs(steadyTotal-1800) > 1e-6 || steadyAt.Hour() != 21 {
		t.Errorf("steady-day: %.1f conversations, peak at %v; want 1800 (12000 × 0.15) and the 21:00 hour", steadyTotal, steadyAt)
	}

	d11 := mustScenario(t, "double11")
	total, peakAt, peak := expected(d11)
	if total < 50000 {
		t.Errorf("double11: %.0f expected conversations; want at least 50,000", total)
	}
	midnight := d11.StartTime()
	first := d11.ArrivalRate().Expected(midnight, midnight.Add(time.Hour))
	if !peakAt.Equal(midnight) || first < 10*steadyPeak {
		t.Errorf("double11: the 00:00 hour brings %.0f (peak at %v); want the peak, at least 10 × steady-day's %.0f", first, peakAt, steadyPeak)
	}
	hour := func(s *sim.Scenario, h int) float64 {
		from := s.StartTime().Add(time.Duration(h) * time.Hour)
		return s.ArrivalRate().Expected(from, from.Add(time.Hour))
	}
	for h := 20; h <= 22; h++ {
		if hour(d11, h) <= 1.5*hour(d11, 15) {
			t.Errorf("double11: %02d:00 brings %.0f; want an evening peak above 1.5 × the afternoon's %.0f", h, hour(d11, h), hour(d11, 15))
		}
	}
	if n := len(d11.Staffing.Sweep.Levels()); n < 10 || d11.Staffing.Concurrency != 3 {
		t.Errorf("double11: %d sweep levels, concurrency %d; want at least 10 levels at concurrency 3", n, d11.Staffing.Concurrency)
	}
	t.Logf("double11: %.0f conversations, %.0f in the 00:00 hour (%.0f × steady-day's peak hour %.0f)", total, first, peak/steadyPeak, steadyPeak)

	after := mustScenario(t, "double11-aftersales")
	if after.Duration != 9*24*time.Hour || after.StartTime().Day() != 12 || after.EndTime().Day() != 21 {
		t.Errorf("double11-aftersales runs %v to %v; want November 12 to 20", after.StartTime(), after.EndTime())
	}
	returns := func(s *sim.Scenario, at time.Time) float64 {
		m := s.ArrivalRate().Mix(at)
		return m.Share(sim.CaseNoReasonReturn) + m.Share(sim.CaseQualityDefect) + m.Share(sim.CaseSizeChartMismatch)
	}
	wave := returns(after, time.Date(2026, 11, 15, 12, 0, 0, 0, after.Location))
	if base := returns(steady, steady.StartTime()); wave < 2*base {
		t.Errorf("double11-aftersales: returns and defects are %.2f of the mix in the wave; want at least twice steady-day's %.2f", wave, base)
	}

	s618 := mustScenario(t, "618")
	total618, at618, _ := expected(s618)
	if total618 >= total || total618 < 5*steadyTotal || !at618.Equal(s618.StartTime()) {
		t.Errorf("618: %.0f conversations, peak at %v; want a midnight peak and between steady-day and double11", total618, at618)
	}

	trial := mustScenario(t, "trial-2w")
	if trial.Duration != 14*24*time.Hour || trial.Speed != 1 {
		t.Errorf("trial-2w: %v at speed %v; want two weeks in real time", trial.Duration, trial.Speed)
	}
	if c := trial.Contract.Contract; c == nil || c.Trial == nil || time.Duration(c.Trial.Weeks)*7*24*time.Hour != trial.Duration {
		t.Errorf("trial-2w: contract %q; want one whose trial lasts the run's two weeks", trial.Contract.Name)
	}

	exam := mustScenario(t, "pre-hire-basic")
	examTotal, _, _ := expected(exam)
	if examTotal < 3 || examTotal > 12 || exam.Speed != 1 || exam.Locale != sim.LocaleZhCN || !exam.Contract.IsZero() {
		t.Errorf("pre-hire-basic: %.1f customers, speed %v, locale %s; want a few customers, speed 1, zh-CN, no contract", examTotal, exam.Speed, exam.Locale)
	}
	for _, p := range exam.Personas {
		if p.Patience.Kind != sim.DistConstant {
			t.Errorf("pre-hire-basic: persona %s patience %v; want a constant (every candidate meets the same buyer)", p.Name, p.Patience)
		}
	}
}

func TestProfiles(t *testing.T) {
	if got, want := scenarios.ProfileNames(), []string{"douyin", "jd", "pinduoduo", "taobao"}; !slices.Equal(got, want) {
		t.Fatalf("ProfileNames = %v; want %v", got, want)
	}
	for _, name := range scenarios.ProfileNames() {
		p, err := scenarios.LoadProfile(name)
		if err != nil {
			t.Fatalf("LoadProfile(%q): %v", name, err)
		}
		if p.Name != name || p.Description == "" {
			t.Errorf("%s: name %q, description %q", name, p.Name, p.Description)
		}
		for _, f := range sim.ProfileFields() {
			if strings.TrimSpace(p.Sources[f]) == "" {
				t.Errorf("%s: no source for %s", name, f)
			}
		}
	}
	// The values DOMAIN.md §1 gives.
	tb, _ := scenarios.LoadProfile("taobao")
	dy, _ := scenarios.LoadProfile("douyin")
	jd, _ := scenarios.LoadProfile("jd")
	pdd, _ := scenarios.LoadProfile("pinduoduo")
	checks := []struct {
		what string
		ok   bool
	}{
		{"taobao counts 08:00-23:00", tb.BusinessHours.String() == "08:00-23:00"},
		{"taobao caps rounds at 10 min", tb.RoundCap == 10*time.Minute},
		{"taobao counts an unanswered round 600 s", tb.UnansweredRound == 600*time.Second},
		{"taobao excludes full-auto bots", tb.ValidReply.FullAutoBot == sim.BotExclude},
		{"taobao counts assist-mode bots", tb.ValidReply.AssistBot == sim.BotCount},
		{"taobao's window is 30 days", tb.RollingWindow == 30*24*time.Hour},
		{"douyin counts dialogues", dy.ReplyScope == sim.ScopeDialogue},
		{"douyin: welcome is no reply", !dy.ValidReply.Welcome},
		{"jd excludes 23:00-09:00 from the answer rate", jd.AnswerRateExcludes != nil && jd.AnswerRateExcludes.String() == "23:00-09:00"},
		{"jd answers within 30 s", jd.AnswerThreshold == 30*time.Second},
		{"pdd answers within 30 s", pdd.AnswerThreshold == 30*time.Second},
		{"every profile: 3-minute reply and timeout", tb.ReplyThreshold == 3*time.Minute && pdd.ReplyThreshold == 3*time.Minute && dy.ReplyThreshold == 3*time.Minute && tb.TimeoutThreshold == 3*time.Minute},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("want %s", c.what)
		}
	}
	_, err := scenarios.LoadProfile("tmall")
	var nf *scenarios.NotFoundError
	if !errors.As(err, &nf) || nf.What != "platform profile" {
		t.Errorf("LoadProfile(tmall) = %v; want a NotFoundError", err)
	}
}

// minimal is the smallest valid scenario; the error cases add to it or
// change one line.
const minimal = `name: t
start: 2026-03-11T00:00
duration: 24h
store: {paid_orders_per_day: 1000, contacts_per_order: 0.2}
`

// rosterHead opens a staffing section's roster (lines 5–7).
const rosterHead = "staffing:\n  intervals: [{start: \"00:00\", end: \"24:00\", agents: 2}]\n  roster:\n"

func TestParseScenario_Errors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string // "file:line:col: field: " + a fragment of the message
	}{
		{"unknown field", minimal + "speeed: 2\n",
			`t.yaml:5:1: speeed: unknown field "speeed" (known fields here: agent, arrivals`},
		{"unknown nested field", minimal + "arrivals:\n  base_per_hr: 10\n",
			`t.yaml:6:3: arrivals.base_per_hr: unknown field "base_per_hr" (known fields here: base_per_hour, hour_shape, surges)`},
		{"wrong type", minimal + "speed: fast\n", `t.yaml:5:8: speed: want a number, got the text "fast"`},
		{"wrong type in a list", minimal + "arrivals: {hour_shape: [1, a]}\n", `t.yaml:5:28: arrivals.hour_shape[1]: want a number`},
		{"given twice", minimal + "name: u\n", `t.yaml:5:1: name: given twice`},
		{"zero rate", minimal + "arrivals: {base_per_hour: 0}\n", `t.yaml:5:27: arrivals.base_per_hour: 0: want contacts per hour above zero`},
		{"negative rate", minimal + "arrivals:\n  base_per_hour: -5\n", `t.yaml:6:18: arrivals.base_per_hour: -5: want contacts per hour above zero`},
		{"zero orders", strings.Replace(minimal, "paid_orders_per_day: 1000", "paid_orders_per_day: 0", 1),
			`t.yaml:4:30: store.paid_orders_per_day: 0: want the store's paid orders per day, above zero`},
		{"missing store", "name: t\nstart: 2026-03-11T00:00\nduration: 24h\n",
			`t.yaml:1:1: store.paid_orders_per_day: 0: want the store's paid orders per day`},
		{"zero surge multiplier", minimal + "arrivals:\n  surges:\n    - {name: a, start: 2026-03-11T10:00, duration: 1h, multiplier: 0}\n",
			`t.yaml:7:68: arrivals.surges[0].multiplier: 0: want a factor above zero`},
		{"surge outside the run", minimal + "arrivals:\n  surges:\n    - {name: a, start: 2026-03-12T10:00, duration: 1h, multiplier: 2}\n",
			`t.yaml:7:24: arrivals.surges[0].start: the surge 2026-03-12T10:00 to 2026-03-12T11:00 lies outside the run`},
		{"unknown case id", minimal + "contact_mix:\n  quality: 2\n",
			`t.yaml:6:12: contact_mix.quality: unknown case "quality" (known: refund_unshipped, cancel_in_transit,`},
		{"unknown case id in a surge mix", minimal + "arrivals:\n  surges:\n    - name: a\n      start: 2026-03-11T10:00\n      duration: 1h\n      multiplier: 2\n      mix: {returns: 1}\n",
			`t.yaml:11:22: arrivals.surges[0].mix.returns: unknown case "returns"`},
		{"mix sums to zero", minimal + "contact_mix: {wrong_item: 0, missing_parts: 0}\n",
			`t.yaml:5:14: contact_mix: the weights add up to 0`},
		{"overlapping staffing", minimal + "staffing:\n  intervals:\n    - {start: \"00:00\", end: \"12:00\", agents: 2}\n    - {start: \"10:00\", end: \"24:00\", agents: 3}\n",
			`t.yaml:8:15: staffing.intervals[1].start: 10:00 overlaps the interval ending at 12:00`},
		{"staffing gap", minimal + "staffing:\n  intervals:\n    - {start: \"00:00\", end: \"08:00\", agents: 2}\n    - {start: \"09:00\", end: \"24:00\", agents: 3}\n",
			`t.yaml:8:15: staffing.intervals[1].start: 09:00 leaves 08:00-09:00 unstaffed`},
		{"bad time of day", minimal + "staffing:\n  intervals:\n    - {start: \"00:00\", end: \"25:00\", agents: 2}\n",
			`t.yaml:7:29: staffing.intervals[0].end: time of day "25:00": want 00:00 to 23:59 (24:00 only as the end of a day)`},
		{"bad sweep", minimal + "staffing:\n  sweep: 20-80\n  intervals: [{start: \"00:00\", end: \"24:00\", agents: 2}]\n",
			`t.yaml:6:10: staffing.sweep: sweep "20-80": want min:max:step`},
		{"roster shift too short", minimal + rosterHead + "    shifts: [30m]\n",
			`t.yaml:8:14: staffing.roster.shifts[0]: 30m: want whole minutes from 1h to 16h`},
		{"roster unknown field", minimal + rosterHead + "    shift: [8h]\n",
			`t.yaml:8:5: staffing.roster.shift: unknown field "shift"`},
		{"roster shrinkage", minimal + rosterHead + "    shrinkage: 1.5\n",
			`t.yaml:8:16: staffing.roster.shrinkage: 1.5: want a share from 0 to 0.9, such as 0.1`},
		{"roster break outside the shift", minimal + rosterHead + "    breaks: [{min_shift: 8h, after: 7h, length: 2h}]\n",
			`t.yaml:8:37: staffing.roster.breaks[0].after: 7h + length 2h ends after min_shift 8h: the break must fall inside every shift that takes it`},
		{"roster empty starts", minimal + rosterHead + "    starts: []\n",
			`t.yaml:8:13: staffing.roster.starts: an empty list allows no shift: leave starts out for every whole hour, or list some, such as ["08:00"]`},
		{"roster breaks overlap", minimal + rosterHead + "    breaks: [{min_shift: 9h, after: 4h, length: 1h}, {min_shift: 9h, after: 4h30m, length: 1h}]\n",
			`t.yaml:8:54: staffing.roster.breaks[1]: after 4h30m for 1h overlaps breaks[0] (after 4h for 1h) in shifts of 9h or more: want breaks one after the other`},
		{"bad time zone", minimal + "timezone: Mars/Olympus\n",
			`t.yaml:5:11: timezone: unknown time zone "Mars/Olympus": want an IANA name`},
		{"local time zone", minimal + "timezone: Local\n", `t.yaml:5:11: timezone: "Local": want an IANA time zone`},
		// CST names China, US Central and Cuba Standard Time: refused,
		// pointing at Asia/Shanghai, with the field and its position.
		{"CST", minimal + "timezone: CST\n", `t.yaml:5:11: timezone: "CST": CST is ambiguous (China, US Central or Cuba Standard Time): for Beijing time write Asia/Shanghai`},
		{"EST is an abbreviation too", minimal + "timezone: EST\n", `t.yaml:5:11: timezone: "EST": EST is an abbreviation`},
		{"start with an offset", strings.Replace(minimal, "2026-03-11T00:00", "2026-03-11T00:00+08:00", 1),
			`t.yaml:2:8: start: date-time "2026-03-11T00:00+08:00": write local time without an offset`},
		{"start not a date", strings.Replace(minimal, "2026-03-11T00:00", "tomorrow", 1),
			`t.yaml:2:8: start: date-time "tomorrow": want a local date-time such as 2026-11-11T00:00`},
		{"duration without unit", strings.Replace(minimal, "duration: 24h", "duration: 24", 1),
			`t.yaml:3:11: duration: duration "24": missing or unknown unit (want ms, s, m, h, d or w)`},
		{"unknown contract name", minimal + "contract: seed-teired\n",
			`t.yaml:5:11: contract: no contract named "seed-teired": not built in (built-in: `},
		{"contract of the wrong shape", minimal + "contract: [a]\n", `t.yaml:5:11: contract: want a contract name (`},
		{"inline contract, unknown KPI", minimal + "contract:\n  name: c\n  monthly_fee: 100\n  clauses:\n    - {id: a, kind: event, kpi: satisfactoin, ratio: 0.1}\n",
			`t.yaml:9:33: contract.clauses[0].kpi: unknown KPI "satisfactoin"`},
		{"inline contract, wrong type", minimal + "contract:\n  name: c\n  monthly_fee: lots\n",
			`t.yaml:7:16: contract.monthly_fee: amount "lots": want a number with at most two decimals`},
		{"unknown profile name", minimal + "platform: tmall\n",
			`t.yaml:5:11: platform: no platform profile named "tmall": not built in (built-in: douyin, jd, pinduoduo, taobao)`},
		{"unknown base profile", minimal + "platform: {base: tmall, round_cap: 5m}\n",
			`t.yaml:5:18: platform.base: no platform profile named "tmall"`},
		{"profile override, unknown field", minimal + "platform: {base: taobao, reply_treshold: 2m}\n",
			`t.yaml:5:26: platform.reply_treshold: unknown field "reply_treshold"`},
		{"profile override, invalid", minimal + "platform:\n  base: taobao\n  reply_scope: session\n",
			`t.yaml:7:16: platform.reply_scope: "session": want round or dialogue`},
		{"persona unknown field", minimal + "personas:\n  - {name: a, patients: 3m}\n",
			`t.yaml:6:15: personas[0].patients: unknown field "patients"`},
		{"persona patience kind", minimal + "personas:\n  - name: a\n    patience: {kind: normal, mean: 3m}\n",
			`t.yaml:7:22: personas[0].patience.kind: "normal": want one of [constant exponential lognormal gamma weibull uniform]`},
		{"persona patience without unit", minimal + "personas:\n  - name: a\n    patience: 90\n",
			`t.yaml:7:15: personas[0].patience: want a distribution such as {kind: lognormal, mean: 3m, cv: 0.6} or a duration (a constant): duration "90": missing or unknown unit`},
		{"persona tension", minimal + "personas:\n  - name: a\n    tension: {start: 12}\n",
			`t.yaml:7:22: personas[0].tension.start: 12: tension runs from 0 to 10`},
		{"agent case", minimal + "agent:\n  cases:\n    returns: {accuracy: 0.8}\n",
			`t.yaml:7:14: agent.cases.returns: unknown case "returns"`},
		{"policy sla", minimal + "policy:\n  slas: {quality_defect: 0s}\n",
			`t.yaml:6:26: policy.slas.quality_defect: is required and must be above zero`},
		{"outcome", minimal + "outcome:\n  satisfaction: {base: 7}\n",
			`t.yaml:6:24: outcome.satisfaction.base: 7: the rating scale runs from 1 to 5`},
		{"hour shape of 12", minimal + "arrivals: {hour_shape: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}\n",
			`t.yaml:5:24: arrivals.hour_shape: has 12 values: want 24`},
		{"not a mapping", "- a\n- b\n", `t.yaml:1:1: want a mapping with fields agent, arrivals`},
		{"syntax", minimal + "speed: @x\n", `t.yaml:5:1: YAML syntax: found character that cannot start any token`},
		{"empty", "", `t.yaml: the file is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := scenarios.ParseScenario("t.yaml", []byte(tt.src))
			if err == nil {
				t.Fatalf("ParseScenario = %v, nil; want %s", s.Name, tt.want)
			}
			badInputOnly(t, err)
			var got []string
			for _, e := range leaves(err) {
				if strings.HasPrefix(e.Error(), tt.want) {
					return
				}
				got = append(got, e.Error())
			}
			t.Errorf("errors:\n  %s\nwant one starting %s", strings.Join(got, "\n  "), tt.want)
		})
	}
}

func TestParseScenario_EveryProblemInOrder(t *testing.T) {
	src := "name: t\nstart: 2026-03-11T00:00\nduration: 24\nspeed: fast\nstore: {paid_orders_per_day: -1, contacts_per_order: 0.2}\n" +
		"contact_mix: {wrong: 1}\nplatform: tmall\ncontract: nope\n"
	_, err := scenarios.ParseScenario("t.yaml", []byte(src))
	var got []string
	for _, e := range leaves(err) {
		var fe *scenarios.FieldError
		if errors.As(e, &fe) {
			got = append(got, fe.Field)
		}
	}
	want := []string{"duration", "speed", "store.paid_orders_per_day", "contact_mix.wrong", "platform", "contract"}
	if !slices.Equal(got, want) {
		t.Errorf("fields = %v; want %v (every problem, top to bottom)", got, want)
	}
}

// A scenario with more than MaxErrors problems reports the first ones and
// says that it stopped, as a contract does.
func TestParseScenario_StopsAfterMaxErrors(t *testing.T) {
	src := "name: many\nstart: 2026-03-11T00:00\nduration: 24h\nstore: {paid_orders_per_day: 1000, contacts_per_order: 0.2}\n"
	for i := range scenarios.MaxErrors + 5 {
		src += fmt.Sprintf("extra_%d: 1\n", i)
	}
	_, err := scenarios.ParseScenario("s.yaml", []byte(src))
	lines := strings.Split(fmt.Sprint(err), "\n")
	if len(lines) != scenarios.MaxErrors+1 || !strings.HasPrefix(lines[0], "s.yaml:5:1: extra_0: unknown field") ||
		lines[len(lines)-1] != "s.yaml: stopped after 20 errors" {
		t.Errorf("got %d lines, first %q, last %q; want %d errors from s.yaml:5:1 and \"s.yaml: stopped after 20 errors\"",
			len(lines), lines[0], lines[len(lines)-1], scenarios.MaxErrors)
	}
}

func TestParseScenario_Defaults(t *testing.T) {
	src := minimal + `personas:
  - name: only-name
  - name: quick
    weight: 2
    patience: 45s
policy:
  auto_refund_limit: 20
outcome:
  dispute: {intercept: -5}
agent:
  accuracy: 0.8
  cases:
    presales_question: {handle_time: {kind: exponential, mean: 2m}}
`
	s, err := scenarios.ParseScenario("t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	def := sim.DefaultPersona()
	p0, p1 := s.Personas[0], s.Personas[1]
	checks := []struct {
		what string
		ok   bool
	}{
		{"platform taobao", s.Platform != nil && s.Platform.Name == "taobao"},
		{"zone Asia/Shanghai", s.Location.String() == "Asia/Shanghai" && s.StartTime().Format(time.RFC3339) == "2026-03-11T00:00:00+08:00"},
		{"locale zh-CN, speed 1", s.Locale == sim.LocaleZhCN && s.Speed == 1},
		{"no contract", s.Contract.IsZero()},
		{"base derived", s.BasePerHour() == 1000*0.2/24},
		{"a persona keeps the defaults it does not give", p0.Weight == 1 && p0.Patience == def.Patience && p0.Honesty == sim.Honest && len(p0.Ladder) == len(def.Ladder)},
		{"a bare duration is a constant patience", p1.Patience == sim.Constant(45*time.Second) && p1.Weight == 2},
		{"policy keeps what it does not change", s.Policy.AutoRefundLimit == 20_00 && s.Policy.MaxAutoRejections == 3},
		{"outcome keeps what it does not change", s.Outcome.Dispute.Intercept == -5 && s.Outcome.Dispute.Wrong == 3.5 && s.Outcome.Satisfaction.Base == sim.DefaultOutcome().Satisfaction.Base},
		{"a distribution replaces the default whole", s.Agent.HandleTimeFor(sim.CasePresalesQuestion) == sim.Exponential(2*time.Minute)},
		{"agent keeps its handle time", s.Agent.HandleTime == sim.DefaultAgentModel().HandleTime && s.Agent.Accuracy == 0.8},
		{"staffing derived", s.Staffing != nil && s.Staffing.Concurrency == 3 && len(s.Staffing.Sweep.Levels()) > 0},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("want %s", c.what)
		}
	}
}

func TestParseScenario_PlatformOverride(t *testing.T) {
	s, err := scenarios.ParseScenario("t.yaml", []byte(minimal+"platform:\n  base: douyin\n  reply_threshold: 2m\n  sources: {reply_threshold: \"our contract\"}\n  round_cap: 5m\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := s.Platform
	if p.Name != "douyin" || p.Base != "douyin" || p.ReplyScope != sim.ScopeDialogue || p.ReplyThreshold != 2*time.Minute || p.RoundCap != 5*time.Minute {
		t.Errorf("profile = %+v; want douyin with reply threshold 2m and round cap 5m", p)
	}
	if p.Sources["reply_threshold"] != "our contract" || p.Sources["round_cap"] != "set by t.yaml line 9 over douyin" ||
		!strings.Contains(p.Sources["reply_scope"], "Douyin") {
		t.Errorf("sources = %v; want the file's own, the override's line, and the base's", p.Sources)
	}
	inline := minimal + `platform:
  name: my-shop
  business_hours: "09:00-21:00"
  answer_threshold: 20s
  reply_threshold: 1m
  unanswered_round: 5m
  rolling_window: 7d
`
	s, err = scenarios.ParseScenario("t.yaml", []byte(inline))
	if err != nil {
		t.Fatal(err)
	}
	if s.Platform.Name != "my-shop" || s.Platform.Base != "" || s.Platform.TimeoutThreshold != 3*time.Minute {
		t.Errorf("inline profile = %+v", s.Platform)
	}
}

func TestParseScenario_ReferencedFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tiered, _ := scenarios.ContractSource("seed-tiered")
	write("contracts/mine.yaml", strings.Replace(string(tiered), "name: seed-tiered", "name: mine", 1))
	write("contracts/broken.yaml", "name: broken\nmonthly_fee: -1\n")
	taobao, _ := scenarios.ProfileSource("taobao")
	write("shop.yaml", strings.Replace(string(taobao), "name: taobao", "name: shop", 1))
	ok := write("s/ok.yaml", minimal+"contract: ../contracts/mine.yaml\nplatform: {base: ../shop.yaml, round_cap: 5m}\n")
	broken := write("s/broken.yaml", minimal+"contract: ../contracts/broken.yaml\n")

	s, err := scenarios.LoadScenario(ok)
	if err != nil {
		t.Fatalf("LoadScenario: %v", err)
	}
	if s.Contract.Name != "../contracts/mine.yaml" || s.Contract.Contract.Name != "mine" || s.Platform.Name != "shop" {
		t.Errorf("contract %q → %v, platform %q; want files relative to the scenario's directory", s.Contract.Name, s.Contract.Contract, s.Platform.Name)
	}

	_, err = scenarios.LoadScenario(broken)
	badInputOnly(t, err)
	es := leaves(err)
	if len(es) != 2 || !strings.HasPrefix(es[0].Error(), broken+":5:11: contract: contract file ") ||
		!strings.HasPrefix(es[1].Error(), filepath.Join(dir, "contracts/broken.yaml")+":2:14: monthly_fee: is required and must be above zero") {
		t.Errorf("errors = %v; want the scenario's position, then the contract file's own", es)
	}

	// Built-in scenarios never read files; a directory is not a scenario.
	_, err = scenarios.LoadScenario(dir)
	if !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("LoadScenario(a directory) = %v; want a bad-input read error", err)
	}
}

func TestLoadScenario_NotFound(t *testing.T) {
	_, err := scenarios.LoadScenario("double12")
	var nf *scenarios.NotFoundError
	if !errors.As(err, &nf) || nf.What != "scenario" || !errors.Is(err, scenarios.ErrNotFound) || !slices.Contains(nf.Known, "double11") {
		t.Errorf("LoadScenario(double12) = %v; want a NotFoundError listing the built-ins", err)
	}
	if _, err := scenarios.ScenarioSource("double12"); !errors.As(err, &nf) {
		t.Errorf("ScenarioSource(double12) = %v; want a NotFoundError", err)
	}
}

// TestTestdataScenarios keeps the fuzz seeds honest: the valid files parse,
// the broken ones fail with many positioned errors.
func TestTestdataScenarios(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	for _, p := range files {
		s, err := scenarios.LoadScenario(p)
		broken := strings.HasPrefix(filepath.Base(p), "broken-")
		switch {
		case broken && err == nil:
			t.Errorf("%s parses; want errors", p)
		case broken:
			badInputOnly(t, err)
			if n := len(leaves(err)); n < 8 {
				t.Errorf("%s: %d errors; want every problem reported:\n%v", p, n, err)
			}
		case err != nil:
			t.Errorf("%s: %v", p, err)
		case s.Name != strings.TrimSuffix(filepath.Base(p), ".yaml"):
			t.Errorf("%s: name %q", p, s.Name)
		}
	}
}

// A roster section starts from the default rules: what it leaves out
// keeps the default, a list it gives replaces the default's whole.
func TestParseScenario_RosterDefaults(t *testing.T) {
	s, err := scenarios.ParseScenario("t.yaml", []byte(minimal+rosterHead+"    shifts: [6h]\n    breaks: []\n"))
	if err != nil {
		t.Fatal(err)
	}
	r := s.Staffing.RosterRules()
	def := sim.DefaultRosterRules()
	if len(r.Shifts) != 1 || r.Shifts[0] != 6*time.Hour || len(r.Breaks) != 0 || r.Shrinkage != def.Shrinkage || r.Starts != nil {
		t.Errorf("rules %+v; want shifts [6h], no breaks, the default shrinkage %v, every hour", r, def.Shrinkage)
	}
	s, err = scenarios.ParseScenario("t.yaml", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Staffing.RosterRules(); len(r.Shifts) != 3 || len(r.Breaks) != 1 || r.Shrinkage != 0.1 {
		t.Errorf("no roster section: %+v; want the defaults", r)
	}
}

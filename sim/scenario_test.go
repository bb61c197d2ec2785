package sim_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// profile is a Taobao-like profile built in code (the YAML profiles are
// tested in package scenarios).
func profile() *sim.PlatformProfile {
	return &sim.PlatformProfile{
		Name:            "test",
		BusinessHours:   sim.ClockRange{From: sim.Clock(8, 0), To: sim.Clock(23, 0)},
		AnswerThreshold: 30 * time.Second,
		ReplyThreshold:  3 * time.Minute,
		RoundCap:        10 * time.Minute,
		RollingWindow:   30 * 24 * time.Hour,
	}
}

// scenario returns a valid one-day scenario with every section at its
// default.
func scenario() *sim.Scenario {
	s := sim.NewScenario()
	s.Name = "test"
	s.Start = sim.Date(2026, 3, 11, 0, 0)
	s.Duration = 24 * time.Hour
	s.Platform = profile()
	s.Store = sim.Store{PaidOrdersPerDay: 12000, ContactsPerOrder: 0.15}
	return s
}

// fieldErrs returns the *sim.FieldErrors joined in err.
func fieldErrs(t *testing.T, err error) []*sim.FieldError {
	t.Helper()
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("error %v is not a joined error", err)
	}
	var out []*sim.FieldError
	for _, e := range j.Unwrap() {
		var fe *sim.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a *sim.FieldError", e)
		}
		out = append(out, fe)
	}
	return out
}

func TestScenario_Validate_Valid(t *testing.T) {
	s := scenario()
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	// A second Validate of a normalised scenario changes nothing.
	if err := s.Validate(); err != nil {
		t.Fatalf("second Validate: %v", err)
	}
	if s.Location == nil || s.StartTime().Format(time.RFC3339) != "2026-03-11T00:00:00+08:00" {
		t.Errorf("StartTime = %v; want 2026-03-11T00:00:00+08:00 (the default zone)", s.StartTime())
	}
	if got := s.BasePerHour(); got != 75 {
		t.Errorf("BasePerHour = %v; want 12000 × 0.15 ÷ 24 = 75", got)
	}
}

func TestScenario_Normalize(t *testing.T) {
	s := &sim.Scenario{
		Name: "bare", Start: sim.Date(2026, 3, 11, 0, 0), Duration: 24 * time.Hour, Platform: profile(),
		Store: sim.Store{PaidOrdersPerDay: 12000, ContactsPerOrder: 0.15},
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"locale zh-CN", s.Locale == sim.LocaleZhCN},
		{"time zone Asia/Shanghai", s.TimeZone == sim.DefaultTimeZone},
		{"speed 1", s.Speed == 1},
		{"default hour shape", len(s.Arrivals.HourShape) == 24},
		{"default mix", len(s.ContactMix) == len(sim.CaseIDs())},
		{"default personas", len(s.Personas) == len(sim.DefaultPersonas())},
		{"policy", s.Policy != nil && s.Policy.AutoRefundLimit == 10_00},
		{"agent", s.Agent != nil && len(s.Agent.Capacity) == 5},
		{"outcome", s.Outcome != nil && s.Outcome.Satisfaction.Base == 5},
		{"concurrency 3", s.Staffing.Concurrency == 3},
		// Peak hour ≈ 136 contacts; mean handle ≈ 5.3 min; capacity 2.5 at 3 chats.
		{"staffing from the load", s.Staffing.Peak() == 5 && len(s.Staffing.Intervals) == 1},
		{"sweep around the peak", s.Staffing.Sweep == sim.Sweep{Min: 3, Max: 10, Step: 1}},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("Normalize: want %s", c.name)
		}
	}
}

func TestScenario_Validate_Errors(t *testing.T) {
	tests := []struct {
		name   string
		change func(s *sim.Scenario)
		field  string
		msg    string
	}{
		{"name missing", func(s *sim.Scenario) { s.Name = " " }, "name", "is required"},
		{"locale", func(s *sim.Scenario) { s.Locale = "fr" }, "locale", "want zh-CN or en"},
		{"zone not loaded", func(s *sim.Scenario) { s.TimeZone = "Europe/Berlin" }, "timezone", "not loaded"},
		{"start missing", func(s *sim.Scenario) { s.Start = sim.LocalTime{} }, "start", "is required"},
		{"duration zero", func(s *sim.Scenario) { s.Duration = 0 }, "duration", "above zero"},
		{"duration too long", func(s *sim.Scenario) { s.Duration = 400 * 24 * time.Hour }, "duration", "longer than a year"},
		{"speed negative", func(s *sim.Scenario) { s.Speed = -1 }, "speed", "above 0"},
		{"platform missing", func(s *sim.Scenario) { s.Platform = nil }, "platform", "is required"},
		{"platform scope", func(s *sim.Scenario) { s.Platform.ReplyScope = "session" }, "platform.reply_scope", "want round or dialogue"},
		{"orders zero", func(s *sim.Scenario) { s.Store.PaidOrdersPerDay = 0 }, "store.paid_orders_per_day", "above zero"},
		{"contacts negative", func(s *sim.Scenario) { s.Store.ContactsPerOrder = -0.1 }, "store.contacts_per_order", "above zero"},
		{"base rate zero", func(s *sim.Scenario) { z := 0.0; s.Arrivals.BasePerHour = &z }, "arrivals.base_per_hour", "above zero"},
		{"shape short", func(s *sim.Scenario) { s.Arrivals.HourShape = []float64{1, 2} }, "arrivals.hour_shape", "want 24"},
		{"shape negative", func(s *sim.Scenario) { s.Arrivals.HourShape = oneHot(5); s.Arrivals.HourShape[7] = -1 }, "arrivals.hour_shape[7]", "zero or more"},
		{"shape all zero", func(s *sim.Scenario) { s.Arrivals.HourShape = make([]float64, 24) }, "arrivals.hour_shape", "weight 0"},
		{"surge multiplier zero", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), Duration: time.Hour}}
		}, "arrivals.surges[0].multiplier", "above zero"},
		{"surge without an end", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), Multiplier: 2}}
		}, "arrivals.surges[0]", "give end or duration"},
		{"surge with both ends", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), End: sim.Date(2026, 3, 11, 11, 0), Duration: time.Hour, Multiplier: 2}}
		}, "arrivals.surges[0].duration", "not both"},
		{"surge backwards", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), End: sim.Date(2026, 3, 11, 9, 0), Multiplier: 2}}
		}, "arrivals.surges[0].end", "not after start"},
		{"surge outside the run", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 12, 0, 0), Duration: time.Hour, Multiplier: 2}}
		}, "arrivals.surges[0].start", "outside the run"},
		{"surge names twice", func(s *sim.Scenario) {
			g := sim.Surge{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), Duration: time.Hour, Multiplier: 2}
			s.Arrivals.Surges = []sim.Surge{g, g}
		}, "arrivals.surges[1].name", "also the name of surges[0]"},
		{"surge mix unknown case", func(s *sim.Scenario) {
			s.Arrivals.Surges = []sim.Surge{{Name: "a", Start: sim.Date(2026, 3, 11, 10, 0), Duration: time.Hour, Multiplier: 2,
				Mix: sim.ContactMix{"refund": 1}}}
		}, "arrivals.surges[0].mix.refund", `unknown case "refund"`},
		{"mix unknown case", func(s *sim.Scenario) { s.ContactMix = sim.ContactMix{"quality": 1} }, "contact_mix.quality", "known: refund_unshipped"},
		{"mix negative", func(s *sim.Scenario) { s.ContactMix = sim.ContactMix{sim.CaseWrongItem: -1, sim.CaseMissingParts: 2} }, "contact_mix.wrong_item", "zero or more"},
		{"mix sums to zero", func(s *sim.Scenario) { s.ContactMix = sim.ContactMix{sim.CaseWrongItem: 0} }, "contact_mix", "add up to 0"},
		{"mix empty", func(s *sim.Scenario) { s.ContactMix = sim.ContactMix{} }, "contact_mix", "at least one case"},
		{"personas empty", func(s *sim.Scenario) { s.Personas = []sim.Persona{} }, "personas", "at least one persona"},
		{"persona weights zero", func(s *sim.Scenario) {
			p := sim.DefaultPersona()
			p.Name, p.Weight = "p", 0
			s.Personas = []sim.Persona{p}
		}, "personas", "add up to 0"},
		{"persona patience", func(s *sim.Scenario) {
			s.Personas[1].Patience = sim.Dist{Kind: sim.DistExponential, Mean: time.Minute, CV: 2}
		}, "personas[1].patience.cv", "has cv 1"},
		{"persona tension", func(s *sim.Scenario) { s.Personas[0].Tension.Start = 11 }, "personas[0].tension.start", "0 to 10"},
		{"persona honesty", func(s *sim.Scenario) { s.Personas[0].Honesty = "liar" }, "personas[0].honesty", "want one of"},
		{"persona ladder order", func(s *sim.Scenario) {
			s.Personas[0].Ladder = []sim.Rung{{Step: sim.StepPlatform, Tension: 5}, {Step: sim.StepSupervisor, Tension: 6}}
		}, "personas[0].ladder[1].step", "ladder order"},
		{"persona rung without trigger", func(s *sim.Scenario) {
			s.Personas[0].Ladder = []sim.Rung{{Step: sim.StepPlatform}}
		}, "personas[0].ladder[0]", "needs a tension, waits or both"},
		{"persona names twice", func(s *sim.Scenario) { s.Personas[1].Name = s.Personas[0].Name }, "personas[1].name", "also the name"},
		{"persona chattiness", func(s *sim.Scenario) { s.Personas[0].Chattiness = 0.5 }, "personas[0].chattiness", "from 1 to 20"},
		{"persona rates", func(s *sim.Scenario) { s.Personas[0].RateProbability = 1.5 }, "personas[0].rate_probability", "[0, 1]"},
		{"policy money", func(s *sim.Scenario) { s.Policy.AutoRefundLimit = -1 }, "policy.auto_refund_limit", "negative"},
		{"policy sla case", func(s *sim.Scenario) { s.Policy.SLAs = map[string]time.Duration{"lost": time.Hour} }, "policy.slas.lost", "unknown case"},
		{"policy sla zero", func(s *sim.Scenario) { s.Policy.SLAs = map[string]time.Duration{sim.CaseWrongItem: 0} }, "policy.slas.wrong_item", "above zero"},
		{"policy window", func(s *sim.Scenario) { s.Policy.ReturnWindow = 0 }, "policy.return_window", "above zero"},
		{"policy batch", func(s *sim.Scenario) { s.Policy.BatchThreshold = 1 }, "policy.batch_threshold", "at least 2"},
		{"agent accuracy", func(s *sim.Scenario) { s.Agent.Accuracy = 1.2 }, "agent.accuracy", "[0, 1]"},
		{"agent case unknown", func(s *sim.Scenario) { s.Agent.Cases = map[string]sim.AgentCase{"x": {}} }, "agent.cases.x", "unknown case"},
		{"agent capacity falls", func(s *sim.Scenario) { s.Agent.Capacity = []float64{1, 1.7, 1.5} }, "agent.capacity[2]", "must not fall"},
		{"agent capacity too high", func(s *sim.Scenario) { s.Agent.Capacity = []float64{1, 2.5} }, "agent.capacity[1]", "cannot do more than 2 times"},
		{"concurrency beyond the curve", func(s *sim.Scenario) { s.Staffing = &sim.Staffing{Concurrency: 6, Intervals: day(5)} }, "staffing.concurrency", "want 1 to 5"},
		{"staffing overlap", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: []sim.StaffInterval{
				{Start: 0, End: sim.Clock(12, 0), Agents: 2}, {Start: sim.Clock(10, 0), End: sim.MinutesPerDay, Agents: 2}}}
		}, "staffing.intervals[1].start", "overlaps the interval ending at 12:00"},
		{"staffing gap", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: []sim.StaffInterval{
				{Start: 0, End: sim.Clock(8, 0), Agents: 2}, {Start: sim.Clock(9, 0), End: sim.MinutesPerDay, Agents: 2}}}
		}, "staffing.intervals[1].start", "08:00-09:00 unstaffed"},
		{"staffing short day", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: []sim.StaffInterval{{Start: 0, End: sim.Clock(20, 0), Agents: 2}}}
		}, "staffing.intervals[0].end", "must reach 24:00"},
		{"staffing over midnight", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: []sim.StaffInterval{
				{Start: sim.Clock(6, 0), End: sim.Clock(6, 0), Agents: 2}}}
		}, "staffing.intervals[0].end", "do not cross midnight"},
		{"staffing nobody", func(s *sim.Scenario) { s.Staffing = &sim.Staffing{Intervals: day(0)} }, "staffing.intervals", "0 agents"},
		{"sweep backwards", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: day(5), Sweep: sim.Sweep{Min: 10, Max: 5, Step: 1}}
		}, "staffing.sweep", "max must be at least min"},
		{"sweep step", func(s *sim.Scenario) {
			s.Staffing = &sim.Staffing{Intervals: day(5), Sweep: sim.Sweep{Min: 1, Max: 5, Step: -1}}
		}, "staffing.sweep", "step must be at least 1"},
		{"outcome base", func(s *sim.Scenario) { s.Outcome.Satisfaction.Base = 6 }, "outcome.satisfaction.base", "1 to 5"},
		{"outcome scale", func(s *sim.Scenario) { s.Outcome.Dispute.WaitScale = 0 }, "outcome.dispute.wait_scale", "above zero"},
		{"outcome conversion", func(s *sim.Scenario) { s.Outcome.Conversion.Base = 2 }, "outcome.conversion.base", "[0, 1]"},
		{"outcome abandoned rating", func(s *sim.Scenario) { s.Outcome.Rating.AbandonedMax = 0 }, "outcome.rating.abandoned_max", "1 to 5"},
		{"contract inline", func(s *sim.Scenario) {
			s.Contract = sim.ContractRef{Contract: &sim.Contract{Name: "c", MonthlyFee: 100,
				Clauses: []sim.Clause{{ID: "a", Kind: sim.KindEvent, KPI: "satisfactoin"}}}}
		}, "contract.clauses[0].kpi", `unknown KPI "satisfactoin"`},
		{"contract name unresolved", func(s *sim.Scenario) { s.Contract = sim.ContractRef{Name: "x"} }, "contract", "not loaded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scenario()
			s.Normalize()
			tt.change(s)
			err := s.Validate()
			if err == nil {
				t.Fatalf("Validate: no error; want %s: ...%s...", tt.field, tt.msg)
			}
			var got []string
			for _, fe := range fieldErrs(t, err) {
				if fe.Field == tt.field && strings.Contains(fe.Msg, tt.msg) {
					return
				}
				got = append(got, fe.Error())
			}
			t.Errorf("got %q; want %s: ...%s...", got, tt.field, tt.msg)
		})
	}
}

func day(agents int) []sim.StaffInterval {
	return []sim.StaffInterval{{Start: 0, End: sim.MinutesPerDay, Agents: agents}}
}

func TestScenario_PersonaShares(t *testing.T) {
	s := scenario()
	s.Personas = []sim.Persona{{Weight: 1}, {Weight: 3}, {Weight: 0}}
	got := s.PersonaShares()
	want := []float64{0.25, 0.75, 0}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("PersonaShares = %v; want %v", got, want)
			break
		}
	}
}

// A real-time run plays its scenario on the real calendar (docs/live.md):
// moved by whole days so that day 1 is today in its zone, from the real
// time of day. Expected values are written from that rule: trial-like
// 14 days from 2026-03-02 00:00 (Asia/Shanghai) with a surge on
// 2026-03-10 20:00, started 2026-12-06 09:30 Beijing time (01:30Z) → from
// 2026-12-06 00:00, offset 9h30m, the surge on 2026-12-14 20:00.
func TestScenario_RealTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	base := func(start sim.LocalTime, d time.Duration) *sim.Scenario {
		return &sim.Scenario{Start: start, Location: sh, Duration: d,
			Arrivals: sim.Arrivals{Surges: []sim.Surge{{Name: "s", Start: sim.Date(2026, 3, 10, 20, 0), Duration: time.Hour}}}}
	}
	for _, tc := range []struct {
		name   string
		sc     *sim.Scenario
		now    time.Time
		start  string
		offset time.Duration
		surge  string
	}{
		{"two weeks, started mid-morning", base(sim.Date(2026, 3, 2, 0, 0), 14*24*time.Hour), time.Date(2026, 12, 6, 1, 30, 0, 0, time.UTC),
			"2026-12-06 00:00", 9*time.Hour + 30*time.Minute, "2026-12-14 20:00"},
		{"UTC date differs from Beijing's", base(sim.Date(2026, 3, 2, 0, 0), 14*24*time.Hour), time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC),
			"2026-12-06 00:00", 7 * time.Hour, "2026-12-14 20:00"},
		{"a day from 08:00, started at 06:00: from its start", base(sim.Date(2026, 3, 2, 8, 0), 24*time.Hour), time.Date(2026, 12, 6, 6, 0, 0, 0, sh),
			"2026-12-06 08:00", 0, "2026-12-14 20:00"},
		{"a 2-hour scenario, started after it would end: from its start", base(sim.Date(2026, 3, 2, 0, 0), 2*time.Hour), time.Date(2026, 12, 6, 15, 0, 0, 0, sh),
			"2026-12-06 00:00", 0, "2026-12-14 20:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, off := tc.sc.RealTime(tc.now)
			from, _ := got.Arrivals.Surges[0].Window(sh)
			if s := got.StartTime().Format("2006-01-02 15:04"); s != tc.start || off != tc.offset || from.Format("2006-01-02 15:04") != tc.surge {
				t.Errorf("start %s, offset %v, surge %s; want %s, %v, %s", s, off, from.Format("2006-01-02 15:04"), tc.start, tc.offset, tc.surge)
			}
			if tc.sc.StartTime().Format("2006-01-02") != "2026-03-02" || tc.sc.Arrivals.Surges[0].Start.String() != "2026-03-10T20:00" {
				t.Error("RealTime changed the scenario it was given")
			}
		})
	}
}

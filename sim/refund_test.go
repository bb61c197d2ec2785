package sim_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

func f(v float64) *float64 { return &v }
func n(v int) *int         { return &v }

const fee = sim.Money(10000_00)

// tiered is the seed-tiered template built in code (the YAML template is
// tested against the same figures in package scenarios).
func tiered() *sim.Contract {
	return &sim.Contract{
		Name: "tiered", MonthlyFee: fee, TermMonths: 12, Prepaid: 120000_00, Cap: f(1.0),
		Exclusions: []string{"platform_outage"},
		Clauses: []sim.Clause{
			{ID: "sat", Kind: sim.KindBanded, KPI: "satisfaction", Target: f(0.90), Bands: []sim.Band{
				{From: f(0.85), To: f(0.90), Ratio: sim.Ratio{Min: 0.10, Max: 0.30}, Mode: sim.ModeLinear},
				{To: f(0.85), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}},
			}},
			{ID: "dispute", Kind: sim.KindBanded, KPI: "dispute_refund_rate", Target: f(0.02), Bands: []sim.Band{
				{From: f(0.02), To: f(0.03), Ratio: sim.Ratio{Min: 0.20, Max: 0.50}, Mode: sim.ModeLinear},
				{From: f(0.03), Ratio: sim.Ratio{Min: 0.6, Max: 0.6}},
			}},
			{ID: "timeouts", Kind: sim.KindCountPerDay, KPI: "timeouts_per_day", Limit: f(5), Ratio: &sim.Ratio{Min: 0.3, Max: 0.3}},
		},
		Termination: &sim.Termination{Ratio: 0.8},
	}
}

func mustValid(t *testing.T, c *sim.Contract) *sim.Contract {
	t.Helper()
	if err := c.Validate(); err != nil {
		t.Fatalf("contract %s invalid: %v", c.Name, err)
	}
	return c
}

func month(vals sim.KPIValues) sim.RefundInput {
	return sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: "2026-11", Values: vals}}}
}

func total(t *testing.T, c *sim.Contract, in sim.RefundInput) sim.Money {
	t.Helper()
	st, err := c.Refund(in)
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	var sum sim.Money
	for _, it := range st.Items {
		sum += it.Amount
	}
	if sum != st.Total {
		t.Fatalf("total %s is not the sum of its lines %s", st.Total, sum)
	}
	return st.Total
}

func TestContract_Refund_Banded(t *testing.T) {
	for _, tc := range []struct {
		name string
		kpis sim.KPIValues
		want sim.Money
	}{
		{"satisfaction 0.87 linear", sim.KPIValues{"satisfaction": 0.87}, 2200_00},
		{"dispute 0.026 linear", sim.KPIValues{"dispute_refund_rate": 0.026}, 3800_00},
		{"both", sim.KPIValues{"satisfaction": 0.87, "dispute_refund_rate": 0.026}, 6000_00},
		// A value exactly on a boundary belongs to the better band.
		{"satisfaction on target", sim.KPIValues{"satisfaction": 0.90}, 0},
		{"satisfaction above target", sim.KPIValues{"satisfaction": 0.97}, 0},
		{"satisfaction 0.85 is in [0.85, 0.90) at its worse end", sim.KPIValues{"satisfaction": 0.85}, 3000_00},
		{"satisfaction just below 0.85", sim.KPIValues{"satisfaction": 0.8499}, 5000_00},
		{"satisfaction 0", sim.KPIValues{"satisfaction": 0}, 5000_00},
		{"dispute on threshold", sim.KPIValues{"dispute_refund_rate": 0.02}, 0},
		{"dispute 0.03 is in (0.02, 0.03]", sim.KPIValues{"dispute_refund_rate": 0.03}, 5000_00},
		{"dispute just above 0.03", sim.KPIValues{"dispute_refund_rate": 0.0301}, 6000_00},
		{"timeouts on the limit", sim.KPIValues{"timeouts_per_day": 5}, 0},
		{"timeouts above the limit", sim.KPIValues{"timeouts_per_day": 5.1}, 3000_00},
		{"nothing supplied", sim.KPIValues{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := total(t, mustValid(t, tiered()), month(tc.kpis)); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestContract_Refund_BandModes(t *testing.T) {
	for _, tc := range []struct {
		mode sim.BandMode
		want sim.Money
	}{{sim.ModeMin, 1000_00}, {sim.ModeMax, 3000_00}, {sim.ModeLinear, 2200_00}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			c := tiered()
			c.Clauses[0].Bands[0].Mode = tc.mode
			if got := total(t, mustValid(t, c), month(sim.KPIValues{"satisfaction": 0.87})); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestContract_Refund_PerUnit(t *testing.T) {
	guarantee := func(r sim.Rounding, max *float64) *sim.Contract {
		return &sim.Contract{Name: "g", MonthlyFee: fee, Clauses: []sim.Clause{{
			ID: "g", Kind: sim.KindPerUnit, KPI: "dispute_refund_rate", Threshold: f(0.02), Per: f(0.01),
			Ratio: &sim.Ratio{Min: 0.2, Max: 0.2}, Rounding: r, MaxRatio: max,
		}}}
	}
	for _, tc := range []struct {
		name string
		c    *sim.Contract
		kpis sim.KPIValues
		want sim.Money
	}{
		{"prorate 0.6 point", guarantee(sim.RoundProrate, nil), sim.KPIValues{"dispute_refund_rate": 0.026}, 1200_00},
		{"floor 0.6 point", guarantee(sim.RoundFloor, nil), sim.KPIValues{"dispute_refund_rate": 0.026}, 0},
		{"ceil 0.6 point", guarantee(sim.RoundCeil, nil), sim.KPIValues{"dispute_refund_rate": 0.026}, 2000_00},
		{"ceil exactly 1 point", guarantee(sim.RoundCeil, nil), sim.KPIValues{"dispute_refund_rate": 0.03}, 2000_00},
		{"on the threshold", guarantee(sim.RoundProrate, nil), sim.KPIValues{"dispute_refund_rate": 0.02}, 0},
		{"below the threshold", guarantee(sim.RoundProrate, nil), sim.KPIValues{"dispute_refund_rate": 0.01}, 0},
		{"capped by max_ratio", guarantee(sim.RoundProrate, f(0.5)), sim.KPIValues{"dispute_refund_rate": 0.09}, 5000_00},
		{"satisfaction: each 1 % drop → 2 %", &sim.Contract{Name: "s", MonthlyFee: fee, Clauses: []sim.Clause{{
			ID: "s", Kind: sim.KindPerUnit, KPI: "satisfaction", Threshold: f(0.90), Per: f(0.01), Ratio: &sim.Ratio{Min: 0.02, Max: 0.02},
		}}}, sim.KPIValues{"satisfaction": 0.87}, 600_00},
		{"late first response 0.5 % per minute", &sim.Contract{Name: "l", MonthlyFee: fee, Clauses: []sim.Clause{{
			ID: "l", Kind: sim.KindPerUnit, KPI: "first_response_avg_s", Threshold: f(30), Per: f(60), Ratio: &sim.Ratio{Min: 0.005, Max: 0.005},
		}}}, sim.KPIValues{"first_response_avg_s": 150}, 100_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := total(t, mustValid(t, tc.c), month(tc.kpis)); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestContract_Refund_CountPerDayAndEvents(t *testing.T) {
	badDays := &sim.Contract{Name: "b", MonthlyFee: fee, Clauses: []sim.Clause{{
		ID: "b", Kind: sim.KindCountPerDay, Basis: sim.BasisBadDays, Limit: f(5), Ratio: &sim.Ratio{Min: 0.3, Max: 0.6},
	}}}
	events := &sim.Contract{Name: "e", MonthlyFee: fee, Clauses: []sim.Clause{
		{ID: "leak", Kind: sim.KindEvent, KPI: "incident.data_leak", Ratio: &sim.Ratio{Min: 0.2, Max: 0.2}},
		{ID: "outage", Kind: sim.KindEvent, KPI: "incident.promo_outage", DailyFees: f(3)},
	}}
	for _, tc := range []struct {
		name   string
		c      *sim.Contract
		period string
		kpis   sim.KPIValues
		want   sim.Money
	}{
		{"no bad days", badDays, "2026-11", sim.KPIValues{"timeout_bad_day_share": 0}, 0},
		{"half the days bad", badDays, "2026-11", sim.KPIValues{"timeout_bad_day_share": 0.5}, 4500_00},
		{"every day bad", badDays, "2026-11", sim.KPIValues{"timeout_bad_day_share": 1}, 6000_00},
		{"one data leak", events, "2026-11", sim.KPIValues{"incident.data_leak": 1}, 2000_00},
		{"outage on a promotion day, 30-day month", events, "2026-11", sim.KPIValues{"incident.promo_outage": 1}, 1000_00},
		// 10,000 × 3 ÷ 28 = 1071.428… → 1071.43
		{"outage, 28-day month", events, "2026-02", sim.KPIValues{"incident.promo_outage": 1}, 1071_43},
		{"no incidents", events, "2026-11", sim.KPIValues{"incident.data_leak": 0, "incident.promo_outage": 0}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: tc.period, Values: tc.kpis}}}
			if got := total(t, mustValid(t, tc.c), in); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func guaranteeTraining() *sim.Contract {
	return &sim.Contract{Name: "training", MonthlyFee: fee, TermMonths: 12, Prepaid: 120000_00, Clauses: []sim.Clause{{
		ID: "training", Kind: sim.KindTraining, Tiers: []sim.Tier{
			{Min: f(0.90), Ratio: sim.Ratio{}},
			{Min: f(0.80), Ratio: sim.Ratio{Min: 0.1, Max: 0.1}},
			{Min: f(0.60), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}},
			{Ratio: sim.Ratio{Remaining: true}},
		},
	}}}
}

func TestContract_Refund_Training(t *testing.T) {
	for _, tc := range []struct {
		rate   float64
		served *int
		want   sim.Money
	}{
		{0.95, nil, 0},
		{0.90, nil, 0},
		{0.85, nil, 1000_00},
		{0.80, nil, 1000_00},
		{0.70, nil, 5000_00},
		{0.60, nil, 5000_00},
		{0.55, n(6), 60000_00},
		{0.55, n(9), 30000_00},
	} {
		in := month(sim.KPIValues{"training_pass_rate": tc.rate})
		in.MonthsServed = tc.served
		if got := total(t, mustValid(t, guaranteeTraining()), in); got != tc.want {
			t.Errorf("training_pass_rate %v: got %s; want %s", tc.rate, got, tc.want)
		}
	}
	_, err := mustValid(t, guaranteeTraining()).Refund(month(sim.KPIValues{"training_pass_rate": 0.5}))
	if !errors.Is(err, sim.ErrMonthsServedMissing) {
		t.Errorf("no months served: got %v; want ErrMonthsServedMissing", err)
	}
}

func TestContract_Refund_Termination(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       func() *sim.Contract
		served  int
		kpis    sim.KPIValues
		want    sim.Money
		wantLen int
	}{
		{"after 6 of 12 at 80 %", tiered, 6, nil, 48000_00, 1},
		{"after 12 of 12", tiered, 12, nil, 0, 1},
		{"after 0 of 12", tiered, 0, nil, 96000_00, 1},
		{"deposit returned", func() *sim.Contract {
			c := tiered()
			c.Deposit = &sim.Deposit{Amount: 5000_00}
			return c
		}, 6, nil, 53000_00, 2},
		{"deposit set against the last month, served in full", func() *sim.Contract {
			c := tiered()
			c.Deposit = &sim.Deposit{Amount: 5000_00, Settle: "offset_last_month"}
			return c
		}, 12, nil, 0, 2},
		// The unserved part is refunded once: in full by the training tier,
		// so the 80 % termination line owes nothing more.
		{"training remaining supersedes termination", func() *sim.Contract {
			c := guaranteeTraining()
			c.Termination = &sim.Termination{Ratio: 0.8}
			return c
		}, 6, sim.KPIValues{"training_pass_rate": 0.5}, 60000_00, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sim.RefundInput{MonthsServed: n(tc.served)}
			if tc.kpis != nil {
				in.Periods = []sim.PeriodKPIs{{Period: "2026-06", Values: tc.kpis}}
			}
			c := mustValid(t, tc.c())
			if got := total(t, c, in); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
			st, _ := c.Refund(in)
			if len(st.Items) != tc.wantLen {
				t.Errorf("got %d items; want %d: %+v", len(st.Items), tc.wantLen, st.Items)
			}
		})
	}
}

func TestContract_Refund_Trial(t *testing.T) {
	trial := func(ratio *float64) *sim.Contract {
		return &sim.Contract{Name: "t", MonthlyFee: fee, Trial: &sim.Trial{Weeks: 2, Fee: 5000_00, RefundRatio: ratio, Gates: []sim.Gate{
			{KPI: "satisfaction", Target: 0.9}, {KPI: "reply_rate_3min", Target: 0.98},
		}}}
	}
	for _, tc := range []struct {
		name string
		c    *sim.Contract
		kpis sim.KPIValues
		want sim.Money
	}{
		{"all gates met", trial(nil), sim.KPIValues{"satisfaction": 0.9, "reply_rate_3min": 0.99}, 0},
		{"one gate missed: full refund", trial(nil), sim.KPIValues{"satisfaction": 0.89, "reply_rate_3min": 0.99}, 5000_00},
		{"stated partial refund", trial(f(0.5)), sim.KPIValues{"satisfaction": 0.8}, 2500_00},
		{"no gate supplied", trial(nil), sim.KPIValues{}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: sim.TrialPeriod, Values: tc.kpis}}}
			if got := total(t, mustValid(t, tc.c), in); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

// The trial gives one line per checked gate, each with its KPI, measured
// value and target, and the conversations behind a missed gate once each;
// the fee is refunded once, on the first missed gate's line. Expected from
// that rule: satisfaction 0.88 and reply rate 0.97 both miss (5,000.00 on
// the satisfaction line, 0 on the other), the answer rate 0.95 meets its
// 0.9 gate.
func TestContract_Refund_TrialLines(t *testing.T) {
	c := mustValid(t, &sim.Contract{Name: "t", MonthlyFee: fee, Trial: &sim.Trial{Weeks: 2, Fee: 5000_00, Gates: []sim.Gate{
		{KPI: "satisfaction", Target: 0.9}, {KPI: "reply_rate_3min", Target: 0.98}, {KPI: "answer_rate_30s", Target: 0.9}}}})
	st, err := c.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: sim.TrialPeriod,
		Values:   sim.KPIValues{"satisfaction": 0.88, "reply_rate_3min": 0.97, "answer_rate_30s": 0.95},
		Evidence: map[string][]string{"satisfaction": {"c1", "c2", "c1"}, "reply_rate_3min": {"c2", "c3"}, "answer_rate_30s": {"c9"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range st.Items {
		got = append(got, fmt.Sprintf("%s %v/%v %s %v", it.KPI, *it.Measured, *it.Target, it.Amount, it.Evidence))
	}
	want := []string{"satisfaction 0.88/0.9 5000.00 [c1 c2]", "reply_rate_3min 0.97/0.98 0.00 [c2 c3]", "answer_rate_30s 0.95/0.9 0.00 []"}
	if !slices.Equal(got, want) || st.Total != 5000_00 {
		t.Errorf("lines %q, total %s; want %q, 5000.00", got, st.Total, want)
	}
}

// Day rows (a trial's daily record) stand beside the trial row: their
// values are checked, no clause judges them, and the statement lists each
// once as not evaluated. A day's bad value is still bad input.
func TestContract_Refund_DayRows(t *testing.T) {
	c := mustValid(t, &sim.Contract{Name: "t", MonthlyFee: fee, Clauses: tiered().Clauses[:1],
		Trial: &sim.Trial{Weeks: 2, Fee: 5000_00, Gates: []sim.Gate{{KPI: "satisfaction", Target: 0.9}}}})
	in := sim.RefundInput{Periods: []sim.PeriodKPIs{
		{Period: "2026-03-02", Values: sim.KPIValues{"satisfaction": 0.5}},
		{Period: "2026-03-03", Values: sim.KPIValues{"satisfaction": 1}},
		{Period: sim.TrialPeriod, Values: sim.KPIValues{"satisfaction": 0.91}},
	}}
	st, err := c.Refund(in)
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 0 || len(st.Items) != 1 || st.Items[0].Clause != "trial" {
		t.Errorf("items %+v, total %s; want the trial line alone, passed (a bad day does not fail the trial)", st.Items, st.Total)
	}
	if len(st.Skipped) != 2 || st.Skipped[0].Period != "2026-03-02" || st.Skipped[0].Clause != "" || st.Skipped[0].Reason != sim.DayNotJudged {
		t.Errorf("skipped %+v; want the two days, no clause, %q", st.Skipped, sim.DayNotJudged)
	}
	if strings.Join(st.Periods, ",") != "trial" {
		t.Errorf("periods %v; want only the trial (days are not evaluated)", st.Periods)
	}
	in.Periods[0].Values["satisfaction"] = 1.5
	if _, err := c.Refund(in); err == nil || !strings.Contains(err.Error(), "period 2026-03-02: satisfaction") {
		t.Errorf("a day's value out of range: %v; want an input error naming the day", err)
	}
	for _, p := range []struct {
		p   string
		day bool
	}{{"2026-03-02", true}, {"2026-02-29", false}, {"2026-3-2", false}, {"2026-03", false}, {"trial", false}} {
		if got := sim.IsDayPeriod(p.p); got != p.day {
			t.Errorf("IsDayPeriod(%q) = %v; want %v", p.p, got, p.day)
		}
	}
}

func TestContract_Refund_StackingAndCap(t *testing.T) {
	worst := sim.KPIValues{"satisfaction": 0.5, "dispute_refund_rate": 0.05, "timeouts_per_day": 9} // 50 + 60 + 30 %
	for _, tc := range []struct {
		name string
		edit func(*sim.Contract)
		want sim.Money
	}{
		{"sum capped at 100 %", func(*sim.Contract) {}, 10000_00},
		{"sum uncapped", func(c *sim.Contract) { c.Cap = nil }, 14000_00},
		{"cap 50 %", func(c *sim.Contract) { c.Cap = f(0.5) }, 5000_00},
		{"max", func(c *sim.Contract) { c.Stacking = sim.StackMax }, 6000_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tiered()
			tc.edit(c)
			if got := total(t, mustValid(t, c), month(worst)); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
	// Termination is outside the cap.
	in := month(worst)
	in.MonthsServed = n(6)
	if got := total(t, mustValid(t, tiered()), in); got != 58000_00 {
		t.Errorf("capped month plus termination: got %s; want 58000.00", got)
	}
}

func TestContract_Refund_CurePeriods(t *testing.T) {
	miss := sim.KPIValues{"satisfaction": 0.87}
	meet := sim.KPIValues{"satisfaction": 0.95}
	for _, tc := range []struct {
		name    string
		periods []sim.PeriodKPIs
		want    sim.Money
	}{
		{"first miss forgiven", []sim.PeriodKPIs{{Period: "2026-11", Values: miss}}, 0},
		{"second consecutive miss owes", []sim.PeriodKPIs{{Period: "2026-10", Values: miss}, {Period: "2026-11", Values: miss}}, 2200_00},
		{"order of rows does not matter", []sim.PeriodKPIs{{Period: "2026-11", Values: miss}, {Period: "2026-10", Values: miss}}, 2200_00},
		{"a met month resets", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-10", Values: meet}, {Period: "2026-11", Values: miss}}, 0},
		{"a gap between months resets", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-11", Values: miss}}, 0},
		{"a missing value resets", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-10", Values: sim.KPIValues{}}, {Period: "2026-11", Values: miss}}, 0},
		// An excluded month is judged neither met nor missed, as a month
		// without the value: the misses around it are not consecutive.
		{"an excluded month resets", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-10", Excluded: "platform_outage"}, {Period: "2026-11", Values: miss}}, 0},
		{"an excluded month with a miss resets", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-10", Values: miss, Excluded: "platform_outage"}, {Period: "2026-11", Values: miss}}, 0},
		{"three in a row owe twice", []sim.PeriodKPIs{{Period: "2026-09", Values: miss}, {Period: "2026-10", Values: miss}, {Period: "2026-11", Values: miss}}, 4400_00},
		{"across a year end", []sim.PeriodKPIs{{Period: "2026-12", Values: miss}, {Period: "2027-01", Values: miss}}, 2200_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := tiered()
			c.CurePeriods = 1
			if got := total(t, mustValid(t, c), sim.RefundInput{Periods: tc.periods}); got != tc.want {
				t.Errorf("got %s; want %s", got, tc.want)
			}
		})
	}
}

func TestContract_Refund_ExclusionsAndSkips(t *testing.T) {
	c := mustValid(t, tiered())
	st, err := c.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{
		{Period: "2026-11", Values: sim.KPIValues{"satisfaction": 0.5}, Excluded: "platform_outage"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st.Total != 0 || len(st.Skipped) != 3 || !strings.Contains(st.Skipped[0].Reason, "platform_outage") {
		t.Errorf("excluded period: got total %s, skipped %+v; want 0 and 3 skipped for platform_outage", st.Total, st.Skipped)
	}
	_, err = c.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: "2026-11", Excluded: "merchant_fault"}}})
	var ie *sim.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not granted") {
		t.Errorf("exclusion not in the contract: got %v; want an InputError saying it is not granted", err)
	}
	st, _ = c.Refund(month(sim.KPIValues{"satisfaction": 0.95}))
	if len(st.Skipped) != 2 || st.Skipped[0].Clause != "dispute" || st.Skipped[1].Clause != "timeouts" {
		t.Errorf("skipped: got %+v; want dispute and timeouts", st.Skipped)
	}
}

func TestContract_Refund_BadInput(t *testing.T) {
	c := mustValid(t, tiered())
	for _, tc := range []struct {
		name string
		in   sim.RefundInput
		want string
	}{
		{"bad period", sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: "November"}}}, `period "November"`},
		{"period twice", sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: "2026-11"}, {Period: "2026-11"}}}, "given twice"},
		{"unknown KPI", month(sim.KPIValues{"happiness": 1}), `unknown KPI "happiness"`},
		{"rate as percent", month(sim.KPIValues{"satisfaction": 87}), "above 1"},
		{"negative", month(sim.KPIValues{"timeouts_per_day": -1}), "negative"},
		{"trial without a trial clause", sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: "trial"}}}, "no trial clause"},
		{"months served beyond the term", sim.RefundInput{MonthsServed: n(13)}, "months served 13"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Refund(tc.in)
			var ie *sim.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want an InputError containing %q", err, tc.want)
			}
		})
	}
}

func TestContract_Refund_RoundsHalfUpPerLine(t *testing.T) {
	// 0.05 × 0.1 = 0.005 → 0.01; each line is rounded, the total is their sum.
	c := mustValid(t, &sim.Contract{Name: "r", MonthlyFee: 5, Clauses: []sim.Clause{
		{ID: "a", Kind: sim.KindEvent, KPI: "incident.a", Ratio: &sim.Ratio{Min: 0.1, Max: 0.1}},
		{ID: "b", Kind: sim.KindEvent, KPI: "incident.b", Ratio: &sim.Ratio{Min: 0.1, Max: 0.1}},
	}})
	if got := total(t, c, month(sim.KPIValues{"incident.a": 1, "incident.b": 1})); got != 2 {
		t.Errorf("got %s; want 0.02 (two lines of 0.005 rounded up each)", got)
	}
}

func TestContract_Refund_ItemEvidence(t *testing.T) {
	c := mustValid(t, tiered())
	st, err := c.Refund(sim.RefundInput{Periods: []sim.PeriodKPIs{{
		Period: "2026-11", Values: sim.KPIValues{"satisfaction": 0.87},
		Evidence: map[string][]string{"satisfaction": {"c-17", "c-42"}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	it := st.Items[0]
	if it.Clause != "sat" || it.Band != "[0.85, 0.9)" || *it.Ratio != 0.22 || *it.Measured != 0.87 || *it.Target != 0.9 ||
		len(it.Evidence) != 2 || !strings.Contains(it.Formula, "= 2200.00") || it.Reason == "" {
		t.Errorf("item: got %+v", it)
	}
}

// TestContract_Refund_RatioIsTheDecimalApplied: a line's ratio is an exact
// decimal of at most ten places (docs/contracts.md, "Money is exact"); the
// statement shows the ratio its amount was computed from, without the
// float noise of a KPI measured as a share (1 of 3 days: 0.3333333333333333)
// or a linear interpolation by thirds.
func TestContract_Refund_RatioIsTheDecimalApplied(t *testing.T) {
	badDays := &sim.Contract{Name: "b", MonthlyFee: fee, Clauses: []sim.Clause{{
		ID: "b", Kind: sim.KindCountPerDay, Basis: sim.BasisBadDays, Limit: f(1), Ratio: &sim.Ratio{Min: 0.3, Max: 0.6},
	}}}
	thirds := &sim.Contract{Name: "t", MonthlyFee: fee, Clauses: []sim.Clause{{
		ID: "s", Kind: sim.KindBanded, KPI: "satisfaction", Target: f(0.88), Bands: []sim.Band{
			{From: f(0.85), To: f(0.88), Ratio: sim.Ratio{Min: 0.1, Max: 0.3}, Mode: sim.ModeLinear},
			{To: f(0.85), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}},
		},
	}}}
	for _, tc := range []struct {
		name    string
		c       *sim.Contract
		kpis    sim.KPIValues
		ratio   float64
		amount  sim.Money
		formula string
	}{
		// 30 % + 1/3 × (60 % − 30 %) = 40 %.
		{"one bad day of three", badDays, sim.KPIValues{"timeout_bad_day_share": float64(1) / 3}, 0.4, 4000_00, "10000.00 × 0.4 = 4000.00"},
		// 10 % + (0.88 − 0.87) ÷ (0.88 − 0.85) × 20 % = 16.666…%, kept as
		// 0.1666666667: 1666.666667 → 1666.67.
		{"a linear band by thirds", thirds, sim.KPIValues{"satisfaction": 0.87}, 0.1666666667, 1666_67, "10000.00 × 0.1666666667 = 1666.67"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := mustValid(t, tc.c).Refund(month(tc.kpis))
			if err != nil {
				t.Fatal(err)
			}
			it := st.Items[0]
			if it.Ratio == nil {
				t.Fatalf("got no ratio: %+v", it)
			}
			if *it.Ratio != tc.ratio || it.Amount != tc.amount || !strings.Contains(it.Formula, tc.formula) {
				t.Errorf("got ratio %v, amount %s, formula %q; want %v, %s, a formula with %q", *it.Ratio, it.Amount, it.Formula, tc.ratio, tc.amount, tc.formula)
			}
		})
	}
}

// TestContract_Refund_LineAtMostTheFee: ratios are shares of the monthly
// fee in [0, 1] unless the contract allows more (docs/contracts.md;
// DOMAIN.md §5: refunds are a share of the period's fee). A per_unit or
// event line multiplies its ratio, so without allow_ratios_above_one it
// refunds at most the whole fee, max_ratio or not.
func TestContract_Refund_LineAtMostTheFee(t *testing.T) {
	perUnit := func(above bool, max *float64) *sim.Contract {
		return &sim.Contract{Name: "p", MonthlyFee: fee, AllowRatiosAboveOne: above, Clauses: []sim.Clause{{
			ID: "t", Kind: sim.KindPerUnit, KPI: "dispute_refund_rate", Threshold: f(0.01), Per: f(0.001),
			Ratio: &sim.Ratio{Min: 0.01, Max: 0.01}, Rounding: sim.RoundCeil, MaxRatio: max,
		}}}
	}
	leaks := func(above bool) *sim.Contract {
		return &sim.Contract{Name: "e", MonthlyFee: fee, AllowRatiosAboveOne: above, Clauses: []sim.Clause{
			{ID: "leak", Kind: sim.KindEvent, KPI: "incident.data_leak", Ratio: &sim.Ratio{Min: 0.2, Max: 0.2}},
		}}
	}
	for _, tc := range []struct {
		name  string
		c     *sim.Contract
		kpis  sim.KPIValues
		ratio float64
		want  sim.Money
	}{
		// (0.30 − 0.01) ÷ 0.001 = 290 units × 1 % = 290 %.
		{"per_unit 290 %, capped at the fee", perUnit(false, nil), sim.KPIValues{"dispute_refund_rate": 0.30}, 1, 10000_00},
		{"per_unit 290 %, above one allowed", perUnit(true, nil), sim.KPIValues{"dispute_refund_rate": 0.30}, 2.9, 29000_00},
		{"per_unit 290 %, max_ratio 1.5 allowed", perUnit(true, f(1.5)), sim.KPIValues{"dispute_refund_rate": 0.30}, 1.5, 15000_00},
		{"per_unit 50 %, under the fee", perUnit(false, nil), sim.KPIValues{"dispute_refund_rate": 0.06}, 0.5, 5000_00},
		{"six data leaks of 20 %, capped at the fee", leaks(false), sim.KPIValues{"incident.data_leak": 6}, 1, 10000_00},
		{"six data leaks of 20 %, above one allowed", leaks(true), sim.KPIValues{"incident.data_leak": 6}, 1.2, 12000_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := mustValid(t, tc.c).Refund(month(tc.kpis))
			if err != nil {
				t.Fatal(err)
			}
			it := st.Items[0]
			if it.Ratio == nil || *it.Ratio != tc.ratio || it.Amount != tc.want || st.Total != tc.want {
				t.Errorf("got %+v (total %s); want ratio %v, amount %s", it, st.Total, tc.ratio, tc.want)
			}
		})
	}
}

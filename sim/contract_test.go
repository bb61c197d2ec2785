package sim_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// fieldsOf returns "field: message" of every problem Validate finds.
func fieldsOf(t *testing.T, c *sim.Contract) []string {
	t.Helper()
	err := c.Validate()
	if err == nil {
		return nil
	}
	var out []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		var fe *sim.FieldError
		if !errors.As(e, &fe) {
			t.Fatalf("%v is not a *sim.FieldError", e)
		}
		out = append(out, fe.Error())
	}
	return out
}

// A field of another kind is an error in a contract built in code too, for
// every kind: the refund engine would ignore it.
func TestContract_Validate_FieldsOfAnotherKind(t *testing.T) {
	r := &sim.Ratio{Min: 0.1, Max: 0.1}
	for _, tc := range []struct {
		name string
		cl   sim.Clause
		want string
	}{
		{"banded max_ratio", sim.Clause{Kind: sim.KindBanded, KPI: "satisfaction", Target: f(0.9),
			Bands: []sim.Band{{To: f(0.9), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}}}, MaxRatio: f(0.1)},
			"clauses[0].max_ratio: does not apply to banded clauses (banded takes target, bands; every clause takes id, kind, description, kpi, cure_periods)"},
		{"banded rounding", sim.Clause{Kind: sim.KindBanded, KPI: "satisfaction", Target: f(0.9),
			Bands: []sim.Band{{To: f(0.9), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}}}, Rounding: sim.RoundFloor},
			"clauses[0].rounding: does not apply to banded clauses"},
		{"per_unit target", sim.Clause{Kind: sim.KindPerUnit, KPI: "dispute_refund_rate", Threshold: f(0.02), Per: f(0.01), Ratio: r, Target: f(0.02)},
			"clauses[0].target: does not apply to per_unit clauses (per_unit takes threshold, per, ratio, rounding, max_ratio;"},
		{"count_per_day max_ratio", sim.Clause{Kind: sim.KindCountPerDay, KPI: "timeouts_per_day", Limit: f(5), Ratio: r, MaxRatio: f(0.2)},
			"clauses[0].max_ratio: does not apply to count_per_day clauses (count_per_day takes basis, limit, ratio;"},
		{"event basis", sim.Clause{Kind: sim.KindEvent, KPI: "incident.x", Ratio: r, Basis: sim.BasisAverage},
			"clauses[0].basis: does not apply to event clauses (event takes ratio, daily_fees;"},
		{"training per", sim.Clause{Kind: sim.KindTraining, Tiers: []sim.Tier{{Ratio: sim.Ratio{Min: 0.5, Max: 0.5}}}, Per: f(1)},
			"clauses[0].per: does not apply to training clauses (training takes tiers;"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.cl.ID = "a"
			got := fieldsOf(t, &sim.Contract{Name: "c", MonthlyFee: fee, Clauses: []sim.Clause{tc.cl}})
			if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
				t.Errorf("got %q; want one error starting %q", got, tc.want)
			}
		})
	}
}

// One problem does not hide another: an unknown KPI still lets the
// clause's other fields be checked, and an error anywhere in the contract
// still lets bands be checked for overlaps.
func TestContract_Validate_EveryProblem(t *testing.T) {
	c := &sim.Contract{Name: "c", MonthlyFee: 0, Clauses: []sim.Clause{
		{ID: "a", Kind: sim.KindBanded, KPI: "happiness", Target: f(0.9), MaxRatio: f(0.1),
			Bands: []sim.Band{{To: f(0.9), Ratio: sim.Ratio{Min: 0.5, Max: 0.3}, Mode: sim.ModeMin}}},
		{ID: "b", Kind: sim.KindBanded, KPI: "dispute_refund_rate", Target: f(0.02), Bands: []sim.Band{
			{From: f(0.02), To: f(0.03), Ratio: sim.Ratio{Min: 0.2, Max: 0.2}},
			{From: f(0.025), Ratio: sim.Ratio{Min: 0.6, Max: 0.6}},
		}},
	}}
	got := fieldsOf(t, c)
	for _, want := range []string{
		"monthly_fee: is required and must be above zero",
		"clauses[0].max_ratio: does not apply to banded clauses",
		`clauses[0].kpi: unknown KPI "happiness"`,
		"clauses[0].bands[0].ratio: range [0.5, 0.3] runs backwards",
		"clauses[1].bands[1].from: 0.025 overlaps the band before it, which ends at 0.03",
	} {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, want)
		}
		if !found {
			t.Errorf("got %q; want an error starting %q", got, want)
		}
	}
	if len(got) != 5 {
		t.Errorf("got %d errors; want 5: %q", len(got), got)
	}
}

package sim_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

func TestParseMoney(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    sim.Money
		wantErr bool
	}{
		{"10000", 1000000, false},
		{"10,000.50", 1000050, false},
		{"0.5", 50, false},
		{"0.05", 5, false},
		{"-3.20", -320, false},
		{" 7 ", 700, false},
		{"0.005", 0, true},
		{"1.", 0, true},
		{".5", 0, true},
		{"ten", 0, true},
		{"1e3", 0, true},
		{"", 0, true},
		{"99999999999999999", 0, true},
	} {
		got, err := sim.ParseMoney(tc.in)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("ParseMoney(%q) = %d, %v; want %d, error %v", tc.in, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestMoney_Format(t *testing.T) {
	for _, tc := range []struct {
		m             sim.Money
		plain, groups string
	}{
		{0, "0.00", "0.00"},
		{5, "0.05", "0.05"},
		{220000, "2200.00", "2,200.00"},
		{12345678, "123456.78", "123,456.78"},
		{-150, "-1.50", "-1.50"},
	} {
		if got := tc.m.String(); got != tc.plain {
			t.Errorf("Money(%d).String() = %q; want %q", tc.m, got, tc.plain)
		}
		if got := tc.m.Grouped(); got != tc.groups {
			t.Errorf("Money(%d).Grouped() = %q; want %q", tc.m, got, tc.groups)
		}
	}
	b, _ := json.Marshal(struct{ A sim.Money }{220000})
	if string(b) != `{"A":2200.00}` {
		t.Errorf("JSON: got %s; want {\"A\":2200.00}", b)
	}
}

func TestKPIs_Catalogue(t *testing.T) {
	want := map[string]struct {
		unit sim.Unit
		dir  sim.Direction
	}{
		"first_response_avg_s": {sim.UnitSeconds, sim.LowerIsBetter},
		"response_avg_s":       {sim.UnitSeconds, sim.LowerIsBetter},
		"reply_rate_3min":      {sim.UnitFraction, sim.HigherIsBetter},
		"answer_rate_30s":      {sim.UnitFraction, sim.HigherIsBetter},
		"satisfaction":         {sim.UnitFraction, sim.HigherIsBetter},
		"dispute_refund_rate":  {sim.UnitFraction, sim.LowerIsBetter},
		"abandon_rate":         {sim.UnitFraction, sim.LowerIsBetter},
		"resolution_24h_rate":  {sim.UnitFraction, sim.HigherIsBetter},
		"timeouts_per_day":     {sim.UnitCountPerDay, sim.LowerIsBetter},
		"not_served_rate":      {sim.UnitFraction, sim.LowerIsBetter},
		"inquiry_conversion":   {sim.UnitFraction, sim.HigherIsBetter},
		"qa_hard_fails":        {sim.UnitCount, sim.LowerIsBetter},
		"training_pass_rate":   {sim.UnitFraction, sim.HigherIsBetter},
	}
	for id, w := range want {
		k, ok := sim.LookupKPI(id)
		if !ok {
			t.Errorf("%s: missing from the catalogue", id)
			continue
		}
		if k.Unit != w.unit || k.Direction != w.dir || k.Formula == "" || k.Window == "" || k.Exclusions == "" {
			t.Errorf("%s: got unit %s, %s, formula %q; want %s, %s and a full definition", id, k.Unit, k.Direction, k.Formula, w.unit, w.dir)
		}
	}
	for _, tc := range []struct {
		id string
		ok bool
	}{{"incident.data_leak", true}, {"incident.", false}, {"incident.Data Leak", false}, {"happiness", false}} {
		if _, ok := sim.LookupKPI(tc.id); ok != tc.ok {
			t.Errorf("LookupKPI(%q): got %v; want %v", tc.id, ok, tc.ok)
		}
	}
}

func TestKPI_CheckValue(t *testing.T) {
	sat, _ := sim.LookupKPI("satisfaction")
	cnt, _ := sim.LookupKPI("qa_hard_fails")
	for _, tc := range []struct {
		k  sim.KPI
		v  float64
		ok bool
	}{{sat, 0, true}, {sat, 1, true}, {sat, 0.87, true}, {sat, 87, false}, {sat, -0.1, false}, {cnt, 3, true}, {cnt, 2.5, false}} {
		if err := tc.k.CheckValue(tc.v); (err == nil) != tc.ok {
			t.Errorf("%s.CheckValue(%v) = %v; want ok %v", tc.k.ID, tc.v, err, tc.ok)
		}
	}
}

// An order's times a client did not give are absent from its JSON (the
// assign frame, transcripts), not year 1 (docs/protocol.md, order).
func TestOrder_JSONOmitsZeroTimes(t *testing.T) {
	b, err := json.Marshal(sim.Order{ID: "1", Price: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{`"paid"`, `"shipped"`, `"received"`, `0001-01-01`} {
		if strings.Contains(string(b), k) {
			t.Errorf("order JSON %s has %s", b, k)
		}
	}
}

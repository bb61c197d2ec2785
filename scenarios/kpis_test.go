package scenarios_test

import (
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

const bom = "\ufeff"

// A KPI file may start with a UTF-8 byte-order mark (Excel writes one), hold
// day rows beside the trial row and count columns (n_...), as an evidence
// pack's kpis-daily.csv does.
func TestParseKPIs_BOMDaysAndCounts(t *testing.T) {
	for _, tc := range []struct {
		name, file, data string
		periods          []string
		trialSat         float64
	}{
		{"CSV with BOM", "k.csv", bom + "period,satisfaction\ntrial,0.88\n", []string{"trial"}, 0.88},
		{"CSV with BOM, quoted header", "k.csv", bom + "\"period\",\"satisfaction\"\ntrial,0.88\n", []string{"trial"}, 0.88},
		{"JSON with BOM", "k.json", bom + `[{"period": "trial", "satisfaction": 0.88}]`, []string{"trial"}, 0.88},
		{"JSON with BOM, sniffed", "k.txt", bom + `{"period": "trial", "satisfaction": 0.88}`, []string{"trial"}, 0.88},
		{"days, counts and the trial", "k.csv", bom + "period,satisfaction,n_ratings,n_top2\n2026-03-02,0.75,4,3\n2026-03-03,1,2,2\ntrial,0.8333333333333334,6,5\n",
			[]string{"2026-03-02", "2026-03-03", "trial"}, 0.8333333333333334},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := scenarios.ParseKPIs(tc.file, []byte(tc.data))
			if err != nil {
				t.Fatalf("ParseKPIs: %v", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Period)
				if p.Period == "trial" && p.Values["satisfaction"] != tc.trialSat {
					t.Errorf("trial satisfaction = %v; want %v", p.Values["satisfaction"], tc.trialSat)
				}
				for id := range p.Values {
					if strings.HasPrefix(id, scenarios.CountPrefix) {
						t.Errorf("count column %s read as a KPI", id)
					}
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.periods, ",") {
				t.Errorf("periods %v; want %v", got, tc.periods)
			}
		})
	}
}

// Errors keep their positions after a byte-order mark, and bad days and
// counts are named.
func TestParseKPIs_Errors(t *testing.T) {
	for _, tc := range []struct {
		name, file, data, want string
	}{
		{"JSON after a BOM", "k.json", bom + "[{\"period\": \"trial\",\n \"satisfaction\": \"x\"}]", `k.json:2:18: [0].satisfaction: want a number`},
		// A number in quotes is text; the message shows the quotes.
		{"JSON number as text", "k.json", "[{\"period\": \"trial\", \"satisfaction\": \"0.87\"}]", `k.json:1:38: [0].satisfaction: want a number, got the text "0.87"`},
		{"CSV after a BOM", "k.csv", bom + "period,satisfaction\ntrial,abc\n", `k.csv:2:7: satisfaction: "abc" is not a number`},
		// Columns count characters, not bytes: 平台故障 is four (twelve
		// bytes), so abc begins at column 14.
		{"CSV after a BOM, Chinese before the cell", "k.csv", bom + "period,excluded,satisfaction\n2026-11,平台故障,abc\n", `k.csv:2:14: satisfaction: "abc" is not a number`},
		{"CSV after a BOM, bad header", "k.csv", bom + "period,满意度\ntrial,0.8\n", `k.csv:1:8: 满意度: unknown KPI`},
		{"CSV status", "k.csv", "period,status,satisfaction\ntrial,maybe,0.8\n", `k.csv:2:7: status: "maybe": want final or provisional`},
		{"no such day", "k.csv", "period,satisfaction\n2026-02-30,0.9\n", `"2026-02-30" is not a period`},
		{"negative count", "k.csv", "period,satisfaction,n_ratings\ntrial,0.9,-1\n", `k.csv:2:11: n_ratings: "-1": a count column`},
		{"count not a number", "k.csv", "period,n_ratings\ntrial,many\n", `n_ratings: "many": a count column`},
		{"count NaN", "k.csv", "period,n_ratings\ntrial,NaN\n", `n_ratings: "NaN": a count column`},
		{"bare prefix", "k.csv", "period,n_\ntrial,1\n", `n_: unknown KPI`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := scenarios.ParseKPIs(tc.file, []byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ParseKPIs = %v; want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestParseKPIsFor_Exclusions: an exclusion the contract does not grant
// is an error at its cell (contracts.md: errors name the file, line and
// column of the bad cell), in CSV and JSON; a granted one is read.
func TestParseKPIsFor_Exclusions(t *testing.T) {
	c := &sim.Contract{Name: "c", Exclusions: []string{"platform_outage"}}
	for _, tc := range []struct {
		file, data, want string
	}{
		{"k.csv", "period,satisfaction,excluded\n2026-10,0.92,alien_invasion\n2026-11,0.87,\n",
			`k.csv:2:14: excluded: exclusion "alien_invasion" is not granted by contract c (it grants: platform_outage)`},
		{"k.json", "[\n  {\"period\": \"2026-10\", \"excluded\": \"alien_invasion\"}\n]\n",
			`k.json:2:37: [0].excluded: exclusion "alien_invasion" is not granted by contract c (it grants: platform_outage)`},
		{"k.csv", "period,satisfaction,excluded\n2026-10,0.92,platform_outage\n", ""},
	} {
		ps, err := scenarios.ParseKPIsFor(tc.file, []byte(tc.data), c)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v; want it read", tc.file, err)
		case tc.want == "" && (len(ps) != 1 || ps[0].Excluded != "platform_outage"):
			t.Errorf("%s: %+v; want the period excluded for platform_outage", tc.file, ps)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%s: %v; want %s", tc.file, err, tc.want)
		}
	}
}

package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlan_JSONAndFiles(t *testing.T) {
	out := filepath.Join(t.TempDir(), "plan")
	r := deskdrill(t, "plan", "--scenario", "steady-day", "--agents", "3:12:3", "--reps", "8", "--seed", "5",
		"--agent-cost", "300/day", "--risk", "p_refund<=0.5", "--json", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Seed   uint64 `json:"seed"`
		Reps   int    `json:"reps"`
		Levels []struct {
			Agents int `json:"agents"`
			Refund struct {
				PRefund float64 `json:"p_refund"`
				Mean    float64 `json:"mean"`
			} `json:"refund"`
			AgentCost float64            `json:"agent_cost"`
			PMiss     map[string]float64 `json:"p_miss"`
		} `json:"levels"`
		Recommended int `json:"recommended_agents"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("decode: %v\n%s", err, r.stdout)
	}
	if rep.Seed != 5 || rep.Reps != 8 || len(rep.Levels) != 4 || rep.Levels[0].Agents != 3 {
		t.Fatalf("seed %d reps %d levels %d; want 5, 8 and 4 levels from 3", rep.Seed, rep.Reps, len(rep.Levels))
	}
	if !(rep.Levels[0].Refund.Mean > rep.Levels[3].Refund.Mean) || rep.Levels[0].AgentCost <= 0 {
		t.Errorf("refund at 3 agents %v not above 12 agents' %v, or no cost", rep.Levels[0].Refund.Mean, rep.Levels[3].Refund.Mean)
	}
	for _, f := range []string{"levels.csv", "hours.csv", "refund-exposure.svg", "p-refund.svg", "hours.svg"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, f := range []string{"refund-exposure.png", "p-refund.png", "hours.png"} {
		fh, err := os.Open(filepath.Join(out, f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s is not a PNG: %v", f, err)
		}
		fh.Close()
	}
	// The same seed gives the same report.
	again := deskdrill(t, "plan", "--scenario", "steady-day", "--agents", "3:12:3", "--reps", "8", "--seed", "5",
		"--agent-cost", "300/day", "--risk", "p_refund<=0.5", "--json")
	strip := func(s string) string { // elapsed_s differs
		var m map[string]any
		_ = json.Unmarshal([]byte(s), &m)
		delete(m, "elapsed_s")
		b, _ := json.Marshal(m)
		return string(b)
	}
	if strip(again.stdout) != strip(r.stdout) {
		t.Error("seed 5 twice gave different reports")
	}
}

func TestPlan_Table(t *testing.T) {
	r := deskdrill(t, "plan", "--scenario", "steady-day", "--agents", "4:8:4", "--reps", "4", "--seed", "1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"seed 1", "P_REFUND", "probability each contract KPI is missed", "hour by hour"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

func TestPlan_BadUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no scenario", []string{}, "--scenario is required"},
		{"bad risk", []string{"--scenario", "steady-day", "--risk", "happiness<1"}, `unknown metric "happiness"`},
		{"bad levels", []string{"--scenario", "steady-day", "--agents", "ten"}, "--agents"},
		{"bad cost", []string{"--scenario", "steady-day", "--agent-cost", "cheap"}, "--agent-cost"},
		{"zero reps", []string{"--scenario", "steady-day", "--reps", "0"}, "--reps 0: want a whole number of replications from 1 to 100000 such as 100"},
		{"levels backwards", []string{"--scenario", "steady-day", "--agents", "10:5:1"}, "--agents 10:5:1: max must be at least min"},
		{"too many levels", []string{"--scenario", "steady-day", "--agents", "1:100000:1"}, "--agents 1:100000:1: more than 1000 levels"},
		{"zero step", []string{"--scenario", "steady-day", "--agents", "5:10:0"}, "--agents 5:10:0: the step must be at least 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, append([]string{"plan"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.stderr)
			}
		})
	}
}

package main

import (
	"encoding/csv"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim/plan"
)

// rush is a small promotion day whose midnight rush meets the contract
// over the day while the rush hour misses the hour target (testdata).
var rush = filepath.Join("testdata", "midnight-rush.yaml")

// planJSON is the JSON of plan --json, as a user's script reads it.
type planJSON struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	Reps     int    `json:"reps"`
	MinReps  int    `json:"min_reps"`
	MaxReps  int    `json:"max_reps"`
	Runs     int    `json:"runs"`
	Levels   []struct {
		Agents    int                                  `json:"agents"`
		Reps      int                                  `json:"reps"`
		Verdict   string                               `json:"verdict"`
		Intervals map[string]struct{ Lo, Hi *float64 } `json:"intervals"`
		Refund    struct {
			PRefund float64 `json:"p_refund"`
			Mean    float64 `json:"mean"`
		} `json:"refund"`
		AgentCost float64            `json:"agent_cost"`
		PMiss     map[string]float64 `json:"p_miss"`
		KPIs      map[string]struct {
			Mean float64 `json:"mean"`
		} `json:"kpis"`
	} `json:"levels"`
	Recommended int     `json:"recommended_agents"`
	MaxAbandon  float64 `json:"max_abandon"`
	Cheapest    *struct {
		Pick    *struct{ Agents int } `json:"pick"`
		Refused *struct {
			Agents    int
			Abandoned float64
		} `json:"refused"`
	} `json:"cheapest"`
	HoursAgents int `json:"hours_agents"`
	Hours       []struct {
		Start         string   `json:"start"`
		Agents        int      `json:"agents"`
		Needed        int      `json:"needed"`
		Rostered      *float64 `json:"rostered"`
		Required      *int     `json:"required"`
		Occupancy     float64  `json:"occupancy"`
		ChatsPerAgent float64  `json:"chats_per_agent"`
		P50           *float64 `json:"first_reply_p50_s"`
		P90           *float64 `json:"first_reply_p90_s"`
		Answered30s   float64  `json:"answered_30s"`
		Reply3min     float64  `json:"reply_3min"`
		Abandoned     float64  `json:"abandoned"`
		Meets         bool     `json:"meets_target"`
		Why           string   `json:"why"`
	} `json:"hours"`
	Missed []string `json:"hours_missing_target"`
	Roster *struct {
		Shifts []struct {
			Start  string  `json:"start"`
			Hours  float64 `json:"hours"`
			Agents int     `json:"agents"`
		} `json:"shifts"`
		AgentHours float64 `json:"agent_hours"`
		LPBound    float64 `json:"lp_bound"`
		MeetsRisk  bool    `json:"meets_risk"`
		Rounds     []struct {
			Added int `json:"added"`
		} `json:"rounds"`
	} `json:"roster"`
	Evaluation *struct {
		PRefund   float64 `json:"p_refund"`
		PRefundCI struct {
			Lo, Hi float64
		} `json:"p_refund_ci"`
		RefundMean float64 `json:"refund_mean"`
		MeetsRisk  bool    `json:"meets_risk"`
	} `json:"evaluation"`
	Flat *struct {
		Agents     int     `json:"agents"`
		AgentHours float64 `json:"agent_hours"`
	} `json:"flat"`
	Shaped *struct {
		Agents     int     `json:"agents"`
		AgentHours float64 `json:"agent_hours"`
	} `json:"shaped"`
}

func decodePlan(t *testing.T, out string) planJSON {
	t.Helper()
	var p planJSON
	dec := json.NewDecoder(strings.NewReader(out))
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("decode: %v\n%s", err, out)
	}
	return p
}

func TestPlan_JSON(t *testing.T) {
	args := []string{"plan", "--scenario", rush, "--agents", "10:40:10", "--reps", "8", "--hour-reps", "3", "--seed", "5", "--agent-cost", "300/day", "--risk", "p_refund<=0.5", "--json"}
	r := deskdrill(t, args...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodePlan(t, r.stdout)
	if rep.Seed != 5 || rep.Reps != 8 || rep.Runs != 32 || len(rep.Levels) != 4 || rep.Levels[0].Agents != 10 || rep.Levels[0].Reps != 8 {
		t.Fatalf("seed %d reps %d runs %d, %d levels; want 5, 8, 32 and 4 levels from 10 of 8 runs", rep.Seed, rep.Reps, rep.Runs, len(rep.Levels))
	}
	if iv := rep.Levels[0].Intervals["p_refund"]; iv.Lo == nil || iv.Hi == nil || rep.Levels[0].Verdict == "" {
		t.Errorf("level 10: p_refund interval %v, verdict %q; want both", iv, rep.Levels[0].Verdict)
	}
	if !(rep.Levels[0].Refund.Mean > rep.Levels[3].Refund.Mean) || rep.Levels[0].AgentCost <= 0 {
		t.Errorf("refund at 10 agents %v not above 40 agents' %v, or no cost", rep.Levels[0].Refund.Mean, rep.Levels[3].Refund.Mean)
	}
	// Taobao's profile says 5 % abandonment is comfortable; 10 agents
	// lose about 15 %: the cheapest pick there is refused.
	if rep.MaxAbandon != 0.05 || rep.Cheapest == nil || rep.Cheapest.Pick == nil {
		t.Fatalf("max abandon %v, cheapest %+v; want 0.05 and a pick", rep.MaxAbandon, rep.Cheapest)
	}
	if len(rep.Hours) != 24 {
		t.Errorf("%d hours; want the scenario's 24, not the drain after it", len(rep.Hours))
	}
	// The same seed gives the same report, to the byte.
	if again := deskdrill(t, args...); again.stdout != r.stdout {
		t.Error("seed 5 twice gave different reports")
	}
}

func TestPlan_Table(t *testing.T) {
	r := deskdrill(t, "plan", "--scenario", rush, "--agents", "20:40:20", "--reps", "6", "--hour-reps", "3", "--seed", "1")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"seed 1", "6 replications per level", "P_REFUND", "RUNS", "probability each contract KPI is missed",
		"hour by hour", "CHATS/AGENT", "FIRST REPLY P50", "NEEDED", "11-11 00:00", "the hour target:"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// The old report recommended a level that it called enough while its
// hourly table said an hour needed far more, with every queue column at
// zero. On a day built to show it, the recommendation now names the hours
// that miss the hour target and why, the needs agree with each hour's
// verdict, and the table shows what loses the 30 seconds.
func TestPlan_HourlyAgreesWithRecommendation(t *testing.T) {
	r := deskdrill(t, "plan", "--scenario", rush, "--seed", "3", "--agents", "25:45:10", "--risk", "p_refund<=0.1", "--hour-reps", "5", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodePlan(t, r.stdout)
	if rep.Recommended == 0 || rep.HoursAgents != rep.Recommended || len(rep.Hours) != 24 {
		t.Fatalf("recommended %d, hours at %d, %d hours; want a recommendation, its 24 hours", rep.Recommended, rep.HoursAgents, len(rep.Hours))
	}
	var rec float64
	for _, l := range rep.Levels {
		if l.Agents == rep.Recommended {
			rec = l.KPIs["answer_rate_30s"].Mean
		}
	}
	if rec < 0.8 {
		t.Errorf("the recommended level's period answer rate %.3f is below the contract's 80 %%", rec)
	}
	rushHour := rep.Hours[0]
	if rushHour.Meets || !slices.Contains(rep.Missed, rushHour.Start) {
		t.Fatalf("the rush hour meets the hour target (%.3f within 30 s) or is not listed in %v", rushHour.Answered30s, rep.Missed)
	}
	// What loses the 30 seconds at midnight: not a queue, but agents
	// holding two and more chats whose first reply takes longer.
	if rushHour.ChatsPerAgent < 1.5 || rushHour.P90 == nil || *rushHour.P90 <= 30 {
		t.Errorf("rush hour: %.2f chats per agent, first reply p90 %v; want the reply delay shown", rushHour.ChatsPerAgent, rushHour.P90)
	}
	for _, h := range rep.Hours {
		listed := slices.Contains(rep.Missed, h.Start)
		switch {
		case listed == h.Meets:
			t.Errorf("%s: meets %v but listed %v", h.Start, h.Meets, listed)
		case !h.Meets && (!strings.Contains(h.Why, "on duty") || !strings.Contains(h.Why, "answer_rate_30s")):
			t.Errorf("%s misses without saying why in staffing and contract terms: %q", h.Start, h.Why)
		case h.Agents < h.Needed && h.Meets && !strings.HasPrefix(h.Why, "meets with"):
			t.Errorf("%s: %d on duty, %d needed, meets the hour target without saying how: %q", h.Start, h.Agents, h.Needed, h.Why)
		case h.Meets && h.Agents >= h.Needed && h.Why != "":
			t.Errorf("%s meets with its need on duty, with a why: %q", h.Start, h.Why)
		}
	}
	table := planTable(t, r.stdout)
	for _, want := range []string{"agents meet the contract's risk target, but", "11-11 00:00: ", "the other hours make up for it"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

// planTable prints the table of a plan --json output, as plan would.
func planTable(t *testing.T, out string) string {
	t.Helper()
	var rep plan.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := writePlanTable(&b, &rep, 0); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// A roster search that cannot meet the target says why it stopped
// (planning.md): on steady-day the response-timeout KPI is missed whatever
// the staffing, so three evaluations running do not bring the target
// closer. One hour no staffing meets (02:00 with this seed) is left out
// before the hours are chosen, so the search adds agents elsewhere first
// rather than stopping at once as if every hour were hopeless.
func TestPlan_RosterSaysWhyItStopped(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, plan.StopStale},
		{[]string{"--reps", "20", "--hour-reps", "5"}, plan.StopStale},
	} {
		r := deskdrill(t, append([]string{"plan", "--scenario", "steady-day", "--seed", "1", "--roster", "--json"}, tc.args...)...)
		var rep plan.Report
		if err := json.Unmarshal([]byte(r.stdout), &rep); r.code != 0 || err != nil || rep.Roster == nil {
			t.Fatalf("plan %v: exit %d, %v: %s", tc.args, r.code, err, r.stderr)
		}
		if rep.Roster.MeetsRisk || rep.Roster.Stopped != tc.want {
			t.Errorf("plan %v: roster meets %v, stopped %q; want missed, %q", tc.args, rep.Roster.MeetsRisk, rep.Roster.Stopped, tc.want)
		}
		if len(rep.Roster.Rounds) < 3 {
			t.Errorf("plan %v: %d evaluations added agents; want at least the three that show no progress", tc.args, len(rep.Roster.Rounds))
		}
		if table := planTable(t, r.stdout); !strings.Contains(table, "the roster still misses p_refund<=0.05 after") || !strings.Contains(table, tc.want) {
			t.Errorf("plan %v: the table does not say why the roster stopped:\n%s", tc.args, table)
		}
	}
}

func TestPlan_Roster(t *testing.T) {
	out := filepath.Join(t.TempDir(), "roster")
	// A fixed number of runs keeps the test quick; the engine's additions
	// under adaptive replications are TestPlanRoster's (sim/des).
	r := deskdrill(t, "plan", "--scenario", rush, "--seed", "3", "--agents", "35:35:1", "--risk", "p_refund<=0.1", "--hour-reps", "5", "--reps", "20",
		"--roster", "--json", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodePlan(t, r.stdout)
	ro, ev, flat := rep.Roster, rep.Evaluation, rep.Flat
	if ro == nil || ev == nil || flat == nil || rep.Shaped == nil || len(ro.Shifts) == 0 {
		t.Fatalf("roster %v, evaluation %v, flat %v, shaped %v; want all", ro, ev, flat, rep.Shaped)
	}
	// The done-when, on a small day.
	if !ro.MeetsRisk || !ev.MeetsRisk || ev.PRefund > 0.1 {
		t.Errorf("the roster's p_refund %.3f [%.3f, %.3f]; want it to meet p_refund<=0.1", ev.PRefund, ev.PRefundCI.Lo, ev.PRefundCI.Hi)
	}
	if flat.Agents != rep.Recommended || flat.AgentHours != float64(24*flat.Agents) {
		t.Errorf("flat: %d agents, %v agent-hours; want the recommended %d every hour", flat.Agents, flat.AgentHours, rep.Recommended)
	}
	if ro.AgentHours > 0.8*flat.AgentHours || ro.AgentHours > 1.1*ro.LPBound || ro.AgentHours < ro.LPBound {
		t.Errorf("roster %.0f agent-hours, flat %.0f, LP bound %.1f; want ≤ 0.8 × flat, within [1, 1.1] × the bound", ro.AgentHours, flat.AgentHours, ro.LPBound)
	}
	for _, h := range rep.Hours {
		if h.Rostered == nil || h.Required == nil || *h.Rostered < float64(h.Needed) || *h.Rostered < float64(*h.Required) {
			t.Errorf("%s: rostered %v, required %v, needed %d; want rostered ≥ required ≥ needed", h.Start, h.Rostered, h.Required, h.Needed)
		}
	}
	// The roster's (and flat's and shaped's) hours are judged as the
	// plan's are (planning.md: meets_target is whether the staffing meets
	// the hour target in this hour): by the hour target's rule, against the
	// plan's hourly needs.
	var full plan.Report
	if err := json.Unmarshal([]byte(r.stdout), &full); err != nil {
		t.Fatal(err)
	}
	target := full.HourTarget
	for name, e := range map[string]*plan.Evaluation{"roster": full.Evaluation, "flat": full.Flat.Evaluation, "shaped": full.Shaped.Evaluation} {
		if len(e.Hours) != len(full.Hours) {
			t.Fatalf("%s: %d hours; want the plan's %d", name, len(e.Hours), len(full.Hours))
		}
		met := 0
		for i, h := range e.Hours {
			want := h.Answered30s >= target.Answered30s && h.Abandoned <= target.Abandoned
			if h.Meets != want || h.Needed != full.Hours[i].Needed || !h.Meets && h.Why == "" {
				t.Errorf("%s %s: meets %v, needed %d, why %q; want meets %v (%.4f answered, %.4f abandoned), needed %d, a why when missed",
					name, h.Start, h.Meets, h.Needed, h.Why, want, h.Answered30s, h.Abandoned, full.Hours[i].Needed)
			}
			if h.Meets {
				met++
			}
		}
		if name == "roster" && met == 0 {
			t.Errorf("the roster meets the hour target in no hour")
		}
	}
	f, err := os.Open(filepath.Join(out, "roster.csv"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil || len(rows) != len(ro.Shifts)+1 || strings.Join(rows[0][:3], ",") != "start,length,agents" {
		t.Errorf("roster.csv: %v, %v; want start,length,agents and a row per shift", rows, err)
	}
	for _, name := range []string{"levels.csv", "hours.csv", "refund-exposure.svg", "p-refund.svg", "hours.svg", "coverage.svg"} {
		if st, err := os.Stat(filepath.Join(out, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
	// hours.csv has the columns planning.md names for it, queue_max among
	// them.
	if b, err := os.ReadFile(filepath.Join(out, "hours.csv")); err == nil {
		header, _, _ := strings.Cut(string(b), "\n")
		for _, col := range []string{"queue_mean", "queue_max", "queue_wait_s", "needed", "meets_target", "required", "rostered", "why"} {
			if !slices.Contains(strings.Split(strings.TrimSpace(header), ","), col) {
				t.Errorf("hours.csv header %q has no %s", header, col)
			}
		}
	}
	for _, name := range []string{"refund-exposure.png", "p-refund.png", "hours.png", "coverage.png"} {
		fh, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(fh); err != nil {
			t.Errorf("%s is not a PNG: %v", name, err)
		}
		fh.Close()
	}
	if !strings.Contains(r.stderr, "chart labels in") {
		t.Errorf("stderr does not say which chart labels were drawn: %q", r.stderr)
	}
	// The rules from the flags: one 8-hour shift, no breaks, no shrinkage.
	flagged := deskdrill(t, "plan", "--scenario", rush, "--seed", "3", "--agents", "35:35:1", "--reps", "10", "--hour-reps", "3",
		"--roster", "--shifts", "8h", "--break", "none", "--shrinkage", "0", "--json")
	if flagged.code != 0 {
		t.Fatalf("exit %d: %s", flagged.code, flagged.stderr)
	}
	for _, s := range decodePlan(t, flagged.stdout).Roster.Shifts {
		if s.Hours != 8 {
			t.Errorf("--shifts 8h, yet a shift of %v hours", s.Hours)
		}
	}
	table := planTable(t, flagged.stdout)
	for _, want := range []string{"roster (a daily pattern; shrinkage 0.0 %)", "paid agent-hours", "LP bound", "flat 35 every hour", "shaped, 35 at the peak", "ROSTERED"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
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
		{"adaptive shard", []string{"--scenario", "steady-day", "--shard", "1/4", "--seed", "3", "--out", t.TempDir()}, "--shard 1/4 needs a fixed --reps"},
		{"shard without seed", []string{"--scenario", "steady-day", "--shard", "1/4", "--reps", "8", "--out", t.TempDir()}, "--shard 1/4 needs --seed"},
		{"shard without out", []string{"--scenario", "steady-day", "--shard", "1/4", "--reps", "8", "--seed", "3"}, "--shard 1/4 needs --out DIR"},
		{"shard with roster", []string{"--scenario", "steady-day", "--shard", "0/2", "--reps", "8", "--seed", "3", "--out", t.TempDir(), "--roster"}, "--roster does not shard"},
		{"shard out of range", []string{"--scenario", "steady-day", "--shard", "4/4"}, "--shard 4/4: I counts from 0 to N−1"},
		{"roster of half an hour", []string{"--scenario", "pre-hire-basic", "--roster"}, "must last whole days"},
		{"roster all breaks", []string{"--scenario", "steady-day", "--roster", "--shifts", "4h", "--break", "4h:0s:4h"}, "--break 4h:0s:4h: a 4h shift would be all breaks (4h); want breaks shorter"},
		{"roster breaks overlap", []string{"--scenario", "steady-day", "--roster", "--break", "9h:4h:1h,9h:4h30m:1h"}, "--break 9h:4h:1h,9h:4h30m:1h: breaks 1 and 2 overlap in shifts of 9h or more"},
		{"roster flag without --roster", []string{"--scenario", "steady-day", "--shifts", "8h"}, "--shifts shapes a roster: it needs --roster"},
		{"roster starts leave an hour uncovered", []string{"--scenario", "steady-day", "--reps", "10", "--seed", "5", "--roster", "--starts", "08:00", "--shifts", "4h"},
			"no allowed shift covers an hour that needs agents; allow starts or shift lengths that cover it (--starts 08:00, --shifts 4h)"},
		{"break after the shift", []string{"--scenario", "steady-day", "--break", "8h:7h:2h"}, "--break 8h:7h:2h: the break ends after the shortest shift"},
		{"shrinkage too high", []string{"--scenario", "steady-day", "--shrinkage", "0.95"}, "--shrinkage 0.95: want a share from 0 to 0.9"},
		{"max reps below min", []string{"--scenario", "steady-day", "--max-reps", "5"}, "--max-reps 5: want a whole number of replications from 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, append([]string{"plan"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.stderr)
			}
		})
	}
}

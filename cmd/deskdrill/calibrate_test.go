package main

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestSimulate_TranscriptsKPIs: kpis --transcripts on the engine's
// transcripts gives the engine's own KPIs for that run, through the
// files and the commands a user runs. Rates are ratios of the same counts
// and equal to the last bit; averages of seconds may differ in the last
// bits (the order of summation); timeouts_per_day counts the same
// timeouts over different days (the scenario's one day; from the first
// chat to the last event in the transcripts, which here runs past
// midnight), and timeout_bad_day_share follows it (docs/transcripts.md).
// The scenario is steady-day's evening, 21:00 to midnight, with a short
// team: 4 s under -race, most of it the scorer's.
func TestSimulate_TranscriptsKPIs(t *testing.T) {
	src, err := scenarios.ScenarioSource("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	evening := strings.NewReplacer("name: steady-day", "name: steady-evening", "start: 2026-03-11T00:00", "start: 2026-03-11T21:00",
		"duration: 24h", "duration: 3h", "agents: 6}", "agents: 3}").Replace(string(src))
	scenario := writeFile(t, "evening.yaml", evening)
	file := filepath.Join(t.TempDir(), "day.jsonl")
	ran := deskdrill(t, "simulate", "--scenario", scenario, "--seed", "9", "--transcripts", file, "--json")
	if ran.code != 0 {
		t.Fatalf("simulate: exit %d: %s", ran.code, ran.stderr)
	}
	var engine struct {
		Customers int                `json:"customers"`
		KPIs      map[string]float64 `json:"kpis"`
		Refund    *statement         `json:"refund"`
	}
	if err := json.Unmarshal([]byte(ran.stdout), &engine); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ran.stderr, "--paid-orders 1500") {
		t.Errorf("simulate's note does not say which paid orders to give: %q", ran.stderr)
	}
	k := deskdrill(t, "kpis", "--transcripts", file, "--paid-orders", "1500", "--contract", "seed-tiered", "--json")
	if k.code != 0 {
		t.Fatalf("kpis: exit %d: %s", k.code, k.stderr)
	}
	var rv struct {
		Conversations int                `json:"conversations"`
		KPIs          map[string]float64 `json:"kpis"`
		Days          []json.RawMessage  `json:"days"`
	}
	if err := json.Unmarshal([]byte(k.stdout), &rv); err != nil {
		t.Fatal(err)
	}
	if rv.Conversations != engine.Customers {
		t.Errorf("%d conversations in the transcripts; the engine had %d customers", rv.Conversations, engine.Customers)
	}
	for id, want := range engine.KPIs {
		got, ok := rv.KPIs[id]
		switch {
		case !ok:
			t.Errorf("%s: the engine has %v; kpis --transcripts none", id, want)
		case id == "timeouts_per_day":
			// Two days in the transcripts against the scenario's one.
			if math.Round(got*2) != want {
				t.Errorf("timeouts: %v a day over 2 days from the transcripts, %v over the engine's 1", got, want)
			}
		case id == "timeout_bad_day_share":
		case strings.HasSuffix(id, "_s"):
			if math.Abs(got-want) > 1e-9*want {
				t.Errorf("%s = %.12g from the transcripts; the engine's %.12g", id, got, want)
			}
		case got != want:
			t.Errorf("%s = %v from the transcripts; the engine's %v", id, got, want)
		}
	}
}

// TestCalibrate_Backtest is the Done-when line through the
// command line: calibrate --transcripts <simulate's transcripts> --against
// steady-day --json has at least 90 % of its checks within bounds and all
// of the pooled ones; the model it writes runs in simulate and plan.
func TestCalibrate_Backtest(t *testing.T) {
	dir := t.TempDir()
	file, model := filepath.Join(dir, "day.jsonl"), filepath.Join(dir, "model.yaml")
	if r := deskdrill(t, "simulate", "--scenario", "steady-day", "--seed", "20260311", "--transcripts", file); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	r := deskdrill(t, "calibrate", "--transcripts", file, "--against", "steady-day", "--out", model, "--json")
	if r.code != 0 {
		t.Fatalf("calibrate: exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Conversations int `json:"conversations"`
		Params        []struct {
			Param        string   `json:"param"`
			Value        *float64 `json:"value"`
			N            int      `json:"n"`
			Insufficient bool     `json:"insufficient"`
		} `json:"params"`
		Checks []struct {
			Param    string  `json:"param"`
			Truth    float64 `json:"truth"`
			Fitted   float64 `json:"fitted"`
			RelError float64 `json:"rel_error"`
			Within   bool    `json:"within"`
			Pooled   bool    `json:"pooled"`
		} `json:"checks"`
		GoodnessOfFit []struct {
			Dist string  `json:"distribution"`
			D    float64 `json:"ks_d"`
		} `json:"goodness_of_fit"`
		Passed *bool `json:"passed"`
		// The model holds what calibration.md lists: handle_time,
		// first_reply, reply, rounds, unanswered_close (and the rest).
		Model map[string]json.RawMessage `json:"model"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	for _, k := range []string{"handle_time", "first_reply", "reply", "rounds", "unanswered_close", "escalation_work_s", "accuracy", "capacity"} {
		if v, ok := rep.Model[k]; !ok || string(v) == "null" {
			t.Errorf("the JSON model has no %s: %s", k, v)
		}
	}
	within, pooled := 0, map[string]bool{}
	for _, c := range rep.Checks {
		if c.Within {
			within++
		}
		if c.Pooled {
			pooled[c.Param] = c.Within
		}
	}
	for _, p := range []string{"accuracy", "first_reply.mean", "capacity[2]", "capacity[3]"} {
		if w, ok := pooled[p]; !ok || !w {
			t.Errorf("pooled check %s: present %v, within %v; want it present and within", p, ok, w)
		}
	}
	if len(rep.Checks) == 0 || float64(within) < 0.9*float64(len(rep.Checks)) || rep.Passed == nil || !*rep.Passed {
		t.Errorf("%d of %d checks within; passed %v", within, len(rep.Checks), rep.Passed)
	}
	insufficient := 0
	for _, p := range rep.Params {
		if p.Insufficient {
			insufficient++
			if p.N >= 300 {
				t.Errorf("%s marked insufficient with n %d", p.Param, p.N)
			}
		}
	}
	if insufficient == 0 || len(rep.GoodnessOfFit) < 2 {
		t.Errorf("%d insufficient parameters, %d goodness-of-fit tests; want some of each", insufficient, len(rep.GoodnessOfFit))
	}
	// The written model is what simulate and plan take.
	m, err := scenarios.LoadAgentModel(model)
	if err != nil {
		t.Fatal(err)
	}
	if m.Conversations != rep.Conversations || len(m.Agent.Capacity) != 3 {
		t.Errorf("model file %+v", m)
	}
	if r := deskdrill(t, "simulate", "--scenario", "steady-day", "--agent-model", model, "--seed", "2"); r.code != 0 || !strings.Contains(r.stdout, "agent model "+model) {
		t.Errorf("simulate --agent-model: exit %d, %s%s", r.code, r.stdout, r.stderr)
	}
	if r := deskdrill(t, "plan", "--scenario", "steady-day", "--agent-model", model, "--reps", "3", "--agents", "4:6:2", "--seed", "2"); r.code != 0 {
		t.Errorf("plan --agent-model: exit %d, %s", r.code, r.stderr)
	}
}

// The table for people: every parameter with its interval and n, the
// goodness of fit, the model, the comparison (steady-day's first six
// hours: quick, and short of samples).
func TestCalibrate_Table(t *testing.T) {
	src, err := scenarios.ScenarioSource("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	scenario := writeFile(t, "night.yaml", strings.Replace(string(src), "duration: 24h", "duration: 10h", 1))
	file := filepath.Join(t.TempDir(), "night.jsonl")
	if r := deskdrill(t, "simulate", "--scenario", scenario, "--seed", "3", "--transcripts", file); r.code != 0 {
		t.Fatalf("simulate: exit %d: %s", r.code, r.stderr)
	}
	r := deskdrill(t, "calibrate", "--transcripts", file, "--against", "steady-day", "--min-n", "100")
	if r.code != 0 {
		t.Fatalf("calibrate: exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"PARAMETER", "95% INTERVAL", "first_reply.mean", "capacity[2]", "insufficient (n < 100)",
		"goodness of fit", "the model: handle time lognormal", "against scenario steady-day", "checks within their bounds"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("calibrate's table lacks %q:\n%s", want, r.stdout)
		}
	}
}

// simulate --level N --rep I is replication I of plan at level N.
func TestSimulate_PlannerReplication(t *testing.T) {
	s, m, err := loadModel("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	levels, err := des.Replicate(t.Context(), m, des.Sweep{Levels: []int{4}, Reps: 3, Seed: 42})
	if err != nil {
		t.Fatal(err)
	}
	want := levels[0].Reps[2]
	r := deskdrill(t, "simulate", "--scenario", s.Name, "--seed", "42", "--level", "4", "--rep", "2", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got struct {
		RunSeed   uint64             `json:"run_seed"`
		Customers int                `json:"customers"`
		KPIs      map[string]float64 `json:"kpis"`
		Refund    *statement         `json:"refund"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.RunSeed != des.RepSeed(42, 2) || got.Customers != want.Customers || got.KPIs["satisfaction"] != want.KPIs["satisfaction"] ||
		got.Refund.Total.String() != want.Refund.String() {
		t.Errorf("simulate --level 4 --rep 2: seed %d, %d customers, satisfaction %v, refund %v; plan's replication: %d customers, %v, %v",
			got.RunSeed, got.Customers, got.KPIs["satisfaction"], got.Refund.Total, want.Customers, want.KPIs["satisfaction"], want.Refund)
	}
}

func TestCalibrate_BadUsage(t *testing.T) {
	bad := writeFile(t, "bad.jsonl", `{"conversation": "c1", "time": "yesterday", "sender": "customer", "text": "在吗"}`+"\n")
	model := writeFile(t, "model.yaml", "agent:\n  capacity: [1, 2.5]\n")
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"nothing", []string{"calibrate"}, "give the conversations"},
		{"both sources", []string{"calibrate", "--transcripts", bad, "--db", "x.db", "--run", "1"}, "not both"},
		{"db without run", []string{"calibrate", "--db", "x.db"}, "--db and --run go together"},
		{"missing db", []string{"calibrate", "--db", filepath.Join(t.TempDir(), "none.db"), "--run", "1"}, "none.db"},
		{"bad transcripts", []string{"calibrate", "--transcripts", bad}, "bad.jsonl:1:32: time"},
		{"missing transcripts", []string{"calibrate", "--transcripts", "nope.jsonl"}, "nope.jsonl"},
		{"unknown scenario", []string{"calibrate", "--transcripts", bad, "--against", "nope"}, "steady-day"},
		{"too few", []string{"calibrate", "--transcripts", writeFile(t, "one.jsonl",
			`{"conversation": "c1", "time": "2026-03-11T10:00:00+08:00", "sender": "customer", "text": "在吗"}`+"\n")}, "too few conversations"},
		{"bad run", []string{"calibrate", "--db", "x.db", "--run", "0"}, "--run 0"},
		{"bad model", []string{"simulate", "--scenario", "steady-day", "--agent-model", model}, "model.yaml:2:17: agent.capacity[1]: 2.5: 2 chats cannot do more than 2 times the work of one"},
		{"transcripts without scenario", []string{"simulate", "--arrivals", "5/h", "--aht", "3m", "--agents", "3", "--transcripts", "x.jsonl"}, "--transcripts runs with --scenario"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, tc.args...)
			want := 2
			if tc.name == "too few" {
				want = 1 // the file is fine; it holds too little to fit
			}
			if r.code != want || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, want, tc.stderr)
			}
		})
	}
}

// calibrate --db --run reads a run's conversations from the records and
// fits them as it fits the same conversations from a transcript file.
func TestCalibrate_FromDatabase(t *testing.T) {
	_, m, err := loadModel("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	var convs []*sim.Conversation
	if _, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 5, Customers: 150,
		Record: func(n int64, c *sim.Conversation) { convs = append(convs, c) }}); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	dir := t.TempDir()
	db := filepath.Join(dir, "run.db")
	st, err := store.Open(ctx, db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(ctx, store.Run{Scenario: "steady-day", Seed: 5, Speed: 1, Started: convs[0].Arrived})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		if err := st.StartConversation(ctx, run, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.EndRun(ctx, run, convs[len(convs)-1].Events[0].At); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "run.jsonl")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := scenarios.WriteTranscripts(f, convs); err != nil {
		t.Fatal(err)
	}
	f.Close()
	params := func(args ...string) map[string]float64 {
		t.Helper()
		r := deskdrill(t, append([]string{"calibrate", "--json", "--min-n", "50"}, args...)...)
		if r.code != 0 {
			t.Fatalf("calibrate %v: exit %d: %s", args, r.code, r.stderr)
		}
		var rep struct {
			Source string `json:"source"`
			Params []struct {
				Param string   `json:"param"`
				Value *float64 `json:"value"`
			} `json:"params"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatal(err)
		}
		out := map[string]float64{}
		for _, p := range rep.Params {
			if p.Value != nil {
				out[p.Param] = *p.Value
			}
		}
		if len(out) < 10 {
			t.Fatalf("calibrate %v: %d parameters", args, len(out))
		}
		return out
	}
	fromDB := params("--db", db, "--run", strconv.FormatInt(run, 10))
	fromFile := params("--transcripts", file)
	for k, v := range fromFile {
		if w, ok := fromDB[k]; !ok || math.Abs(w-v) > 1e-9*math.Max(1, math.Abs(v)) {
			t.Errorf("%s: %v from the file, %v from the database", k, v, w)
		}
	}
}

package plan_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// noisyLevels builds three levels of reps replications with values that
// do not add up exactly in floating point unless added in one order.
func noisyLevels(reps int) []plan.Level {
	r := rand.New(rand.NewPCG(15, 4))
	var levels []plan.Level
	for _, agents := range []int{10, 20, 30} {
		l := plan.Level{Agents: agents, AgentDays: float64(agents) / 3}
		for i := range reps {
			var hours []plan.Hour
			for h := range 3 {
				hours = append(hours, plan.Hour{Arrived: 90 + r.IntN(20), AnsweredIn30s: 70 + r.IntN(20), Abandoned: r.IntN(5),
					FirstReply: []uint32{uint32(r.IntN(9)), 0, uint32(r.IntN(50))}, Rounds: 300, RoundsIn3m: 280 + r.IntN(20), Agents: agents * (h + 1),
					MeanQueue: r.Float64() / 7, AgentTime: 3600 * float64(agents), ChatTime: r.Float64() * 1e5, BusyTime: r.Float64() * 3e4})
			}
			refund := 0.0
			if r.Float64() < 30/float64(agents)/3 {
				refund = 1000 * r.Float64()
			}
			l.Reps = append(l.Reps, plan.Rep{Index: i, KPIs: map[string]float64{"satisfaction": 0.8 + r.Float64()/10, "abandon_rate": r.Float64() / 20},
				Missed: map[string]bool{"satisfaction": refund > 0}, Refund: sim.Money(refund * 100), Disputes: r.IntN(40),
				DisputeRefunds: sim.Money(r.IntN(1e6)), Customers: 270, Served: 260, Abandoned: r.IntN(10), Hours: hours})
		}
		levels = append(levels, l)
	}
	return levels
}

func reportJSON(t *testing.T, rep *plan.Report) string {
	t.Helper()
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// split cuts levels into n shards by replication index and passes each
// through its file format, as plan --shard and deskdrill merge do.
func split(t *testing.T, levels []plan.Level, o plan.Options, needs []plan.HourNeed, n int) []*plan.Shard {
	t.Helper()
	var shards []*plan.Shard
	for i := range n {
		part := make([]plan.Level, len(levels))
		for l, lv := range levels {
			part[l] = plan.Level{Agents: lv.Agents, AgentDays: lv.AgentDays}
			for _, r := range lv.Reps {
				if r.Index%n == i {
					part[l].Reps = append(part[l].Reps, r)
				}
			}
		}
		sh := plan.NewShard(i, n, o, part, needs)
		var manifest, rows bytes.Buffer
		if err := json.NewEncoder(&manifest).Encode(sh); err != nil {
			t.Fatal(err)
		}
		if err := plan.WriteRows(&rows, sh.Rows); err != nil {
			t.Fatal(err)
		}
		back, err := plan.ReadShardManifest(&manifest, "plan-shard.json")
		if err != nil {
			t.Fatal(err)
		}
		if back.Rows, err = plan.ReadShardRows(&rows, "reps.jsonl"); err != nil {
			t.Fatal(err)
		}
		shards = append(shards, back)
	}
	return shards
}

func TestMergeShards(t *testing.T) {
	levels := noisyLevels(40)
	o := plan.Options{Scenario: "test", HourStarts: dayStarts, Seed: 9, Reps: 40, AgentCostPerDay: 300, MaxAbandon: 0.05,
		Targets: map[string]float64{"answer_rate_30s": 0.8}, Risk: plan.DefaultRisk}
	needs := []plan.HourNeed{{Hour: 0, Agents: 12, Reachable: true, Arrived: 99.5}, {Hour: 1, Agents: 25}, {Hour: 2, Agents: 31, Reachable: true}}
	want := reportJSON(t, plan.Summarize(levels, needs, o))
	for _, n := range []int{1, 2, 3, 7} {
		shards := split(t, levels, o, needs, n)
		// The order the shards come in does not matter.
		shards[0], shards[n-1] = shards[n-1], shards[0]
		rep, err := plan.MergeShards(shards)
		if err != nil {
			t.Fatalf("%d shards: %v", n, err)
		}
		if got := reportJSON(t, rep); got != want {
			t.Errorf("%d shards merged differ from the unsharded report", n)
		}
	}
	shards := split(t, levels, o, needs, 3)
	other := split(t, levels, plan.Options{Scenario: "test", Seed: 10, Reps: 40}, needs, 3)
	dropped := split(t, levels, o, needs, 3)
	dropped[1].Rows = dropped[1].Rows[1:]
	for _, tc := range []struct {
		name   string
		shards []*plan.Shard
		want   string
	}{
		{"a shard missing", shards[:2], "shard 2 of 3 is missing"},
		{"a shard twice", []*plan.Shard{shards[0], shards[1], shards[1]}, "shard 1 of 3 given twice"},
		{"another plan's shard", []*plan.Shard{shards[0], shards[1], other[2]}, "other options"},
		{"a row missing", []*plan.Shard{dropped[0], dropped[1], dropped[2]}, "replication 1 of 10 agents is missing (from shard 1)"},
		{"none", nil, "none given"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := plan.MergeShards(tc.shards); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MergeShards: %v; want an error with %q", err, tc.want)
			}
		})
	}
}

func TestReadShardRows_Errors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"agents": 10, "rep": {"index": 0}}` + "\n" + `{"agents": "ten"}`, "reps.jsonl line 2: field agents: want int, got JSON string"},
		{`{"agents": 10, "rep": {"index": 0, "bogus": 1}}`, `reps.jsonl line 1: unknown field "bogus"`},
		{`{"agents": 10, "rep": {"index": -3}}`, "reps.jsonl line 1: field rep.index: -3 is negative"},
		{`{"agents": 10} {"agents": 20}`, "reps.jsonl line 1: more than one JSON value"},
		{`{"agents": 10, "rep": {"hours": [{"arrived": 1.5}]}}`, "reps.jsonl line 1: field rep.hours.arrived: want int"},
		// Fields encoding/json does not name: an amount's parser, a KPI's
		// value in its map (planning.md: named with file, line and field).
		{`{"agents": 10, "rep": {"index": 0, "refund": "x"}}`, `reps.jsonl line 1: field rep.refund: amount "x"`},
		{`{"agents": 10, "rep": {"index": 0, "refund": 12.345}}`, `reps.jsonl line 1: field rep.refund: amount "12.345"`},
		{`{"agents": 10, "rep": {"index": 0, "dispute_refunds": true}}`, `reps.jsonl line 1: field rep.dispute_refunds: amount "true"`},
		{`{"agents": 10, "rep": {"index": 0, "kpis": {"abandon_rate": 0.1, "satisfaction": "0.9"}}}`, `reps.jsonl line 1: field rep.kpis.satisfaction: want a number, got JSON "0.9"`},
	} {
		_, err := plan.ReadShardRows(strings.NewReader(tc.in), "reps.jsonl")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadShardRows(%q): %v; want %q", tc.in, err, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`{"format": "x"}`, `field format: "x" is not a plan shard`},
		{`{"format": "deskdrill-plan-shard/1", "shard": 3, "shards": 2}`, "shard 3 of 2"},
		{`{"format": "deskdrill-plan-shard/1", "shard": 0, "shards": 2, "options": {"reps": 0}}`, "field options.reps: 0: a shard needs a fixed number"},
		{`{"format": "deskdrill-plan-shard/1", "extra": true}`, `unknown field "extra"`},
	} {
		_, err := plan.ReadShardManifest(strings.NewReader(tc.in), "plan-shard.json")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ReadShardManifest(%q): %v; want %q", tc.in, err, tc.want)
		}
	}
}

func FuzzReadShardRows(f *testing.F) {
	var b bytes.Buffer
	levels := noisyLevels(2)
	sh := plan.NewShard(0, 1, plan.Options{Reps: 2}, levels, nil)
	_ = plan.WriteRows(&b, sh.Rows[:2])
	f.Add(b.String())
	f.Add(`{"agents": 1, "rep": {"index": 0, "kpis": {"x": 1e400}}}`)
	f.Add("\n\n{}\n[]")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := plan.ReadShardRows(strings.NewReader(s), "reps.jsonl")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "read reps.jsonl line ") {
				t.Fatalf("error %q does not name the file and line", err)
			}
			return
		}
		// What reads writes back to rows that read the same.
		var out bytes.Buffer
		if err := plan.WriteRows(&out, rows); err != nil {
			t.Fatal(err)
		}
		again, err := plan.ReadShardRows(&out, "reps.jsonl")
		if err != nil || len(again) != len(rows) {
			t.Fatalf("rows written back do not read: %v", err)
		}
	})
}

// manifestError is how a manifest's error begins: the file, and the line
// where the JSON is at fault.
var manifestError = regexp.MustCompile(`^read plan-shard\.json( line [1-9][0-9]*)?: `)

func FuzzReadShardManifest(f *testing.F) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(plan.NewShard(1, 2, plan.Options{Reps: 4, HourStarts: dayStarts}, noisyLevels(1), []plan.HourNeed{{Agents: 3}}))
	f.Add(b.String())
	f.Add(`{"format": "deskdrill-plan-shard/1", "shard": 0, "shards": 1, "options": {"reps": 1}, "levels": [{"agents": 1}]}`)
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := plan.ReadShardManifest(strings.NewReader(s), "plan-shard.json")
		if err != nil {
			if !manifestError.MatchString(err.Error()) {
				t.Fatalf("error %q does not name the file (and the line, for a fault of the JSON)", err)
			}
			return
		}
		if sh.Shard < 0 || sh.Shard >= sh.Shards || sh.Options.Reps < 1 || len(sh.Levels) == 0 {
			t.Fatalf("accepted an impossible shard: %+v", sh)
		}
	})
}

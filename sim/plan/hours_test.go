package plan_test

import (
	"math"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// dayLevel is two identical replications of three hours: 00:00 answers
// 70 of 100 within 30 s with 5 agents (the hour target wants 80 %), 01:00
// answers 90 of 100 with 8, 02:00 has no buyers.
func dayLevel() plan.Level {
	l := plan.Level{Agents: 8}
	for i := range 2 {
		first := make([]uint32, 46)
		first[10], first[45] = 70, 28 // 70 replies in [10, 11) s, 28 in [45, 46) s
		l.Reps = append(l.Reps, plan.Rep{Index: i, KPIs: map[string]float64{"answer_rate_30s": 0.82}, Hours: []plan.Hour{
			{Arrived: 100, AnsweredIn30s: 70, Abandoned: 2, FirstReply: first, Rounds: 200, RoundsIn3m: 190, Agents: 5,
				AgentTime: 5 * 3600, ChatTime: 1.5 * 5 * 3600, BusyTime: 0.9 * 5 * 3600},
			{Arrived: 100, AnsweredIn30s: 90, Abandoned: 1, FirstReply: []uint32{0, 0, 0, 0, 0, 99}, Rounds: 100, RoundsIn3m: 100, Agents: 8,
				AgentTime: 8 * 3600, ChatTime: 3600, BusyTime: 3600},
			{Agents: 8, AgentTime: 8 * 3600},
			{Arrived: 0}, // the drain after the scenario: not shown
		}})
	}
	return l
}

var dayStarts = []string{"2026-11-11T00:00", "2026-11-11T01:00", "2026-11-11T02:00"}

func TestSummarize_Hours(t *testing.T) {
	needs := []plan.HourNeed{{Hour: 0, Agents: 7, Reachable: true}, {Hour: 1, Agents: 6, Reachable: true}, {Hour: 2, Reachable: true}}
	jd := sim.ClockRange{From: sim.Clock(23, 0), To: sim.Clock(9, 0)}
	for _, tc := range []struct {
		name     string
		excludes *sim.ClockRange
		contract string // what Why must say of the contract
	}{
		{"the answer rate counts the hour", nil, "counts this hour, and over the period averages 82.0 % (target 80.0 %)"},
		{"the answer rate leaves the hour out", &jd, "the contract's answer_rate_30s leaves this hour out (it counts none started 23:00-09:00)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := plan.Summarize([]plan.Level{dayLevel()}, needs, plan.Options{
				HourStarts: dayStarts, AnswerExcludes: tc.excludes, Targets: map[string]float64{"answer_rate_30s": 0.8},
			})
			if len(rep.Hours) != 3 || rep.HoursAgents != 8 {
				t.Fatalf("%d hours at %d agents; want the scenario's 3 at 8", len(rep.Hours), rep.HoursAgents)
			}
			h := rep.Hours[0]
			// Ratios of sums over the replications; occupancy is busy ÷
			// on-duty agent time; p50 is the 49th of 98 replies, 49/70 into
			// [10, 11); p90 the 88.2th, 18.2/28 into [45, 46).
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"arrived", h.Arrived, 100}, {"answered_30s", h.Answered30s, 0.7}, {"abandoned", h.Abandoned, 0.02},
				{"reply_3min", h.Reply3min, 0.95}, {"occupancy", h.Occupancy, 0.9}, {"chats_per_agent", h.ChatsPerAgent, 1.5},
				{"p50", *h.FirstReplyP50, 10.7}, {"p90", *h.FirstReplyP90, 45.65},
			} {
				if math.Abs(c.got-c.want) > 1e-9 {
					t.Errorf("00:00 %s = %v; want %v", c.name, c.got, c.want)
				}
			}
			if h.Meets || h.Needed != 7 || !rep.Hours[1].Meets || !rep.Hours[2].Meets {
				t.Errorf("meets %v %v %v, needed %d; want 00:00 alone to miss, needing 7", h.Meets, rep.Hours[1].Meets, rep.Hours[2].Meets, h.Needed)
			}
			for _, want := range []string{"70.0 % answered within 30 s (target 80.0 %)", "5 on duty, 7 needed", "no queue to speak of", tc.contract} {
				if !strings.Contains(h.Why, want) {
					t.Errorf("why %q lacks %q", h.Why, want)
				}
			}
			if len(rep.MissedHours) != 1 || rep.MissedHours[0] != dayStarts[0] {
				t.Errorf("hours missing the target %v; want [%s]", rep.MissedHours, dayStarts[0])
			}
		})
	}
}

func TestReplyPercentile(t *testing.T) {
	h := make([]uint64, plan.ReplyBins)
	h[plan.ReplyBin(5.5)] = 50    // [5, 6)
	h[plan.ReplyBin(125)] = 40    // [120, 130)
	h[plan.ReplyBin(10_000)] = 10 // 10 minutes or more
	for _, tc := range []struct{ p, want float64 }{
		{0.25, 5.5}, // 25 of 50 into [5, 6)
		{0.5, 6},    // the 50th ends the first bin
		{0.7, 125},  // 20 of 40 into [120, 130)
		{0.95, 600}, // in the open last bin: its lower edge
	} {
		if got := plan.ReplyPercentile(h, tc.p); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("p%v = %v; want %v", tc.p*100, got, tc.want)
		}
	}
	if !math.IsNaN(plan.ReplyPercentile(make([]uint64, 3), 0.5)) {
		t.Error("an empty histogram has no percentile: want NaN")
	}
	for _, c := range []struct {
		sec float64
		bin int
	}{{0, 0}, {59.99, 59}, {60, 60}, {299.9, 83}, {300, 84}, {599, 93}, {600, 94}, {-1, 0}, {math.NaN(), 0}} {
		if got := plan.ReplyBin(c.sec); got != c.bin {
			t.Errorf("ReplyBin(%v) = %d; want %d", c.sec, got, c.bin)
		}
	}
}

package plan_test

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

func hoursOf(v float64, from, to int) []float64 {
	r := make([]float64, 24)
	for h := from; h < to; h++ {
		r[h] = v
	}
	return r
}

func TestSolveRoster(t *testing.T) {
	eight := []time.Duration{8 * time.Hour}
	for _, tc := range []struct {
		name     string
		required []float64
		rules    sim.RosterRules
		days     float64
		// Written from the program before running it.
		hours, bound float64
		shifts       []plan.Shift
	}{
		{"one shift fits exactly", hoursOf(10, 8, 16), sim.RosterRules{Shifts: eight}, 1,
			80, 80, []plan.Shift{{Start: sim.Clock(8, 0), Hours: 8, PaidHours: 8, Agents: 10}}},
		// 5 on duty at 20 % shrinkage needs 6.25 scheduled in every hour:
		// the relaxation pays 24 × 6.25 = 150, whole agents at least 7 an
		// hour, 168, which three shifts of 7 give.
		{"shrinkage", hoursOf(5, 0, 24), sim.RosterRules{Shifts: eight, Shrinkage: 0.2}, 1, 168, 150, nil},
		// A 9-hour shift from 08:00 with an unpaid hour after 4 hours is on
		// duty 08–12 and 13–17 and pays 8 hours.
		{"a break", nil, sim.RosterRules{Shifts: []time.Duration{9 * time.Hour},
			Starts: []sim.ClockTime{sim.Clock(8, 0)}, Breaks: []sim.Break{{MinShift: 9 * time.Hour, After: 4 * time.Hour, Length: time.Hour}}}, 1,
			24, 24, []plan.Shift{{Start: sim.Clock(8, 0), Hours: 9, PaidHours: 8, Agents: 3}}},
		{"a week", hoursOf(10, 8, 16), sim.RosterRules{Shifts: eight}, 7, 560, 560, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "a break" {
				tc.required = hoursOf(3, 8, 17)
				tc.required[12] = 0
			}
			r, err := plan.SolveRoster(tc.required, tc.rules, tc.days)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(r.AgentHours-tc.hours) > 1e-9 || math.Abs(r.LPBound-tc.bound) > 1e-6 {
				t.Errorf("agent-hours %v, LP bound %v; want %v and %v", r.AgentHours, r.LPBound, tc.hours, tc.bound)
			}
			if tc.shifts != nil && !slices.Equal(r.Shifts, tc.shifts) {
				t.Errorf("shifts %+v; want %+v", r.Shifts, tc.shifts)
			}
			for h, need := range tc.required {
				if r.Rostered[h] < need-1e-9 {
					t.Errorf("%02d:00: rostered %v < required %v", h, r.Rostered[h], need)
				}
			}
		})
	}
	_, err := plan.SolveRoster(hoursOf(1, 20, 21), sim.RosterRules{Shifts: []time.Duration{4 * time.Hour}, Starts: []sim.ClockTime{sim.Clock(8, 0)}}, 1)
	if !errors.Is(err, plan.ErrUncovered) {
		t.Errorf("20:00 needs an agent, shifts only 08:00–12:00: %v; want ErrUncovered", err)
	}
}

// Any needs, the default rules: the roster covers every hour, pays at
// least its LP bound, and its rounding stays close to it.
func TestSolveRoster_Random(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	for i := range 90 {
		req := make([]float64, 24)
		scale := float64(1 + r.IntN(300))
		for h := range req {
			req[h] = math.Round(scale * (0.2 + r.Float64()))
		}
		rules := sim.DefaultRosterRules()
		// High shrinkage too: its coverage of 0.1 per agent made the
		// simplex's bound come out a hair above the roster's cost.
		rules.Shrinkage = []float64{0.1, 0.9, 0.35}[i%3]
		ro, err := plan.SolveRoster(req, rules, 1)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		for h := range req {
			if ro.Rostered[h] < req[h]-1e-9 {
				t.Fatalf("case %d: %02d:00 rostered %v < %v", i, h, ro.Rostered[h], req[h])
			}
		}
		// Exactly: a bound above the cost, by any rounding, reads as a
		// negative gap (planning.md: no roster covers the hours for less).
		if ro.AgentHours < ro.LPBound || ro.Gap < 0 {
			t.Fatalf("case %d: %v agent-hours below the LP bound %v", i, ro.AgentHours, ro.LPBound)
		}
		// Rounding up adds at most one agent per shift kind the LP uses:
		// from some tens of agents an hour on, within 10 %.
		if scale >= 50 && ro.Gap > 0.1 {
			t.Errorf("case %d (about %v an hour): gap %.3f above 10 %%", i, scale, ro.Gap)
		}
	}
}

func TestMissHours(t *testing.T) {
	ev := &plan.Evaluation{Summary: plan.LevelSummary{PMiss: map[string]float64{"answer_rate_30s": 0.3, "satisfaction": 0}}}
	for i, a := range []float64{0.75, 0.85, 0.79, 0.9} {
		ev.Hours = append(ev.Hours, plan.HourSummary{Hour: i, Start: dayStarts[0][:11] + sim.Clock(i, 0).String(), Arrived: 100, Answered30s: a})
	}
	o := plan.Options{Targets: map[string]float64{"answer_rate_30s": 0.8}}
	// The hours below the contract's 80 %: 00:00 and 02:00; the scenario
	// starting at 20:00 puts them at 20:00 and 22:00.
	hours, missed := plan.MissHours(ev, o, 0, nil)
	if !slices.Equal(hours, []int{0, 2}) || !slices.Equal(missed, []string{"answer_rate_30s"}) {
		t.Errorf("hours %v, missed %v; want [0 2] and [answer_rate_30s]", hours, missed)
	}
	if hours, _ := plan.MissHours(ev, o, 20, nil); !slices.Equal(hours, []int{20, 22}) {
		t.Errorf("from 20:00: hours %v; want [20 22]", hours)
	}
	excl := sim.ClockRange{From: 0, To: sim.Clock(1, 0)}
	o.AnswerExcludes = &excl
	if hours, _ := plan.MissHours(ev, o, 0, nil); !slices.Equal(hours, []int{2}) {
		t.Errorf("00:00 left out of the answer rate: hours %v; want [2]", hours)
	}
	// No hour below the target: the quarter with the least margin.
	for i := range ev.Hours {
		ev.Hours[i].Answered30s += 0.1
	}
	if hours, _ := plan.MissHours(ev, o, 0, nil); !slices.Equal(hours, []int{2}) {
		t.Errorf("every counted hour above target: hours %v; want [2], the lowest", hours)
	}
}

// TestMissHours_Unreachable: hours no staffing meets are left alone
// (planning.md, Evaluation), so they are left out before the hours are
// chosen: one unreachable hour below the target must not hide the
// reachable ones with the least margin.
func TestMissHours_Unreachable(t *testing.T) {
	ev := &plan.Evaluation{Summary: plan.LevelSummary{PMiss: map[string]float64{"satisfaction": 0.1}}}
	// 8 hours; 02:00 far below the hour target of 80 % within 30 s
	// (unreachable), the rest above it by 0.04, 0.03, -, 0.01, 0.035,
	// 0.02, 0.045, 0.032 (none abandoned).
	for i, a := range []float64{0.84, 0.83, 0.30, 0.81, 0.835, 0.82, 0.845, 0.832} {
		ev.Hours = append(ev.Hours, plan.HourSummary{Hour: i, Start: dayStarts[0][:11] + sim.Clock(i, 0).String(), Arrived: 100, Answered30s: a})
	}
	o := plan.Options{}
	if hours, _ := plan.MissHours(ev, o, 0, nil); !slices.Equal(hours, []int{2}) {
		t.Errorf("with every hour reachable: hours %v; want [2], the one below the hour target", hours)
	}
	// Without 02:00, none is below: the quarter (2 of 7) with the least
	// margin, 03:00 and 05:00.
	if hours, _ := plan.MissHours(ev, o, 0, map[int]bool{2: true}); !slices.Equal(hours, []int{3, 5}) {
		t.Errorf("02:00 unreachable: hours %v; want [3 5]", hours)
	}
	all := map[int]bool{}
	for h := range 8 {
		all[h] = true
	}
	if hours, _ := plan.MissHours(ev, o, 0, all); len(hours) != 0 {
		t.Errorf("every hour unreachable: hours %v; want none (the search stops: StopNoHour)", hours)
	}
}

// BenchmarkSolveRoster solves double11's needs with the default rules.
func BenchmarkSolveRoster(b *testing.B) {
	need := []float64{480, 235, 61, 38, 26, 25, 37, 56, 79, 95, 108, 106, 98, 101, 102, 104, 99, 93, 97, 109, 200, 220, 215, 169}
	for b.Loop() {
		if _, err := plan.SolveRoster(need, sim.DefaultRosterRules(), 1); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRiskShortfall: the roster search's progress is the target's own
// metrics, relative to each condition's value, so a target on
// satisfaction sees satisfaction rise though p_refund stays at 1.
func TestRiskShortfall(t *testing.T) {
	ls := func(pRefund, pMissSat float64) *plan.LevelSummary {
		return &plan.LevelSummary{Refund: plan.RefundSummary{PRefund: pRefund}, PMiss: map[string]float64{"satisfaction": pMissSat}}
	}
	sat, _ := plan.ParseRisk("p_miss.satisfaction<=0.5")
	both, _ := plan.ParseRisk("p_refund<=0.05, p_miss.satisfaction<=0.5")
	for _, tc := range []struct {
		risk plan.Risk
		ls   *plan.LevelSummary
		want float64
	}{
		{sat, ls(1, 0.9), (0.9 - 0.5) / 0.5},
		{sat, ls(1, 0.6), (0.6 - 0.5) / 0.5},
		{sat, ls(1, 0.5), 0},
		{plan.DefaultRisk, ls(0.15, 0), (0.15 - 0.05) / 0.05},
		{both, ls(0.15, 0.75), (0.15-0.05)/0.05 + (0.75-0.5)/0.5},
		{both, ls(0.01, 0.2), 0},
	} {
		if got := tc.risk.Shortfall(tc.ls); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s at p_refund %v, p_miss.satisfaction %v: shortfall %v; want %v", tc.risk, tc.ls.Refund.PRefund, tc.ls.PMiss["satisfaction"], got, tc.want)
		}
	}
}

package des

import (
	"context"
	"fmt"
	"math"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// RosterSearch configures PlanRoster.
type RosterSearch struct {
	Rules sim.RosterRules
	// Needs are the scenario's hourly needs (HourNeeds).
	Needs []plan.HourNeed
	// Options hold the risk target, the contract's targets and the
	// replication settings: a fixed Reps, or adaptive from MinReps to
	// MaxReps, with the seeds of the plan.
	Options     plan.Options
	Concurrency int
	Workers     int
	// MaxRounds bounds the evaluations (default DefaultRosterRounds).
	MaxRounds int
	Progress  func(done, planned int)
}

// DefaultRosterRounds bounds the evaluations of PlanRoster.
const DefaultRosterRounds = 20

// RosterStaffing turns a roster's agents on duty per clock hour into the
// engine's daily intervals: the whole agents on duty in each hour (the
// roster's coverage of an hour averages its breaks over the hour).
func RosterStaffing(rostered []float64) Staffing {
	st := Staffing{}
	for h, r := range rostered {
		n := int(math.Floor(r + 1e-9))
		st.Agents = max(st.Agents, n)
		st.Intervals = append(st.Intervals, sim.StaffInterval{Start: sim.Clock(h, 0), End: sim.Clock(h+1, 0), Agents: n})
	}
	return st
}

// FlatStaffing is n agents on duty around the clock.
func FlatStaffing(n int) Staffing {
	return Staffing{Agents: n, Intervals: []sim.StaffInterval{{Start: 0, End: sim.MinutesPerDay, Agents: n}}}
}

// Evaluate runs a staffing's replications, fixed or adaptive as o says,
// with the plan's seeds (common random numbers), and summarises them.
func Evaluate(ctx context.Context, m *Model, st Staffing, o plan.Options, concurrency, workers int, progress func(done, planned int)) (*plan.Evaluation, plan.Level, error) {
	sw := Sweep{Staffings: []Staffing{st}, Reps: o.Reps, Seed: o.Seed, Concurrency: concurrency, Workers: workers, Progress: progress}
	if o.Reps == 0 {
		sw.Next = o.Adaptive().Plan
	}
	levels, err := Replicate(ctx, m, sw)
	if err != nil {
		return nil, plan.Level{}, err
	}
	return plan.Evaluate(levels[0], o), levels[0], nil
}

// PlanRoster turns hourly needs into a roster whose refund exposure meets
// the risk target. It solves the roster program for the needs, evaluates
// the roster in the engine, and while the evaluation misses the target
// (with adaptive replications: until its intervals hold; an evaluation
// left undecided at the maximum counts as a miss),
// adds agents to the coverage of the hours that cause the miss
// (plan.MissHours, leaving out hours no staffing meets: 5 % of the hour's
// coverage, at least one agent), solves again and re-evaluates, up to
// MaxRounds evaluations, or until three evaluations running do not lower
// p_refund (the miss is then not the roster's: a KPI no staffing meets). The roster
// returned is the last one, with the LP bound of its final coverage; the
// coverage asked of it, per clock hour, comes with it.
func PlanRoster(ctx context.Context, m *Model, rs RosterSearch) (*plan.Roster, *plan.Evaluation, []float64, error) {
	s := m.Scenario()
	if s == nil {
		return nil, nil, nil, fmt.Errorf("plan roster: a roster needs a scenario model")
	}
	if rs.MaxRounds <= 0 {
		rs.MaxRounds = DefaultRosterRounds
	}
	start := s.StartTime()
	days := s.Duration.Hours() / 24
	required := plan.RosterRequirement(rs.Needs, start.Hour())
	hopeless := map[int]bool{} // clock hours no staffing meets: more agents do nothing there
	for i, n := range rs.Needs {
		if !n.Reachable {
			hopeless[(start.Hour()+i)%24] = true
		}
	}
	var rounds []plan.RosterRound
	risk := rs.Options.RiskTarget()
	best, stale := [3]float64{math.Inf(1), math.Inf(1), math.Inf(1)}, 0
	for round := 1; ; round++ {
		r, err := plan.SolveRoster(required, rs.Rules, days)
		if err != nil {
			return nil, nil, nil, err
		}
		ev, _, err := Evaluate(ctx, m, RosterStaffing(r.Rostered), rs.Options, rs.Concurrency, rs.Workers, rs.Progress)
		if err != nil {
			return nil, nil, nil, err
		}
		// Additions that do not bring the target closer three times
		// running cannot help: the miss is not the roster's (a KPI no
		// staffing meets). Closer is a smaller shortfall of the target's
		// own metrics; with the same shortfall (a miss probability stuck
		// at 1, or point estimates that meet the target while the
		// intervals are undecided), the means of the KPIs it names
		// improving by more than a thousandth of their targets, or a lower
		// p_refund.
		progress := [3]float64{risk.Shortfall(&ev.Summary), risk.KPIBadness(&ev.Summary, rs.Options.Targets), ev.PRefund}
		closer := progress[0] < best[0] ||
			progress[0] == best[0] && (progress[1] < best[1]-1e-3 || progress[1] <= best[1] && progress[2] < best[2])
		if closer {
			best, stale = progress, 0
		} else {
			stale++
		}
		hours, missed := plan.MissHours(ev, rs.Options, start.Hour(), hopeless)
		// With adaptive replications a roster is done when its intervals
		// hold, not when a point estimate at the threshold says so after
		// the maximum of replications (Evaluate's MeetsRisk); with a
		// fixed number the point estimates decide, as they do for the
		// levels.
		done := ev.MeetsRisk
		if done || round == rs.MaxRounds || stale >= 3 || len(hours) == 0 {
			r.Rounds, r.MeetsRisk = rounds, done
			switch {
			case done:
				r.Stopped = plan.StopMet
			case stale >= 3:
				r.Stopped = plan.StopStale
			case len(hours) == 0:
				r.Stopped = plan.StopNoHour
			default:
				r.Stopped = plan.StopRounds
			}
			if r.Rounds == nil {
				r.Rounds = []plan.RosterRound{}
			}
			return r, ev, required, nil
		}
		rr := plan.RosterRound{AgentHours: r.AgentHours, Reps: ev.Reps, PRefund: ev.PRefund, PRefundCI: ev.PRefundCI,
			Verdict: ev.Verdict, Missed: missed, Hours: []string{}}
		if missed == nil {
			rr.Missed = []string{}
		}
		for _, h := range hours {
			add := max(1, int(math.Ceil(0.05*required[h])))
			required[h] += float64(add)
			rr.Added += add
			rr.Hours = append(rr.Hours, sim.Clock(h, 0).String())
		}
		rounds = append(rounds, rr)
	}
}

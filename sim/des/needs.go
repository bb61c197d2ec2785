package des

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// Needs configures the search for the agents each hour of a scenario
// needs.
type Needs struct {
	// Reps replications, with the seeds of a plan's first Reps
	// (RepSeed(Seed, i)), judge each hour on all their buyers together.
	Reps        int
	Seed        uint64
	Target      plan.HourTarget
	Concurrency int
	Workers     int
	// Tail is how long past an hour's end its buyers are followed before
	// the hour is judged (default DefaultNeedsTail): a buyer who arrived
	// at 00:59 is answered, or leaves, after 01:00.
	Tail time.Duration
}

// DefaultNeedsTail follows an hour's buyers 15 minutes past its end.
const DefaultNeedsTail = 15 * time.Minute

// HourNeeds finds, for every hour of the scenario in order, the fewest
// agents on duty that meet the hour target in that hour, one agent at a
// time, with every earlier hour staffed at its own need: the backlog an
// hour leaves counts against the next, as it would on the day.
//
// Each replication keeps its engine's state at the start of the hour
// being searched, so a trial staffing runs only that hour and its tail
// (queue-only runs: no outcome, KPIs or refund). A trial keeps its
// agents through the tail; the next hour's own agents are not known yet.
// The search gallops from a guess (the previous hour's need scaled by
// the arrival rate; the scenario's own staffing for the first hour) and
// then bisects, which assumes an hour does not get worse with more
// agents. An hour no staffing meets — when agents' own first reply is
// slower than the target even without a queue — stops at one agent per
// buyer present, and says so.
func HourNeeds(ctx context.Context, m *Model, n Needs) ([]plan.HourNeed, error) {
	s := m.Scenario()
	if s == nil {
		return nil, errors.New("hour needs: a search needs a scenario model")
	}
	if n.Reps < 1 {
		return nil, fmt.Errorf("hour needs: %d replications: want at least 1", n.Reps)
	}
	if n.Tail <= 0 {
		n.Tail = DefaultNeedsTail
	}
	if n.Target == (plan.HourTarget{}) {
		n.Target = plan.DefaultHourTarget
	}
	hours := int(math.Ceil(s.Duration.Hours() - 1e-9))
	rate := m.hourlyRates(hours)
	reps := make([]*needRep, n.Reps)
	for i := range reps {
		r := &needRep{e: NewEngine(m), by: []int{0}}
		r.e.start(Run{Seed: RepSeed(n.Seed, i), ByHour: r.by, QueueOnly: true, Hourly: true, Concurrency: n.Concurrency, Target: 30 * time.Second})
		if err := r.e.save(&r.at); err != nil {
			return nil, err
		}
		reps[i] = r
	}
	workers := max(1, min(n.Workers, len(reps)))
	each := func(f func(r *needRep) error) error {
		var wg sync.WaitGroup
		errs := make([]error, len(reps))
		next := make(chan int, len(reps))
		for i := range reps {
			next <- i
		}
		close(next)
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range next {
					errs[i] = f(reps[i])
				}
			}()
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	out := make([]plan.HourNeed, hours)
	prev := 0
	for h := range hours {
		end := float64(h+1) * 3600
		tried := map[int]trial{}
		try := func(c int) (trial, error) {
			if t, ok := tried[c]; ok {
				return t, nil
			}
			err := each(func(r *needRep) error {
				r.e.restore(&r.at)
				r.by = append(r.by[:h], c)
				r.e.cfg.ByHour = r.by
				r.present = r.e.active
				if err := r.e.advance(ctx, end+n.Tail.Seconds()); err != nil {
					return err
				}
				r.hour = plan.Hour{}
				if h < len(r.e.hours) {
					x := &r.e.hours[h]
					r.hour = plan.Hour{Arrived: x.Arrived, AnsweredIn30s: x.AnsweredIn30s, Abandoned: x.Abandoned}
				}
				return nil
			})
			if err != nil {
				return trial{}, err
			}
			var t trial
			for _, r := range reps {
				t.arrived += float64(r.hour.Arrived)
				t.answered += float64(r.hour.AnsweredIn30s)
				t.abandoned += float64(r.hour.Abandoned)
				t.present = max(t.present, r.present+r.hour.Arrived)
			}
			tried[c] = t
			return t, nil
		}
		guess := 1
		switch {
		case h == 0:
			guess = max(1, s.Staffing.AgentsAt(clockOf(m, 0)))
		case rate[h-1] > 0:
			guess = max(1, int(math.Round(float64(prev)*rate[h]/rate[h-1])))
		default:
			guess = max(1, prev)
		}
		if rate[h] == 0 {
			guess = 0
		}
		agents, reachable, err := search(guess, func(c int) (float64, int, error) {
			t, err := try(c)
			return t.margin(n.Target), t.present, err
		})
		if err != nil {
			return nil, err
		}
		need := plan.HourNeed{Hour: h, Agents: agents, Reachable: reachable}
		best := tried[need.Agents]
		need.Arrived = best.arrived / float64(n.Reps)
		if best.arrived > 0 {
			need.Answered30s, need.Abandoned = best.answered/best.arrived, best.abandoned/best.arrived
		}
		out[h] = need
		prev = need.Agents
		// Every replication moves on to the next hour with this one
		// staffed at its need.
		err = each(func(r *needRep) error {
			r.e.restore(&r.at)
			r.by = append(r.by[:h], need.Agents)
			r.e.cfg.ByHour = r.by
			if err := r.e.advance(ctx, end); err != nil {
				return err
			}
			return r.e.save(&r.at)
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// trial is what one staffing of an hour gave over the replications: the
// buyers of the hour, those answered within 30 s and those who left
// unanswered, and the most buyers present in the hour in any replication.
type trial struct {
	arrived, answered, abandoned float64
	present                      int
}

// margin is how far a trial is from failing the hour target: the smaller
// of the 30-second rate above its target and the abandonment below its
// bound; the target holds where it is not negative.
func (t trial) margin(target plan.HourTarget) float64 {
	if t.arrived == 0 {
		return math.Inf(1)
	}
	return math.Min(t.answered/t.arrived-target.Answered30s, target.Abandoned-t.abandoned/t.arrived)
}

// point is a trial of the search: agents and the margin they gave.
type point struct {
	c int
	m float64
}

// search finds the fewest agents whose margin is not negative, assuming
// the margin does not fall as agents are added. try returns a staffing's
// margin and the most buyers present (more agents than that cannot
// help). It starts at guess and steps out until the answer is bracketed,
// following the margin's slope through the last two trials (at least
// guess/16 agents a step, at most four times the last step), then
// narrows the bracket by interpolating the margin (regula falsi),
// bisecting whenever that does not halve the bracket. It returns the
// agents and true; or, when even an agent for every buyer present
// misses, false and the fewest agents tried beyond which the margin does
// not improve (plateau).
func search(guess int, try func(int) (float64, int, error)) (int, bool, error) {
	lo, hi := point{c: -1}, point{c: -1} // the largest failing, the smallest meeting
	var last []point
	c := guess
	for {
		m, present, err := try(c)
		if err != nil {
			return 0, false, err
		}
		last = append(last, point{c, m})
		if m >= 0 {
			if hi.c < 0 || c < hi.c {
				hi = point{c, m}
			}
		} else if c > lo.c {
			lo = point{c, m}
		}
		switch {
		case hi.c >= 0 && hi.c-lo.c <= 1:
			return hi.c, true, nil
		case hi.c < 0 && lo.c >= present+1:
			return plateau(last), false, nil
		case len(last) > 64:
			return 0, false, fmt.Errorf("hour needs: the search did not settle (tried %v)", last)
		}
		step := max(1, guess/16)
		switch {
		case hi.c >= 0 && lo.c >= 0:
			width := hi.c - lo.c
			x := float64(lo.c) + (0-lo.m)/(hi.m-lo.m)*float64(width)
			c = min(hi.c-1, max(lo.c+1, int(math.Round(x))))
			// Regula falsi can creep from one side: bisect when the trial
			// before did not halve the bracket it was made in.
			if n := len(last); n >= 3 && abs(last[n-1].c-last[n-2].c) <= 1 && width > 2 {
				c = lo.c + width/2
			}
		case hi.c >= 0: // everything tried meets: step down
			if hi.c == 0 {
				return 0, true, nil
			}
			c = max(0, hi.c-reach(last, step))
		default: // everything tried misses: step up
			c = min(present+1, lo.c+reach(last, step))
		}
	}
}

// plateau returns, of trials that all missed, the fewest agents whose
// margin comes within 0.01 of the best: more agents than that buy
// nothing.
func plateau(tried []point) int {
	best := math.Inf(-1)
	for _, p := range tried {
		best = math.Max(best, p.m)
	}
	c := -1
	for _, p := range tried {
		if p.m >= best-0.01 && (c < 0 || p.c < c) {
			c = p.c
		}
	}
	return c
}

// reach is how far to step from the last trial towards a margin of zero:
// along the slope through the last two trials, a little past the crossing
// so that it lands on the other side, between step and four times the
// last step.
func reach(last []point, step int) int {
	n := len(last)
	if n < 2 {
		return step
	}
	a, b := last[n-2], last[n-1]
	d := abs(b.c - a.c)
	slope := (b.m - a.m) / float64(b.c-a.c)
	if d == 0 || !(slope > 0) {
		return max(step, 2*d)
	}
	x := int(math.Ceil(math.Abs(b.m)/slope*1.1)) + 1
	return min(max(step, x), max(4*d, step))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// needRep is one replication of the search: its engine, its staffing so
// far and its state at the start of the hour being searched.
type needRep struct {
	e       *Engine
	by      []int
	at      snapshot
	hour    plan.Hour
	present int // buyers in the system when the hour began
}

// hourlyRates returns the mean arrival rate of each of the first n hours,
// per second, from the model's pieces of constant rate.
func (m *Model) hourlyRates(n int) []float64 {
	out := make([]float64, n)
	from := 0.0
	for _, p := range m.pieces {
		for t := from; t < p.end && t < float64(n)*3600; {
			h := int(t / 3600)
			to := math.Min(p.end, float64(h+1)*3600)
			out[h] += p.rate * (to - t) / 3600
			t = to
		}
		from = p.end
	}
	return out
}

// clockOf returns the local time of day t seconds after the start.
func clockOf(m *Model, t float64) sim.ClockTime {
	_, clock := m.cal.Local(t)
	return sim.ClockTime(clock / 60)
}

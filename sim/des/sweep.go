package des

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// Staffing is one staffing a sweep runs: the intervals of the day with
// their agents, and the number that names it in the report.
type Staffing struct {
	Agents    int
	Intervals []sim.StaffInterval
}

// Sweep configures a planner run: replications of the model at each
// staffing.
type Sweep struct {
	// Levels are agents in the peak interval; the scenario's other
	// intervals scale with its staffing shape (sim.Staffing.Scaled).
	// Staffings, when set, are run instead.
	Levels    []int
	Staffings []Staffing
	// Reps is the replications of each staffing when fixed. With Next set
	// the sweep is adaptive: it runs rounds, asking Next (given the
	// staffings so far, in order) how many replications each should have
	// after the next round, starting with the staffings empty; it stops
	// when no staffing wants more.
	Reps int
	Next func([]plan.Level) []int
	// Shard and Shards split a fixed sweep: shard i of n runs the
	// replications whose index is i modulo n, with the seeds the
	// unsharded sweep gives them. Shards 0 means no split.
	Shard, Shards int
	Seed          uint64
	Concurrency   int // chats per agent; 0 keeps the scenario's
	// Workers run replications in parallel, each on its own engine; 0 or
	// less means one.
	Workers int
	// Progress, when set, is called after each replication with the
	// replications done and those planned so far (the plan grows in
	// adaptive rounds). Calls are serialised.
	Progress func(done, planned int)
}

// RepSeed returns the seed of replication i of a plan with root seed
// root. It does not depend on the staffing, which makes every staffing
// meet the same customers, and it is the same whichever machine or worker
// runs replication i.
func RepSeed(root uint64, i int) uint64 {
	return splitmix64(root ^ splitmix64(uint64(i)+0x5eed))
}

// Replicate runs the sweep and returns one plan.Level per staffing with
// its replications in index order (a shard's only). The result does not
// depend on Workers: replication i of every staffing has seed
// RepSeed(Seed, i) and rounds are decided from whole rounds' results.
func Replicate(ctx context.Context, m *Model, sw Sweep) ([]plan.Level, error) {
	s := m.Scenario()
	if s == nil {
		return nil, errors.New("replicate: a sweep needs a scenario model")
	}
	if sw.Next == nil && sw.Reps < 1 {
		return nil, fmt.Errorf("replicate: %d replications: want at least 1", sw.Reps)
	}
	if sw.Shards > 0 && (sw.Next != nil || sw.Shard < 0 || sw.Shard >= sw.Shards) {
		return nil, fmt.Errorf("replicate: shard %d of %d: want 0 to %d of a fixed sweep", sw.Shard, sw.Shards, sw.Shards-1)
	}
	staffings := sw.Staffings
	if staffings == nil {
		for _, n := range sw.Levels {
			if n < 1 {
				return nil, fmt.Errorf("replicate: staffing level %d: want at least 1 agent", n)
			}
			staffings = append(staffings, Staffing{Agents: n, Intervals: s.Staffing.Scaled(n)})
		}
	}
	levels := make([]plan.Level, len(staffings))
	want := make([]int, len(staffings))
	for i, st := range staffings {
		levels[i] = plan.Level{Agents: st.Agents, AgentDays: agentDays(st.Intervals, s.Duration)}
		want[i] = sw.Reps
	}
	if sw.Next != nil {
		copy(want, sw.Next(levels))
	}
	r := &replicator{m: m, sw: sw, staffings: staffings, levels: levels}
	for {
		var jobs []job
		for l := range levels {
			for i := r.next(l); i < want[l]; i++ {
				if sw.Shards == 0 || i%sw.Shards == sw.Shard {
					jobs = append(jobs, job{l, i})
				}
			}
			r.have(l, want[l])
		}
		if len(jobs) == 0 {
			break
		}
		if err := r.run(ctx, jobs); err != nil {
			return nil, err
		}
		if sw.Next == nil {
			break
		}
		next := sw.Next(levels)
		for l := range levels {
			want[l] = max(next[l], r.next(l))
		}
	}
	return levels, nil
}

type job struct{ level, rep int }

// replicator runs rounds of replications into levels.
type replicator struct {
	m         *Model
	sw        Sweep
	staffings []Staffing
	levels    []plan.Level
	upTo      []int // replication indices below this are run or skipped
	done      int
	planned   int
}

func (r *replicator) next(l int) int {
	if r.upTo == nil {
		r.upTo = make([]int, len(r.levels))
	}
	return r.upTo[l]
}

func (r *replicator) have(l, n int) { r.upTo[l] = max(r.upTo[l], n) }

// run runs one round's jobs on the workers and appends the results to
// their levels in index order.
func (r *replicator) run(ctx context.Context, jobs []job) error {
	r.planned += len(jobs)
	out := make([]plan.Rep, len(jobs))
	next := make(chan int)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range max(1, min(r.sw.Workers, len(jobs))) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := NewEngine(r.m)
			for k := range next {
				j := jobs[k]
				res, err := e.Run(ctx, Run{
					Seed: RepSeed(r.sw.Seed, j.rep), Staffing: r.staffings[j.level].Intervals,
					Concurrency: r.sw.Concurrency, Hourly: true, Target: 30 * time.Second,
				})
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				r.done++
				if r.sw.Progress != nil {
					r.sw.Progress(r.done, r.planned)
				}
				mu.Unlock()
				out[k] = ToRep(r.m, j.rep, res)
			}
		}()
	}
feed:
	for k := range jobs {
		select {
		case next <- k:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for k, j := range jobs {
		r.levels[j.level].Reps = append(r.levels[j.level].Reps, out[k])
	}
	return nil
}

// agentDays is the agent-days on duty over a run of length d.
func agentDays(ivs []sim.StaffInterval, d time.Duration) float64 {
	perDay := 0.0
	for _, iv := range ivs {
		perDay += float64(iv.Agents) * (iv.End - iv.Start).Duration().Hours() / 24
	}
	return perDay * d.Hours() / 24
}

// ToRep turns a replication's result into the planner's row.
func ToRep(m *Model, index int, r *Result) plan.Rep {
	rep := plan.Rep{
		Index: index, KPIs: r.KPIs, Refund: r.Refund,
		Disputes: r.Disputes, DisputeRefunds: r.DisputeRefunds,
		Customers: r.Stats.Customers, Served: r.Stats.Served, Abandoned: r.Stats.LeftUnanswered,
	}
	if r.Statement != nil {
		rep.Missed = map[string]bool{}
		for _, it := range r.Statement.Items {
			if it.KPI != "" && it.Amount > 0 {
				rep.Missed[it.KPI] = true
			}
		}
		if m.contract != nil {
			for _, cl := range m.contract.Clauses {
				if _, ok := r.KPIs[cl.KPI]; ok && !rep.Missed[cl.KPI] {
					rep.Missed[cl.KPI] = false
				}
			}
		}
	}
	for _, h := range r.Hours {
		n := len(h.FirstReply)
		for n > 0 && h.FirstReply[n-1] == 0 {
			n--
		}
		rep.Hours = append(rep.Hours, plan.Hour{
			Arrived: h.Arrived, Served: h.Served, Abandoned: h.Abandoned, AnsweredIn30s: h.AnsweredIn30s,
			FirstReply: append([]uint32(nil), h.FirstReply[:n]...), Rounds: h.Rounds, RoundsIn3m: h.RoundsIn3m,
			MeanQueue: h.QueueArea / 3600, MaxQueue: h.MaxQueue, Agents: h.Agents,
			AgentTime: h.AgentTime, ChatTime: h.ChatTime, BusyTime: h.BusyTime,
		})
	}
	return rep
}

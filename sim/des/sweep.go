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

// Sweep configures a planner run: Reps replications of the model at each
// staffing level.
type Sweep struct {
	// Levels are agents in the peak interval; the scenario's other
	// intervals scale with its staffing shape (sim.Staffing.Scaled).
	Levels      []int
	Reps        int
	Seed        uint64
	Concurrency int // chats per agent; 0 keeps the scenario's
	// Workers run replications in parallel, each on its own engine; 0 or
	// less means one.
	Workers int
	// Progress, when set, is called after each replication, from the
	// worker that ran it (it must be safe for concurrent use).
	Progress func()
}

// RepSeed returns the seed of replication i of a plan with root seed
// root. It does not depend on the staffing level, which makes every level
// meet the same customers, and it is the same whichever machine or worker
// runs replication i.
func RepSeed(root uint64, i int) uint64 {
	return splitmix64(root ^ splitmix64(uint64(i)+0x5eed))
}

// Replicate runs the sweep and returns one plan.Level per level with its
// replications in index order. The result does not depend on Workers.
func Replicate(ctx context.Context, m *Model, sw Sweep) ([]plan.Level, error) {
	s := m.Scenario()
	if s == nil {
		return nil, errors.New("replicate: a sweep needs a scenario model")
	}
	if sw.Reps < 1 {
		return nil, fmt.Errorf("replicate: %d replications: want at least 1", sw.Reps)
	}
	levels := make([]plan.Level, len(sw.Levels))
	staffing := make([][]sim.StaffInterval, len(sw.Levels))
	for i, n := range sw.Levels {
		if n < 1 {
			return nil, fmt.Errorf("replicate: staffing level %d: want at least 1 agent", n)
		}
		staffing[i] = s.Staffing.Scaled(n)
		levels[i] = plan.Level{Agents: n, AgentDays: agentDays(staffing[i], s.Duration), Reps: make([]plan.Rep, sw.Reps)}
	}
	type job struct{ level, rep int }
	jobs := make(chan job)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	workers := max(1, sw.Workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := NewEngine(m)
			for j := range jobs {
				r, err := e.Run(ctx, Run{
					Seed: RepSeed(sw.Seed, j.rep), Staffing: staffing[j.level],
					Concurrency: sw.Concurrency, Hourly: true, Target: 30 * time.Second,
				})
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					continue
				}
				levels[j.level].Reps[j.rep] = ToRep(m, j.rep, r)
				if sw.Progress != nil {
					sw.Progress()
				}
			}
		}()
	}
feed:
	for l := range sw.Levels {
		for i := range sw.Reps {
			select {
			case jobs <- job{l, i}:
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return levels, nil
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
		Customers: r.Stats.Customers, Served: r.Stats.Served, Abandoned: r.Stats.Abandoned + r.Stats.LeftLater,
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
	for i, h := range r.Hours {
		rep.Hours = append(rep.Hours, plan.Hour{
			Start: m.start.Add(time.Duration(i) * time.Hour), Arrived: h.Arrived, Served: h.Served,
			Abandoned: h.Abandoned, AnsweredIn30s: h.AnsweredIn30s,
			MeanQueue: h.QueueArea / 3600, MaxQueue: h.MaxQueue, Agents: h.Agents,
		})
	}
	return rep
}

package des_test

import (
	"context"
	"reflect"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/deskdrill/deskdrill/sim/des"
)

// The result of a sweep does not depend on how many workers ran it, and
// progress is reported once per replication.
func TestReplicate_WorkersDoNotChangeTheAnswer(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	var calls atomic.Int64
	sw := des.Sweep{Levels: []int{4, 8, 16}, Reps: 6, Seed: 2026, Progress: func(int, int) { calls.Add(1) }}
	one, err := des.Replicate(t.Context(), m, sw)
	if err != nil {
		t.Fatal(err)
	}
	sw.Workers = 3
	three, err := des.Replicate(t.Context(), m, sw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, three) {
		t.Error("1 worker and 3 workers gave different levels")
	}
	if got := calls.Load(); got != 2*3*6 {
		t.Errorf("progress called %d times; want %d", got, 2*3*6)
	}
	// More agents, on the same customers, abandon less on average.
	ab := func(l int) (s int) {
		for _, r := range one[l].Reps {
			s += r.Abandoned
		}
		return s
	}
	if !(ab(0) > ab(2)) {
		t.Errorf("abandoned at 4 agents %d, at 16 agents %d; want fewer with more agents", ab(0), ab(2))
	}
}

func TestReplicate_Cancelled(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := des.Replicate(ctx, m, des.Sweep{Levels: []int{5}, Reps: 50, Workers: 2}); err == nil {
		t.Error("a cancelled sweep returned no error")
	}
}

// BenchmarkReplicate_Double11 is the planner's speed case: the double11
// scenario at its own ten staffing levels, 100 replications each, on all
// cores.
func BenchmarkReplicate_Double11(b *testing.B) {
	m := scenarioModel(b, "double11")
	levels := m.Scenario().Staffing.Sweep.Levels()
	for b.Loop() {
		if _, err := des.Replicate(b.Context(), m, des.Sweep{Levels: levels, Reps: 100, Seed: 1, Workers: runtime.GOMAXPROCS(0)}); err != nil {
			b.Fatal(err)
		}
	}
}

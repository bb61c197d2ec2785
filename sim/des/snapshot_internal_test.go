package des

import (
	"fmt"
	"hash/fnv"
	"reflect"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

func compiled(t *testing.T, file string) *Model {
	t.Helper()
	s, err := scenarios.LoadScenarioFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A run saved at several instants and continued from each save, twice,
// once after a detour with other staffing, gives exactly the run that
// was never stopped: the same events, the same statistics.
func TestEngine_SaveRestoreContinues(t *testing.T) {
	m := compiled(t, "testdata/midnight-rush.yaml")
	by := []int{40, 12, 7, 5, 3, 4, 4, 8, 8, 10, 12, 13, 8, 12, 8, 10, 8, 9, 14, 11, 14, 14, 12, 14}
	hash := func() (func(Event), func() uint64) {
		h := fnv.New64a()
		return func(ev Event) { fmt.Fprintf(h, "%.9f %d %d %d\n", ev.T, ev.Kind, ev.Customer, ev.Agent) }, h.Sum64
	}
	run := Run{Seed: 77, ByHour: by, QueueOnly: true, Hourly: true}
	tr, sum := hash()
	run.Trace = tr
	straight, err := NewEngine(m).Run(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	want := sum()

	tr, sum = hash()
	run.Trace = tr
	e, other := NewEngine(m), NewEngine(m)
	e.start(run)
	var s snapshot
	for _, stop := range []float64{0, 1800, 3600, 7200.5, 50000, 86400} {
		if err := e.advance(t.Context(), stop); err != nil {
			t.Fatal(err)
		}
		if err := e.save(&s); err != nil {
			t.Fatal(err)
		}
		// A detour on another engine from the same state, with other
		// staffing and no trace, must leave the saved state alone.
		other.restore(&s)
		other.cfg.ByHour, other.cfg.Trace = []int{1}, nil
		if err := other.advance(t.Context(), stop+5000); err != nil {
			t.Fatal(err)
		}
		e.restore(&s)
		e.cfg.Trace = tr
	}
	if err := e.advance(t.Context(), 1e18); err != nil {
		t.Fatal(err)
	}
	got, err := e.finish()
	if err != nil {
		t.Fatal(err)
	}
	if sum() != want || !reflect.DeepEqual(got.Stats, straight.Stats) || !reflect.DeepEqual(got.Hours, straight.Hours) {
		t.Errorf("continued run: trace %x, stats %+v; want %x, %+v", sum(), got.Stats, want, straight.Stats)
	}
	// A run that keeps KPIs cannot be saved.
	full := NewEngine(m)
	full.start(Run{Seed: 1})
	if err := full.save(&s); err == nil {
		t.Error("saving a run with a KPI tally: want an error")
	}
}

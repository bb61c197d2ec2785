package swarm

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

func newTestSwarm(t *testing.T, seed uint64) *Swarm {
	t.Helper()
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Config{URL: "ws://127.0.0.1:1/ws/customer", Scenario: sc, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The same seed and index give the same buyer, whatever else happens: a
// run is reproducible from its seed.
func TestNewCustomer_Reproducible(t *testing.T) {
	at := time.Date(2026, 3, 11, 21, 0, 0, 0, time.UTC)
	a, b := newTestSwarm(t, 9).newCustomer(17, at), newTestSwarm(t, 9).newCustomer(17, at)
	if a.caseID != b.caseID || a.persona.Name != b.persona.Name || a.person != b.person || a.order != b.order || a.draws != b.draws || a.loc != b.loc {
		t.Errorf("seed 9, customer 17 differs between swarms:\n%+v\n%+v", a, b)
	}
	c := newTestSwarm(t, 10).newCustomer(17, at)
	if c.person == a.person && c.order == a.order {
		t.Error("another seed gave the same buyer")
	}
	if a.order.Price <= 0 || a.order.ID == "" || a.person.Name == "" {
		t.Errorf("buyer %+v, order %+v: want a name, an order number and a price", a.person, a.order)
	}
}

// pickCase follows the contact mix: shares drawn over many customers agree
// with the mix within 4 standard errors of a binomial share.
func TestPickCase_FollowsTheMix(t *testing.T) {
	mix := sim.DefaultContactMix()
	r := rand.New(rand.NewPCG(1, 2))
	const n = 20000
	got := map[string]int{}
	for range n {
		got[pickCase(r, mix)]++
	}
	for _, s := range mix.Shares() {
		p := s.Share
		se := math.Sqrt(p * (1 - p) / n)
		if d := math.Abs(float64(got[s.ID])/n - p); d > 4*se {
			t.Errorf("%s: share %.4f; want %.4f ± %.4f", s.ID, float64(got[s.ID])/n, p, 4*se)
		}
	}
}

func TestNew_Checks(t *testing.T) {
	sc, _ := scenarios.LoadScenario("steady-day")
	for _, cfg := range []Config{{Scenario: sc}, {URL: "ws://x"}, {URL: "ws://x", Scenario: sc, Speed: -1}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v): want an error", cfg)
		}
	}
}

// A resumed swarm sends exactly the customers the whole run would have
// sent after the interruption, with the same numbers, arrivals and so
// seeds, on a clock that starts at the interruption.
func TestSchedule_Resume(t *testing.T) {
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	collect := func(resume time.Duration) []arrival {
		s, err := New(Config{URL: "ws://127.0.0.1:1/ws/customer", Scenario: sc, Seed: 3, Speed: 60, Count: 400, Resume: resume})
		if err != nil {
			t.Fatal(err)
		}
		var out []arrival
		for a := range s.schedule() {
			out = append(out, a)
		}
		return out
	}
	whole := collect(0)
	if len(whole) != 400 {
		t.Fatalf("%d customers; want Count 400", len(whole))
	}
	cut := whole[len(whole)/2].at.Sub(sc.StartTime()) - time.Millisecond
	resumed := collect(cut)
	tail := whole[len(whole)/2:]
	if len(resumed) != len(tail) {
		t.Fatalf("resumed at %v: %d customers; want the %d after it", cut, len(resumed), len(tail))
	}
	for i, a := range resumed {
		w := tail[i]
		if a.index != w.index || !a.at.Equal(w.at) {
			t.Fatalf("resumed customer %d: #%d at %v; want #%d at %v", i, a.index, a.at, w.index, w.at)
		}
		if want := w.due - time.Duration(float64(cut)/60); (a.due - want).Abs() > time.Microsecond {
			t.Fatalf("resumed customer %d due %v; want %v (the clock starts at the interruption)", i, a.due, want)
		}
	}
}

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

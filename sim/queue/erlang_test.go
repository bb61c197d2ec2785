package queue_test

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim/queue"
)

// The published example: 100 contacts per 30 minutes, AHT 180 s, 14 agents,
// target 20 s (10 Erlangs).
var published = queue.Config{
	Arrivals: queue.Rate{Freq: 100, Per: 30 * time.Minute},
	AHT:      180 * time.Second,
	Agents:   14,
	Target:   20 * time.Second,
}

func near(t *testing.T, name string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s: got %.9g; want %.9g (±%g)", name, got, want, tol)
	}
}

func TestErlangC_Published(t *testing.T) {
	r, err := queue.ErlangC(published)
	if err != nil {
		t.Fatal(err)
	}
	// Tolerances are half a unit in the last published digit.
	near(t, "P(wait)", r.PWait, 0.1741319, 5e-8)
	near(t, "service level", r.ServiceLevel, 0.88835, 5e-6)
	near(t, "ASA", r.ASA.Seconds(), 7.835937, 5e-7)
	near(t, "occupancy", r.Occupancy, 0.7142857, 5e-8)
	near(t, "load", r.Load, 10, 1e-12)
}

func TestErlangA_Published(t *testing.T) {
	cfg := published
	cfg.Patience = 5 * time.Minute
	r, err := queue.ErlangA(cfg)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "P(wait)", r.PWait, 0.14526, 5e-6)
	near(t, "P(abandon)", r.PAbandon, 0.013984, 5e-7)
	near(t, "occupancy", r.Occupancy, 0.704297, 5e-7)
	near(t, "service level(20 s)", r.ServiceLevel, 0.916792, 5e-7)
	if r.ASA <= 0 || r.ASA > 10*time.Second {
		t.Errorf("ASA: got %v; want a few seconds, below Erlang C's 7.8 s", r.ASA)
	}
}

// The birth–death sum and the closed form must agree everywhere, including
// overload where only Erlang A is defined.
func TestErlangA_BirthDeathMatchesClosedForm(t *testing.T) {
	for _, tc := range []struct {
		perHour  float64
		aht      time.Duration
		agents   int
		patience time.Duration
	}{
		{200, 180 * time.Second, 14, 5 * time.Minute},
		{200, 180 * time.Second, 8, 5 * time.Minute}, // overloaded: a = 10 on 8
		{200, 180 * time.Second, 30, 30 * time.Second},
		{3000, 180 * time.Second, 150, 6 * time.Minute},
		{60000, 240 * time.Second, 3900, 10 * time.Minute},
		{10, 600 * time.Second, 1, 20 * time.Second},
		{500, 60 * time.Second, 5, 2 * time.Hour},
	} {
		cfg := queue.Config{Arrivals: queue.Rate{Freq: tc.perHour, Per: time.Hour}, AHT: tc.aht, Agents: tc.agents, Patience: tc.patience}
		r, err := queue.ErlangA(cfg)
		if err != nil {
			t.Fatal(err)
		}
		pw, pa, err := queue.ErlangAClosed(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(r.PWait-pw) > 1e-9*math.Max(1, pw) || math.Abs(r.PAbandon-pa) > 1e-9 {
			t.Errorf("%+v: birth–death P(wait) %.12g, P(abandon) %.12g; closed form %.12g, %.12g", tc, r.PWait, r.PAbandon, pw, pa)
		}
		// Occupancy by flow balance: answered work ÷ capacity.
		a := cfg.Load()
		near(t, "occupancy by flow balance", r.Occupancy, a*(1-r.PAbandon)/float64(tc.agents), 1e-9)
		if r.ServiceLevel < 0 || r.ServiceLevel > 1 || r.ASA < 0 {
			t.Errorf("%+v: service level %v, ASA %v out of range", tc, r.ServiceLevel, r.ASA)
		}
	}
}

// Erlang A with very patient contacts tends to Erlang C.
func TestErlangA_ConvergesToErlangC(t *testing.T) {
	c, _ := queue.ErlangC(published)
	cfg := published
	cfg.Patience = 1000 * time.Hour
	a, _ := queue.ErlangA(cfg)
	near(t, "P(wait)", a.PWait, c.PWait, 1e-4)
	near(t, "service level", a.ServiceLevel, c.ServiceLevel, 1e-4)
}

func TestErlangC_Overload(t *testing.T) {
	for _, agents := range []int{9, 10} {
		cfg := published
		cfg.Agents = agents
		if _, err := queue.ErlangC(cfg); !errors.Is(err, queue.ErrUnstable) {
			t.Errorf("%d agents at 10 Erlangs: got %v; want ErrUnstable", agents, err)
		}
		cfg.Patience = 5 * time.Minute
		r, err := queue.ErlangA(cfg)
		if err != nil || r.ASA < 0 || r.PAbandon <= 0 || r.Occupancy > 1 {
			t.Errorf("Erlang A at %d agents: %+v, %v; want an answer with abandonment", agents, r, err)
		}
	}
}

func TestSolve_Published(t *testing.T) {
	s, err := queue.Solve(published.Arrivals, published.AHT, 0, queue.Target{ServiceLevel: 0.8, Within: 20 * time.Second, MaxOccupancy: 0.85, Shrinkage: 0.3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Agents != 14 || s.Scheduled != 20 {
		t.Errorf("got %d agents, %d scheduled; want 14 and 20", s.Agents, s.Scheduled)
	}
	// 13 agents must fail the target (so 14 is the fewest).
	cfg := published
	cfg.Agents = 13
	r, _ := queue.ErlangC(cfg)
	if r.ServiceLevel >= 0.8 && r.Occupancy <= 0.85 {
		t.Errorf("13 agents meet the target (%+v): 14 would not be the fewest", r)
	}
}

func TestSolve_Constraints(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    queue.Target
		pat  time.Duration
		want int
	}{
		{"occupancy cap binds", queue.Target{ServiceLevel: 0.5, Within: 20 * time.Second, MaxOccupancy: 0.7}, 0, 15},
		// 17 agents abandon 0.19 %, 18 agents 0.091 %.
		{"abandon cap binds", queue.Target{ServiceLevel: 0, MaxAbandon: 0.001}, 5 * time.Minute, 18},
	} {
		s, err := queue.Solve(published.Arrivals, published.AHT, tc.pat, tc.t)
		if err != nil || s.Agents != tc.want {
			t.Errorf("%s: got %d, %v; want %d", tc.name, s.Agents, err, tc.want)
		}
	}
	if _, err := queue.Solve(published.Arrivals, published.AHT, 0, queue.Target{ServiceLevel: 1.5}); err == nil {
		t.Error("service level 1.5: want an error")
	}
}

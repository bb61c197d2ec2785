package des_test

import (
	"fmt"
	"hash/fnv"
	"math"
	"testing"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/queue"
)

// TestEngine_AgreesWithErlangA runs stationary M/M/c+M queues on the
// engine and compares P(wait) and P(abandon) with the exact Erlang A
// values. The standard error comes from independent replications (each
// with its own warm-up), so autocorrelation within a run does not shrink
// it; the test also insists the error is below 1 % of the value, so a
// loose comparison cannot pass by noise alone.
func TestEngine_AgreesWithErlangA(t *testing.T) {
	for _, tc := range []struct {
		name      string
		perHour   float64
		aht       time.Duration
		agents    int
		patience  time.Duration
		reps, per int // replications, customers each
	}{
		{"published 14 agents", 200, 180 * time.Second, 14, 5 * time.Minute, 10, 300_000},
		{"c=50 load 0.9", 900, 180 * time.Second, 50, 360 * time.Second, 20, 500_000},
		{"overloaded c=10 load 1.3", 260, 150 * time.Second, 10, 120 * time.Second, 10, 200_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() {
				t.Skip("statistical validation runs millions of customers")
			}
			cfg := queue.Config{Arrivals: queue.Rate{Freq: tc.perHour, Per: time.Hour}, AHT: tc.aht, Agents: tc.agents, Patience: tc.patience}
			want, err := queue.ErlangA(cfg)
			if err != nil {
				t.Fatal(err)
			}
			m, err := des.Stationary(des.StationaryConfig{ArrivalsPerHour: tc.perHour, AHT: tc.aht, Agents: tc.agents, Patience: tc.patience})
			if err != nil {
				t.Fatal(err)
			}
			e := des.NewEngine(m)
			var pw, pa []float64
			for i := range tc.reps {
				r, err := e.Run(t.Context(), des.Run{Seed: des.RepSeed(42, i), Customers: tc.per, Warmup: 2 * time.Hour})
				if err != nil {
					t.Fatal(err)
				}
				pw = append(pw, r.Stats.PWait())
				pa = append(pa, r.Stats.PAbandon())
			}
			for _, x := range []struct {
				name  string
				got   []float64
				exact float64
			}{{"P(wait)", pw, want.PWait}, {"P(abandon)", pa, want.PAbandon}} {
				mean, sd := stat.MeanStdDev(x.got, nil)
				se := sd / math.Sqrt(float64(len(x.got)))
				if se > 0.01*x.exact {
					t.Errorf("%s: standard error %.3g is above 1 %% of %.4g; run more customers", x.name, se, x.exact)
				}
				if d := math.Abs(mean - x.exact); d > 4*se {
					t.Errorf("%s = %.5f ± %.5f (SE); want Erlang A's %.5f within 4 SE (off by %.1f SE)", x.name, mean, se, x.exact, d/se)
				}
			}
		})
	}
}

// traceHash runs a model and hashes its whole event trace.
func traceHash(t *testing.T, m *des.Model, run des.Run) (uint64, *des.Result) {
	t.Helper()
	h := fnv.New64a()
	run.Trace = func(ev des.Event) {
		fmt.Fprintf(h, "%.9f %d %d %d\n", ev.T, ev.Kind, ev.Customer, ev.Agent)
	}
	r, err := des.NewEngine(m).Run(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	return h.Sum64(), r
}

func TestEngine_SameSeedSameTrace(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	a, ra := traceHash(t, m, des.Run{Seed: 11})
	b, rb := traceHash(t, m, des.Run{Seed: 11})
	if a != b || ra.Refund != rb.Refund || ra.Events != rb.Events {
		t.Errorf("seed 11 twice: traces %x and %x, refunds %v and %v; want identical", a, b, ra.Refund, rb.Refund)
	}
	c, _ := traceHash(t, m, des.Run{Seed: 12})
	if c == a {
		t.Errorf("seeds 11 and 12 gave the same trace %x", a)
	}
	// An engine reused for a second run leaves nothing behind.
	e := des.NewEngine(m)
	if _, err := e.Run(t.Context(), des.Run{Seed: 99}); err != nil {
		t.Fatal(err)
	}
	h := fnv.New64a()
	r, err := e.Run(t.Context(), des.Run{Seed: 11, Trace: func(ev des.Event) {
		fmt.Fprintf(h, "%.9f %d %d %d\n", ev.T, ev.Kind, ev.Customer, ev.Agent)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if h.Sum64() != a || r.Refund != ra.Refund {
		t.Errorf("a reused engine gave trace %x; want %x", h.Sum64(), a)
	}
}

// Common random numbers: the same seed at two staffing levels brings the
// same customers at the same instants.
func TestEngine_CommonRandomNumbers(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	s := m.Scenario()
	arrivals := func(level int) []float64 {
		var ts []float64
		_, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 5, Staffing: s.Staffing.Scaled(level), Trace: func(ev des.Event) {
			if ev.Kind == des.EvArrive {
				ts = append(ts, ev.T)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	lo, hi := arrivals(3), arrivals(30)
	if len(lo) != len(hi) || len(lo) == 0 {
		t.Fatalf("levels 3 and 30 saw %d and %d arrivals; want the same", len(lo), len(hi))
	}
	for i := range lo {
		if lo[i] != hi[i] {
			t.Fatalf("arrival %d at %v at level 3 and %v at level 30", i, lo[i], hi[i])
		}
	}
}

// More agents never make abandonment worse on the same customers by much;
// over a wide span of levels they make it clearly better.
func TestEngine_StaffingMatters(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	s := m.Scenario()
	run := func(level int) *des.Result {
		r, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 3, Staffing: s.Staffing.Scaled(level)})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	few, many := run(2), run(40)
	if !(few.KPIs["abandon_rate"] > many.KPIs["abandon_rate"]) || !(few.KPIs["first_response_avg_s"] > many.KPIs["first_response_avg_s"]) {
		t.Errorf("2 agents: abandon %.4f, first response %.1f s; 40 agents: %.4f, %.1f s; want 2 agents worse on both",
			few.KPIs["abandon_rate"], few.KPIs["first_response_avg_s"], many.KPIs["abandon_rate"], many.KPIs["first_response_avg_s"])
	}
	if few.Refund < many.Refund {
		t.Errorf("refund %v at 2 agents below %v at 40", few.Refund, many.Refund)
	}
}

// The number of arrivals of a scenario is Poisson with the integrated
// rate as its mean: over independent seeds the mean count lies within 4
// standard errors of the exact expectation.
func TestEngine_ArrivalsMatchTheRate(t *testing.T) {
	m := scenarioModel(t, "double11")
	s := m.Scenario()
	want := s.ArrivalRate().Expected(s.StartTime(), s.EndTime())
	const reps = 20
	var sum float64
	e := des.NewEngine(m)
	for i := range reps {
		r, err := e.Run(t.Context(), des.Run{Seed: des.RepSeed(1, i)})
		if err != nil {
			t.Fatal(err)
		}
		sum += float64(r.Stats.Customers)
	}
	mean := sum / reps
	se := math.Sqrt(want / reps) // Poisson: variance = mean
	if math.Abs(mean-want) > 4*se {
		t.Errorf("mean arrivals %.1f; want %.1f within 4 SE (%.1f)", mean, want, 4*se)
	}
}

// The contact mix is sampled with its shares: pre-sales questions make up
// their share of arrivals within 4 standard errors.
func TestEngine_MixShares(t *testing.T) {
	m := scenarioModel(t, "steady-day")
	s := m.Scenario()
	want := s.ContactMix.Share("presales_question")
	var n, presales int
	for i := range 10 {
		r, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: des.RepSeed(9, i)})
		if err != nil {
			t.Fatal(err)
		}
		n += r.Stats.Customers
		presales += int(math.Round(float64(r.Stats.Customers) * presalesShare(r)))
	}
	got := float64(presales) / float64(n)
	se := math.Sqrt(want * (1 - want) / float64(n))
	if math.Abs(got-want) > 4*se {
		t.Errorf("pre-sales share %.4f; want %.4f within 4 SE (%.4f)", got, want, 4*se)
	}
}

func presalesShare(r *des.Result) float64 { return r.PresalesShare() }

package sim_test

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
	_ "time/tzdata" // the daylight-saving cases load America/New_York

	"github.com/deskdrill/deskdrill/sim"
)

var cst = time.FixedZone("CST", 8*3600)

func flat() []float64 {
	s := make([]float64, 24)
	for i := range s {
		s[i] = 1
	}
	return s
}

func oneHot(h int) []float64 {
	s := make([]float64, 24)
	s[h] = 1
	return s
}

func at(loc *time.Location, day, h, m int) time.Time {
	return time.Date(2026, 11, day, h, m, 0, 0, loc)
}

func surge(name string, from, to sim.LocalTime, mult float64, mix sim.ContactMix) sim.Surge {
	return sim.Surge{Name: name, Start: from, End: to, Multiplier: mult, Mix: mix}
}

// rateScenario is a scenario with only what the arrival rate reads.
func rateScenario(loc *time.Location, base float64, shape []float64, surges ...sim.Surge) *sim.Scenario {
	return &sim.Scenario{
		Location: loc,
		Start:    sim.Date(2026, 11, 11, 0, 0),
		Duration: 24 * time.Hour,
		Arrivals: sim.Arrivals{BasePerHour: &base, HourShape: shape, Surges: surges},
	}
}

func TestArrivalRate_Expected(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	kolkata, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Fatal(err)
	}
	d := sim.Date
	tests := []struct {
		name     string
		s        *sim.Scenario
		from, to time.Time
		want     float64
	}{
		{"flat day", rateScenario(cst, 10, flat()), at(cst, 11, 0, 0), at(cst, 12, 0, 0), 240},
		{"partial hours", rateScenario(cst, 10, flat()), at(cst, 11, 0, 30), at(cst, 11, 2, 15), 17.5},
		{"empty interval", rateScenario(cst, 10, flat()), at(cst, 11, 5, 0), at(cst, 11, 5, 0), 0},
		{"backwards interval", rateScenario(cst, 10, flat()), at(cst, 11, 6, 0), at(cst, 11, 5, 0), 0},
		{"shape keeps the daily total", rateScenario(cst, 10, oneHot(3)), at(cst, 11, 0, 0), at(cst, 12, 0, 0), 240},
		{"one-hot hour, half of it", rateScenario(cst, 10, oneHot(3)), at(cst, 11, 3, 30), at(cst, 11, 4, 0), 120},
		{"one-hot hour, outside it", rateScenario(cst, 10, oneHot(3)), at(cst, 11, 4, 0), at(cst, 11, 23, 0), 0},
		{"default shape, two days", rateScenario(cst, 10, sim.DefaultHourShape()), at(cst, 11, 0, 0), at(cst, 13, 0, 0), 480},
		{
			"surge adds (mult-1) x its hour",
			rateScenario(cst, 10, flat(), surge("s", d(2026, 11, 11, 10, 0), d(2026, 11, 11, 11, 0), 3, nil)),
			at(cst, 11, 0, 0), at(cst, 12, 0, 0), 260,
		},
		{
			"surge edges inside an hour",
			rateScenario(cst, 10, flat(), surge("s", d(2026, 11, 11, 10, 20), d(2026, 11, 11, 10, 50), 2, nil)),
			at(cst, 11, 0, 0), at(cst, 12, 0, 0), 245,
		},
		{
			"overlapping surges multiply",
			rateScenario(cst, 10, flat(),
				surge("a", d(2026, 11, 11, 10, 0), d(2026, 11, 11, 12, 0), 2, nil),
				surge("b", d(2026, 11, 11, 11, 0), d(2026, 11, 11, 13, 0), 3, nil)),
			at(cst, 11, 0, 0), at(cst, 12, 0, 0), 240 - 30 + 20 + 60 + 30,
		},
		{
			"surge reaching past the interval counts only inside",
			rateScenario(cst, 10, flat(), surge("s", d(2026, 11, 10, 22, 0), d(2026, 11, 11, 2, 0), 2, nil)),
			at(cst, 11, 0, 0), at(cst, 11, 4, 0), 40 + 20,
		},
		{"daylight saving starts: 23 hours", rateScenario(ny, 10, flat()),
			time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), 230},
		{"daylight saving starts: 02:00 does not exist", rateScenario(ny, 10, oneHot(2)),
			time.Date(2026, 3, 8, 0, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 0, 0, 0, ny), 0},
		{"daylight saving ends: 25 hours", rateScenario(ny, 10, flat()),
			time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 2, 0, 0, 0, 0, ny), 250},
		{"daylight saving ends: 01:00 happens twice", rateScenario(ny, 10, oneHot(1)),
			time.Date(2026, 11, 1, 0, 0, 0, 0, ny), time.Date(2026, 11, 2, 0, 0, 0, 0, ny), 480},
		{"half-hour zone: local hours", rateScenario(kolkata, 10, oneHot(0)),
			time.Date(2026, 11, 11, 0, 0, 0, 0, kolkata), time.Date(2026, 11, 11, 1, 0, 0, 0, kolkata), 240},
		{"derived base: orders x contacts / 24", func() *sim.Scenario {
			s := rateScenario(cst, 0, flat())
			s.Arrivals.BasePerHour = nil
			s.Store = sim.Store{PaidOrdersPerDay: 12000, ContactsPerOrder: 0.15}
			return s
		}(), at(cst, 11, 0, 0), at(cst, 12, 0, 0), 1800},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.ArrivalRate().Expected(tt.from, tt.to)
			if math.Abs(got-tt.want) > 1e-9*math.Max(1, tt.want) {
				t.Errorf("Expected = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestArrivalRate_Rate(t *testing.T) {
	shape := flat()
	shape[21] = 2.5 // sum 25.5, mean 1.0625
	d := sim.Date
	s := rateScenario(cst, 17, shape,
		surge("a", d(2026, 11, 11, 21, 0), d(2026, 11, 11, 22, 0), 2, nil),
		surge("b", d(2026, 11, 11, 21, 30), d(2026, 11, 11, 23, 0), 3, nil))
	a := s.ArrivalRate()
	tests := []struct {
		t    time.Time
		want float64
	}{
		{at(cst, 11, 3, 0), 16},
		{at(cst, 11, 20, 59), 16},
		{at(cst, 11, 21, 0), 40 * 2},
		{at(cst, 11, 21, 30), 40 * 2 * 3},
		{at(cst, 11, 22, 0), 16 * 3},
		{at(cst, 11, 23, 0), 16},
		{at(time.UTC, 11, 13, 15), 40 * 2}, // 21:15 in the scenario's zone
	}
	for _, tt := range tests {
		if got := a.Rate(tt.t); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Rate(%v) = %v; want %v", tt.t, got, tt.want)
		}
	}
	if got := a.Max(at(cst, 11, 0, 0), at(cst, 12, 0, 0)); math.Abs(got-240) > 1e-9 {
		t.Errorf("Max over the day = %v; want 240", got)
	}
	if got := a.Max(at(cst, 11, 0, 0), at(cst, 11, 21, 0)); math.Abs(got-16) > 1e-9 {
		t.Errorf("Max before 21:00 = %v; want 16", got)
	}
}

func TestArrivalRate_PeakHour(t *testing.T) {
	d := sim.Date
	tests := []struct {
		name      string
		s         *sim.Scenario
		from, to  time.Time
		wantStart time.Time
		wantCount float64
	}{
		{"default shape peaks at 21:00", rateScenario(cst, 75, sim.DefaultHourShape()),
			at(cst, 11, 0, 0), at(cst, 12, 0, 0), at(cst, 11, 21, 0), 75 * 1.65 / (21.87 / 24)},
		{"a surge inside an hour", rateScenario(cst, 10, flat(), surge("s", d(2026, 11, 11, 4, 30), d(2026, 11, 11, 4, 45), 9, nil)),
			at(cst, 11, 0, 0), at(cst, 12, 0, 0), at(cst, 11, 4, 0), 10 + 8*2.5},
		{"a partial first hour counts its part", rateScenario(cst, 10, flat()),
			at(cst, 11, 7, 40), at(cst, 11, 9, 0), at(cst, 11, 8, 0), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start, count := tt.s.ArrivalRate().PeakHour(tt.from, tt.to)
			if !start.Equal(tt.wantStart) || math.Abs(count-tt.wantCount) > 1e-9 {
				t.Errorf("PeakHour = %v, %v; want %v, %v", start, count, tt.wantStart, tt.wantCount)
			}
		})
	}
}

func TestArrivalRate_Mix(t *testing.T) {
	d := sim.Date
	base := sim.ContactMix{sim.CasePresalesQuestion: 1}
	first := sim.ContactMix{sim.CaseNoReasonReturn: 1}
	second := sim.ContactMix{sim.CaseQualityDefect: 1}
	s := rateScenario(cst, 10, flat(),
		surge("first", d(2026, 11, 11, 10, 0), d(2026, 11, 11, 14, 0), 2, first),
		surge("second", d(2026, 11, 11, 12, 0), d(2026, 11, 11, 13, 0), 2, second),
		surge("no-mix", d(2026, 11, 11, 12, 30), d(2026, 11, 11, 15, 0), 2, nil))
	s.ContactMix = base
	a := s.ArrivalRate()
	tests := []struct {
		t    time.Time
		want string
	}{
		{at(cst, 11, 9, 0), sim.CasePresalesQuestion},
		{at(cst, 11, 10, 0), sim.CaseNoReasonReturn},
		{at(cst, 11, 12, 0), sim.CaseQualityDefect},  // the last-listed active surge with a mix
		{at(cst, 11, 12, 45), sim.CaseQualityDefect}, // a surge without a mix changes nothing
		{at(cst, 11, 13, 0), sim.CaseNoReasonReturn},
		{at(cst, 11, 14, 30), sim.CasePresalesQuestion},
	}
	for _, tt := range tests {
		if got := a.Mix(tt.t); got[tt.want] != 1 || len(got) != 1 {
			t.Errorf("Mix(%v) = %v; want only %s", tt.t.Format("15:04"), got, tt.want)
		}
	}
}

func TestArrivalRate_NextArrival(t *testing.T) {
	// A day with the default shape and a 3× surge from 20:00 to 22:00:
	// counts per window agree with the exact integral of λ within 4
	// standard deviations of a Poisson count (sd = √mean), summed over
	// 20 days drawn from one seed.
	s := rateScenario(cst, 200, sim.DefaultHourShape(),
		surge("evening", sim.Date(2026, 11, 11, 20, 0), sim.Date(2026, 11, 11, 22, 0), 3, nil))
	a := s.ArrivalRate()
	from := s.StartTime()
	to := from.Add(24 * time.Hour)
	r := rand.New(rand.NewPCG(7, 8))
	surgeFrom, surgeTo := from.Add(20*time.Hour), from.Add(22*time.Hour)
	const days = 20
	total, surge := 0, 0
	for range days {
		for at, ok := a.NextArrival(from, to, r); ok; at, ok = a.NextArrival(at, to, r) {
			if at.Before(from) || !at.Before(to) {
				t.Fatalf("arrival %v outside [%v, %v)", at, from, to)
			}
			total++
			if !at.Before(surgeFrom) && at.Before(surgeTo) {
				surge++
			}
		}
	}
	for _, c := range []struct {
		name string
		got  int
		want float64
	}{
		{"day", total, days * a.Expected(from, to)},
		{"surge", surge, days * a.Expected(surgeFrom, surgeTo)},
	} {
		if d := math.Abs(float64(c.got) - c.want); d > 4*math.Sqrt(c.want) {
			t.Errorf("%s: %d arrivals; want %.0f ± %.0f (4 sd)", c.name, c.got, c.want, 4*math.Sqrt(c.want))
		}
	}
	if _, ok := a.NextArrival(to, to, r); ok {
		t.Error("an arrival in an empty window")
	}
}

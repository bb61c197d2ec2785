package sim

import (
	"math/rand/v2"
	"time"
)

// ArrivalRate is the arrival-rate function λ(t) of a scenario, in contacts
// per hour:
//
//	λ(t) = base × shape[h(t)] ÷ mean(shape) × Π multiplier of the surges active at t
//
// where h(t) is the local hour of t in the scenario's time zone and a surge
// is active on [start, end). λ is piecewise constant: it changes only at
// local hour boundaries, zone offset changes and surge edges, so its
// integral is exact ([ArrivalRate.Expected]) and its maximum over an
// interval is a thinning bound ([ArrivalRate.Max]).
//
// An ArrivalRate is immutable and safe for concurrent use.
type ArrivalRate struct {
	base   float64
	shape  [24]float64 // divided by its mean
	loc    *time.Location
	surges []surgeWindow
	mix    ContactMix
}

type surgeWindow struct {
	from, to time.Time
	mult     float64
	mix      ContactMix
}

// ArrivalRate returns the scenario's arrival-rate function. s should be
// valid; a shape that is not 24 non-negative weights with a positive sum
// gives rate 0.
func (s *Scenario) ArrivalRate() *ArrivalRate {
	a := &ArrivalRate{base: s.BasePerHour(), loc: s.loc(), mix: s.ContactMix}
	if len(s.Arrivals.HourShape) == 24 {
		sum := 0.0
		for _, w := range s.Arrivals.HourShape {
			sum += w
		}
		if sum > 0 {
			for h, w := range s.Arrivals.HourShape {
				a.shape[h] = w / (sum / 24)
			}
		}
	}
	for _, g := range s.Arrivals.Surges {
		from, to := g.Window(a.loc)
		if to.After(from) {
			a.surges = append(a.surges, surgeWindow{from, to, g.Multiplier, g.Mix})
		}
	}
	return a
}

// Rate returns λ(t) in contacts per hour.
func (a *ArrivalRate) Rate(t time.Time) float64 {
	r := a.base * a.shape[t.In(a.loc).Hour()]
	for _, g := range a.surges {
		if !t.Before(g.from) && t.Before(g.to) {
			r *= g.mult
		}
	}
	return r
}

// next returns the first instant after t, and at most to, where λ may
// change.
func (a *ArrivalRate) next(t, to time.Time) time.Time {
	local := t.In(a.loc)
	into := time.Duration(local.Minute())*time.Minute + time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	n := t.Add(time.Hour - into)
	// A zone change (daylight saving) moves the local hour without the wall
	// clock passing :00.
	if _, end := local.ZoneBounds(); !end.IsZero() && end.After(t) && end.Before(n) {
		n = end
	}
	for _, g := range a.surges {
		if g.from.After(t) && g.from.Before(n) {
			n = g.from
		}
		if g.to.After(t) && g.to.Before(n) {
			n = g.to
		}
	}
	if to.Before(n) {
		n = to
	}
	return n
}

// Expected returns the expected number of arrivals in [from, to): the exact
// integral of λ over it.
func (a *ArrivalRate) Expected(from, to time.Time) float64 {
	sum := 0.0
	for t := from; t.Before(to); {
		n := a.next(t, to)
		sum += a.Rate(t) * n.Sub(t).Hours()
		t = n
	}
	return sum
}

// Max returns the largest λ on [from, to), the bound a thinning sampler
// draws candidates at.
func (a *ArrivalRate) Max(from, to time.Time) float64 {
	m := 0.0
	for t := from; t.Before(to); t = a.next(t, to) {
		m = max(m, a.Rate(t))
	}
	return m
}

// PeakHour returns the local clock hour within [from, to) with the most
// expected arrivals: its start (from itself when the first hour is
// partial) and its expected count. The first and last hours count only
// their part inside [from, to).
func (a *ArrivalRate) PeakHour(from, to time.Time) (start time.Time, count float64) {
	start = from
	for t := from; t.Before(to); {
		local := t.In(a.loc)
		into := time.Duration(local.Minute())*time.Minute + time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
		end := t.Add(time.Hour - into)
		if to.Before(end) {
			end = to
		}
		if c := a.Expected(t, end); c > count {
			start, count = t, c
		}
		t = end
	}
	return start, count
}

// Mix returns the contact mix in force at t: the mix of the last-listed
// active surge that has one, else the scenario's.
func (a *ArrivalRate) Mix(t time.Time) ContactMix {
	m := a.mix
	for _, g := range a.surges {
		if g.mix != nil && !t.Before(g.from) && t.Before(g.to) {
			m = g.mix
		}
	}
	return m
}

// RatePiece is a stretch [From, To) on which λ is constant, with the
// contact mix in force on it.
type RatePiece struct {
	From, To time.Time
	PerHour  float64
	Mix      ContactMix
}

// Pieces splits [from, to) where λ or the mix may change. Sampling each
// piece as a homogeneous Poisson process samples the whole process exactly.
func (a *ArrivalRate) Pieces(from, to time.Time) []RatePiece {
	var out []RatePiece
	for t := from; t.Before(to); {
		n := a.next(t, to)
		out = append(out, RatePiece{From: t, To: n, PerHour: a.Rate(t), Mix: a.Mix(t)})
		t = n
	}
	return out
}

// NextArrival returns the first arrival after t of the non-homogeneous
// Poisson process with rate λ, sampled exactly: λ is constant between the
// instants next returns, and an exponential gap that overshoots its piece
// is simply redrawn from the piece's end (the process is memoryless). ok
// is false when no arrival comes before to. The live customers use it;
// the engine samples whole pieces at once from the same rate.
func (a *ArrivalRate) NextArrival(t, to time.Time, r *rand.Rand) (next time.Time, ok bool) {
	for t.Before(to) {
		end := a.next(t, to)
		if lambda := a.Rate(t); lambda > 0 {
			gap := time.Duration(r.ExpFloat64() / lambda * float64(time.Hour))
			if at := t.Add(gap); at.Before(end) {
				return at, true
			}
		}
		t = end
	}
	return time.Time{}, false
}

package sim

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Sampler draws durations, in seconds, from a Dist with a caller's seeded
// source. Exponential and lognormal are the hot ones and are drawn inline;
// gamma and Weibull go through gonum's distuv with the caller's source.
// The discrete-event engine and the live customers share it, so a
// persona's patience is the same distribution in both clocks.
type Sampler struct {
	kind     DistKind
	mean     float64
	mu, sig  float64 // lognormal
	shape    float64 // gamma alpha, Weibull k
	scale    float64 // gamma beta (rate), Weibull lambda
	min, max float64 // clamp; max 0 = none
	inf      bool    // never fires (no patience)
}

// NewSampler prepares d for drawing.
func NewSampler(d Dist) Sampler {
	s := Sampler{kind: d.Kind, mean: d.Mean.Seconds(), min: d.Min.Seconds(), max: d.Max.Seconds()}
	switch d.Kind {
	case DistLognormal:
		s.sig = math.Sqrt(math.Log1p(d.CV * d.CV))
		s.mu = math.Log(s.mean) - s.sig*s.sig/2
	case DistGamma:
		s.shape = 1 / (d.CV * d.CV)
		s.scale = s.shape / s.mean
	case DistWeibull:
		s.shape = weibullShape(d.CV)
		s.scale = s.mean / math.Gamma(1+1/s.shape)
	case DistUniform:
		s.mean = (s.min + s.max) / 2
	}
	return s
}

// weibullShape solves Γ(1+2/k) ÷ Γ(1+1/k)² − 1 = cv² for k by bisection
// on log k: the CV falls monotonically as k grows.
func weibullShape(cv float64) float64 {
	f := func(k float64) float64 {
		g1 := math.Gamma(1 + 1/k)
		return math.Gamma(1+2/k)/(g1*g1) - 1 - cv*cv
	}
	lo, hi := math.Log(0.1), math.Log(100.0)
	for range 100 {
		mid := (lo + hi) / 2
		if f(math.Exp(mid)) > 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return math.Exp((lo + hi) / 2)
}

// Draw returns one duration in seconds; +Inf for a distribution that
// never fires (no patience).
func (s *Sampler) Draw(r *rand.Rand) float64 {
	var x float64
	switch s.kind {
	case DistConstant:
		x = s.mean
	case DistExponential:
		x = r.ExpFloat64() * s.mean
	case DistLognormal:
		x = math.Exp(s.mu + s.sig*r.NormFloat64())
	case DistGamma:
		x = distuv.Gamma{Alpha: s.shape, Beta: s.scale, Src: r}.Rand()
	case DistWeibull:
		x = distuv.Weibull{K: s.shape, Lambda: s.scale, Src: r}.Rand()
	case DistUniform:
		return s.min + r.Float64()*(s.max-s.min)
	default:
		return math.Inf(1)
	}
	if x < s.min {
		x = s.min
	}
	if s.max > 0 && x > s.max {
		x = s.max
	}
	return x
}

// Poisson draws a Poisson count with mean m through gonum.
func Poisson(r *rand.Rand, m float64) int {
	if m <= 0 {
		return 0
	}
	return int(distuv.Poisson{Lambda: m, Src: r}.Rand())
}

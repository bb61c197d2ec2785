package des

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deskdrill/deskdrill/sim"
)

// sampler draws durations, in seconds, from a sim.Dist. Exponential and
// lognormal are the hot ones and are drawn inline; gamma and Weibull go
// through gonum's distuv with the engine's source.
type sampler struct {
	kind     sim.DistKind
	mean     float64
	mu, sig  float64 // lognormal
	shape    float64 // gamma alpha, Weibull k
	scale    float64 // gamma beta (rate), Weibull lambda
	min, max float64 // clamp; max 0 = none
	inf      bool    // never fires (no patience)
}

func newSampler(d sim.Dist) sampler {
	s := sampler{kind: d.Kind, mean: d.Mean.Seconds(), min: d.Min.Seconds(), max: d.Max.Seconds()}
	switch d.Kind {
	case sim.DistLognormal:
		s.sig = math.Sqrt(math.Log1p(d.CV * d.CV))
		s.mu = math.Log(s.mean) - s.sig*s.sig/2
	case sim.DistGamma:
		s.shape = 1 / (d.CV * d.CV)
		s.scale = s.shape / s.mean
	case sim.DistWeibull:
		s.shape = weibullShape(d.CV)
		s.scale = s.mean / math.Gamma(1+1/s.shape)
	case sim.DistUniform:
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

func (s *sampler) draw(r *rand.Rand) float64 {
	var x float64
	switch s.kind {
	case sim.DistConstant:
		x = s.mean
	case sim.DistExponential:
		x = r.ExpFloat64() * s.mean
	case sim.DistLognormal:
		x = math.Exp(s.mu + s.sig*r.NormFloat64())
	case sim.DistGamma:
		x = distuv.Gamma{Alpha: s.shape, Beta: s.scale, Src: r}.Rand()
	case sim.DistWeibull:
		x = distuv.Weibull{K: s.shape, Lambda: s.scale, Src: r}.Rand()
	case sim.DistUniform:
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

// poisson draws a Poisson count with mean m through gonum.
func poisson(r *rand.Rand, m float64) int {
	if m <= 0 {
		return 0
	}
	return int(distuv.Poisson{Lambda: m, Src: r}.Rand())
}

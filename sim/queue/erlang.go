package queue

import (
	"errors"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mathext"
)

// ErrUnstable is returned by Erlang C when the offered load reaches the
// number of agents: without abandonment the queue has no steady state.
var ErrUnstable = errors.New("erlang C undefined: offered load ≥ agents, the queue grows without bound")

// Rate is a number of events per a period: {200, time.Hour} is 200/h.
type Rate struct {
	Freq float64
	Per  time.Duration
}

// PerSecond returns the rate per second.
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 {
		return 0
	}
	return r.Freq / r.Per.Seconds()
}

func (r Rate) String() string { return fmt.Sprintf("%g/%s", r.Freq, r.Per) }

// Config is one stationary queue.
type Config struct {
	Arrivals Rate
	AHT      time.Duration // mean handle time
	Agents   int
	// Patience is the mean time a contact waits before abandoning
	// (exponential). Zero means contacts never abandon: Erlang C.
	Patience time.Duration
	// Target is the service-level threshold T.
	Target time.Duration
}

// Result is what the formulas say about a Config.
type Result struct {
	Agents       int
	Load         float64 // offered load a = λ·AHT, Erlangs
	PWait        float64
	ASA          time.Duration // mean wait of answered contacts
	ServiceLevel float64       // answered within Target ÷ offered
	PAbandon     float64
	Occupancy    float64
}

func (c Config) check() error {
	switch {
	case !(c.Arrivals.PerSecond() > 0) || math.IsInf(c.Arrivals.PerSecond(), 0):
		return fmt.Errorf("arrival rate %v: must be above zero", c.Arrivals)
	case c.AHT <= 0:
		return fmt.Errorf("handle time %v: must be above zero", c.AHT)
	case c.Agents < 1:
		return fmt.Errorf("agents %d: must be at least 1", c.Agents)
	case c.Patience < 0:
		return fmt.Errorf("patience %v: must not be negative", c.Patience)
	case c.Target < 0:
		return fmt.Errorf("target %v: must not be negative", c.Target)
	}
	return nil
}

// Load returns the offered load in Erlangs.
func (c Config) Load() float64 { return c.Arrivals.PerSecond() * c.AHT.Seconds() }

// ErlangB returns the blocking probability of c servers at load a, by the
// stable recursion B(k) = a·B(k−1) / (k + a·B(k−1)).
func ErlangB(c int, a float64) float64 {
	b := 1.0
	for k := 1; k <= c; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return b
}

// ErlangC evaluates the M/M/c queue. It returns ErrUnstable at load ≥ c.
func ErlangC(cfg Config) (Result, error) {
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	a, c := cfg.Load(), float64(cfg.Agents)
	res := Result{Agents: cfg.Agents, Load: a}
	if a >= c {
		return res, fmt.Errorf("%w (offered %.4g Erlangs on %d agents)", ErrUnstable, a, cfg.Agents)
	}
	b := ErlangB(cfg.Agents, a)
	pw := c * b / (c - a*(1-b))
	mu := 1 / cfg.AHT.Seconds()
	drain := c*mu - cfg.Arrivals.PerSecond() // rate at which a waiting queue empties
	res.PWait = pw
	res.ASA = seconds(pw / drain)
	res.ServiceLevel = 1 - pw*math.Exp(-drain*cfg.Target.Seconds())
	res.Occupancy = a / c
	return res, nil
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// ErlangA evaluates the M/M/c+M queue exactly from its birth–death chain
// (see the package documentation). With zero patience it is Erlang C.
func ErlangA(cfg Config) (Result, error) {
	if cfg.Patience == 0 {
		return ErlangC(cfg)
	}
	if err := cfg.check(); err != nil {
		return Result{}, err
	}
	lambda := cfg.Arrivals.PerSecond()
	mu := 1 / cfg.AHT.Seconds()
	theta := 1 / cfg.Patience.Seconds()
	c := cfg.Agents
	cmu := float64(c) * mu
	pi := stationary(lambda, mu, theta, c)

	var pWait, eQ, busy, sl, waitServed, served float64
	t := cfg.Target.Seconds()
	x := -math.Expm1(-theta * t) // 1 − e^(−θT)
	shape := (cmu + theta) / theta
	var sumInv float64 // Σ_{k=0}^{j} 1/(cμ+(k+1)θ)
	for n, p := range pi {
		if n < c {
			busy += float64(n) * p
			sl += p
			served += p
			continue
		}
		j := n - c // contacts waiting ahead of an arrival that finds n
		busy += float64(c) * p
		pWait += p
		eQ += float64(j) * p
		pServe := cmu / (cmu + float64(j+1)*theta)
		sumInv += 1 / (cmu + float64(j+1)*theta)
		served += p * pServe
		waitServed += p * pServe * sumInv
		if t > 0 {
			sl += p * pServe * mathext.RegIncBeta(float64(j+1), shape, x)
		}
	}
	res := Result{Agents: c, Load: lambda / mu, PWait: pWait, ServiceLevel: sl,
		PAbandon: theta * eQ / lambda, Occupancy: busy / float64(c)}
	if served > 0 {
		res.ASA = seconds(waitServed / served)
	}
	return res, nil
}

// stationary returns π of the M/M/c+M chain, normalised, truncated where
// the remaining tail is below 1e-15. Terms are kept relative to the
// largest seen so far, so no factorial overflows at large c.
func stationary(lambda, mu, theta float64, c int) []float64 {
	logs := []float64{0}
	logP, maxLog := 0.0, 0.0
	for n := 1; ; n++ {
		death := float64(n) * mu
		if n > c {
			death = float64(c)*mu + float64(n-c)*theta
		}
		logP += math.Log(lambda / death)
		logs = append(logs, logP)
		maxLog = math.Max(maxLog, logP)
		// Past the mode the terms fall geometrically; once a term is
		// negligible and still falling, the rest of the tail is too.
		if n > c && lambda < death && logP-maxLog < -40 {
			break
		}
	}
	pi := make([]float64, len(logs))
	var sum float64
	for i, l := range logs {
		pi[i] = math.Exp(l - maxLog)
		sum += pi[i]
	}
	for i := range pi {
		pi[i] /= sum
	}
	return pi
}

// ErlangAClosed returns P(wait) and P(abandon) of M/M/c+M from the closed
// form of Garnett, Mandelbaum and Reiman (2002):
//
//	A(x, y) = x·e^y·y^(−x)·γ(x, y),  E = ErlangB(c, λ/μ)
//	P(wait) = A(cμ/θ, λ/θ)·E / (1 + (A(cμ/θ, λ/θ) − 1)·E)
//	P(abandon | wait) = 1/(ρ·A) + 1 − 1/ρ,  ρ = λ/(cμ)
//
// It exists to cross-check the birth–death sum.
func ErlangAClosed(cfg Config) (pWait, pAbandon float64, err error) {
	if err := cfg.check(); err != nil {
		return 0, 0, err
	}
	if cfg.Patience == 0 {
		return 0, 0, errors.New("closed form needs a patience")
	}
	lambda := cfg.Arrivals.PerSecond()
	mu := 1 / cfg.AHT.Seconds()
	theta := 1 / cfg.Patience.Seconds()
	x, y := float64(cfg.Agents)*mu/theta, lambda/theta
	lg, _ := math.Lgamma(x)
	logA := math.Log(x) + y - x*math.Log(y) + lg + math.Log(mathext.GammaIncReg(x, y))
	A := math.Exp(logA)
	E := ErlangB(cfg.Agents, lambda/mu)
	pWait = A * E / (1 + (A-1)*E)
	rho := lambda / (float64(cfg.Agents) * mu)
	pAbandon = pWait * (1/(rho*A) + 1 - 1/rho)
	return pWait, pAbandon, nil
}

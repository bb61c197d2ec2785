package queue

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Target is what a staffing level must achieve.
type Target struct {
	ServiceLevel float64       // e.g. 0.8: 80 % answered within Within
	Within       time.Duration // e.g. 20 s
	MaxAbandon   float64       // 0 = no limit
	MaxOccupancy float64       // 0 = no limit
	Shrinkage    float64       // share of paid time not on the queue (breaks, training), 0..1
}

// Staffing is the solver's answer.
type Staffing struct {
	Result
	// Scheduled is Agents ÷ (1 − Shrinkage), rounded up: agents to
	// schedule so that Agents are on the queue.
	Scheduled int
}

// ErrNoStaffing is returned when no staffing level up to the search limit
// meets the target.
var ErrNoStaffing = errors.New("no staffing level meets the target")

// Solve returns the fewest agents that meet t for arrivals, handle time
// and patience (zero patience: Erlang C).
func Solve(arrivals Rate, aht, patience time.Duration, t Target) (Staffing, error) {
	switch {
	case t.ServiceLevel < 0 || t.ServiceLevel > 1:
		return Staffing{}, fmt.Errorf("service level %v: want a fraction in [0, 1]", t.ServiceLevel)
	case t.MaxAbandon < 0 || t.MaxAbandon > 1:
		return Staffing{}, fmt.Errorf("max abandon %v: want a fraction in [0, 1]", t.MaxAbandon)
	case t.MaxOccupancy < 0 || t.MaxOccupancy > 1:
		return Staffing{}, fmt.Errorf("max occupancy %v: want a fraction in [0, 1]", t.MaxOccupancy)
	case t.Shrinkage < 0 || t.Shrinkage >= 1:
		return Staffing{}, fmt.Errorf("shrinkage %v: want a fraction in [0, 1)", t.Shrinkage)
	}
	cfg := Config{Arrivals: arrivals, AHT: aht, Patience: patience, Target: t.Within, Agents: 1}
	if err := cfg.check(); err != nil {
		return Staffing{}, err
	}
	a := cfg.Load()
	start := 1
	if patience == 0 {
		start = int(math.Floor(a)) + 1 // Erlang C needs c > a
	}
	limit := start + int(10*a) + 1000
	for c := start; c <= limit; c++ {
		cfg.Agents = c
		r, err := ErlangA(cfg)
		if errors.Is(err, ErrUnstable) {
			continue
		}
		if err != nil {
			return Staffing{}, err
		}
		if r.ServiceLevel < t.ServiceLevel || t.MaxAbandon > 0 && r.PAbandon > t.MaxAbandon ||
			t.MaxOccupancy > 0 && r.Occupancy > t.MaxOccupancy {
			continue
		}
		// A float like 14/0.7 = 20.000000000000004 must not become 21.
		sched := int(math.Ceil(float64(c)/(1-t.Shrinkage) - 1e-9))
		return Staffing{Result: r, Scheduled: sched}, nil
	}
	return Staffing{}, fmt.Errorf("%w up to %d agents", ErrNoStaffing, limit)
}

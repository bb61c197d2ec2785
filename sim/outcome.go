package sim

import (
	"math"
	"time"
)

// Outcome holds the parameters of the outcome model: how waiting,
// resolution correctness and tension turn into a satisfaction rating, a
// platform dispute and a pre-sales purchase. The defaults are invented,
// documented in docs/scenarios.md, and meant to be calibrated against live
// trials.
//
// The inputs are the same for every formula: W, the buyer's total wait for
// valid replies over the conversation; q in [0, 1], the correctness of the
// resolution (1 = it matches the decision table, 0 = wrong or none); T in
// [0, 10], the buyer's tension at the end.
type Outcome struct {
	Satisfaction SatisfactionModel `yaml:"satisfaction"`
	Dispute      DisputeModel      `yaml:"dispute"`
	Rating       RatingModel       `yaml:"rating"`
	Conversion   ConversionModel   `yaml:"conversion"`
}

// SatisfactionModel gives the latent satisfaction
//
//	u = Base − WaitWeight·(1 − e^(−W/WaitScale)) − WrongWeight·(1 − q) − TensionWeight·T/10
//
// and the rating round(u + Noise·z) clamped to 1..5, for a standard normal
// draw z.
type SatisfactionModel struct {
	Base          float64       `yaml:"base"`
	WaitWeight    float64       `yaml:"wait_weight"`
	WaitScale     time.Duration `yaml:"wait_scale"`
	WrongWeight   float64       `yaml:"wrong_weight"`
	TensionWeight float64       `yaml:"tension_weight"`
	Noise         float64       `yaml:"noise"`
}

// DisputeModel gives the probability that an after-sales buyer takes the
// case to the platform and wins, a logistic function
//
//	p = 1 / (1 + e^(−x)),  x = Intercept + Wrong·(1 − q) + Tension·T/10 + Wait·(1 − e^(−W/WaitScale))
//
// Pre-sales conversations never dispute.
type DisputeModel struct {
	Intercept float64       `yaml:"intercept"`
	Wrong     float64       `yaml:"wrong"`
	Tension   float64       `yaml:"tension"`
	Wait      float64       `yaml:"wait"`
	WaitScale time.Duration `yaml:"wait_scale"`
}

// RatingModel says who rates: a finished conversation is rated with the
// persona's rate probability; an abandoned one with that times
// AbandonedFactor, and its rating is at most AbandonedMax ("an abandoned
// buyer rates rarely, and low").
type RatingModel struct {
	AbandonedFactor float64 `yaml:"abandoned_factor"`
	AbandonedMax    int     `yaml:"abandoned_max"`
}

// ConversionModel gives the probability that a pre-sales buyer pays:
//
//	p = Base · e^(−F/Scale) · (q + (1 − q)·WrongFactor)
//
// where F is the wait for the first valid reply: conversion depends on
// speed, and a wrong answer keeps WrongFactor of it.
type ConversionModel struct {
	Base        float64       `yaml:"base"`
	Scale       time.Duration `yaml:"scale"`
	WrongFactor float64       `yaml:"wrong_factor"`
}

// DefaultOutcome returns the outcome model of a scenario that gives none;
// a file's outcome section starts from it.
func DefaultOutcome() *Outcome {
	return &Outcome{
		Satisfaction: SatisfactionModel{
			Base: 5.0, WaitWeight: 2.0, WaitScale: 10 * time.Minute,
			WrongWeight: 2.0, TensionWeight: 1.0, Noise: 0.5,
		},
		Dispute: DisputeModel{
			Intercept: -6.0, Wrong: 3.5, Tension: 2.0, Wait: 1.0, WaitScale: 30 * time.Minute,
		},
		Rating:     RatingModel{AbandonedFactor: 0.2, AbandonedMax: 2},
		Conversion: ConversionModel{Base: 0.45, Scale: 5 * time.Minute, WrongFactor: 0.3},
	}
}

// saturate returns 1 − e^(−w/scale): 0 without waiting, near 1 for waits
// far beyond scale, so one endless wait cannot outweigh everything else.
func saturate(w, scale time.Duration) float64 {
	if w <= 0 || scale <= 0 {
		return 0
	}
	return 1 - math.Exp(-w.Seconds()/scale.Seconds())
}

// Latent returns u, the satisfaction before noise and rounding.
func (m SatisfactionModel) Latent(wait time.Duration, q, tension float64) float64 {
	return m.Base - m.WaitWeight*saturate(wait, m.WaitScale) - m.WrongWeight*(1-q) - m.TensionWeight*tension/MaxTension
}

// Rating returns the 1–5 rating for the latent satisfaction u and a
// standard normal draw z.
func (m SatisfactionModel) Rating(u, z float64) int {
	r := math.Round(u + m.Noise*z)
	return int(math.Max(1, math.Min(5, r)))
}

// Probability returns the chance of a dispute ruled for the buyer.
func (m DisputeModel) Probability(wait time.Duration, q, tension float64) float64 {
	x := m.Intercept + m.Wrong*(1-q) + m.Tension*tension/MaxTension + m.Wait*saturate(wait, m.WaitScale)
	return 1 / (1 + math.Exp(-x))
}

// Probability returns the chance a pre-sales buyer pays after waiting
// first for the first valid reply, with answer correctness q.
func (m ConversionModel) Probability(first time.Duration, q float64) float64 {
	if first < 0 {
		first = 0
	}
	return m.Base * math.Exp(-first.Seconds()/m.Scale.Seconds()) * (q + (1-q)*m.WrongFactor)
}

func (o *Outcome) check(fe *fieldErrors, path string) {
	nonNeg := func(field string, v float64) {
		if !(v >= 0 && v <= 100) {
			fe.add(path+"."+field, "%v: want a weight from 0 to 100", v)
		}
	}
	s := o.Satisfaction
	if !(s.Base >= 1 && s.Base <= 5) {
		fe.add(path+".satisfaction.base", "%v: the rating scale runs from 1 to 5", s.Base)
	}
	nonNeg("satisfaction.wait_weight", s.WaitWeight)
	checkSpan(fe, path+".satisfaction.wait_scale", s.WaitScale)
	nonNeg("satisfaction.wrong_weight", s.WrongWeight)
	nonNeg("satisfaction.tension_weight", s.TensionWeight)
	if !(s.Noise >= 0 && s.Noise <= 5) {
		fe.add(path+".satisfaction.noise", "%v: want a standard deviation from 0 to 5 rating points", s.Noise)
	}
	d := o.Dispute
	if !(d.Intercept >= -30 && d.Intercept <= 30) {
		fe.add(path+".dispute.intercept", "%v: want a log-odds from -30 to 30 (-6 ≈ 0.25 %%)", d.Intercept)
	}
	nonNeg("dispute.wrong", d.Wrong)
	nonNeg("dispute.tension", d.Tension)
	nonNeg("dispute.wait", d.Wait)
	checkSpan(fe, path+".dispute.wait_scale", d.WaitScale)
	r := o.Rating
	checkProbability(fe, path+".rating.abandoned_factor", r.AbandonedFactor)
	if r.AbandonedMax < 1 || r.AbandonedMax > 5 {
		fe.add(path+".rating.abandoned_max", "%d: a rating runs from 1 to 5", r.AbandonedMax)
	}
	c := o.Conversion
	checkProbability(fe, path+".conversion.base", c.Base)
	checkSpan(fe, path+".conversion.scale", c.Scale)
	checkProbability(fe, path+".conversion.wrong_factor", c.WrongFactor)
}

// OutcomeDraws are the random numbers one buyer's outcome consumes: three
// uniforms in [0, 1) and a standard normal. Callers draw them from their
// seeded source when the buyer arrives, so a buyer's outcome does not
// depend on how many draws other buyers made meanwhile (common random
// numbers across staffing levels, and the same buyer in both clocks).
type OutcomeDraws struct {
	Rate, Dispute, Conversion float64
	RatingZ                   float64
}

// Ending is what the buyer did at the end of a conversation, the input of
// Decide.
type Ending struct {
	// Wait is the buyer's total wait for valid replies; FirstReply the wait
	// for the first one, negative when none came.
	Wait, FirstReply time.Duration
	// Q is the correctness of the resolution in [0, 1]; Tension the
	// buyer's tension at the end.
	Q, Tension float64
	// Left: the buyer abandoned before a resolution.
	Left     bool
	Presales bool
}

// Verdict is the outcome of one conversation: the rating (0 = none), a
// purchase of a pre-sales buyer, a dispute ruled for an after-sales buyer.
type Verdict struct {
	Rating    int
	Converted bool
	Dispute   bool
}

// Decide applies the outcome model to one ending of a buyer of persona p.
// Both the discrete-event engine and the live customers call it, so a
// rating or a dispute means the same in a plan and in a live run.
func (o *Outcome) Decide(p *Persona, d OutcomeDraws, e Ending) Verdict {
	var v Verdict
	rateP := p.RateProbability
	if e.Left {
		rateP *= o.Rating.AbandonedFactor
	}
	if d.Rate < rateP {
		v.Rating = o.Satisfaction.Rating(o.Satisfaction.Latent(e.Wait, e.Q, e.Tension), d.RatingZ)
		if e.Left {
			v.Rating = min(v.Rating, o.Rating.AbandonedMax)
		}
	}
	if e.Presales {
		if e.FirstReply >= 0 {
			v.Converted = d.Conversion < o.Conversion.Probability(e.FirstReply, e.Q)
		}
	} else {
		v.Dispute = d.Dispute < o.Dispute.Probability(e.Wait, e.Q, e.Tension)
	}
	return v
}

package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// DistKind names a family of distributions of durations.
type DistKind string

// The distribution families. Lognormal, gamma and Weibull are given by mean
// and coefficient of variation (CV = standard deviation ÷ mean) rather than
// their textbook parameters, so files read in seconds and spreads.
const (
	DistConstant    DistKind = "constant"    // always Mean
	DistExponential DistKind = "exponential" // memoryless; CV is 1
	DistLognormal   DistKind = "lognormal"   // Mean, CV
	DistGamma       DistKind = "gamma"       // Mean, CV (shape 1/CV²)
	DistWeibull     DistKind = "weibull"     // Mean, CV (shape solved from CV)
	DistUniform     DistKind = "uniform"     // on [Min, Max]
)

// DistKinds returns the families in a fixed order.
func DistKinds() []DistKind {
	return []DistKind{DistConstant, DistExponential, DistLognormal, DistGamma, DistWeibull, DistUniform}
}

// Weibull CVs outside this range need shapes too extreme to be useful
// (shape ≈ 0.3 to 50).
const (
	minWeibullCV = 0.03
	maxWeibullCV = 5.0
)

// MaxCV is the largest coefficient of variation a lognormal or gamma
// distribution may have: beyond it nearly every draw is a small fraction of
// the mean and the mean rests on rare huge draws.
const MaxCV = 10.0

// maxDistDuration bounds every duration of a distribution: a draw of more
// than a year is a mistake in the file.
const maxDistDuration = 366 * 24 * time.Hour

// Dist describes a distribution of durations: patience per turn, handle
// times. Draws are clamped to [Min, Max] when those are set (Max 0 means no
// upper clamp); for uniform, Min and Max are its bounds. Sampling lives with
// the engines; this is the specification.
type Dist struct {
	Kind DistKind      `yaml:"kind"`
	Mean time.Duration `yaml:"mean"`
	// CV is the coefficient of variation of lognormal, gamma and Weibull.
	CV  float64       `yaml:"cv"`
	Min time.Duration `yaml:"min"`
	Max time.Duration `yaml:"max"`
}

// Constant returns the distribution that is always d.
func Constant(d time.Duration) Dist { return Dist{Kind: DistConstant, Mean: d} }

// Exponential returns the exponential distribution with mean d.
func Exponential(d time.Duration) Dist { return Dist{Kind: DistExponential, Mean: d} }

// Lognormal returns the lognormal distribution with mean d and the given
// coefficient of variation.
func Lognormal(d time.Duration, cv float64) Dist { return Dist{Kind: DistLognormal, Mean: d, CV: cv} }

// MeanDuration returns the distribution's mean before clamping: Mean, or the
// midpoint for uniform.
func (d Dist) MeanDuration() time.Duration {
	if d.Kind == DistUniform {
		return (d.Min + d.Max) / 2
	}
	return d.Mean
}

// Scale returns d with every duration multiplied by f (f > 0): the same
// shape, a longer or shorter scale.
func (d Dist) Scale(f float64) Dist {
	scale := func(x time.Duration) time.Duration { return time.Duration(math.Round(float64(x) * f)) }
	d.Mean, d.Min, d.Max = scale(d.Mean), scale(d.Min), scale(d.Max)
	return d
}

// String writes d compactly, e.g. "lognormal(mean 3m0s, cv 0.6)".
func (d Dist) String() string {
	var s string
	switch d.Kind {
	case DistUniform:
		return fmt.Sprintf("uniform(%s, %s)", FormatDuration(d.Min), FormatDuration(d.Max))
	case DistLognormal, DistGamma, DistWeibull:
		s = fmt.Sprintf("%s(mean %s, cv %v", d.Kind, FormatDuration(d.Mean), d.CV)
	default:
		s = fmt.Sprintf("%s(mean %s", d.Kind, FormatDuration(d.Mean))
	}
	if d.Min > 0 {
		s += ", min " + FormatDuration(d.Min)
	}
	if d.Max > 0 {
		s += ", max " + FormatDuration(d.Max)
	}
	return s + ")"
}

// check appends d's problems under path.
func (d Dist) check(fe *fieldErrors, path string) {
	if !slices.Contains(DistKinds(), d.Kind) {
		fe.add(fieldPath(path, "kind"), "%q: want one of %v", d.Kind, DistKinds())
		return
	}
	for _, x := range []struct {
		name string
		v    time.Duration
	}{{"mean", d.Mean}, {"min", d.Min}, {"max", d.Max}} {
		switch {
		case x.v < 0:
			fe.add(fieldPath(path, x.name), "%s is negative", FormatDuration(x.v))
		case x.v > maxDistDuration:
			fe.add(fieldPath(path, x.name), "%s is longer than a year", FormatDuration(x.v))
		}
	}
	if d.Kind == DistUniform {
		if d.Mean != 0 {
			fe.add(fieldPath(path, "mean"), "a uniform distribution is given by min and max; leave mean out")
		}
		if d.Max <= d.Min {
			fe.add(fieldPath(path, "max"), "%s: a uniform distribution needs max above min (%s)", FormatDuration(d.Max), FormatDuration(d.Min))
		}
		if d.CV != 0 {
			fe.add(fieldPath(path, "cv"), "does not apply to a uniform distribution")
		}
		return
	}
	if d.Mean <= 0 {
		fe.add(fieldPath(path, "mean"), "is required and must be above zero")
	}
	if d.Max > 0 && d.Max < d.Min {
		fe.add(fieldPath(path, "max"), "%s is below min (%s)", FormatDuration(d.Max), FormatDuration(d.Min))
	}
	if d.Max > 0 && d.Mean > d.Max || d.Min > 0 && d.Mean < d.Min {
		fe.add(fieldPath(path, "mean"), "%s lies outside [min, max]", FormatDuration(d.Mean))
	}
	switch d.Kind {
	case DistConstant:
		if d.CV != 0 {
			fe.add(fieldPath(path, "cv"), "does not apply to a constant")
		}
	case DistExponential:
		if d.CV != 0 && d.CV != 1 {
			fe.add(fieldPath(path, "cv"), "%v: an exponential distribution has cv 1 (leave it out); use lognormal, gamma or weibull for another spread", d.CV)
		}
	case DistLognormal, DistGamma:
		if !(d.CV > 0) || d.CV > MaxCV {
			fe.add(fieldPath(path, "cv"), "%v: want a coefficient of variation above 0 and at most %v", d.CV, MaxCV)
		}
	case DistWeibull:
		if !(d.CV >= minWeibullCV && d.CV <= maxWeibullCV) {
			fe.add(fieldPath(path, "cv"), "%v: a weibull cv must lie in [%v, %v]", d.CV, minWeibullCV, maxWeibullCV)
		}
	}
}

// Validate checks d on its own; errors carry field paths relative to d
// ("mean", "cv").
func (d Dist) Validate() error {
	var fe fieldErrors
	d.check(&fe, "")
	return errors.Join(fe...)
}

package load

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// A Pacer decides when each message is due. It is a pure function of the
// time elapsed since the start and the number of messages sent so far, so
// it can be tested without a clock.
type Pacer interface {
	// Pace returns how long from elapsed the message number sent (counting
	// from 0) is due. A wait of zero or less means it is due now; it was
	// due at elapsed+wait, the time its latency is measured from. stop
	// means there are no more messages.
	Pace(elapsed time.Duration, sent uint64) (wait time.Duration, stop bool)
}

// PacerFunc adapts a function to a Pacer.
type PacerFunc func(elapsed time.Duration, sent uint64) (time.Duration, bool)

// Pace calls f.
func (f PacerFunc) Pace(elapsed time.Duration, sent uint64) (time.Duration, bool) {
	return f(elapsed, sent)
}

// Rate is Freq messages per Per, such as 5000 per second.
type Rate struct {
	Freq int
	Per  time.Duration
}

// PerSecond returns the rate in messages per second.
func (r Rate) PerSecond() float64 {
	if r.Per <= 0 {
		return 0
	}
	return float64(r.Freq) / r.Per.Seconds()
}

// String formats r as ParseRate reads it.
func (r Rate) String() string {
	switch r.Per {
	case time.Second:
		return fmt.Sprintf("%d/s", r.Freq)
	case time.Minute:
		return fmt.Sprintf("%d/m", r.Freq)
	case time.Hour:
		return fmt.Sprintf("%d/h", r.Freq)
	}
	return fmt.Sprintf("%d/%v", r.Freq, r.Per)
}

// ParseRate reads a rate such as "5000/s", "300/m", "100/500ms", "0.5/s"
// or a bare "5000" (per second). A fractional count of up to 6 decimals
// is kept exact by stretching the unit: "2.5/s" is 25 per 10 s.
func ParseRate(s string) (Rate, error) {
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	num = strings.TrimSpace(num)
	whole, frac, _ := strings.Cut(num, ".")
	scale := int64(1)
	for range frac {
		scale *= 10
	}
	n, err := strconv.Atoi(whole + frac)
	if err != nil || n < 1 || len(frac) > 6 || whole == "" || strings.ContainsAny(num, "+-") {
		return Rate{}, fmt.Errorf("rate %q: want a number of messages above 0 (at most 6 decimals) per unit, such as 5000/s or 0.5/s", s)
	}
	r := Rate{Freq: n, Per: time.Second}
	if ok {
		switch per = strings.TrimSpace(per); per {
		case "s":
		case "m":
			r.Per = time.Minute
		case "h":
			r.Per = time.Hour
		default:
			d, err := time.ParseDuration(per)
			if err != nil || d <= 0 {
				return Rate{}, fmt.Errorf("rate %q: the unit %q is not s, m, h or a duration", s, per)
			}
			r.Per = d
		}
	}
	if int64(r.Per) > math.MaxInt64/scale {
		return Rate{}, fmt.Errorf("rate %q: the unit is too long for that many decimals", s)
	}
	r.Per *= time.Duration(scale)
	return r, nil
}

// ConstantPacer sends at a constant Rate until Duration has passed:
// message i is due at i × Per / Freq, and the last one is the last due
// before Duration (so Duration × Freq / Per messages in all). A zero
// Duration never stops.
type ConstantPacer struct {
	Rate     Rate
	Duration time.Duration
}

var _ Pacer = ConstantPacer{}

// Due returns when message i is due: i × Per / Freq.
func (p ConstantPacer) Due(i uint64) time.Duration {
	// Per/Freq may not be a whole number of nanoseconds (3/s); computing
	// i × Per before dividing keeps the schedule exact, and float math
	// avoids overflowing i × Per for long runs.
	return time.Duration(math.Round(float64(i) * float64(p.Rate.Per) / float64(p.Rate.Freq)))
}

// Pace implements Pacer.
func (p ConstantPacer) Pace(elapsed time.Duration, sent uint64) (time.Duration, bool) {
	if p.Rate.Freq <= 0 || p.Rate.Per <= 0 {
		return 0, true
	}
	due := p.Due(sent)
	if p.Duration > 0 && due >= p.Duration {
		return 0, true
	}
	return due - elapsed, false
}

// Total returns how many messages p sends, or 0 when it never stops.
func (p ConstantPacer) Total() uint64 {
	if p.Duration <= 0 || p.Rate.Freq <= 0 || p.Rate.Per <= 0 {
		return 0
	}
	// The smallest i with Due(i) >= Duration.
	n := uint64(math.Ceil(float64(p.Duration) * float64(p.Rate.Freq) / float64(p.Rate.Per)))
	for n > 0 && p.Due(n-1) >= p.Duration {
		n--
	}
	for p.Due(n) < p.Duration {
		n++
	}
	return n
}

package load

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// PerSecond is a rate of messages or arrivals per second. It reads as
// ParseRate does ("2500/s", "300/m", "100/500ms", a bare "2500" per
// second), but may be fractional and zero ("0.5/s", "0/s"): a stage may
// ramp down to nothing.
type PerSecond float64

// ParsePerSecond reads a rate such as "2500/s", "90000/h", "0.5/s",
// "100/500ms" or "0".
func ParsePerSecond(s string) (PerSecond, error) {
	const want = "a rate such as 2500/s, 300/m, 0.5/s or 100/500ms"
	num, per, ok := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || n < 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("rate %q: want %s", s, want)
	}
	d := time.Second
	if ok {
		switch per = strings.TrimSpace(per); per {
		case "s":
		case "m":
			d = time.Minute
		case "h":
			d = time.Hour
		default:
			d, err = time.ParseDuration(per)
			if err != nil || d <= 0 {
				return 0, fmt.Errorf("rate %q: the unit %q is not s, m, h or a duration; want %s", s, per, want)
			}
		}
	}
	r := n / d.Seconds()
	if r > maxPerSecond {
		return 0, fmt.Errorf("rate %q: above %g a second; want %s", s, float64(maxPerSecond), want)
	}
	return PerSecond(r), nil
}

// maxPerSecond bounds a stage's rate: more than a million messages a
// second from one drill is a typo.
const maxPerSecond = 1e6

// UnmarshalText reads a rate as ParsePerSecond does.
func (r *PerSecond) UnmarshalText(b []byte) error {
	v, err := ParsePerSecond(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// UnmarshalJSON reads a number (a summary's) or a string as
// ParsePerSecond does.
func (r *PerSecond) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		return r.UnmarshalText([]byte(s))
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if v < 0 || v > maxPerSecond {
		return fmt.Errorf("rate %v: want 0 to %g a second", v, float64(maxPerSecond))
	}
	*r = PerSecond(v)
	return nil
}

// String writes r as "2500/s".
func (r PerSecond) String() string {
	return strconv.FormatFloat(float64(r), 'g', -1, 64) + "/s"
}

// Stage is one part of a drill's load: for Duration, the rate goes
// linearly from From to Rate (a ramp), or stays (a hold: From equal to
// Rate). From is, unless given, where the stage before ended (0 for the
// first stage), so a list of targets reads as k6's stages; a From that
// differs from it is a step, such as a spike.
type Stage struct {
	Name     string        `json:"name,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	From     PerSecond     `json:"from_per_s"`
	Rate     PerSecond     `json:"rate_per_s"`
}

// Schedule says when each event of an open-model load is due: the n-th
// (counting from 0) at Due(n) from the start, never earlier than the one
// before; ok is false when there is no n-th event.
type Schedule interface {
	Due(n uint64) (due time.Duration, ok bool)
}

// Stages is a Schedule of stages one after another. The count of events
// by time t is the integral Λ(t) of the rate, and event n is due when
// Λ(t) = n: with a constant rate r, at n / r, as ConstantPacer; within a
// ramp from r0 to r1 over D, Λ grows as r0·t + (r1 − r0)·t²/(2D).
type Stages []Stage

var _ Schedule = Stages(nil)

// Check reports the first stage that cannot be run.
func (s Stages) Check() error {
	if len(s) == 0 {
		return errors.New("no stages")
	}
	total := 0.0
	for i, st := range s {
		switch {
		case st.Duration <= 0:
			return fmt.Errorf("stage %d: duration %v: want above zero", i+1, st.Duration)
		case st.From < 0 || st.Rate < 0 || st.From > maxPerSecond || st.Rate > maxPerSecond:
			return fmt.Errorf("stage %d: rates %v to %v: want 0 to %g a second", i+1, st.From, st.Rate, float64(maxPerSecond))
		}
		total += st.count()
	}
	if total <= 0 {
		// Event 0 is due at once wherever the rates are not all zero.
		return errors.New("every rate is 0: the stages send nothing; want at least one rate above 0")
	}
	return nil
}

// count is how many events the stage holds: the area under its rate.
func (st Stage) count() float64 {
	return float64(st.From+st.Rate) / 2 * st.Duration.Seconds()
}

// Duration returns the stages' total duration.
func (s Stages) Duration() time.Duration {
	var d time.Duration
	for _, st := range s {
		d += st.Duration
	}
	return d
}

// Total returns how many events the stages hold: those due before the
// end.
func (s Stages) Total() uint64 {
	area := 0.0
	for _, st := range s {
		area += st.count()
	}
	n := uint64(math.Ceil(area))
	// Float rounding: settle on the first n not due.
	for n > 0 {
		if _, ok := s.Due(n - 1); ok {
			break
		}
		n--
	}
	for {
		if _, ok := s.Due(n); !ok {
			return n
		}
		n++
	}
}

// RateAt returns the intended rate at t from the start (0 after the end).
func (s Stages) RateAt(t time.Duration) PerSecond {
	for _, st := range s {
		if t < st.Duration {
			f := float64(t) / float64(st.Duration)
			return st.From + PerSecond(f)*(st.Rate-st.From)
		}
		t -= st.Duration
	}
	return 0
}

// Due implements Schedule.
func (s Stages) Due(n uint64) (time.Duration, bool) {
	m := float64(n) // events still to place, from the start of the stage
	var start time.Duration
	for _, st := range s {
		if c := st.count(); m < c {
			if t, ok := st.within(m); ok {
				return start + t, true
			}
		} else {
			m -= c
		}
		start += st.Duration
	}
	return 0, false
}

// within returns when, from the stage's start, Λ reaches m (< count).
func (st Stage) within(m float64) (time.Duration, bool) {
	r0, r1, d := float64(st.From), float64(st.Rate), st.Duration.Seconds()
	var t float64
	if k := (r1 - r0) / d; m == 0 {
		t = 0
	} else if k == 0 {
		t = m / r0
	} else {
		// r0·t + k·t²/2 = m, in the form that keeps its precision when k
		// is small or negative.
		disc := r0*r0 + 2*k*m
		if disc < 0 {
			return 0, false
		}
		t = 2 * m / (r0 + math.Sqrt(disc))
	}
	if !(t >= 0) || t >= d {
		return 0, false
	}
	return time.Duration(math.Round(t * float64(time.Second))), true
}

// Shard is the i-th of n equal parts of a load (Index from 0): the events
// n ≡ Index (mod Of) of a schedule, the customers and agents numbered
// likewise. Of 0 or 1 is the whole load.
type Shard struct {
	Index int `json:"index"`
	Of    int `json:"of"`
}

// ParseShard reads "i/n" with 0 ≤ i < n.
func ParseShard(s string) (Shard, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(strings.TrimSpace(a))
	n, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n || n > maxShards {
		return Shard{}, fmt.Errorf("shard %q: want i/n with 0 ≤ i < n ≤ %d, such as 0/4", s, maxShards)
	}
	return Shard{Index: i, Of: n}, nil
}

// maxShards bounds n of a shard: more machines than this is a typo.
const maxShards = 10_000

// String writes s as ParseShard reads it.
func (s Shard) String() string { return fmt.Sprintf("%d/%d", s.Index, s.of()) }

func (s Shard) of() int { return max(s.Of, 1) }

// Whole reports whether s is the whole load.
func (s Shard) Whole() bool { return s.of() == 1 }

// Global returns the number, in the whole load, of the shard's k-th
// event (or customer, or agent).
func (s Shard) Global(k uint64) uint64 { return uint64(s.Index) + k*uint64(s.of()) }

// Count returns how many of total items (numbered from 0) are the
// shard's.
func (s Shard) Count(total int) int {
	n := s.of()
	if s.Index >= total {
		return 0
	}
	return (total - s.Index + n - 1) / n
}

// Part returns the shard's part of sched: its k-th event is event
// Global(k) of sched.
func (s Shard) Part(sched Schedule) Schedule {
	if s.Whole() {
		return sched
	}
	return shardSchedule{s, sched}
}

type shardSchedule struct {
	s     Shard
	sched Schedule
}

func (p shardSchedule) Due(k uint64) (time.Duration, bool) { return p.sched.Due(p.s.Global(k)) }

// SchedulePacer paces by a Schedule: the Pacer of Runner.
type SchedulePacer struct{ Schedule Schedule }

// Pace implements Pacer.
func (p SchedulePacer) Pace(elapsed time.Duration, sent uint64) (time.Duration, bool) {
	due, ok := p.Schedule.Due(sent)
	if !ok {
		return 0, true
	}
	return due - elapsed, false
}

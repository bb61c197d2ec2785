package sim

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// DefaultConcurrency is how many chats an agent holds at most when a
// scenario does not say (DOMAIN.md §4: 3 in normal mode).
const DefaultConcurrency = 3

// maxAgents bounds the agents of an interval and the sweep: more is a
// mistake in the file, not a store.
const maxAgents = 100_000

// Staffing is the team: agents per interval of the day (the same every
// day), the chat concurrency limit, and the levels the planner sweeps.
//
// The intervals are the staffing shape. A planner level N means N agents
// in the peak interval (the one with the most agents) and every other
// interval scaled in proportion ([Staffing.Scaled]).
type Staffing struct {
	// Concurrency is the most chats one agent holds at once.
	Concurrency int             `yaml:"concurrency"`
	Intervals   []StaffInterval `yaml:"intervals"`
	// Sweep is the planner's default levels.
	Sweep Sweep `yaml:"sweep"`
	// Roster holds the shift rules of the planner's rosters; nil means
	// DefaultRosterRules.
	Roster *RosterRules `yaml:"roster"`
}

// StaffInterval is a daily interval [Start, End) with Agents on duty.
// Intervals do not cross midnight: split 22:00–06:00 into 22:00–24:00 and
// 00:00–06:00.
type StaffInterval struct {
	Start  ClockTime `yaml:"start"`
	End    ClockTime `yaml:"end"`
	Agents int       `yaml:"agents"`
}

// Sweep is a range of staffing levels Min, Min+Step, ... up to Max,
// written "min:max:step" ("20:80:5").
type Sweep struct {
	Min, Max, Step int
}

// ParseSweep reads "min:max:step"; "min:max" takes step 1.
func ParseSweep(s string) (Sweep, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	bad := fmt.Errorf("sweep %q: want min:max:step such as 20:80:5 (agents in the peak interval)", s)
	if len(parts) < 2 || len(parts) > 3 {
		return Sweep{}, bad
	}
	var v [3]int
	v[2] = 1
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return Sweep{}, bad
		}
		v[i] = n
	}
	return Sweep{v[0], v[1], v[2]}, nil
}

// String writes w as "min:max:step".
func (w Sweep) String() string { return fmt.Sprintf("%d:%d:%d", w.Min, w.Max, w.Step) }

// IsZero reports whether w is unset.
func (w Sweep) IsZero() bool { return w == Sweep{} }

// UnmarshalText reads "min:max:step".
func (w *Sweep) UnmarshalText(b []byte) error {
	v, err := ParseSweep(string(b))
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// MarshalText writes "min:max:step".
func (w Sweep) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// Levels returns the levels of w in increasing order.
func (w Sweep) Levels() []int {
	if w.Step <= 0 || w.Max < w.Min {
		return nil
	}
	var out []int
	for n := w.Min; n <= w.Max; n += w.Step {
		out = append(out, n)
	}
	return out
}

// RosterRules returns the roster rules: the scenario's, or the defaults.
func (s *Staffing) RosterRules() RosterRules {
	if s.Roster != nil {
		return *s.Roster
	}
	return DefaultRosterRules()
}

// Peak returns the largest number of agents of any interval.
func (s *Staffing) Peak() int {
	peak := 0
	for _, iv := range s.Intervals {
		peak = max(peak, iv.Agents)
	}
	return peak
}

// AgentsAt returns the agents on duty at time of day c.
func (s *Staffing) AgentsAt(c ClockTime) int {
	for _, iv := range s.Intervals {
		if c >= iv.Start && c < iv.End {
			return iv.Agents
		}
	}
	return 0
}

// Scaled returns the intervals for planner level n: n agents in the peak
// interval, each other interval round(n × agents ÷ peak), but at least one
// where the shape has any (an interval never goes unstaffed by rounding).
func (s *Staffing) Scaled(n int) []StaffInterval {
	peak := s.Peak()
	out := make([]StaffInterval, len(s.Intervals))
	for i, iv := range s.Intervals {
		out[i] = iv
		if peak == 0 {
			continue
		}
		a := int(math.Round(float64(n) * float64(iv.Agents) / float64(peak)))
		if iv.Agents > 0 && a < 1 {
			a = 1
		}
		out[i].Agents = a
	}
	return out
}

// defaultSweep spans half to twice the peak in about ten steps.
func defaultSweep(peak int) Sweep {
	// Within the bound of a level: a peak of more than half of it would
	// otherwise derive a sweep the file never wrote and refuse it.
	lo := min(max(1, (peak+1)/2), maxAgents)
	hi := min(max(lo+1, 2*peak), maxAgents)
	step := max(1, int(math.Ceil(float64(hi-lo)/10)))
	return Sweep{Min: lo, Max: min(lo+step*((hi-lo+step-1)/step), maxAgents), Step: step}
}

func (s *Staffing) check(fe *fieldErrors, path string, capacity int) {
	if s.Concurrency < 1 || s.Concurrency > capacity {
		fe.add(path+".concurrency", "%d: want 1 to %d (the agent model's capacity curve has %d values)", s.Concurrency, capacity, capacity)
	}
	if len(s.Intervals) == 0 {
		fe.add(path+".intervals", "at least one interval is required (00:00-24:00 for a flat day)")
	}
	type ref struct {
		i  int
		iv StaffInterval
	}
	valid := make([]ref, 0, len(s.Intervals))
	for i, iv := range s.Intervals {
		p := fmt.Sprintf("%s.intervals[%d]", path, i)
		ok := true
		if iv.Start == MinutesPerDay {
			fe.add(p+".start", "an interval cannot start at 24:00")
			ok = false
		}
		if iv.End <= iv.Start {
			fe.add(p+".end", "%v is not after start (%v): intervals do not cross midnight; split them at 24:00", iv.End, iv.Start)
			ok = false
		}
		if iv.Agents < 0 || iv.Agents > maxAgents {
			fe.add(p+".agents", "%d: want 0 to %d", iv.Agents, maxAgents)
		}
		if ok {
			valid = append(valid, ref{i, iv})
		}
	}
	if len(valid) == len(s.Intervals) && len(valid) > 0 {
		sort.SliceStable(valid, func(a, b int) bool { return valid[a].iv.Start < valid[b].iv.Start })
		edge := ClockTime(0)
		for _, r := range valid {
			p := fmt.Sprintf("%s.intervals[%d]", path, r.i)
			switch {
			case r.iv.Start < edge:
				fe.add(p+".start", "%v overlaps the interval ending at %v", r.iv.Start, edge)
			case r.iv.Start > edge:
				fe.add(p+".start", "%v leaves %v-%v unstaffed: intervals must cover the day without gaps (use agents: 0 for a closed desk)", r.iv.Start, edge, r.iv.Start)
			}
			edge = max(edge, r.iv.End)
		}
		if edge < MinutesPerDay {
			fe.add(fmt.Sprintf("%s.intervals[%d].end", path, valid[len(valid)-1].i), "%v: the intervals must reach 24:00", edge)
		}
	}
	if len(s.Intervals) > 0 && s.Peak() == 0 {
		fe.add(path+".intervals", "every interval has 0 agents: at least one needs agents")
	}
	if err := s.Sweep.Check(); err != nil {
		fe.add(path+".sweep", "%v: %v", s.Sweep, err)
	}
	if s.Roster != nil {
		s.Roster.check(fe, path+".roster")
	}
}

// MaxSweepLevels bounds the levels of a sweep: each is run many times.
const MaxSweepLevels = 1000

// Check reports the first reason w cannot be swept, or nil: the lowest
// level is 1 to 100,000 agents, the highest at least the lowest and at
// most 100,000, the step at least 1, and there are at most
// MaxSweepLevels levels. The error does not repeat w.
func (w Sweep) Check() error {
	switch {
	case w.Min < 1 || w.Min > maxAgents:
		return fmt.Errorf("the lowest level must be 1 to %d agents", maxAgents)
	case w.Max < w.Min || w.Max > maxAgents:
		return fmt.Errorf("max must be at least min and at most %d", maxAgents)
	case w.Step < 1:
		return errors.New("the step must be at least 1")
	case (w.Max-w.Min)/w.Step+1 > MaxSweepLevels:
		return fmt.Errorf("more than %d levels; take a larger step", MaxSweepLevels)
	}
	return nil
}

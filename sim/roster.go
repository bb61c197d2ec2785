package sim

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// RosterRules are the shifts a roster may be built of: a daily pattern of
// shifts, each a length from an allowed start, with breaks, repeated
// every day of a scenario. The planner (deskdrill plan --roster) chooses
// how many agents work each shift.
type RosterRules struct {
	// Shifts are the allowed lengths, start to end, breaks included.
	Shifts []time.Duration `yaml:"shifts"`
	// Starts are the allowed start times; empty allows every whole hour.
	Starts []ClockTime `yaml:"starts"`
	// Breaks are taken by every shift at least as long as their MinShift.
	Breaks []Break `yaml:"breaks"`
	// Shrinkage is the share of paid time an agent is not available to
	// chats for reasons the roster does not show (absence, training,
	// meetings, short breaks): agents on duty = scheduled × (1 − Shrinkage).
	Shrinkage float64 `yaml:"shrinkage"`
}

// Break is a pause in every shift of at least MinShift: Length long,
// starting After into the shift. An unpaid break is not paid agent time.
type Break struct {
	MinShift time.Duration `yaml:"min_shift"`
	After    time.Duration `yaml:"after"`
	Length   time.Duration `yaml:"length"`
	Paid     bool          `yaml:"paid"`
}

// DefaultRosterRules are the rules when a scenario gives none: shifts of
// 4, 8 and 9 hours starting on any hour, the 9-hour shift with an unpaid
// 1-hour meal break after 4 hours (eight hours of work), and 10 %
// shrinkage.
func DefaultRosterRules() RosterRules {
	return RosterRules{
		Shifts:    []time.Duration{4 * time.Hour, 8 * time.Hour, 9 * time.Hour},
		Breaks:    []Break{{MinShift: 9 * time.Hour, After: 4 * time.Hour, Length: time.Hour}},
		Shrinkage: 0.1,
	}
}

// Limits of roster rules.
const (
	// MaxShift is the longest shift: longer is a typo.
	MaxShift = 16 * time.Hour
	// MaxShrinkage leaves at least a tenth of paid time for chats.
	MaxShrinkage = 0.9
	maxShifts    = 24
)

// StartTimes returns the allowed starts: Starts, or every whole hour,
// sorted without duplicates.
func (r *RosterRules) StartTimes() []ClockTime {
	if len(r.Starts) == 0 {
		out := make([]ClockTime, 24)
		for h := range out {
			out[h] = Clock(h, 0)
		}
		return out
	}
	out := slices.Clone(r.Starts)
	slices.Sort(out)
	return slices.Compact(out)
}

// BreaksOf returns the breaks of a shift of length d.
func (r *RosterRules) BreaksOf(d time.Duration) []Break {
	var out []Break
	for _, b := range r.Breaks {
		if d >= b.MinShift {
			out = append(out, b)
		}
	}
	return out
}

// Validate checks the rules. The error joins one *FieldError per problem,
// with paths as in the roster section of a scenario file.
func (r *RosterRules) Validate() error {
	var fe fieldErrors
	r.check(&fe, "")
	return errors.Join(fe...)
}

func (r *RosterRules) check(fe *fieldErrors, path string) {
	if len(r.Shifts) == 0 {
		fe.add(fieldPath(path, "shifts"), "at least one shift length is required, such as [8h]")
	}
	if len(r.Shifts) > maxShifts {
		fe.add(fieldPath(path, "shifts"), "%d lengths: at most %d", len(r.Shifts), maxShifts)
	}
	for i, d := range r.Shifts {
		if d < time.Hour || d > MaxShift || d%time.Minute != 0 {
			fe.add(fieldPath(path, fmt.Sprintf("shifts[%d]", i)), "%s: want whole minutes from 1h to %s", FormatDuration(d), FormatDuration(MaxShift))
		}
	}
	if r.Starts != nil && len(r.Starts) == 0 {
		// An empty list is not "every hour": a list replaces the
		// default's whole, and an empty one allows no shift at all.
		fe.add(fieldPath(path, "starts"), "an empty list allows no shift: leave starts out for every whole hour, or list some, such as [\"08:00\"]")
	}
	for i, s := range r.Starts {
		if s < 0 || s >= MinutesPerDay {
			fe.add(fieldPath(path, fmt.Sprintf("starts[%d]", i)), "%v: want a time of day from 00:00 to 23:59", s)
		}
	}
	for i, b := range r.Breaks {
		p := fieldPath(path, fmt.Sprintf("breaks[%d]", i))
		switch {
		case b.Length <= 0 || b.Length%time.Minute != 0:
			fe.add(p+".length", "%s: want whole minutes above 0, such as 1h", FormatDuration(b.Length))
		case b.After < 0 || b.After%time.Minute != 0:
			fe.add(p+".after", "%s: want whole minutes from 0, such as 4h", FormatDuration(b.After))
		case b.MinShift <= 0:
			fe.add(p+".min_shift", "%s: want the shortest shift that takes the break, such as 9h", FormatDuration(b.MinShift))
		case b.After+b.Length > b.MinShift:
			fe.add(p+".after", "%s + length %s ends after min_shift %s: the break must fall inside every shift that takes it",
				FormatDuration(b.After), FormatDuration(b.Length), FormatDuration(b.MinShift))
		}
	}
	// Two breaks a shift takes may not overlap: its pay would count the
	// time twice and its time on duty once.
	for j, b := range r.Breaks {
		for i, a := range r.Breaks[:j] {
			if a.Length > 0 && b.Length > 0 && a.After < b.After+b.Length && b.After < a.After+a.Length {
				fe.add(fieldPath(path, fmt.Sprintf("breaks[%d]", j)), "after %s for %s overlaps breaks[%d] (after %s for %s) in shifts of %s or more: want breaks one after the other",
					FormatDuration(b.After), FormatDuration(b.Length), i, FormatDuration(a.After), FormatDuration(a.Length), FormatDuration(max(a.MinShift, b.MinShift)))
				break
			}
		}
	}
	for _, d := range r.Shifts {
		var off time.Duration
		for _, b := range r.BreaksOf(d) {
			off += b.Length
		}
		if d > 0 && off >= d {
			fe.add(fieldPath(path, "breaks"), "a %s shift would be all breaks (%s)", FormatDuration(d), FormatDuration(off))
			break
		}
	}
	if !(r.Shrinkage >= 0 && r.Shrinkage <= MaxShrinkage) {
		fe.add(fieldPath(path, "shrinkage"), "%v: want a share from 0 to %v, such as 0.1", r.Shrinkage, MaxShrinkage)
	}
}

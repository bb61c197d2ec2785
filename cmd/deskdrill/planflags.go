package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// The planner's roster and shard flags: lists of shift lengths, start
// times and breaks, and I/N.

// parseShifts reads shift lengths "4h,8h,9h".
func parseShifts(s string) ([]time.Duration, error) {
	const want = "shift lengths from 1h to 16h joined by commas, such as 4h,8h,9h"
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		d, err := scenarios.ParseDuration(strings.TrimSpace(part))
		if err != nil || d < time.Hour || d > sim.MaxShift || d%time.Minute != 0 {
			return nil, &wantError{want: want}
		}
		out = append(out, d)
	}
	if len(out) > 24 {
		return nil, &wantError{reason: "more than 24 lengths", want: want}
	}
	return out, nil
}

func formatShifts(v []time.Duration) string {
	parts := make([]string, len(v))
	for i, d := range v {
		parts[i] = formatDuration(d)
	}
	return strings.Join(parts, ",")
}

// parseStarts reads allowed shift starts "00:00,08:00,16:00".
func parseStarts(s string) ([]sim.ClockTime, error) {
	const want = "times of day from 00:00 to 23:59 joined by commas, such as 00:00,08:00,16:00"
	var out []sim.ClockTime
	for _, part := range strings.Split(s, ",") {
		c, err := sim.ParseClock(strings.TrimSpace(part))
		if err != nil || c >= sim.MinutesPerDay {
			return nil, &wantError{want: want}
		}
		out = append(out, c)
	}
	if len(out) > sim.MinutesPerDay {
		return nil, &wantError{reason: "more starts than minutes in a day", want: want}
	}
	return out, nil
}

func formatStarts(v []sim.ClockTime) string {
	parts := make([]string, len(v))
	for i, c := range v {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// breakList is --break: the roster's breaks, or none; set says whether
// the flag was given.
type breakList struct {
	breaks []sim.Break
	set    bool
}

func (b breakList) String() string {
	if !b.set {
		return ""
	}
	if len(b.breaks) == 0 {
		return "none"
	}
	parts := make([]string, len(b.breaks))
	for i, x := range b.breaks {
		parts[i] = formatDuration(x.MinShift) + ":" + formatDuration(x.After) + ":" + formatDuration(x.Length)
		if x.Paid {
			parts[i] += ":paid"
		}
	}
	return strings.Join(parts, ",")
}

// parseBreaks reads "9h:4h:1h" (shifts of 9h or more pause after 4h for
// 1h, unpaid), "9h:4h:1h:paid", several joined by commas, or "none".
func parseBreaks(s string) (breakList, error) {
	const want = "MIN:AFTER:LENGTH[:paid] joined by commas, such as 9h:4h:1h (shifts of 9h or more pause after 4h for 1h), or none"
	if strings.TrimSpace(s) == "none" {
		return breakList{set: true}, nil
	}
	out := breakList{set: true}
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		paid := len(f) == 4 && f[3] == "paid"
		if len(f) != 3 && !paid {
			return breakList{}, &wantError{want: want}
		}
		var d [3]time.Duration
		for i := range d {
			v, err := scenarios.ParseDuration(f[i])
			if err != nil || v < 0 || v > sim.MaxShift || v%time.Minute != 0 {
				return breakList{}, &wantError{want: want}
			}
			d[i] = v
		}
		b := sim.Break{MinShift: d[0], After: d[1], Length: d[2], Paid: paid}
		switch {
		case b.MinShift < time.Hour || b.Length <= 0:
			return breakList{}, &wantError{reason: "a break needs a shift of at least 1h and a length above 0", want: want}
		case b.After+b.Length > b.MinShift:
			return breakList{}, &wantError{reason: "the break ends after the shortest shift that takes it", want: want}
		}
		for i, a := range out.breaks {
			if a.After < b.After+b.Length && b.After < a.After+a.Length {
				return breakList{}, &wantError{reason: fmt.Sprintf("breaks %d and %d overlap in shifts of %s or more", i+1, len(out.breaks)+1, formatDuration(max(a.MinShift, b.MinShift))), want: want}
			}
		}
		out.breaks = append(out.breaks, b)
	}
	if len(out.breaks) > 24 {
		return breakList{}, &wantError{reason: "more than 24 breaks", want: want}
	}
	return out, nil
}

// maxShards bounds --shard's N: more is a typo.
const maxShards = 10_000

// shardSpec is --shard I/N: shard I of N, N = 0 when not sharded.
type shardSpec struct{ i, n int }

func (s shardSpec) String() string {
	if s.n == 0 {
		return ""
	}
	return fmt.Sprintf("%d/%d", s.i, s.n)
}

// parsePlanShard reads "I/N" with 0 ≤ I < N.
func parsePlanShard(s string) (shardSpec, error) {
	const want = "I/N with 0 ≤ I < N ≤ 10000, such as 2/8 (the third of eight shards)"
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, erri := strconv.Atoi(strings.TrimSpace(a))
	n, errn := strconv.Atoi(strings.TrimSpace(b))
	switch {
	case !ok || erri != nil || errn != nil:
		return shardSpec{}, &wantError{want: want}
	case n < 1 || n > maxShards:
		return shardSpec{}, &wantError{reason: "N is the number of shards, 1 to 10000", want: want}
	case i < 0 || i >= n:
		return shardSpec{}, &wantError{reason: "I counts from 0 to N−1", want: want}
	}
	return shardSpec{i, n}, nil
}

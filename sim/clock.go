package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ClockTime is a time of day in whole minutes after midnight, 0 to 1440.
// 1440 ("24:00") is allowed as the end of a range. Files write it "HH:MM".
type ClockTime int

// MinutesPerDay is the number of minutes in a day, the largest ClockTime.
const MinutesPerDay = 24 * 60

// Clock returns the ClockTime h:m.
func Clock(h, m int) ClockTime { return ClockTime(h*60 + m) }

// ParseClock reads "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (ClockTime, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("time of day %q: want HH:MM such as 08:00 or 23:30", s)
	}
	h, errH := strconv.ParseUint(hh, 10, 8)
	m, errM := strconv.ParseUint(mm, 10, 8)
	if errH != nil || errM != nil {
		return 0, fmt.Errorf("time of day %q: want HH:MM such as 08:00 or 23:30", s)
	}
	if m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, fmt.Errorf("time of day %q: want 00:00 to 23:59 (24:00 only as the end of a day)", s)
	}
	return Clock(int(h), int(m)), nil
}

// String writes c as "HH:MM".
func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Duration returns c as the time since midnight.
func (c ClockTime) Duration() time.Duration { return time.Duration(c) * time.Minute }

// UnmarshalText reads "HH:MM".
func (c *ClockTime) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// MarshalText writes "HH:MM".
func (c ClockTime) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// ClockRange is a daily window [From, To) of local time. A range whose To is
// not after its From wraps midnight: "23:00-09:00" is 23:00 to 09:00 the
// next morning. "00:00-24:00" is the whole day.
type ClockRange struct {
	From, To ClockTime
}

// ParseClockRange reads "HH:MM-HH:MM" (an en dash works too).
func ParseClockRange(s string) (ClockRange, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), "–", "-")
	a, b, ok := strings.Cut(t, "-")
	if !ok {
		return ClockRange{}, fmt.Errorf("time range %q: want HH:MM-HH:MM such as 08:00-23:00", s)
	}
	from, err := ParseClock(a)
	if err != nil {
		return ClockRange{}, fmt.Errorf("time range %q: %w", s, err)
	}
	to, err := ParseClock(b)
	if err != nil {
		return ClockRange{}, fmt.Errorf("time range %q: %w", s, err)
	}
	if from == MinutesPerDay {
		return ClockRange{}, fmt.Errorf("time range %q: a range cannot start at 24:00", s)
	}
	return ClockRange{from, to}, nil
}

// String writes r as "HH:MM-HH:MM".
func (r ClockRange) String() string { return r.From.String() + "-" + r.To.String() }

// Wraps reports whether r runs over midnight.
func (r ClockRange) Wraps() bool { return r.To <= r.From }

// Contains reports whether the time of day c lies in r.
func (r ClockRange) Contains(c ClockTime) bool {
	if r.Wraps() {
		return c >= r.From || c < r.To
	}
	return c >= r.From && c < r.To
}

// ContainsTime reports whether t's local time of day (in t's location) lies
// in r.
func (r ClockRange) ContainsTime(t time.Time) bool {
	return r.Contains(Clock(t.Hour(), t.Minute()))
}

// UnmarshalText reads "HH:MM-HH:MM".
func (r *ClockRange) UnmarshalText(b []byte) error {
	v, err := ParseClockRange(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalText writes "HH:MM-HH:MM".
func (r ClockRange) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// LocalTime is a date and time of day without a zone ("2026-11-11T00:00"),
// as scenarios write them: the scenario's time zone gives it an instant
// (In). The zero LocalTime means "not given".
type LocalTime struct {
	// wall holds the date and time of day in UTC; only its fields matter.
	wall time.Time
}

var localLayouts = []string{
	"2006-01-02T15:04",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02 15:04:05",
	"2006-01-02",
}

// Date returns the LocalTime of the given date and time of day.
func Date(year int, month time.Month, day, hour, min int) LocalTime {
	return LocalTime{time.Date(year, month, day, hour, min, 0, 0, time.UTC)}
}

// ParseLocalTime reads "2006-01-02T15:04", with optional seconds, a space
// instead of the T, or a date alone (midnight). An offset or Z is an error:
// the zone is the scenario's.
func ParseLocalTime(s string) (LocalTime, error) {
	t := strings.TrimSpace(s)
	for _, layout := range localLayouts {
		if v, err := time.Parse(layout, t); err == nil {
			return LocalTime{v}, nil
		}
	}
	if len(t) > 10 && (strings.HasSuffix(t, "Z") || strings.ContainsAny(t[10:], "+-")) {
		return LocalTime{}, fmt.Errorf("date-time %q: write local time without an offset (the zone is the scenario's timezone)", s)
	}
	return LocalTime{}, fmt.Errorf("date-time %q: want a local date-time such as 2026-11-11T00:00 (or a date, 2026-11-11)", s)
}

// IsZero reports whether l is unset.
func (l LocalTime) IsZero() bool { return l.wall.IsZero() }

// In returns the instant l denotes in loc. A wall time that a daylight-saving
// change skips or repeats resolves as time.Date does.
func (l LocalTime) In(loc *time.Location) time.Time {
	w := l.wall
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc)
}

// AddDays returns l moved by n calendar days, its time of day kept (the
// zero LocalTime stays zero).
func (l LocalTime) AddDays(n int) LocalTime {
	if l.IsZero() {
		return l
	}
	return LocalTime{l.wall.AddDate(0, 0, n)}
}

// String writes l as "2006-01-02T15:04", with seconds when it has any.
func (l LocalTime) String() string {
	if l.wall.Second() != 0 {
		return l.wall.Format("2006-01-02T15:04:05")
	}
	return l.wall.Format("2006-01-02T15:04")
}

// UnmarshalText reads the forms ParseLocalTime accepts.
func (l *LocalTime) UnmarshalText(b []byte) error {
	v, err := ParseLocalTime(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}

// MarshalText writes l as String does.
func (l LocalTime) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// FormatDuration writes d with the largest units of scenario files that
// divide it: "14d", "1d12h", "90s" as "1m30s"; a sub-second rest in ms.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	for _, u := range []struct {
		name string
		d    time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if d >= u.d {
			fmt.Fprintf(&b, "%d%s", d/u.d, u.name)
			d %= u.d
		}
	}
	if d > 0 {
		fmt.Fprintf(&b, "%dms", d/time.Millisecond)
	}
	return b.String()
}

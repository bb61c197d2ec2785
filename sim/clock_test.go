package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want sim.ClockTime
		err  string
	}{
		{"08:00", sim.Clock(8, 0), ""},
		{"8:30", sim.Clock(8, 30), ""},
		{"23:59", sim.Clock(23, 59), ""},
		{"24:00", sim.MinutesPerDay, ""},
		{"00:00", 0, ""},
		{"24:01", 0, "00:00 to 23:59 (24:00 only as the end of a day)"},
		{"12:60", 0, "00:00 to 23:59"},
		{"1200", 0, "want HH:MM"},
		{"+1:00", 0, "want HH:MM"},
		{"12:5", 0, "want HH:MM"},
		{"", 0, "want HH:MM"},
	}
	for _, tt := range tests {
		got, err := sim.ParseClock(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseClock(%q) error = %v; want ...%s...", tt.in, err, tt.err)
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("ParseClock(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestClockRange(t *testing.T) {
	tests := []struct {
		in      string
		at      string
		inside  bool
		wantErr bool
	}{
		{"08:00-23:00", "08:00", true, false},
		{"08:00-23:00", "23:00", false, false},
		{"08:00–23:00", "22:59", true, false}, // en dash
		{"23:00-09:00", "23:30", true, false},
		{"23:00-09:00", "08:59", true, false},
		{"23:00-09:00", "09:00", false, false},
		{"00:00-24:00", "23:59", true, false},
		{"24:00-08:00", "", false, true},
		{"08:00", "", false, true},
	}
	for _, tt := range tests {
		r, err := sim.ParseClockRange(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseClockRange(%q) error = %v; want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		c, _ := sim.ParseClock(tt.at)
		if got := r.Contains(c); got != tt.inside {
			t.Errorf("%v.Contains(%s) = %v; want %v", r, tt.at, got, tt.inside)
		}
	}
}

func TestParseLocalTime(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		in   string
		want string // RFC 3339 in CST, or an error fragment
		ok   bool
	}{
		{"2026-11-11T00:00", "2026-11-11T00:00:00+08:00", true},
		{"2026-11-11T20:30:15", "2026-11-11T20:30:15+08:00", true},
		{"2026-11-11 20:30", "2026-11-11T20:30:00+08:00", true},
		{"2026-11-11", "2026-11-11T00:00:00+08:00", true},
		{"2026-11-31T00:00", "want a local date-time", false},
		{"2026-11-11T25:00", "want a local date-time", false},
		{"2026-11-11T00:00+08:00", "without an offset", false},
		{"2026-11-11T00:00:00Z", "without an offset", false},
		{"11/11/2026", "want a local date-time", false},
	}
	for _, tt := range tests {
		l, err := sim.ParseLocalTime(tt.in)
		if tt.ok {
			if err != nil || l.In(cst).Format(time.RFC3339) != tt.want {
				t.Errorf("ParseLocalTime(%q) = %v, %v; want %s", tt.in, l, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseLocalTime(%q) error = %v; want ...%s...", tt.in, err, tt.want)
		}
	}
	if s := sim.Date(2026, 6, 18, 9, 5).String(); s != "2026-06-18T09:05" {
		t.Errorf("String = %q; want 2026-06-18T09:05", s)
	}
}

package sim_test

import (
	"slices"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

func TestParseSweep(t *testing.T) {
	tests := []struct {
		in     string
		want   sim.Sweep
		levels int
		ok     bool
	}{
		{"20:80:5", sim.Sweep{Min: 20, Max: 80, Step: 5}, 13, true},
		{"150:600:50", sim.Sweep{Min: 150, Max: 600, Step: 50}, 10, true},
		{"2:12", sim.Sweep{Min: 2, Max: 12, Step: 1}, 11, true},
		{"1:1:1", sim.Sweep{Min: 1, Max: 1, Step: 1}, 1, true},
		{"10:15:10", sim.Sweep{Min: 10, Max: 15, Step: 10}, 1, true},
		{"20", sim.Sweep{}, 0, false},
		{"a:b:c", sim.Sweep{}, 0, false},
		{"1:2:3:4", sim.Sweep{}, 0, false},
	}
	for _, tt := range tests {
		got, err := sim.ParseSweep(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseSweep(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
			continue
		}
		if n := len(got.Levels()); tt.ok && n != tt.levels {
			t.Errorf("%v has %d levels; want %d", got, n, tt.levels)
		}
	}
}

func TestStaffing_Scaled(t *testing.T) {
	s := &sim.Staffing{Intervals: []sim.StaffInterval{
		{Start: 0, End: sim.Clock(2, 0), Agents: 400},
		{Start: sim.Clock(2, 0), End: sim.Clock(8, 0), Agents: 60},
		{Start: sim.Clock(8, 0), End: sim.Clock(20, 0), Agents: 1},
		{Start: sim.Clock(20, 0), End: sim.MinutesPerDay, Agents: 0},
	}}
	var got []int
	for _, iv := range s.Scaled(200) {
		got = append(got, iv.Agents)
	}
	if want := []int{200, 30, 1, 0}; !slices.Equal(got, want) {
		t.Errorf("Scaled(200) = %v; want %v (peak = the level, others in proportion, at least 1 where staffed)", got, want)
	}
	if s.Peak() != 400 || s.AgentsAt(sim.Clock(3, 0)) != 60 || s.AgentsAt(sim.Clock(23, 0)) != 0 {
		t.Errorf("Peak or AgentsAt wrong")
	}
}

package scenarios_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

// FuzzParseScenario checks that no input makes the scenario decoder panic,
// that every error is a positioned bad-input error, and that what it
// accepts is a usable scenario. Seeds: the built-ins, testdata/scenarios
// and testdata/fuzz/FuzzParseScenario.
func FuzzParseScenario(f *testing.F) {
	for _, n := range scenarios.ScenarioNames() {
		b, _ := scenarios.ScenarioSource(n)
		f.Add(b)
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "scenarios", "*.yaml"))
	if len(files) == 0 {
		f.Fatal("no seed corpus in testdata/scenarios")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := scenarios.ParseScenario("fuzz.yaml", data)
		badInputOnly(t, err)
		if err != nil {
			return
		}
		if err := s.Validate(); err != nil {
			t.Fatalf("an accepted scenario fails Validate again: %v", err)
		}
		a := s.ArrivalRate()
		from, to := s.StartTime(), s.EndTime()
		total := a.Expected(from, to)
		_, peak := a.PeakHour(from, to)
		if !(total >= 0) || math.IsInf(total, 0) || peak > total*(1+1e-9)+1e-9 {
			t.Fatalf("expected arrivals %v with a peak hour of %v", total, peak)
		}
		if len(s.Staffing.Sweep.Levels()) == 0 {
			t.Fatalf("an accepted scenario has no staffing levels: %v", s.Staffing.Sweep)
		}
	})
}

// FuzzParseProfile does the same for platform profiles.
func FuzzParseProfile(f *testing.F) {
	for _, n := range scenarios.ProfileNames() {
		b, _ := scenarios.ProfileSource(n)
		f.Add(b)
	}
	f.Add([]byte("name: x\nbusiness_hours: 23:00-08:00\nreply_scope: session\nsources: {speed: x}\n"))
	f.Add([]byte("~\n"))                                          // null: panicked once
	f.Add([]byte("name: p\nbase: taobao\nreply_threshold: 2m\n")) // base and changes
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := scenarios.ParseProfile("fuzz.yaml", data)
		badInputOnly(t, err)
		if err == nil {
			if err := p.Validate(); err != nil {
				t.Fatalf("an accepted profile fails Validate again: %v", err)
			}
		}
	})
}

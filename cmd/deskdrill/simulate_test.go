package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func TestSimulate_StationaryJSON(t *testing.T) {
	r := deskdrill(t, "simulate", "--arrivals", "100/30m", "--aht", "180s", "--agents", "14", "--patience", "5m",
		"--target", "20s", "--customers", "200000", "--seed", "4", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	for _, k := range []string{"customers", "p_wait", "p_abandon", "asa_s", "service_level", "elapsed_s", "customers_per_s", "seed"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, r.stdout)
		}
	}
	if got["customers"].(float64) != 200000 || got["seed"].(float64) != 4 {
		t.Errorf("customers %v, seed %v; want 200000 and 4", got["customers"], got["seed"])
	}
	// Loose on purpose: the engine's agreement with Erlang A is tested
	// statistically in sim/des; here the numbers only have to be the
	// queue's (P(wait) 0.145 with this seed and size).
	if pw := got["p_wait"].(float64); math.Abs(pw-0.14526) > 0.01 {
		t.Errorf("p_wait %v; want near Erlang A's 0.14526", pw)
	}
	// Same seed, same answer.
	again := deskdrill(t, "simulate", "--arrivals", "100/30m", "--aht", "180s", "--agents", "14", "--patience", "5m",
		"--target", "20s", "--customers", "200000", "--seed", "4", "--json")
	var g2 map[string]any
	_ = json.Unmarshal([]byte(again.stdout), &g2)
	if g2["p_wait"] != got["p_wait"] || g2["p_abandon"] != got["p_abandon"] {
		t.Errorf("seed 4 twice: p_wait %v and %v", got["p_wait"], g2["p_wait"])
	}
}

func TestSimulate_Scenario(t *testing.T) {
	r := deskdrill(t, "simulate", "--scenario", "steady-day", "--seed", "3")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"scenario steady-day, seed 3", "satisfaction", "refund for period 2026-03", "TOTAL"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

// Without --seed a scenario file's own seed is the run's (scenarios.md:
// the same seed and file give the same result), for simulate and plan;
// --seed overrides it.
func TestSimulate_ScenarioFileSeed(t *testing.T) {
	for _, args := range [][]string{
		{"simulate", "--scenario", "steady-day"},
		{"plan", "--scenario", "steady-day", "--agents", "4:4:1", "--reps", "3", "--hour-reps", "3"},
	} {
		a, b := deskdrill(t, args...), deskdrill(t, args...)
		if a.code != 0 || !strings.Contains(a.stdout, "seed 20260311") || !sameButTime(a.stdout, b.stdout) {
			t.Errorf("%v twice: exit %d\n%s\n%s\nwant the file's seed 20260311, the same output", args, a.code, a.stdout, b.stdout)
		}
		if c := deskdrill(t, append(args, "--seed", "5")...); !strings.Contains(c.stdout, "seed 5") {
			t.Errorf("%v --seed 5: %s; want seed 5", args, c.stdout)
		}
	}
}

// sameButTime compares two outputs but their first lines' timings.
func sameButTime(a, b string) bool {
	_, ra, _ := strings.Cut(a, "\n")
	_, rb, _ := strings.Cut(b, "\n")
	return ra == rb
}

func TestSimulate_BadUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"nothing to run", []string{}, "--arrivals, --aht and --agents"},
		{"rate without unit", []string{"--arrivals", "200", "--aht", "3m", "--agents", "3"}, "--arrivals"},
		{"negative rate", []string{"--arrivals", "-5/h", "--aht", "3m", "--agents", "3"}, "--arrivals -5/h: the count before the / must be a number above 0"},
		{"zero aht", []string{"--arrivals", "5/h", "--aht", "0s", "--agents", "3"}, "--aht"},
		{"bad patience", []string{"--arrivals", "5/h", "--aht", "3m", "--agents", "3", "--patience", "soon"}, "--patience"},
		{"scenario and queue", []string{"--scenario", "steady-day", "--agents", "3"}, "leave out"},
		{"unknown scenario", []string{"--scenario", "nope"}, "steady-day"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, append([]string{"simulate"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.stderr)
			}
		})
	}
}

package main

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func erlangJSON(t *testing.T, args ...string) map[string]any {
	t.Helper()
	r := deskdrill(t, append([]string{"erlang", "--json"}, args...)...)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatalf("decode %q: %v", r.stdout, err)
	}
	return m
}

// The published values of the issue, to the digits given there.
func TestErlang_PublishedValues(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want map[string]float64 // key → value, compared to half a unit of its last digit
		tol  map[string]float64
	}{
		{"Erlang C, 14 agents", []string{"--arrivals", "100/30m", "--aht", "180s", "--agents", "14", "--target", "20s"},
			map[string]float64{"p_wait": 0.1741319, "service_level": 0.88835, "asa_s": 7.835937, "occupancy": 0.7142857, "agents": 14},
			map[string]float64{"p_wait": 5e-8, "service_level": 5e-6, "asa_s": 5e-7, "occupancy": 5e-8, "agents": 0}},
		{"solve 80/20, occupancy ≤ 0.85, shrinkage 0.3", []string{"--arrivals", "100/30m", "--aht", "180s", "--target", "20s", "--solve-sl", "0.8", "--max-occupancy", "0.85", "--shrinkage", "0.3"},
			map[string]float64{"agents": 14, "scheduled_agents": 20},
			map[string]float64{"agents": 0, "scheduled_agents": 0}},
		{"Erlang A, patience 5 min", []string{"--arrivals", "100/30m", "--aht", "180s", "--agents", "14", "--patience", "5m", "--target", "20s"},
			map[string]float64{"p_wait": 0.14526, "p_abandon": 0.013984, "occupancy": 0.704297, "service_level": 0.916792},
			map[string]float64{"p_wait": 5e-6, "p_abandon": 5e-7, "occupancy": 5e-7, "service_level": 5e-7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := erlangJSON(t, tc.args...)
			for k, want := range tc.want {
				v, ok := got[k].(float64)
				if !ok || math.Abs(v-want) > tc.tol[k] {
					t.Errorf("%s = %v; want %v (±%g)", k, got[k], want, tc.tol[k])
				}
			}
		})
	}
}

func TestErlang_Overload(t *testing.T) {
	got := erlangJSON(t, "--arrivals", "300/h", "--aht", "3m", "--agents", "14")
	if got["stable"] != false || got["p_wait"] != nil || got["asa_s"] != nil {
		t.Errorf("Erlang C at load 15 on 14 agents: %v; want stable false and null metrics", got)
	}
	r := deskdrill(t, "erlang", "--arrivals", "300/h", "--aht", "3m", "--agents", "14")
	if r.code != 0 || !strings.Contains(r.stdout, "unstable") {
		t.Errorf("exit %d, %q; want 0 and the word unstable", r.code, r.stdout)
	}
	// Erlang A answers at overload, and never with a negative wait.
	got = erlangJSON(t, "--arrivals", "300/h", "--aht", "3m", "--agents", "14", "--patience", "2m")
	if got["stable"] != true || got["asa_s"].(float64) < 0 || got["p_abandon"].(float64) <= 0 {
		t.Errorf("Erlang A at overload: %v; want an answer with abandonment", got)
	}
}

func TestErlang_BadUsage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		stderr string
	}{
		{"no arrivals", []string{"--aht", "3m", "--agents", "3"}, "--arrivals and --aht are required"},
		{"bad rate", []string{"--arrivals", "lots", "--aht", "3m", "--agents", "3"}, "--arrivals"},
		{"zero aht", []string{"--arrivals", "5/h", "--aht", "0s", "--agents", "3"}, "--aht"},
		{"neither agents nor solve", []string{"--arrivals", "5/h", "--aht", "3m"}, "give --agents N (evaluate) or --solve-sl SL (find the agents)"},
		{"service level 1", []string{"--arrivals", "200/h", "--aht", "3m", "--solve-sl", "1"}, "--solve-sl 1: want a share below 1"},
		{"no abandonment at all", []string{"--arrivals", "200/h", "--aht", "3m", "--patience", "5m", "--solve-sl", "0.8", "--max-abandon", "0"}, "--max-abandon 0: want a share above 0"},
		{"no occupancy at all", []string{"--arrivals", "200/h", "--aht", "3m", "--solve-sl", "0.8", "--max-occupancy", "0"}, "--max-occupancy 0: want a share above 0"},
		{"both agents and solve", []string{"--arrivals", "5/h", "--aht", "3m", "--agents", "3", "--solve-sl", "0.8"}, "not both"},
		{"service level above 1", []string{"--arrivals", "5/h", "--aht", "3m", "--solve-sl", "80"}, "--solve-sl 80"},
		{"shrinkage 1", []string{"--arrivals", "5/h", "--aht", "3m", "--agents", "3", "--shrinkage", "1"}, "--shrinkage"},
		{"constraint without solve", []string{"--arrivals", "5/h", "--aht", "3m", "--agents", "3", "--max-abandon", "0.1"}, "constrain --solve-sl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, append([]string{"erlang"}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tc.stderr)
			}
		})
	}
}

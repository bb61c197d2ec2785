package load

import (
	"testing"
	"time"
)

// The bottleneck rule of docs/drills.md: the generator's cores more than
// 80 % busy, or its send lateness p99 above 5 ms or above a tenth of the
// round trip's p99, but never below 1 ms.
func TestGenerator_Judge(t *testing.T) {
	lat := func(p99 time.Duration) *Latency { return &Latency{N: 100, P99: p99} }
	ms := time.Millisecond
	for _, tc := range []struct {
		name          string
		busy          float64 // CPU seconds over 10 s on 2 cores, as a share
		lateness, rtt *Latency
		want          bool
	}{
		{"idle, on time", 0.1, lat(ms / 10), lat(20 * ms), false},
		{"cores 85 % busy", 0.85, lat(ms / 10), lat(20 * ms), true},
		{"cores 80 % busy: not over", 0.8, nil, nil, false},
		{"6 ms late, no round trips", 0.1, lat(6 * ms), nil, true},
		{"3 ms late, round trip p99 20 ms: over its tenth", 0.1, lat(3 * ms), lat(20 * ms), true},
		{"3 ms late, round trip p99 100 ms: under 5 ms", 0.1, lat(3 * ms), lat(100 * ms), false},
		{"0.3 ms late, round trip p99 0.5 ms: under the floor", 0.1, lat(300 * time.Microsecond), lat(500 * time.Microsecond), false},
		{"1.5 ms late, round trip p99 2 ms: over the floor", 0.1, lat(1500 * time.Microsecond), lat(2 * ms), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := Generator{Wall: 10 * time.Second, Cores: 2, CPU: time.Duration(tc.busy * 20 * float64(time.Second))}
			g.judge(tc.lateness, tc.rtt)
			if g.Bottleneck != tc.want || (g.Warning != "") != tc.want {
				t.Errorf("bottleneck %v (%q); want %v", g.Bottleneck, g.Warning, tc.want)
			}
		})
	}
}

// hub_memory_per_connection is the growth of the hub's resident memory
// per connection opened; a shrinking memory is no growth, not a negative
// size.
func TestHubMemoryPerConn(t *testing.T) {
	for _, tc := range []struct {
		before, after float64
		want          float64
	}{
		{100 << 20, 100<<20 + 10*20480, 20480},
		{100 << 20, 99 << 20, 0},
	} {
		s := &Summary{Customers: 6, Agents: 4, HubSetup: &HubMetrics{RSS: tc.before}, HubStart: &HubMetrics{RSS: tc.after}}
		if v, ok := hubMemoryPerConn(s); !ok || v != tc.want {
			t.Errorf("RSS %v → %v over 10 connections: %v, %v; want %v", tc.before, tc.after, v, ok, tc.want)
		}
	}
}

// An idle run sends nothing: it has no stages, whatever --rate says
// (drills.md: stages are absent when there is nothing to hold).
func TestConfig_IdleHasNoSchedule(t *testing.T) {
	c := Config{URL: "ws://127.0.0.1:1", CustomerToken: "c", Customers: 2, Idle: true, Duration: time.Second,
		Rate: Rate{Freq: 100, Per: time.Second}}
	if got := c.schedule(); got != nil {
		t.Errorf("idle schedule %v; want none", got)
	}
	c.Idle = false
	c.Agents, c.AgentToken = 1, "a"
	if got := c.schedule(); len(got) != 1 || got[0].Rate != 100 {
		t.Errorf("relay schedule %v; want one stage at 100/s", got)
	}
}

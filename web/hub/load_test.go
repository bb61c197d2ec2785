package hub_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/web/hub"
)

// The end-to-end tests of bench/load live here, beside the hub they drive:
// bench must not import web (dependencies point inward), while web's tests
// may use bench's clients.

func TestLoad_RelaysThroughHub(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Concurrency = 5 })
	cfg := load.Config{
		URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:load", AgentToken: "agent:load",
		Customers: 100, Agents: 20, Rate: load.Rate{Freq: 400, Per: time.Second}, Duration: time.Second,
		Setup: 20 * time.Second, Drain: 10 * time.Second,
	}
	r, err := load.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := r.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const want = 400
	if res.Customers != 100 || res.Agents != 20 || res.Assigned != 100 {
		t.Errorf("%d customers, %d agents, %d assigned; want 100, 20, 100", res.Customers, res.Agents, res.Assigned)
	}
	if res.Sent != want || res.Delivered != want || res.Echoed != want || res.Received != want {
		t.Errorf("sent %d, delivered %d, echoed %d, received %d; want %d each", res.Sent, res.Delivered, res.Echoed, res.Received, want)
	}
	if res.Relayed != 2*want || res.RTT.N != want || res.RTT.P50 <= 0 || res.RTT.Max < res.RTT.P99 {
		t.Errorf("relayed %d, rtt %+v; want %d relayed and %d ordered round trips", res.Relayed, res.RTT, 2*want, want)
	}
	if res.Hub == nil {
		t.Fatal("no hub report; want one from /metrics")
	}
	if res.Hub.Relayed != 2*want || res.Hub.LatencyP99 <= 0 {
		t.Errorf("hub relayed %.0f, p99 %v s; want %d and a latency", res.Hub.Relayed, res.Hub.LatencyP99, 2*want)
	}
	if res.SendErrors != 0 || res.HubErrors != 0 || res.Failed != 0 {
		t.Errorf("%d send errors, %d hub errors, %d failed connections; want none", res.SendErrors, res.HubErrors, res.Failed)
	}
}

func TestLoad_Idle(t *testing.T) {
	f := newFixture(t, nil)
	r, err := load.New(load.Config{
		URL: "ws" + strings.TrimPrefix(f.srv.URL, "http"), CustomerToken: "customer:idle", AgentToken: "agent:idle",
		Customers: 50, Agents: 5, Idle: true, Duration: 100 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Run(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Customers != 50 || res.Agents != 5 || res.Memory == nil || res.Memory.Connections != 55 {
		t.Errorf("%d customers, %d agents, memory %+v; want 50, 5 and a measurement over 55", res.Customers, res.Agents, res.Memory)
	}
	if res.Sent != 0 || res.Assigned != 0 {
		t.Errorf("idle sent %d, assigned %d; want none", res.Sent, res.Assigned)
	}
}

package main

import (
	"context"
	"testing"
	"time"

	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

// deskdrill echo relay serves the bare relay that relay-cost.sh measures
// beside the hub: deskdrill load drives it with any token, reads its
// count from /metrics, and Ctrl-C stops it with status 0.
func TestEchoRelay_CarriesALoadAndStops(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sv, m := startInProcess(t, ctx, `^relay on (ws://[^/]+)/ \(metrics http://\S+/metrics\); Ctrl-C stops it$`, "echo", "relay", "--addr", "127.0.0.1:0")
	run, err := loadgen.New(loadgen.Config{
		URL: m[1], CustomerToken: "any", AgentToken: "any", Customers: 20, Agents: 4,
		Rate: loadgen.Rate{Freq: 100, Per: time.Second}, Duration: 500 * time.Millisecond,
		Setup: 20 * time.Second, Drain: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := run.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const want = 50 // due at 0, 10 ms, ... before 500 ms
	if res.Assigned != 20 || res.Sent != want || res.Received != want {
		t.Errorf("%d assigned, sent %d, received %d; want 20, %d, %d", res.Assigned, res.Sent, res.Received, want, want)
	}
	if res.Hub == nil || res.Hub.Relayed != 2*want {
		t.Errorf("relay's /metrics read by the load: %+v; want %d relayed", res.Hub, 2*want)
	}
	if code, out := sv.stop(ctx); code != 0 {
		t.Errorf("echo relay exited %d after Ctrl-C; want 0 (stdout %q, stderr %q)", code, out, sv.stderr.String())
	}
}

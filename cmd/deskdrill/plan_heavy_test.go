package main

import (
	"os"
	"testing"
	"time"
)

// heavyPlan skips a test that runs the planner on double11 for minutes,
// unless DESKDRILL_PLAN_HEAVY=1. docs/performance.md gives the command:
//
//	DESKDRILL_PLAN_HEAVY=1 go test ./cmd/deskdrill -run 'Double11' -v -timeout 30m
func heavyPlan(t *testing.T) {
	t.Helper()
	if os.Getenv("DESKDRILL_PLAN_HEAVY") != "1" {
		t.Skip("double11 at full size takes minutes; set DESKDRILL_PLAN_HEAVY=1 (docs/performance.md)")
	}
}

// The default plan of double11 (adaptive replications) finishes in under
// 20 s on the 2-core build machine and recommends what 400 replications
// of every level recommend, with the same seed.
func TestPlan_Double11Adaptive(t *testing.T) {
	heavyPlan(t)
	for _, seed := range []string{"1", "2026"} {
		start := time.Now()
		r := deskdrill(t, "plan", "--scenario", "double11", "--seed", seed, "--json")
		took := time.Since(start)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		adaptive := decodePlan(t, r.stdout)
		t.Logf("seed %s: adaptive plan in %.1f s, %d runs, recommends %d", seed, took.Seconds(), adaptive.Runs, adaptive.Recommended)
		if took > 20*time.Second {
			t.Errorf("seed %s: the default plan took %.1f s; want under 20 s", seed, took.Seconds())
		}
		start = time.Now()
		r = deskdrill(t, "plan", "--scenario", "double11", "--seed", seed, "--reps", "400", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		full := decodePlan(t, r.stdout)
		t.Logf("seed %s: --reps 400 in %.1f s, recommends %d", seed, time.Since(start).Seconds(), full.Recommended)
		if adaptive.Recommended != full.Recommended || full.Recommended == 0 {
			t.Errorf("seed %s: adaptive recommends %d, --reps 400 %d; want the same", seed, adaptive.Recommended, full.Recommended)
		}
	}
}

// The done-when for rosters, at full size: the roster meets the
// risk target, pays at most 0.8 × flat staffing's agent-hours and 1.1 ×
// its LP bound, covers every hour's need, in under 2 minutes.
func TestPlan_Double11Roster(t *testing.T) {
	heavyPlan(t)
	start := time.Now()
	r := deskdrill(t, "plan", "--scenario", "double11", "--seed", "1", "--roster", "--json")
	took := time.Since(start)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	rep := decodePlan(t, r.stdout)
	ro, ev, flat := rep.Roster, rep.Evaluation, rep.Flat
	t.Logf("roster in %.1f s: %.0f agent-hours (LP bound %.1f), flat %.0f, p_refund %.3f [%.3f, %.3f]",
		took.Seconds(), ro.AgentHours, ro.LPBound, flat.AgentHours, ev.PRefund, ev.PRefundCI.Lo, ev.PRefundCI.Hi)
	if took > 2*time.Minute {
		t.Errorf("took %.1f s; want under 2 minutes", took.Seconds())
	}
	if !ev.MeetsRisk || ev.PRefund > 0.05 {
		t.Errorf("evaluated p_refund %.3f; want it to meet p_refund<=0.05", ev.PRefund)
	}
	if ro.AgentHours > 0.8*flat.AgentHours || ro.AgentHours > 1.1*ro.LPBound {
		t.Errorf("%.0f agent-hours; want at most 0.8 × flat's %.0f and 1.1 × the LP bound %.1f", ro.AgentHours, flat.AgentHours, ro.LPBound)
	}
	for _, h := range rep.Hours {
		if *h.Rostered < float64(h.Needed) {
			t.Errorf("%s: rostered %.1f < needed %d", h.Start, *h.Rostered, h.Needed)
		}
	}
}

package web

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// TestAgentScore_NoCaseHints scores real conversations, one per case of
// the decision table, handled slowly and at length with no apology, so
// that the efficiency and communication deductions come from sim's own
// wording; an agent's view of each must name no case and tell none of its
// properties (the seller at fault, the case's effort or par), while the
// points stay.
func TestAgentScore_NoCaseHints(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	hints := []string{"at fault", "effort", "par of", "presales", "pre-sales"}
	seen := map[string]bool{}
	for _, k := range sim.Cases() {
		c := &sim.Conversation{ID: "c", Case: k.ID, Arrived: t0,
			Order: sim.Order{ID: "4021118890012399901", Product: "T恤", Price: 5900}}
		at := t0
		// Twelve rounds, ten minutes apart: over every case's par of
		// rounds and of handling time.
		for i := range 12 {
			c.Events = append(c.Events,
				sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: fmt.Sprintf("第%d个问题：怎么处理", i+1)},
				sim.Event{At: at.Add(20 * time.Second), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "a", Text: "收到，我看一下"})
			at = at.Add(10 * time.Minute)
		}
		c.Events = append(c.Events, sim.Event{At: at, Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActClose}})
		sc := sim.ScoreConversationBy(c, sim.ScoreRules{})
		ag := agentScore(sc)
		if ag.Total != sc.Total || len(ag.Deductions) != len(sc.Deductions) {
			t.Errorf("%s: the agent's view changed the points: %.2f, %d deductions; want %.2f, %d", k.ID, ag.Total, len(ag.Deductions), sc.Total, len(sc.Deductions))
		}
		for i, d := range ag.Deductions {
			seen[sc.Deductions[i].Reason[:min(12, len(sc.Deductions[i].Reason))]] = true
			low := strings.ToLower(d.Reason)
			for _, h := range hints {
				if strings.Contains(low, h) {
					t.Errorf("%s: an agent reads %q (%q)", k.ID, d.Reason, h)
				}
			}
			for _, id := range sim.CaseIDs() {
				if strings.Contains(d.Reason, id) {
					t.Errorf("%s: an agent reads %q (the case %s)", k.ID, d.Reason, id)
				}
			}
		}
	}
	// The conversations did reach the reasons reworded.
	for _, p := range []string{"no acknowled", "12 rounds ag", "handled for "} {
		if !seen[p] {
			t.Errorf("no case's score had a reason beginning %q: the test no longer reaches it (reasons seen: %v)", p, seen)
		}
	}
}

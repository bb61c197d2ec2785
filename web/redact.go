package web

import (
	"slices"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// What an agent may see of its own conversations. The case, the persona,
// the expected resolution and the customer's contact details are for
// trainers and merchants (supervisors, viewers, admins); an agent sees
// the transcript, its points and the reasons that do not give them away.

// hiddenResolution replaces the reasons of resolution deductions for an
// agent: each names the case or what it expects.
const hiddenResolution = "the handling does not follow the decision table for this conversation (a supervisor or trainer can see why)"

// caseIDs are the decision table's ids, longest first, so that no id is
// replaced inside a longer one.
var caseIDs = func() []string {
	ids := sim.CaseIDs()
	slices.SortStableFunc(ids, func(a, b string) int { return len(b) - len(a) })
	return ids
}()

// hideCases replaces every case id in s by "this case".
func hideCases(s string) string {
	for _, id := range caseIDs {
		s = strings.ReplaceAll(s, id, "this case")
	}
	return s
}

// agentScore is sc as an agent may see it: the points and verdicts stay;
// the resolution's reasons are replaced by one that names nothing, and
// any other reason or note has the case id replaced by "this case".
func agentScore(sc sim.Score) sim.Score {
	ds := make([]sim.Deduction, len(sc.Deductions))
	for i, d := range sc.Deductions {
		if d.Dimension == sim.DimResolution {
			d.Reason = hiddenResolution
		} else {
			d.Reason = hideCases(d.Reason)
		}
		ds[i] = d
	}
	sc.Deductions = ds
	if sc.Notes != nil {
		notes := make([]string, len(sc.Notes))
		for i, n := range sc.Notes {
			notes[i] = hideCases(n)
		}
		sc.Notes = notes
	}
	return sc
}

// forAgent is a conversation's verdict as its agent may see it: without
// its case, and with its score as agentScore leaves it.
func forAgent(c review.ConversationScore) review.ConversationScore {
	c.Case = ""
	c.Score = agentScore(c.Score)
	return c
}

package web

import (
	"regexp"
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

// caseHints are reasons outside the resolution that tell a property of
// the case without naming it (the seller at fault, the case's effort and
// par), reworded for an agent: whether the seller is at fault, or how much
// effort a case takes, sorts the cases into groups an agent could tell
// apart (a black-box tester did). The test of agentScore scores real
// conversations, so a reworded reason in sim fails it rather than leaks.
var caseHints = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^no acknowledgement or apology, though in \S+ the seller is at fault$`), "no acknowledgement or apology to the buyer"},
	{regexp.MustCompile(`^(\d+) rounds against a par of \d+ \(effort [0-9.]+\)$`), "$1 rounds, over the par for this conversation"},
	{regexp.MustCompile(`^handled for (\S+) from the first reply to the close, against a par of \S+$`), "handled for $1 from the first reply to the close, over the par for this conversation"},
}

// agentReason is a reason outside the resolution as an agent may read it.
func agentReason(r string) string {
	for _, h := range caseHints {
		if h.re.MatchString(r) {
			return h.re.ReplaceAllString(r, h.with)
		}
	}
	return hideCases(r)
}

// agentScore is sc as an agent may see it: the points and verdicts stay;
// the resolution's reasons are replaced by one that names nothing, the
// reasons that tell a property of the case are reworded (caseHints), and
// any other reason or note has the case id replaced by "this case".
func agentScore(sc sim.Score) sim.Score {
	ds := make([]sim.Deduction, len(sc.Deductions))
	for i, d := range sc.Deductions {
		if d.Dimension == sim.DimResolution {
			d.Reason = hiddenResolution
		} else {
			d.Reason = agentReason(d.Reason)
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

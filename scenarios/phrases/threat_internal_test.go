package phrases

import (
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// TestDefault_Threats checks that the scorer reads the synthetic buyers as
// they mean it (docs/scoring.md rule 8): every line a buyer draws to
// threaten a bad review, the platform or 12315 (the escalation ladder of
// DOMAIN.md §3, which the live customers and the engine climb alike) is a
// threat to sim.Threatens, and no line that accepts, thanks, gives facts,
// nudges or asks before the sale is one.
func TestDefault_Threats(t *testing.T) {
	threats := []Intent{DisputeOf(sim.StepBadReview), DisputeOf(sim.StepPlatform), DisputeOf(sim.Step12315)}
	calm := []Intent{Accept, GiveOrder, GiveEvidence, Thanks, AskSize, AskStock, AskShipDate, AskCoupon}
	for _, intent := range CustomerIntents() {
		if b, _ := intent.split(); b == Nudge {
			calm = append(calm, intent)
		}
	}
	for _, l := range Default().locales {
		for _, id := range sim.CaseIDs() {
			for _, want := range []bool{true, false} {
				intents := calm
				if want {
					intents = threats
				}
				for _, intent := range intents {
					for _, tmpl := range l.customerLines(id, intent) {
						line := tmpl.fill(l, &full)
						if got := sim.Threatens(line); got != want {
							t.Errorf("%s/%s/%s: Threatens(%q) = %v; want %v", l.id, id, intent, line, got, want)
						}
					}
				}
			}
		}
	}
}

// TestInfer_Threats: case inference reads a threat as the scorer does, so
// a buyer who promises no bad review is no confident angry buyer (the
// bank's character pairs alone are no evidence enough), and one who
// threatens is.
func TestInfer_Threats(t *testing.T) {
	b := Default()
	for _, tc := range []struct {
		loc   Locale
		texts []string
		angry bool
	}{
		{ZhCN, []string{"好的，放心，不会给差评的"}, false},
		{ZhCN, []string{"本来想投诉的，现在不用了"}, false},
		{En, []string{"Great, no need to dispute anything, thanks!"}, false},
		{ZhCN, []string{"不给退我就差评"}, true},
		{ZhCN, []string{"再不处理我就去12315投诉你们"}, true},
		{En, []string{"I will open a dispute"}, true},
	} {
		in := b.Infer(tc.loc, tc.texts)
		if got := in.Case == sim.CaseAngryThreat && in.Confident; got != tc.angry {
			t.Errorf("Infer(%q) = %+v; want a confident angry_threat %v", tc.texts, in, tc.angry)
		}
	}
}

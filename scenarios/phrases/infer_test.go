package phrases_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// TestInfer_EnglishCases: buyers' plain statements of a case are inferred
// confidently (the two lines of pre-hire-en a skill-1 bot got wrong: a
// phone case for the wrong model read as a changed mind, missing screws
// as nothing in particular).
func TestInfer_EnglishCases(t *testing.T) {
	b := phrases.Default()
	for _, tt := range []struct {
		text, want string
	}{
		{"I ordered a case for an iPhone 15 but the one in the box is for an iPhone 14. It doesn't fit my phone.", sim.CaseWrongItem},
		{"The bookshelf arrived but there's no bag of screws in the box, so I can't put it together.", sim.CaseMissingParts},
		{"These trousers don't fit me, too small. I'd like to return them.", sim.CaseNoReasonReturn},
		{"The parcel arrived but there is no charger included.", sim.CaseMissingParts},
	} {
		got := b.Infer(phrases.En, []string{tt.text})
		if got.Case != tt.want || !got.Confident {
			t.Errorf("Infer(%q) = %+v; want %s, confident", tt.text, got, tt.want)
		}
	}
}

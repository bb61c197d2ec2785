package phrases_test

import (
	"math/rand/v2"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// TestClassify_ReadsTheBanksCustomers: the opening lines the swarm's
// customers draw are classified to their own case most of the time. The
// floor is what a bot of skill 1 relies on; cases whose buyers open alike
// (a defect and a batch defect) keep it from being 1.
func TestClassify_ReadsTheBanksCustomers(t *testing.T) {
	b := phrases.Default()
	for _, loc := range phrases.Locales() {
		r := rand.New(rand.NewPCG(1, 2))
		right, n := 0, 0
		for _, id := range sim.CaseIDs() {
			k, _ := sim.LookupCase(id)
			if k.Presales {
				continue
			}
			for range 20 {
				text := b.Customer(r, loc, id, phrases.Open, phrases.Slots{Product: "连衣裙", Order: "123"})
				n++
				if b.Classify(loc, []string{text}) == id {
					right++
				}
			}
		}
		share := float64(right) / float64(n)
		t.Logf("%s: %.2f of openings classified to their case", loc, share)
		if share < 0.9 {
			t.Errorf("%s: %d of %d openings classified to their case (%.2f); want at least 0.9", loc, right, n, share)
		}
	}
	if got := b.Classify(phrases.ZhCN, []string{"123 !!!"}); got != "" {
		t.Errorf("text without letters classified as %q; want none", got)
	}
}

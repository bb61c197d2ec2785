//go:build !race

package main

import (
	"encoding/json"
	"testing"
)

// The race detector slows the process several times over, and at 600× its
// delays would be the sitting's: this comparison runs without it.

// TestExam_SpeedKeepsTheCard: a compressed sitting scores as the same
// sitting would at another speed (exams.md, Time): the same bot and seed
// at 240× and at the 600× limit get the same card.
func TestExam_SpeedKeepsTheCard(t *testing.T) {
	if testing.Short() {
		t.Skip("two sittings")
	}
	var cards [2]struct {
		Score  float64 `json:"score"`
		Passed bool    `json:"passed"`
		Items  []struct {
			Score float64 `json:"score"`
		} `json:"items"`
	}
	for i, speed := range []string{"240", "600"} {
		r := deskdrill(t, "exam", "try", "--exam", "pre-hire-basic", "--bot-skill", "0.7", "--seed", "5", "--speed", speed, "--json")
		if r.code != 0 {
			t.Fatalf("exam try --speed %s: exit %d\n%s", speed, r.code, r.stderr)
		}
		if err := json.Unmarshal([]byte(r.stdout), &cards[i]); err != nil {
			t.Fatal(err)
		}
	}
	if cards[0].Score != cards[1].Score || cards[0].Passed != cards[1].Passed || len(cards[0].Items) != len(cards[1].Items) {
		t.Fatalf("at 240×: %v (passed %v); at 600×: %v (passed %v); want the same card", cards[0].Score, cards[0].Passed, cards[1].Score, cards[1].Passed)
	}
	for i := range cards[0].Items {
		if cards[0].Items[i].Score != cards[1].Items[i].Score {
			t.Errorf("item %d: %v at 240×, %v at 600×", i, cards[0].Items[i].Score, cards[1].Items[i].Score)
		}
	}
}

package phrases

import (
	"strings"
	"unicode"
)

// Classify guesses the case of a conversation from what the customer
// wrote, the way a bot (or a trainee's assistant) reads a chat: by the
// character pairs the texts share with each case's own opening and
// follow-up lines, each pair weighted by how few cases use it. Pairs work
// for Chinese without word segmentation and tolerate typos. It returns ""
// when nothing matches. It knows only the bank's phrasing, so it reads
// deskdrill's synthetic customers well and real ones roughly; the bots'
// skill adds the slips a person would make.
func (b *Bank) Classify(loc Locale, texts []string) string {
	idx := b.caseIndex()[b.locale(loc).id]
	var want map[string]bool
	for _, t := range texts {
		want = bigrams(t, want)
	}
	best, bestScore := "", 0.0
	for _, c := range idx.cases {
		score := 0.0
		for g := range want {
			if c.grams[g] {
				score += idx.weight[g]
			}
		}
		// Ties go to the earlier case id, so the answer is the same on
		// every run.
		if score > bestScore || score == bestScore && score > 0 && c.id < best {
			best, bestScore = c.id, score
		}
	}
	return best
}

// localeIndex holds, for one locale, the character pairs of each case's
// own lines and the weight of each pair: 1 ÷ the number of cases using it.
type localeIndex struct {
	cases  []caseGrams
	weight map[string]float64
}

type caseGrams struct {
	id    string
	grams map[string]bool
}

// caseIndex builds the index once per bank.
func (b *Bank) caseIndex() map[Locale]*localeIndex {
	b.indexOnce.Do(func() {
		b.index = map[Locale]*localeIndex{}
		for _, l := range b.locales {
			li := &localeIndex{weight: map[string]float64{}}
			df := map[string]int{}
			for id, byIntent := range l.customer {
				if id == Generic {
					continue
				}
				g := map[string]bool{}
				for _, in := range []Intent{Open, More, AskSize, AskStock, AskShipDate, AskCoupon} {
					for _, t := range byIntent[in] {
						g = bigrams(strings.Join(t.text, " "), g)
					}
				}
				for k := range g {
					df[k]++
				}
				li.cases = append(li.cases, caseGrams{id: id, grams: g})
			}
			for k, n := range df {
				li.weight[k] = 1 / float64(n)
			}
			b.index[l.id] = li
		}
	})
	return b.index
}

// bigrams adds the pairs of adjacent letters of s (lower-cased; spaces,
// digits and punctuation break pairs) to set.
func bigrams(s string, set map[string]bool) map[string]bool {
	if set == nil {
		set = map[string]bool{}
	}
	var prev rune
	for _, r := range strings.ToLower(s) {
		if !unicode.IsLetter(r) {
			prev = 0
			continue
		}
		if prev != 0 {
			set[string([]rune{prev, r})] = true
		}
		prev = r
	}
	return set
}

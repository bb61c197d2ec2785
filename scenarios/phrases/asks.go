package phrases

import (
	"fmt"
	"regexp"
	"strings"
)

// Asks is what an agent's message does that a buyer reacts to: a buyer
// discloses the order number or sends evidence only when asked, and an
// apology or a concrete next step with a time lowers tension (DOMAIN.md
// §3).
type Asks struct {
	Order    bool // asks for the order number
	Evidence bool // asks for photos, video, screenshots or measurements
	Apology  bool // apologises
	NextStep bool // promises a step with a time: 24小时内, 明天, within 2 hours, by tomorrow
}

type askKind int

const (
	askOrder askKind = iota
	askEvidence
	askApology
	askNextStep
	numAsks
)

var askNames = [numAsks]string{"order", "evidence", "apology", "next_step"}

// asker holds one case-insensitive expression per kind, the patterns of
// every locale joined, because a message's language is not known: a bot
// may answer an English buyer in Chinese.
type asker [numAsks]*regexp.Regexp

func compileAsker(ls []*locale) (asker, error) {
	var a asker
	for k := range numAsks {
		var alts []string
		for _, l := range ls {
			for _, p := range l.asks[k] {
				alts = append(alts, "(?:"+p+")")
			}
		}
		re, err := regexp.Compile("(?i)" + strings.Join(alts, "|"))
		if err != nil {
			return asker{}, fmt.Errorf("the %s patterns together: %w", askNames[k], err)
		}
		a[k] = re
	}
	return a, nil
}

// Asks reports what text, an agent's message in any of the bank's
// locales, asks for or offers. It matches the patterns of the files'
// asks section: keywords, not understanding, so "订单号已为您备注" counts
// as asking for the order number. Callers use it to drive progressive
// disclosure and tension, where a false positive only makes a buyer a
// little more forthcoming.
func (b *Bank) Asks(text string) Asks {
	return Asks{
		Order:    b.asks[askOrder].MatchString(text),
		Evidence: b.asks[askEvidence].MatchString(text),
		Apology:  b.asks[askApology].MatchString(text),
		NextStep: b.asks[askNextStep].MatchString(text),
	}
}

package sim_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// FuzzLexicon: the scorer's lexicon reads whatever an agent types; no text
// may make it panic (the live hub scores every conversation with it).
func FuzzLexicon(f *testing.F) {
	for _, s := range []string{"", "加 我 微信", "这不是您自己的问题吗？", "Isn't this your fault", "不用担心好评返现5元",
		"照片我这边已经收到了", "有的亲", "Sure!", "100%新疆长绒棉", "\xff\xfe", "，，，。", "不", "no one", "亲，当然可以～"} {
		f.Add(s)
	}
	cases := sim.CaseIDs()
	f.Fuzz(func(t *testing.T, text string) {
		sim.ComplianceHits(text)
		sim.Answers(text)
		sim.TextLang(text)
		for _, id := range cases {
			sim.CaseHits(id, text, false)
		}
	})
}

package sim_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// TestScoreConversation_Audit scores the conversations of an independent
// black-box audit (testdata/audit) and checks the verdicts docs/scoring.md
// gives them. Every conversation below is a model handling of its case
// except where its comment says otherwise, so it keeps 100 points unless a
// rule takes some.
func TestScoreConversation_Audit(t *testing.T) {
	type want struct {
		total    float64
		correct  bool
		hardFail bool
	}
	files := map[string]map[string]want{
		// A defect settled by the book, then the buyer's last words.
		"threats.jsonl": {
			// Evidence asked for in other words (图片, 拍一下, 截图, 视频,
			// picture, image, pic, photo).
			"Q1": {100, true, false}, "Q2": {100, true, false}, "Q3": {100, true, false}, "Q4": {100, true, false},
			"Q5": {100, true, false}, "Q6": {100, true, false}, "Q7": {100, true, false}, "Q8": {100, true, false},
			// Rule 8 needs a threat: "不会给差评的" denies one, "给你们
			// 好评" praises, "no need to dispute" denies, "report back"
			// means "tell you", "本来想投诉的，现在不用了" withdraws one.
			"T1": {100, true, false}, "T2": {100, true, false}, "T3": {100, true, false},
			"T4": {100, true, false}, "T5": {100, true, false},
		},
		// The same defect with one more sentence from the agent.
		"lookalikes.jsonl": {
			"F0":  {100, true, false}, // 这不是您自己的问题: blame denied, no insult
			"F1":  {100, true, false}, // 第一次: not the claim 第一
			"F2":  {100, true, false}, // 100%全额退款: a refund's amount, not an absolute claim
			"F3":  {100, true, false},
			"F4":  {100, true, false},
			"F5":  {100, true, false}, // 最好 "had better"
			"F6":  {100, true, false},
			"F7":  {100, true, false},
			"F8":  {100, true, false}, // the shop's own return address
			"F9":  {100, true, false},
			"EF0": {100, true, false}, // "It's not at all your fault."
			"EF1": {100, true, false},
			"EF2": {100, true, false}, // "a 100% refund"
			"EF3": {100, true, false},
			"EF4": {100, true, false},
		},
		"escalation.jsonl": {
			// An angry buyer threatening 12315: an apology, an escalation
			// with a time, the close. Rule 7 allows the escalation, rule 8
			// counts it as settling the threat, and DOMAIN.md row 12
			// (escalate when a threat is made) makes it a resolution.
			"AE": {100, true, false},
			// Not as described settled in full, then the buyer threatens
			// the platform and the agent closes without acting on it: rule
			// 8 costs the outcome.
			"NA": {82.5, false, false},
			// A full refund without row 6's compensation: incomplete.
			"NA2": {82.5, false, false},
		},
	}
	p := taobao(t)
	for file, wants := range files {
		f, err := os.Open(filepath.Join("testdata", "audit", file))
		if err != nil {
			t.Fatal(err)
		}
		convs, err := scenarios.ReadTranscripts(f, file)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) != len(wants) {
			t.Errorf("%s: %d conversations; want %d", file, len(convs), len(wants))
		}
		for _, c := range convs {
			w, ok := wants[c.ID]
			if !ok {
				t.Errorf("%s: conversation %s has no expected verdict", file, c.ID)
				continue
			}
			s := sim.ScoreConversationBy(c, sim.ScoreRules{Profile: p})
			if s.Total != w.total || s.Correct != w.correct || s.HardFail != w.hardFail {
				t.Errorf("%s %s: got total %v, correct %v, hard fail %v; want %v, %v, %v\n  deductions: %v",
					file, c.ID, s.Total, s.Correct, s.HardFail, w.total, w.correct, w.hardFail, s.Deductions)
			}
		}
	}
}

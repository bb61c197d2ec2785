package sim

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestSkipsChangesNothing: skipping the patterns a text cannot match (no
// Han character, no ASCII letter) is an optimisation only: over every
// text of the labelled corpus, and texts of each kind, the hits are the
// same as with every pattern run.
func TestSkipsChangesNothing(t *testing.T) {
	texts := []string{"", "12345", "#1", "100%", "18:00前发出", "ok", "亲，在的", "+V：shop_888", "SF 1234 5678 9012",
		"第①", "5⭐好评", "Sure! Size M is in stock.", "1 3 8 1 2 3 4 5 6 7 8", "amy[at]gmail.com", "TOP1爆款"}
	for _, f := range []string{"zh.jsonl", "en.jsonl"} {
		fh, err := os.Open(filepath.Join("..", "scenarios", "testdata", "corpus", f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var e struct{ Text string }
			if json.Unmarshal(sc.Bytes(), &e) == nil && e.Text != "" {
				texts = append(texts, e.Text)
			}
		}
		fh.Close()
	}
	if len(texts) < 500 {
		t.Fatalf("%d texts; want the corpus's", len(texts))
	}
	for _, rules := range [][]complianceRule{complianceRules, evidenceWords, askWords, timeWords} {
		for _, text := range texts {
			skipByNeed = true
			fast := scanRules(rules, text)
			skipByNeed = false
			all := scanRules(rules, text)
			skipByNeed = true
			if !slices.Equal(fast, all) {
				t.Errorf("%q: %v skipping, %v running every pattern", text, fast, all)
			}
		}
	}
}

// TestNeeds: which patterns need a Han character or an ASCII letter in
// every match, read from their syntax.
func TestNeeds(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want need
	}{
		{`微信`, needHan}, {`(好评|五星)[^。]{0,20}?返`, needHan}, {`\bwechat\b`, needLetter}, {`\+(v|vx|wx)\b`, needLetter},
		{`100%`, needNothing}, {`(您|you)`, needNothing}, {`[^不]`, needNothing}, {`[0-9]{1,2}[:：][0-9]{2}`, needNothing},
		{`#1\b`, needNothing}, {`(?:^|[^a-z])(?P<m>qq|vx)(?:[^a-z]|$)`, needLetter}, {`[\p{Han}]{1,2}(先生|女士)`, needHan},
		{`最?好`, needHan}, {`(微信)?ok`, needLetter}, {`(微信)?`, needNothing},
	} {
		re := patterns(tc.expr)[0]
		got, _ := needs.Load(re)
		if got == nil {
			got = needNothing
		}
		if got != tc.want {
			t.Errorf("%s: need %v; want %v", tc.expr, got, tc.want)
		}
	}
}

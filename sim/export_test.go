package sim

// ScoreWithout scores c by r with the named rules of docs/scoring.md
// switched off, for the ablation tests: each rule must change some verdict
// of the labelled corpus.
func ScoreWithout(c *Conversation, r ScoreRules, rules ...string) Score {
	r.off = ruleSet{}
	for _, name := range rules {
		r.off[name] = true
	}
	return ScoreConversationBy(c, r)
}

// Ablation is one rule of the judging issue as an ablation switches it
// off: its name and the switches that make it up.
type Ablation struct {
	Rule     string
	Switches []string
	// Required: the issue lists the rule, so removing it must change some
	// verdict of the corpus. The others are reported.
	Required bool
}

// Ablations lists the rules of docs/scoring.md an ablation can remove.
func Ablations() []Ablation {
	return []Ablation{
		{"automatic messages are not the agent's", []string{ruleAuto}, true},
		{"a message after the close is not the agent's round", []string{ruleCloseEnds}, true},
		{"the buyer's language (communication, and the resolution when no reply is in it)", []string{ruleLanguageServed, ruleLanguageComm}, true},
		{"a question is resolved by an answer", []string{rulePresalesAnswer}, true},
		{"no money or goods on a question", []string{rulePresalesMoney}, true},
		{"no close on an unresolved threat", []string{ruleThreatClose}, true},
		{"money within the order price", []string{rulePriceCap}, true},
		{"correct means the table's conditions (payer, evidence first, amount, escalation)", []string{ruleConditions}, true},
		{"no resolving action keeps no resolution points", []string{ruleNoResolutionAll}, true},
		{"accusing or disbelieving the buyer without evidence", []string{accusationRule.name}, true},
		{"blaming the buyer for a signed parcel", []string{signedBlameRule.name}, true},
		{"making the buyer return the wrong item first", []string{returnFirstRule.name}, true},
		{"casual handling of a safety case", []string{casualSafetyRule.name, ruleUnescalated + CaseSafetyInjury}, true},
		{"treating a batch defect in isolation", []string{isolatedRule.name, ruleUnescalated + CaseBatchQuality}, true},
		{"an invented tracking number", []string{RuleInventedTrack}, true},
		{"an unverifiable promise is a hard fail", []string{ruleFalsePromiseHard}, true},
		{"leaking another buyer's data", []string{RuleOtherBuyer}, true},
		{"wait a few more days (stalled parcel)", []string{waitDaysRule.name}, false},
		{"refusing in words (refund before shipping, no-reason return, price protection)", []string{refusalRule.name, priceRefusalRule.name}, false},
		{"stalling a refund before shipping", []string{stallRule.name}, false},
		{"demanding a reason for a no-reason return", []string{reasonRule.name}, false},
		{"cannot cancel (parcel in transit)", []string{cannotCancelRule.name}, false},
		{"guaranteeing fit before the sale", []string{fitRule.name}, false},
	}
}

// CaseHits returns the hard-fail phrasings of case caseID in text written
// with (evidence) or without evidence obtained, as "rule:match".
func CaseHits(caseID, text string, evidence bool) []string {
	k, _ := LookupCase(caseID)
	var out []string
	for _, h := range caseHits(k, text, evidence, nil) {
		out = append(out, h.Rule+":"+h.Match)
	}
	return out
}

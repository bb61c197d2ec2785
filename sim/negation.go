package sim

import (
	"regexp"
	"strings"
	"unicode/utf8"
)

// This file reads a lexicon match in its sentence: whether the words
// around it take it back. "这不是您自己的问题" holds the blame phrase
// 您自己的问题 and blames nobody; "不会给差评的" holds 差评 and threatens
// nothing; "不给退我就差评" holds a negation and is a threat all the same,
// because the negation belongs to the condition, not to the threat.
//
// The reading is deliberately shallow (a window of the clause before the
// match, a few words after it, the sentence's end) and errs towards the
// match: a negation only takes a match back when it stands shortly before
// it in the same clause, nothing between them starts a new statement (就,
// 但是, "but", "I'll"), and the clause is not a question (a rhetorical
// "这不是你自己弄坏的吗？" accuses).

// negation says which words take a lexicon match back.
type negation struct {
	// zh and en are the cues before a match, in the clause that holds it:
	// zh is matched on the compact text (no spaces), en on the folded text
	// at word boundaries. A cue may be anchored with $ to the match ("不给
	// 差评").
	zh, en *regexp.Regexp
	// zhFalse and enFalse are look-alike cues that negate nothing: the
	// A-not-A question 是不是, "why not", "not only".
	zhFalse, enFalse *regexp.Regexp
	// zhKeep and enKeep, between the cue and the match, start a statement
	// of their own that the cue does not reach: "不是我们的原因，而是…",
	// "不给退我就差评", "if you don't refund I'll report you".
	zhKeep, enKeep *regexp.Regexp
	// zhAfter and enAfter, anchored right after the match, take it back
	// there: "差评就算了", "差评是不会给的".
	zhAfter, enAfter *regexp.Regexp
	// zhWithdraw, later in the sentence, withdraws it: "…投诉的，现在不用了".
	zhWithdraw *regexp.Regexp
	// zhCond, anchored right after the match, makes the clause a
	// condition, whose negation does not reach the match: "不加微信就没法
	// 处理" asks for the contact all the same.
	zhCond *regexp.Regexp
	// enCond, anchored right after the match in the folded text, makes
	// the negation before it conditional: "we don't use WeChat unless
	// you prefer it".
	enCond *regexp.Regexp
}

// The windows before a match a cue must stand in: runes of the compact
// text, bytes of the folded text.
const (
	zhCueWindow = 12
	enCueWindow = 48
)

var (
	// clauseEnd and sentenceEnd split the folded or compact text.
	clauseEnd   = regexp.MustCompile(`[，,。.！!？?；;：:…～~\n]`)
	sentenceEnd = regexp.MustCompile(`[。.！!？?\n]`)
	// question finds the clause after a match asking: "…的问题吗？",
	// "isn't it your fault?". Only the match's own clause: "这不是您的问题，
	// 您看这样可以吗？" asks about something else.
	question = regexp.MustCompile(`^[^，,。.！!；;：:\n]*?(?:[？?]|吗)`)
)

// denies reports whether n takes back the match at [cs, ce) of compact
// (the same match at [fs, fe) of folded).
func (n *negation) denies(compact string, cs, ce int, folded string, fs, fe int) bool {
	if n == nil {
		return false
	}
	// A question keeps its match: "你以为我不会投诉吗？".
	if question.MatchString(compact[ce:]) {
		return false
	}
	if n.zhCond != nil && n.zhCond.MatchString(compact[ce:]) {
		return false
	}
	if n.enCond != nil && n.enCond.MatchString(folded[fe:]) {
		return false
	}
	if n.zh != nil && cueBefore(compact, cs, n.zh, n.zhFalse, n.zhKeep, zhCueWindow, true) {
		return true
	}
	if n.en != nil && cueBefore(folded, fs, n.en, n.enFalse, n.enKeep, enCueWindow, false) {
		return true
	}
	if n.zhAfter != nil && n.zhAfter.MatchString(compact[ce:]) {
		return true
	}
	if n.enAfter != nil && n.enAfter.MatchString(folded[fe:]) {
		return true
	}
	if n.zhWithdraw != nil {
		rest := compact[ce:]
		if l := sentenceEnd.FindStringIndex(rest); l != nil {
			rest = rest[:l[1]]
		}
		if n.zhWithdraw.MatchString(rest) {
			return true
		}
	}
	return false
}

// cueBefore reports whether a cue stands in the clause before position at
// of s, within window runes (han) or bytes, with no keep word between the
// cue and at.
func cueBefore(s string, at int, cue, falseCue, keep *regexp.Regexp, window int, han bool) bool {
	before := s[:at]
	if l := clauseEnd.FindAllStringIndex(before, -1); len(l) > 0 {
		before = before[l[len(l)-1][1]:]
	}
	if han {
		for utf8.RuneCountInString(before) > window {
			_, size := utf8.DecodeRuneInString(before)
			before = before[size:]
		}
	} else if len(before) > window {
		before = before[len(before)-window:]
		if i := strings.IndexByte(before, ' '); i >= 0 {
			before = before[i:] // start at a word
		}
	}
	var fake [][]int
	if falseCue != nil {
		fake = falseCue.FindAllStringIndex(before, -1)
	}
	cues := cue.FindAllStringIndex(before, -1)
	for i := len(cues) - 1; i >= 0; i-- {
		c := cues[i]
		if overlapsAny(fake, c[0], c[1]) {
			continue
		}
		return keep == nil || !keep.MatchString(before[c[1]:])
	}
	return false
}

func overlapsAny(spans [][]int, i, j int) bool {
	for _, x := range spans {
		if x[0] < j && i < x[1] {
			return true
		}
	}
	return false
}

// The negations of the compliance lexicon and the case hard fails.
var (
	// denial: the agent denies the words it wrote ("这不是您自己的问题",
	// "it's not at all your fault", "I never said it was your fault").
	// Between the cue and the match, 是 right before it starts the real
	// statement ("不是我们的原因是您自己的原因", but not "没有说是…"), so do
	// 但是, 而 and "but", and a "you" right before it addresses the buyer
	// anew ("you don't understand you idiot").
	denial = &negation{
		zh:      regexp.MustCompile(denialZh),
		en:      regexp.MustCompile(`\b(?:` + denialEn + `)\b`),
		zhFalse: regexp.MustCompile(`是不是|不是吗|要不是|会不会|能不能|可不可以|有没有|` + asideZh),
		enFalse: regexp.MustCompile(`\b(?:why not|if not|or not|not only|not just|don'?t be|do not be|` + asideEn + `)\b|` + enNegQuestion),
		zhKeep:  regexp.MustCompile(`但|可是|而|就是|[^说得为]是$`),
		enKeep:  regexp.MustCompile(`\b(?:but|rather|instead)\b|\byou\s*$`),
	}
	// promiseDenial adds what the agent cannot do: "不能保证明天到" and
	// "we can't guarantee it will fit" promise nothing.
	promiseDenial = &negation{
		zh:      regexp.MustCompile(denialZh + `|不能|无法|没法|不敢|没办法|不好说|很难`),
		en:      regexp.MustCompile(`\b(?:` + denialEn + `|can'?t|cannot|unable to|not able to|couldn'?t|won'?t be able to|there'?s no|there is no|no one can)\b`),
		zhFalse: denial.zhFalse, enFalse: denial.enFalse, zhKeep: denial.zhKeep, enKeep: denial.enKeep,
	}
	// refusal adds declining what the rule forbids: "我们不加微信",
	// "请勿添加任何人的微信", "我们不提供返现", "没有好评返现这种活动", "we do
	// not use WeChat". A refusal inside a condition ("不加微信就没法处理",
	// "if you don't add me on WeChat") refuses nothing.
	refusal = &negation{
		zh: regexp.MustCompile(denialZh + `|不用|无需|不需要|不必|没必要|不会让|不会要求|不会|不提供|不支持|不允许|不接受|不使用|` +
			`不要|请勿|切勿|勿|禁止|严禁|谨防|没有|不$|不加|不能加|不可以|不私下|不单独|不额外|不另外|不搞|不做|不参与|从不搞`),
		en:      regexp.MustCompile(`\b(?:` + denialEn + `|won'?t|will not|cannot|can'?t|(?:offer|have|give|provide|do) no)\b`),
		zhFalse: denial.zhFalse,
		enFalse: regexp.MustCompile(`\b(?:why not|why don'?t|why do not|if not|or not|not only|not just|don'?t be|do not be|` + asideEn + `)\b|\b(?:if|unless) (?:you|u) (?:don'?t|do not|won'?t|can'?t)\b|` + enNegQuestion),
		zhKeep:  regexp.MustCompile(`但|可是|而|就是|[^说得为]是$|的话|就|才`), enKeep: denial.enKeep,
		zhCond: regexp.MustCompile(`^[^，,。.！!？?；;]{0,8}?(?:就|的话|才|否则|不然)`),
		enCond: regexp.MustCompile(`^[^,.!?;]{0,30}?\b(?:unless|except|if you)\b`),
	}
	// evidenceWaived: the agent waives the evidence (不需要照片, 照片就不用拍
	// 了, 视频我们这边看不了, "no need to send a photo"): no request.
	evidenceWaived = &negation{
		zh: regexp.MustCompile(denialZh + `|不用|无需|不需要|不必|没必要|免|不$`),
		en: regexp.MustCompile(`\b(?:` + denialEn + `|no need to|don'?t (?:have|need) to|won'?t have to|needn'?t|no` +
			`|already (?:have|got|received|saw|seen)|(?:have|'ve) (?:seen|received|got))\b`),
		zhFalse: denial.zhFalse, enFalse: denial.enFalse, zhKeep: denial.zhKeep, enKeep: denial.enKeep,
		// After it: waived (照片就不用拍了), unviewable (视频我们这边看不了), or
		// said to be here (照片我这边已经收到了, 您的照片我看过了).
		zhAfter: regexp.MustCompile(`^[^，,。.！!？?；;]{0,8}?(?:不用|不需要|不必|免了|不麻烦|看不了|没法看|无法查看|已经收到|已收到|收到了|看过了|看到了|看过|看了)`),
		enAfter: regexp.MustCompile(`^[^,.!?;]{0,12}?\b(?:is not needed|isn'?t needed|not needed|is not necessary|isn'?t necessary)`),
	}
	// otherOrders adds a policy that names other orders than the buyer's:
	// "只有定制商品不支持退货，您这件是支持的", "only signed parcels cannot be
	// cancelled; yours is still in transit".
	otherOrders = &negation{
		zh:      regexp.MustCompile(denialZh + `|只有|除了|除非|超过`),
		en:      regexp.MustCompile(`\b(?:` + denialEn + `|only|except)\b`),
		zhFalse: denial.zhFalse, enFalse: denial.enFalse, enKeep: denial.enKeep,
		// "只有定制款是不退不换的": the 是 of a policy's subject starts no
		// statement of its own.
		zhKeep: regexp.MustCompile(`但|可是|而|就是`),
		// The policy, then the buyer's order set apart from it in the
		// same sentence: "贴身衣物拆封后不支持退货，您这件外套不受影响",
		// "预售定金订单不能保价，您这单是现货订单，在价保期内".
		zhAfter: regexp.MustCompile(`^[^。！？!?]{0,12}?(您|你)(这|的)(件|单|款|个|笔|条|双|台|份)[^。！？!?不没]{0,10}?(不受影响|可以正常|可以退|是支持的|支持(7天|七天)?无理由|支持退|在(价保|保价)期内|符合)`),
	}
	// relief adds sparing the buyer what the hard fail makes them do: "不用
	// 再等几天了", "不需要说明原因", "no need to send it back first".
	relief = &negation{
		zh:      regexp.MustCompile(denialZh + `|不用|无需|不需要|不必|没必要|不会让|不会再让|不会要求|别|不要|无须|不$`),
		en:      regexp.MustCompile(`\b(?:` + denialEn + `|no need to|no need for (?:you|the buyer) to|don'?t (?:have|need) to|won'?t have to|needn'?t|rather than(?: have you| having you| making you)?)\b`),
		zhFalse: denial.zhFalse, enFalse: denial.enFalse, zhKeep: denial.zhKeep, enKeep: denial.enKeep,
	}
)

// enNegQuestion is a clause that opens as a negative question, with or
// without its question mark: "isn't this your fault", "don't you think
// it's your fault". Its "not" asks, it denies nothing.
const enNegQuestion = `^\s*(?:isn'?t|aren'?t|wasn'?t|weren'?t|didn'?t|doesn'?t|don'?t|won'?t|can'?t|couldn'?t|shouldn'?t)\s+(?:it|this|that|you|they|he|she|there|we)\b`

// asideZh and asideEn are negations about something else, which take
// back nothing that follows: 不用担心, 不要忘了, "don't hesitate", "no
// worries".
const (
	asideZh = `不用担心|不要担心|别担心|不必担心|不用急|不着急|不用谢|不客气|不要忘记|不要忘了|别忘了|不好意思|不会亏待|没关系|没事|没问题|不麻烦`
	asideEn = `don'?t worry|do not worry|no need to worry|not to worry|don'?t hesitate|do not hesitate|don'?t forget|do not forget|never mind|no worries|no problem`
)

const (
	denialZh = `并不是|绝不是|也不是|不会是|不是说|不是|并非|绝非|没有说|没说|从没说|从来没说|绝不会|决不会|从不|从来不|从来没有|从来没|不觉得|没觉得|不认为|没认为|不会说|没人说|没有人说|不存在|不会怀疑|不怀疑|别觉得|不要觉得|别以为|不要以为`
	denialEn = `not|never|isn'?t|wasn'?t|aren'?t|weren'?t|doesn'?t|didn'?t|don'?t|in no way|by no means|(?:nobody|no one|no-one) (?:said|says|is saying|thinks|is blaming|blames)|none of (?:this|that|it)`
)

package sim

import "regexp"

// threatRule finds the buyer threatening to take the case further
// (docs/scoring.md rule 8; DOMAIN.md §3's ladder: a bad review, the
// platform, 12315; row 12 of the decision table): the words, their other
// senses, and the negations that take a threat back.
var threatRule = complianceRule{
	name: "threat",
	terms: patterns(`12315`, `平台介入`, `申请介入`, `小二`, `找平台`, `投诉`, `举报`, `差评`, `工商`, `消协`, `消费者协会`, `曝光`,
		`维权`, `起诉`, `打官司`, `黑猫`, `(会|要|就|得|去)在?(评价|评论)(里|中|上)?`+near(6)+`(写|说)`, `(写|发|晒)(到|进|在)(评价|评论)`),
	english: patterns(`\b(report|complain(s|ed|ing)?|complaint|dispute|chargeback|lawyer|sue)\b`, `\b(bad|negative|1[- ]?star|one[- ]star) (review|rating)\b`,
		`\b(one|1|a single)[- ]star\b`, `\b(write|post|put|tell)\b[^.!?]{0,40}\b(my|a|the) review\b`,
		`\bconsumer (council|association|protection)\b`, `\b(escalate|go|going) to the platform\b`, `\bplatform intervention\b`,
		`\b(ask|get|have|want|call|contact|involve) the platform\b`, `\bplatform\b[^.!?]{0,20}\bstep in\b`),
	// Other senses: telling the shop ("report back", "report a problem"),
	// other buyers' reviews ("差评里有图", "好几个差评说的都一样").
	except: []string{"report back", "reporting back", "report a problem", "report an issue", "report a fault", "report a defect",
		"report the problem", "report the issue", "report to you",
		"差评里", "差评区", "差评说", "差评中", "差评都", "差评也说", "好几个差评", "很多差评", "不少差评", "几个差评", "看到差评", "看了差评",
		"别人的差评", "有差评说", "差评的图"},
	negation: threatNegation,
}

// threatNegation takes a threat back: denied ("不会给差评的", "I won't leave
// a bad review", "no need to dispute anything"), reassured ("放心", "别担心
// 差评的事", "don't worry"), withdrawn ("本来想投诉的，现在不用了", "差评就
// 算了", "I was going to complain"). A negation inside the condition of a
// threat does not: "不给退我就差评", "再不处理我就投诉", "if you don't
// refund I'll file a chargeback", "别逼我给差评", "don't make me report you".
var threatNegation = &negation{
	zh: regexp.MustCompile(`不会|不用|不想|不打算|没打算|不需要|无需|不必|没必要|不至于|懒得|没有要|没说要|本来想|本想|原本想|原来想|本打算|原本打算|本来要|别担心|不用担心|放心|` +
		`(不|没|没有)(再)?(给|打|写|发|去|找|申请|会)?(你们|你)?$`),
	en: regexp.MustCompile(`\b(?:won'?t|will not|wouldn'?t|would not|not going to|not gonna|no need to|don'?t need to|don'?t want to|don'?t plan to|` +
		`no (?:intention|plans?) (?:of|to)|never|not|no|was going to|were going to|had planned to|don'?t worry)\b`),
	zhFalse: regexp.MustCompile(`是不是|要不是`),
	enFalse: regexp.MustCompile(`\b(?:why not|or not|not only)\b`),
	// A consequence (就, 否则, "I'll", "or") or a "don't make me" keeps the
	// threat the negation's condition leads to.
	zhKeep:     regexp.MustCompile(`就|那|否则|不然|要不|要么|但|可是|不过|还是|只能|直接|逼|让我|我要|我会|我去|一定|肯定|必须|绝对`),
	enKeep:     regexp.MustCompile(`\b(?:i'?ll|i will|i'?m|i am|i'?d|then|or|so|otherwise|else|but|until|unless|before|make me|force me|hesitate|think twice)\b`),
	zhAfter:    regexp.MustCompile(`^(的事|这事|的话)?(就|也|是|我)?(算了|免了|不会|不用|不给|不打|不写|就不)`),
	zhWithdraw: regexp.MustCompile(`[，,](现在|那)?(就)?(不用了|算了|免了)(吧|啦|了)?([，,。.！!～~…]|$)`),
}

// Threatens reports whether text, written by a buyer, threatens to take
// the case further: a bad review, a complaint, the platform, 12315, a
// dispute or a chargeback (docs/scoring.md rule 8). It reads the words in
// their sentence: a threat denied, withdrawn or reassured away ("不会给差评
// 的", "本来想投诉的，现在不用了", "no need to dispute anything") is none,
// and neither is another sense of the word ("I will report back", "差评里
// 有图"); a conditional threat ("不给退我就差评") is one.
func Threatens(text string) bool {
	return says([]complianceRule{threatRule}, text)
}

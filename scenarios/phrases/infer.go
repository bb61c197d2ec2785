package phrases

import (
	"regexp"
	"sort"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// Inference is a guess of a conversation's case from the buyer's words.
type Inference struct {
	// Case is the best guess, "" when nothing points anywhere.
	Case string
	// Score is the evidence for Case, RunnerUp the next case's.
	Score, RunnerUp float64
	// Confident: the guess is clear enough to judge the resolution by
	// (see Infer).
	Confident bool
}

// The rule that makes a guess confident: at least minScore of evidence,
// and at least minMargin times the runner-up's. A cue is worth 1 to 3;
// the bank's character pairs add at most pairWeight. Chosen so that one
// strong cue (a safety word, 签收 with 没收到) is enough when nothing else
// competes, and two cases with a cue each are not.
const (
	minScore   = 2.0
	minMargin  = 1.5
	pairWeight = 1.0
	// stagePrior is what the order's stage (unpaid, paid and unshipped)
	// adds to a case: worth a strong cue.
	stagePrior = 3.0
)

// cue is a phrase that points at a case, with its weight. A threat cue
// counts only in the texts that threaten as the scorer reads them
// (sim.Threatens): "不会给差评的" points at no angry buyer.
type cue struct {
	re     *regexp.Regexp
	w      float64
	threat bool
}

func cues(w float64, exprs ...string) []cue {
	out := make([]cue, len(exprs))
	for i, e := range exprs {
		out[i] = cue{re: regexp.MustCompile(e), w: w}
	}
	return out
}

func threatCues(w float64, exprs ...string) []cue {
	out := cues(w, exprs...)
	for i := range out {
		out[i].threat = true
	}
	return out
}

func allCues(lists ...[]cue) []cue {
	var out []cue
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// caseCues are the words buyers use for each case, written from the
// decision table's rows (DOMAIN.md §2), not from any one chat log: the
// fact a buyer states (not shipped, already on its way, a price drop, a
// rash) is the case.
var caseCues = map[Locale]map[string][]cue{
	ZhCN: {
		sim.CaseRefundUnshipped:   allCues(cues(3, `(还|都)?(没|未)(有)?发货`, `还没发(出|走)?`), cues(1, `取消订单`, `不想要了`, `拍错`, `仅退款`, `退款`)),
		sim.CaseCancelInTransit:   allCues(cues(3, `(已|已经|刚|刚刚)发(货|出|走)(了)?.{0,12}(取消|不要|退)`, `(拦截|拒收)`, `(在路上|运输中|已经发出).{0,12}(取消|不要|退)`), cues(1, `取消`, `不要了`)),
		sim.CaseNoReasonReturn:    allCues(cues(3, `[7七]天无理由`, `不喜欢`, `不想要`, `(尺码|码数|号码?)(不合适|小了|大了|偏小|偏大)`, `(穿着|穿上)?(不合适|不好看)`), cues(1, `退货`, `换(货|一个|个)`, `颜色`)),
		sim.CaseSizeChartMismatch: allCues(cues(3, `尺(码|寸)表`, `(和|跟|与)(描述|标注|标的|表上|详情页)(的)?(尺寸|尺码)?不(一样|符|对)`, `量了(一下)?`, `实际(尺寸|长度|宽度)`), cues(1, `偏小`, `偏大`, `厘米|cm`)),
		sim.CaseQualityDefect:     allCues(cues(3, `质量(问题|太差|不好)`, `(坏了|破了|断了|裂(了|开|痕|纹)|缺口|开线|开胶|起球|掉色|褪色|发黑|生锈|变形|脱落|松了|瑕疵|划痕|破损|破洞|漏(水|气|电)?|不(工作|能用|转|亮|制冷|加热)|开不了机|故障)`), cues(1, `质量`, `坏`)),
		sim.CaseNotAsDescribed: allCues(cues(3, `(与|和|跟)(描述|图片|详情|宣传|介绍)(的)?不(符|一样|一致)`, `货不对板`, `假货`, `不是正品`, `假的`, `材质不对`, `色差(严重|太大)`,
			`(详情页?|页面|描述|宣传|标题|商品页)(上|里)?(写|说|标)(的|着|了)?`, `(说|写)(的)?是.{0,12}(收到|结果|根本|明显|其实|实际)`, `(根本|明显|其实)不是`), cues(1, `图片`, `描述`, `正品`, `成分`, `材质`, `吊牌`)),
		sim.CaseWrongItem:         allCues(cues(3, `发错`, `错发`, `不是我(买|拍|订)的`, `(颜色|型号|款式|尺码)(发|给)?(错|不对)了?`, `(买|拍|订)的(是)?.{0,12}收到(的)?(是|却是|成了)`), cues(1, `收到的(是|却)`)),
		sim.CaseMissingParts:      allCues(cues(3, `(少|缺)(了)?(一|两|个|件|配件|零件|东西)`, `漏发`, `空(包|盒|箱)`, `只有(一|1)(个|件)`), cues(1, `配件`, `少了`, `缺`)),
		sim.CaseLogisticsStalled:  allCues(cues(3, `物流.{0,6}(不动|没(有)?(更新|动静|变化))`, `(卡在|停在)`, `(好|几)(几)?天(都)?没(动|更新)`, `(快递|包裹)(丢|弄丢)了`, `丢件`), cues(1, `物流`, `还没到`, `快递`)),
		sim.CaseSignedNotReceived: allCues(cues(3, `(显示|已经?|说)签收`, `签收了?.{0,10}(没|没有|未)(收到|拿到)`), cues(1, `没(有)?收到`, `代收`, `驿站`)),
		sim.CasePriceProtection:   allCues(cues(3, `降价`, `价保`, `保价`, `差价`, `(便宜|降)了.{0,6}(元|块)`, `买贵了`), cues(1, `便宜`, `价格`)),
		sim.CaseAngryThreat:       allCues(threatCues(2, `投诉`, `12315`, `差评`, `曝光`, `工商`, `举报`, `平台介入`, `消协`), cues(1, `垃圾`, `气死`, `太差(劲)?`, `什么破`, `骗子`, `!{2,}|！{2,}`)),
		sim.CaseBatchQuality:      allCues(cues(4, `同一批`, `(好几个|好多|很多|不少)(人|买家|顾客)`, `(其他|别的)(买家|人|顾客)(也|都)`, `大家都`, `评(论|价)(里|区)?.{0,6}(都|也)(说|反映|有)`, `批次`, `一批`), cues(1, `都是`, `也是这样`)),
		sim.CaseSafetyInjury:      allCues(cues(4, `过敏`, `受伤`, `(烫|划|割|擦|磕|摔)(伤|破)`, `摔(了|倒)`, `起(了)?(疹子|红疹|包)`, `(去|进|上)了?医院`, `冒烟`, `爆炸`, `着火`, `起火`, `触电`, `红肿`, `中毒`, `流血`, `漏电`, `骨折`), cues(1, `孩子`, `宝宝`, `皮肤`, `安全`, `疼`)),
		sim.CaseSuspectedAbuse:    allCues(cues(3, `不(想|用)?(退货|寄回)`, `直接(给我)?退(全)?(款|钱)`, `(没|不)(法|能|想|用)拍(照|视频)?`, `拍什么`, `东西(我)?(留着|不退)`), cues(2, `仅退款`), cues(1, `全额退`, `退钱`)),
		sim.CasePresalesQuestion: allCues(cues(3, `(有|还有)(没有)?货`, `什么时候发货`, `(几|哪)天(能)?发货`, `(优惠|券|满减|叠加|包邮|赠品|活动)`, `(怎么|如何)选`, `(适合|推荐)`, `(能|可以)(一起)?用`, `(多|几)(大|高|重|码|厚|长|宽|少)`,
			`会(不会)?.{0,6}(吗|么)`, `(哪个|哪款|哪种|哪个码)(好|合适|适合)?`), cues(1, `请问`, `想(买|问)`, `下单`, `拍`)),
	},
	En: {
		sim.CaseRefundUnshipped:   allCues(cues(3, `\b(has ?n'?t|hasn'?t|not|never|hasnt) (been )?(shipped|sent|dispatched)\b`, `\bbefore (it|you) ships?\b`), cues(1, `\bcancel\b`, `\brefund\b`, `\bordered by mistake\b`)),
		sim.CaseCancelInTransit:   allCues(cues(3, `\balready (shipped|sent|dispatched|on (its|the) way)\b`, `\b(in transit|on its way)\b.{0,40}\b(cancel|don'?t want|stop)\b`, `\bintercept\b`, `\brefuse (the )?delivery\b`), cues(1, `\bcancel\b`, `\bdon'?t want\b`)),
		sim.CaseNoReasonReturn:    allCues(cues(-3, `\bdoesn'?t fit my (phone|device|laptop|tablet|car|camera|watch|model|printer|bike)\b`), cues(3, `\bchanged my mind\b`, `\bdon'?t (really )?(like|want|need) (it|them|the)\b`, `\b(too (small|big|large|tight|loose))\b`, `\bdoesn'?t (fit|suit)\b`, `\b7[- ]day\b`, `\bno[- ]reason\b`), cues(1, `\breturn\b`, `\bexchange\b`, `\bcolou?r\b`)),
		sim.CaseSizeChartMismatch: allCues(cues(3, `\bsize (chart|guide|table)\b`, `\bmeasure(d|ments?)\b`, `\b(doesn'?t|does not) match the (chart|listing|size)\b`, `\bactual (size|length|width)\b`), cues(1, `\b(cm|inch(es)?)\b`, `\bruns (small|large)\b`)),
		sim.CaseQualityDefect:     allCues(cues(3, `\b(broken|broke|defect(ive)?|crack(ed)?|torn|ripped|damaged|scratch(ed|es)?|leak(s|ing)?|faulty|peeling|falling apart|stopped working|doesn'?t work|won'?t (turn on|charge|work)|split|hole|shattered|snapped|chipped|dent(ed)?|bent|frayed|fell off|loose)\b`), cues(1, `\bquality\b`)),
		sim.CaseNotAsDescribed: allCues(cues(3, `\bnot as (described|advertised|pictured)\b`, `\b(fake|counterfeit|knock-?off|not genuine|not authentic)\b`, `\b(looks )?nothing like the (picture|photo|listing|description)\b`, `\b(different|differs) from the (listing|picture|photo|description)\b`,
			`\b(listing|description|page|title) (says|said|claims)\b`, `\b(isn'?t|is not|not) (real|genuine|sterling|pure|solid|authentic)\b`), cues(1, `\blisting\b`, `\bdescription\b`, `\bmaterial\b`, `\blabel\b`)),
		sim.CaseWrongItem: allCues(cues(3, `\bwrong (item|product|colou?r|size|model|one)\b`, `\bnot what i ordered\b`, `\b(sent|received|got) (me )?(a|the) (different|wrong)\b`, `\bordered\b.{0,60}\b(but|and) (got|received)\b`,
			`\bthe one (in the box|inside|i (got|received)|you sent|that (came|arrived)) (is|was)\b`, `\bdoesn'?t fit my (phone|device|laptop|tablet|car|camera|watch|model|printer|bike)\b`), cues(1, `\binstead of\b`)),
		sim.CaseMissingParts: allCues(cues(3, `\bmissing\b`, `\bempty (box|package|parcel)\b`, `\bonly (one|1|half)\b`, `\bparts? (are |is )?missing\b`, `\b(came|arrived) without\b`,
			`\b(there'?s|there is|there are|there were) no\b.{0,40}\b(in the (box|package|parcel)|inside|included)\b`, `\bno (bag|set|pack|packet) of\b`), cues(1, `\bincomplete\b`, `\bshort\b`)),
		sim.CaseLogisticsStalled:  allCues(cues(3, `\btracking (has ?n'?t|hasn'?t|hasnt|not) (been )?updated\b`, `\bno (tracking )?update\b`, `\b(stuck|held up) (in|at)\b`, `\b(package|parcel|order|shipment)\b.{0,20}\bstuck\b`, `\blost in transit\b`, `\b(package|parcel|order|shipment) (is|was|got) lost\b`, `\bhas ?n'?t (moved|arrived)\b`), cues(1, `\btracking\b`, `\bstill (not|hasn'?t)\b`, `\bdelivery\b`)),
		sim.CaseSignedNotReceived: allCues(cues(3, `\b(says|shows|marked|status)\b.{0,30}\b(delivered|signed)\b`, `\bsigned for\b.{0,40}\b(never|didn'?t|not)\b`, `\bnever (received|got) (it|them)\b`), cues(1, `\bdidn'?t (receive|get)\b`, `\bneighbou?r\b`, `\b(pickup point|locker)\b`)),
		sim.CasePriceProtection:   allCues(cues(3, `\bprice (drop(ped)?|protection|adjustment|match)\b`, `\b(cheaper|lower price|on sale) (now|today)\b`, `\b(refund|pay) (me )?the difference\b`, `\bdropped (the|its) price\b`), cues(1, `\bcheaper\b`, `\bdifference\b`)),
		sim.CaseAngryThreat:       allCues(threatCues(2, `\b(report|complaint|complain|bad review|negative review|1[- ]star|one[- ]star|chargeback|dispute|lawyer|sue)\b`), cues(1, `\b(ridiculous|terrible|worst|unacceptable|scam|furious|angry)\b`, `!{2,}`)),
		sim.CaseBatchQuality:      allCues(cues(4, `\bsame (batch|problem|issue|defect|way)\b`, `\bother (buyers|customers|people)\b`, `\b(everyone|many people|lots of people)\b`, `\b(reviews|comments) (say|mention)\b`), cues(1, `\balso\b`)),
		sim.CaseSafetyInjury:      allCues(cues(4, `\b(allerg(y|ic)|rash|injur(ed|y)|burn(ed|t)?|hospital|smok(e|ing)|explod(e|ed)|caught fire|electric shock|shocked|bleeding|swollen|poison(ed)?)\b`), cues(1, `\b(child|kid|baby|skin|safety|hurt)\b`)),
		sim.CaseSuspectedAbuse:    allCues(cues(3, `\b(without|no need (for|to)) (returning|sending (it )?back)\b`, `\bjust (refund|give me (my|the) money)\b`, `\b(can'?t|won'?t|not going to|no) (take|send) (a )?(photo|picture)\b`, `\bkeep (the item|it)\b`), cues(1, `\bfull refund\b`, `\bmoney back\b`)),
		sim.CasePresalesQuestion: allCues(cues(3, `\bin stock\b`, `\bwhen (will|does) (it|this|the order) ship\b`, `\b(coupons?|discount|promo(tion)?( code)?|free shipping)\b`, `\b(which|what) size\b`, `\bwill (it|this) fit\b`, `\bdoes (it|this) (come|have|work)\b`, `\bbefore (i|I) (buy|order)\b`,
			`\bhow (long|many|much|big|heavy|thick|warm)\b`, `\bis (it|this) (any good|pure|real|waterproof|machine washable)\b`, `\bshould i (get|buy|order|choose)\b`), cues(1, `\b(can i|could you tell)\b`, `\bthinking of buying\b`)),
	},
}

// Infer guesses the case of a conversation from what the buyer wrote
// (texts, in loc): the cues of each case's words, plus the character pairs
// the texts share with the bank's own lines for the case (Classify), worth
// at most pairWeight so that the bank's phrasing never outvotes a cue. The
// guess is confident with at least minScore of evidence and minMargin
// times the runner-up's. Ties go to the earlier case id.
func (b *Bank) Infer(loc Locale, texts []string) Inference { return b.infer(loc, texts, nil) }

// infer is Infer with prior evidence per case added to the cues'.
func (b *Bank) infer(loc Locale, texts []string, prior map[string]float64) Inference {
	l := b.locale(loc).id
	text := strings.ToLower(strings.Join(texts, " \n "))
	var threats []string
	for _, t := range texts {
		if sim.Threatens(t) {
			threats = append(threats, t)
		}
	}
	threatText := strings.ToLower(strings.Join(threats, " \n "))
	score := map[string]float64{}
	for id, v := range prior {
		score[id] += v
	}
	for id, cs := range caseCues[l] {
		for _, c := range cs {
			in := text
			if c.threat {
				in = threatText
			}
			if c.re.MatchString(in) {
				score[id] += c.w
			}
		}
	}
	if pairs := b.pairScores(l, texts); len(pairs) > 0 {
		top := 0.0
		for _, v := range pairs {
			top = max(top, v)
		}
		for id, v := range pairs {
			if top > 0 {
				score[id] += pairWeight * v / top
			}
		}
	}
	ids := make([]string, 0, len(score))
	for id := range score {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		if score[ids[i]] != score[ids[j]] {
			return score[ids[i]] > score[ids[j]]
		}
		return ids[i] < ids[j]
	})
	var in Inference
	if len(ids) == 0 || score[ids[0]] <= 0 {
		return in
	}
	in.Case, in.Score = ids[0], score[ids[0]]
	if len(ids) > 1 {
		in.RunnerUp = score[ids[1]]
	}
	in.Confident = in.Score >= minScore && in.Score >= minMargin*in.RunnerUp
	return in
}

// pairScores returns, per case, the weight of the character pairs the
// texts share with the case's lines in the bank (Classify's measure).
func (b *Bank) pairScores(loc Locale, texts []string) map[string]float64 {
	idx := b.caseIndex()[loc]
	var want map[string]bool
	for _, t := range texts {
		want = bigrams(t, want)
	}
	out := map[string]float64{}
	for _, c := range idx.cases {
		s := 0.0
		for g := range want {
			if c.grams[g] {
				s += idx.weight[g]
			}
		}
		if s > 0 {
			out[c.id] = s
		}
	}
	return out
}

// InferConversation guesses c's case from the buyer's messages and
// evidence, read in the buyer's language (English buyers by the English
// cues, everyone else by the Chinese), and from the order's stage when the
// conversation gives its order: an order not yet paid is a question before
// the sale, a paid one never is; a paid order not yet shipped points at a
// refund before shipping.
func (b *Bank) InferConversation(c *sim.Conversation) Inference {
	loc := ZhCN
	if c.BuyerLang() == sim.LangEn {
		loc = En
	}
	var texts []string
	for _, e := range c.Events {
		if e.Sender == sim.SenderCustomer && (e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence) {
			texts = append(texts, e.Text)
		}
	}
	return b.InferOrder(loc, texts, c.Order)
}

// InferOrder is Infer with the order's stage as evidence (see
// InferConversation): what a bot knows of a chat it holds.
func (b *Bank) InferOrder(loc Locale, texts []string, o sim.Order) Inference {
	prior := map[string]float64{}
	if o.ID != "" || o.Product != "" {
		switch {
		case o.Paid.IsZero() && o.Shipped.IsZero():
			prior[sim.CasePresalesQuestion] = stagePrior
		case !o.Paid.IsZero():
			prior[sim.CasePresalesQuestion] = -stagePrior
			if o.Shipped.IsZero() {
				prior[sim.CaseRefundUnshipped] = stagePrior
			}
		}
	}
	return b.infer(loc, texts, prior)
}

package sim

// The decision table's hard-fail column (DOMAIN.md §2) as it shows in the
// agent's words: docs/scoring.md, "The case's hard-fail actions". The
// actions that are hard fails (a reject, the buyer charged shipping, no
// escalation) are judged in resolution.go; these are the words.

// caseHardFail is one hard-fail phrasing of a case.
type caseHardFail struct {
	rule complianceRule
	// beforeEvidence: only a hard fail before any evidence was obtained
	// (accusing or disbelieving "without checking").
	beforeEvidence bool
	// resolution: the phrasing is also a resolution error (a refusal, a
	// stall), so the handling is not correct.
	resolution bool
}

var (
	// refusalRule: refusing what the case grants.
	refusalRule = complianceRule{
		name: "refusal",
		terms: patterns(`不能退`, `不给退`, `退不了`, `不支持退`, `无法退`, `不予退`, `不可以退`, `没法退`,
			`(不支持|不提供|不接受)`+near(8)+`(退货|退款|退换)`, `(不能|无法|不可以|没法)(为您|给您|帮您)(办理)?(退货|退款|退换)`,
			`不(参加|参与|享受)((7|七)天)?无理由`, `不退不换|概不退换`),
		except: []string{"no returns needed", "no return needed", "no returns required", "refund to a different", "refund to another", "refund to your other"},
		// What is not refunded is named, and it is not the goods: the
		// coupon used at checkout, the route of the money (不能退到别的银行卡).
		senses: patterns(`(优惠券|店铺券|券|红包|积分|运费险|赠品|津贴)[^，。！？,!?]{0,4}(不能|无法|没法|不予|不可以)(退|退回|返还)`,
			`(不能|无法|没法|不可以)退(到|回)(别的|其他|其它|另一张|另外的|新的)`),
		english: patterns(`\b(cannot|can'?t|won'?t|will not|unable to) (refund|give (you )?a refund|accept (the|your|this) return|take (it|this) back)\b`,
			`\b(do not|don'?t|does not|doesn'?t|cannot|can'?t) (accept|offer|support|allow|take|do) (any )?(returns?|refunds?)\b`,
			`\b(returns?|refunds?) (are|is)(n'?t| not) (accepted|allowed|possible|supported|available)\b`, `\bfinal sale\b`, `\bcan'?t be (returned|sent back)\b`, `\ball sales are final\b`, `\bno returns\b`,
			`\bnot eligible for (a )?(return|refund)s?\b`, `\bonly (process|issue) refunds? after\b`),
		negation: otherOrders,
	}
	// accusationRule: accusing, blaming or disbelieving the buyer. A hard
	// fail in every after-sales case before any evidence was obtained
	// (rows 5, 6, 8: "accusing without evidence", "denying unchecked",
	// "disbelieving unchecked").
	accusationRule = complianceRule{
		name: "accusing the buyer without evidence",
		terms: patterns(`人为(损坏|造成|弄坏|破坏|原因)`, `(您|你)(自己)?(弄坏|摔坏|用坏|损坏|弄破|摔破|弄丢|弄的|摔的|造成的)`, `使用不当`,
			`不可能(是|有|会|少|错|坏|出现)`, `(我们|我家|仓库)(发货|出库|打包)(前|时|的时候)?(都|全)?(有|会)?(检查|检验|质检|核对|称重|称过|检查过|核对过|检验过)`,
			`不会少的`,
			`(您|你)(是不是|确定|肯定)(搞错|看错|弄错|记错|收错)`, `(您|你)(搞错|看错|弄错|记错)了`,
			`(一般|通常|应该|肯定)(都)?(是)?(摔过|磕到|磕碰)`, `是不是(不小心)?(摔|碰|磕|烫)(了|坏|裂)`, `(您|你)`+near(8)+`(烫裂|烫坏|弄丢)`,
			`出厂(都|前)?(检测|检查|质检)过`, `使用方法不对|用法不对|(您|你)的?方法不对`, `(肯定|就|这|一定|明显)是人为|是人为的`, `(每个|每件)(包裹|订单)(都)?(会)?(核对|检查|称重)`, `不会漏的`,
			`不会少(东西|件|配件)?(呢|哦|啊)`, `(您|你)`+near(6)+`(摔过|磕到|磕碰)`, `不会有假|不可能是假|不会漏发|不可能漏发`,
			`(您|你)(是不是)?`+near(8)+`(不小心)?(摔了|摔坏|碰坏|弄坏|摔的)`, `不会是假`, `(您|你)自己不小心`, `称重(后)?发货`, `不会少(东西|件|配件)的`,
			`(您|你)(可能|应该)(搞错|看错|弄错|记错)`, `怎么可能(是假|有假|少|漏发|会少|会漏)`, `不太可能(漏发|少发|发错|少|漏)`, `不会少[,，。!！]|不会少$`, `像人为|是人为的`),
		english: patterns(`\byou (must have |probably |clearly )?(broke|broken|damaged|dropped|misused|mishandled)\b`, `\b(user|customer) damage\b`, `\bmisuse\b`,
			`\b(that'?s|this is|it'?s) (impossible|not possible)\b`, `\byou must be (mistaken|wrong)\b`, `\bwe (check|inspect|weigh) (every|each|all)\b`,
			`\bwhen (it'?s|it has) been dropped\b`, `\bdropped (it )?on your end\b`, `\bdid you drop (it|this)\b`, `\bwas it dropped\b`, `\busually happens when (people|you|customers)\b`, `\b(it was|it'?s been) (probably |likely )?dropped\b`, `\bdid you (maybe )?(knock|drop|bang|hit)\b`,
			`\bweighs? every (order|parcel|package|box)\b`, `\bcan'?t be (fake|counterfeit)\b`, `\byou'?re mistaken\b`,
			`\bwe double-?check (every|each|all)\b`, `\bnever miss(es)? (parts|items|anything)\b`, `\bmishandled (it |this )?(on your end|by you)\b`, `\byou mishandled\b`, `\bno way it'?s (fake|faux|not real|counterfeit)\b`, `\bevery (order|parcel|package) is (weighed|checked|inspected)\b`),
		negation: denial,
	}
	// stallRule: "refusing or stalling" a refund before shipping.
	stallRule = complianceRule{
		name: "stalling",
		terms: patterns(`等(发货|到货|收到货|收货|签收)(后|以后|之后)?再`, `先(收货|签收|收下)再`, `过(几|两|三|一)天再(退|处理|申请|说)`,
			`签收(后|以后|之后)再(申请|退|处理)`, `等(发货|发出去|发出)(了|后|以后|之后)`,
			`暂时(不能|无法|没法)退`, `暂时(处理不了|退不了)`, `先收到货再`, `(发货|发出)了?(以后|后|之后)?才(能|可以)退`),
		english: patterns(`\bwait (until|till) (it|the order|the parcel|the package) (ships|is shipped|has shipped|arrives)\b`,
			`\b(cannot|can'?t) refund (it |this )?(yet|right now|now)\b`, `\bwait (for it to be|until it'?s|until it is) delivered\b.{0,20}\bbefore\b`, `\bwait for (the )?delivery\b.{0,20}\b(then|before)\b`),
		negation: relief,
	}
	// reasonRule: demanding a reason for a no-reason return.
	reasonRule = complianceRule{
		name: "demanding a reason",
		terms: patterns(`(必须|需要|得|要)(先)?(说明|提供|告诉我|给出|给个|讲清楚)`+near(4)+`(原因|理由)`, `没有?(原因|理由)`+near(4)+`(不能|不可以|无法|不给|不予)`,
			`(说明|给个|讲明)(原因|理由)(才|再)`, `(原因|理由)[^。！？!?]{0,6}(不然|否则)`+near(4)+`(没法|不能|无法|没办法)`,
			`(告诉|说明|说)(一下)?(我们|我)?(具体)?(是)?什么(原因|理由)`, `先(告诉|说明|说)(一下)?(我们|我)?(具体)?(的)?(退货)?(原因|理由)`,
			`先(告诉|说)(一下|下)?(我|我们)?为(什么|啥)`,
			`(必须|需要|得|要|先)(先)?(告诉|说明|说|讲)(一下)?(我们|我)?(是)?(哪里|为什么|为啥|什么地方|哪儿)(不满意|不喜欢|不合适|要退|想退)`),
		except: []string{"no need to", "don't need to", "do not need to", "doesn't need to", "don't have to", "do not have to"},
		english: patterns(`\b(must|need to|have to) (give|provide|tell us|state|explain)\b.{0,20}\breason\b`,
			`\bwithout a (valid )?reason\b.{0,20}\b(can'?t|cannot|won'?t|no)\b`, `\btell (us|me) why\b.{0,40}\b(before|first|otherwise)\b`, `\b(must|have to|need to) tell us why\b`, `\b(need|have) to know (exactly )?why\b`, `\bneed (a|the) reason\b`),
		negation: relief,
	}
	cannotCancelRule = complianceRule{
		name:  "cannot cancel",
		terms: patterns(`不能取消`, `无法取消`, `取消不了`, `没法取消`, `不可以取消`, `不支持取消`, `撤不回`, `取消不掉`, `拦截不了`, `没办法取消`, `(没法|无法|不能)拦截`, `撤回不了`, `撤销不了`, `没办法撤销`, `cancel不了`),
		// In the system, but intercepted: what the agent does instead.
		except:   []string{"cancelled in the system", "canceled in the system", "cancel it in the system", "cancel in the system"},
		english:  patterns(`\b(cannot|can not|can'?t|unable to|won'?t be able to|not able to) (be )?cancel`, `\bno way to cancel\b`, `\bcancell?ations? (isn'?t|is not|aren'?t|are not) (possible|allowed|available)\b`, `\bcan'?t be (called back|recalled|stopped)\b`),
		negation: otherOrders,
	}
	waitDaysRule = complianceRule{
		name: "wait a few more days",
		terms: patterns(`再(耐心)?(等待|等)(个)?(等|几天|两天|三天|两三天|一两天|三五天|一段时间|一等)`, `过(几|两|三|两三)天(应该)?(就)?(能)?到`, `再观望`, `再观察`,
			`再等(一|两)?(周|星期)`, `多等(一|两|两三|几|些)?天`, `等几天`,
			`耐心(再)?(等待|等)(几|两|三|两三|一两|三五)天`, `再(耐心)?等[0-9]+天`),
		except: []string{"had to wait", "sorry you waited", "you've waited", "you have waited", "如果过几天", "要是过几天", "万一过几天",
			// Sparing the buyer the wait: 与其让您再等几天, 再等几天也不一定会动.
			"与其让您再等", "与其让你再等", "与其再等",
			// What the courier said, reported and turned down.
			"asked us to wait", "told us to wait", "快递建议再等", "快递说再等", "物流建议再等", "快递让我们再等"},
		// The same with the courier named otherwise: 快递那边让我们再等几天,
		// 物流方面说再等, "the carrier's support team asked us to wait".
		senses: patterns(`(快递|物流|快递员|快递公司|驿站|承运商)(那边|方面|这边|公司|客服)?(建议|说|让|叫|要|通知)(我们)?(再)?等`, `再等几天(也|都)(不一定|没用|未必|不会)`,
			`\b(courier|carrier|delivery company|logistics company)('s)?\b.{0,30}\b(asked|told|advised|suggested)\b.{0,10}\b(us|me)\b.{0,4}\bto wait\b`),
		english: patterns(`\bwait (a few|a couple of|some|two|three|a couple|several) (more )?days\b`, `\bgive it (a few|some|a couple of|another|another couple of|another few|a couple more) (more )?days\b`, `\bhang (on|tight) a (little|bit) longer\b`,
			`\b(be patient|wait) for (another|a few more|another few)( \d+(-\d+)?)? (more )?days\b`, `\bhang (on|tight) for (a few|a couple|another)( more)? (couple of )?days\b`,
			`\bwait until (the end of the week|the weekend|next week|monday|tomorrow) and see\b`, `\bwait and see\b`,
			`\bgive it (till|until) (next week|the weekend|the end of the week|monday|tuesday|wednesday|thursday|friday)\b`),
		negation: relief,
	}
	returnFirstRule = complianceRule{
		name: "making the buyer return the wrong item first",
		terms: patterns(`先(把|将)?`+near(8)+`(寄回|退回|寄过来|寄给我们|退回来|发回)`,
			`(等|待)(您|你)?`+near(4)+`(寄回|退回|寄回来|退回来|发回)(后|以后|之后|来)?`+near(6)+`(再|才|就)(发|补发|寄|换)`,
			`(寄回|退回|寄回来|退回来|发回)[^。！？!?]{0,12}(后|以后|之后)[，,]?(再|才|就)(能)?(给您|给你|为您)?(发|补发|寄|换)`,
			`(收到|签收)`+near(6)+`(退货|退回|寄回|原件|错发|退件)`+near(6)+`(再|才)`+near(4)+`(发|补发|寄|换|退)`),
		english: patterns(`\b(send|return|ship|mail) (it|the item|the wrong item|the parcel|the package|that|them) back first\b`,
			`\b(send|ship|mail) (the|your|that|this) [a-z' -]{1,30} back( to us)? (first|1st)\b`,
			`\b(as soon as|once|after|when) (the|your) [a-z' -]{1,30} (reaches|arrives at|gets to|gets back to) (us|our warehouse)\b.{0,20}\b(we'?ll|we will) (dispatch|ship|send|reship)\b`,
			`\b(we'?ll|we will) (reship|ship|send|dispatch)\b.{0,30}\bafter we (get|receive)\b.{0,30}\bback\b`, `\bas soon as the [a-z' -]{1,30} (arrives|gets) back\b`,
			`\b(send|ship|mail) (it|the|your|that|this)\b[a-z' -]{0,30}\bback\b.{0,30}\b(as soon as|once|when) it (arrives|gets here|reaches us)\b`, `\breturn (the|your|that|this) [a-z' -]{1,30} first\b`,
			`\b(once|after|when) we (receive|get) (it|the (item|return|parcel|package|wrong item))\b.{0,40}\b(send|ship|reship|dispatch)`,
			`\b(as soon as|once|after|when) (it|they) (reaches|reach|arrives at|arrive at|gets to|get to|gets back to|get back to) (us|our warehouse)\b.{0,20}\b(we'?ll|we will) (dispatch|ship|send|reship)\b`),
		negation: relief,
	}
	signedBlameRule = complianceRule{
		name: "blaming the buyer",
		terms: patterns(`(您|你)(自己)?(已经)?签收(的|了)`, `(家人|家里人|邻居|同事|室友|朋友)(帮(您|你))?(拿|收|签|代收)`, `(显示|系统显示|记录显示|物流显示)(是)?(您)?本人签收`, `签收人(写的)?是本人`, `(您|你)(再)?好好想想`, `(您|你)自己忘了`,
			`(家人|家里人|邻居|同事|室友|朋友)[^。！？!?]{0,8}(代收|帮(您|你)收)`, `(肯定|一定|应该)是(您|你)`,
			`签收人(写的)?(就)?是(您)?本人`, `问(问|一下|下)家里人`,
			`(您|你)(再)?(好好)?(找找|问问家人)`),
		english: patterns(`\byou signed for (it|the parcel|the package)\b`, `\bsomeone (in|at) your (home|house|family|office|address|building)\b`, `\bsigned (for )?by you\b`, `\b(family member|neighbou?r|roommate)\b.{0,20}\b(grabbed|took|picked up|has) it\b`, `\b(family member|neighbou?r|roommate)\b.{0,20}\bpicked it up\b`, `\bsomeone in your (household|home|house|family)\b`, `\bso it was delivered to you\b`,
			`\byour signature on file\b`,
			`\bmust have (been )?(taken|picked up|received|collected)\b`, `\bcheck with your (family|neighbou?rs)\b`),
		negation: denial,
	}
	priceRefusalRule = complianceRule{
		name: "refusing the price difference",
		terms: patterns(`(不能|无法|不支持|不给|不予|没法)(退|补|返)?差价`, `不支持(价保|保价)`, `(没有|不)(保价|价保)`,
			`(不能|无法|不可以|不给|没法|不提供)(保价|价保)`, `不在(保价|价保)(范围|期)`, `不参与(价保|保价|退差价)`, `差价`+near(6)+`(没法|不能|无法)(退|补)`, `差价(没法|不能|无法|不)(补|退|返)`, `(价保|保价)不了`),
		english: patterns(`\b(can'?t|cannot|won'?t|don'?t|do not) (refund|pay|cover) the (price )?difference\b`, `\bno price (protection|adjustment|match)\b`,
			`\b(don'?t|do not|doesn'?t|does not|can'?t|cannot|won'?t) (offer|provide|have|support|do|give) (any )?price (protection|adjustment|match(ing)?)\b`,
			`\bprice adjustments? (are|is)(n'?t| not) (available|possible|allowed|offered)\b`, `\b(can'?t|cannot|won'?t) match the (new |lower )?price\b`, `\bprice protection (doesn'?t|does not|won'?t) apply\b`, `\b(aren'?t|are not|isn'?t|is not|not) covered by price protection\b`,
			`\bprice drops?\b.{0,30}\b(aren'?t|are not|isn'?t|is not|not) refundable\b`),
		negation: otherOrders,
	}
	isolatedRule = complianceRule{
		name: "treating a batch defect in isolation",
		terms: patterns(`个别(现象|情况|问题|产品)`, `个例`, `偶发`, `偶然(现象|情况|问题)`, `只有(您|你)(这)?(一|1)(件|个|单)`,
			`只是(您|你)这(一)?(个|件|单)`, `只是少数|极少数`, `只是个别|个别的`),
		english:  patterns(`\bisolated (case|incident|issue|problem)\b`, `\bone-?off\b`, `\bjust your (item|order|one|unit)\b`, `\bone-?time thing\b`),
		except:   []string{"one-off credit", "one-off payment", "one-off compensation", "one-off apology", "one-off refund", "one-off 10", "one-off 5", "one-off 20"},
		negation: denial,
	}
	casualSafetyRule = complianceRule{
		name: "casual handling of a safety case",
		terms: patterns(`没什么大不了`, `正常现象`, `不要紧`, `没(什么|啥)(事|大碍|问题)`, `没大碍`, `多喝(点)?(热)?水`, `忍(一忍|一下)`,
			`过(几|两|一)天(就)?(好|消)`, `挺常见`, `(只是|就是|一个)小问题`, `(?:^|[^不])是小问题`, `小问题(啦|哈|呢|而已)`, `问题不大`,
			`(过敏|烫伤|划伤|起疹子|红肿)(是)?(很|挺)?正常`, `不用太在意`, `一般没事`, `小事儿|小事一桩`),
		english: patterns(`\bno big deal\b`, `\b(it'?s|that'?s|this is|it is|that is) (completely |totally |perfectly |quite )?normal\b`, `\bnothing (serious|to worry about)\b`,
			`\b(it'?ll|it will) go away\b`, `\bhappens all the time\b`, `\b(is|it'?s|that'?s) pretty common\b`, `\bisn'?t serious\b`),
		except:   []string{"不要紧张", "normal to feel", "normal to be"},
		negation: denial,
	}
	fitRule = complianceRule{
		name:     "guaranteeing fit",
		terms:    patterns(`保证`+near(4)+`(合身|合适|能穿|穿得下)`, `(一定|肯定|绝对)(合身|合适|能穿|穿得下)`, `包(您|你)`+near(4)+`(合身|合适)`, `包(合身|合适|合脚)`),
		english:  patterns(`\b(guarantee|promise)d?\b.{0,20}\bfits?\b`, `\bwill (definitely|surely|certainly) fit\b`, `\bfits? (you )?perfectly\b.{0,12}\b((i|we) (promise|guarantee)|guaranteed|no doubt|for sure)\b`),
		negation: promiseDenial,
	}
)

// caseHardFails lists, per case, the phrasings that fail it outright.
// accusationRule is added for every after-sales case in caseHits.
var caseHardFails = map[string][]caseHardFail{
	CaseRefundUnshipped:   {{rule: refusalRule, resolution: true}, {rule: stallRule, resolution: true}},
	CaseCancelInTransit:   {{rule: cannotCancelRule, resolution: true}},
	CaseNoReasonReturn:    {{rule: refusalRule, resolution: true}, {rule: reasonRule, resolution: true}},
	CaseWrongItem:         {{rule: returnFirstRule, resolution: true}},
	CaseLogisticsStalled:  {{rule: waitDaysRule, resolution: true}},
	CaseSignedNotReceived: {{rule: signedBlameRule}},
	CasePriceProtection:   {{rule: refusalRule, resolution: true}, {rule: priceRefusalRule, resolution: true}},
	CaseBatchQuality:      {{rule: isolatedRule, resolution: true}},
	CaseSafetyInjury:      {{rule: casualSafetyRule, resolution: true}},
	CasePresalesQuestion:  {{rule: fitRule}},
}

// caseHit is a hard-fail phrasing found in the agent's words.
type caseHit struct {
	ComplianceHit
	resolution bool
}

// caseHits returns the hard-fail phrasings of case k in text, which the
// agent wrote at a point where evidence had (evidence) or had not been
// obtained.
func caseHits(k Case, text string, evidence bool, off ruleSet) []caseHit {
	var out []caseHit
	rules := caseHardFails[k.ID]
	if !k.Presales {
		rules = append(rules[:len(rules):len(rules)], caseHardFail{rule: accusationRule, beforeEvidence: true})
	}
	for _, r := range rules {
		if r.beforeEvidence && evidence || off[r.rule.name] {
			continue
		}
		for _, h := range scanRules([]complianceRule{r.rule}, text) {
			h.HardFail = true
			out = append(out, caseHit{ComplianceHit: h, resolution: r.resolution})
		}
	}
	return out
}

package sim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// This file judges the resolution of a conversation against its case's row
// of the decision table (docs/scoring.md, "Resolution"): whether the
// handling is correct with its conditions, and the case's hard-fail
// actions.

// The resolution's shares (docs/scoring.md): the outcome is kept only by a
// correct handling; the other shares each belong to one condition.
const (
	shareOutcome    = 0.5
	shareEvidence   = 0.15
	sharePayer      = 0.15
	shareAmount     = 0.1
	shareEscalation = 0.1
)

// share names a resolution share a fault costs besides the outcome.
type share int

const (
	shareNone share = iota
	shareOfEvidence
	shareOfPayer
	shareOfAmount
	shareOfEscalation
	shareAll // every resolution point
)

func (s share) of() float64 {
	switch s {
	case shareOfEvidence:
		return shareEvidence
	case shareOfPayer:
		return sharePayer
	case shareOfAmount:
		return shareAmount
	case shareOfEscalation:
		return shareEscalation
	case shareAll:
		return 1
	}
	return 0
}

// fault is one thing wrong with a handling: the event where it shows (-1
// for the conversation as a whole), why, the share it costs, and whether
// it makes the handling wrong or fails it outright.
type fault struct {
	event  int
	reason string
	share  share
	wrong  bool
	hard   bool
	// incomplete: the fault is only that a resolution begun is not whole
	// (Case.Pending).
	incomplete bool
}

// moneyOrGoods are the actions that settle an after-sales case with money
// or goods: contrary to a pre-sales question.
var moneyOrGoods = []ActionKind{ActRefund, ActCompensate, ActApproveReturn, ActExchange, ActReship, ActIntercept}

// The lexicons of the resolution's checks, matched like the compliance
// lexicon.
var (
	// courtesy: greetings, thanks and holding phrases, which answer no
	// question.
	courtesyZh = regexp.MustCompile(`您好|你好|亲爱的|亲们|亲|在的|在呢|在哦|在哈|欢迎光临|欢迎|哒|很高兴为您服务|为您服务|请问有什么可以帮(您|你)(的)?|有什么可以帮(您|你)(的)?|有什么需要|请问|稍等(一下)?|请稍等|马上|(会|将|马上|这就|正在|这边|立即|立刻)*(为|帮|给)(您|你)(查询|查|看看|看|确认|核实|问问|问|处理)(一下)?(中)?|查询(中)?|正在|核实(一下)?|确认一下|请稍候|稍候|一下下|(马上|稍后)?回复(您|你)|有(什么)?问题随时(找|联系)(我们|我)|随时(找|联系)(我们|我)|查一下|看一下|我来看看|我看看|我来查|好的|收到|(谢谢|感谢|多谢)(您|你)?(的)?(支持|理解|配合|耐心|等待|信任|关注|光临|惠顾|咨询|体谅)?|不客气|小店|本店|客服|这边|我是|嗯|哦|呢|哈|呀|吗|的|哟|啦|[\p{P}\p{S}\s0-9]`)
	courtesyEn = regexp.MustCompile(`\b(hello|hi|hey|dear|welcome( to (our|the) (store|shop))?|how (can|may) i (help|assist)( you)?( today)?|what can i do for you|thanks?( you)?( so much)?( for (your|the) (question|message|patience|inquiry|enquiry|order|waiting|support|understanding|trust|interest))?|thanks for reaching out|for reaching out|one moment( please)?|please wait|(please )?hold on|give me a (sec|second|moment|minute)( to check( on)?( that| this| it)?)?|happy to help|checking (now|on (that|this|it))|feel free to (ask|reach out|contact us)|let me (check|see|look)( (into )?(that|this|it))?( for you)?|i'?ll (check|look)( (into )?(that|this|it))?( for you)?|i'?m (checking|looking)( (into )?(that|this|it))?( for you)?|sure|ok(ay)?|got it|please|you'?re welcome|sir|madam|customer|there|good (morning|afternoon|evening))\b`)
	// trackingRe finds courier tracking numbers in the folded text: a
	// carrier's prefix with digits, or a number named as a tracking
	// number. Plain order numbers (订单号) are not tracking numbers.
	// A number may be written in groups ("YT 8899 7766 5544"): a space or
	// a hyphen inside it comes before a digit.
	trackingPrefixed = regexp.MustCompile(`\b(?:sf|yt|zto|sto|yd|yunda|jd|jdv[a-z]?|jdx|ems|jt|dpk|db|1z)[ -]?[0-9](?:[0-9a-z]|[ -][0-9]){7,19}\b`)
	trackingNamed    = regexp.MustCompile(`(?:运单号|快递单号|物流单号|快递号|运单编号|物流编号|(?:^|[^订])单号|tracking (?:number|no\.?|#|code|id))(?:\s*(?:is|是|为|:|：))?\s*([0-9a-z](?:[0-9a-z]|[ -][0-9]){7,29})`)
	// A number after its courier's name: 中通73123456789012, EMS单号EA123456789CN.
	trackingCourier = regexp.MustCompile(`(?:中通|韵达|圆通|申通|顺丰|极兔|京东|邮政|德邦|\b(?:ems|usps|ups|fedex|dhl)\b)(?:快递)?(?:单号|运单号|快递单号)?(?:\s*(?:是|为|:|：))?\s*([0-9a-z](?:[0-9a-z]|[ -][0-9]){9,29})`)
)

// shortAnswer is a whole answer in a word or two, left when the courtesy
// is taken out: "有的亲" (有), "有货", "可以的", "是的", "yes".
var shortAnswer = regexp.MustCompile(`^(?:有|有货|有现货|现货|没有|没有了|没了|没货|无货|缺货|售罄|是|不是|可以|不可以|不行|能|不能|会|不会|支持|不支持|包邮|不包邮)$` +
	`|^有[a-z0-9]+码?$|^([a-z0-9]+[码号])?还?有$|^还有货$|^(?:yes|yep|yeah|no|nope|available|in stock|out of stock|sold out)$`)

// loneYes is a whole message that says yes: "Sure!", "Of course!", 当然可以.
var loneYes = regexp.MustCompile(`^(?:(?:亲[，,]?\s*)?(?:当然|当然可以|当然有|没问题|可以的)|sure|sure thing|sure do|sure does|yes we do|we do|of course|certainly|absolutely|definitely)\s*[.!！。~～]*$`)

// Answers reports whether text says more than greetings, thanks and
// holding phrases: at least four Han characters or three Latin words are
// left when they are taken out, or a short answer (有, 有货, 可以, 是的,
// "yes", "no").
func Answers(text string) bool {
	t := foldText(text)
	if loneYes.MatchString(strings.TrimSpace(t)) {
		return true // "Sure!" to "can I use a coupon?"
	}
	t = courtesyEn.ReplaceAllString(t, " ")
	t = courtesyZh.ReplaceAllString(t, " ")
	for _, f := range strings.Fields(t) {
		if shortAnswer.MatchString(f) {
			return true
		}
	}
	if shortAnswer.MatchString(strings.Join(strings.Fields(t), " ")) {
		return true // "in stock", "sold out"
	}
	han, words := 0, 0
	for _, f := range strings.Fields(t) {
		ascii := true
		for _, r := range f {
			if r >= 0x80 {
				ascii = false
				han++
			}
		}
		if ascii {
			words++
		}
	}
	return han >= 4 || words >= 3
}

// trackingNumbers returns the tracking numbers quoted in text, folded.
func trackingNumbers(text string) []string {
	t := foldText(text)
	out := trackingPrefixed.FindAllString(t, -1)
	for _, re := range []*regexp.Regexp{trackingNamed, trackingCourier} {
		for _, m := range re.FindAllStringSubmatch(t, -1) {
			if strings.ContainsAny(m[1], "0123456789") {
				out = append(out, m[1])
			}
		}
	}
	for i, n := range out {
		out[i] = ungroup(n)
	}
	return out
}

// judgement is the resolution's verdict: the faults found in order of
// their events, and whether the handling is correct.
type judgement struct {
	faults  []fault
	correct bool
}

// act is an agent action with the index of its event.
type act struct {
	i int
	a Action
}

// judgeResolution judges c against case k under policy pol (nil: the
// default policy). It is docs/scoring.md's Resolution section, items 1–9,
// and the case's hard-fail actions.
func judgeResolution(c *Conversation, k Case, pol *MerchantPolicy, off ruleSet) judgement {
	var fs []fault
	add := func(f fault) { fs = append(fs, f) }
	lang := c.BuyerLang()

	var acts []act
	closeAt := -1
	for i, e := range c.Events {
		if !off.byAgent(e) || e.Kind != EventAction || e.Action == nil {
			continue
		}
		acts = append(acts, act{i, *e.Action})
		if closeAt < 0 && off.isClose(e) {
			closeAt = i
		}
	}
	// The first event that obtained evidence, once: evidence obtained by
	// event i is that event at or before i.
	firstEvidence := evidenceAt(c, len(c.Events)-1)
	evidenceBy := func(i int) bool { return firstEvidence >= 0 && firstEvidence <= i }

	// 1. Served in the buyer's language.
	if lang != LangNone && !off[ruleLanguageServed] && !c.agentWrote(off, func(e Event) bool { return TextLang(e.Text) == lang }) {
		add(fault{event: -1, share: shareAll, wrong: true,
			reason: fmt.Sprintf("no agent message in the buyer's language (%s): the buyer was not served the resolution", lang)})
	}
	// 2. For a question, the answer.
	if k.Presales && !off[rulePresalesAnswer] && !c.agentWrote(off, func(e Event) bool { return (lang == LangNone || TextLang(e.Text) == lang) && Answers(e.Text) }) {
		add(fault{event: -1, share: shareAll, wrong: true,
			reason: "the question was never answered: greetings, thanks and holding phrases only"})
	}
	// 2–7: the actions.
	fs = append(fs, actionFaults(k, c.Order, acts, evidenceBy, len(c.Events)-1, pol, off)...)

	// 8. No close on an unresolved threat.
	if threat := c.firstThreat(); threat >= 0 && closeAt > threat && !off[ruleThreatClose] {
		settled := false
		for _, a := range acts {
			if a.i > threat && a.i < closeAt && (a.a.Kind == ActEscalate || resolvingKind(k, a.a.Kind)) {
				settled = true
			}
		}
		if k.Presales {
			for i := threat + 1; i < closeAt; i++ {
				if e := c.Events[i]; off.byAgent(e) && e.Kind == EventMessage && Answers(e.Text) {
					settled = true
				}
			}
		}
		if !settled {
			add(fault{event: closeAt, wrong: true,
				reason: fmt.Sprintf("closed after the buyer's threat (%s) without a resolving action or an escalation", c.Events[threat].At.Format("15:04:05"))})
		}
	}

	// 9. The case's hard-fail phrasings.
	for i, e := range c.Events {
		if !off.byAgent(e) {
			continue
		}
		evidence := evidenceBy(i - 1)
		for _, t := range off.agentTexts(e) {
			for _, h := range caseHits(k, t, evidence, off) {
				add(fault{event: i, hard: true, wrong: h.resolution,
					reason: fmt.Sprintf("agent wrote %q (%s)", h.Match, h.Rule)})
			}
		}
	}

	slices.SortStableFunc(fs, func(a, b fault) int { return eventOrder(a.event) - eventOrder(b.event) })
	j := judgement{faults: fs, correct: true}
	for _, f := range fs {
		j.correct = j.correct && !f.wrong
	}
	return j
}

func eventOrder(i int) int {
	if i < 0 {
		return 1 << 30
	}
	return i
}

// holdsResolution reports whether the actions in has hold all actions of
// one of k's resolutions.
func holdsResolution(k Case, has map[ActionKind]bool) bool {
	for _, r := range k.Resolutions {
		ok := true
		for _, a := range r {
			ok = ok && has[a]
		}
		if ok {
			return true
		}
	}
	return false
}

// resolvingKind reports whether kind is an action of one of k's
// resolutions.
func resolvingKind(k Case, kind ActionKind) bool {
	for _, r := range k.Resolutions {
		if slices.Contains(r, kind) {
			return true
		}
	}
	return false
}

func rejectResolves(k Case) bool { return resolvingKind(k, ActReject) }

func wantResolutions(k Case) string {
	var want []string
	for _, r := range k.Resolutions {
		var names []string
		for _, a := range r {
			names = append(names, string(a))
		}
		want = append(want, strings.Join(names, " + "))
	}
	return strings.Join(want, " or ")
}

// agentWrote reports whether some message of the agent's own satisfies ok.
func (c *Conversation) agentWrote(off ruleSet, ok func(Event) bool) bool {
	for _, e := range c.Events {
		if off.byAgent(e) && e.Kind == EventMessage && ok(e) {
			return true
		}
	}
	return false
}

// firstThreat returns the index of the buyer's first threat to take the
// case further (Threatens), or -1.
func (c *Conversation) firstThreat() int {
	for i, e := range c.Events {
		if opensRound(e) && Threatens(e.Text) {
			return i
		}
	}
	return -1
}

// actionFaults judges the agent's actions against case k (docs/scoring.md,
// Resolution items 2–7): the resolving action, nothing contrary, evidence
// first, the payer, the amounts and the escalation. acts are the actions
// with their event indices in order; evidenceBy(i) reports whether
// evidence had been obtained at or before event i; end is the last event's
// index. The live customers judge an agent's actions with it too, so a
// buyer accepts what the scorer calls correct.
func actionFaults(k Case, o Order, acts []act, evidenceBy func(int) bool, end int, pol *MerchantPolicy, off ruleSet) []fault {
	if pol == nil {
		pol = DefaultMerchantPolicy()
	}
	if k.ID == CaseCancelInTransit && o.Signed() {
		// DOMAIN.md §2 row 2: a parcel signed before it could be
		// intercepted goes to the return flow.
		k.Resolutions = append(slices.Clip(k.Resolutions), res(ActApproveReturn))
	}
	var fs []fault
	add := func(f fault) {
		if off[ruleConditions] && f.share != shareAll && f.share != shareNone {
			f.wrong = false // the condition costs its share only
		}
		fs = append(fs, f)
	}
	has := map[ActionKind]bool{}
	decide, lastAct, escalated := -1, -1, -1
	for _, a := range acts {
		has[a.a.Kind] = true
		lastAct = a.i
		if decide < 0 && deciding(a.a.Kind) {
			decide = a.i
		}
		if escalated < 0 && a.a.Kind == ActEscalate {
			escalated = a.i
		}
	}
	if evidenceBy(end) {
		has[ActRequestEvidence] = true // asked in words, or the buyer sent it
	}

	// 2. The resolving action; 3. nothing contrary.
	if k.Presales {
		for _, a := range acts {
			if slices.Contains(moneyOrGoods, a.a.Kind) && !off[rulePresalesMoney] {
				add(fault{event: a.i, wrong: true,
					reason: fmt.Sprintf("%s on a pre-sales question, which an answer resolves, never money or goods", a.a.Kind)})
			}
		}
	} else if !holdsResolution(k, has) {
		ev := decide
		if ev < 0 {
			ev = lastAct
		}
		got := "no action"
		if len(acts) > 0 {
			var kinds []string
			for _, a := range acts {
				kinds = append(kinds, string(a.a.Kind))
			}
			got = "actions " + strings.Join(kinds, ", ")
		}
		f := fault{event: ev, share: shareAll, wrong: true,
			reason: fmt.Sprintf("no resolving action (%s): the case resolves by %s", got, wantResolutions(k))}
		partial := false
		for _, a := range acts {
			partial = partial || a.a.Kind != ActClose && resolvingKind(k, a.a.Kind)
		}
		if partial {
			// A resolving action was taken, but not the whole resolution
			// (a refund without row 6's compensation): wrong, not empty.
			f.share, f.incomplete = shareNone, true
			f.reason = fmt.Sprintf("an incomplete resolution (%s): the case resolves by %s", got, wantResolutions(k))
		}
		if off[ruleNoResolutionAll] {
			f.share = shareNone
		}
		add(f)
	}
	for _, a := range acts {
		if a.a.Kind == ActReject && !rejectResolves(k) {
			f := fault{event: a.i, wrong: true, reason: "rejected a case the table resolves otherwise"}
			switch {
			case refusalFails[k.ID]:
				f.hard, f.reason = true, fmt.Sprintf("rejected a case the table grants (%s)", k.HardFail)
			case k.ID == CaseSuspectedAbuse && !evidenceBy(a.i):
				f.hard, f.reason = true, "rejected suspected abuse without first asking for evidence"
			}
			add(f)
		}
	}

	// 4. Evidence first.
	if k.EvidenceRequired {
		upto := end
		if decide >= 0 {
			upto = decide
		}
		if !evidenceBy(upto) {
			if decide >= 0 {
				var kind ActionKind
				for _, a := range acts {
					if a.i == decide {
						kind = a.a.Kind
					}
				}
				add(fault{event: decide, share: shareOfEvidence, wrong: true,
					reason: fmt.Sprintf("decided (%s) before obtaining the evidence the table requires (%s)", kind, k.Evidence)})
			} else {
				add(fault{event: -1, share: shareOfEvidence, wrong: true,
					reason: fmt.Sprintf("never asked for the evidence the table requires (%s)", k.Evidence)})
			}
		}
	}

	// 5. The payer; 6. the amounts.
	var refunded, compensated Money
	lastRefund := -1
	for _, a := range acts {
		switch a.a.Kind {
		case ActApproveReturn, ActExchange, ActReship:
			if a.a.Payer == k.ShippingPayer && a.a.Payer != PayerNone || k.ShippingPayer == PayerNone && a.a.Payer != PayerNone {
				continue // the case's payer, or either where the row says "per case"
			}
			f := fault{event: a.i, share: shareOfPayer, wrong: true}
			switch {
			case k.ShippingPayer == PayerNone:
				f.reason = fmt.Sprintf("%s names no shipping payer; in this case either may pay, but one must be named", a.a.Kind)
			case a.a.Payer == PayerBuyer && buyerShippingFails[k.ID]:
				f.hard, f.reason = true, fmt.Sprintf("%s charges the buyer shipping; the seller pays (%s)", a.a.Kind, k.HardFail)
			case a.a.Payer == PayerNone:
				f.reason = fmt.Sprintf("%s names no shipping payer; the %s pays", a.a.Kind, k.ShippingPayer)
			default:
				f.reason = fmt.Sprintf("%s with shipping paid by the %s; the %s pays", a.a.Kind, a.a.Payer, k.ShippingPayer)
			}
			add(f)
		case ActRefund:
			refunded += a.a.Amount
			lastRefund = a.i
			if price := o.Price; price > 0 && refunded > price && refunded-a.a.Amount <= price && !off[rulePriceCap] {
				add(fault{event: a.i, share: shareOfAmount, wrong: true,
					reason: fmt.Sprintf("refunds total %s, above the order price %s", refunded, price)})
			}
		case ActCompensate:
			compensated += a.a.Amount
			if price := o.Price; price > 0 && !pol.CompensationAbovePrice && compensated > price && compensated-a.a.Amount <= price && !off[rulePriceCap] {
				add(fault{event: a.i, share: shareOfAmount, wrong: true,
					reason: fmt.Sprintf("compensation totals %s, above the order price %s, which the merchant policy does not allow", compensated, price)})
			}
		}
	}
	if price := o.Price; price > 0 && refunded > 0 && refunded <= price {
		switch cur := o.CurrentPrice; {
		case fullRefund[k.ID] && refunded != price:
			add(fault{event: lastRefund, share: shareOfAmount, wrong: true,
				reason: fmt.Sprintf("refunds total %s; the case refunds the order price %s in full", refunded, price)})
		case k.ID == CasePriceProtection && cur > 0 && cur < price && refunded != price-cur:
			add(fault{event: lastRefund, share: shareOfAmount, wrong: true,
				reason: fmt.Sprintf("refunds total %s; price protection refunds the difference %s (%s − %s)", refunded, price-cur, price, cur)})
		case k.ID == CasePriceProtection && cur >= price:
			add(fault{event: lastRefund, share: shareOfAmount, wrong: true,
				reason: fmt.Sprintf("refunds total %s; the current price %s is not below the order price %s: there is no difference to refund", refunded, cur, price)})
		}
	}

	// 7. Escalation.
	switch {
	case k.EscalateAlways && escalated < 0:
		add(fault{event: -1, share: shareOfEscalation, wrong: true, hard: !off[ruleUnescalated+k.ID],
			reason: fmt.Sprintf("not escalated; the case is always escalated (%s): %s", k.EscalateWhen, k.HardFail)})
	case escalated >= 0 && !k.EscalateAlways && k.EscalateWhen == "":
		add(fault{event: escalated, share: shareOfEscalation, wrong: true,
			reason: "escalated a case the agent decides alone"})
	}
	return fs
}

// Pending reports whether actions, taken in this order on order o, are
// the beginning of one of k's resolutions and wrong only for being
// incomplete: a refund awaiting row 6's compensation. The protocol carries
// one action a frame, so a buyer judging each action as it comes would
// dispute every two-action resolution half-way; it waits for the rest
// instead, and judges it when the agent closes (or, a scripted customer,
// after a while).
func (k Case) Pending(o Order, actions []Action, evidenceFirst bool, pol *MerchantPolicy) bool {
	fs := k.faults(o, actions, evidenceFirst, pol)
	pending := false
	for _, f := range fs {
		if f.wrong && !f.incomplete {
			return false
		}
		pending = pending || f.incomplete
	}
	return pending
}

// faults are the action faults of actions, as Resolves judges them.
func (k Case) faults(o Order, actions []Action, evidenceFirst bool, pol *MerchantPolicy) []fault {
	acts := make([]act, len(actions))
	for i, a := range actions {
		acts[i] = act{i, a}
	}
	evidenceBy := func(i int) bool {
		if evidenceFirst {
			return true
		}
		for j := 0; j <= i && j < len(actions); j++ {
			if actions[j].Kind == ActRequestEvidence {
				return true
			}
		}
		return false
	}
	return actionFaults(k, o, acts, evidenceBy, len(actions)-1, pol, nil)
}

// Resolves reports whether actions, taken in this order on order o,
// resolve case k with the table's conditions (docs/scoring.md, Resolution
// items 2–7) under policy pol (nil: the default): the resolving action,
// nothing contrary, evidence first (evidenceFirst: the evidence had been
// obtained before the first deciding action), the payer, the amounts and
// the escalation. It is the scorer's own judgement of the actions, for
// callers that see the actions but not the whole conversation (a live
// buyer deciding whether to accept); what the agent wrote (language, the
// answer to a question, the case's hard-fail words) is the scorer's alone.
func (k Case) Resolves(o Order, actions []Action, evidenceFirst bool, pol *MerchantPolicy) bool {
	for _, f := range k.faults(o, actions, evidenceFirst, pol) {
		if f.wrong {
			return false
		}
	}
	return true
}

// ungroup removes the spaces and hyphens a number is written in groups
// with: "YT 8899 7766 5544" is yt889977665544.
func ungroup(s string) string { return ungrouper.Replace(s) }

var ungrouper = strings.NewReplacer(" ", "", "-", "")

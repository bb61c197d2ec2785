package sim

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"
)

// ScoreWeights are the points of each scoring dimension (DOMAIN.md §4).
// The defaults add up to 100; other weights are fine, since the total is
// taken as a share of the weights judged. A negative weight counts as 0.
type ScoreWeights struct{ Timeliness, Resolution, Compliance, Communication, Efficiency float64 }

// DefaultScoreWeights returns DOMAIN.md §4's weights: timeliness 25,
// resolution 35, compliance 15, communication 15, efficiency 10.
func DefaultScoreWeights() ScoreWeights {
	return ScoreWeights{Timeliness: 25, Resolution: 35, Compliance: 15, Communication: 15, Efficiency: 10}
}

// The dimension names of Deduction.Dimension.
const (
	DimTimeliness    = "timeliness"
	DimResolution    = "resolution"
	DimCompliance    = "compliance"
	DimCommunication = "communication"
	DimEfficiency    = "efficiency"
)

// HardFailCap is the highest total of a conversation with a hard fail
// (DOMAIN.md §4): below a pass mark of 60 whatever else went well.
const HardFailCap = 59.0

// Par of a case of effort 1, matching DefaultAgentModel: four buyer turns
// and six minutes from the first reply to the close. A case's par is these
// times its Effort.
const (
	ParRounds     = 4.0
	ParHandleTime = 6 * time.Minute
)

// Deduction is points lost in one dimension, with the event where they
// were lost (an index into Conversation.Events, -1 when the loss belongs to
// the conversation as a whole) and a readable reason.
type Deduction struct {
	Dimension string  `json:"dimension"`
	Points    float64 `json:"points"`
	Event     int     `json:"event"`
	Reason    string  `json:"reason"`
}

// Score is a conversation's score (DOMAIN.md §4). The dimensions hold the
// points kept, from 0 to their weight; Total is out of 100. HardFail caps
// Total at HardFailCap. Correct is whether the handling resolves the case
// (the Tally's Resolved and the outcome model's q), false when the case is
// not judged.
type Score struct {
	Total         float64 `json:"total"`
	Timeliness    float64 `json:"timeliness"`
	Resolution    float64 `json:"resolution"`
	Compliance    float64 `json:"compliance"`
	Communication float64 `json:"communication"`
	Efficiency    float64 `json:"efficiency"`
	HardFail      bool    `json:"hard_fail"`
	Correct       bool    `json:"correct"`
	// ResolutionJudged is false when the conversation names no known case
	// (an imported transcript): Resolution is then 0 and left out of Total.
	ResolutionJudged bool `json:"resolution_judged"`
	// Deductions are ordered by event; conversation-wide ones (Event -1)
	// come last.
	Deductions []Deduction `json:"deductions"`
	// Notes say what was not judged and why; they cost no points.
	Notes []string `json:"notes,omitempty"`
}

// ResolutionQuality returns the resolution's points as a share of its
// weight, in [0, 1]: the q of the outcome model. It is 1 when the
// resolution was not judged, so an unknown case neither helps nor hurts.
func ResolutionQuality(s Score, w ScoreWeights) float64 {
	if !s.ResolutionJudged || !(w.Resolution > 0) {
		return 1
	}
	return min(1, max(0, s.Resolution/w.Resolution))
}

// Shares of each dimension's weight per check (docs/scoring.md). Checks
// that do not apply to a conversation keep their share. The resolution's
// shares are in resolution.go.
const (
	shareFirstResponse = 0.4 // timeliness: first response within the answer threshold
	shareRounds        = 0.6 // timeliness: every round within the reply threshold, split evenly

	shareSoftHit = 1.0 / 3 // compliance: each soft hit

	shareApology  = 0.3 // communication: acknowledgement or apology when at fault
	shareNextStep = 0.3 // communication: a next step with a time
	shareLanguage = 0.2 // communication: every message in the buyer's language
	shareAskTwice = 0.1 // communication: per repeated request for the order number
	shareCanned   = 0.1 // communication: the same reply sent again

	shareTurns  = 0.5 // efficiency: rounds within par
	shareHandle = 0.5 // efficiency: handle time within par
)

// Decision-table facts the case rows do not carry as fields (DOMAIN.md §2).
var (
	// atFault: after-sales cases where the seller (or its courier) is at
	// fault, so the agent should acknowledge or apologise.
	atFault = map[string]bool{
		CaseSizeChartMismatch: true, CaseQualityDefect: true, CaseNotAsDescribed: true, CaseWrongItem: true,
		CaseMissingParts: true, CaseLogisticsStalled: true, CaseSignedNotReceived: true, CaseAngryThreat: true,
		CaseBatchQuality: true, CaseSafetyInjury: true,
	}
	// fullRefund: cases whose refund, when the agent refunds, is the whole
	// order price.
	fullRefund = map[string]bool{
		CaseRefundUnshipped: true, CaseNotAsDescribed: true, CaseWrongItem: true,
		CaseLogisticsStalled: true, CaseSignedNotReceived: true,
	}
	// refusalFails: cases where a reject is a hard fail ("refusing",
	// "refusing a valid return", "refusing in window", "cannot cancel").
	refusalFails = map[string]bool{
		CaseRefundUnshipped: true, CaseNoReasonReturn: true, CasePriceProtection: true, CaseCancelInTransit: true,
	}
	// buyerShippingFails: cases where making the buyer pay shipping is a
	// hard fail ("charging the buyer shipping").
	buyerShippingFails = map[string]bool{
		CaseSizeChartMismatch: true, CaseQualityDefect: true, CaseBatchQuality: true,
	}
)

// Lexicons of the communication and resolution checks, matched like the
// compliance lexicon (see ComplianceHits).
var (
	apologyWords = []complianceRule{{
		name:    "apology",
		terms:   patterns(`抱歉`, `对不起`, `不好意思`, `歉意`, `致歉`, `添麻烦`, `带来不便`, `给您带来`, `理解您`, `非常理解`, `让您久等`, `辛苦您`, `委屈您`, `对不住`),
		english: patterns(`\b(sorry|apologi[sz]e|apologies|inconvenience)\b`, `\b(i|we) (fully |completely )?understand\b`),
	}}
	timeWords = []complianceRule{{
		name: "time",
		terms: patterns(`[0-9]+(\.[0-9]+)?(分钟|小时|个小时|天|日内|个工作日|工作日)`, `[一二两三四五六七八九十半]+个?(分钟|小时|天|工作日)`,
			`今天|明天|后天|今晚|明早|明晚|本周|周[一二三四五六日天]|星期[一二三四五六日天]`, `[0-9]{1,2}[:：][0-9]{2}`, `([0-9]{1,2}|[一二两三四五六七八九十]{1,3})点(前|之前|以前|左右|半|钟)?`,
			`([0-9]+|[一两三四])(个)?(周|星期|礼拜)(内|之内|以内)`, `[0-9]+ ?h(内|之内|以内)`, `次日|隔天|当天|当日|下周|本周内`,
			`(上午|下午|晚上|中午)(会|就|之前|前)?(发|寄|安排|处理|退|到账|联系|回复)`, `[0-9]{1,2}月[0-9]{1,2}(日|号)`, `[0-9]{1,2}(日|号)(前|之前|以前)`),
		english: patterns(`\b(today|tonight|tomorrow)\b`, `\bwithin (\d+|an?|one|two|three|the hour)\b`, `\b\d+ ?(hours?|hrs?|h|minutes?|mins?|days?|business days?)\b`,
			`\b(by|before) (the )?end of (the )?(day|today|week)\b`, `\bthis (morning|afternoon|evening)\b`, `\bby (the )?\d{1,2}(st|nd|rd|th)\b`,
			`\bby (january|february|march|april|may|june|july|august|september|october|november|december) \d{1,2}\b`, `\bbefore \d{1,2}(:\d\d)? ?(am|pm)\b`, `\bnext (week|monday|tuesday|wednesday|thursday|friday)\b`, `\beod\b`,
			`\bby \d{1,2}(:\d\d)? ?(am|pm)?\b`, `\b\d{1,2}:\d\d\b`, `\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b`),
		// A policy's name is no time for a next step.
		except: []string{"7天无理由", "七天无理由", "7-day return", "7 day return", "7-day no", "7 day no", "7 days no", "7-day free", "7 day free"},
	}}
	evidenceWords = []complianceRule{{
		name:    "evidence",
		terms:   patterns(`照片`, `图片`, `拍照`, `拍张`, `拍个`, `拍一下`, `拍一张`, `拍下来`, `视频`, `截图`, `实物图`, `发图`, `实拍`, `发张图`, `发个图`, `拍给(我|我们)`, `拍下(收到|您收到|商品|实物|吊牌|包装|照片)`, `上传`, `凭证`, `测量`, `量一下`, `量下`),
		english: patterns(`\b(photos?|pictures?|pics?|videos?|images?|screenshots?|measure|measurements?|film|footage|photograph)\b`, `\ba shot of\b`, `\brecord (a|the) (short )?(clip|video)\b`),
		// Saying one has it, or cannot view it, asks for nothing: "已经
		// 看到您的照片了" where no photo came is a claim, not a request.
		except: evidenceReceived(),
		// Waiving it asks for nothing either: "不需要照片", "照片就不用拍了",
		// "no need to send a photo".
		negation: evidenceWaived,
	}}
	orderNumberWords = []complianceRule{{
		name:    "order_number",
		terms:   patterns(`订单号`, `订单编号`),
		english: patterns(`\border (number|no\.?|id)\b`),
	}}
	askWords = []complianceRule{{
		name:    "ask",
		terms:   patterns(`[?？吗]`, `提供`, `发一下`, `发下`, `发给`, `告诉`, `麻烦`, `请`),
		english: patterns(`\?`, `\b(please|could you|can you|send|share)\b`),
	}}
	longDigits = regexp.MustCompile(`[0-9]{12,}`)
)

func says(rules []complianceRule, text string) bool {
	return text != "" && len(scanRules(rules, text)) > 0
}

// evidenceReceived lists the ways of saying the evidence is here: 收到视频,
// 看到您的照片, 照片已收到, "got your photo".
func evidenceReceived() []string {
	var out []string
	for _, w := range []string{"照片", "图片", "视频", "截图", "凭证"} {
		for _, v := range []string{"收到", "看到", "看了", "看过"} {
			out = append(out, v+w, v+"您的"+w, v+"你的"+w, v+"您发的"+w)
		}
		out = append(out, w+"已收到", w+"收到", w+"已经收到")
	}
	for _, w := range []string{"photo", "picture", "video", "screenshot"} {
		for _, v := range []string{"seen your", "got your", "received your", "seen the", "got the", "received the", "thanks for the", "thank you for the"} {
			out = append(out, v+" "+w)
		}
	}
	return out
}

// asksForEvidence reports whether a clause of text asks for evidence:
// names photos, video or measurements and asks ("麻烦再拍一张照片", "could
// you send a photo?"). "收到视频，请问您用的是哪个插座？" asks about something
// else.
func asksForEvidence(text string) bool {
	start := 0
	for _, l := range clauseEnd.FindAllStringIndex(text+"\n", -1) {
		clause := text[start:min(l[1], len(text))]
		start = l[1]
		if says(evidenceWords, clause) && says(askWords, clause) {
			return true
		}
	}
	return false
}

// withTextEvidence returns acts with a request_evidence added when the
// agent did not take that action but evidence was asked for in words, or
// sent by the buyer, at or before event upto: the decision table wants the
// evidence, not the button. firstEvidence is evidenceAt of the whole
// conversation, found once by the caller.
func withTextEvidence(acts []Action, firstEvidence, upto int) []Action {
	for _, a := range acts {
		if a.Kind == ActRequestEvidence {
			return acts
		}
	}
	if firstEvidence < 0 || firstEvidence > upto {
		return acts
	}
	return append(append([]Action(nil), acts...), Action{Kind: ActRequestEvidence})
}

// evidenceAt returns the index of the first event at or before upto that
// obtains evidence: a request_evidence action, an agent message asking for
// photos, video or measurements, or evidence the buyer sent; -1 if none.
func evidenceAt(c *Conversation, upto int) int {
	for i, e := range c.Events {
		if i > upto {
			break
		}
		switch {
		case e.Kind == EventAction && e.Action != nil && e.Action.Kind == ActRequestEvidence,
			e.Sender == SenderCustomer && e.Kind == EventEvidence:
			return i
		case e.Sender == SenderAgent && e.Kind == EventMessage && says(evidenceWords, e.Text):
			if !says(evidenceWords, lackOfEvidence.ReplaceAllString(foldText(e.Text), " ")) && !buyerSpeaks(c, i, upto) {
				continue // "没有凭证无法退款", and the buyer had no turn to send any
			}
			return i
		}
	}
	return -1
}

// lackOfEvidence is a rule stated, not a request: "没有凭证无法退款",
// "without photos we can't refund". It opens an evidence path only if the
// buyer gets a turn after it.
var lackOfEvidence = regexp.MustCompile(`没有?(任何|相关|有效)?(凭证|照片|图片|视频|截图|实拍图?)(的话)?[，,]?(就|是|我们|这边)?(无法|不能|没法|不予|不可以|没办法|不给|处理不了|退不了)` +
	`|\b(without|with no) (any )?(photos?|pictures?|pics?|videos?|images?|screenshots?)\b[^.!?;]{0,12}\b(can'?t|cannot|won'?t|unable|not able)\b`)

// buyerSpeaks reports whether the buyer wrote anything after event i,
// up to event upto, before the agent's next deciding action.
func buyerSpeaks(c *Conversation, i, upto int) bool {
	for j := i + 1; j <= upto && j < len(c.Events); j++ {
		e := c.Events[j]
		if e.Sender == SenderCustomer {
			return true
		}
		if e.Kind == EventAction && e.Action != nil && deciding(e.Action.Kind) {
			return false
		}
	}
	return false
}

// deciding reports whether an action settles the case one way or the
// other (as opposed to asking, escalating or closing).
func deciding(k ActionKind) bool {
	switch k {
	case ActRefund, ActApproveReturn, ActExchange, ActReship, ActIntercept, ActCompensate, ActReject:
		return true
	}
	return false
}

// limits are the profile's thresholds in seconds.
type limits struct{ answer, reply, timeout, unanswered float64 }

// limitsOf reads p's thresholds; a nil profile or a zero field takes the
// defaults of DOMAIN.md §1 (30 s, 3 min, 3 min, 600 s).
func limitsOf(p *PlatformProfile) limits {
	l := limits{answer: 30, reply: 180, timeout: DefaultTimeoutThreshold.Seconds(), unanswered: 600}
	if p == nil {
		return l
	}
	set := func(v *float64, d time.Duration) {
		if d > 0 {
			*v = d.Seconds()
		}
	}
	set(&l.answer, p.AnswerThreshold)
	set(&l.reply, p.ReplyThreshold)
	set(&l.timeout, p.TimeoutThreshold)
	set(&l.unanswered, p.RoundCap)
	set(&l.unanswered, p.UnansweredRound)
	return l
}

func secs(s float64) string {
	return FormatDuration(time.Duration(math.Round(s)) * time.Second)
}

// scorer holds the state of one ScoreConversation call.
type scorer struct {
	c      *Conversation
	w      [5]float64 // weights by dimension index
	kept   [5]float64
	d      []Deduction
	hard   bool
	notes  []string
	k      Case
	known  bool
	policy *MerchantPolicy
	off    ruleSet
	sp     []span
	acts   []int // indices of action events
	decide int   // index of the first deciding action, -1 when none
}

const (
	iTime = iota
	iRes
	iComp
	iComm
	iEff
)

var dimNames = [5]string{DimTimeliness, DimResolution, DimCompliance, DimCommunication, DimEfficiency}

// deduct takes pts (rounded to the cent of a point) from dimension dim, no
// more than it has left, and records why.
func (s *scorer) deduct(dim int, pts float64, ev int, format string, args ...any) {
	// Exact until the total (scoring.md: the total is rounded to 0.01,
	// once); a deduction shows its points rounded. Rounding each one
	// first let five 0.005s move a total by 0.02 (a black-box tester).
	pts = min(max(0, pts), s.kept[dim])
	s.kept[dim] -= pts
	s.d = append(s.d, Deduction{Dimension: dimNames[dim], Points: round2(pts), Event: ev, Reason: fmt.Sprintf(format, args...)})
}

// round2 rounds to 0.01, halves away from zero; a sum of exact points
// within 1e-9 of a half is taken as the half (14.625 is 14.63, though
// 15 − 0.375 comes out a hair below it in binary).
func round2(x float64) float64 {
	return math.Round(x*100+math.Copysign(1e-7, x)) / 100
}

// at describes event i for a reason: "10:02:31".
func (s *scorer) at(i int) string { return s.c.Events[i].At.Format("15:04:05") }

// ScoreRules are the rules a conversation is scored by.
type ScoreRules struct {
	// Profile gives the timeliness thresholds; nil takes DOMAIN.md §1's
	// defaults.
	Profile *PlatformProfile
	// Weights are the dimensions' points (DefaultScoreWeights when zero).
	Weights ScoreWeights
	// Policy is the merchant's policy (nil: DefaultMerchantPolicy); it
	// bounds compensation.
	Policy *MerchantPolicy
	// off switches rules off, for the ablation tests only.
	off ruleSet
}

// ScoreConversation scores c under profile p with weights w and the
// default merchant policy; see [ScoreConversationBy].
func ScoreConversation(c *Conversation, p *PlatformProfile, w ScoreWeights) Score {
	return ScoreConversationBy(c, ScoreRules{Profile: p, Weights: w})
}

// ScoreConversationBy scores c by the rubric of docs/scoring.md. It is
// deterministic and pure.
//
// # Timeliness
//
// Rounds are those of [SessionOf]. The first response keeps 40 % of the
// weight when it comes within the answer threshold (30 s); after it, the
// loss grows linearly to all of that 40 % at the reply threshold (3 min),
// and a first message never answered (or only welcomed) loses it all. The
// other 60 % is split evenly over the rounds, the first included: a round
// answered after the reply threshold loses half its part at once, and past
// the timeout threshold the rest linearly up to the unanswered-round value
// (600 s); an unanswered round loses its whole part.
//
// # Resolution
//
// Judged against the case's row of the decision table (resolution.go):
// the handling is correct when the buyer was served in their language,
// the case's resolving action was taken (for a question: an answer),
// nothing contrary was done, evidence came first where the table wants it,
// the payer and the amounts are the table's, the escalation is as the
// table says, no threat was closed on unresolved, and no hard-fail action
// of the case was taken. All 35 points are lost when the buyer was never
// served in their language or the conversation ended without its
// resolving action; a wrong handling loses the outcome (50 %); evidence,
// payer, amount and escalation each cost their own share (15, 15, 10,
// 10 %).
//
// When the case is empty or unknown (an imported transcript), the
// resolution is not judged: Resolution is 0, ResolutionJudged false, a note
// says so, and Total is the other dimensions' points as a share of their
// weights, so it still runs to 100.
//
// # Compliance
//
// [ComplianceHits] on every agent message and action reason, plus
// tracking numbers the agent cannot know. A hard-fail rule takes the whole
// weight and sets HardFail; a soft one takes a third. In pre-sales
// conversations absolute claims are hard fails too (DOMAIN.md §2 #16).
//
// # Communication
//
// 30 % for an acknowledgement or apology in cases where the seller is at
// fault; 30 % for a next step with a time ("24小时内", "明天", "by 5 pm")
// in after-sales conversations; 20 % for writing in the buyer's language,
// lost in proportion to the messages that are not; 10 % lost per request
// for the order number after the buyer gave it; 10 % for not repeating
// the same reply.
//
// # Efficiency
//
// Half for rounds within par (ParRounds × the case's Effort, rounded),
// half for the time from the first reply to the close within par
// (ParHandleTime × Effort); each part is lost linearly up to twice par.
//
// # Total
//
// Total = 100 × Σ points ÷ Σ weights judged, rounded to 0.01; with a hard
// fail at most HardFailCap. Automatic messages from the agent's account
// (Event.Auto) are not the agent's and are not judged.
func ScoreConversationBy(c *Conversation, r ScoreRules) Score {
	p, w := r.Profile, r.Weights
	if w == (ScoreWeights{}) {
		w = DefaultScoreWeights()
	}
	s := &scorer{c: c, decide: -1, policy: r.Policy, off: r.off}
	s.w = [5]float64{w.Timeliness, w.Resolution, w.Compliance, w.Communication, w.Efficiency}
	for i := range s.w {
		s.w[i] = max(0, s.w[i])
		if math.IsNaN(s.w[i]) || math.IsInf(s.w[i], 0) {
			s.w[i] = 0
		}
		s.kept[i] = s.w[i]
	}
	s.k, s.known = LookupCase(c.Case)
	s.sp = spans(c, s.off)
	for i, e := range c.Events {
		if s.off.byAgent(e) && e.Kind == EventAction && e.Action != nil {
			s.acts = append(s.acts, i)
			if s.decide < 0 && deciding(e.Action.Kind) {
				s.decide = i
			}
		}
	}

	s.timeliness(limitsOf(p))
	correct := s.resolution()
	s.compliance()
	s.communication()
	s.efficiency()

	judged := s.w[iTime] + s.w[iComp] + s.w[iComm] + s.w[iEff]
	sum := s.kept[iTime] + s.kept[iComp] + s.kept[iComm] + s.kept[iEff]
	if s.known {
		judged += s.w[iRes]
		sum += s.kept[iRes]
	} else {
		s.kept[iRes] = 0
	}
	total := 0.0
	if judged > 0 {
		total = round2(100 * sum / judged)
	}
	if s.hard {
		total = min(total, HardFailCap)
	}
	// Conversation-wide deductions (Event -1) go last; ties keep the
	// order of the checks.
	sort.SliceStable(s.d, func(a, b int) bool {
		ea, eb := s.d[a].Event, s.d[b].Event
		if ea < 0 {
			ea = math.MaxInt
		}
		if eb < 0 {
			eb = math.MaxInt
		}
		return ea < eb
	})
	return Score{
		Total:      total,
		Timeliness: round2(s.kept[iTime]), Resolution: round2(s.kept[iRes]), Compliance: round2(s.kept[iComp]),
		Communication: round2(s.kept[iComm]), Efficiency: round2(s.kept[iEff]),
		HardFail: s.hard, Correct: correct, ResolutionJudged: s.known,
		// [] rather than null for a clean conversation: every reader of
		// the JSON gets a list.
		Deductions: append([]Deduction{}, s.d...), Notes: s.notes,
	}
}

func (s *scorer) timeliness(l limits) {
	if len(s.sp) == 0 {
		return
	}
	wt := s.w[iTime]
	first := s.sp[0]
	share := shareFirstResponse * wt
	if !first.answered() {
		s.deduct(iTime, share, first.open, "the buyer's first message (%s) never got a valid reply", s.at(first.open))
	} else if wait := first.wait(s.c); wait > l.answer {
		frac := 1.0
		if l.reply > l.answer {
			frac = min(1, (wait-l.answer)/(l.reply-l.answer))
		}
		s.deduct(iTime, share*frac, first.reply, "first response after %s, over the %s answer threshold", secs(wait), secs(l.answer))
	}
	part := shareRounds * wt / float64(len(s.sp))
	timeout := max(l.timeout, l.reply)
	for n, r := range s.sp {
		if !r.answered() {
			s.deduct(iTime, part, r.open, "round %d (buyer at %s) never got a valid reply", n+1, s.at(r.open))
			continue
		}
		wait := r.wait(s.c)
		switch {
		case wait <= l.reply:
		case wait <= timeout:
			s.deduct(iTime, part/2, r.reply, "round %d: reply after %s, over the %s reply threshold", n+1, secs(wait), secs(l.reply))
		default:
			frac := 1.0
			if l.unanswered > timeout {
				frac = min(1, (wait-timeout)/(l.unanswered-timeout))
			}
			s.deduct(iTime, part/2+part/2*frac, r.reply, "round %d: reply after %s, a response timeout (over %s)", n+1, secs(wait), secs(timeout))
		}
	}
}

// resolution scores the resolution dimension and returns whether the
// handling is correct (docs/scoring.md, "Resolution"). The first fault
// that makes the handling wrong also takes the outcome share; each share
// is taken once; every hard fail is recorded, even when no points are left
// to take.
func (s *scorer) resolution() bool {
	c, k := s.c, s.k
	if !s.known {
		if c.Case == "" {
			s.notes = append(s.notes, "resolution not judged: the conversation names no case; the other dimensions are scaled to 100")
		} else {
			s.notes = append(s.notes, fmt.Sprintf("resolution not judged: unknown case %q; the other dimensions are scaled to 100", c.Case))
		}
		return false
	}
	j := judgeResolution(c, k, s.policy, s.off)
	wr := s.w[iRes]
	taken := map[share]bool{}
	outcome := false
	for _, f := range j.faults {
		pts := 0.0
		if f.share == shareAll && !taken[shareAll] {
			pts, outcome = wr, true
			taken[shareAll] = true
		}
		if f.share != shareAll && f.share != shareNone && !taken[f.share] {
			pts += f.share.of() * wr
			taken[f.share] = true
		}
		if f.wrong && !outcome {
			pts += shareOutcome * wr
			outcome = true
		}
		if f.hard {
			s.hard = true
		}
		if pts == 0 && !f.hard {
			continue
		}
		reason := f.reason
		if f.hard {
			reason = "hard fail: " + reason
		}
		s.deduct(iRes, pts, f.event, "%s", reason)
	}
	return j.correct
}

// agentTexts returns what the agent wrote in e: a message's text, an
// action's text and reason. System messages are not the agent's words.
func (off ruleSet) agentTexts(e Event) []string {
	if !off.byAgent(e) {
		return nil
	}
	var out []string
	if e.Text != "" {
		out = append(out, e.Text)
	}
	if e.Action != nil && e.Action.Reason != "" {
		out = append(out, e.Action.Reason)
	}
	return out
}

func (s *scorer) compliance() {
	presales := s.c.isPresales()
	wc := s.w[iComp]
	known := s.knownNumbers()
	knownUngrouped := ungroup(known)
	for i, e := range s.c.Events {
		seen := map[string]bool{}
		for _, t := range s.off.agentTexts(e) {
			hits := ComplianceHits(t)
			for _, n := range trackingNumbers(t) {
				if !strings.Contains(knownUngrouped, n) {
					hits = append(hits, ComplianceHit{Rule: RuleInventedTrack, Match: n, HardFail: true})
				}
			}
			for _, h := range hits {
				if seen[h.Rule] || s.off[h.Rule] {
					continue
				}
				if h.Rule == RuleOffPlatform && quotesKnown(h.Match, known) {
					continue // the order's own number, or the buyer's, read as a phone number
				}
				seen[h.Rule] = true
				if h.Rule == RuleFalsePromise && s.off[ruleFalsePromiseHard] {
					h.HardFail = false
				}
				hard := h.HardFail || presales && (h.Rule == RuleAbsoluteClaim || h.Rule == RuleFalsePromise)
				if hard {
					s.hard = true
					why := ""
					if !h.HardFail {
						why = " in a pre-sales conversation"
					}
					s.deduct(iComp, wc, i, "hard fail: agent wrote %q (%s%s)", h.Match, strings.ReplaceAll(h.Rule, "_", " "), why)
				} else {
					s.deduct(iComp, shareSoftHit*wc, i, "agent wrote %q (%s)", h.Match, strings.ReplaceAll(h.Rule, "_", " "))
				}
			}
		}
	}
}

// quotesKnown reports whether match is a number (digits, perhaps grouped)
// that known holds: the agent quoting the order id, not a phone number.
func quotesKnown(match, known string) bool {
	digits := ungroup(match)
	return len(digits) >= 7 && strings.Trim(digits, "0123456789") == "" && strings.Contains(known, digits)
}

// knownNumbers returns, folded, the numbers the agent may quote: the
// order's id and tracking numbers and everything the buyer wrote.
func (s *scorer) knownNumbers() string {
	var b strings.Builder
	b.WriteString(foldText(s.c.Order.ID + " " + s.c.Order.Tracking))
	for _, e := range s.c.Events {
		if e.Sender == SenderCustomer {
			b.WriteString(" " + foldText(e.Text))
		}
	}
	return b.String()
}

func (s *scorer) communication() {
	c, wm := s.c, s.w[iComm]
	apologised, timed := false, false
	given, sent := -1, -1
	replies := map[string]int{}
	repeats, firstRepeat := 0, -1
	lang := c.BuyerLang()
	langMsgs, foreign, firstForeign := 0, 0, -1
	for i, e := range c.Events {
		if given < 0 && e.Sender == SenderCustomer && (e.Kind == EventMessage || e.Kind == EventEvidence) &&
			(len(c.Order.ID) >= 4 && strings.Contains(e.Text, c.Order.ID) || longDigits.MatchString(e.Text)) {
			given = i
		}
		if sent < 0 && e.Sender == SenderCustomer && e.Kind == EventEvidence {
			sent = i
		}
		if sent >= 0 && s.off.byAgent(e) && e.Kind == EventAction && e.Action != nil && e.Action.Kind == ActRequestEvidence {
			s.deduct(iComm, shareAskTwice*wm, i, "asked for evidence again (request_evidence); the buyer sent it at %s", s.at(sent))
		}
		if !s.off.byAgent(e) || e.Kind != EventMessage || e.Text == "" {
			continue
		}
		if l := TextLang(e.Text); l != LangNone && lang != LangNone {
			langMsgs++
			if l != lang {
				foreign++
				if firstForeign < 0 {
					firstForeign = i
				}
			}
		}
		apologised = apologised || says(apologyWords, e.Text)
		timed = timed || says(timeWords, e.Text)
		if given >= 0 && says(orderNumberWords, e.Text) && says(askWords, e.Text) {
			s.deduct(iComm, shareAskTwice*wm, i, "asked for the order number again; the buyer gave it at %s", s.at(given))
		}
		if sent >= 0 && asksForEvidence(e.Text) {
			s.deduct(iComm, shareAskTwice*wm, i, "asked for evidence again; the buyer sent it at %s", s.at(sent))
		}
		if t := strings.TrimSpace(e.Text); len([]rune(t)) >= 8 {
			replies[t]++
			if replies[t] > 1 {
				repeats++
				if firstRepeat < 0 {
					firstRepeat = i
				}
			}
		}
	}
	if foreign > 0 && !s.off[ruleLanguageComm] {
		s.deduct(iComm, shareLanguage*wm*float64(foreign)/float64(langMsgs), firstForeign,
			"%d of %d agent messages not in the buyer's language (%s)", foreign, langMsgs, lang)
	}
	if firstRepeat >= 0 {
		s.deduct(iComm, shareCanned*wm*min(1, float64(repeats)/2), firstRepeat, "the same reply sent again (%d repeats): a canned answer instead of one to the buyer", repeats)
	}
	if s.known && atFault[s.k.ID] && !apologised {
		s.deduct(iComm, shareApology*wm, -1, "no acknowledgement or apology, though in %s the seller is at fault", s.k.ID)
	}
	afterSales := s.known && !s.k.Presales || !s.known && !c.isPresales() && s.decide >= 0
	if afterSales && len(s.sp) > 0 && !timed {
		s.deduct(iComm, shareNextStep*wm, s.decide, "no next step with a time (such as 24小时内 or 明天) in the agent's messages")
	}
}

func (s *scorer) efficiency() {
	c, we := s.c, s.w[iEff]
	effort := 1.0
	if s.known && s.k.Effort > 0 {
		effort = s.k.Effort
	}
	par := max(1, math.Round(ParRounds*effort))
	if n := float64(len(s.sp)); n > par {
		s.deduct(iEff, shareTurns*we*min(1, (n-par)/par), -1, "%d rounds against a par of %d (effort %.1f)", len(s.sp), int(par), effort)
	}
	first := -1
	for _, r := range s.sp {
		if r.answered() {
			first = r.reply
			break
		}
	}
	if first < 0 || len(c.Events) == 0 {
		return
	}
	// The close is the agent's close action or the close event, whichever
	// comes first: the hub's later close event is not the agent's time.
	end := c.Events[len(c.Events)-1].At
	if i := s.off.closeIndex(c); i >= 0 {
		end = c.Events[i].At
	}
	h := end.Sub(c.Events[first].At).Seconds()
	parH := ParHandleTime.Seconds() * effort
	if h > parH {
		s.deduct(iEff, shareHandle*we*min(1, (h-parH)/parH), -1, "handled for %s from the first reply to the close, against a par of %s", secs(h), secs(parH))
	}
}

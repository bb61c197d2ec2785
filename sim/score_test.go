package sim_test

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

var scoreZone = time.FixedZone("CST", 8*3600)

// chatStart is 10:00 on Double 11, inside every profile's business hours.
var chatStart = time.Date(2026, 11, 11, 10, 0, 0, 0, scoreZone)

func atSec(s float64) time.Time { return chatStart.Add(time.Duration(s * float64(time.Second))) }

func custMsg(s float64, text string) sim.Event {
	return sim.Event{At: atSec(s), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: text}
}

func agentMsg(s float64, text string) sim.Event {
	return sim.Event{At: atSec(s), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "a1", Text: text}
}

func agentAct(s float64, kind sim.ActionKind, opts ...func(*sim.Action)) sim.Event {
	a := &sim.Action{Kind: kind}
	for _, o := range opts {
		o(a)
	}
	return sim.Event{At: atSec(s), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a1", Action: a}
}

func withPayer(p sim.Payer) func(*sim.Action)  { return func(a *sim.Action) { a.Payer = p } }
func withAmount(m sim.Money) func(*sim.Action) { return func(a *sim.Action) { a.Amount = m } }
func withReason(r string) func(*sim.Action)    { return func(a *sim.Action) { a.Reason = r } }

func sysEvent(s float64, kind sim.EventKind) sim.Event {
	return sim.Event{At: atSec(s), Sender: sim.SenderSystem, Kind: kind, Agent: "a1"}
}

func eventBy(s float64, sender sim.Sender, kind sim.EventKind) sim.Event {
	return sim.Event{At: atSec(s), Sender: sender, Kind: kind}
}

func ratingEvent(s float64, r int) sim.Event {
	return sim.Event{At: atSec(s), Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: r}
}

// goodDefect is a model handling of a quality defect: quick replies, an
// apology, photos asked for in words, the return on the seller, a full
// refund with a time, a reply to the buyer's thanks, the close.
func goodDefect() *sim.Conversation {
	return &sim.Conversation{
		ID: "c1", Case: sim.CaseQualityDefect, Persona: "calm",
		Order:   sim.Order{ID: "2026111100012345678", Product: "玻璃杯", Price: 5900},
		Arrived: atSec(0),
		Events: []sim.Event{
			custMsg(0, "你好，收到的杯子有裂纹"),
			sysEvent(10, sim.EventAssign),
			agentMsg(15, "非常抱歉给您带来不便，麻烦拍张照片给我看一下裂纹"),
			{At: atSec(60), Sender: sim.SenderCustomer, Kind: sim.EventEvidence, Text: "照片：杯身裂纹"},
			agentMsg(90, "收到，给您办理退货退款，运费由我们承担，收到退货后24小时内退款"),
			agentAct(95, sim.ActApproveReturn, withPayer(sim.PayerSeller)),
			agentAct(100, sim.ActRefund, withAmount(5900)),
			custMsg(130, "好的谢谢"),
			agentMsg(140, "不客气，祝您生活愉快"),
			agentAct(150, sim.ActClose),
			sysEvent(160, sim.EventClose),
			ratingEvent(170, 5),
		},
	}
}

func taobaoProfile() *sim.PlatformProfile {
	p := &sim.PlatformProfile{
		Name:            "taobao-like",
		BusinessHours:   sim.ClockRange{From: sim.Clock(8, 0), To: sim.Clock(23, 0)},
		AnswerThreshold: 30 * time.Second, ReplyThreshold: 3 * time.Minute,
		RoundCap: 10 * time.Minute, UnansweredRound: 10 * time.Minute, RollingWindow: 30 * 24 * time.Hour,
	}
	p.Normalize()
	return p
}

// edit returns goodDefect changed by f.
func editDefect(f func(c *sim.Conversation)) *sim.Conversation {
	c := goodDefect()
	f(c)
	return c
}

// replace swaps event i of c.
func replaceEvent(i int, e sim.Event) func(*sim.Conversation) {
	return func(c *sim.Conversation) { c.Events[i] = e }
}

func scoreLine(s sim.Score) string {
	return fmt.Sprintf("total %.2f (timeliness %.2f, resolution %.2f, compliance %.2f, communication %.2f, efficiency %.2f, hard fail %v, correct %v)",
		s.Total, s.Timeliness, s.Resolution, s.Compliance, s.Communication, s.Efficiency, s.HardFail, s.Correct)
}

func TestScoreConversation(t *testing.T) {
	type want struct {
		total    float64
		hardFail bool
		correct  bool
		// deductions as "dimension@event" in order, with a word of the
		// reason: "timeliness@2:first response".
		deductions []string
	}
	for _, tc := range []struct {
		name string
		c    *sim.Conversation
		want want
	}{
		{"a model handling keeps every point", goodDefect(), want{100, false, true, nil}},
		{
			// 60 s: (60 − 30) ÷ (180 − 30) × 40 % × 25 = 2 points.
			"slow first response loses linearly from the answer threshold",
			editDefect(func(c *sim.Conversation) { c.Events[2].At = atSec(60); c.Events[1].At = atSec(55) }),
			want{98, false, true, []string{"timeliness@2:first response after 1m, over the 30s answer threshold"}},
		},
		{
			// Round 2 of 3 answered after 200 s: half its 5 points at once,
			// the rest by (200 − 180) ÷ (600 − 180).
			"a late round is a response timeout",
			editDefect(func(c *sim.Conversation) {
				for i := 4; i < len(c.Events); i++ {
					c.Events[i].At = c.Events[i].At.Add(170 * time.Second)
				}
			}),
			want{100 - 2.5 - 0.12, false, true, []string{"timeliness@4:round 2: reply after 3m20s"}},
		},
		{
			"the buyer's last message needs a reply too (the close answers nothing)",
			editDefect(func(c *sim.Conversation) { c.Events = slices.Delete(c.Events, 8, 10) }),
			want{95, false, true, []string{"timeliness@7:round 3"}},
		},
		{
			"deciding before asking for evidence",
			editDefect(func(c *sim.Conversation) {
				c.Events[2].Text = "非常抱歉给您带来不便"
				c.Events = slices.Delete(c.Events, 3, 4)
			}),
			// Wrong (evidence first is a condition of correct): the outcome
			// share and the evidence share, 17.5 + 5.25.
			want{100 - 22.75, false, false, []string{"resolution@4:before obtaining the evidence the table requires"}},
		},
		{
			"the buyer paying return shipping for a defect is a hard fail",
			editDefect(replaceEvent(5, agentAct(95, sim.ActApproveReturn, withPayer(sim.PayerBuyer)))),
			want{59, true, false, []string{"resolution@5:hard fail: approve_return charges the buyer shipping"}},
		},
		{
			"a return without a named payer",
			editDefect(replaceEvent(5, agentAct(95, sim.ActApproveReturn))),
			// A missing payer is a wrong payer: outcome 17.5 + payer 5.25.
			want{100 - 22.75, false, false, []string{"resolution@5:names no shipping payer"}},
		},
		{
			"refund above the price",
			editDefect(replaceEvent(6, agentAct(100, sim.ActRefund, withAmount(6900)))),
			// Outcome 17.5 + amount 3.5.
			want{100 - 21, false, false, []string{"resolution@6:above the order price 59.00"}},
		},
		{
			"a wrong resolution",
			editDefect(func(c *sim.Conversation) {
				c.Events[5] = agentAct(95, sim.ActCompensate, withAmount(500))
				c.Events = slices.Delete(c.Events, 6, 7)
			}),
			// No resolving action of the case: every resolution point.
			want{100 - 35, false, false, []string{"resolution@5:no resolving action"}},
		},
		{
			"off-platform contact is a hard fail",
			editDefect(replaceEvent(8, agentMsg(140, "以后有问题加我微信 abc123"))),
			want{59, true, true, []string{"compliance@8:hard fail: agent wrote \"加我\""}},
		},
		{
			"an absolute claim costs a third of compliance",
			editDefect(replaceEvent(8, agentMsg(140, "不客气，我们家的杯子绝对耐用"))),
			want{95, false, true, []string{"compliance@8:\"绝对\" (absolute claim)"}},
		},
		{
			"no apology where the seller is at fault",
			editDefect(replaceEvent(2, agentMsg(15, "麻烦拍张照片给我看一下裂纹"))),
			want{100 - 4.5, false, true, []string{"communication@-1:no acknowledgement or apology"}},
		},
		{
			"no next step with a time",
			editDefect(replaceEvent(4, agentMsg(90, "收到，给您办理退货退款，运费由我们承担"))),
			want{100 - 4.5, false, true, []string{"communication@5:no next step with a time"}},
		},
		{
			"asking for the order number after the buyer gave it",
			editDefect(func(c *sim.Conversation) {
				c.Events[0].Text = "你好，订单2026111100012345678的杯子有裂纹"
				c.Events[2].Text = "非常抱歉，请提供一下订单号，并拍张照片"
			}),
			want{100 - 1.5, false, true, []string{"communication@2:asked for the order number again"}},
		},
		{
			"too many rounds and too long",
			editDefect(func(c *sim.Conversation) {
				var ev []sim.Event
				for i := range 8 {
					s := 200 + float64(i)*120
					ev = append(ev, custMsg(s, fmt.Sprintf("还有问题 %d", i)), agentMsg(s+10, fmt.Sprintf("好的，这就处理第%d个", i)))
				}
				tail := append([]sim.Event(nil), c.Events[9:]...)
				for i := range tail {
					tail[i].At = tail[i].At.Add(20 * time.Minute)
				}
				c.Events = append(append(c.Events[:9], ev...), tail...)
			}),
			// 11 rounds against par 5: 5 × min(1, 6/5); 22m15s from the
			// first reply to the agent's close (10 s before the event) against 7m48s: 5 × min(1, ...) = 5.
			want{90, false, true, []string{"efficiency@-1:11 rounds against a par of 5", "efficiency@-1:handled for 22m15s"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.ScoreConversation(tc.c, taobaoProfile(), sim.DefaultScoreWeights())
			if math.Abs(s.Total-tc.want.total) > 0.005 || s.HardFail != tc.want.hardFail || s.Correct != tc.want.correct {
				t.Errorf("%s; want total %.2f, hard fail %v, correct %v\n%v", scoreLine(s), tc.want.total, tc.want.hardFail, tc.want.correct, s.Deductions)
			}
			if len(s.Deductions) != len(tc.want.deductions) {
				t.Fatalf("deductions %v; want %v", s.Deductions, tc.want.deductions)
			}
			for i, d := range s.Deductions {
				w := tc.want.deductions[i]
				head, reason, _ := strings.Cut(w, ":")
				if got := fmt.Sprintf("%s@%d", d.Dimension, d.Event); got != head || !strings.Contains(d.Reason, reason) {
					t.Errorf("deduction %d: %s %q; want %s containing %q", i, got, d.Reason, head, reason)
				}
			}
			sum := s.Timeliness + s.Resolution + s.Compliance + s.Communication + s.Efficiency
			if !s.HardFail && math.Abs(sum-s.Total) > 0.005 {
				t.Errorf("dimensions add up to %.2f; total %.2f", sum, s.Total)
			}
			if s.Notes != nil {
				t.Errorf("notes %v for a known case", s.Notes)
			}
		})
	}
}

func TestScoreConversation_Cases(t *testing.T) {
	for _, tc := range []struct {
		name     string
		c        *sim.Conversation
		hardFail bool
		correct  bool
		reason   string // a word of some deduction's reason, "" for none
	}{
		{
			"safety case not escalated",
			&sim.Conversation{Case: sim.CaseSafetyInjury, Events: []sim.Event{
				custMsg(0, "孩子用了起疹子了"), agentMsg(5, "非常抱歉，我们马上处理，1小时内回复您"), agentAct(10, sim.ActRefund, withAmount(100)), sysEvent(20, sim.EventClose),
			}},
			true, false, "not escalated",
		},
		{
			"needless escalation of a no-reason return",
			&sim.Conversation{Case: sim.CaseNoReasonReturn, Events: []sim.Event{
				custMsg(0, "尺码不合适想退"), agentMsg(5, "好的，已为您申请退货，运费由您承担，审核今天完成"),
				agentAct(6, sim.ActApproveReturn, withPayer(sim.PayerBuyer)), agentAct(7, sim.ActEscalate, withReason("not sure")), sysEvent(20, sim.EventClose),
			}},
			false, false, "escalated a case the agent decides alone",
		},
		{
			"rejecting a no-reason return is a hard fail",
			&sim.Conversation{Case: sim.CaseNoReasonReturn, Events: []sim.Event{
				custMsg(0, "尺码不合适想退"), agentMsg(5, "今天处理"), agentAct(6, sim.ActReject, withReason("worn")), sysEvent(20, sim.EventClose),
			}},
			true, false, "hard fail: rejected a case the table grants",
		},
		{
			"cannot cancel in transit is a hard fail",
			&sim.Conversation{Case: sim.CaseCancelInTransit, Events: []sim.Event{
				custMsg(0, "我不要了能取消吗"), agentMsg(5, "已经发货了不能取消哦"), agentAct(6, sim.ActIntercept), sysEvent(20, sim.EventClose),
			}},
			true, false, `"不能取消"`,
		},
		{
			"stalling a stalled parcel is a hard fail",
			&sim.Conversation{Case: sim.CaseLogisticsStalled, Events: []sim.Event{
				custMsg(0, "五天没动了"), agentMsg(5, "抱歉，您再等几天看看，明天给您回复"), sysEvent(20, sim.EventClose),
			}},
			true, false, `"再等几天"`,
		},
		// Waiving the evidence, or claiming to have seen it, asks for
		// none (scoring.md Resolution 4: an agent message asking for
		// photos): a defect refunded so is decided without evidence.
		{
			"a defect refunded with the photo waived",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，不需要照片，直接给您退款，今天到账"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded with the photo waived after it",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，照片就不用拍了，今天给您退款"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded with no need to send a photo",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "The lid is cracked"), agentMsg(5, "Sorry about that. No need to send a photo, refund today."), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded on a photo the agent claims to have seen",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，已经看到您的照片了，今天给您退款"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded on a photo the agent says it received",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，照片我这边已经收到了，今天给您退款"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded on a photo the agent says it has seen",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "The lid is cracked"), agentMsg(5, "So sorry! I already have your photo, refund today."), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a pre-sales question answered with a lone yes",
			&sim.Conversation{Case: sim.CasePresalesQuestion, Presales: true, Events: []sim.Event{
				custMsg(0, "Do you have this in size M?"), agentMsg(5, "Yes."), agentAct(6, sim.ActClose), sysEvent(20, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a defect refunded after asking for a real photo",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，麻烦发个实拍图过来哈"), custMsg(30, "好的"),
				agentMsg(40, "今天给您退款"), agentAct(41, sim.ActRefund, withAmount(89_00)), sysEvent(60, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a defect refunded after asking to photograph it",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "The lid is cracked"), agentMsg(5, "So sorry! Could you photograph the crack for me?"), custMsg(30, "[image]"),
				agentMsg(40, "Thanks, refund today."), agentAct(41, sim.ActRefund, withAmount(89_00)), sysEvent(60, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a defect refunded after asking 拍给我看一下",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "实在对不住，麻烦把裂痕拍给我看一下"), custMsg(30, "[图片]"),
				agentMsg(40, "今天给您退款"), agentAct(41, sim.ActRefund, withAmount(89_00)), sysEvent(60, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a defect refunded after asking for a clip",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "The mug leaks"), agentMsg(5, "So sorry! Can you film a short clip of the leak?"), eventBy(30, sim.SenderCustomer, sim.EventEvidence),
				agentMsg(40, "Thanks, refund today."), agentAct(41, sim.ActRefund, withAmount(89_00)), sysEvent(60, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a defect refunded with the photo spared",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，照片就不麻烦您拍了，今天直接给您退款"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "before obtaining the evidence",
		},
		{
			"a defect refunded after asking for a photo",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，麻烦拍张照片给我看看，今天处理"), agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"an absolute claim before the sale is a hard fail",
			&sim.Conversation{Case: sim.CasePresalesQuestion, Presales: true, Events: []sim.Event{
				custMsg(0, "这款好吗"), agentMsg(5, "这款是全网最低价"), agentAct(6, sim.ActClose), sysEvent(20, sim.EventClose),
			}},
			true, true, "in a pre-sales conversation",
		},
		{
			"rejecting suspected abuse after asking for evidence: wrong, but no hard fail",
			&sim.Conversation{Case: sim.CaseSuspectedAbuse, Events: []sim.Event{
				custMsg(0, "东西坏了退款"), agentAct(5, sim.ActRequestEvidence), agentMsg(6, "请在24小时内上传照片"),
				agentAct(100, sim.ActReject, withReason("no evidence after 24 h")), sysEvent(120, sim.EventClose),
			}},
			false, false, "rejected a case the table resolves otherwise",
		},
		{
			"rejecting suspected abuse without asking is a hard fail",
			&sim.Conversation{Case: sim.CaseSuspectedAbuse, Events: []sim.Event{
				custMsg(0, "东西坏了退款"), agentMsg(5, "今天处理"), agentAct(6, sim.ActReject, withReason("abuse")), sysEvent(120, sim.EventClose),
			}},
			true, false, "without first asking for evidence",
		},
		// The angry buyer's row takes either payer (scoring.md rule 5),
		// not none: a reship naming no payer is wrong as in every case.
		{
			"an angry buyer's reship naming no payer",
			&sim.Conversation{Case: sim.CaseAngryThreat, Events: []sim.Event{
				custMsg(0, "The zipper broke, I'll leave a bad review!"), agentMsg(5, "I'm so sorry. We send a replacement within 24 hours."),
				agentAct(6, sim.ActReship), sysEvent(20, sim.EventClose),
			}},
			false, false, "names no shipping payer",
		},
		{
			"an angry buyer's reship with the buyer paying",
			&sim.Conversation{Case: sim.CaseAngryThreat, Events: []sim.Event{
				custMsg(0, "The zipper broke, I'll leave a bad review!"), agentMsg(5, "I'm so sorry. We send a replacement within 24 hours."),
				agentAct(6, sim.ActReship, withPayer(sim.PayerBuyer)), sysEvent(20, sim.EventClose),
			}},
			false, true, "",
		},
		// "没有凭证无法退款" states a rule; rejected at once, the buyer had
		// no evidence path (scoring.md, suspected abuse). Given a turn
		// after it, the buyer had one.
		{
			"rejecting suspected abuse at once after stating that evidence is needed is a hard fail",
			&sim.Conversation{Case: sim.CaseSuspectedAbuse, Events: []sim.Event{
				custMsg(0, "耳机是坏的，直接退款"), agentMsg(5, "不好意思，没有凭证无法退款，申请已驳回"), agentAct(6, sim.ActReject, withReason("无凭证")), custMsg(30, "？"), sysEvent(120, sim.EventClose),
			}},
			true, false, "without first asking for evidence",
		},
		{
			"rejecting suspected abuse at once: 'without photos we can't refund' is no path either",
			&sim.Conversation{Case: sim.CaseSuspectedAbuse, Events: []sim.Event{
				custMsg(0, "The headphones are broken, refund me"), agentMsg(5, "Without photos we can't refund, so it's declined."), agentAct(6, sim.ActReject, withReason("no proof")), sysEvent(120, sim.EventClose),
			}},
			true, false, "without first asking for evidence",
		},
		{
			"rejecting suspected abuse after the buyer had a turn to send the evidence the agent said was needed",
			&sim.Conversation{Case: sim.CaseSuspectedAbuse, Events: []sim.Event{
				custMsg(0, "耳机是坏的，直接退款"), agentMsg(5, "没有照片的话没法处理哦"), custMsg(30, "我不拍，直接退"),
				agentAct(40, sim.ActReject, withReason("无凭证")), sysEvent(120, sim.EventClose),
			}},
			false, false, "rejected a case the table resolves otherwise",
		},
		// DOMAIN.md §2 row 2: a parcel signed before the intercept goes
		// to the return flow; in transit, a return is no intercept.
		{
			"a cancel in transit signed already goes to the return flow",
			&sim.Conversation{Case: sim.CaseCancelInTransit, Order: sim.Order{Price: 89_00, Logistics: "signed"}, Events: []sim.Event{
				custMsg(0, "我不要了，能取消吗"), agentMsg(5, "抱歉，包裹已签收，给您走退货，运费我们承担，收到退货后24小时内退款"),
				agentAct(6, sim.ActApproveReturn, withPayer(sim.PayerSeller)), sysEvent(20, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a cancel in transit returned instead of intercepted",
			&sim.Conversation{Case: sim.CaseCancelInTransit, Order: sim.Order{Price: 89_00, Logistics: "in transit"}, Events: []sim.Event{
				custMsg(0, "我不要了，能取消吗"), agentMsg(5, "好的，给您走退货，运费我们承担，收到退货后24小时内退款"),
				agentAct(6, sim.ActApproveReturn, withPayer(sim.PayerSeller)), sysEvent(20, sim.EventClose),
			}},
			false, false, "the case resolves by intercept",
		},
		// DOMAIN.md §4: no asking twice for given facts; a photo the
		// buyer sent is one.
		{
			"asking for the photo again after the buyer sent it",
			&sim.Conversation{Case: sim.CaseQualityDefect, Order: sim.Order{Price: 89_00}, Events: []sim.Event{
				custMsg(0, "杯盖裂了"), agentMsg(5, "非常抱歉，麻烦拍张照片给我看看"), eventBy(30, sim.SenderCustomer, sim.EventEvidence),
				agentMsg(40, "麻烦再拍一张照片发一下"), agentMsg(45, "给您退款，今天到账"), agentAct(46, sim.ActRefund, withAmount(89_00)), sysEvent(60, sim.EventClose),
			}},
			false, true, "asked for evidence again",
		},
		{
			"quoting the order's own number is no phone number",
			&sim.Conversation{Case: sim.CaseRefundUnshipped, Order: sim.Order{ID: "13857924601", Price: 89_00}, Events: []sim.Event{
				custMsg(0, "还没发货，不要了，退款吧"), agentMsg(5, "亲，订单13857924601还没出库，已经为您退款¥89，今天到账"),
				agentAct(6, sim.ActRefund, withAmount(89_00)), sysEvent(20, sim.EventClose),
			}},
			false, true, "",
		},
		{
			"a price-protection refund when the price went up",
			&sim.Conversation{Case: sim.CasePriceProtection, Order: sim.Order{Price: 89_00, CurrentPrice: 99_00}, Events: []sim.Event{
				custMsg(0, "买完就降价了，能退差价吗"), agentMsg(5, "亲，给您退10元，今天到账"), agentAct(6, sim.ActRefund, withAmount(10_00)), sysEvent(20, sim.EventClose),
			}},
			false, false, "there is no difference to refund",
		},
		{
			"a partial refund of a not-as-described item",
			&sim.Conversation{Case: sim.CaseNotAsDescribed, Order: sim.Order{Price: 10000}, Events: []sim.Event{
				custMsg(0, "和描述完全不一样"), agentMsg(5, "非常抱歉，麻烦发图看一下"), eventBy(30, sim.SenderCustomer, sim.EventEvidence),
				agentMsg(40, "已退款并补偿，1小时内到账"), agentAct(41, sim.ActRefund, withAmount(5000)), agentAct(42, sim.ActCompensate, withAmount(1000)), sysEvent(60, sim.EventClose),
			}},
			false, false, "refunds the order price 100.00 in full",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.ScoreConversation(tc.c, nil, sim.DefaultScoreWeights())
			if s.HardFail != tc.hardFail || s.Correct != tc.correct {
				t.Errorf("%s; want hard fail %v, correct %v\n%v", scoreLine(s), tc.hardFail, tc.correct, s.Deductions)
			}
			if tc.hardFail && s.Total > sim.HardFailCap {
				t.Errorf("total %.2f above the hard-fail cap", s.Total)
			}
			found := tc.reason == ""
			for _, d := range s.Deductions {
				found = found || strings.Contains(d.Reason, tc.reason)
			}
			if !found {
				t.Errorf("no deduction says %q: %v", tc.reason, s.Deductions)
			}
		})
	}
}

func TestScoreConversation_Unjudged(t *testing.T) {
	for _, id := range []string{"", "no_such_case"} {
		t.Run("case="+id, func(t *testing.T) {
			c := goodDefect()
			c.Case = id
			// A slow first response: 2 of the 65 judged points.
			c.Events[2].At = atSec(60)
			s := sim.ScoreConversation(c, taobaoProfile(), sim.DefaultScoreWeights())
			if s.ResolutionJudged || s.Resolution != 0 || s.Correct {
				t.Errorf("judged %v, resolution %v, correct %v; want not judged, 0, false", s.ResolutionJudged, s.Resolution, s.Correct)
			}
			if want := math.Round(100*63/65.0*100) / 100; s.Total != want {
				t.Errorf("total %.2f; want %.2f (63 of 65 points, scaled to 100)", s.Total, want)
			}
			if len(s.Notes) != 1 || !strings.Contains(s.Notes[0], "not judged") {
				t.Errorf("notes %q; want one saying the resolution is not judged", s.Notes)
			}
			if q := sim.ResolutionQuality(s, sim.DefaultScoreWeights()); q != 1 {
				t.Errorf("ResolutionQuality %v; want 1 when not judged", q)
			}
		})
	}
}

func TestScoreConversation_Deterministic(t *testing.T) {
	c := editDefect(func(c *sim.Conversation) {
		c.Events[2].At = atSec(400)
		c.Events[8].Text = "加我微信，好评返现，你是不是傻"
	})
	a := sim.ScoreConversation(c, taobaoProfile(), sim.DefaultScoreWeights())
	for range 20 {
		b := sim.ScoreConversation(c, taobaoProfile(), sim.DefaultScoreWeights())
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("two scores of one conversation differ:\n%v\n%v", a, b)
		}
	}
	for i := 1; i < len(a.Deductions); i++ {
		p, q := a.Deductions[i-1].Event, a.Deductions[i].Event
		if q >= 0 && (p < 0 || p > q) {
			t.Errorf("deductions out of event order: %v", a.Deductions)
		}
	}
}

func TestResolutionQuality(t *testing.T) {
	w := sim.DefaultScoreWeights()
	for _, tc := range []struct {
		s    sim.Score
		want float64
	}{
		{sim.Score{ResolutionJudged: true, Resolution: 35}, 1},
		{sim.Score{ResolutionJudged: true, Resolution: 17.5}, 0.5},
		{sim.Score{ResolutionJudged: true, Resolution: 0}, 0},
		{sim.Score{ResolutionJudged: false, Resolution: 0}, 1},
	} {
		if got := sim.ResolutionQuality(tc.s, w); got != tc.want {
			t.Errorf("ResolutionQuality(%+v) = %v; want %v", tc.s, got, tc.want)
		}
	}
}

func TestComplianceHits(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string // "rule:match", "!" marks a hard fail
	}{
		// Everyday words that only look like breaches.
		{"我们会第一时间处理", nil},
		{"这款是100%纯棉的", nil},
		{"您最好拍张照片给我们", nil},
		{"您的订单 2026111112345678901 已查到", nil},
		{"It's not your fault at all.", nil},
		{"请勿私下交易，平台上沟通更有保障", nil},
		{"滚动页面可以看到尺码表", nil},
		{"评价后我们会改进", nil},
		{"由于我们自己的原因给您添麻烦了", nil},
		// Absolute claims: soft (hard in a pre-sales answer, which scoring
		// decides).
		// 最低价 overlaps 全网最: one hit of a rule per stretch of text.
		{"这款绝对是全网最低价", []string{"absolute_claim:绝对", "absolute_claim:全网最"}},
		{"我们保证金已经退还", nil},
		{"If you're not happy, I promise we'll sort it out", nil},
		{"另一位买家也反映了这个问题", nil},
		{"Another customer reported the same problem", nil},
		// Hard fails. Unverifiable promises (docs/scoring.md).
		{"保证合身，明天一定到", []string{"!false_promise:保证合身", "!false_promise:一定到"}},
		{"We guarantee it will fit", []string{"!false_promise:guarantee it will fit"}},
		{"It's guaranteed to arrive tomorrow", []string{"!false_promise:guaranteed to arrive"}},
		// Another buyer's data, with or without a phone number.
		{"另一位买家王女士住在浦东新区张江路100号，也是这个问题", []string{"!other_buyer_data:另一位买家王女士"}},
		{"之前有位客户李先生的订单号是4021118890012345也这样", []string{"!other_buyer_data:之前有位客户李先生"}},
		{"Another customer, Mrs. Lee at 12 Elm St, had the same", []string{"!other_buyer_data:another customer, mrs. lee at 12"}},
		{"加 我 微信", []string{"!off_platform_contact:加我", "!off_platform_contact:微信"}},
		{"ＱＱ：12345", []string{"!off_platform_contact:qq"}},
		{"打 138-1234-5678 找我", []string{"!off_platform_contact:138-1234-5678"}},
		{"mail foo@example.com", []string{"!off_platform_contact:foo@example.com"}},
		{"add me on WeChat", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		{"好评返现5元", []string{"!private_cashback:好评返"}},
		{"麻烦把差评改一下", []string{"!review_manipulation:差评改"}},
		{"Could you change your review please", []string{"!review_manipulation:change your review"}},
		{"你是不是傻", []string{"!insult:傻"}},
		{"That's your own fault", []string{"!insult:your own fault"}},
		{"身份证 11010519491231002X", []string{"!personal_data:11010519491231002x"}},
		{"银行卡号 4111 1111 1111 1111", []string{"!personal_data:4111 1111 1111 1111"}},
		{"银行卡号 4111 1111 1111 1112", nil}, // fails the Luhn check
		// A negation shortly before, in the same clause, takes a phrase
		// back (docs/scoring.md: look-alikes do not count); a real
		// accusation, a new statement after the negation or a question
		// stays a hit.
		{"这不是您自己的问题", nil},
		{"这并不是您自己的原因", nil},
		{"绝不是您自己的责任", nil},
		{"我没有说是您自己的问题", nil},
		{"It's not at all your fault.", nil},
		{"This isn't your fault.", nil},
		{"This isn’t your fault.", nil},
		{"I never said it was your fault.", nil},
		{"这是您自己的问题", []string{"!insult:您自己的问题"}},
		{"It's your fault", []string{"!insult:your fault"}},
		{"不是我们的原因是您自己的原因", []string{"!insult:您自己的原因"}},
		{"这不是您自己的问题吗？", []string{"!insult:您自己的问题"}},
		{"这不是您自己的问题，您看这样处理可以吗？", nil},
		{"Isn't it your fault?", []string{"!insult:your fault"}},
		{"Isn't this your fault", []string{"!insult:your fault"}},
		{"Don't you think it's your fault", []string{"!insult:your fault"}},
		{"Don't worry, it's not your fault", nil},
		{"Why don't you add me on WeChat", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		// A negation about something else takes nothing back (a second
		// black-box check): 不用担心, "don't hesitate", 不要忘了.
		{"不用担心好评返现5元", []string{"!private_cashback:好评返"}},
		{"放心不会亏待您好评返现5元", []string{"!private_cashback:好评返"}},
		{"不用谢私下补偿您5元", []string{"!off_platform_contact:私下", "!private_cashback:私下补偿"}},
		{"不用担心我们的微信是kf8888", []string{"!off_platform_contact:微信"}},
		{"不要忘了加我微信kf8888", []string{"!off_platform_contact:加我", "!off_platform_contact:微信"}},
		{"不要忘记删差评", []string{"!review_manipulation:删差评"}},
		{"Do not worry add me on WeChat kf8888", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		{"Don't hesitate to add me on WeChat: kf8888", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		{"Don't forget to change your review after the refund.", []string{"!review_manipulation:change your review"}},
		{"Don't forget to leave a 5-star review for cash back!", []string{"!private_cashback:cash back"}},
		{"We don't use WeChat unless you prefer it", []string{"!off_platform_contact:wechat"}},
		// Declining with a word between: 不私下返现.
		{"我们不私下返现", nil},
		{"我们不加微信，也不私下返现", nil},
		{"以后有问题加个V方便联系", []string{"!off_platform_contact:加个v"}},
		{"加个VIP会员价更优惠", nil},
		// Good chats a tester found punished.
		{"有的亲，旺仔QQ糖现货", nil},
		{"the QQ penguin plush is in stock", nil},
		{"Yes, JD accepts WeChat Pay at checkout.", nil},
		{"是我们犯傻发错了，真不好意思！", nil},
		{"We can't afford to let you down", nil},
		{"这款是100%新疆长绒棉", nil},
		{"含棉量100%", nil},
		{"这款杯胆是100%食品级304不锈钢", nil},
		{"Nobody is saying you broke it", nil},
		{"No one can see this so add me on WeChat", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		// A fifth black-box round: escapes.
		{"收到后晒图好评，联系客服领5元红包", []string{"!private_cashback:晒图好评,联系客服领5元红包"}},
		{"Leave us 5 stars and I'll send you 10 yuan back on Alipay.", []string{"!private_cashback:5 stars and i'll send you 10 yuan back"}},
		{"If you post a positive review we'll refund you 5 dollars on the side.", []string{"!private_cashback:positive review we'll refund you 5 dollars"}},
		{"Thanks for the good rating! We'll send your replacement today", nil},
		{"It's the latest model on the market", nil},
		{"嫌贵就别买嘛", []string{"!insult:嫌贵就别买"}},
		{"that's on you for not checking the chart.", []string{"!insult:that's on you"}},
		// Round 12 of the black-box scoring tests.
		{"Honestly though, this usually happens when people overfill it, so that one's on you.", []string{"!insult:that one's on you"}},
		{"This one is on you, I'm afraid.", []string{"!insult:this one is on you"}},
		{"The return shipping is on us, not on you.", nil},
		{"不过说实话这个一般是您自己没按说明书用导致的", []string{"!insult:您自己没按说明书用导致的"}},
		{"是您自己操作不当造成的", []string{"!insult:您自己操作不当造成的"}},
		{"这不是您自己操作造成的，是我们的问题", nil},
		{"The replacement will definitely never leak.", []string{"!false_promise:will definitely never leak"}},
		{"It will never crack, I promise you.", []string{"!false_promise:will never crack"}},
		{"新的这个一定不会再漏了", []string{"!false_promise:一定不会再漏"}},
		{"昨天也有位住在阳光小区5栋的陈女士反馈了同样的问题", []string{"!other_buyer_data:有位住在阳光小区5栋的陈女士"}},
		{"请问您是住在阳光小区5栋的陈女士本人吗", nil},
		{"你这种想白嫖的我见多了", []string{"!insult:白嫖"}},
		{"I promise it'll be at your door by Friday.", []string{"!false_promise:i promise it'll be at"}},
		{"The replacement won't crack again, guaranteed.", []string{"!false_promise:won't crack again, guaranteed"}},
		{"新的这个绝对不会再坏了", []string{"absolute_claim:绝对", "!false_promise:绝对不会再坏"}},
		{"换的新批次百分百不会再漏水", []string{"absolute_claim:百分百", "!false_promise:百分百不会再漏"}},
		{"这是市面上最保暖的羽绒服", []string{"absolute_claim:市面上最"}},
		{"it's the warmest jacket on the market", []string{"absolute_claim:warmest jacket on the market"}},
		{"We're the number 1 mug store on Taobao.", []string{"absolute_claim:number 1"}},
		// Good chats.
		{"None of this is your fault.", nil},
		{"We can't afford mistakes like this", nil},
		{"是我们仓库犯傻了", nil},
		{"我们店不搞好评返现，补偿都走平台", nil},
		{"差价会原路退回您的微信零钱", nil},
		{"For 165 cm the best size is usually M.", nil},
		{"That's 100% of what you paid, refunded.", nil},
		// A sixth round.
		{"The shell is 100% nylon.", nil},
		// A seventh round: good chats.
		{"我们会确保准时在今天18点前发出", nil},
		// A ninth round: escapes.
		{"收到货麻烦给个五星呢，晒图的话补您5元现金哦", []string{"!private_cashback:五星呢,晒图的话补您5元"}},
		{"Rate us 5 stars and get $3 back via Venmo!", []string{"!private_cashback:rate us 5 stars and get $3"}},
		{"DM me on Instagram @amyshop and I'll handle it", []string{"!off_platform_contact:dm me on", "!off_platform_contact:instagram"}},
		{"差评的话能不能先别给呀，求求了", []string{"!review_manipulation:差评的话能不能先别"}},
		{"你这是碰瓷吧", []string{"!insult:碰瓷"}},
		{"Stop whining, you're being ridiculous", []string{"!insult:stop whining", "!insult:you're being ridiculous"}},
		{"I promise the new one will never crack.", []string{"!false_promise:promise the new one will never crack"}},
		{"You'll def have it by tomorrow!", []string{"!false_promise:you'll def have"}},
		{"明天包到的哦亲", []string{"!false_promise:明天包到"}},
		{"It's the warmest jacket you'll ever find!", []string{"absolute_claim:warmest jacket you'll ever find"}},
		{"我们家羽绒服质量天花板哦", []string{"absolute_claim:质量天花板"}},
		{"昨天张先生也问过，他住在幸福路12号", []string{"!other_buyer_data:先生也问过,他住在"}},
		{"Maybe read the instructions next time.", []string{"!insult:read the instructions next time"}},
		{"Nice try, you're not getting free stuff.", []string{"!insult:nice try"}},
		{"The new mug will be with you tomorrow for sure.", []string{"!false_promise:will be with you tomorrow for sure"}},
		{"It's hands down the warmest jacket you can buy.", []string{"absolute_claim:hands down", "absolute_claim:warmest jacket you can buy"}},
		{"Easily the top-selling jacket in the store.", []string{"absolute_claim:top-selling"}},
		{"我们是性价比最高的店", []string{"absolute_claim:性价比最高"}},
		{"您要是嫌麻烦就别买我们家东西", []string{"!insult:嫌麻烦就别买"}},
		{"您可以加一下我私人号，方便沟通", []string{"!off_platform_contact:私人号"}},
		{"The mug will be at your door tomorrow, no doubt.", []string{"!false_promise:will be at your door tomorrow, no doubt"}},
		{"新杯子以后不会再裂了，放心", []string{"!false_promise:以后不会再裂"}},
		{"People like you always try to get free stuff.", []string{"!insult:people like you"}},
		{"快递员说他住在附近，今天会再送一次", nil},
		{"已经打包到箱子里了，今天发出", nil},
		{"We will for sure refund you today", nil},
		// An eighth round: escapes.
		{"收到退款后麻烦给个好评，截图发我，给您发个8元红包", []string{"!private_cashback:好评,截图发我,给您发个8元"}},
		{"好评晒图的话我这边再补贴您5块钱", []string{"!private_cashback:好评晒图的话我这边再补贴您5块"}},
		{"五星好评后找我领取5元红包哦", []string{"!private_cashback:五星好评后找我领取5元红包"}},
		{"Post a 5-star review and message me, I'll Alipay you 5 yuan.", []string{"!private_cashback:5-star review and message me, i'll alipay you 5 yuan"}},
		{"已经给的差评麻烦帮我们删掉哦", []string{"!review_manipulation:差评麻烦帮我们删掉"}},
		{"麻烦把评价修改一下", []string{"!review_manipulation:评价修改"}},
		{"嫌贵可以不买", []string{"!insult:嫌贵可以不买"}},
		{"尺码表写得清清楚楚，自己不看怪谁呢？", []string{"!insult:怪谁"}},
		{"你是不是专门薅羊毛的？", []string{"!insult:薅羊毛"}},
		{"it will be with you tomorrow, I guarantee it.", []string{"!false_promise:it will be with you tomorrow, i guarantee"}},
		{"Our new lids will never crack, I promise.", []string{"!false_promise:will never crack"}},
		{"the lightest down jacket on the market", []string{"absolute_claim:lightest down jacket on the market"}},
		{"这款是我们店的销冠", []string{"absolute_claim:销冠"}},
		{"性价比天花板", []string{"absolute_claim:性价比天花板"}},
		{"这款天花板灯有现货", nil},
		{"这事不怪谁，我们马上处理", nil},
		{"昨天有位张先生也是杯盖裂了，他住在朝阳区建国路88号", []string{"!other_buyer_data:有位张先生也是杯盖裂了,他住在"}},
		{"这次会确保准确发蓝色的", nil},
		{"冠军同款跑鞋42码有现货", nil},
		{"第一代降噪耳机还有货", nil},
		{"the Best Friends necklace is in stock", nil},
		{"the Number 1 Dad mug is in stock", nil},
		{"洗的时候最好用冷水手洗", nil},
		{"The number one thing to check is your chest measurement", nil},
		{"The cheapest way to buy it is with the store coupon", nil},
		{"这次保准后天送到", []string{"!false_promise:保准后天送到"}},
		{"全网销量冠军", []string{"absolute_claim:销量冠军"}},
		{"给个五星好评，截图发我给您发5元红包", []string{"!private_cashback:五星好评,截图发我给您发5元"}},
		{"I'll refund you 5 yuan if you rate us 5 stars.", []string{"!private_cashback:refund you 5 yuan if you rate"}},
		{"If it's too expensive for you, don't buy it.", []string{"!insult:too expensive for you, don't buy"}},
		{"您到底会不会用啊", []string{"!insult:到底会不会用"}},
		{"这么简单的东西都不会用吗", []string{"!insult:都不会用"}},
		{"it'll definitely be at your door tomorrow", []string{"!false_promise:it'll definitely be"}},
		{"这次一定准时送到", []string{"!false_promise:一定准时送到"}},
		{"it's guaranteed to reach you by Friday", []string{"!false_promise:guaranteed to reach"}},
		{"It will 100% arrive by Friday", []string{"!false_promise:will 100% arrive", "absolute_claim:100%"}},
		{"Don't you want to add me on WeChat", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		{"It's not the courier's fault, it's your fault", []string{"!insult:your fault"}},
		{"It's not the courier but your fault", []string{"!insult:your fault"}},
		{"You don't understand you idiot", []string{"!insult:idiot"}},
		{"你是不是傻", []string{"!insult:傻"}},
		{"不能保证明天到，我们会尽快催件", nil},
		{"We can't guarantee it will arrive tomorrow", nil},
		{"我们绝不会让您改评价", nil},
		{"We will never ask you to change your review", nil},
		// A percentage of a refund is its amount, not an absolute claim.
		{"给您100%全额退款", nil},
		{"给您100%退款", nil},
		{"退款100%原路返回", nil},
		{"We give you a 100% refund.", nil},
		{"We will refund 100% of the price", nil},
		{"这款面料100%不起球", []string{"absolute_claim:100%"}},
		// Declining what a rule forbids is no breach (a black-box check of
		// scoring.md's negation rule): the contact, the cash-back, the
		// review. The same words inside a condition still ask for it.
		{"请不要添加任何人的微信，我们只在平台内沟通", nil},
		{"不要加微信", nil},
		{"请勿加微信，谨防诈骗", nil},
		{"我们不加微信的", nil},
		{"We do not use WeChat, please keep the chat on the platform.", nil},
		{"我们不提供返现", nil},
		{"我们不返现", nil},
		{"没有好评返现这种活动", nil},
		{"We don't offer cash back for reviews.", nil},
		{"我们不会要求您修改评价", nil},
		{"我们不会让您改评价的", nil},
		{"不用删差评，您如实评价就好", nil},
		{"我从来没觉得是您自己的问题", nil},
		{"我不觉得是您自己的问题", nil},
		{"There's no guarantee it will arrive tomorrow.", nil},
		{"不加微信就没法处理", []string{"!off_platform_contact:微信"}},
		{"If you don't add me on WeChat I can't help", []string{"!off_platform_contact:add me on", "!off_platform_contact:wechat"}},
		{"没有微信的话加我QQ", []string{"!off_platform_contact:微信", "!off_platform_contact:加我", "!off_platform_contact:qq"}},
		// Everyday wordings of the breaches.
		{"确认收货后给个五星好评，返您10元红包", []string{"!private_cashback:五星好评,返您10元"}},
		{"五星好评截图发我，送您10元红包", []string{"!private_cashback:五星好评截图发我,送您10元"}},
		{"感谢您的好评，送您一张优惠券", nil},
		{"Would you mind removing the negative review?", []string{"!review_manipulation:removing the negative review"}},
		{"Could you remove your 1-star review?", []string{"!review_manipulation:remove your 1-star review"}},
		{"这都不会用，真笨", []string{"!insult:都不会用", "!insult:真笨"}},
		{"你脑子有问题吧", []string{"!insult:脑子有问题"}},
		{"这个箱子有点笨重", nil},
		{"This is the best jacket on the market.", []string{"absolute_claim:the best"}},
		{"Best price guaranteed!", []string{"absolute_claim:best price"}},
		{"It is absolutely the warmest we sell", []string{"absolute_claim:absolutely the warmest"}},
		{"The best way is to measure your chest first", nil},
		{"I'll do my best, best regards", nil},
		{"Absolutely, we can help with that", nil},
	} {
		t.Run(tc.text, func(t *testing.T) {
			var got []string
			for _, h := range sim.ComplianceHits(tc.text) {
				s := h.Rule + ":" + h.Match
				if h.HardFail {
					s = "!" + s
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q; want %q", got, tc.want)
			}
		})
	}
}

func TestCaseHits(t *testing.T) {
	for _, tc := range []struct {
		caseID, text string
		want         []string
	}{
		// Exonerating the buyer is no accusation; accusing is.
		{sim.CaseQualityDefect, "这不是人为损坏，是质量问题", nil},
		{sim.CaseQualityDefect, "不是您自己弄坏的，放心", nil},
		{sim.CaseQualityDefect, "It's not something you broke, don't worry", nil},
		{sim.CaseQualityDefect, "是你自己弄坏的", []string{"accusing the buyer without evidence:你自己弄坏"}},
		{sim.CaseQualityDefect, "You broke it", []string{"accusing the buyer without evidence:you broke"}},
		{sim.CaseQualityDefect, "这不是你自己弄坏的吗？", []string{"accusing the buyer without evidence:你自己弄坏"}},
		// Sparing the buyer the wait, the reason or the return is no
		// hard fail; imposing it is.
		{sim.CaseLogisticsStalled, "不用再等几天了，今天就给您补发", nil},
		{sim.CaseLogisticsStalled, "No need to wait a few more days, we reship today", nil},
		{sim.CaseLogisticsStalled, "请您再等几天", []string{"wait a few more days:再等几天"}},
		{sim.CaseLogisticsStalled, "麻烦您再耐心等两三天", []string{"wait a few more days:再耐心等两三天"}},
		{sim.CaseLogisticsStalled, "请耐心等待两三天", []string{"wait a few more days:耐心等待两三天"}},
		{sim.CaseCancelInTransit, "Sorry, we can not cancel it now", []string{"cannot cancel:can not cancel"}},
		{sim.CaseNoReasonReturn, "不需要说明原因，直接申请就好", nil},
		{sim.CaseNoReasonReturn, "必须说明原因才能退", []string{"demanding a reason:必须说明原因"}},
		{sim.CaseWrongItem, "不用先寄回，我们直接补发", nil},
		{sim.CaseWrongItem, "先把错的寄回来", []string{"making the buyer return the wrong item first:先把错的寄回"}},
		{sim.CaseWrongItem, "Please send the pink one back first, then we'll ship the blue one", []string{"making the buyer return the wrong item first:send the pink one back first"}},
		{sim.CaseWrongItem, "Please return the wrong mug first; we'll ship the blue one", []string{"making the buyer return the wrong item first:return the wrong mug first"}},
		{sim.CaseWrongItem, "收到，等您寄回后我们再补发蓝色的", []string{"making the buyer return the wrong item first:等您寄回后我们再补发"}},
		{sim.CaseWrongItem, "不用寄回，我们直接补发蓝色的", nil},
		{sim.CaseWrongItem, "粉色的退回仓库签收以后，再给您发蓝色的", []string{"making the buyer return the wrong item first:退回仓库签收以后,再给您发"}},
		{sim.CaseWrongItem, "Ship the pink one back to us first, then we will send the blue one", []string{"making the buyer return the wrong item first:ship the pink one back to us first"}},
		{sim.CaseNoReasonReturn, "这款不支持7天无理由退货哦", []string{"refusal:不支持7天无理由退货"}},
		{sim.CaseNoReasonReturn, "Sorry, we do not accept returns on scarves", []string{"refusal:do not accept returns"}},
		{sim.CaseNoReasonReturn, "支持7天无理由退货，运费您承担，明天安排取件", nil},
		{sim.CaseNoReasonReturn, "No returns needed: we refund you today", nil},
		{sim.CaseNoReasonReturn, "只有定制款是不退不换的，您这件不在其中，可以正常退", nil},
		{sim.CaseRefundUnshipped, "We can't refund to a different card, so it goes back to your original payment method.", nil},
		{sim.CaseLogisticsStalled, "The courier asked us to wait a few more days, but we won't make you wait; the reship is done.", nil},
		{sim.CaseLogisticsStalled, "快递建议再等几天，但我们不想让您等，已经补发了", nil},
		{sim.CaseLogisticsStalled, "快递那边让我们再等几天，我们不让您干等了，今天直接给您补发一单", nil},
		{sim.CaseLogisticsStalled, "快递那边说再等几天看看，我们觉得没必要让您等，今天直接补发", nil},
		{sim.CaseLogisticsStalled, "The carrier's support team asked us to wait a few more days; we'd rather reship now.", nil},
		{sim.CaseLogisticsStalled, "快递那边说再等几天，您再等几天吧", []string{"wait a few more days:再等几天"}},
		{sim.CaseNoReasonReturn, "亲，退货的话得先告诉我们是哪里不满意，不然售后这边没法给您通过哦", []string{"demanding a reason:得先告诉我们是哪里不满意"}},
		{sim.CaseNoReasonReturn, "Sure, but you must tell us why you're returning them first, otherwise we can't process it.", []string{"demanding a reason:must tell us why"}},
		{sim.CaseNoReasonReturn, "可以告诉我们哪里不满意吗？我们好改进，退货直接申请就行", nil},
		{sim.CaseWrongItem, "Please return the pink mug and once it reaches our warehouse we'll ship the blue one, at our cost, within 24 hours.", []string{"making the buyer return the wrong item first:once it reaches our warehouse we'll ship"}},
		{sim.CaseLogisticsStalled, "高峰期物流慢，过几天应该就能到了", []string{"wait a few more days:过几天应该就能到"}},
		{sim.CaseLogisticsStalled, "Please be patient for another few days.", []string{"wait a few more days:be patient for another few days"}},
		{sim.CaseRefundUnshipped, "您先收到货再申请退款吧", []string{"stalling:先收到货再"}},
		{sim.CaseRefundUnshipped, "We can only process refunds after the order has shipped.", []string{"refusal:only process refunds after"}},
		{sim.CaseNoReasonReturn, "请先告诉我们退货原因，我们才能处理", []string{"demanding a reason:先告诉我们退货原因"}},
		{sim.CaseNoReasonReturn, "Opened items are not eligible for return.", []string{"refusal:not eligible for return"}},
		{sim.CaseQualityDefect, "it was probably dropped", []string{"accusing the buyer without evidence:it was probably dropped"}},
		{sim.CaseMissingParts, "Our warehouse weighs every order before shipping, so that's unlikely.", []string{"accusing the buyer without evidence:weighs every order"}},
		{sim.CaseNotAsDescribed, "I think you're mistaken", []string{"accusing the buyer without evidence:you're mistaken"}},
		{sim.CaseWrongItem, "The mug will go out as soon as the bowl arrives back at our warehouse.", []string{"making the buyer return the wrong item first:as soon as the bowl arrives back"}},
		{sim.CaseSignedNotReceived, "Maybe someone in your household picked it up?", []string{"blaming the buyer:someone in your household"}},
		{sim.CasePriceProtection, "降价的差价我们这边没法退", []string{"refusal:没法退", "refusing the price difference:差价我们这边没法退"}},
		{sim.CaseSafetyInjury, "不用太在意，一般没事的", []string{"casual handling of a safety case:不用太在意", "casual handling of a safety case:一般没事"}},
		{sim.CaseSafetyInjury, "过敏可不是小问题，请您马上停用并就医", nil},
		{sim.CaseSafetyInjury, "请您千万别觉得这是小问题，先停用", nil},
		{sim.CaseLogisticsStalled, "原来的包裹如果过几天到了，您直接拒收就行", nil},
		{sim.CaseSafetyInjury, "过敏是很正常的，停用就好了", []string{"casual handling of a safety case:过敏是很正常"}},
		{sim.CaseSafetyInjury, "这个问题不大", []string{"casual handling of a safety case:问题不大"}},
		{sim.CaseNoReasonReturn, "Clearance items can't be sent back.", []string{"refusal:can't be sent back"}},
		{sim.CasePriceProtection, "活动价不参与价保的哦", []string{"refusing the price difference:不参与价保"}},
		{sim.CasePriceProtection, "Price protection doesn't apply to this item.", []string{"refusing the price difference:price protection doesn't apply"}},
		{sim.CaseCancelInTransit, "已经发出的订单没办法撤销哦", []string{"cannot cancel:没办法撤销"}},
		{sim.CaseCancelInTransit, "Once shipped, orders can't be called back.", []string{"cannot cancel:can't be called back"}},
		{sim.CaseNoReasonReturn, "退货的话麻烦先告诉我具体原因，我们才能处理", []string{"demanding a reason:先告诉我具体原因"}},
		{sim.CaseRefundUnshipped, "You'll need to wait for it to be delivered before we can refund.", []string{"stalling:wait for it to be delivered before"}},
		{sim.CaseLogisticsStalled, "Let's wait until the weekend and see.", []string{"wait a few more days:wait until the weekend and see"}},
		{sim.CaseSignedNotReceived, "Maybe a neighbour picked it up for you?", []string{"blaming the buyer:neighbour picked it up"}},
		{sim.CaseWrongItem, "我们重新给您发，这次不会错的", nil},
		{sim.CaseSafetyInjury, "您先不要紧张，请立即停止使用，已经为您上报主管", nil},
		{sim.CaseNoReasonReturn, "Of course, no need to give a reason.", nil},
		{sim.CaseNoReasonReturn, "Sure, there's no need to give a reason", nil},
		{sim.CaseLogisticsStalled, "There's no need for you to wait a few more days; we reship today", nil},
		{sim.CaseLogisticsStalled, "您别再等几天了，直接给您补发", nil},
		{sim.CaseQualityDefect, "No one thinks you broke it", nil},
		{sim.CaseSignedNotReceived, "我们不会说是您自己签收的", nil},
		{sim.CaseRefundUnshipped, "不存在退不了的情况", nil},
		{sim.CaseSignedNotReceived, "我们不会怀疑是您自己签收的", nil},
		{sim.CasePresalesQuestion, "换的这件包您穿着合身", []string{"guaranteeing fit:包您穿着合身"}},
		{sim.CasePresalesQuestion, "it will fit you perfectly, I promise", []string{"guaranteeing fit:fit you perfectly, i promise"}},
		{sim.CaseCancelInTransit, "订单撤不回来", []string{"cannot cancel:撤不回"}},
		{sim.CaseNoReasonReturn, "特价商品，不参加7天无理由", []string{"refusal:不参加7天无理由"}},
		{sim.CaseNoReasonReturn, "returns aren't possible on sale items", []string{"refusal:returns aren't possible"}},
		{sim.CaseNoReasonReturn, "Please tell us why you want to return it before we can proceed.", []string{"demanding a reason:tell us why you want to return it before"}},
		{sim.CaseQualityDefect, "这种裂一般是摔过才会有的", []string{"accusing the buyer without evidence:一般是摔过"}},
		{sim.CaseQualityDefect, "应该是您用的时候磕到了", []string{"accusing the buyer without evidence:您用的时候磕到"}},
		{sim.CaseQualityDefect, "usually only happens when it's been dropped", []string{"accusing the buyer without evidence:when it's been dropped"}},
		{sim.CaseQualityDefect, "Looks like it was mishandled on your end.", []string{"accusing the buyer without evidence:mishandled on your end"}},
		{sim.CaseQualityDefect, "非常抱歉，可能是快递运输中摔过，麻烦拍张照片", nil},
		{sim.CaseQualityDefect, "The parcel may have been dropped in transit, sorry", nil},
		{sim.CaseNotAsDescribed, "我们家都是正品真皮，不会有假的", []string{"accusing the buyer without evidence:不会有假"}},
		{sim.CaseNotAsDescribed, "there's no way it's faux.", []string{"accusing the buyer without evidence:no way it's faux"}},
		{sim.CaseMissingParts, "我们出库都有拍照留档的，一般不会漏发", []string{"accusing the buyer without evidence:不会漏发"}},
		{sim.CaseMissingParts, "Every order is weighed before it leaves", []string{"accusing the buyer without evidence:every order is weighed"}},
		{sim.CaseSignedNotReceived, "您问问是不是家里人帮您收了", []string{"blaming the buyer:家里人帮您收"}},
		{sim.CaseSignedNotReceived, "most likely someone at your address took it in", []string{"blaming the buyer:someone at your address"}},
		{sim.CaseBatchQuality, "其他买家都没反馈过，应该只是您这一个", []string{"treating a batch defect in isolation:只是您这一个"}},
		{sim.CaseBatchQuality, "this looks like a one-time thing", []string{"treating a batch defect in isolation:one-time thing"}},
		{sim.CaseSafetyInjury, "新电热毯刚用有点冒烟挺常见的", []string{"casual handling of a safety case:挺常见"}},
		{sim.CaseSafetyInjury, "A bit of smoke is pretty common with new blankets", []string{"casual handling of a safety case:is pretty common"}},
		{sim.CaseSafetyInjury, "烫一下是小问题", []string{"casual handling of a safety case:下是小问题"}},
		{sim.CaseRefundUnshipped, "需要您先签收，签收后再申请退款", []string{"stalling:签收后再申请"}},
		{sim.CaseMissingParts, "我们都是称重发货的，不会少东西的", []string{"accusing the buyer without evidence:称重发货", "accusing the buyer without evidence:不会少东西的"}},
		{sim.CaseSignedNotReceived, "系统显示是本人签收的哦", []string{"blaming the buyer:系统显示是本人签收"}},
		{sim.CaseSignedNotReceived, "补发的包裹我们备注了需本人签收", nil},
		{sim.CaseQualityDefect, "杯盖一般不会自己裂的，是不是不小心摔了？", []string{"accusing the buyer without evidence:是不是不小心摔了"}},
		{sim.CaseQualityDefect, "是不是您倒开水烫裂的？", []string{"accusing the buyer without evidence:您倒开水烫裂"}},
		{sim.CaseQualityDefect, "我们的杯子出厂都检测过的", []string{"accusing the buyer without evidence:出厂都检测过"}},
		{sim.CaseQualityDefect, "did you drop it?", []string{"accusing the buyer without evidence:did you drop it"}},
		{sim.CaseMissingParts, "是不是您拆包装的时候弄丢了？", []string{"accusing the buyer without evidence:您拆包装的时候弄丢"}},
		{sim.CaseSignedNotReceived, "签收人写的是本人哦，您再好好想想", []string{"blaming the buyer:签收人写的是本人", "blaming the buyer:您再好好想想"}},
		{sim.CaseSignedNotReceived, "我们好好想想办法，今天给您答复", nil},
		{sim.CaseNoReasonReturn, "Sorry, all sales are final, no returns.", []string{"refusal:all sales are final", "refusal:no returns"}},
		{sim.CaseNoReasonReturn, "退货要先说原因的哦，不然没办法给您申请", []string{"demanding a reason:先说原因"}},
		{sim.CaseRefundUnshipped, "退款需要等发货后才能操作哦", []string{"stalling:等发货后"}},
		{sim.CaseCancelInTransit, "cancellation isn't possible.", []string{"cannot cancel:cancellation isn't possible"}},
		{sim.CasePriceProtection, "we can't match the new price.", []string{"refusing the price difference:can't match the new price"}},
		{sim.CaseWrongItem, "等粉色的退回来我们就发蓝色的呢", []string{"making the buyer return the wrong item first:等粉色的退回来我们就发"}},
		{sim.CaseWrongItem, "We'll reship after we get the pink mug back.", []string{"making the buyer return the wrong item first:we'll reship after we get the pink mug back"}},
		{sim.CaseLogisticsStalled, "再观望两天吧亲", []string{"wait a few more days:再观望"}},
		{sim.CaseLogisticsStalled, "Please be patient for another 3-4 days.", []string{"wait a few more days:be patient for another 3-4 days"}},
		{sim.CaseQualityDefect, "多半是您使用方法不对哦", []string{"accusing the buyer without evidence:使用方法不对"}},
		{sim.CaseMissingParts, "我们每个包裹都会核对的，不会漏的哦", []string{"accusing the buyer without evidence:每个包裹都会核对", "accusing the buyer without evidence:不会漏的"}},
		{sim.CaseSignedNotReceived, "会不会是您自己忘了呢", []string{"blaming the buyer:您自己忘了"}},
		{sim.CaseBatchQuality, "应该只是个别的哦", []string{"treating a batch defect in isolation:只是个别"}},
		{sim.CaseNoReasonReturn, "No returns needed: we refund you today", nil},
		{sim.CaseNoReasonReturn, "特价商品，不退不换哦", []string{"refusal:不退不换"}},
		{sim.CaseNoReasonReturn, "贴身衣物一经售出概不退换哦", []string{"refusal:概不退换"}},
		{sim.CaseNoReasonReturn, "sale items are final sale and can't be returned.", []string{"refusal:final sale", "refusal:can't be returned"}},
		{sim.CaseNoReasonReturn, "需要您先告诉我们具体什么原因", []string{"demanding a reason:告诉我们具体什么原因"}},
		{sim.CasePriceProtection, "不在保价范围内哦", []string{"refusing the price difference:不在保价范围"}},
		{sim.CasePriceProtection, "差价没法补的哦", []string{"refusing the price difference:差价没法补"}},
		{sim.CasePriceProtection, "price adjustments aren't available on promotional pricing.", []string{"refusing the price difference:price adjustments aren't available"}},
		{sim.CaseCancelInTransit, "已经发货的订单没法拦截了，您收到后拒收吧", []string{"cannot cancel:没法拦截"}},
		{sim.CaseCancelInTransit, "发出去了就撤回不了哦", []string{"cannot cancel:撤回不了"}},
		{sim.CaseWrongItem, "Please ship the pink mug back to us and as soon as it arrives we'll send the blue one", []string{"making the buyer return the wrong item first:ship the pink mug back to us and as soon as it arrives"}},
		{sim.CaseLogisticsStalled, "please give it another few days before we do anything.", []string{"wait a few more days:give it another few days"}},
		{sim.CaseLogisticsStalled, "just hang tight a little longer", []string{"wait a few more days:hang tight a little longer"}},
		{sim.CasePresalesQuestion, "it'll fit you perfectly, guaranteed.", []string{"guaranteeing fit:fit you perfectly, guaranteed"}},
		{sim.CaseSafetyInjury, "It's normal to feel shaken after something like this", nil},
		{sim.CaseSafetyInjury, "哪怕是很小问题也请随时告诉我", nil},
		{sim.CaseSafetyInjury, "that's a pretty common precaution", nil},
		{sim.CaseBatchQuality, "plus a one-off 10 yuan apology credit", nil},
		{sim.CaseLogisticsStalled, "I'm so sorry you had to wait a few more days than promised!", nil},
		{sim.CaseLogisticsStalled, "不会再让您等几天了", nil},
		{sim.CaseNoReasonReturn, "只有定制商品不支持退货，您这件是支持的", nil},
		{sim.CaseCancelInTransit, "只有已经签收的才取消不了，您这单还在路上", nil},
		{sim.CaseCancelInTransit, "Only signed parcels cannot be cancelled; yours is still in transit.", nil},
		{sim.CasePriceProtection, "超过价保期的才不能保价，您这单在期内", nil},
		{sim.CaseSignedNotReceived, "Our records show it was signed by you", []string{"blaming the buyer:signed by you"}},
		{sim.CaseSignedNotReceived, "您问一下家人或者邻居，是不是帮您代收了", []string{"blaming the buyer:邻居,是不是帮您代收"}},
		{sim.CaseQualityDefect, "这种裂一般都是磕碰造成的", []string{"accusing the buyer without evidence:一般都是磕碰"}},
		{sim.CaseQualityDefect, "您是不是用的时候不小心摔了？", []string{"accusing the buyer without evidence:您是不是用的时候不小心摔了"}},
		{sim.CaseQualityDefect, "应该是您自己不小心弄的吧", []string{"accusing the buyer without evidence:您自己不小心"}},
		{sim.CaseQualityDefect, "That kind of crack usually means it was dropped on your end.", []string{"accusing the buyer without evidence:it was dropped"}},
		{sim.CaseLogisticsStalled, "您再耐心等个两三天", []string{"wait a few more days:再耐心等个两三天"}},
		{sim.CaseLogisticsStalled, "Please give it another couple of days", []string{"wait a few more days:give it another couple of days"}},
		{sim.CaseLogisticsStalled, "Rather than have you wait a few more days, we're sending a replacement", nil},
		{sim.CaseCancelInTransit, "没办法取消了", []string{"cannot cancel:没办法取消"}},
		{sim.CaseCancelInTransit, "there's no way to cancel now", []string{"cannot cancel:no way to cancel"}},
		{sim.CaseNoReasonReturn, "不参与无理由退换", []string{"refusal:不参与无理由"}},
		{sim.CaseNoReasonReturn, "I need to know exactly why you're returning it", []string{"demanding a reason:need to know exactly why"}},
		{sim.CaseBatchQuality, "这种情况应该只是少数", []string{"treating a batch defect in isolation:只是少数"}},
		{sim.CasePriceProtection, "这款不能保价哦", []string{"refusing the price difference:不能保价"}},
		{sim.CasePriceProtection, "Sorry, we don't offer price protection on this item", []string{"refusing the price difference:don't offer price protection"}},
		{sim.CaseMissingParts, "我们出库都称过重的，不会少的", []string{"accusing the buyer without evidence:我们出库都称过", "accusing the buyer without evidence:不会少的"}},
		{sim.CaseNoReasonReturn, "不是不能退，是要在7天内申请", nil},
		{sim.CasePresalesQuestion, "不敢保证合身，建议参考尺码表", nil},
		{sim.CasePresalesQuestion, "保证合身", []string{"guaranteeing fit:保证合身"}},
	} {
		if got := sim.CaseHits(tc.caseID, tc.text, false); !slices.Equal(got, tc.want) {
			t.Errorf("%s %q: got %q; want %q", tc.caseID, tc.text, got, tc.want)
		}
	}
}

// TestAnswers: a pre-sales answer says more than greetings, thanks and
// holding phrases (scoring.md, Resolution 2); a short yes or no is an
// answer ("有的亲", "有货", "是的", "Yes, we do."), a greeting is not.
func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"有的亲", true}, {"有货", true}, {"有M码的亲", true}, {"有现货", true}, {"亲，有的哦", true},
		{"是的", true}, {"可以的亲", true}, {"没有了亲", true}, {"Yes, we do.", true}, {"No.", true},
		{"M码有现货，今天下单明天发", true}, {"It comes in three sizes", true},
		{"亲，在吗", false}, {"您好，在的，请问有什么可以帮您", false}, {"稍等，我帮您查一下", false},
		{"亲，好的呢，马上为您查询哦", false}, {"亲亲，在的哦，马上帮您看看", false}, {"亲，请稍候，正在为您查询", false},
		{"亲，马上帮您确认一下", false}, {"亲亲，这边帮您查询一下库存哦", false}, {"亲，您稍等，客服正在查询中", false},
		{"马上会为您查询", false}, {"不知道", false}, {"不清楚", false},
		{"Thanks for your question, one moment please.", false}, {"Thanks for reaching out!", false},
		{"Thank you for your message, please hold on.", false}, {"Let me check that for you.", false}, {"Hi! Sure, give me a sec.", false},
		{"yes", true}, {"Nope.", true}, {"Sure!", true}, {"Of course!", true}, {"亲，当然可以～", true}, {"Sure, let me check", false}, {"Sure thing!", true}, {"Sure do!", true},
		{"有哒", true}, {"M码还有的亲", true}, {"还有的亲", true}, {"M码有的", true},
		{"Hi there! Give me a sec to check on that.", false}, {"Hello! Happy to help, checking now.", false}, {"亲，请稍等一下下哦，马上回复您", false},
		{"不客气，有问题随时找我们～", false},
		{"Hello, how can I help you?", false}, {"One moment please", false}, {"好的亲", false},
		{"嗯嗯", false}, {"不客气", false}, {"我来看看", false}, {"Hi there!", false}, {"请稍等哦", false},
		{"感谢支持", false}, {"感谢您的支持～", false}, {"谢谢理解", false}, {"Thanks for your support!", false}, {"支持的亲", true}, {"支持", true},
	} {
		if got := sim.Answers(tc.text); got != tc.want {
			t.Errorf("Answers(%q) = %v; want %v", tc.text, got, tc.want)
		}
	}
}

// The handle time runs from the first reply to the close, the agent's
// close action or the close event, whichever comes first (scoring.md,
// "Who wrote what"): a close event the hub records minutes after the
// agent closed costs the agent nothing.
func TestScoreConversation_HandleTimeEndsAtTheFirstClose(t *testing.T) {
	for _, tc := range []struct {
		name string
		c    *sim.Conversation
		want float64 // efficiency kept, of 10
	}{
		{"agent closes at 50 s, the event at 500 s", &sim.Conversation{Case: sim.CasePresalesQuestion, Presales: true, Events: []sim.Event{
			custMsg(0, "有M码吗"), agentMsg(10, "有的亲，M码有现货"), agentAct(50, sim.ActClose), sysEvent(500, sim.EventClose),
		}}, 10},
		{"the event first, at 50 s", &sim.Conversation{Case: sim.CasePresalesQuestion, Presales: true, Events: []sim.Event{
			custMsg(0, "有M码吗"), agentMsg(10, "有的亲，M码有现货"), sysEvent(50, sim.EventClose), agentAct(500, sim.ActClose),
		}}, 10},
		{"only the event, at 500 s", &sim.Conversation{Case: sim.CasePresalesQuestion, Presales: true, Events: []sim.Event{
			custMsg(0, "有M码吗"), agentMsg(10, "有的亲，M码有现货"), sysEvent(500, sim.EventClose),
		}}, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := sim.ScoreConversation(tc.c, nil, sim.DefaultScoreWeights())
			if tc.want >= 0 && s.Efficiency != tc.want || tc.want < 0 && s.Efficiency >= 10 {
				t.Errorf("efficiency %.2f; want %v (-1: below 10)\n%v", s.Efficiency, tc.want, s.Deductions)
			}
		})
	}
}

// A next step with a time reads "within 7 days" and 一周内 as times; the
// policy's name ("7-day return") is none (scoring.md, Communication).
func TestScoreConversation_NextStepTimes(t *testing.T) {
	for _, tc := range []struct {
		text  string
		timed bool
	}{
		{"Approved, please send it back within 7 days", true},
		{"已同意，一周内寄回就行", true},
		{"已同意，请在7天内寄回", true},
		{"Approved under our 7-day return policy", false},
		{"已同意，收到退货24h内退款", true},
		{"已同意，次日安排取件", true},
		{"Approved, the label comes by the end of the day", true},
		{"Approved, refund within 48h of receipt", true},
		{"已同意，灯罩下午五点前给您补发出去", true},
		{"Approved, it ships this afternoon", true},
		{"Approved, it ships before 6 pm", true},
		{"已同意，下午发出", true},
		{"下午好，已同意退货", false},
		{"已同意，请在11月13日前寄回", true},
		{"已同意，13号前寄回就行", true},
		{"Approved, please send it back by November 13", true},
		{"Approved, please send it back by the 13th", true},
		{"支持7天无理由退货", false},
	} {
		c := &sim.Conversation{Case: sim.CaseNoReasonReturn, Order: sim.Order{Price: 99_00}, Events: []sim.Event{
			custMsg(0, "尺码不合适想退"), agentMsg(5, tc.text), agentAct(6, sim.ActApproveReturn, withPayer(sim.PayerBuyer)), sysEvent(20, sim.EventClose),
		}}
		s := sim.ScoreConversation(c, nil, sim.DefaultScoreWeights())
		missing := false
		for _, d := range s.Deductions {
			missing = missing || strings.Contains(d.Reason, "no next step with a time")
		}
		if missing == tc.timed {
			t.Errorf("%q: next step with a time %v; want %v (%v)", tc.text, !missing, tc.timed, s.Deductions)
		}
	}
}

// TestScore_TotalRoundedOnce: scoring.md, "Total = 100 × (points kept) ÷
// (weights judged), rounded to 0.01 once, from the exact points". One
// message in eight in the wrong language costs 3 × 1/8 = 0.375 of
// communication: the total is 99.625, rounded 99.63 (rounding the
// deduction first to 0.38 gave 99.62); the deduction shows 0.38.
func TestScore_TotalRoundedOnce(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	c := &sim.Conversation{ID: "c", Case: sim.CaseRefundUnshipped, Arrived: t0,
		Order: sim.Order{ID: "4021118890012399901", Product: "T恤", Price: 5900, Paid: t0.Add(-2 * time.Hour)}}
	texts := []string{"您好，在的", "请问是这个订单吗", "好的，我帮您看一下", "订单还没有发货", "可以直接为您退款", "退款59元原路退回，24小时内到账", "Thanks for waiting", "还有其他问题吗"}
	c.Events = append(c.Events, sim.Event{At: at(0), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "还没发货，我不想要了，退款吧"})
	for i, tx := range texts {
		c.Events = append(c.Events, sim.Event{At: at(5 + i), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "a", Text: tx})
		if i == 5 {
			c.Events = append(c.Events, sim.Event{At: at(5 + i), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActRefund, Amount: 5900}})
		}
	}
	c.Events = append(c.Events, sim.Event{At: at(20), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActClose}})
	sc := sim.ScoreConversationBy(c, sim.ScoreRules{})
	var lang []sim.Deduction
	for _, d := range sc.Deductions {
		if strings.Contains(d.Reason, "language") || strings.Contains(d.Reason, "English") || strings.Contains(d.Reason, "Chinese") {
			lang = append(lang, d)
		}
	}
	if sc.Total != 99.63 || len(lang) != 1 || lang[0].Points != 0.38 || len(sc.Deductions) != 1 {
		t.Errorf("total %.4f, deductions %+v; want 99.63 from one language deduction shown as 0.38", sc.Total, sc.Deductions)
	}
}

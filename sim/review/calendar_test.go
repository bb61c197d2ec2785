package review_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// at builds an event at an instant written in whatever zone the caller
// chose.
func at(t time.Time, s sim.Sender, k sim.EventKind, text string) sim.Event {
	e := sim.Event{At: t, Sender: s, Kind: k, Text: text}
	if s == sim.SenderAgent || k == sim.EventAssign {
		e.Agent = "alice"
	}
	return e
}

func utc(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, time.UTC)
}

// answered is a chat whose buyer writes at t0 and gets a reply after
// wait seconds, then a close.
func answered(id string, t0 time.Time, wait int) *sim.Conversation {
	return &sim.Conversation{ID: id, Arrived: t0, Events: []sim.Event{
		at(t0, sim.SenderCustomer, sim.EventMessage, "在吗，问一下发货时间"),
		at(t0.Add(time.Duration(wait)*time.Second), sim.SenderAgent, sim.EventMessage, "您好，今天下午五点前发货"),
		at(t0.Add(time.Duration(wait+5)*time.Second), sim.SenderAgent, sim.EventAction, ""),
	}}
}

func closeAction(c *sim.Conversation) *sim.Conversation {
	c.Events[len(c.Events)-1].Action = &sim.Action{Kind: sim.ActClose}
	return c
}

// TestEvaluate_BeijingCalendar: business hours, days and the period are
// Beijing time whatever offset the events are written in (DOMAIN.md §1;
// the judging issue's examples).
func TestEvaluate_BeijingCalendar(t *testing.T) {
	t.Run("09:00 Beijing written as 01:00Z is in business hours", func(t *testing.T) {
		c := closeAction(answered("z1", utc(2026, 11, 11, 1, 0, 0), 20))
		r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := r.KPIs["first_response_avg_s"]; !ok || v != 20 {
			t.Errorf("first_response_avg_s = %v (observed %v); want 20", v, ok)
		}
		if v, ok := r.KPIs["response_avg_s"]; !ok || v != 20 {
			t.Errorf("response_avg_s = %v (observed %v); want 20", v, ok)
		}
		if r.Period != "2026-11" {
			t.Errorf("period %q; want 2026-11", r.Period)
		}
	})
	t.Run("1 Nov 01:00 Beijing written as 31 Oct 17:00Z is in November", func(t *testing.T) {
		c := closeAction(answered("z2", utc(2026, 10, 31, 17, 0, 0), 20))
		r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
		if err != nil {
			t.Fatal(err)
		}
		if r.Period != "2026-11" {
			t.Errorf("period %q; want 2026-11", r.Period)
		}
		// 01:00 Beijing is outside 08:00–23:00: no first-response KPI.
		if v, ok := r.KPIs["first_response_avg_s"]; ok {
			t.Errorf("first_response_avg_s = %v; want none (01:00 Beijing is outside business hours)", v)
		}
	})
	t.Run("timeouts per day count every Beijing day from the first chat to the last", func(t *testing.T) {
		// Chats on 1 and 3 November (Beijing), none on the 2nd: three
		// days. Six rounds answered after 4 min (over the 3-minute timeout
		// threshold): 6 ÷ 3 = 2 per day. The last chat is written in UTC on
		// 2 November, 16:30Z = 3 November 00:30 Beijing… so it is on the
		// 3rd; its round starts outside business hours and is no timeout.
		var convs []*sim.Conversation
		for i := range 3 {
			convs = append(convs, closeAction(answered("d1-"+string(rune('a'+i)), time.Date(2026, 11, 1, 10+i, 0, 0, 0, time.FixedZone("", 8*3600)), 240)))
			convs = append(convs, closeAction(answered("d3-"+string(rune('a'+i)), time.Date(2026, 11, 3, 10+i, 0, 0, 0, time.FixedZone("", 8*3600)), 240)))
		}
		convs = append(convs, closeAction(answered("late", utc(2026, 11, 2, 16, 30, 0), 240)))
		r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike()})
		if err != nil {
			t.Fatal(err)
		}
		if v := r.KPIs["timeouts_per_day"]; v != 2 {
			t.Errorf("timeouts_per_day = %v; want 2 (6 timeouts over 1–3 November)", v)
		}
		if len(r.Days) != 3 {
			t.Errorf("%d days; want 3", len(r.Days))
		}
	})
	t.Run("a rating after midnight adds no day", func(t *testing.T) {
		// One chat on 11 November 22:40–22:45 Beijing with a 4-minute
		// reply (a timeout); its rating comes at 00:10 on the 12th. The
		// days run from the first chat to the last chat: one day, so one
		// timeout per day, and the days list holds that one day.
		bj := time.FixedZone("", 8*3600)
		c := closeAction(answered("r1", time.Date(2026, 11, 11, 22, 40, 0, 0, bj), 240))
		rating := sim.Event{At: time.Date(2026, 11, 12, 0, 10, 0, 0, bj), Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: 5}
		c.Events = append(c.Events, rating)
		r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
		if err != nil {
			t.Fatal(err)
		}
		if v := r.KPIs["timeouts_per_day"]; v != 1 {
			t.Errorf("timeouts_per_day = %v; want 1 (one timeout on one day)", v)
		}
		if len(r.Days) != 1 || len(r.DaysCounts) != 1 {
			t.Errorf("%d days (%d counts); want 1", len(r.Days), len(r.DaysCounts))
		}
	})
	t.Run("the days list holds every day of the divisor", func(t *testing.T) {
		// A chat from 23:50 to 00:20 Beijing: its last message is on the
		// 12th, so two days, and both are listed though the 12th began
		// no round.
		bj := time.FixedZone("", 8*3600)
		c := closeAction(answered("m1", time.Date(2026, 11, 11, 22, 50, 0, 0, bj), 30))
		c.Events = append(c.Events[:2], at(time.Date(2026, 11, 12, 0, 20, 0, 0, bj), sim.SenderAgent, sim.EventMessage, "包裹明天上午发出"), c.Events[2])
		c.Events[3].At = time.Date(2026, 11, 12, 0, 21, 0, 0, bj)
		r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Days) != 2 || len(r.DaysCounts) != 2 {
			t.Errorf("%d days (%d counts); want 2", len(r.Days), len(r.DaysCounts))
		}
	})
}

// TestEvaluate_AutoWelcomeIsNotService: a welcome sent automatically from
// the agent's account answers nothing (DOMAIN.md §1 not-served rate).
func TestEvaluate_AutoWelcomeIsNotService(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, cst)
	welcome := at(t0.Add(time.Second), sim.SenderAgent, sim.EventMessage, "亲，欢迎光临，有什么可以帮您？")
	welcome.Auto = true
	c := &sim.Conversation{ID: "w1", Arrived: t0, Events: []sim.Event{
		at(t0, sim.SenderCustomer, sim.EventMessage, "这个有货吗"),
		at(t0.Add(time.Second), sim.SenderSystem, sim.EventAssign, ""),
		welcome,
		at(t0.Add(4*time.Minute), sim.SenderCustomer, sim.EventLeave, ""),
	}}
	r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
	if err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]float64{"not_served_rate": 1, "answer_rate_30s": 0, "abandon_rate": 1, "first_response_avg_s": 600} {
		if got, ok := r.KPIs[id]; !ok || got != want {
			t.Errorf("%s = %v (observed %v); want %v", id, got, ok, want)
		}
	}
	if r.Scores[0].Score.Timeliness != 0 {
		t.Errorf("timeliness %v; want 0: the automatic welcome is no reply", r.Scores[0].Score.Timeliness)
	}
}

// TestEvaluate_DisputeRateNeedsPaidOrders: without a paid-order count the
// dispute-refund rate is not evaluated and no clause bills it; paid events
// or --paid-orders give the denominator.
func TestEvaluate_DisputeRateNeedsPaidOrders(t *testing.T) {
	contract := &sim.Contract{Name: "t", MonthlyFee: 1000000, Clauses: []sim.Clause{{
		ID: "dispute", Kind: sim.KindBanded, KPI: "dispute_refund_rate", Target: ptr(0.02),
		Bands: []sim.Band{{From: ptr(0.02), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}}},
	}}}
	if err := contract.Validate(); err != nil {
		t.Fatal(err)
	}
	disputed := newChat("d1", sim.CaseQualityDefect, 9900).
		add(0, sim.SenderCustomer, sim.EventMessage, "杯子裂了", nil, 0).
		add(10, sim.SenderAgent, sim.EventMessage, "抱歉，麻烦拍张照片", nil, 0).
		add(60, sim.SenderCustomer, sim.EventDispute, "", nil, 0).
		add(61, sim.SenderCustomer, sim.EventLeave, "", nil, 0).c

	r, err := review.Evaluate([]*sim.Conversation{disputed}, review.Options{Profile: taobaoLike(), Contract: contract})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := r.KPIs["dispute_refund_rate"]; ok {
		t.Errorf("dispute_refund_rate = %v; want not evaluated without paid orders", v)
	}
	if r.Statement.Total != 0 {
		t.Errorf("statement total %v; want 0 (no clause bills the unevaluated rate)", r.Statement.Total)
	}
	if len(r.Statement.Skipped) != 1 || !strings.Contains(r.Statement.Skipped[0].Reason, "not evaluated") {
		t.Errorf("skipped %+v; want the dispute clause, saying why it was not evaluated", r.Statement.Skipped)
	}

	r, err = review.Evaluate([]*sim.Conversation{disputed}, review.Options{Profile: taobaoLike(), Contract: contract, PaidOrders: 20})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.KPIs["dispute_refund_rate"]; v != 0.05 {
		t.Errorf("with 20 paid orders dispute_refund_rate = %v; want 0.05", v)
	}
	if r.Statement.Total != 500000 {
		t.Errorf("with 20 paid orders the statement bills %v; want 5000.00", r.Statement.Total)
	}
}

// TestEvaluate_PaidEventsAreNotPaidOrders: the dispute-refund rate is
// disputes ruled for the buyer ÷ the store's paid orders of the period
// (DOMAIN.md §1). A chat's paid event is a pre-sales buyer's purchase, not
// the store's orders: four of them and one dispute are no rate of 1 ÷ 4,
// for the period or for the day; the rate is not evaluated. Given the
// paid orders (40 over the file's two days), each day has half of them.
func TestEvaluate_PaidEventsAreNotPaidOrders(t *testing.T) {
	d0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	var convs []*sim.Conversation
	for i := range 4 {
		c := closeAction(answered(fmt.Sprintf("p%d", i), d0.Add(time.Duration(i)*time.Hour), 10))
		c.Events = append(c.Events, at(d0.Add(time.Duration(i)*time.Hour+time.Minute), sim.SenderCustomer, sim.EventPaid, ""))
		convs = append(convs, c)
	}
	convs[0].Events = append(convs[0].Events, at(d0.Add(2*time.Minute), sim.SenderCustomer, sim.EventDispute, ""))
	convs = append(convs, closeAction(answered("late", d0.Add(13*time.Hour+59*time.Minute), 120)))
	r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike()})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.DaysCounts) != 2 || !slices.Equal(r.DayDates, []string{"2026-03-03", "2026-03-04"}) {
		t.Fatalf("%d days, dates %v; want 2026-03-03 and 2026-03-04", len(r.DaysCounts), r.DayDates)
	}
	if v, ok := r.KPIs["dispute_refund_rate"]; ok {
		t.Errorf("the period: dispute_refund_rate %v from 4 paid events; want not evaluated", v)
	}
	for i, d := range r.Days {
		if v, ok := d["dispute_refund_rate"]; ok {
			t.Errorf("day %d: dispute_refund_rate %v; want not evaluated", i, v)
		}
		if v, ok := r.DaysCounts[i]["n_paid_orders"]; ok {
			t.Errorf("day %d: n_paid_orders %v; want none (no paid-order count given)", i, v)
		}
	}
	if !strings.HasPrefix(r.PaidOrdersNote, "dispute_refund_rate not evaluated") || !slices.Contains(r.Notes, r.PaidOrdersNote) {
		t.Errorf("notes %q; want one saying the rate is not evaluated", r.Notes)
	}

	r, err = review.Evaluate(convs, review.Options{Profile: taobaoLike(), PaidOrders: 40})
	if err != nil {
		t.Fatal(err)
	}
	if got := r.DaysCounts[0]["n_paid_orders"]; got != 20 {
		t.Errorf("3 March: n_paid_orders %v; want 20, half of 40 over two days", got)
	}
	if got := r.Days[0]["dispute_refund_rate"]; got != 0.05 {
		t.Errorf("3 March: dispute_refund_rate %v; want 1 ÷ 20", got)
	}
	if got := r.KPIs["dispute_refund_rate"]; got != 0.025 {
		t.Errorf("the period: dispute_refund_rate %v; want 1 ÷ 40", got)
	}
}

// TestEvaluate_HeldBy: a conversation escalated from one agent to another
// was held by both, in order; Agent is the last (who may see it: live.md,
// "an agent … only those it held").
func TestEvaluate_HeldBy(t *testing.T) {
	d0 := time.Date(2026, 3, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	c := closeAction(answered("e1", d0, 10))
	sup := at(d0.Add(20*time.Second), sim.SenderSystem, sim.EventAssign, "")
	sup.Agent = "sup/1"
	c.Events = append([]sim.Event{at(d0, sim.SenderSystem, sim.EventAssign, "")}, c.Events...)
	c.Events = append(c.Events, sup)
	r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike()})
	if err != nil {
		t.Fatal(err)
	}
	if s := r.Scores[0]; s.Agent != "sup/1" || !slices.Equal(s.HeldBy, []string{"alice", "sup/1"}) {
		t.Errorf("agent %q, held by %v; want sup/1 last, held by alice then sup/1", s.Agent, s.HeldBy)
	}
}

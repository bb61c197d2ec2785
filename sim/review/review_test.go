package review_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

var cst = time.FixedZone("CST", 8*3600)

// taobaoLike is the shape of the built-in taobao profile: 30 s answers,
// 3 min replies, business hours 08:00–23:00.
func taobaoLike() *sim.PlatformProfile {
	p := &sim.PlatformProfile{
		Name:            "test",
		BusinessHours:   sim.ClockRange{From: sim.Clock(8, 0), To: sim.Clock(23, 0)},
		AnswerThreshold: 30 * time.Second, ReplyThreshold: 3 * time.Minute,
		RoundCap: 10 * time.Minute, UnansweredRound: 10 * time.Minute,
	}
	p.Normalize()
	return p
}

// chat builds a conversation from offsets in seconds after 10:00 on
// 2026-11-11 (business hours).
type chat struct {
	c  *sim.Conversation
	t0 time.Time
}

func newChat(id, caseID string, price sim.Money) *chat {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, cst)
	return &chat{t0: t0, c: &sim.Conversation{ID: id, Case: caseID, Arrived: t0, Order: sim.Order{ID: "1", Price: price}}}
}

func (b *chat) add(sec float64, s sim.Sender, k sim.EventKind, text string, a *sim.Action, rating int) *chat {
	e := sim.Event{At: b.t0.Add(time.Duration(sec * float64(time.Second))), Sender: s, Kind: k, Text: text, Action: a, Rating: rating}
	if s == sim.SenderAgent || k == sim.EventAssign {
		e.Agent = "alice"
	}
	b.c.Events = append(b.c.Events, e)
	return b
}

func TestEvaluate(t *testing.T) {
	// Two refund-before-shipping chats for alice: one answered in 10 s and
	// refunded in full, rated 5; one answered after 90 s, refunded and
	// rated 2, then disputed.
	good := newChat("c1", sim.CaseRefundUnshipped, 19900).
		add(0, sim.SenderCustomer, sim.EventMessage, "还没发货，我要退款", nil, 0).
		add(1, sim.SenderSystem, sim.EventAssign, "", nil, 0).
		add(10, sim.SenderAgent, sim.EventMessage, "抱歉让您久等，马上为您退款，24小时内到账", nil, 0).
		add(20, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActRefund, Amount: 19900}, 0).
		add(25, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActClose}, 0).
		add(30, sim.SenderCustomer, sim.EventRating, "", nil, 5).
		add(31, sim.SenderCustomer, sim.EventLeave, "", nil, 0).c
	slow := newChat("c2", sim.CaseRefundUnshipped, 5000).
		add(0, sim.SenderCustomer, sim.EventMessage, "退款", nil, 0).
		add(1, sim.SenderSystem, sim.EventAssign, "", nil, 0).
		add(90, sim.SenderAgent, sim.EventMessage, "抱歉，马上为您退款，24小时内到账", nil, 0).
		add(100, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActRefund, Amount: 5000}, 0).
		add(105, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActClose}, 0).
		add(110, sim.SenderCustomer, sim.EventRating, "", nil, 2).
		add(111, sim.SenderCustomer, sim.EventDispute, "", nil, 0).
		add(112, sim.SenderCustomer, sim.EventLeave, "", nil, 0).c
	cut := newChat("c3", sim.CaseRefundUnshipped, 5000).
		add(0, sim.SenderCustomer, sim.EventMessage, "退款", nil, 0).
		add(5, sim.SenderCustomer, sim.EventLeave, sim.LeaveRunEnded, nil, 0).c
	interrupted := newChat("c4", sim.CaseRefundUnshipped, 5000).
		add(0, sim.SenderCustomer, sim.EventMessage, "退款", nil, 0).
		add(1, sim.SenderSystem, sim.EventAssign, "", nil, 0).
		add(7, sim.SenderCustomer, sim.EventLeave, sim.LeaveInterrupted, nil, 0).c
	p := taobaoLike()
	r, err := review.Evaluate([]*sim.Conversation{good, slow, cut, interrupted}, review.Options{Profile: p, PaidOrders: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		kpi  string
		want float64
	}{
		{"answer_rate_30s", 0.5},
		{"satisfaction", 0.5},
		{"dispute_refund_rate", 0.01},
		{"first_response_avg_s", 50},
	} {
		if got, ok := r.KPIs[tc.kpi]; !ok || got != tc.want {
			t.Errorf("%s = %v (present %v); want %v", tc.kpi, got, ok, tc.want)
		}
	}
	for kpi, want := range map[string][]string{"answer_rate_30s": {"c2"}, "satisfaction": {"c2"}, "dispute_refund_rate": {"c2"}} {
		if got := r.Evidence[kpi]; !slices.Equal(got, want) {
			t.Errorf("evidence of %s = %v; want %v", kpi, got, want)
		}
	}
	if r.DisputeRefunds != 5000 {
		t.Errorf("dispute refunds %v; want 50.00", r.DisputeRefunds)
	}
	if len(r.Agents) != 1 || r.Agents[0].Agent != "alice" || r.Agents[0].Conversations != 2 || r.Agents[0].Correct != 2 {
		t.Errorf("agents %+v; want alice with 2 conversations, both correct", r.Agents)
	}
	if r.Scores[0].Score.Total <= r.Scores[1].Score.Total {
		t.Errorf("the fast chat scored %.1f, the slow one %.1f; want the fast one higher", r.Scores[0].Score.Total, r.Scores[1].Score.Total)
	}
	if r.Period != "2026-11" {
		t.Errorf("period %q", r.Period)
	}
	if r.Conversations != 2 || len(r.Notes) != 2 || !strings.Contains(r.Notes[1], "interruption") || !strings.Contains(r.Notes[1], "1 left out") {
		t.Errorf("%d conversations, notes %q; want the cut-off and the interrupted one left out and said so", r.Conversations, r.Notes)
	}
}

func TestEvaluate_StatementCitesConversations(t *testing.T) {
	var convs []*sim.Conversation
	for i, rating := range []int{5, 5, 3, 1} {
		convs = append(convs, newChat(string(rune('a'+i)), sim.CaseRefundUnshipped, 1000).
			add(0, sim.SenderCustomer, sim.EventMessage, "退款", nil, 0).
			add(1, sim.SenderSystem, sim.EventAssign, "", nil, 0).
			add(5, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActRefund, Amount: 1000}, 0).
			add(6, sim.SenderAgent, sim.EventAction, "", &sim.Action{Kind: sim.ActClose}, 0).
			add(7, sim.SenderCustomer, sim.EventRating, "", nil, rating).c)
	}
	contract := &sim.Contract{Name: "t", MonthlyFee: 1000000, Clauses: []sim.Clause{{
		ID: "satisfaction", Kind: sim.KindBanded, KPI: "satisfaction", Target: ptr(0.9),
		Bands: []sim.Band{{To: ptr(0.9), Ratio: sim.Ratio{Min: 0.5, Max: 0.5}}},
	}}}
	if err := contract.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike(), Contract: contract, PaidOrders: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Statement == nil || r.Statement.Total != 500000 {
		t.Fatalf("statement %+v; want 5,000.00 for satisfaction 0.5", r.Statement)
	}
	var cited []string
	for _, it := range r.Statement.Items {
		cited = append(cited, it.Evidence...)
	}
	if !slices.Equal(cited, []string{"c", "d"}) {
		t.Errorf("the statement cites %v; want the two low ratings c and d", cited)
	}
}

func ptr[T any](v T) *T { return &v }

func TestEvaluate_UsesScoresGiven(t *testing.T) {
	c := newChat("c1", sim.CaseRefundUnshipped, 1000).
		add(0, sim.SenderCustomer, sim.EventMessage, "退款", nil, 0).
		add(5, sim.SenderAgent, sim.EventMessage, "好的", nil, 0).c
	calls := 0
	r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike(), Scored: func(*sim.Conversation) (sim.Score, bool) {
		calls++
		return sim.Score{Total: 42, Correct: true}, true
	}})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || r.MeanScore != 42 || !r.Scores[0].Score.Correct {
		t.Errorf("%d calls, mean %.1f; want the given score used once", calls, r.MeanScore)
	}
}

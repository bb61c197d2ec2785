package sim_test

import (
	"slices"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// runStart is local midnight of chatStart's day: offsets are seconds of
// the day.
var runStart = time.Date(2026, 11, 11, 0, 0, 0, 0, scoreZone)

const ten = 10 * 3600.0 // chatStart's offset from runStart

func sysMsg(s float64, text string) sim.Event {
	return sim.Event{At: atSec(s), Sender: sim.SenderSystem, Kind: sim.EventMessage, Text: text}
}

func TestSessionOf(t *testing.T) {
	for _, tc := range []struct {
		name    string
		c       *sim.Conversation
		correct bool
		want    sim.Session
		rounds  []sim.Round
	}{
		{
			"a full after-sales chat",
			goodDefect(), true,
			// Resolved at the return (95 s): evidence was asked in words at
			// 15 s, so approve_return completes the case.
			sim.Session{Start: ten, FirstReply: 15, Served: true, Rating: 5, Resolved: true, ResolvedAfter: 95},
			[]sim.Round{{ten, 15}, {ten + 60, 30}, {ten + 130, 10}},
		},
		{
			"the same chat handled wrongly is not resolved",
			goodDefect(), false,
			sim.Session{Start: ten, FirstReply: 15, Served: true, Rating: 5},
			[]sim.Round{{ten, 15}, {ten + 60, 30}, {ten + 130, 10}},
		},
		{
			"a welcome is no reply: the buyer left unanswered",
			&sim.Conversation{Events: []sim.Event{
				sysMsg(0, "欢迎光临"), custMsg(1, "在吗"), custMsg(30, "在吗？"),
				eventBy(200, sim.SenderCustomer, sim.EventLeave), sysEvent(200, sim.EventClose),
			}}, true,
			sim.Session{Start: ten + 1, FirstReply: -1, Abandoned: true, LeftUnanswered: true, LateRound: true},
			[]sim.Round{{ten + 1, -1}},
		},
		{
			"left after a first reply",
			&sim.Conversation{Arrived: atSec(0), Events: []sim.Event{
				custMsg(0, "你好"), agentMsg(10, "您好"), custMsg(20, "退款呢"),
				eventBy(400, sim.SenderCustomer, sim.EventLeave), sysEvent(400, sim.EventClose), ratingEvent(401, 1),
			}}, true,
			sim.Session{Start: ten, FirstReply: 10, Served: true, Abandoned: true, LateRound: true, Rating: 1},
			[]sim.Round{{ten, 10}, {ten + 20, -1}},
		},
		{
			"a leave after the close is no abandonment",
			&sim.Conversation{Case: sim.CaseRefundUnshipped, Events: []sim.Event{
				custMsg(0, "不要了退款"), agentAct(20, sim.ActRefund, withAmount(100)), sysEvent(30, sim.EventClose),
				eventBy(40, sim.SenderCustomer, sim.EventLeave),
			}}, true,
			sim.Session{Start: ten, FirstReply: 20, Served: true, Resolved: true, ResolvedAfter: 20},
			[]sim.Round{{ten, 20}},
		},
		{
			"a pre-sales buyer paid",
			&sim.Conversation{Case: sim.CasePresalesQuestion, Events: []sim.Event{
				custMsg(0, "有L码吗"), agentMsg(5, "有的"), agentAct(6, sim.ActClose),
				eventBy(100, sim.SenderCustomer, sim.EventPaid), sysEvent(110, sim.EventClose),
			}}, true,
			sim.Session{Start: ten, FirstReply: 5, Served: true, Presales: true, Converted: true},
			[]sim.Round{{ten, 5}},
		},
		{
			"the last rating counts, and the dispute",
			&sim.Conversation{Events: []sim.Event{
				custMsg(0, "破了"), agentMsg(50, "抱歉"), sysEvent(60, sim.EventClose),
				ratingEvent(70, 3), ratingEvent(80, 1), eventBy(90, sim.SenderCustomer, sim.EventDispute),
			}}, false,
			sim.Session{Start: ten, FirstReply: 50, Served: true, Rating: 1, Dispute: true},
			[]sim.Round{{ten, 50}},
		},
		{
			"system messages never reply; evidence opens a round; messages after the close open none",
			&sim.Conversation{Events: []sim.Event{
				custMsg(0, "在吗"), sysMsg(3, "客服正在赶来"), agentMsg(40, "在的"),
				{At: atSec(60), Sender: sim.SenderCustomer, Kind: sim.EventEvidence, Text: "照片"},
				agentAct(70, sim.ActRequestEvidence), sysEvent(80, sim.EventClose), custMsg(90, "谢谢"),
			}}, false,
			sim.Session{Start: ten, FirstReply: 40, Served: true},
			[]sim.Round{{ten, 40}, {ten + 60, 10}},
		},
		{
			"an assignment alone is no service (DOMAIN.md §1); an open round at the close is unanswered",
			&sim.Conversation{Events: []sim.Event{
				custMsg(0, "在吗"), sysEvent(5, sim.EventAssign), sysEvent(900, sim.EventClose),
			}}, false,
			sim.Session{Start: ten, FirstReply: -1, Served: false, LateRound: true},
			[]sim.Round{{ten, -1}},
		},
		{
			"an automatic welcome from the agent's account answers nothing",
			&sim.Conversation{Events: []sim.Event{
				custMsg(0, "在吗"), {At: atSec(1), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "a1", Text: "欢迎光临", Auto: true},
				{At: atSec(200), Sender: sim.SenderCustomer, Kind: sim.EventLeave},
			}}, false,
			sim.Session{Start: ten, FirstReply: -1, Served: false, Abandoned: true, LeftUnanswered: true, LateRound: true},
			[]sim.Round{{ten, -1}},
		},
		{
			"the agent's close action answers nothing, and what the buyer writes after it opens no round",
			&sim.Conversation{Events: []sim.Event{
				custMsg(0, "在吗"), agentMsg(10, "在的，请说"), custMsg(20, "谢谢"), agentAct(30, sim.ActClose),
				custMsg(40, "还有个问题"), sysEvent(900, sim.EventClose),
			}}, false,
			sim.Session{Start: ten, FirstReply: 10, Served: true, LateRound: true},
			[]sim.Round{{ten, 10}, {ten + 20, -1}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, rounds := sim.SessionOf(tc.c, runStart, tc.correct)
			// A chat naming no case is out of the resolution rate
			// (TestSessionOf_NoCase); most of these name none.
			want := tc.want
			want.NoCase = tc.c.Case == "" && !want.Presales
			if s != want {
				t.Errorf("session\n got %+v\nwant %+v", s, want)
			}
			if !slices.Equal(rounds, tc.rounds) {
				t.Errorf("rounds %v; want %v", rounds, tc.rounds)
			}
		})
	}
}

// TestTally_AddConversation checks that a conversation fed whole gives the
// counts of its rounds and session fed by hand, as the engine feeds them,
// and that a round over the reply threshold marks the dialogue late.
func TestTally_AddConversation(t *testing.T) {
	profile := taobaoProfile()
	newTally := func() *sim.Tally {
		return sim.NewTally(sim.NewCalendar(runStart, 24*time.Hour), profile, 0)
	}
	slow := &sim.Conversation{Events: []sim.Event{
		custMsg(0, "在吗"), agentMsg(10, "在的"), custMsg(20, "破了"), agentMsg(320, "抱歉"), sysEvent(330, sim.EventClose),
	}}
	got := newTally()
	got.AddConversation(goodDefect(), runStart, true)
	got.AddConversation(slow, runStart, false)
	want := newTally()
	want.Round(ten, 15)
	want.Round(ten+60, 30)
	want.Round(ten+130, 10)
	want.Add(&sim.Session{Start: ten, FirstReply: 15, Served: true, Rating: 5, Resolved: true, ResolvedAfter: 95})
	want.Round(ten, 10)
	want.Round(ten+20, 300)
	// slow names no case: it stays out of the resolution rate.
	want.Add(&sim.Session{Start: ten, FirstReply: 10, Served: true, LateRound: true, NoCase: true})

	g, w := got.Total(), want.Total()
	if g != w {
		t.Errorf("counts\n got %+v\nwant %+v", g, w)
	}
	if g.Dialogues != 2 || g.DialoguesOnTime != 1 || g.Timeouts != 1 || g.Cases != 1 || g.Resolved24 != 1 {
		t.Errorf("dialogues %d, on time %d, timeouts %d, cases %d, resolved %d; want 2, 1, 1, 1, 1", g.Dialogues, g.DialoguesOnTime, g.Timeouts, g.Cases, g.Resolved24)
	}
}

// TestSessionOf_AgentCloseThenLeave is the live hub's order of events: the
// agent closes, the customer rates and leaves, the hub records the end. The
// customer did not abandon, and the correct handling counts as resolved.
func TestSessionOf_AgentCloseThenLeave(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	c := &sim.Conversation{ID: "c", Case: sim.CaseRefundUnshipped, Arrived: t0, Events: []sim.Event{
		{At: at(0), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "退款"},
		{At: at(1), Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: "a"},
		{At: at(5), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActRefund, Amount: 100}},
		{At: at(6), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActClose}},
		{At: at(8), Sender: sim.SenderCustomer, Kind: sim.EventRating, Rating: 5},
		{At: at(9), Sender: sim.SenderCustomer, Kind: sim.EventLeave, Text: "done"},
		{At: at(9), Sender: sim.SenderSystem, Kind: sim.EventClose},
	}}
	s, _ := sim.SessionOf(c, t0, true)
	if s.Abandoned || s.LeftUnanswered || !s.Resolved || s.ResolvedAfter != 5 {
		t.Errorf("session %+v; want not abandoned, resolved after 5 s", s)
	}
}

// TestSessionOf_NoCase: transcripts.md, "Without a case … nothing counts
// as resolved, so resolution_24h_rate needs the case": a chat naming no
// case of the table is never resolved, whatever its handling, and is left
// out of the rate rather than counted unresolved; a pre-sales chat is not
// an after-sales one at all.
func TestSessionOf_NoCase(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	chat := func(caseID string) *sim.Conversation {
		return &sim.Conversation{ID: "c", Case: caseID, Arrived: t0, Events: []sim.Event{
			{At: at(0), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗"},
			{At: at(5), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "a", Text: "在的"},
			{At: at(6), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "a", Action: &sim.Action{Kind: sim.ActClose}},
		}}
	}
	for _, tc := range []struct {
		caseID           string
		noCase, resolved bool
		cases, resolved2 int
	}{
		{"", true, false, 0, 0},
		{"no_such_case", true, false, 0, 0},
		{sim.CaseRefundUnshipped, false, true, 1, 1},
		{"presales_question", false, false, 0, 0},
	} {
		s, rounds := sim.SessionOf(chat(tc.caseID), t0, true)
		if s.NoCase != tc.noCase || s.Resolved != tc.resolved {
			t.Errorf("case %q: no case %v, resolved %v; want %v, %v", tc.caseID, s.NoCase, s.Resolved, tc.noCase, tc.resolved)
		}
		tally := sim.NewTally(sim.NewCalendar(t0, 24*time.Hour), taobaoProfile(), 0)
		tally.AddSession(s, rounds)
		if c := tally.Total(); c.Cases != tc.cases || c.Resolved24 != tc.resolved2 {
			t.Errorf("case %q: counted %d cases, %d resolved; want %d, %d", tc.caseID, c.Cases, c.Resolved24, tc.cases, tc.resolved2)
		}
	}
}

package des_test

import (
	"math"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/review"
)

// TestHandling_ScoresAsIntended: the handling the engine records for a
// correct agent is judged correct by the scorer, the one for a wrong
// agent wrong, and neither is a hard fail, for every after-sales case.
func TestHandling_ScoresAsIntended(t *testing.T) {
	for _, k := range sim.Cases() {
		if k.Presales {
			continue
		}
		for _, correct := range []bool{true, false} {
			c := &sim.Conversation{ID: "h", Case: k.ID, Order: sim.Order{ID: "SIM1", Price: 129_00}}
			t0 := time.Date(2026, 3, 11, 10, 0, 0, 0, time.UTC)
			c.Events = append(c.Events,
				sim.Event{At: t0, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "（模拟买家消息）"},
				sim.Event{At: t0, Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: "agent-001"},
				sim.Event{At: t0, Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "agent-001", Text: "（模拟客服答复内容）"})
			for _, a := range des.Handling(k, c.Order.Price, correct, "按售后标准处理") {
				c.Events = append(c.Events, sim.Event{At: t0, Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "agent-001", Action: &a})
			}
			c.Events = append(c.Events, sim.Event{At: t0, Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "agent-001", Action: &sim.Action{Kind: sim.ActClose}})
			sc := sim.ScoreConversation(c, nil, sim.ScoreWeights{})
			if sc.Correct != correct || sc.HardFail {
				t.Errorf("%s, correct handling %v: scored correct %v, hard fail %v; want correct %v and no hard fail (deductions %+v)",
					k.ID, correct, sc.Correct, sc.HardFail, correct, sc.Deductions)
			}
		}
	}
}

// TestEngine_RecordedKPIs: the engine's conversations, judged by the
// review (what kpis --transcripts does), give the engine's own KPIs
// (steady-day's evening with a short team: 7 s under -race, most of it
// the scorer's).
// The counts behind the rates are the same, so the rates are equal to
// the last bit; averages of seconds may differ in the last bits from the
// order of summation and the nanosecond resolution of the records.
// timeouts_per_day divides the same timeouts by different days: the
// engine by the scenario's days, the review by the days from the first
// chat to the last event (a chat that ends after midnight adds one).
func TestEngine_RecordedKPIs(t *testing.T) {
	// Agents who close on the buyer's last message now and then: both
	// kinds of close in one run.
	recordedKPIs(t, 0.15)
}

func recordedKPIs(t *testing.T, unanswered float64) {
	s, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	s.Agent.UnansweredClose = unanswered
	// The evening peak to midnight (a chat open at midnight makes the
	// review count two days): about 400 buyers, enough for every kind of
	// event, few enough for the scorer under -race.
	s.Start, s.Duration = sim.Date(2026, 3, 11, 20, 0), 4*time.Hour
	m, err := des.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	// Fewer agents than the scenario's, so that buyers queue, nudge and
	// leave, and rounds run late.
	staffing := s.Staffing.Scaled(3)
	var convs []*sim.Conversation
	r, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 20260311, Staffing: staffing,
		Record: func(n int64, c *sim.Conversation) { convs = append(convs, c) }})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 20260311, Staffing: staffing})
	if err != nil {
		t.Fatal(err)
	}
	if plain.Refund != r.Refund || plain.Events != r.Events || plain.Stats != r.Stats {
		t.Errorf("recording changed the run: refund %v events %d, without %v and %d", r.Refund, r.Events, plain.Refund, plain.Events)
	}
	if len(convs) != r.Stats.Customers {
		t.Fatalf("%d conversations recorded; want one per customer, %d", len(convs), r.Stats.Customers)
	}
	if r.Stats.Abandoned+r.Stats.LeftLater == 0 || r.KPIs["reply_rate_3min"] == 1 {
		t.Fatalf("the run has no leaves or no late rounds (%+v, %v): the test needs both", r.Stats, r.KPIs)
	}
	rv, err := review.Evaluate(convs, review.Options{Profile: s.Platform, Contract: s.Contract.Contract,
		PaidOrders: s.Store.PaidOrdersPerDay * s.Duration.Hours() / 24})
	if err != nil {
		t.Fatal(err)
	}
	// The scorer charges a missing escalation to the agent even when the
	// buyer left before any reply; apart from those, nothing the engine
	// records is a hard fail.
	byID := map[string]*sim.Conversation{}
	for _, c := range convs {
		byID[c.ID] = c
	}
	for _, sc := range rv.Scores {
		if k, _ := sim.LookupCase(sc.Case); sc.HardFail && !(sc.Abandoned && sc.FirstReply < 0 && k.EscalateAlways) {
			t.Errorf("%s (%s) is a hard fail: %+v", sc.ID, sc.Case, sc.Score.Deductions)
		}
	}
	// The review's days run from the first chat's to the last event's, in
	// Beijing time.
	first, last := convs[0].Arrived, convs[0].Arrived
	for _, c := range convs {
		first = minTime(first, c.Arrived)
		last = maxTime(last, c.Events[len(c.Events)-1].At)
	}
	days := float64(dayOf(last, s.Platform.Zone()) - dayOf(first, s.Platform.Zone()) + 1)
	for id, want := range r.KPIs {
		got, ok := rv.KPIs[id]
		switch {
		case !ok:
			t.Errorf("%s: the engine has %v, the review none", id, want)
		case id == "timeouts_per_day":
			if math.Round(got*days) != want*1 {
				t.Errorf("timeouts: review %v × %v days, engine %v × 1 day; want the same count", got, days, want)
			}
		case id == "timeout_bad_day_share":
		case unit(id) == sim.UnitSeconds:
			if math.Abs(got-want) > 1e-9*want {
				t.Errorf("%s = %.12g from the records; the engine's %.12g", id, got, want)
			}
		case got != want:
			t.Errorf("%s = %v from the records; the engine's %v", id, got, want)
		}
	}
	if r.Disputes == 0 || rv.DisputeRefunds != r.DisputeRefunds {
		t.Errorf("dispute refunds %v from the records; the engine's %v (%d disputes)", rv.DisputeRefunds, r.DisputeRefunds, r.Disputes)
	}
}

func unit(id string) sim.Unit {
	k, _ := sim.LookupKPI(id)
	return k.Unit
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// dayOf numbers t's calendar day in loc.
func dayOf(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

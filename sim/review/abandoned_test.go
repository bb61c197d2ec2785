package review_test

import (
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// TestEvaluate_AbandonedPerConversation: a conversation's abandoned flag
// is the abandonment rate's definition (docs/transcripts.md, DOMAIN.md
// §1): the buyer left before any valid reply. A buyer answered and then
// gone "is not abandoned", and a session nobody answered that the buyer
// never left is not served, not abandoned. The audit's inputs (s1–s5).
func TestEvaluate_AbandonedPerConversation(t *testing.T) {
	t0 := time.Date(2026, 11, 11, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	s := func(d time.Duration) time.Time { return t0.Add(d) }
	conv := func(id string, evs ...sim.Event) *sim.Conversation {
		return &sim.Conversation{ID: id, Case: sim.CaseQualityDefect, Arrived: evs[0].At, Events: evs}
	}
	msg := func(at time.Time) sim.Event {
		return sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗，杯子坏了"}
	}
	reply := func(at time.Time) sim.Event {
		return sim.Event{At: at, Sender: sim.SenderAgent, Agent: "amy", Kind: sim.EventMessage, Text: "非常抱歉，我看一下"}
	}
	leave := func(at time.Time) sim.Event {
		return sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventLeave}
	}
	convs := []*sim.Conversation{
		// Answered and closed.
		conv("s1", msg(s(0)), reply(s(20*time.Second)),
			sim.Event{At: s(30 * time.Second), Sender: sim.SenderAgent, Agent: "amy", Kind: sim.EventAction, Action: &sim.Action{Kind: sim.ActClose}}),
		// Answered, asked again, left before the close: not abandoned.
		conv("s2", msg(s(10*time.Minute)), reply(s(10*time.Minute+20*time.Second)), msg(s(10*time.Minute+40*time.Second)), leave(s(11*time.Minute+40*time.Second))),
		// Left unanswered: abandoned.
		conv("s3", msg(s(20*time.Minute)), leave(s(21*time.Minute+40*time.Second))),
		// Only an automatic welcome, then left: abandoned.
		conv("s4", msg(s(30*time.Minute)),
			sim.Event{At: s(30*time.Minute + 2*time.Second), Sender: sim.SenderAgent, Agent: "amy", Kind: sim.EventMessage, Text: "欢迎光临", Auto: true},
			leave(s(31*time.Minute+40*time.Second))),
		// Assigned, never answered, closed by the system, never left: not
		// served, not abandoned.
		conv("s5", msg(s(40*time.Minute)),
			sim.Event{At: s(40*time.Minute + time.Second), Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: "amy"},
			sim.Event{At: s(46*time.Minute + 40*time.Second), Sender: sim.SenderSystem, Kind: sim.EventClose}),
	}
	r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike()})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"s1": false, "s2": false, "s3": true, "s4": true, "s5": false}
	left := 0
	for _, sc := range r.Scores {
		if sc.Abandoned != want[sc.ID] {
			t.Errorf("%s: abandoned %v; want %v", sc.ID, sc.Abandoned, want[sc.ID])
		}
		if sc.Abandoned {
			left++
		}
	}
	// abandoned ÷ (handled + abandoned): s1 and s2 handled, s3 and s4
	// abandoned; s5 was neither.
	if got, want := r.KPIs["abandon_rate"], 0.5; got != want || left != 2 {
		t.Errorf("abandon_rate %v with %d conversations abandoned; want %v with 2", got, left, want)
	}
}

package review_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// rounds is a chat whose buyer writes at each of at (Beijing time,
// 2026-11-11) and gets a reply after the matching wait in seconds (-1:
// none); the agent closes after the last reply, or the buyer leaves.
func rounds(id string, at []string, waits []float64) *sim.Conversation {
	ts := func(hm string) time.Time {
		t, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-11 "+hm, cst)
		if err != nil {
			panic(err)
		}
		return t
	}
	c := &sim.Conversation{ID: id, Arrived: ts(at[0])}
	last := c.Arrived
	for i, a := range at {
		t0 := ts(a)
		c.Events = append(c.Events, sim.Event{At: t0, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗，问一下发货时间"})
		last = t0
		if waits[i] >= 0 {
			last = t0.Add(time.Duration(waits[i] * float64(time.Second)))
			c.Events = append(c.Events, sim.Event{At: last, Sender: sim.SenderAgent, Agent: "alice", Kind: sim.EventMessage, Text: "您好，今天下午五点前发货"})
		}
	}
	if waits[len(waits)-1] < 0 {
		c.Events = append(c.Events, sim.Event{At: last.Add(15 * time.Minute), Sender: sim.SenderCustomer, Kind: sim.EventLeave})
	} else {
		c.Events = append(c.Events, sim.Event{At: last.Add(5 * time.Second), Sender: sim.SenderAgent, Agent: "alice", Kind: sim.EventAction, Action: &sim.Action{Kind: sim.ActClose}})
	}
	return c
}

// TestEvaluate_EvidenceInBusinessHours: the conversations a KPI cites are
// the ones it counts (DOMAIN.md §1: response rounds count 08:00–23:00
// Beijing time only), never a late round at night. The expected lists are
// written from that rule: "night" (02:00, first reply after 5 min) is late
// but outside business hours, so only the all-day answer rate cites it,
// and not at all under a profile that excludes 23:00–09:00 from the answer
// rate; "day" (10:00, 5 min) is cited by every response KPI; "late-evening"
// (answered in 10 s at 22:50, then a round at 23:05 answered after 5 min)
// is cited by none.
func TestEvaluate_EvidenceInBusinessHours(t *testing.T) {
	convs := []*sim.Conversation{
		rounds("night", []string{"02:00"}, []float64{300}),
		rounds("day", []string{"10:00"}, []float64{300}),
		rounds("late-evening", []string{"22:50", "23:05"}, []float64{10, 300}),
	}
	jd := taobaoLike()
	jd.AnswerRateExcludes = &sim.ClockRange{From: sim.Clock(23, 0), To: sim.Clock(9, 0)}
	for _, tc := range []struct {
		name    string
		profile *sim.PlatformProfile
		want    map[string][]string
	}{
		{"all-day answer rate", taobaoLike(), map[string][]string{
			"answer_rate_30s": {"day", "night"}, "first_response_avg_s": {"day"}, "reply_rate_3min": {"day"},
			"response_avg_s": {"day"}, "timeouts_per_day": {"day"}}},
		{"answer rate excludes 23:00–09:00", jd, map[string][]string{
			"answer_rate_30s": {"day"}, "first_response_avg_s": {"day"}, "reply_rate_3min": {"day"},
			"response_avg_s": {"day"}, "timeouts_per_day": {"day"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := review.Evaluate(convs, review.Options{Profile: tc.profile, Start: time.Date(2026, 11, 11, 0, 0, 0, 0, cst), PaidOrders: 100})
			if err != nil {
				t.Fatal(err)
			}
			for kpi, want := range tc.want {
				if got := r.Evidence[kpi]; !slices.Equal(got, want) {
					t.Errorf("%s cites %v; want %v", kpi, got, want)
				}
			}
			if got := r.Evidence["not_served_rate"]; len(got) != 0 {
				t.Errorf("not_served_rate cites %v; want none (all were served)", got)
			}
		})
	}
}

// TestEvaluate_End: nothing after the period's end counts. "under-way"
// arrives at 21:50, is answered in 10 s, and its buyer writes again at
// 22:05, after the 22:00 end, and gets no answer; "after" arrives at
// 22:30. With the end, the rounds are the one of 21:50, on time (reply
// rate 1, no citation), and "after" is left out with a note; without it,
// two rounds of which one unanswered (0.5) and both conversations.
func TestEvaluate_End(t *testing.T) {
	convs := []*sim.Conversation{
		rounds("under-way", []string{"21:50", "22:05"}, []float64{10, -1}),
		rounds("after", []string{"22:30"}, []float64{10}),
	}
	for _, tc := range []struct {
		name          string
		end           time.Time
		conversations int
		reply         float64
		cites         []string
		note          string
	}{
		{"no end", time.Time{}, 2, 2.0 / 3, []string{"under-way"}, ""},
		{"end at 22:00", time.Date(2026, 11, 11, 22, 0, 0, 0, cst), 1, 1, nil, "1 conversations arriving after the period's end (2026-11-11 22:00) are left out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike(), Start: time.Date(2026, 11, 11, 0, 0, 0, 0, cst), PaidOrders: 100, End: tc.end})
			if err != nil {
				t.Fatal(err)
			}
			if r.Conversations != tc.conversations || r.KPIs["reply_rate_3min"] != tc.reply {
				t.Errorf("%d conversations, reply rate %v; want %d, %v", r.Conversations, r.KPIs["reply_rate_3min"], tc.conversations, tc.reply)
			}
			if got := r.Evidence["reply_rate_3min"]; !slices.Equal(got, tc.cites) {
				t.Errorf("reply_rate_3min cites %v; want %v", got, tc.cites)
			}
			var total sim.Counts
			for _, d := range r.DayCounts {
				total.Add(d)
			}
			if want := 1 + len(tc.cites) + (tc.conversations - 1); total.Rounds != want {
				t.Errorf("%d rounds counted; want %d", total.Rounds, want)
			}
			if tc.note != "" && !slices.ContainsFunc(r.Notes, func(n string) bool { return strings.Contains(n, tc.note) }) {
				t.Errorf("notes %q; want one saying %q", r.Notes, tc.note)
			}
		})
	}
}

// cutAt is a chat whose buyer, unanswered, is cut off by leave why at
// hh:mm (Beijing time, 2026-11-11) after waiting waited.
func cutAt(id, why string, hm string, waited time.Duration) *sim.Conversation {
	cut, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-11 "+hm, cst)
	if err != nil {
		panic(err)
	}
	t0 := cut.Add(-waited)
	return &sim.Conversation{ID: id, Arrived: t0, Events: []sim.Event{
		{At: t0, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗，问一下发货时间"},
		{At: cut, Sender: sim.SenderCustomer, Kind: sim.EventLeave, Text: why},
	}}
}

// TestEvaluate_Cuts: every cut is treated alike (docs/trial.md): a buyer
// who had waited past the reply threshold (3 min) when the run's end or an
// interruption cut the chat off counts as missed; one who had waited less
// is left out. Expected: the run's end at 10:05 cuts "end-4m" (missed) and
// "end-1m" (left out); an interruption at 11:00 cuts "int-5m" (missed) and
// "int-2m" (left out). The counted rounds are ok's (on time) and the two
// missed: a reply rate of 1/3.
func TestEvaluate_Cuts(t *testing.T) {
	convs := []*sim.Conversation{
		rounds("ok", []string{"09:00"}, []float64{10}),
		cutAt("end-4m", sim.LeaveRunEnded, "10:05", 4*time.Minute),
		cutAt("end-1m", sim.LeaveRunEnded, "10:05", time.Minute),
		cutAt("int-5m", sim.LeaveInterrupted, "11:00", 5*time.Minute),
		cutAt("int-2m", sim.LeaveInterrupted, "11:00", 2*time.Minute),
	}
	r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike(), Start: time.Date(2026, 11, 11, 0, 0, 0, 0, cst), PaidOrders: 100})
	if err != nil {
		t.Fatal(err)
	}
	if r.Conversations != 3 || r.KPIs["reply_rate_3min"] != 1.0/3 {
		t.Errorf("%d conversations, reply rate %v; want 3 (ok and the two overdue), 1/3", r.Conversations, r.KPIs["reply_rate_3min"])
	}
	if got, want := r.Evidence["reply_rate_3min"], []string{"end-4m", "int-5m"}; !slices.Equal(got, want) {
		t.Errorf("reply_rate_3min cites %v; want %v", got, want)
	}
	var got []string
	for _, c := range r.Cuts {
		got = append(got, fmt.Sprintf("%s %s missed %d left out %d", c.Kind, c.At.Format("15:04"), c.Missed, c.LeftOut))
	}
	want := []string{"run ended 10:05 missed 1 left out 1", "run interrupted 11:00 missed 1 left out 1"}
	if !slices.Equal(got, want) {
		t.Errorf("cuts %q; want %q", got, want)
	}
	if n := len(r.Notes); n < 2 || !strings.Contains(r.Notes[0], "1 counted missed") || !strings.Contains(r.Notes[0], "1 left out of the KPIs") {
		t.Errorf("notes %q; want one per cut with both counts", r.Notes)
	}
}

// The review's JSON carries the counts behind its KPIs by the names of a
// KPI file's count columns. Expected from TestEvaluate_Cuts's chats: 3
// rounds counted (ok's and the two missed), 1 on time, 100 paid orders;
// one day, with the same counts.
func TestEvaluate_Counts(t *testing.T) {
	convs := []*sim.Conversation{
		rounds("ok", []string{"09:00"}, []float64{10}),
		cutAt("end-4m", sim.LeaveRunEnded, "10:05", 4*time.Minute),
		cutAt("int-5m", sim.LeaveInterrupted, "11:00", 5*time.Minute),
	}
	r, err := review.Evaluate(convs, review.Options{Profile: taobaoLike(), Start: time.Date(2026, 11, 11, 0, 0, 0, 0, cst), PaidOrders: 100})
	if err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]float64{"n_rounds": 3, "n_rounds_on_time": 1, "n_sessions": 3, "n_paid_orders": 100} {
		if got := r.Counts[col]; got != want {
			t.Errorf("counts[%s] = %v; want %v", col, got, want)
		}
	}
	if len(r.DaysCounts) != 1 || r.DaysCounts[0]["n_rounds"] != 3 {
		t.Errorf("days counts %v; want one day of 3 rounds", r.DaysCounts)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"counts":{`) || !strings.Contains(string(b), `"n_ratings":0`) {
		t.Errorf("the review's JSON has no counts: %.200s", b)
	}
}

package trainer_test

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func basic(t *testing.T) *trainer.Exam {
	t.Helper()
	e, err := trainer.Builtin("pre-hire-basic")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBuiltinExams(t *testing.T) {
	names := trainer.ExamNames()
	for _, want := range []string{"pre-hire-basic", "pre-hire-en", "promotion-surge"} {
		if !slices.Contains(names, want) {
			t.Errorf("built-in exams %v lack %s", names, want)
		}
	}
	for _, n := range names {
		e, err := trainer.Builtin(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(e.Items) < 8 || len(e.Items) > 15 {
			t.Errorf("%s has %d items; want 8 to 15", n, len(e.Items))
		}
		if e.Version == "" || e.Profile == nil {
			t.Errorf("%s: version %q, profile %v", n, e.Version, e.Profile)
		}
	}
	if e, err := trainer.Builtin("promotion-surge"); err == nil {
		if e.Concurrency != 5 || len(e.MustEscalate()) == 0 {
			t.Errorf("promotion-surge: concurrency %d, must-escalate items %v; want 5 and a safety case", e.Concurrency, e.MustEscalate())
		}
	}
}

// TestParseExam_Errors: a bad exam names the file, line, column and field
// of every problem at once (docs/exams.md).
func TestParseExam_Errors(t *testing.T) {
	src := `name: bad
time_limit: 10m
concurrency: 12
pass:
  reply_rate_3min: 98
items:
  - id: a
    case: no_such_case
    open: 你好
    persona: grumpy
    kind: odd
  - id: a
    case: quality_defect
    arrive: 11m
    open: 坏了
    colour: red
`
	_, err := trainer.ParseExam("bad.yaml", []byte(src))
	if err == nil || !errors.Is(err, scenarios.ErrBadInput) {
		t.Fatalf("err %v; want a bad-input error", err)
	}
	for _, want := range []string{
		"bad.yaml:3:14: concurrency: 12: want 1 to 10 chats at once",
		"bad.yaml:5:20: pass.reply_rate_3min: 98: want a share from 0 to 1",
		"bad.yaml:8:11: items[0].case: unknown case \"no_such_case\"",
		"bad.yaml:10:14: items[0].persona: unknown persona \"grumpy\"",
		// A kind written wrong is reported although the case is unknown.
		"bad.yaml:11:11: items[0].kind: \"odd\": want normal or must_escalate",
		"bad.yaml:12:9: items[1].id: \"a\" is also items[0]'s id",
		"bad.yaml:14:13: items[1].arrive: 11m: want a time from 0 to before the time limit (10m)",
		"bad.yaml:16:5: items[1].colour: unknown field",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("errors lack %q:\n%v", want, err)
		}
	}
}

// TestParseExam_NoCascade: one mistake is reported once, not again on
// every item that inherits it (the exam's locale) or on a default it
// leaves missing (an unknown persona's patience).
func TestParseExam_NoCascade(t *testing.T) {
	src := `name: bad
locale: fr
items:
  - id: a
    case: quality_defect
    persona: pirate
    open: 杯子裂了
    facts: {evidence: 照片}
  - id: b
    case: no_reason_return
    open: 退货
`
	_, err := trainer.ParseExam("bad.yaml", []byte(src))
	if err == nil {
		t.Fatal("a bad exam accepted")
	}
	want := []string{
		`bad.yaml:2:9: locale: "fr": want zh-CN or en`,
		`bad.yaml:6:14: items[0].persona: unknown persona "pirate"`,
	}
	lines := strings.Split(strings.TrimSpace(err.Error()), "\n")
	if len(lines) != len(want) {
		t.Errorf("%d errors; want %d:\n%v", len(lines), len(want), err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("errors lack %q:\n%v", w, err)
		}
	}
}

// play drives a script the way the sitting's driver does, with an agent
// that acts at fixed offsets, and returns every line with its offset from
// the item's arrival.
type played struct {
	at   time.Duration
	line trainer.Line
}

func play(s *trainer.Script, start time.Time, agent []agentStep) []played {
	var out []played
	s.Start(start)
	send := func(at time.Time, ls []trainer.Line) time.Time {
		for _, l := range ls {
			at = at.Add(l.After)
			s.Sent(at, l)
			out = append(out, played{at.Sub(start), l})
		}
		return at
	}
	for _, st := range agent {
		at := start.Add(st.at)
		// The customer's own timers first: nudges due before the agent acts.
		for {
			due, ok := s.Due()
			if !ok || due.After(at) {
				break
			}
			send(due, s.OnDue(due))
		}
		if s.Done() {
			break
		}
		if st.action != nil {
			send(at, s.OnAction(at, *st.action))
		} else {
			send(at, s.OnMessage(at, st.text))
		}
	}
	for !s.Done() {
		due, ok := s.Due()
		if !ok {
			break
		}
		send(due, s.OnDue(due))
	}
	return out
}

type agentStep struct {
	at     time.Duration
	text   string
	action *sim.Action
}

func msg(at time.Duration, text string) agentStep { return agentStep{at: at, text: text} }
func act(at time.Duration, a sim.Action) agentStep {
	return agentStep{at: at, action: &a}
}

func TestScript_Deterministic(t *testing.T) {
	e := basic(t)
	bank := phrases.Default()
	i := slices.IndexFunc(e.Items, func(it trainer.Item) bool { return it.ID == "cracked-lid" })
	agent := []agentStep{
		msg(20*time.Second, "亲，非常抱歉！麻烦提供一下订单号，再拍张裂缝的照片"),
		msg(3*time.Minute, "收到，给您办理退货退款，运费我们承担，24小时内退款"),
		act(3*time.Minute+5*time.Second, sim.Action{Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}),
		act(4*time.Minute, sim.Action{Kind: sim.ActClose}),
	}
	a := play(trainer.NewScript(e, i, bank), t0, agent)
	b := play(trainer.NewScript(e, i, bank), t0.Add(time.Hour), agent)
	if len(a) == 0 || !slices.Equal(a, b) {
		t.Fatalf("two candidates who act alike met different customers:\n%v\n%v", a, b)
	}
	// Asked for the order number and a photo in one message, the customer
	// answers the order number first; the photo is asked again.
	if a[0].line.Text == "" || a[0].line.Kind != sim.EventMessage {
		t.Errorf("first reply %+v; want the order number", a[0])
	}
}

func TestScript_Behaviour(t *testing.T) {
	e := basic(t)
	bank := phrases.Default()
	idx := func(id string) int {
		return slices.IndexFunc(e.Items, func(it trainer.Item) bool { return it.ID == id })
	}
	t.Run("evidence when asked, acceptance of the table's resolution, a rating and leaving at the close", func(t *testing.T) {
		lines := play(trainer.NewScript(e, idx("cracked-lid"), bank), t0, []agentStep{
			msg(15*time.Second, "非常抱歉，麻烦拍张杯盖裂缝的照片给我"),
			msg(60*time.Second, "收到，给您办理退货退款，运费我们承担"),
			act(65*time.Second, sim.Action{Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}),
			act(90*time.Second, sim.Action{Kind: sim.ActClose}),
		})
		kinds := []sim.EventKind{}
		for _, l := range lines {
			kinds = append(kinds, l.line.Kind)
		}
		if lines[0].line.Kind != sim.EventEvidence || lines[0].line.Text != "照片：杯盖边缘一道约2厘米的裂缝" {
			t.Errorf("first line %+v; want the item's evidence", lines[0])
		}
		if kinds[len(kinds)-1] != sim.EventLeave {
			t.Errorf("lines %v; want the customer to leave after the close", kinds)
		}
	})
	t.Run("a buyer charged shipping for a defect disputes", func(t *testing.T) {
		lines := play(trainer.NewScript(e, idx("cracked-lid"), bank), t0, []agentStep{
			msg(15*time.Second, "非常抱歉，麻烦拍张照片"),
			act(60*time.Second, sim.Action{Kind: sim.ActApproveReturn, Payer: sim.PayerBuyer}),
		})
		reaction := func(ls []played) played {
			for _, l := range ls {
				if l.at >= 60*time.Second && l.line.Kind == sim.EventMessage {
					return l
				}
			}
			t.Fatalf("no reaction to the action in %v", ls)
			return played{}
		}
		wrong := reaction(lines)
		accepted := play(trainer.NewScript(e, idx("cracked-lid"), bank), t0, []agentStep{
			msg(15*time.Second, "非常抱歉，麻烦拍张照片"),
			act(60*time.Second, sim.Action{Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}),
		})
		if right := reaction(accepted); right.line.Text == wrong.line.Text {
			t.Errorf("the buyer reacts alike to a right and a wrong payer: %q", wrong.line.Text)
		}
	})
	t.Run("an unanswered customer nudges at the item's waits and leaves at its patience", func(t *testing.T) {
		i := idx("trousers-too-big")
		it := e.Items[i]
		lines := play(trainer.NewScript(e, i, bank), t0, nil)
		var got []time.Duration
		for _, l := range lines {
			got = append(got, l.at)
		}
		want := append(slices.Clone(it.Nudges), it.Patience)
		if !slices.Equal(got, want) || lines[len(lines)-1].line.Kind != sim.EventLeave {
			t.Errorf("lines at %v (%v); want nudges at %v and leaving at %v", got, lines, it.Nudges, it.Patience)
		}
	})
	t.Run("an English reply to a Chinese buyer is pointed out once", func(t *testing.T) {
		lines := play(trainer.NewScript(e, idx("coupon-question"), bank), t0, []agentStep{
			msg(10*time.Second, "Hello, yes you can use both coupons together."),
			msg(40*time.Second, "Both discounts stack at checkout."),
		})
		if len(lines) == 0 || !strings.Contains(lines[0].line.Text, "中文") {
			t.Errorf("lines %v; want the buyer to ask for Chinese", lines)
		}
	})
}

// TestGrade builds a sitting by hand and checks the card against the pass
// rule's definitions (docs/exams.md).
func TestGrade(t *testing.T) {
	e := basic(t)
	convs := map[string]*sim.Conversation{}
	// Item 1 (coupon question): answered in 10 s, closed: 100 points.
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	convs["coupon-question"] = &sim.Conversation{ID: "c1", Case: sim.CasePresalesQuestion, Presales: true, Arrived: at(0), Events: []sim.Event{
		{At: at(0), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "店铺券和跨店满减能一起用吗？"},
		{At: at(10), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "cand", Text: "亲，可以一起用的，先用店铺券再算跨店满减"},
		{At: at(20), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "好的，明白了，谢谢"},
		{At: at(25), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "cand", Text: "不客气，祝您购物愉快"},
		{At: at(30), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "cand", Action: &sim.Action{Kind: sim.ActClose}},
	}}
	// Item 2 (refund before shipping): the first reply after 200 s, with
	// 加我微信 — a hard fail.
	convs["refund-before-shipping"] = &sim.Conversation{ID: "c2", Case: sim.CaseRefundUnshipped, Arrived: at(30),
		Order: sim.Order{Price: 16900}, Events: []sim.Event{
			{At: at(30), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "还没发货，能退款吗"},
			{At: at(230), Sender: sim.SenderAgent, Kind: sim.EventMessage, Agent: "cand", Text: "可以，马上退款，今天到账，有事加我微信"},
			{At: at(235), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "cand", Action: &sim.Action{Kind: sim.ActRefund, Amount: 16900}},
			{At: at(240), Sender: sim.SenderAgent, Kind: sim.EventAction, Agent: "cand", Action: &sim.Action{Kind: sim.ActClose}},
		}}
	st := trainer.Sitting{Exam: e, Candidate: "cand", Started: t0, Ended: at(1800), Conversations: convs}
	card := trainer.Grade(st)
	if len(card.Items) != len(e.Items) {
		t.Fatalf("%d items on the card; want %d", len(card.Items), len(e.Items))
	}
	if s := card.Items[0].Score; s != 100 {
		t.Errorf("coupon question scored %v; want 100", s)
	}
	if !card.Items[1].HardFail || card.Items[1].Score > sim.HardFailCap {
		t.Errorf("item 2: %+v; want a hard fail under 59", card.Items[1].Verdict)
	}
	for _, it := range card.Items[2:] {
		if it.Reached || it.Score != 0 {
			t.Errorf("%s never arrived but scored %v", it.Item, it.Score)
		}
	}
	wantScore := math.Round((100+card.Items[1].Score)/float64(len(e.Items))*100) / 100
	if card.Score != wantScore {
		t.Errorf("score %v; want the mean over every item, %v", card.Score, wantScore)
	}
	gates := map[string]trainer.Gate{}
	for _, g := range card.Gates {
		gates[g.Name] = g
	}
	// Rounds: coupon 10 s and 5 s; refund 200 s (late): 2 of 3 on time.
	if g := gates["reply_rate_3min"]; g.Met || math.Abs(g.Value-0.6667) > 1e-4 {
		t.Errorf("reply gate %+v; want 0.6667, missed", g)
	}
	// First responses 10 s and 200 s: mean 105 s over the 30 s limit.
	if g := gates["first_response_avg"]; g.Met || g.Value != 105 {
		t.Errorf("first-response gate %+v; want 105, missed", g)
	}
	if g := gates["no_hard_fail"]; g.Met || g.Value != 1 {
		t.Errorf("hard-fail gate %+v; want 1, missed", g)
	}
	if card.Passed || card.Band != "not yet" {
		t.Errorf("passed %v, band %q; want failed, not yet", card.Passed, card.Band)
	}
	// What the customer said is read from the record, in order; an item
	// not reached has no lines.
	if got, want := card.Items[0].CustomerLines, []string{"店铺券和跨店满减能一起用吗？", "好的，明白了，谢谢"}; !slices.Equal(got, want) {
		t.Errorf("customer lines %q; want %q", got, want)
	}
	if got := card.Items[2].CustomerLines; got == nil || len(got) != 0 {
		t.Errorf("an item not reached has customer lines %q; want none (an empty list)", got)
	}
	// Every missed gate says why; the met ones say nothing.
	for _, g := range card.Gates {
		if g.Met == (g.Detail != "") {
			t.Errorf("gate %s: met %v, detail %q; want a detail exactly when missed", g.Name, g.Met, g.Detail)
		}
	}
	if g := gates["no_hard_fail"]; g.Detail != "hard fail in refund-before-shipping" {
		t.Errorf("hard-fail gate's detail %q; want the item named", g.Detail)
	}

	// A trainer clears the hard fail with a reason: the card shows both.
	no, score := false, 70.0
	st.Reviews = []trainer.Review{{Item: "refund-before-shipping", Conversation: "c2", HardFail: &no, Score: &score, Reason: "the WeChat is the store's official account", By: "lead"}}
	card = trainer.Grade(st)
	it := card.Items[1]
	if it.HardFail || it.Score != 70 || it.Automatic == nil || !it.Automatic.HardFail || card.Reviewed != 1 {
		t.Errorf("reviewed item %+v (automatic %+v), reviewed %d", it.Verdict, it.Automatic, card.Reviewed)
	}

	// A trainer finds a hard fail the scorer missed: the item is capped
	// at 59 as any hard fail is (DOMAIN.md §4, scoring.md), and the
	// card's score with it.
	yes := true
	clean := card.Items[0].Score
	st.Reviews = []trainer.Review{{Item: card.Items[0].Item, Conversation: card.Items[0].Conversation, HardFail: &yes, Reason: "promised off-platform cash", By: "lead"}}
	card = trainer.Grade(st)
	if it := card.Items[0]; !it.HardFail || it.Score != min(clean, sim.HardFailCap) {
		t.Errorf("item reviewed as a hard fail: score %v, hard fail %v; want %v and true", it.Score, it.HardFail, min(clean, sim.HardFailCap))
	}
}

// TestCohort checks the statistics against values worked by hand from the
// formulas of docs/exams.md.
func TestCohort(t *testing.T) {
	e := &trainer.Exam{Name: "x", Items: []trainer.Item{{ID: "i1"}, {ID: "i2"}, {ID: "i3"}}, Bands: trainer.DefaultBands()}
	card := func(name string, passed bool, scores ...float64) trainer.Card {
		c := trainer.Card{Candidate: name, Passed: passed, Ended: t0}
		sum := 0.0
		for i, s := range scores {
			c.Items = append(c.Items, trainer.ItemResult{Item: e.Items[i].ID, Verdict: trainer.Verdict{Score: s, Correct: true}})
			sum += s
		}
		c.Score = sum / float64(len(scores))
		return c
	}
	cards := []trainer.Card{card("c1", true, 90, 80, 70), card("c2", false, 60, 50, 40), card("c3", true, 100, 90, 50)}
	r := trainer.Cohort(e, "k1", cards)
	if r.N != 3 || r.PassRate == nil || math.Abs(*r.PassRate-2.0/3) > 1e-12 || r.TrainingPassRate == nil || *r.TrainingPassRate != *r.PassRate {
		t.Errorf("n %d, pass rate %v, training %v; want 3, 2/3", r.N, fmtPtr(r.PassRate), fmtPtr(r.TrainingPassRate))
	}
	// α = 3/2 × (1 − (433.33 + 433.33 + 233.33) ÷ 2700) = 0.8889.
	if r.Alpha == nil || *r.Alpha != 0.8889 {
		t.Errorf("alpha %v; want 0.8889", r.Alpha)
	}
	// Item 1: difficulty 250/3/100; corrected item-total correlation with
	// (150, 90, 140): 1233.33 ÷ √(866.67 × 2066.67) = 0.92155, 0.9216 to
	// four places.
	if d := r.Items[0]; d.Difficulty != 0.8333 || d.Discrimination == nil || *d.Discrimination != 0.9216 {
		t.Errorf("item 1 %+v (discrimination %v); want difficulty 0.8333, discrimination 0.9216", d, *d.Discrimination)
	}
	if r.Candidates[0].Name != "c1" && r.Candidates[0].Name != "c3" || r.Candidates[2].Name != "c2" {
		t.Errorf("leaderboard %v; want c2 last", r.Candidates)
	}
	if len(r.Notes) == 0 || !strings.Contains(strings.Join(r.Notes, " "), "only 3 candidates") {
		t.Errorf("notes %v; want a warning under 20 candidates", r.Notes)
	}
	// A retake: c2's later sitting counts.
	again := card("c2", true, 90, 90, 90)
	again.Ended = t0.Add(time.Hour)
	r = trainer.Cohort(e, "k1", append(cards, again))
	if r.N != 3 || r.PassRate == nil || *r.PassRate != 1 {
		t.Errorf("after c2's retake: n %d, pass rate %v; want 3, 1", r.N, fmtPtr(r.PassRate))
	}
}

// TestCohort_Kappa: automatic item passes T T F F, reviewed T F F F:
// agreement 0.75, chance 0.5, κ = 0.5.
func TestCohort_Kappa(t *testing.T) {
	e := &trainer.Exam{Name: "x", Items: []trainer.Item{{ID: "i1"}, {ID: "i2"}, {ID: "i3"}, {ID: "i4"}}, Bands: trainer.DefaultBands()}
	auto := []bool{true, true, false, false}
	rev := []bool{true, false, false, false}
	c := trainer.Card{Candidate: "c", Ended: t0, Reviewed: 4}
	for i := range auto {
		v := func(p bool) trainer.Verdict {
			if p {
				return trainer.Verdict{Score: 90, Correct: true}
			}
			return trainer.Verdict{Score: 40}
		}
		a := v(auto[i])
		c.Items = append(c.Items, trainer.ItemResult{Item: e.Items[i].ID, Verdict: v(rev[i]), Automatic: &a})
	}
	r := trainer.Cohort(e, "k", []trainer.Card{c})
	if r.Reviews.Reviewed != 4 || r.Reviews.Kappa == nil || *r.Reviews.Kappa != 0.5 || *r.Reviews.Agreement != 0.75 {
		t.Errorf("reviews %+v (kappa %v); want 4 reviewed, agreement 0.75, κ 0.5", r.Reviews, r.Reviews.Kappa)
	}
}

func TestPassK(t *testing.T) {
	e := &trainer.Exam{Items: []trainer.Item{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	pass := trainer.Verdict{Score: 85, Correct: true}
	fail := trainer.Verdict{Score: 85, Correct: true, HardFail: true}
	c1 := trainer.Card{Items: []trainer.ItemResult{{Verdict: pass}, {Verdict: pass}, {Verdict: fail}}}
	c2 := trainer.Card{Items: []trainer.ItemResult{{Verdict: pass}, {Verdict: trainer.Verdict{Score: 79, Correct: true}}, {Verdict: pass}}}
	if got := trainer.PassK(e, []trainer.Card{c1, c2}); math.Abs(got-1.0/3) > 1e-12 {
		t.Errorf("pass^2 = %v; want 1/3 (only item a passed both)", got)
	}
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "null"
	}
	return fmt.Sprint(*v)
}

// An empty cohort has no pass rate: a training clause must not refund on
// a rate of 0 that no candidate made.
func TestCohort_Empty(t *testing.T) {
	r := trainer.Cohort(basic(t), "none", nil)
	if r.N != 0 || r.PassRate != nil || r.TrainingPassRate != nil || r.Candidates == nil {
		t.Errorf("empty cohort: n %d, pass rate %s, training %s, candidates %v; want 0, null, null, []",
			r.N, fmtPtr(r.PassRate), fmtPtr(r.TrainingPassRate), r.Candidates)
	}
}

// A resolution of two actions (row 6: refund + compensation) reaches the
// customer one frame at a time: it waits for the rest and accepts the
// whole; given only half, it waits PendingWait and then disputes.
func TestScript_TwoActionResolution(t *testing.T) {
	e, err := trainer.Builtin("promotion-surge")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(e.Items, func(it trainer.Item) bool { return it.Case == sim.CaseNotAsDescribed })
	if i < 0 {
		t.Fatal("promotion-surge has no not_as_described item")
	}
	price := e.Items[i].Order.Price
	refund := sim.Action{Kind: sim.ActRefund, Amount: price}
	comp := sim.Action{Kind: sim.ActCompensate, Amount: price / 10, Reason: "not as described"}
	// The agent's message at 40 s draws a further fact (typed by 45 s);
	// the reactions to the actions come after.
	steps := func(rest ...agentStep) []agentStep {
		return append([]agentStep{
			msg(10*time.Second, "非常抱歉！麻烦拍一下洗标和商品的照片给我看看"),
			msg(40*time.Second, "核实了，确实与描述不符，给您全额退款并补偿"),
		}, rest...)
	}
	whole := play(trainer.NewScript(e, i, phrases.Default()), t0, steps(
		act(50*time.Second, refund),
		act(51*time.Second, comp),
		act(90*time.Second, sim.Action{Kind: sim.ActClose})))
	half := play(trainer.NewScript(e, i, phrases.Default()), t0, steps(
		act(50*time.Second, refund),
		act(50*time.Second+trainer.PendingWait+30*time.Second, sim.Action{Kind: sim.ActClose})))
	messagesIn := func(ps []played, from, to time.Duration) []played {
		var out []played
		for _, p := range ps {
			if p.at > from && p.at <= to && p.line.Kind == sim.EventMessage {
				out = append(out, p)
			}
		}
		return out
	}
	w := messagesIn(whole, 50*time.Second, 90*time.Second)
	if len(w) != 1 {
		t.Fatalf("whole resolution: %d reactions between the refund and the close; want the acceptance: %v", len(w), whole)
	}
	if early := messagesIn(half, 50*time.Second, 50*time.Second+trainer.PendingWait-time.Nanosecond); len(early) != 0 {
		t.Errorf("half a resolution: the customer reacted before waiting %v for the rest: %v", trainer.PendingWait, early)
	}
	h := messagesIn(half, 50*time.Second+trainer.PendingWait-time.Nanosecond, 50*time.Second+trainer.PendingWait+30*time.Second)
	if len(h) != 1 {
		t.Fatalf("half a resolution: %d reactions after the wait; want the dispute: %v", len(h), half)
	}
	if w[0].line.Text == h[0].line.Text {
		t.Errorf("the customer reacts alike to the whole resolution and to half of it: %q", w[0].line.Text)
	}
	t.Logf("whole: %q; half: %q", w[0].line.Text, h[0].line.Text)
}

// An escalation resolves an angry buyer's threat (DOMAIN.md row 12): the
// scripted customer takes it as the scorer does, as a right resolution.
func TestScript_EscalationResolvesThreat(t *testing.T) {
	e, err := trainer.Builtin("promotion-surge")
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(e.Items, func(it trainer.Item) bool { return it.Case == sim.CaseAngryThreat })
	if i < 0 {
		t.Skip("promotion-surge has no angry_threat item")
	}
	s := trainer.NewScript(e, i, phrases.Default())
	play(s, t0, []agentStep{
		msg(10*time.Second, "非常抱歉给您带来不好的体验，我马上请主管来跟进处理"),
		act(15*time.Second, sim.Action{Kind: sim.ActEscalate}),
	})
	if decided, correct := s.Verdict(); !decided || !correct {
		t.Errorf("after the escalation the customer's verdict is decided %v, correct %v; want a right resolution", decided, correct)
	}
}

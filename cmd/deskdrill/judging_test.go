package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// The judging issue's examples, replayed as a user would: a chat log in
// the transcript format through `kpis --transcripts`. Expected answers
// come from docs/scoring.md and DOMAIN.md, not from a run.
const issueChats = `{"conversation": "presales-refund", "time": "2026-11-11T02:00:00Z", "sender": "customer", "text": "店铺券和跨店满减能一起用吗", "case": "presales_question", "persona": "impatient", "order": {"id": "4021118890012399901", "product": "羊毛大衣", "price": "109.00"}}
{"conversation": "presales-refund", "time": "2026-11-11T02:00:01Z", "sender": "system", "kind": "assign", "agent": "a1"}
{"conversation": "presales-refund", "time": "2026-11-11T02:02:56Z", "sender": "agent", "agent": "a1", "text": "亲，您好，欢迎光临"}
{"conversation": "presales-refund", "time": "2026-11-11T02:03:10Z", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "refund", "amount": "109.00"}}
{"conversation": "presales-refund", "time": "2026-11-11T02:03:40Z", "sender": "customer", "text": "我问的是优惠券，你退什么款？乱操作我打12315投诉你们"}
{"conversation": "presales-refund", "time": "2026-11-11T02:04:00Z", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "close"}}
{"conversation": "presales-refund", "time": "2026-11-11T02:04:00Z", "sender": "system", "kind": "close"}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:00Z", "sender": "customer", "text": "Hi, the jacket I received is too small, I'd like to return it.", "case": "no_reason_return", "persona": "calm", "order": {"id": "4021118890012399902", "product": "Down Jacket", "price": "399.00", "paid": "2026-11-05T12:00:00Z", "shipped": "2026-11-06T02:00:00Z", "received": "2026-11-08T08:00:00Z", "logistics": "signed"}}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:01Z", "sender": "system", "kind": "assign", "agent": "a1"}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:15Z", "sender": "agent", "agent": "a1", "text": "亲，支持七天无理由退货，运费由您承担，请在7天内寄回"}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:20Z", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "approve_return", "shipping_payer": "buyer"}}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:40Z", "sender": "customer", "text": "Sorry, I can't read that. Is it approved?"}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:10:50Z", "sender": "agent", "agent": "a1", "text": "已经为您办理好了，仓库收到后24小时内退款"}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:11:00Z", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "close"}}
{"conversation": "english-in-chinese", "time": "2026-11-11T02:11:00Z", "sender": "system", "kind": "close"}
{"conversation": "disputed", "time": "2026-11-11T03:00:00Z", "sender": "customer", "text": "杯子裂了，我要退款", "case": "quality_defect", "persona": "angry", "order": {"id": "4021118890012399903", "product": "玻璃杯", "price": "59.00"}}
{"conversation": "disputed", "time": "2026-11-11T03:00:20Z", "sender": "agent", "agent": "a1", "text": "抱歉，麻烦拍张照片"}
{"conversation": "disputed", "time": "2026-11-11T03:02:00Z", "sender": "customer", "kind": "dispute"}
{"conversation": "disputed", "time": "2026-11-11T03:02:01Z", "sender": "customer", "kind": "leave"}
`

func TestKPIsTranscripts_IssueExamples(t *testing.T) {
	file := writeFile(t, "chats.jsonl", issueChats)
	r := deskdrill(t, "kpis", "--transcripts", file, "--contract", "seed-tiered", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rv struct {
		Period string             `json:"period"`
		KPIs   map[string]float64 `json:"kpis"`
		Scores []struct {
			ID               string  `json:"id"`
			Total            float64 `json:"total"`
			Correct          bool    `json:"correct"`
			HardFail         bool    `json:"hard_fail"`
			ResolutionJudged bool    `json:"resolution_judged"`
		} `json:"scores"`
		Statement struct {
			Total   json.Number                       `json:"total"`
			Items   []struct{ Clause string }         `json:"items"`
			Skipped []struct{ Clause, Reason string } `json:"skipped"`
		} `json:"statement"`
		Notes []string `json:"notes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rv); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// A greeting is no answer and a refund no resolution of a question:
	// timeliness keeps 25 − 10 × (176 − 30) ÷ 150 − 7.5 (the threat, closed
	// on unanswered) = 7.77, resolution 0, the rest whole: 47.77. An
	// English buyer answered only in Chinese was not served: resolution 0,
	// the language share (3) lost: 62.00. Both wrong.
	want := map[string]float64{"presales-refund": 47.77, "english-in-chinese": 62}
	for _, s := range rv.Scores {
		if w, ok := want[s.ID]; ok && (s.Correct || !s.ResolutionJudged || s.Total != w) {
			t.Errorf("%s: total %.2f, correct %v (judged %v); want %.2f, wrong", s.ID, s.Total, s.Correct, s.ResolutionJudged, w)
		}
	}
	// 02:00Z is 10:00 in Beijing: inside Taobao's business hours, so the
	// first-response KPIs are observed; the period is November.
	if _, ok := rv.KPIs["first_response_avg_s"]; !ok {
		t.Errorf("KPIs %v lack first_response_avg_s: business hours were not taken in Beijing time", rv.KPIs)
	}
	if rv.Period != "2026-11" {
		t.Errorf("period %q; want 2026-11", rv.Period)
	}
	// No paid orders: the dispute-refund rate is not evaluated and no line
	// bills it.
	if v, ok := rv.KPIs["dispute_refund_rate"]; ok {
		t.Errorf("dispute_refund_rate = %v without paid orders; want not evaluated", v)
	}
	for _, it := range rv.Statement.Items {
		if it.Clause == "dispute_refund_rate" {
			t.Errorf("the statement bills the dispute clause without paid orders")
		}
	}
	found := false
	for _, s := range rv.Statement.Skipped {
		found = found || s.Clause == "dispute_refund_rate" && strings.Contains(s.Reason, "not evaluated")
	}
	if !found {
		t.Errorf("skipped %+v; want the dispute clause, saying why", rv.Statement.Skipped)
	}

	// With the store's paid orders the rate is 1 ÷ 20 = 5 %: above 3 %, the
	// seed contract's 60 % band: 6,000.00.
	r = deskdrill(t, "kpis", "--transcripts", file, "--contract", "seed-tiered", "--paid-orders", "20", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rv); err != nil {
		t.Fatal(err)
	}
	if v := rv.KPIs["dispute_refund_rate"]; v != 0.05 {
		t.Errorf("with 20 paid orders dispute_refund_rate = %v; want 0.05", v)
	}
	billed := false
	for _, it := range rv.Statement.Items {
		billed = billed || it.Clause == "dispute_refund_rate"
	}
	if !billed {
		t.Errorf("with paid orders the dispute clause is not on the statement: %+v", rv.Statement.Items)
	}
}

// TestKPIsTranscripts_ResolutionNeedsTheCase: transcripts.md, "Without a
// case … nothing counts as resolved, so resolution_24h_rate needs the
// case", and contracts.md, "KPIs not supplied are not evaluated". Chats
// naming no case (greetings: nothing to infer) leave the rate unobserved,
// and a clause on it is skipped, not billed at 0 %; with one chat of a
// known case resolved beside them, the rate is that chat's alone: 1.
func TestKPIsTranscripts_ResolutionNeedsTheCase(t *testing.T) {
	const greetings = `{"conversation": "A", "time": "2026-11-01T10:00:00+08:00", "sender": "customer", "text": "你好，在吗"}
{"conversation": "A", "time": "2026-11-01T10:00:10+08:00", "sender": "agent", "agent": "a1", "text": "亲，在的，请问有什么可以帮您"}
{"conversation": "A", "time": "2026-11-01T10:00:20+08:00", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "close"}}
{"conversation": "B", "time": "2026-11-03T10:00:00+08:00", "sender": "customer", "text": "你好，在吗"}
{"conversation": "B", "time": "2026-11-03T10:00:10+08:00", "sender": "agent", "agent": "a1", "text": "亲，在的，请问有什么可以帮您"}
{"conversation": "B", "time": "2026-11-03T10:00:20+08:00", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "close"}}
`
	const resolved = `{"conversation": "C", "time": "2026-11-04T10:00:00+08:00", "sender": "customer", "text": "还没发货，我不想要了，退款吧", "case": "refund_unshipped", "order": {"id": "4021118890012399909", "product": "T恤", "price": "59.00"}}
{"conversation": "C", "time": "2026-11-04T10:00:10+08:00", "sender": "agent", "agent": "a1", "text": "好的亲，已为您办理退款，59元原路退回"}
{"conversation": "C", "time": "2026-11-04T10:00:12+08:00", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "refund", "amount": "59.00"}}
{"conversation": "C", "time": "2026-11-04T10:00:20+08:00", "sender": "agent", "kind": "action", "agent": "a1", "action": {"kind": "close"}}
`
	contract := writeFile(t, "resol.yaml", `name: resol
monthly_fee: 10000
clauses:
  - {id: res, kind: banded, kpi: resolution_24h_rate, target: 0.95, bands: [{to: 0.95, ratio: 0.2}]}
`)
	type out struct {
		KPIs      map[string]float64 `json:"kpis"`
		Statement struct {
			Total   json.Number                       `json:"total"`
			Skipped []struct{ Clause, Reason string } `json:"skipped"`
		} `json:"statement"`
	}
	read := func(chats string) out {
		t.Helper()
		r := deskdrill(t, "kpis", "--transcripts", writeFile(t, "chats.jsonl", chats), "--contract", contract, "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var o out
		if err := json.Unmarshal([]byte(r.stdout), &o); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		return o
	}

	o := read(greetings)
	if v, ok := o.KPIs["resolution_24h_rate"]; ok {
		t.Errorf("resolution_24h_rate = %v from chats naming no case; want not observed", v)
	}
	if o.Statement.Total.String() != "0.00" {
		t.Errorf("statement total %s; want 0.00 (the clause not evaluated)", o.Statement.Total)
	}
	if len(o.Statement.Skipped) != 1 || o.Statement.Skipped[0].Clause != "res" || !strings.Contains(o.Statement.Skipped[0].Reason, "not supplied") {
		t.Errorf("skipped %+v; want clause res, its KPI not supplied", o.Statement.Skipped)
	}

	o = read(greetings + resolved)
	if v, ok := o.KPIs["resolution_24h_rate"]; !ok || v != 1 {
		t.Errorf("resolution_24h_rate = %v (observed %v); want 1: the one chat of a known case, resolved", v, ok)
	}
}

// TestWriteReview_WorstLeavesCleanChatsOut: the report's "worst
// conversations" are those that lost points (README: "the worst
// conversations with where they lost points"); a run of few listed a
// conversation of 100 points with nothing lost among them.
func TestWriteReview_WorstLeavesCleanChatsOut(t *testing.T) {
	rv := &review.Review{Scores: []review.ConversationScore{
		{ID: "c000001", Score: sim.Score{Total: 100, Deductions: []sim.Deduction{}}},
		{ID: "c000002", Score: sim.Score{Total: 90, Deductions: []sim.Deduction{{Dimension: "timeliness", Points: 10, Reason: "late"}}}},
	}}
	var b strings.Builder
	if err := writeReview(&b, rv); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.Contains(out, "c000002") || strings.Contains(out, "c000001") {
		t.Errorf("worst conversations:\n%s\nwant c000002 only", out)
	}
}

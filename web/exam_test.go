package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// twoItems is a short exam: a question and a refund before shipping, both
// at once.
const twoItems = `name: two-items
description: a question before the sale, then a refund before shipping
time_limit: 5m
concurrency: 2
items:
  - id: question
    case: presales_question
    arrive: 0s
    order: {id: "4021118890012300901", product: 连衣裙, price: 199}
    open: 这条裙子有M码吗？
    reactions: {accept: 好的谢谢}
  - id: refund
    case: refund_unshipped
    arrive: 0s
    order: {id: "4021118890012300902", product: 衬衫, price: 129, paid: 2h}
    open: 还没发货，我不想要了，退款吧
`

// TestServer_ExamSitting: a candidate invited to an exam starts its sitting
// over the API, works both customers at once over the protocol, and reads
// its card only when the sitting has ended; nothing before names a case.
// Trainers read every card and the cohort and review; agents do not.
func TestServer_ExamSitting(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	e, err := trainer.ParseExam("two-items.yaml", []byte(twoItems))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := l.srv.Invite(ctx, e, []byte(twoItems), "k1", []string{"王芳"})
	if err != nil {
		t.Fatal(err)
	}
	l.tokens["candidate"] = invs[0].Token
	sup, _, err := l.st.CreateToken(ctx, store.RoleSupervisor, "lead")
	if err != nil {
		t.Fatal(err)
	}
	l.tokens[store.RoleSupervisor] = sup
	leaks := newSecrets(sim.DefaultPersonas())

	resp, body := l.do("GET", "/api/exam", "candidate", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), "two-items") {
		t.Fatalf("GET /api/exam: %d %s", resp.StatusCode, body)
	}
	if s := leaks.find(body); s != "" {
		t.Errorf("the exam summary names %q: %s", s, body)
	}
	// The trainer's description names the cases, in the items' order.
	if strings.Contains(string(body), "refund before shipping") {
		t.Errorf("a candidate reads the exam's description, which names its cases: %s", body)
	}
	resp, body = l.do("POST", "/api/sittings", "candidate", "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/sittings: %d %s", resp.StatusCode, body)
	}
	var info struct {
		ID      int64 `json:"id"`
		Running bool  `json:"running"`
	}
	json.Unmarshal(body, &info)
	if resp, _ := l.do("POST", "/api/sittings", "candidate", ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("a second sitting while one is going: %d; want 409", resp.StatusCode)
	}
	// Invited again, the candidate has a second token: still one sitting
	// at a time (exams.md: its latest sitting counts; two at once would
	// let it keep the better).
	again, err := l.srv.Invite(ctx, e, []byte(twoItems), "k1", []string{"王芳"})
	if err != nil {
		t.Fatal(err)
	}
	l.tokens["candidate-again"] = again[0].Token
	if resp, body := l.do("POST", "/api/sittings", "candidate-again", ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("the candidate invited again starts a second sitting while one is going: %d %s; want 409", resp.StatusCode, body)
	}
	path := fmt.Sprintf("/api/sittings/%d", info.ID)
	if resp, _ := l.do("GET", path+"/card", "candidate", ""); resp.StatusCode != http.StatusConflict {
		t.Errorf("the card during the sitting: %d; want 409", resp.StatusCode)
	}

	// The candidate works both chats at once.
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+invs[0].Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	frames := make(chan protocol.Frame, 64)
	go func() {
		defer close(frames)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			if s := leaks.find(data); s != "" {
				t.Errorf("the candidate was sent %q during the sitting: %s", s, data)
			}
			var f protocol.Frame
			json.Unmarshal(data, &f)
			frames <- f
		}
	}()
	send := func(m map[string]any) {
		m["v"] = 1
		if err := ws.WriteJSON(m); err != nil {
			t.Fatal(err)
		}
	}
	assigned := map[string]string{} // conversation → its first message
	deadline := time.After(20 * time.Second)
	for len(assigned) < 2 {
		select {
		case f := <-frames:
			if f.Type == protocol.TypeAssign {
				assigned[f.Conversation] = f.History[0].Text
			}
		case <-deadline:
			t.Fatalf("the candidate got %d of 2 customers at once", len(assigned))
		}
	}
	for id, first := range assigned {
		if strings.Contains(first, "M码") {
			send(map[string]any{"type": "message", "conversation": id, "text": "亲，M码有现货的，今天下单明天发货"})
		} else {
			send(map[string]any{"type": "message", "conversation": id, "text": "好的亲，马上为您退款，24小时内原路退回"})
			send(map[string]any{"type": "action", "conversation": id, "action": map[string]any{"kind": "refund", "amount": "129.00"}})
		}
	}
	// Each customer answers; then the candidate closes both.
	replied := map[string]bool{}
	for len(replied) < 2 {
		select {
		case f := <-frames:
			if f.Type == protocol.TypeMessage && assigned[f.Conversation] != "" && !replied[f.Conversation] {
				replied[f.Conversation] = true
				send(map[string]any{"type": "message", "conversation": f.Conversation, "text": "不客气，祝您生活愉快"})
				send(map[string]any{"type": "action", "conversation": f.Conversation, "action": map[string]any{"kind": "close"}})
			}
		case <-deadline:
			t.Fatalf("customers replied in %d of 2 chats", len(replied))
		}
	}
	wctx, cancel := contextWithTimeout(t, 60*time.Second)
	defer cancel()
	card, err := l.srv.WaitSitting(wctx, info.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Items) != 2 || !card.Items[0].Reached || !card.Items[1].Correct {
		t.Errorf("card items %+v", card.Items)
	}

	// After the end the candidate reads its own card, cases included.
	resp, body = l.do("GET", path+"/card", "candidate", "")
	if resp.StatusCode != 200 || !strings.Contains(string(body), sim.CaseRefundUnshipped) {
		t.Errorf("the candidate's own card after the sitting: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := l.do("GET", path+"/card", store.RoleAgent, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("another agent's request for the card: %d; want 404", resp.StatusCode)
	}
	if resp, _ := l.do("GET", path+"/card", store.RoleViewer, ""); resp.StatusCode != 200 {
		t.Errorf("a viewer's request for the card: %d; want 200", resp.StatusCode)
	}
	review := `{"item": "refund", "correct": false, "score": 40, "reason": "the refund came before the order was checked"}`
	if resp, _ := l.do("POST", path+"/reviews", "candidate", review); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a candidate reviewing: %d; want 403", resp.StatusCode)
	}
	resp, body = l.do("POST", path+"/reviews", store.RoleSupervisor, review)
	var reviewed trainer.Card
	json.Unmarshal(body, &reviewed)
	if resp.StatusCode != http.StatusCreated || reviewed.Reviewed != 1 || reviewed.Items[1].Score != 40 || reviewed.Items[1].Automatic == nil ||
		reviewed.Items[1].Review.By != "lead" {
		t.Errorf("review: %d %+v", resp.StatusCode, reviewed.Items)
	}
	var rep trainer.CohortReport
	if l.get("/api/cohorts/k1", store.RoleViewer, &rep) != 200 || rep.N != 1 || rep.Reviews.Reviewed != 1 || len(rep.Items) != 2 {
		t.Errorf("cohort report %+v", rep)
	}
}

func contextWithTimeout(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), d)
}

// TestServer_SittingTokenOnlyInSitting: a candidate's token connects only
// while its sitting is going. Before Start it would join the live run and
// be offered the practice customers, so the hub refuses it (409), and a
// connection made after Start is offered the sitting's customers.
func TestServer_SittingTokenOnlyInSitting(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	e, err := trainer.ParseExam("two-items.yaml", []byte(twoItems))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := l.srv.Invite(ctx, e, []byte(twoItems), "k1", []string{"王芳"})
	if err != nil {
		t.Fatal(err)
	}
	l.tokens["candidate"] = invs[0].Token
	_, resp, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+invs[0].Token), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusConflict {
		t.Fatalf("a candidate's connection before Start: %v, %v; want refused with 409", err, resp)
	}
	// An agent token without an invitation still joins the live run.
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+l.tokens[store.RoleAgent]), nil)
	if err != nil {
		t.Fatalf("an agent's connection to the live run: %v", err)
	}
	ws.Close()

	if resp, body := l.do("POST", "/api/sittings", "candidate", ""); resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/sittings: %d %s", resp.StatusCode, body)
	}
	ws, _, err = websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+invs[0].Token), nil)
	if err != nil {
		t.Fatalf("a candidate's connection after Start: %v", err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for assigned := 0; assigned < 2; {
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatalf("after %d assignments: %v", assigned, err)
		}
		if f.Type == protocol.TypeAssign {
			assigned++
		}
	}
}

// TestServer_StopInterruptsSitting: a server stopped during a sitting stops
// within its bound with everything written; the sitting ends interrupted,
// without a card, is left out of the cohort (with a note), and the
// candidate may start again on the next run.
func TestServer_StopInterruptsSitting(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	e, err := trainer.ParseExam("two-items.yaml", []byte(twoItems))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := l.srv.Invite(ctx, e, []byte(twoItems), "k1", []string{"王芳"})
	if err != nil {
		t.Fatal(err)
	}
	l.tokens["candidate"] = invs[0].Token
	resp, body := l.do("POST", "/api/sittings", "candidate", "")
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/sittings: %d %s", resp.StatusCode, body)
	}
	var info web.SittingInfo
	json.Unmarshal(body, &info)
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+invs[0].Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil {
			t.Fatal(err)
		}
		if f.Type == protocol.TypeAssign {
			break // the sitting is under way
		}
	}

	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := l.srv.Stop(stopCtx); err != nil {
		t.Fatalf("stop during a sitting: %v", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("stop took %v during a sitting; want it prompt", took)
	}
	var st web.SittingInfo
	path := fmt.Sprintf("/api/sittings/%d", info.ID)
	if code := l.get(path, store.RoleViewer, &st); code != 200 || !st.Interrupted || st.Running || st.Ended.IsZero() {
		t.Errorf("GET %s: %d %+v; want an ended, interrupted sitting", path, code, st)
	}
	if resp, body := l.do("GET", path+"/card", "candidate", ""); resp.StatusCode != http.StatusConflict || !strings.Contains(string(body), "interrupted") {
		t.Errorf("the card of an interrupted sitting: %d %s; want 409 saying interrupted", resp.StatusCode, body)
	}
	var rep trainer.CohortReport
	if l.get("/api/cohorts/k1", store.RoleViewer, &rep) != 200 || rep.N != 0 || !strings.Contains(strings.Join(rep.Notes, "\n"), "1 sitting(s) interrupted") {
		t.Errorf("cohort after an interrupted sitting: n %d, notes %q; want none counted and a note", rep.N, rep.Notes)
	}
	rec, err := l.st.SittingOf(ctx, info.ID)
	if err != nil || !rec.Interrupted() {
		t.Errorf("the stored sitting: %+v, %v; want ended without a card", rec, err)
	}
	// The customers left for the server's stop, not for the time limit:
	// no leave says the time limit (one the stop let through is the
	// interruption's; the hub records the others as disconnects, or the
	// records close them).
	convs, err := l.st.Conversations(ctx, info.ID)
	if err != nil || len(convs) == 0 {
		t.Fatalf("the sitting's conversations: %d, %v", len(convs), err)
	}
	for _, c := range convs {
		for _, e := range c.Events {
			if e.Kind == sim.EventLeave && strings.Contains(e.Text, "time limit") {
				t.Errorf("conversation %s: the customer left saying %q; want the interruption's leave, not the time limit", c.ID, e.Text)
			}
		}
	}

	// On the next run the candidate starts again.
	sc, err := scenarios.LoadScenario("pre-hire-basic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.srv.Start(ctx, web.RunConfig{Scenario: sc, Seed: 7, Speed: 600, Customers: "external"}); err != nil {
		t.Fatal(err)
	}
	// The interrupted sitting, read from the records on the next run,
	// still says what it was: its exam's size and time limit, the
	// customers that had come.
	if code := l.get(path, store.RoleViewer, &st); code != 200 || !st.Interrupted || st.Items != 2 || st.TimeLimit != 300 ||
		!st.Ends.Equal(st.Started.Add(5*time.Minute)) || st.Arrived != len(convs) || st.Title == "" && e.Title != "" {
		t.Errorf("GET %s on the next run: %d %+v; want it interrupted, 2 items, a 300 s limit, %d arrived", path, code, st, len(convs))
	}
	if resp, body := l.do("POST", "/api/sittings", "candidate", ""); resp.StatusCode != http.StatusCreated {
		t.Errorf("a new sitting after the interrupted one: %d %s", resp.StatusCode, body)
	}
}

// TestServer_ExamSummaryHidesEscalations: before the sitting a candidate
// learns that must-escalate cases must be escalated, not how many there
// are (a hint at the cases).
func TestServer_ExamSummaryHidesEscalations(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	e, err := trainer.Builtin("promotion-surge")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.MustEscalate()) == 0 {
		t.Fatal("promotion-surge has no must_escalate item")
	}
	src, _ := trainer.ExamSource("promotion-surge")
	invs, err := l.srv.Invite(t.Context(), e, src, "k2", []string{"Anna"})
	if err != nil {
		t.Fatal(err)
	}
	l.tokens["candidate"] = invs[0].Token
	resp, body := l.do("GET", "/api/exam", "candidate", "")
	var x struct {
		Exam struct {
			Pass []trainer.Gate `json:"pass"`
		} `json:"exam"`
	}
	if err := json.Unmarshal(body, &x); resp.StatusCode != 200 || err != nil {
		t.Fatalf("GET /api/exam: %d %v %s", resp.StatusCode, err, body)
	}
	found := false
	for _, g := range x.Exam.Pass {
		if g.Name == "must_escalate" {
			found = true
			if g.Limit != 0 {
				t.Errorf("the must_escalate gate tells the candidate there are %v such cases", g.Limit)
			}
		}
	}
	if !found {
		t.Errorf("no must_escalate gate among %+v", x.Exam.Pass)
	}
}

// oneAtATime: the candidate holds one chat; the second customer arrives
// while the first is held and waits in the queue.
const oneAtATime = `name: one-at-a-time
time_limit: 1m
concurrency: 1
items:
  - id: first
    case: presales_question
    arrive: 0s
    order: {id: "4021118890012300911", product: 连衣裙, price: 199}
    open: 这条裙子有M码吗？
  - id: second
    case: presales_question
    arrive: 20s
    order: {id: "4021118890012300912", product: 衬衫, price: 129}
    open: 这件衬衫有白色吗？
`

// TestServer_SittingTimeUpHandsOutNoOne: when the time is up, a customer
// still queued is not handed to the candidate as the held one leaves
// (exams.md, time_limit); it arrived, so it is scored as a chat never
// answered.
func TestServer_SittingTimeUpHandsOutNoOne(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	// 30×: the second customer comes after 0.67 s, the time is up at 2 s.
	info, ws := sitExam(t, l, oneAtATime, "k2", "李雷", 30)
	// The candidate takes the first chat and never answers; it reads
	// until the sitting closes the connection.
	assigned := 0
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil {
			break
		}
		if f.Type == protocol.TypeAssign {
			assigned++
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	card, err := l.srv.WaitSitting(wctx, info.ID)
	if err != nil {
		t.Fatalf("sitting %d: %v", info.ID, err)
	}
	if assigned != 1 {
		t.Errorf("the candidate was handed %d chats; want 1 (the queued one is not handed over as the time runs out)", assigned)
	}
	// It arrived, so it is reached and scored as a chat never answered.
	for _, it := range card.Items {
		if it.Item == "second" && !it.Reached {
			t.Errorf("item second: reached %v; want reached (it arrived)", it.Reached)
		}
	}
}

// TestServer_SittingPatienceLeave: a customer nobody answers leaves at
// its patience, recorded as out of patience (transcripts.md, protocol.md),
// not as a dropped connection: the sitting ended the customer's loop
// with the leave still queued, and the hub recorded "disconnected".
func TestServer_SittingPatienceLeave(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	const src = `name: patience
time_limit: 1m
items:
  - id: only
    case: presales_question
    order: {id: "4021118890012300913", product: 连衣裙, price: 199}
    open: 这条裙子有M码吗？
    nudges: [1s]
    patience: 2s
`
	// In real time, as sittings in serve run: the patience runs out
	// after 2 s, and with its only customer gone the sitting ends.
	info, ws := sitExam(t, l, src, "k3", "韩梅梅", 1)
	ws.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil {
			break // the sitting closed it
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	card, err := l.srv.WaitSitting(wctx, info.ID)
	if err != nil {
		t.Fatalf("sitting %d: %v", info.ID, err)
	}
	if err := l.st.Flush(ctx); err != nil { // the recorder batches: what the hub recorded is on disk now
		t.Fatal(err)
	}
	convs, err := l.st.Conversations(ctx, card.Run)
	if err != nil || len(convs) != 1 {
		t.Fatalf("%d conversations of run %d: %v", len(convs), card.Run, err)
	}
	var leaves []string
	for _, ev := range convs[0].Events {
		if ev.Kind == sim.EventLeave {
			leaves = append(leaves, ev.Text)
		}
	}
	if len(leaves) != 1 || leaves[0] != "out of patience" {
		for _, ev := range convs[0].Events {
			t.Logf("%s %s %s %q", ev.At.Format("15:04:05.000"), ev.Sender, ev.Kind, ev.Text)
		}
		t.Errorf("leaves %q; want one, out of patience", leaves)
	}
}

// sitExam invites candidate to the exam of src in cohort, starts the
// sitting at speed and connects the candidate's console socket (closed
// when the test ends).
func sitExam(t *testing.T, l *live, src, cohort, candidate string, speed float64) (web.SittingInfo, *websocket.Conn) {
	t.Helper()
	ctx := t.Context()
	e, err := trainer.ParseExam(cohort+".yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := l.srv.Invite(ctx, e, []byte(src), cohort, []string{candidate})
	if err != nil {
		t.Fatal(err)
	}
	info, err := l.srv.StartSitting(ctx, web.SittingConfig{Exam: e, Candidate: candidate, Cohort: cohort, Token: invs[0].TokenID, Speed: speed})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+invs[0].Token), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return info, ws
}

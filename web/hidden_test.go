package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// The customers' contact details, as their clients send them: an agent
// sees them masked only.
const (
	rawPhone   = "13812345678"
	rawAddress = "浙江省杭州市西湖区文三路90号"
)

// secrets finds what an agent must never be given: a case id, a persona
// name of the run's scenario, the customer's unmasked phone or address.
type secrets struct {
	re *regexp.Regexp
}

func newSecrets(personas []sim.Persona) secrets {
	var alts []string
	for _, id := range sim.CaseIDs() {
		alts = append(alts, regexp.QuoteMeta(id))
	}
	for _, p := range personas {
		// Persona names are words ("patient"): match them as words.
		alts = append(alts, `\b`+regexp.QuoteMeta(p.Name)+`\b`)
	}
	alts = append(alts, rawPhone, regexp.QuoteMeta(rawAddress), "文三路")
	// No test customer declares presales: a true one was derived from
	// the case (presales_question). A reason telling the seller at fault
	// or the case's effort or par sorts the cases into groups.
	alts = append(alts, `"presales":\s*true`, `at fault`, `\(effort `, `par of`)
	return secrets{re: regexp.MustCompile(strings.Join(alts, "|"))}
}

func (s secrets) find(b []byte) string { return string(s.re.Find(b)) }

// agentWS is the test's agent: a real WebSocket client whose every frame
// is kept, raw, for the leak check.
type agentWS struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan []byte
	all    *[][]byte
}

func dialAgent(t *testing.T, l *live, all *[][]byte) *agentWS {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+l.tokens[store.RoleAgent]), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	a := &agentWS{t: t, ws: ws, frames: make(chan []byte, 256), all: all}
	go func() {
		defer close(a.frames)
		for {
			_, data, err := ws.ReadMessage()
			if err != nil {
				return
			}
			a.frames <- data
		}
	}()
	return a
}

func (a *agentWS) send(m map[string]any) {
	a.t.Helper()
	m["v"] = 1
	if err := a.ws.WriteJSON(m); err != nil {
		a.t.Fatal(err)
	}
}

// expect waits for a frame of type typ, keeping every frame it reads.
func (a *agentWS) expect(typ string) protocol.Frame {
	a.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case data, ok := <-a.frames:
			if !ok {
				a.t.Fatalf("agent waiting for %s: connection ended", typ)
			}
			*a.all = append(*a.all, data)
			var f protocol.Frame
			if err := json.Unmarshal(data, &f); err != nil {
				a.t.Fatalf("hub sent %s: %v", data, err)
			}
			if f.Type == typ {
				return f
			}
		case <-deadline:
			a.t.Fatalf("agent waited 10 s for %s", typ)
		}
	}
}

// drain keeps the frames that arrived so far.
func (a *agentWS) drain() {
	for {
		select {
		case data, ok := <-a.frames:
			if !ok {
				return
			}
			*a.all = append(*a.all, data)
		default:
			return
		}
	}
}

func scriptedWith(t *testing.T, l *live, caseID, persona, text string) *scripted {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/customer?token="+l.tokens[store.RoleCustomer]), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &scripted{t: t, ws: ws}
	c.send(map[string]any{"type": "start", "case": caseID, "persona": persona, "text": text,
		"customer": map[string]any{"name": "王芳", "phone": rawPhone, "address": rawAddress, "locale": "zh-CN"},
		"order":    map[string]any{"id": "3875012698451207", "product": "羊毛混纺大衣", "price": "399.00", "paid": "2026-11-08T21:14:00+08:00", "tracking": "SF1402938475"}})
	c.id = c.expect(protocol.TypeStarted).Conversation
	return c
}

// TestServer_AgentNeverLearnsTheHiddenTruth: after a run whose customers
// came with cases, personas and full contact details, every frame the
// hub sent the agent (of every type the hub sends agents) and every
// response of every endpoint the server registers, called with the
// agent's token, is free of case ids, persona names and the unmasked
// phone and address. Every endpoint is also called with every other
// role's token, none and a revoked one, and answers by its roles;
// supervisors, viewers and admins do see the case.
func TestServer_AgentNeverLearnsTheHiddenTruth(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx := t.Context()
	sc := l.srv.Hub().Scenario()
	leaks := newSecrets(sc.Personas)
	if len(sc.Personas) < 2 {
		t.Fatalf("scenario personas %v", sc.Personas)
	}
	persona := func(i int) string { return sc.Personas[i%len(sc.Personas)].Name }

	// The conversations: every frame type the hub sends an agent.
	var frames [][]byte
	ag := dialAgent(t, l, &frames)
	ag.expect(protocol.TypeWelcome)

	// 1: a defect, evidence, a reconnection (assign resumed, with the
	// history), a wrong payer (deductions naming the case), a close.
	c1 := scriptedWith(t, l, sim.CaseQualityDefect, persona(0), "衣服袖子开线了")
	ag.expect(protocol.TypeAssign)
	c1.send(map[string]any{"type": "message", "text": "在吗?"})
	ag.expect(protocol.TypeMessage)
	ag.send(map[string]any{"type": "action", "id": "a-1", "conversation": c1.id, "action": map[string]any{"kind": "request_evidence"}})
	ag.expect(protocol.TypeAck)
	c1.send(map[string]any{"type": "evidence", "text": "照片：左袖接缝开线约3厘米"})
	ag.expect(protocol.TypeEvidence)
	ag.send(map[string]any{"type": "ping", "id": "p-1"})
	ag.expect(protocol.TypePong)
	ag.send(map[string]any{"type": "action", "id": "a-2", "conversation": c1.id, "action": map[string]any{"kind": "refund", "amount": "400.00"}})
	ag.expect(protocol.TypeError)
	ag.ws.Close()
	ag = dialAgent(t, l, &frames)
	ag.expect(protocol.TypeWelcome)
	if as := ag.expect(protocol.TypeAssign); !as.Resumed || len(as.History) < 3 {
		t.Fatalf("after reconnecting: %+v; want the chat resumed with its history", as)
	}
	ag.send(map[string]any{"type": "action", "conversation": c1.id, "action": map[string]any{"kind": "approve_return", "shipping_payer": "buyer"}})
	ag.send(map[string]any{"type": "action", "conversation": c1.id, "action": map[string]any{"kind": "close"}})
	ag.expect(protocol.TypeClosed)
	c1.expect(protocol.TypeClosed)
	c1.send(map[string]any{"type": "rating", "rating": 2, "text": "不满意"})
	c1.send(map[string]any{"type": "leave", "text": "done"})

	// 2: escalated (unassign), then the customer leaves the supervisors'
	// queue.
	c2 := scriptedWith(t, l, sim.CaseLogisticsStalled, persona(1), "物流三天没更新了")
	ag.expect(protocol.TypeAssign)
	ag.send(map[string]any{"type": "action", "conversation": c2.id, "action": map[string]any{"kind": "escalate", "reason": "需要主管跟进"}})
	ag.expect(protocol.TypeUnassign)
	c2.send(map[string]any{"type": "leave", "text": "算了"})

	// 3: the customer leaves mid-chat (left).
	c3 := scriptedWith(t, l, sim.CaseRefundUnshipped, persona(0), "还没发货，帮我退款")
	ag.expect(protocol.TypeAssign)
	c3.send(map[string]any{"type": "leave", "text": "太慢了"})
	ag.expect(protocol.TypeLeft)

	// 4: the agent is away, the customer waits (queue), then leaves.
	ag.send(map[string]any{"type": "status", "status": "away"})
	c4 := scriptedWith(t, l, sim.CasePresalesQuestion, persona(1), "这件有M码吗")
	for {
		if q := ag.expect(protocol.TypeQueue); q.Waiting != nil && *q.Waiting == 1 {
			break
		}
	}
	c4.send(map[string]any{"type": "leave", "text": "不等了"})

	wctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := l.srv.WaitScored(wctx, 4); err != nil {
		t.Fatal(err)
	}
	ag.drain()
	seen := map[string]bool{}
	for _, data := range frames {
		var f protocol.Frame
		json.Unmarshal(data, &f)
		seen[f.Type] = true
		if s := leaks.find(data); s != "" {
			t.Errorf("the agent was sent %q in %s", s, data)
		}
	}
	for _, typ := range protocol.HubTypes(protocol.FromAgent) {
		if !seen[typ] {
			t.Errorf("the test never made the hub send the agent a %s frame: the walk must cover every type", typ)
		}
	}

	// Every endpoint, every role.
	plain, revoked, err := l.st.CreateToken(ctx, store.RoleAgent, "revoked-1")
	if err != nil {
		t.Fatal(err)
	}
	if resp, b := l.do("POST", fmt.Sprintf("/api/tokens/%d/revoke", revoked.ID), store.RoleAdmin, ""); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	sup, _, err := l.st.CreateToken(ctx, store.RoleSupervisor, "supervisor-1")
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{
		store.RoleAdmin: l.tokens[store.RoleAdmin], store.RoleSupervisor: sup, store.RoleViewer: l.tokens[store.RoleViewer],
		store.RoleAgent: l.tokens[store.RoleAgent], store.RoleCustomer: l.tokens[store.RoleCustomer], "none": "", "revoked": plain,
	}
	// The agent is also a candidate: an invitation to an exam and a sitting
	// that ended, whose card (its own, once the sitting ended) is the one
	// place an agent may see the cases (docs/exams.md).
	sittingRun, ownCard := sittingFor(t, l, tokens[store.RoleAgent])
	params := map[string]string{"run": "1", "conv": c1.id, "id": "999999", "sitting": sittingRun, "cohort": "k1"}
	routes := l.srv.Routes()
	// Reads first, then the writes (an admin's stop ends the live run).
	slices.SortStableFunc(routes, func(a, b web.Route) int {
		return strings.Compare(methodOrder(a.Pattern), methodOrder(b.Pattern))
	})
	walked := 0
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		path = fillParams(t, path, params)
		for _, role := range []string{store.RoleAgent, store.RoleAdmin, store.RoleSupervisor, store.RoleViewer, store.RoleCustomer, "none", "revoked"} {
			status, body := call(t, l, method, path, tokens[role])
			walked++
			allowed := len(rt.Roles) == 0 || slices.Contains(rt.Roles, role)
			switch {
			case len(rt.Roles) > 0 && (role == "none" || role == "revoked"):
				if status != http.StatusUnauthorized {
					t.Errorf("%s %s with %s token: %d; want 401", method, path, role, status)
				}
			case !allowed:
				if status != http.StatusForbidden {
					t.Errorf("%s %s with a %s token: %d; want 403", method, path, role, status)
				}
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				t.Errorf("%s %s with a %s token: %d; its roles are %v", method, path, role, status, rt.Roles)
			case method == "GET" && !strings.HasPrefix(path, "/ws/") && status != http.StatusOK:
				t.Errorf("%s %s with a %s token: %d; want 200\n%.300s", method, path, role, status, body)
			}
			if role == store.RoleAgent && path != ownCard {
				if s := leaks.find(body); s != "" {
					t.Errorf("%s %s gave the agent %q: %.300s", method, path, s, body)
				}
			}
		}
	}
	t.Logf("%d routes walked with 7 tokens each (%d requests)", len(routes), walked)

	// The admin's stop above ended the run: afterwards the API reads the
	// records, and the agent learns no more from them.
	if _, live := l.srv.Run(); live {
		t.Fatal("the run is still live after the admin's stop")
	}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if method != "GET" {
			continue
		}
		path = fillParams(t, path, params)
		if path == ownCard {
			continue
		}
		if _, body := call(t, l, method, path, tokens[store.RoleAgent]); leaks.find(body) != "" {
			t.Errorf("after the run, %s %s gave the agent %q: %.300s", method, path, leaks.find(body), body)
		}
	}

	// Trainers and merchants do see the hidden truth.
	_, b := l.do("GET", "/api/runs/1/conversations/"+c1.id, store.RoleViewer, "")
	if !strings.Contains(string(b), sim.CaseQualityDefect) || !strings.Contains(string(b), `"persona": "`+persona(0)+`"`) {
		t.Errorf("a viewer reading %s does not see its case and persona: %.300s", c1.id, b)
	}
	// The agent sees the same total the report gives, with the reasons
	// that name nothing.
	var mine []struct {
		ID    string    `json:"id"`
		Score sim.Score `json:"score"`
	}
	var all []struct {
		ID    string    `json:"id"`
		Case  string    `json:"case"`
		Score sim.Score `json:"score"`
	}
	l.get("/api/runs/1/conversations", store.RoleAgent, &mine)
	l.get("/api/runs/1/conversations", store.RoleViewer, &all)
	for _, m := range mine {
		for _, a := range all {
			if a.ID == m.ID && (a.Score.Total != m.Score.Total || len(a.Score.Deductions) != len(m.Score.Deductions)) {
				t.Errorf("%s: the agent sees %.2f with %d deductions, the report %.2f with %d", m.ID, m.Score.Total, len(m.Score.Deductions), a.Score.Total, len(a.Score.Deductions))
			}
		}
	}
}

// methodOrder sorts GET routes before the others.
func methodOrder(pattern string) string {
	if strings.HasPrefix(pattern, "GET ") {
		return "0"
	}
	return "1"
}

// fillParams puts the test's values into a route's {parameters}; a
// parameter the test has no value for fails it, so a new route with a new
// parameter is not walked blind.
func fillParams(t *testing.T, path string, params map[string]string) string {
	t.Helper()
	return regexp.MustCompile(`\{(\w+)\}`).ReplaceAllStringFunc(path, func(p string) string {
		v, ok := params[strings.Trim(p, "{}")]
		if !ok {
			t.Fatalf("no test value for %s in %s: add one to params", p, path)
		}
		return v
	})
}

// call requests path with token (none when empty) and returns the status
// and body; an event stream is read up to its first event.
func call(t *testing.T, l *live, method, path, token string) (int, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	var body io.Reader
	if method != "GET" {
		body = strings.NewReader("{}")
	}
	req, _ := http.NewRequestWithContext(ctx, method, l.http.URL+path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		var b strings.Builder
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<22)
		for sc.Scan() && sc.Text() != "" {
			b.WriteString(sc.Text() + "\n")
		}
		return resp.StatusCode, []byte(b.String())
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// sittingFor makes the holder of token a candidate with an ended sitting
// of pre-hire-basic in cohort k1, and returns the sitting's id and the
// path of its card.
func sittingFor(t *testing.T, l *live, token string) (string, string) {
	t.Helper()
	ctx := t.Context()
	src, err := trainer.ExamSource("pre-hire-basic")
	if err != nil {
		t.Fatal(err)
	}
	e, err := trainer.ParseExam("pre-hire-basic", src)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.srv.HostExam(ctx, e, src); err != nil {
		t.Fatal(err)
	}
	tok, err := l.st.Authenticate(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.st.InviteToken(ctx, tok.ID, e.Version, "k1", tok.Name); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	run, err := l.st.CreateRun(ctx, store.Run{Scenario: "exam:" + e.Name, Started: start})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.st.StartSitting(ctx, store.Sitting{Run: run, TokenID: tok.ID, Exam: e.Name, ExamVersion: e.Version, Cohort: "k1", Candidate: tok.Name, Started: start}); err != nil {
		t.Fatal(err)
	}
	card := trainer.Grade(trainer.Sitting{Exam: e, Candidate: tok.Name, Cohort: "k1", Run: run, Started: start, Ended: start.Add(30 * time.Minute)})
	b, _ := json.Marshal(card)
	if err := l.st.EndSitting(ctx, run, card.Ended, card.Passed, card.Score, b); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(run)
	return id, "/api/sittings/" + id + "/card"
}

package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
)

// memRecorder keeps what the hub records, for assertions.
type memRecorder struct {
	mu     sync.Mutex
	convs  map[string]*sim.Conversation
	events map[string][]sim.Event
	runs   map[string]int64 // the run each conversation was recorded under
}

func (m *memRecorder) StartConversation(_ context.Context, run int64, c *sim.Conversation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.convs[c.ID] = c
	if m.runs == nil {
		m.runs = map[string]int64{}
	}
	m.runs[c.ID] = run
	return nil
}

func (m *memRecorder) AppendEvent(_ context.Context, _ int64, id string, seq int, e sim.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if seq != len(m.events[id]) {
		return fmt.Errorf("event %d of %s out of order", seq, id)
	}
	m.events[id] = append(m.events[id], e)
	return nil
}

func (m *memRecorder) kinds(id string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.events[id] {
		out = append(out, string(e.Sender)+":"+string(e.Kind))
	}
	return out
}

// tokens: the token is "role:name", or "role:name~id" for a token with an
// id (which Revoke closes by).
type tokens struct{}

func (tokens) Authenticate(_ context.Context, tok string) (hub.Identity, error) {
	role, name, ok := strings.Cut(tok, ":")
	if !ok || name == "" {
		return hub.Identity{}, errors.New("bad token")
	}
	id := hub.Identity{Name: name, Role: role}
	// name@pool joins a pool (a sitting).
	if n, pool, ok := strings.Cut(name, "@"); ok {
		id.Name, id.Pool, name = n, pool, n
	}
	if n, num, ok := strings.Cut(name, "~"); ok {
		if _, err := fmt.Sscan(num, &id.Token); err != nil {
			return hub.Identity{}, errors.New("bad token id")
		}
		id.Name = n
	}
	return id, nil
}

type fixture struct {
	t        testing.TB
	hub      *hub.Hub
	srv      *httptest.Server
	rec      *memRecorder
	reg      *prometheus.Registry
	finished chan hub.Finished
}

func newFixture(t testing.TB, mod func(*hub.Config)) *fixture {
	t.Helper()
	return newFixtureListener(t, mod, nil)
}

// newFixtureListener is newFixture with the server's listener wrapped
// (nil: as it is), for tests that shape the sockets.
func newFixtureListener(t testing.TB, mod func(*hub.Config), wrap func(net.Listener) net.Listener) *fixture {
	t.Helper()
	s, err := scenarios.LoadScenario("pre-hire-basic")
	if err != nil {
		t.Fatal(err)
	}
	// finished has room for every conversation a test ends: a blocked
	// OnFinish would hold up the hub's Close.
	f := &fixture{t: t, rec: &memRecorder{convs: map[string]*sim.Conversation{}, events: map[string][]sim.Event{}}, finished: make(chan hub.Finished, 1<<14)}
	reg := prometheus.NewRegistry()
	f.reg = reg
	cfg := hub.Config{
		Run: 1, Scenario: s, Recorder: f.rec, Auth: tokens{}, Concurrency: 2,
		OnFinish: func(x hub.Finished) { f.finished <- x }, Registerer: reg,
	}
	if mod != nil {
		mod(&cfg)
	}
	f.hub, err = hub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/ws/agent", f.hub.ServeAgent)
	mux.HandleFunc("/ws/customer", f.hub.ServeCustomer)
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	f.srv = httptest.NewUnstartedServer(mux)
	if wrap != nil {
		f.srv.Listener = wrap(f.srv.Listener)
	}
	f.srv.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := f.hub.Close(ctx); err != nil {
			t.Errorf("close hub: %v", err)
		}
		f.srv.Close()
	})
	return f
}

// client is a real WebSocket client of the hub.
type client struct {
	t  testing.TB
	ws *websocket.Conn
}

func (f *fixture) dial(path, token string) *client {
	f.t.Helper()
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + path + "?token=" + token
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		f.t.Fatalf("dial %s: %v", path, err)
	}
	c := &client{t: f.t, ws: ws}
	f.t.Cleanup(func() { ws.Close() })
	c.expect(protocol.TypeWelcome)
	return c
}

func (c *client) send(v any) {
	c.t.Helper()
	if err := c.ws.WriteJSON(v); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) sendRaw(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// expect reads frames until one of type typ arrives, skipping queue, ack
// and pong frames, within 5 s.
func (c *client) expect(typ string) protocol.Frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.ws.SetReadDeadline(deadline)
		var f protocol.Frame
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if err := json.Unmarshal(data, &f); err != nil {
			c.t.Fatalf("hub sent %s: %v", data, err)
		}
		if f.At == nil {
			c.t.Errorf("frame %s has no server time", data)
		}
		if f.Type == typ {
			return f
		}
		switch f.Type {
		case protocol.TypeQueue, protocol.TypeAck, protocol.TypePong, protocol.TypeAssigned:
			continue
		}
		c.t.Fatalf("waiting for %s, got %s", typ, data)
	}
}

// expectAck reads frames until the ack of ref arrives, within 5 s.
func (c *client) expectAck(ref string) protocol.Frame {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c.ws.SetReadDeadline(deadline)
		var f protocol.Frame
		if err := c.ws.ReadJSON(&f); err != nil {
			c.t.Fatalf("waiting for the ack of %s: %v", ref, err)
		}
		if f.Type == protocol.TypeAck && f.Ref == ref {
			return f
		}
	}
}

// closeCode reads until the connection ends and returns its close code.
func (c *client) closeCode() int {
	c.t.Helper()
	code, _ := c.closeReason()
	return code
}

// closeReason reads until the close frame and returns its code and reason.
func (c *client) closeReason() (int, string) {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := c.ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce.Code, ce.Text
			}
			c.t.Fatalf("connection ended without a close frame: %v", err)
		}
	}
}

// checkFor polls cond until it holds, failing the test after d (nats
// checkFor): tests wait for state, never sleep for it.
func checkFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		runtime.Gosched()
	}
}

// metric returns the value of a counter or gauge the hub registered, with
// the given label values in order (0 when it has no such series yet).
func (f *fixture) metric(name string, labels ...string) float64 {
	f.t.Helper()
	mfs, err := f.reg.Gather()
	if err != nil {
		f.t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	series:
		for _, m := range mf.GetMetric() {
			for i, l := range m.GetLabel() {
				if i >= len(labels) || l.GetValue() != labels[i] {
					continue series
				}
			}
			switch {
			case m.GetCounter() != nil:
				return m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func msg(typ string, kv ...any) map[string]any {
	m := map[string]any{"v": 1, "type": typ}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func start(c *client, caseID, text string) string {
	c.t.Helper()
	c.send(msg("start", "case", caseID, "text", text, "customer", map[string]any{"name": "王芳", "phone": "13812345678", "address": "浙江省杭州市西湖区文三路90号"},
		"order", map[string]any{"id": "3021", "product": "连衣裙", "price": "199.00", "paid": "2026-11-11T00:01:00+08:00"}))
	return c.expect(protocol.TypeStarted).Conversation
}

func TestHub_ConversationEndToEnd(t *testing.T) {
	f := newFixture(t, nil)
	ag := f.dial("/ws/agent", "agent:alice")
	cu := f.dial("/ws/customer", "customer:c1")
	id := start(cu, sim.CaseWrongItem, "发错货了，我买的是红色")

	as := ag.expect(protocol.TypeAssign)
	if as.Conversation != id || as.Order == nil || as.Order.Price != 19900 || len(as.History) != 1 || as.History[0].Text != "发错货了，我买的是红色" {
		t.Fatalf("assign %+v; want conversation %s with the order and the first message", as, id)
	}
	if as.Case != "" || as.Persona != "" {
		t.Errorf("the agent was told the hidden case %q or persona %q", as.Case, as.Persona)
	}
	if as.Customer == nil || as.Customer.Phone != "138****5678" || as.Customer.Address != "浙江省杭州市****" {
		t.Errorf("customer %+v; want the phone and address masked", as.Customer)
	}
	if got := cu.expect(protocol.TypeAssigned); got.Agent != "alice" {
		t.Errorf("assigned to %q; want alice", got.Agent)
	}
	ag.send(msg("message", "conversation", id, "text", "抱歉！请发一张收到商品的照片"))
	if got := cu.expect(protocol.TypeMessage); got.Text != "抱歉！请发一张收到商品的照片" {
		t.Errorf("customer got %q", got.Text)
	}
	cu.send(msg("evidence", "text", "照片：蓝色连衣裙"))
	if got := ag.expect(protocol.TypeEvidence); got.Conversation != id {
		t.Errorf("evidence for %q", got.Conversation)
	}
	ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "reship", "shipping_payer": "seller"}))
	if got := cu.expect(protocol.TypeActionOut); got.Action == nil || got.Action.Kind != sim.ActReship {
		t.Errorf("customer got action %+v", got.Action)
	}
	ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "close"}))
	ag.expect(protocol.TypeClosed)
	cu.expect(protocol.TypeActionOut)
	cu.expect(protocol.TypeClosed)
	cu.send(msg("rating", "rating", 5))
	cu.send(msg("leave", "text", "done"))

	select {
	case fin := <-f.finished:
		if fin.Conv.ID != id || len(fin.Agents) != 1 || fin.Agents[0] != "alice" {
			t.Errorf("finished %s by %v", fin.Conv.ID, fin.Agents)
		}
		if acts := fin.Conv.Actions(); len(acts) != 2 || acts[0].Kind != sim.ActReship {
			t.Errorf("actions %+v", acts)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the conversation never finished")
	}
	want := "customer:message system:assign agent:message customer:evidence agent:action agent:action customer:rating customer:leave system:close"
	if got := strings.Join(f.rec.kinds(id), " "); got != want {
		t.Errorf("recorded %s\nwant     %s", got, want)
	}
}

func TestHub_RoutesToFewestChatsWithinConcurrency(t *testing.T) {
	f := newFixture(t, nil) // concurrency 2
	a := f.dial("/ws/agent", "agent:a")
	b := f.dial("/ws/agent", "agent:b")
	var custs []*client
	for i := range 5 {
		c := f.dial("/ws/customer", fmt.Sprintf("customer:c%d", i))
		start(c, sim.CaseRefundUnshipped, "没发货退款")
		custs = append(custs, c)
	}
	// Fewest chats first: a, b, a, b; the fifth waits.
	a.expect(protocol.TypeAssign)
	b.expect(protocol.TypeAssign)
	a.expect(protocol.TypeAssign)
	b.expect(protocol.TypeAssign)
	for i := 0; i < 4; i++ {
		custs[i].expect(protocol.TypeAssigned)
	}
	if s := f.hub.Snapshot(); s.Waiting != 1 || s.Chatting != 4 {
		t.Fatalf("waiting %d, chatting %d; want 1 and 4", s.Waiting, s.Chatting)
	}
	// The fifth customer leaves the queue by leaving; nobody is assigned it.
	custs[4].send(msg("leave", "text", "太慢了"))
	fin := <-f.finished
	if len(fin.Agents) != 0 || fin.Conv.Events[len(fin.Conv.Events)-2].Kind != sim.EventLeave {
		t.Errorf("abandoned conversation: agents %v, events %+v", fin.Agents, fin.Conv.Events)
	}
}

func TestHub_Errors(t *testing.T) {
	f := newFixture(t, nil)
	a := f.dial("/ws/agent", "agent:a")
	b := f.dial("/ws/agent", "agent:b")
	cu := f.dial("/ws/customer", "customer:c")
	id := start(cu, sim.CaseRefundUnshipped, "退款")
	// Both idle since they connected: a, connected first, has been idle
	// longest and gets it; b tries to act on it.
	a.expect(protocol.TypeAssign)
	mine, other := a, b
	for _, tc := range []struct {
		name, frame, code string
	}{
		{"garbage", "}}}not json", protocol.CodeBadJSON},
		{"unknown type", `{"v":1,"type":"dance"}`, protocol.CodeUnknownType},
		{"missing field", `{"v":1,"type":"message","text":"hi"}`, protocol.CodeMissingField},
		{"someone else's", `{"v":1,"type":"message","conversation":"` + id + `","text":"hi","id":"x1"}`, protocol.CodeNotYours},
		{"no such conversation", `{"v":1,"type":"action","conversation":"c999","action":{"kind":"close"}}`, protocol.CodeUnknownConv},
	} {
		other.sendRaw(tc.frame)
		e := other.expect(protocol.TypeError)
		if e.Code != tc.code || e.Text == "" {
			t.Errorf("%s: error %+v; want code %s with a text", tc.name, e, tc.code)
		}
	}
	// None of it had an effect: the conversation is still mine and works.
	mine.send(msg("message", "conversation", id, "text", "您好"))
	if got := cu.expect(protocol.TypeMessage); got.Text != "您好" {
		t.Errorf("customer got %q", got.Text)
	}
	if k := f.rec.kinds(id); len(k) != 3 {
		t.Errorf("recorded %v; want the first message, the assignment and one reply", k)
	}
}

func TestHub_TooManyErrorsCloses1008(t *testing.T) {
	f := newFixture(t, nil)
	bad := f.dial("/ws/agent", "agent:bad")
	good := f.dial("/ws/agent", "agent:good")
	// Sent back to back, every refused frame still gets its error with
	// its ref (protocol.md), the one over the limit too, then the 1008:
	// the client reads, it is closed for what it sent.
	for i := range hub.DefaultErrorLimit + 1 {
		bad.sendRaw(fmt.Sprintf(`{"v":1,"id":"y%d","type":"nope"}`, i))
	}
	var refs []string
	bad.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	code := 0
	for code == 0 {
		_, data, err := bad.ws.ReadMessage()
		var ce *websocket.CloseError
		switch {
		case errors.As(err, &ce):
			code = ce.Code
		case err != nil:
			t.Fatalf("connection ended without a close frame: %v (errors so far %v)", err, refs)
		default:
			var fr protocol.Frame
			if json.Unmarshal(data, &fr) == nil && fr.Type == protocol.TypeError {
				refs = append(refs, fr.Ref)
			}
		}
	}
	if code != websocket.ClosePolicyViolation {
		t.Errorf("close code %d; want 1008", code)
	}
	if len(refs) != hub.DefaultErrorLimit+1 || refs[0] != "y0" || refs[len(refs)-1] != fmt.Sprintf("y%d", hub.DefaultErrorLimit) {
		t.Errorf("error answers %v before the close; want y0 … y%d", refs, hub.DefaultErrorLimit)
	}
	// Everyone else is served on.
	cu := f.dial("/ws/customer", "customer:c")
	start(cu, sim.CaseRefundUnshipped, "退款")
	good.expect(protocol.TypeAssign)
}

// docs/protocol.md: a frame over 64 KiB closes the connection with 1009,
// reason "frame too big", whatever its size; one of exactly 64 KiB is read.
func TestHub_OversizedFrameCloses1009(t *testing.T) {
	f := newFixture(t, nil)
	for _, size := range []int{protocol.MaxFrame + 1, 4 * protocol.MaxFrame, 1 << 24} {
		cu := f.dial("/ws/customer", fmt.Sprintf("customer:c%d", size))
		head := `{"v":1,"type":"message","text":"`
		// The hub stops reading at 64 KiB and closes: the write of a
		// bigger frame may fail with a reset, the close frame is read.
		cu.ws.WriteMessage(websocket.TextMessage, []byte(head+strings.Repeat("x", size-len(head)-2)+`"}`))
		code, reason := cu.closeReason()
		if code != websocket.CloseMessageTooBig || reason != "frame too big" {
			t.Errorf("a frame of %d bytes: close %d %q; want 1009 \"frame too big\"", size, code, reason)
		}
	}
	// At the limit it is a frame like any other: read, judged (its text
	// is too long) and answered, the connection kept.
	cu := f.dial("/ws/customer", "customer:max")
	head := `{"v":1,"type":"message","text":"`
	cu.sendRaw(head + strings.Repeat("x", protocol.MaxFrame-len(head)-2) + `"}`)
	if e := cu.expect(protocol.TypeError); e.Field != "text" {
		t.Errorf("a frame of exactly %d bytes: error %+v; want one on its text", protocol.MaxFrame, e)
	}
	start(cu, sim.CaseRefundUnshipped, "退款")
}

func TestHub_AgentDropsAndComesBack(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Grace = 10 * time.Second })
	ag := f.dial("/ws/agent", "agent:alice")
	cu := f.dial("/ws/customer", "customer:c")
	id := start(cu, sim.CaseRefundUnshipped, "还没发货，退款")
	ag.expect(protocol.TypeAssign)
	ag.send(msg("message", "conversation", id, "text", "好的，马上处理"))
	cu.expect(protocol.TypeMessage)
	ag.ws.Close() // dropped mid-chat

	cu.send(msg("message", "text", "在吗?")) // sent while the agent is away
	// Reconnect once the hub has it: the two connections race otherwise.
	checkFor(t, 5*time.Second, "the customer's message recorded", func() bool { return len(f.rec.kinds(id)) == 4 })
	back := f.dial("/ws/agent", "agent:alice")
	as := back.expect(protocol.TypeAssign)
	if !as.Resumed || as.Conversation != id {
		t.Fatalf("assign after reconnect %+v; want conversation %s resumed", as, id)
	}
	var texts []string
	for _, h := range as.History {
		texts = append(texts, h.Text)
	}
	if got := strings.Join(texts, "|"); got != "还没发货，退款|好的，马上处理|在吗?" {
		t.Errorf("history %q; want everything, including what came while away", got)
	}
	back.send(msg("action", "conversation", id, "action", map[string]any{"kind": "refund", "amount": 199}))
	cu.expect(protocol.TypeActionOut)
}

// A second connection of one agent replaces the first (1008); the gauge
// of agent connections counts connections open, not connections made
// (docs/live.md): 1 while either is open, 0 once the newer closes.
func TestHub_ReplacedConnectionCountedOnce(t *testing.T) {
	f := newFixture(t, nil)
	first := f.dial("/ws/agent", "agent:alice")
	checkFor(t, 5*time.Second, "one agent connected", func() bool { return f.metric("deskdrill_agents_connected") == 1 })
	second := f.dial("/ws/agent", "agent:alice")
	if code, reason := first.closeReason(); code != websocket.ClosePolicyViolation || !strings.Contains(reason, "replaced") {
		t.Errorf("the first connection closed with %d %q; want 1008, replaced", code, reason)
	}
	if n := f.metric("deskdrill_agents_connected"); n != 1 {
		t.Errorf("agents connected after the replacement: %v; want 1", n)
	}
	second.ws.Close()
	checkFor(t, 5*time.Second, "no agent connected", func() bool { return f.metric("deskdrill_agents_connected") == 0 })
}

// A customer's ack names its conversation, as an agent's does
// (docs/protocol.md: ack, "as for agents": ref and conversation).
func TestHub_CustomerAckNamesConversation(t *testing.T) {
	f := newFixture(t, nil)
	f.dial("/ws/agent", "agent:alice")
	cu := f.dial("/ws/customer", "customer:c1")
	id := start(cu, sim.CaseWrongItem, "发错货了")
	cu.send(msg("message", "id", "m-1", "text", "在吗"))
	if ack := cu.expectAck("m-1"); ack.Conversation != id {
		t.Errorf("the customer's ack %+v; want ref m-1 and conversation %s", ack, id)
	}
}

// A fresh hub lists every metric docs/live.md names, the labelled ones at
// 0, before anything is refused or stalls.
func TestHub_MetricsListedFromTheStart(t *testing.T) {
	f := newFixture(t, nil)
	mfs, err := f.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, mf := range mfs {
		names[mf.GetName()] = true
	}
	for _, n := range []string{"deskdrill_protocol_errors_total", "deskdrill_stalled_connections_total", "deskdrill_agents_connected", "deskdrill_slow_consumers_total"} {
		if !names[n] {
			t.Errorf("a fresh hub has no %s", n)
		}
	}
	if v := f.metric("deskdrill_protocol_errors_total", protocol.CodeBadJSON); v != 0 {
		t.Errorf("bad_json refusals on a fresh hub: %v", v)
	}
}

func TestHub_GraceOverRequeuesAtHead(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Grace = 50 * time.Millisecond; c.Concurrency = 1 })
	a := f.dial("/ws/agent", "agent:a")
	c1 := f.dial("/ws/customer", "customer:c1")
	id1 := start(c1, sim.CaseRefundUnshipped, "first")
	a.expect(protocol.TypeAssign)
	c2 := f.dial("/ws/customer", "customer:c2")
	start(c2, sim.CaseRefundUnshipped, "second")
	a.ws.Close()
	// After the grace, c1 goes back to the head of the queue: the next
	// agent gets it before c2.
	deadline := time.Now().Add(5 * time.Second)
	for f.hub.Snapshot().Waiting != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("after the grace %d waiting; want 2", f.hub.Snapshot().Waiting)
		}
		runtime.Gosched()
	}
	b := f.dial("/ws/agent", "agent:b")
	if got := b.expect(protocol.TypeAssign); got.Conversation != id1 {
		t.Errorf("b got %s first; want %s (requeued at the head)", got.Conversation, id1)
	}
	k := f.rec.kinds(id1)
	if !strings.Contains(strings.Join(k, " "), "system:requeue") {
		t.Errorf("recorded %v; want a requeue", k)
	}
}

func TestHub_EscalationGoesToSupervisor(t *testing.T) {
	f := newFixture(t, nil)
	ag := f.dial("/ws/agent", "agent:a")
	cu := f.dial("/ws/customer", "customer:c")
	id := start(cu, sim.CaseSafetyInjury, "孩子用了过敏了")
	ag.expect(protocol.TypeAssign)
	ag.send(msg("action", "conversation", id, "action", map[string]any{"kind": "escalate", "reason": "safety"}))
	if got := ag.expect(protocol.TypeUnassign); got.Conversation != id {
		t.Errorf("unassign %+v", got)
	}
	sup := f.dial("/ws/agent", "supervisor:boss")
	if got := sup.expect(protocol.TypeAssign); got.Conversation != id {
		t.Errorf("supervisor got %+v", got)
	}
	if got := cu.expect(protocol.TypeActionOut); got.Action.Kind != sim.ActEscalate {
		t.Errorf("customer saw %+v", got.Action)
	}
}

func TestHub_SlowConsumerIsDisconnected(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) {
		c.SendQueue, c.StallTimeout = 8, 200*time.Millisecond
	})
	ag := f.dial("/ws/agent", "agent:a")
	slow := f.dial("/ws/customer", "customer:slow") // never reads after start
	id := start(slow, sim.CaseRefundUnshipped, "退款")
	ag.expect(protocol.TypeAssign)
	// The agent reads everything it is sent, as a good client does.
	frames := make(chan protocol.Frame, 1024)
	go func() {
		defer close(frames)
		for {
			var fr protocol.Frame
			if err := ag.ws.ReadJSON(&fr); err != nil {
				return
			}
			frames <- fr
		}
	}()
	big := strings.Repeat("长", protocol.MaxText-10)
	// Fill the kernel's buffers and then the customer's queue: the hub
	// drops the slow customer, and the agent hears that the customer left.
	// The agent waits for each message's ack before the next, as a
	// well-behaved client does; the customer is the only one not reading.
	deadline := time.After(10 * time.Second)
	ag.send(msg("message", "conversation", id, "text", big, "id", "m"))
flood:
	for {
		select {
		case fr, ok := <-frames:
			if !ok {
				t.Fatal("the agent lost its connection")
			}
			switch {
			case fr.Type == protocol.TypeLeft && fr.Conversation == id:
				break flood
			case fr.Type == protocol.TypeAck:
				ag.send(msg("message", "conversation", id, "text", big, "id", "m"))
			}
		case <-deadline:
			t.Fatal("the slow consumer was never disconnected")
		}
	}
	// The agent is still connected and served.
	cu := f.dial("/ws/customer", "customer:ok")
	next := start(cu, sim.CaseRefundUnshipped, "退款")
	for {
		select {
		case fr, ok := <-frames:
			if !ok {
				t.Fatal("the agent lost its connection")
			}
			if fr.Type == protocol.TypeAssign && fr.Conversation == next {
				return
			}
		case <-deadline:
			t.Fatal("the agent got no new customer")
		}
	}
}

// roundTrip has the customer send a message and the agent answer it, and
// returns how long that took.
func roundTrip(ag, cu *client, id, text string) time.Duration {
	t0 := time.Now()
	cu.send(msg("message", "text", text))
	if got := ag.expect(protocol.TypeMessage); got.Text != text {
		ag.t.Fatalf("agent got %q; want %q", got.Text, text)
	}
	ag.send(msg("message", "conversation", id, "text", "re: "+text))
	if got := cu.expect(protocol.TypeMessage); got.Text != "re: "+text {
		cu.t.Fatalf("customer got %q; want %q", got.Text, "re: "+text)
	}
	return time.Since(t0)
}

func TestHub_ConnectionFloodLeavesOthersUnharmed(t *testing.T) {
	// The agent holds one chat, so the flood waits in the queue.
	f := newFixture(t, func(c *hub.Config) { c.Concurrency = 1 })
	ag := f.dial("/ws/agent", "agent:a")
	cu := f.dial("/ws/customer", "customer:c")
	id := start(cu, sim.CaseRefundUnshipped, "退款")
	ag.expect(protocol.TypeAssign)
	roundTrip(ag, cu, id, "before")

	// A flood: 2,000 connections opened 64 at a time, each starting a
	// conversation that waits in the queue (so the agent's queue length
	// changes with every one), while the conversation above goes on.
	const flood, dialers = 2000, 64
	url := "ws" + strings.TrimPrefix(f.srv.URL, "http")
	var (
		mu     sync.Mutex
		opened []*websocket.Conn
		next   atomic.Int64
		wg     sync.WaitGroup
	)
	defer func() {
		for _, ws := range opened {
			ws.Close()
		}
	}()
	start := []byte(`{"v":1,"type":"start","customer":{"name":"flood"},"text":"在吗"}`)
	for range dialers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= flood; i = next.Add(1) {
				ws, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%s/ws/customer?token=customer:f%d", url, i), nil)
				if err != nil {
					t.Errorf("flood connection %d: %v", i, err)
					return
				}
				mu.Lock()
				opened = append(opened, ws)
				mu.Unlock()
				if err := ws.WriteMessage(websocket.TextMessage, start); err != nil {
					t.Errorf("flood connection %d: %v", i, err)
					return
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	var trips int
	var worst time.Duration
	for flooding := true; flooding; trips++ {
		select {
		case <-done:
			flooding = false
		default:
		}
		worst = max(worst, roundTrip(ag, cu, id, fmt.Sprintf("during %d", trips)))
	}
	checkFor(t, 10*time.Second, "the flood in the queue", func() bool { return f.hub.Snapshot().Waiting == flood })
	t.Logf("%d round trips during the flood of %d connections; the slowest took %v", trips, flood, worst)
	// Generous: the race detector and a 2-core machine; unharmed means
	// served on, not starved for seconds.
	if limit := 2 * time.Second; worst > limit {
		t.Errorf("a round trip took %v during the flood; want under %v", worst, limit)
	}
	// The flood leaves; the conversation goes on.
	mu.Lock()
	for _, ws := range opened {
		ws.Close()
	}
	opened = nil
	mu.Unlock()
	checkFor(t, 10*time.Second, "the flood gone from the queue", func() bool { return f.hub.Snapshot().Waiting == 0 })
	roundTrip(ag, cu, id, "after")
}

func TestHub_QueueLengthsCoalesced(t *testing.T) {
	f := newFixture(t, func(c *hub.Config) { c.Concurrency = 1; c.QueueInterval = 50 * time.Millisecond })
	ag := f.dial("/ws/agent", "agent:a")
	first := f.dial("/ws/customer", "customer:first")
	start(first, sim.CaseRefundUnshipped, "退款")
	ag.expect(protocol.TypeAssign)
	// A burst of 200 arrivals, all waiting: the agent hears the lengths at
	// most once per interval, not once per arrival, and then the final ones.
	const n = 200
	for i := range n {
		start(f.dial("/ws/customer", fmt.Sprintf("customer:c%d", i)), sim.CaseRefundUnshipped, "退款")
	}
	frames := 0
	deadline := time.Now().Add(5 * time.Second)
	for {
		ag.ws.SetReadDeadline(deadline)
		var fr protocol.Frame
		if err := ag.ws.ReadJSON(&fr); err != nil {
			t.Fatalf("after %d queue frames: %v", frames, err)
		}
		if fr.Type != protocol.TypeQueue {
			continue
		}
		frames++
		if fr.Waiting != nil && *fr.Waiting == n {
			break
		}
	}
	if frames >= n/2 {
		t.Errorf("%d queue frames for %d arrivals; want them coalesced", frames, n)
	}
	t.Logf("%d arrivals, %d queue frames", n, frames)
}

func TestHub_ShutdownClosesEveryoneAndLeaksNothing(t *testing.T) {
	base := runtime.NumGoroutine()
	f := newFixture(t, nil)
	// Thousands, within the open-file limit of one process: each
	// connection costs two descriptors here, the client's and the hub's.
	const n = 3000
	var clients []*client
	for i := range n {
		clients = append(clients, f.dial("/ws/customer", fmt.Sprintf("customer:c%d", i)))
	}
	for i := range 10 {
		clients = append(clients, f.dial("/ws/agent", fmt.Sprintf("agent:a%d", i)))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.hub.Close(ctx); err != nil {
		t.Fatal(err)
	}
	for _, c := range clients {
		if code := c.closeCode(); code != websocket.CloseGoingAway {
			t.Fatalf("close code %d; want 1001", code)
		}
		c.ws.Close()
	}
	f.srv.Close()
	// Goroutines wind down after their sockets close; wait for the count
	// to come back, with a deadline, rather than sleeping.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base+5 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines after shutdown; baseline %d\n%s", runtime.NumGoroutine(), base, buf[:runtime.Stack(buf, true)])
		}
		runtime.Gosched()
	}
}

func TestHub_RefusesWithoutToken(t *testing.T) {
	f := newFixture(t, nil)
	for _, tc := range []struct{ path, token string }{{"/ws/agent", ""}, {"/ws/agent", "customer:x"}, {"/ws/customer", "agent:x"}, {"/ws/customer", "viewer:x"}} {
		url := "ws" + strings.TrimPrefix(f.srv.URL, "http") + tc.path + "?token=" + tc.token
		_, resp, err := websocket.DefaultDialer.Dial(url, nil)
		if err == nil || resp == nil || (resp.StatusCode != 401 && resp.StatusCode != 403) {
			t.Errorf("%s with %q: %v, %v; want 401 or 403", tc.path, tc.token, resp, err)
		}
	}
}

package web_test

// Real-browser tests: Debian's Chromium driven by chromedp against a real
// server on 127.0.0.1. Without Chromium they skip with a message, except
// under CI (CI=true), where a missing browser is a failure: .ci/run
// installs it.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// browser starts a headless Chromium for the test, or skips.
func browser(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found: CI must install it (apt-get install chromium)")
		}
		t.Skip("no Chromium found (apt-get install chromium); skipping the browser test")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		// Containers run tests as root, where Chromium's sandbox cannot start.
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 800),
	)
	actx, cancelA := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelB := chromedp.NewContext(actx, chromedp.WithErrorf(t.Logf))
	ctx, cancelC := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelC()
		cancelB()
		cancelA()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium at %s: %v", path, err)
	}
	return ctx
}

// artifacts is where screenshots go: $DESKDRILL_ARTIFACTS, or a directory
// under the system's temporary one. They outlive the test on purpose.
func artifacts(t *testing.T) string {
	dir := os.Getenv("DESKDRILL_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "deskdrill-browser")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// Quality 100 makes a PNG; below it Chromium writes JPEG.
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(artifacts(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", path)
}

// signIn opens page with the token in sessionStorage, as the sign-in page
// leaves it.
func signIn(l *live, token, page string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(l.http.URL + "/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("deskdrill.token", %q)`, token)),
		chromedp.Navigate(l.http.URL + page),
	}
}

// do runs steps, the sign-in ones first.
func do(ctx context.Context, first []chromedp.Action[chromedp.Void], rest ...chromedp.Action[chromedp.Void]) error {
	return chromedp.Do(ctx, append(first, rest...)...)
}

// scripted is a customer the test drives over the protocol, whose case it
// knows.
type scripted struct {
	t  *testing.T
	ws *websocket.Conn
	id string
}

func newScripted(t *testing.T, l *live, caseID, name, text string) *scripted {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/customer?token="+l.tokens[store.RoleCustomer]), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	c := &scripted{t: t, ws: ws}
	c.send(map[string]any{"type": "start", "case": caseID, "text": text,
		"customer": map[string]any{"name": name, "phone": "13812345678", "address": "浙江省杭州市西湖区文三路90号", "locale": "zh-CN"},
		"order":    map[string]any{"id": "3875012698451207", "product": "羊毛混纺大衣", "price": "399.00", "paid": "2026-11-08T21:14:00+08:00"}})
	c.id = c.expect(protocol.TypeStarted).Conversation
	return c
}

func (c *scripted) send(m map[string]any) {
	c.t.Helper()
	m["v"] = 1
	if err := c.ws.WriteJSON(m); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads until a frame of type typ (and, for actions, kind) arrives.
func (c *scripted) expect(typ string, kind ...sim.ActionKind) protocol.Frame {
	c.t.Helper()
	c.ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	for {
		var f protocol.Frame
		if err := c.ws.ReadJSON(&f); err != nil {
			c.t.Fatalf("customer %s waiting for %s: %v", c.id, typ, err)
		}
		if f.Type == typ && (len(kind) == 0 || f.Action != nil && f.Action.Kind == kind[0]) {
			return f
		}
	}
}

// TestBrowser_AgentWorksAChat: an agent signs in to the console, receives a
// customer whose case the test knows (a wrong item), replies, reships with
// the seller paying, closes; the conversation is scored correct and shows
// on the dashboard and in the run report.
func TestBrowser_AgentWorksAChat(t *testing.T) {
	ctx := browser(t)
	l := startLive(t, "steady-day") // its contract gives the report a statement
	sel := func(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }

	if err := do(ctx, signIn(l, l.tokens[store.RoleAgent], "/console.html"),
		chromedp.WaitVisible(sel("connection")+`[data-state="connected"]`)); err != nil {
		t.Fatalf("console: %v", err)
	}
	cust := newScripted(t, l, sim.CaseWrongItem, "王芳", "发错货了，我买的是黑色，收到的是灰色")
	item := fmt.Sprintf(`[data-testid="chat-item"][data-conversation=%q]`, cust.id)
	reply := "非常抱歉给您添麻烦了，请拍一张收到的商品照片"
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(item),
		chromedp.Click(item),
		chromedp.WaitVisible(sel("order-panel")),
		chromedp.SendKeys(sel("reply-input"), reply),
		chromedp.Click(sel("send")),
	); err != nil {
		t.Fatalf("reply: %v", err)
	}
	if got := cust.expect(protocol.TypeMessage); got.Text != reply {
		t.Errorf("customer got %q", got.Text)
	}
	cust.send(map[string]any{"type": "evidence", "text": "照片：灰色大衣，吊牌写着灰色"})
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(`[data-testid="message"][data-sender="customer"]`),
		chromedp.SetValue(sel("action-kind"), string(sim.ActReship)),
		chromedp.WaitVisible(sel("action-payer")),
		chromedp.SetValue(sel("action-payer"), string(sim.PayerSeller)),
		chromedp.Click(sel("action-send")),
	); err != nil {
		t.Fatalf("reship: %v", err)
	}
	if got := cust.expect(protocol.TypeActionOut, sim.ActReship); got.Action.Payer != sim.PayerSeller {
		t.Errorf("reship with payer %q; want seller", got.Action.Payer)
	}
	screenshot(t, ctx, "console.png")
	if err := chromedp.Do(ctx,
		chromedp.SetValue(sel("action-kind"), string(sim.ActClose)),
		chromedp.Click(sel("action-send")),
	); err != nil {
		t.Fatalf("close: %v", err)
	}
	cust.expect(protocol.TypeClosed)
	cust.send(map[string]any{"type": "rating", "rating": 5})
	cust.send(map[string]any{"type": "leave", "text": "done"})
	wctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := l.srv.WaitScored(wctx, 1); err != nil {
		t.Fatal(err)
	}
	rv, err := l.srv.LiveReview()
	if err != nil || len(rv.Scores) != 1 || !rv.Scores[0].Score.Correct {
		t.Fatalf("review %+v, %v; want the one conversation scored correct", rv, err)
	}

	// The dashboard shows it scored, live.
	if err := do(ctx, signIn(l, l.tokens[store.RoleViewer], "/dashboard.html"),
		chromedp.WaitVisible(sel("scored-count")),
		chromedp.Poll[chromedp.Void](`document.querySelector('[data-testid="scored-count"]').textContent.trim() === "1"`, chromedp.WithPollingTimeout(15*time.Second)),
	); err != nil {
		t.Fatalf("dashboard: %v", err)
	}
	screenshot(t, ctx, "dashboard.png")

	// The run report has the statement, the agent and the transcript.
	if err := chromedp.Do(ctx, chromedp.Navigate(l.http.URL+"/report.html?run=current"),
		chromedp.WaitVisible(sel("report-kpis")),
		chromedp.WaitVisible(sel("agent-row")),
		chromedp.WaitVisible(sel("statement-line")),
		chromedp.WaitReady(fmt.Sprintf(`[data-testid="transcript"][data-conversation=%q]`, cust.id)),
	); err != nil {
		t.Fatalf("report: %v", err)
	}
	agents, err := chromedp.Run(ctx, chromedp.Text(sel("agent-row")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(agents, "agent-1") {
		t.Errorf("report's agent row %q lacks agent-1", agents)
	}
	screenshot(t, ctx, "report.png")
}

// TestBrowser_ThreeChatsAtOnce: the console holds three chats, answers
// each in its own conversation.
func TestBrowser_ThreeChatsAtOnce(t *testing.T) {
	ctx := browser(t)
	l := startLive(t, "pre-hire-basic")
	if err := do(ctx, signIn(l, l.tokens[store.RoleAgent], "/console.html"),
		chromedp.WaitVisible(`[data-testid="connection"][data-state="connected"]`)); err != nil {
		t.Fatalf("console: %v", err)
	}
	var custs []*scripted
	for _, c := range []struct{ caseID, name, text string }{
		{sim.CaseRefundUnshipped, "李娜", "还没发货，帮我退款"},
		{sim.CasePresalesQuestion, "Emma Stone", "Do you have this in size M?"},
		{sim.CaseLogisticsStalled, "张伟", "物流三天没更新了"},
	} {
		custs = append(custs, newScripted(t, l, c.caseID, c.name, c.text))
	}
	for i, c := range custs {
		item := fmt.Sprintf(`[data-testid="chat-item"][data-conversation=%q]`, c.id)
		text := fmt.Sprintf("您好，第%d位顾客，马上为您处理", i+1)
		if err := chromedp.Do(ctx,
			chromedp.WaitVisible(item),
			chromedp.Click(item),
			chromedp.SendKeys(`[data-testid="reply-input"]`, text),
			chromedp.Click(`[data-testid="send"]`),
		); err != nil {
			t.Fatalf("chat %d: %v", i+1, err)
		}
		if got := c.expect(protocol.TypeMessage); got.Text != text {
			t.Errorf("customer %d got %q; want %q", i+1, got.Text, text)
		}
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="chat-item"]').length`))
	if err != nil || n != 3 {
		t.Errorf("%d chats in the list, %v; want 3", n, err)
	}
	screenshot(t, ctx, "console-three-chats.png")
}

// TestBrowser_SignInLink: the link serve prints signs a viewer in and lands
// on the dashboard, with the token gone from the address bar; a bad token
// is refused with a message.
func TestBrowser_SignInLink(t *testing.T) {
	ctx := browser(t)
	l := startLive(t, "pre-hire-basic")
	if err := chromedp.Do(ctx, chromedp.Navigate(l.http.URL+"/?token="+l.tokens[store.RoleViewer]),
		chromedp.WaitVisible(`[data-testid="scored-count"]`)); err != nil {
		t.Fatalf("sign-in link: %v", err)
	}
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || strings.Contains(url, "token") || !strings.HasSuffix(url, "/dashboard.html") {
		t.Errorf("landed on %q, %v; want the dashboard without the token", url, err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(l.http.URL+"/?token=dd_wrong"),
		chromedp.Poll[chromedp.Void](`document.getElementById("err").textContent.length > 0`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("a bad token: %v", err)
	}
}

// TestBrowser_AdminRevokesAToken: an agent works in the console with its
// own token; the admin revokes that token on the admin page. The
// console's connection is closed with 4401 and the agent lands on the
// sign-in page, told why; the token's row leaves the admin's list.
func TestBrowser_AdminRevokesAToken(t *testing.T) {
	ctx := browser(t)
	l := startLive(t, "pre-hire-basic")
	plain, tok, err := l.st.CreateToken(t.Context(), store.RoleAgent, "小李")
	if err != nil {
		t.Fatal(err)
	}
	console, cancel := chromedp.NewContext(ctx) // a second tab
	defer cancel()
	if err := do(console, signIn(l, plain, "/console.html"),
		chromedp.WaitVisible(`[data-testid="connection"][data-state="connected"]`)); err != nil {
		t.Fatalf("console: %v", err)
	}
	row := fmt.Sprintf(`[data-testid="token-row"][data-id="%d"]`, tok.ID)
	if err := do(ctx, signIn(l, l.tokens[store.RoleAdmin], "/admin.html"),
		chromedp.WaitVisible(row),
		// Accept the confirmation the button asks for.
		chromedp.Evaluate[chromedp.Void](`window.confirm = () => true`),
		chromedp.Click(row+` [data-testid="token-revoke"]`),
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`!document.querySelector('%s')`, strings.ReplaceAll(row, `"`, `\"`)), chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("admin page: %v", err)
	}
	msg, err := chromedp.Run(ctx, chromedp.Text(`#token-msg`))
	if err != nil || !strings.Contains(msg, "小李") {
		t.Errorf("admin's message %q, %v; want the revoked token named", msg, err)
	}
	screenshot(t, ctx, "admin-revoked.png")
	if err := chromedp.Do(console,
		chromedp.Poll[chromedp.Void](`location.search.includes("why=revoked") && document.getElementById("err").textContent.length > 0`, chromedp.WithPollingTimeout(10*time.Second)),
	); err != nil {
		t.Fatalf("the console did not sign its agent out: %v", err)
	}
	if code := whoamiStatus(t, l, plain); code != 401 {
		t.Errorf("whoami with the revoked token: %d; want 401", code)
	}
}

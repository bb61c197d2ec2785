package web_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestBrowser_ExamSitting: a candidate opens the sign-in link, lands on the
// exam's page, starts, works two customers at once in the console,
// finishes and sees the report card; the trainer's page shows the cohort.
func TestBrowser_ExamSitting(t *testing.T) {
	ctx := browser(t)
	l := startLive(t, "pre-hire-basic")
	e, err := trainer.ParseExam("two-items.yaml", []byte(twoItems))
	if err != nil {
		t.Fatal(err)
	}
	invs, err := l.srv.Invite(t.Context(), e, []byte(twoItems), "2026-12", []string{"王芳"})
	if err != nil {
		t.Fatal(err)
	}
	sel := func(id string) string { return fmt.Sprintf(`[data-testid=%q]`, id) }
	if err := chromedp.Do(ctx, chromedp.Navigate(l.http.URL+"/?token="+invs[0].Token),
		chromedp.WaitVisible(sel("start")),
	); err != nil {
		t.Fatalf("the sign-in link: %v", err)
	}
	screenshot(t, ctx, "exam-start.png")
	if err := chromedp.Do(ctx, chromedp.Click(sel("start")),
		chromedp.WaitVisible(sel("connection")+`[data-state="connected"]`),
		chromedp.WaitVisible(sel("sitting")),
		chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid="chat-item"]').length === 2`, chromedp.WithPollingTimeout(20*time.Second)),
	); err != nil {
		t.Fatalf("start: %v", err)
	}
	screenshot(t, ctx, "exam-console.png")
	ids, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="chat-item"]')].map(e => e.dataset.conversation)`))
	if err != nil || len(ids) != 2 {
		t.Fatalf("chats %v, %v", ids, err)
	}
	for _, id := range ids {
		item := fmt.Sprintf(`[data-testid="chat-item"][data-conversation=%q]`, id)
		var first string
		if err := chromedp.Do(ctx, chromedp.Click(item),
			chromedp.WaitVisible(`[data-testid="message"][data-sender="customer"]`),
		); err != nil {
			t.Fatal(err)
		}
		// Read in the page, not by node: the console redraws the messages
		// as frames arrive, and a node looked up a moment before may be gone
		// ("Could not find node with given id").
		first, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="message"][data-sender="customer"]')?.textContent ?? ""`))
		if err != nil {
			t.Fatal(err)
		}
		steps := []chromedp.Action[chromedp.Void]{}
		if strings.Contains(first, "M码") {
			steps = append(steps, chromedp.SendKeys(sel("reply-input"), "亲，M码有现货的，今天下单明天发货"), chromedp.Click(sel("send")))
		} else {
			steps = append(steps, chromedp.SendKeys(sel("reply-input"), "好的亲，马上为您全额退款，24小时内原路退回"), chromedp.Click(sel("send")),
				chromedp.SetValue(sel("action-kind"), "refund"), chromedp.Click(sel("action-send")))
		}
		// The customer answers; then the candidate closes.
		steps = append(steps,
			chromedp.Poll[chromedp.Void](`document.querySelectorAll('[data-testid="message"][data-sender="customer"]').length >= 2`, chromedp.WithPollingTimeout(20*time.Second)),
			chromedp.SetValue(sel("action-kind"), "close"), chromedp.Click(sel("action-send")))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("chat %s: %v", id, err)
		}
	}
	// The console goes to the card when the sitting ends: wait for the
	// navigation, which interrupts any script waiting on the old page.
	deadline := time.Now().Add(60 * time.Second)
	for {
		url, err := chromedp.Run(ctx, chromedp.Location())
		if err == nil && strings.Contains(url, "/card.html") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the console never opened the report card (at %q, %v)", url, err)
		}
		chromedp.Do(ctx, chromedp.Poll[chromedp.Void](`location.pathname === "/card.html"`, chromedp.WithPollingTimeout(2*time.Second)))
	}
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(sel("card-passed")),
		chromedp.WaitVisible(sel("card-item")),
	); err != nil {
		t.Fatalf("the report card: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(sel("card-items")))
	if err != nil || !strings.Contains(text, "refund_unshipped") {
		t.Errorf("the card's items %q, %v; want each item with its case", text, err)
	}
	screenshot(t, ctx, "exam-card.png")

	if err := do(ctx, signIn(l, l.tokens[store.RoleViewer], "/cohort.html?cohort=2026-12"),
		chromedp.WaitVisible(sel("cohort-row")),
	); err != nil {
		t.Fatalf("the cohort page: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Text(sel("cohort-n")))
	if err != nil || strings.TrimSpace(n) != "1" {
		t.Errorf("cohort n %q, %v; want 1", n, err)
	}
	screenshot(t, ctx, "exam-cohort.png")
}

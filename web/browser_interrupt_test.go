package web_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// The report page and the admin's list say a run was interrupted, and
// where.
func TestBrowser_ReportSaysInterrupted(t *testing.T) {
	ctx := browser(t)
	tctx := t.Context()
	db := filepath.Join(t.TempDir(), "i.db")
	// A run whose hub died: no end.
	st, err := store.Open(tctx, db, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now().Add(-time.Hour)
	id, err := st.CreateRun(tctx, store.Run{Scenario: "steady-day", Speed: 60, Started: started})
	if err != nil {
		t.Fatal(err)
	}
	c := &sim.Conversation{ID: "c000001", Arrived: started.Add(time.Minute), Events: []sim.Event{
		{At: started.Add(time.Minute), Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "在吗"}}}
	if err := st.StartConversation(tctx, id, c); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	// The next serve marks it.
	if st, err = store.Open(tctx, db, store.Options{Exclusive: true}); err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if marked, err := st.MarkInterrupted(tctx, time.Now()); err != nil || len(marked) != 1 {
		t.Fatalf("MarkInterrupted = %v, %v; want run %d", marked, err, id)
	}
	admin, _, err := st.CreateToken(tctx, store.RoleAdmin, "admin")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	base := newHTTPServer(t, srv)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("deskdrill.token", %q)`, admin)),
		chromedp.Navigate(fmt.Sprintf("%s/report.html?run=%d", base, id)),
		chromedp.WaitVisible(`[data-testid="interrupted"]`),
		chromedp.WaitVisible(`[data-testid="interruption"]`),
	); err != nil {
		t.Fatalf("report page of the interrupted run: %v", err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(`#summary`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "interrupted") || !strings.Contains(text, "not resumed") || !strings.Contains(text, "the run was interrupted at") {
		t.Errorf("report summary %q; want it interrupted, not resumed, with the note", text)
	}
	screenshot(t, ctx, "report-interrupted.png")
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/admin.html"),
		chromedp.WaitVisible(fmt.Sprintf(`[data-testid="run-row"][data-run="%d"][data-state="interrupted"]`, id)),
	); err != nil {
		t.Fatalf("admin page: %v", err)
	}
}

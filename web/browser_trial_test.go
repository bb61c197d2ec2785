package web_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// The dashboard of a live trial shows the trial panel with real data: a
// cell per gate and finished day, each marked met or missed as the trial's
// own figures say, the days so far and the verdict if the trial ended now;
// once the trial has ended, its run report shows the final verdict.
func TestBrowser_TrialPanel(t *testing.T) {
	ctx := browser(t)
	ts, file := newTrialServer(t)
	tctx := t.Context()
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	// A day in three seconds: days finish while the page watches.
	info, err := ts.srv.Start(tctx, web.RunConfig{Scenario: sc, Sources: srcs, Seed: 5, Speed: 28800, Bots: 3, BotSkill: 0.8,
		ThinkMin: 5 * time.Millisecond, ThinkMax: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := ts.st.CreateToken(tctx, store.RoleViewer, "merchant")
	if err != nil {
		t.Fatal(err)
	}
	gates := len(sc.Contract.Contract.Trial.Gates)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.http.URL+"/"),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`sessionStorage.setItem("deskdrill.token", %q)`, viewer)),
		chromedp.Navigate(ts.http.URL+"/dashboard.html"),
		chromedp.WaitVisible(`[data-testid="trial-panel"]`),
		// Two finished days: a cell per gate and day.
		chromedp.Poll[chromedp.Void](fmt.Sprintf(`document.querySelectorAll('[data-testid="trial-cell"]').length >= %d`, 2*gates)),
	); err != nil {
		t.Fatalf("dashboard of the trial: %v", err)
	}
	type cell struct{ Date, KPI, State, Text string }
	// One read of the page, as the stream may redraw it between two.
	panel, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Cells         []cell
		Days, Verdict string
	}](`({
		Cells: [...document.querySelectorAll('[data-testid="trial-cell"]')].map(c => ({Date: c.dataset.date, KPI: c.dataset.kpi, State: c.dataset.state, Text: c.textContent})),
		Days: document.querySelector('[data-testid="trial-days"]').textContent,
		Verdict: document.querySelector('[data-testid="trial-verdict"]').textContent,
	})`))
	if err != nil {
		t.Fatal(err)
	}
	cells, days, verdict := panel.Cells, panel.Days, panel.Verdict
	screenshot(t, ctx, "dashboard-trial.png")
	rep, err := web.Trial(tctx, ts.st, info.Run.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The first day settled long before: the page's marks are the trial's.
	first := rep.Status.Daily[0]
	seen := 0
	for _, c := range cells {
		if c.Date != first.Date {
			continue
		}
		seen++
		met, measured := first.Gates[c.KPI]
		want := "none"
		if measured && met {
			want = "met"
		} else if measured {
			want = "missed"
		}
		if c.State != want {
			t.Errorf("the page marks %s on %s %s (%q); the trial says %s", c.KPI, c.Date, c.State, c.Text, want)
		}
	}
	if seen != gates {
		t.Errorf("%d cells for %s; want one per gate (%d)", seen, first.Date, gates)
	}
	if days == "" || verdict == "" {
		t.Errorf("days %q, verdict %q; want both shown", days, verdict)
	}
	t.Logf("%d cells, %q, verdict %q", len(cells), days, verdict)

	select {
	case <-ts.srv.Ended():
	case <-time.After(60 * time.Second):
		t.Fatal("the trial did not end within 60 s")
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/report.html?run=%d", ts.http.URL, info.Run.ID)),
		chromedp.WaitVisible(`[data-testid="trial-verdict"][data-final="true"]`),
	); err != nil {
		t.Fatalf("the run report of the ended trial: %v", err)
	}
	type cutItem struct{ Missed, LeftOut string }
	ended, err := chromedp.Run(ctx, chromedp.Evaluate[struct {
		Cells       int
		Provisional []string
		Cuts        []cutItem
	}](`({
		Cells: document.querySelectorAll('[data-testid="trial-cell"]').length,
		Provisional: [...document.querySelectorAll('th[data-final="false"]')].map(th => th.title),
		Cuts: [...document.querySelectorAll('[data-testid="trial-cuts"] li')].map(li => ({Missed: li.dataset.missed, LeftOut: li.dataset.leftOut})),
	})`))
	if err != nil || ended.Cells != 3*gates {
		t.Errorf("the report's trial panel has %d cells, %v; want %d (every gate, all three days)", ended.Cells, err, 3*gates)
	}
	// After the verdict every day is final, and the page lists the cuts
	// the records show, with their counts (docs/trial.md); this run's bots
	// keep up, so there are usually none: TestServer_TrialCrashInWindDown
	// and the trial package's tests make cuts.
	if len(ended.Provisional) > 0 {
		t.Errorf("days still marked provisional after the verdict: %q", ended.Provisional)
	}
	final, err := web.Trial(tctx, ts.st, info.Run.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var want []cutItem
	for _, c := range final.Status.Cuts {
		want = append(want, cutItem{fmt.Sprint(c.Missed), fmt.Sprint(c.LeftOut)})
	}
	if !slices.Equal(ended.Cuts, want) {
		t.Errorf("the page lists cuts %+v; the trial has %+v", ended.Cuts, want)
	}
	screenshot(t, ctx, "report-trial.png")
}

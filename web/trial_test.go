package web_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// trial3d is a three-day trial under seed-trial with few buyers: 30 a day.
const trial3d = `name: trial-3d
start: 2026-03-02T00:00
timezone: Asia/Shanghai
duration: 3d
platform: taobao
store: {paid_orders_per_day: 200, contacts_per_order: 0.15}
staffing: {concurrency: 3, intervals: [{start: "00:00", end: "24:00", agents: 3}]}
contract: seed-trial
`

// trialServer serves a store on a real port, with loopback for the
// internal customers and bots.
type trialServer struct {
	st   *store.Store
	srv  *web.Server
	http *httptest.Server
	sc   *scenarios.Source
}

func newTrialServer(t *testing.T, mod ...func(*web.Config)) (*trialServer, string) {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, "trial-3d.yaml")
	if err := os.WriteFile(p, []byte(trial3d), 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(t.Context(), filepath.Join(dir, "trial.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cfg := web.Config{Store: st, RatingWindow: 200 * time.Millisecond, WindDown: 20 * time.Second}
	for _, m := range mod {
		m(&cfg)
	}
	srv, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := &trialServer{st: st, srv: srv, http: httptest.NewServer(srv)}
	srv.SetLoopback("ws" + strings.TrimPrefix(ts.http.URL, "http"))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		ts.http.Close()
		st.Close()
	})
	return ts, p
}

// A trial run at a day in two seconds: stopped on its second day it is
// paused, not ended, and its verdict is provisional; resumed, it reaches
// its end by itself, records its final verdict and ends; resuming it again
// is refused and the recorded verdict does not change. About 7 s.
func TestServer_TrialToItsEnd(t *testing.T) {
	ts, file := newTrialServer(t)
	ctx := t.Context()
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	if !web.IsTrial(sc) {
		t.Fatal("trial-3d under seed-trial is not a trial")
	}
	rc := web.RunConfig{Scenario: sc, Sources: srcs, Seed: 11, Speed: 43200, Bots: 3, BotSkill: 0.95,
		ThinkMin: 5 * time.Millisecond, ThinkMax: 20 * time.Millisecond}
	info, err := ts.srv.Start(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	id := info.Run.ID
	// Wait for the first day to finish on the live trial, then stop.
	deadline := time.Now().Add(30 * time.Second)
	for {
		rep, err := web.Trial(ctx, ts.st, id, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if rep.Status.DaysDone >= 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no day finished after 30 s: %+v", rep.Status)
		}
		ch, _, _ := ts.srv.Changed()
		select {
		case <-ch:
		case <-time.After(100 * time.Millisecond):
		}
	}
	if err := ts.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := web.Trial(ctx, ts.st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Status
	if rep.Run.State != store.RunInterrupted || st.State != trial.StatePaused || st.Verdict.Final || rep.Recorded || st.DaysDone < 1 || st.DaysDone >= 3 ||
		!strings.Contains(st.Verdict.Reason, "provisional") {
		t.Fatalf("stopped on day 2: run %s, trial %s, %d of %d days, verdict %+v; want paused, provisional", rep.Run.State, st.State, st.DaysDone, st.Days, st.Verdict)
	}
	t.Logf("paused after %d days: %s", st.DaysDone, st.Verdict.Reason)

	rc.Resume = id
	if _, err := ts.srv.Start(ctx, rc); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-ts.srv.Ended():
		if got != id {
			t.Fatalf("run %d ended; want %d", got, id)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the resumed trial did not end within 60 s")
	}
	if _, live := ts.srv.Run(); live {
		t.Error("a run is still live after the trial ended")
	}
	rep, err = web.Trial(ctx, ts.st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st = rep.Status
	if rep.Run.State != store.RunEnded || !rep.Recorded || st.State != trial.StateFinal || !st.Verdict.Final || st.DaysDone != 3 || st.Days != 3 ||
		st.Statement == nil || st.Statement.Total != st.Verdict.Refund {
		t.Fatalf("after the end: run %s, recorded %v, trial %s, %d of %d days, verdict %+v; want ended, recorded, final over 3 days",
			rep.Run.State, rep.Recorded, st.State, st.DaysDone, st.Days, st.Verdict)
	}
	t.Logf("final: %s (%d sessions)", st.Verdict.Reason, st.Counts.Sessions)
	v, err := ts.st.Verdict(ctx, id)
	if err != nil || v.Outcome != string(st.Verdict.Outcome) || v.Refund != st.Verdict.Refund {
		t.Errorf("recorded verdict %+v, %v; want %s %s", v, err, st.Verdict.Outcome, st.Verdict.Refund)
	}
	if _, err := ts.srv.Start(ctx, rc); err == nil {
		t.Error("resuming a trial that ended: nil error; want it refused")
	}
	again, err := ts.st.Verdict(ctx, id)
	if err != nil || string(again.Status) != string(v.Status) {
		t.Errorf("the recorded verdict changed after a refused resume")
	}
	// The API gives the recorded verdict.
	var api web.TrialReport
	req := httptest.NewRequest("GET", "/api/runs/1/trial", nil)
	tok, _, err := ts.st.CreateToken(ctx, store.RoleViewer, "v")
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	ts.srv.ServeHTTP(w, req)
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &api) != nil || !api.Recorded || api.Status == nil || !api.Status.Verdict.Final {
		t.Errorf("GET /api/runs/1/trial: %d %.300s; want the recorded final verdict", w.Code, w.Body)
	}
}

// A trial with external customers ends at the scenario's end once the
// wind-down is over, even with a buyer still waiting and no agent: the
// hub records the run's end cutting the buyer off (not the buyer leaving)
// before the connection closes, and, as the buyer had waited less than the
// 3-minute reply threshold, the final verdict leaves it out and lists the
// cut at the trial's end (not later in the wind-down). About 4 s.
func TestServer_TrialWindDown(t *testing.T) {
	ts, file := newTrialServer(t, func(c *web.Config) { c.WindDown = 500 * time.Millisecond })
	ctx := t.Context()
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ts.srv.Start(ctx, web.RunConfig{Scenario: sc, Sources: srcs, Seed: 1, Speed: 86400, Customers: "external"})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(ts.http.URL, "http")+"/ws/customer?token="+info.Tokens["swarm"], nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	if err := ws.WriteJSON(map[string]any{"v": 1, "type": "start", "case": "refund_unshipped", "text": "还没发货，我要退款",
		"customer": map[string]any{"name": "王芳", "phone": "13812345678", "address": "浙江省杭州市西湖区文三路90号", "locale": "zh-CN"},
		"order":    map[string]any{"id": "1", "product": "大衣", "price": "399.00", "paid": "2026-03-01T21:14:00+08:00"}}); err != nil {
		t.Fatal(err)
	}
	var started protocol.Frame
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	for started.Type != protocol.TypeStarted {
		if err := ws.ReadJSON(&started); err != nil {
			t.Fatalf("the customer's start: %v", err)
		}
		if started.Type == protocol.TypeError {
			t.Fatalf("the customer's start: %+v", started)
		}
	}
	begun := time.Now()
	select {
	case <-ts.srv.Ended():
	case <-time.After(30 * time.Second):
		t.Fatal("the trial did not end within 30 s with a buyer waiting")
	}
	t.Logf("ended %v after the buyer began waiting (the scenario's 3 days take 3 s, then 0.5 s of wind-down)", time.Since(begun).Round(10*time.Millisecond))
	rep, err := web.Trial(ctx, ts.st, info.Run.ID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Status
	if !rep.Recorded || st.State != trial.StateFinal || st.Counts.Sessions != 0 {
		t.Fatalf("after the wind-down: recorded %v, %s, counts %+v; want a recorded final verdict with the cut session left out", rep.Recorded, st.State, st.Counts)
	}
	if len(st.Cuts) != 1 || st.Cuts[0].Kind != sim.LeaveRunEnded || st.Cuts[0].LeftOut != 1 || st.Cuts[0].Missed != 0 || !st.Cuts[0].At.Equal(sc.EndTime()) {
		t.Errorf("cuts %+v; want the run's end at the trial's end %v, 1 left out", st.Cuts, sc.EndTime())
	}
}

// A real-time trial (speed 1) runs on the real calendar (docs/trial.md):
// started on 2026-12-06 at 09:30 Beijing time, trial-3d (written for
// 2026-03-02) plays from 2026-12-06, its first day from 09:30 (partial),
// to 2026-12-09 00:00; the run records its calendar, and readers of the
// file (trial status) judge on it. A compressed run keeps the scenario's
// own calendar.
func TestServer_TrialRealTimeCalendar(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 30, 0, 0, sh)
	for _, tc := range []struct {
		name          string
		speed         float64
		clockStart    string
		offset        time.Duration
		start, end    string
		firstDayHours float64
	}{
		{"speed 1: today, from now", 1, "2026-12-06 00:00", 9*time.Hour + 30*time.Minute, "2026-12-06 09:30", "2026-12-09 00:00", 14.5},
		{"compressed: the scenario's own", 86400, "", 0, "2026-03-02 00:00", "2026-03-05 00:00", 24},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The server's goroutines read the clock while the test moves it.
			var clock atomic.Pointer[time.Time]
			clock.Store(&now)
			ts, file := newTrialServer(t, func(c *web.Config) { c.Now = func() time.Time { return *clock.Load() } })
			sc, srcs, err := scenarios.LoadScenarioSources(file)
			if err != nil {
				t.Fatal(err)
			}
			info, err := ts.srv.Start(t.Context(), web.RunConfig{Scenario: sc, Sources: srcs, Seed: 1, Speed: tc.speed, Customers: "external"})
			if err != nil {
				t.Fatal(err)
			}
			run, err := ts.st.Run(t.Context(), info.Run.ID)
			if err != nil {
				t.Fatal(err)
			}
			gotStart := ""
			if !run.ClockStart.IsZero() {
				gotStart = run.ClockStart.In(sh).Format("2006-01-02 15:04")
			}
			if gotStart != tc.clockStart || run.ClockOffset != tc.offset {
				t.Errorf("the run records clock start %q, offset %v; want %q, %v", gotStart, run.ClockOffset, tc.clockStart, tc.offset)
			}
			// A day and a half later (at the run's speed, its own clock), as
			// a reader of the file judges it (the store opened without the
			// serve's lock sees the run as stopped: judged as live here).
			later := now.Add(time.Duration(float64(36*time.Hour) / tc.speed))
			clock.Store(&later)
			run.State, run.Interruptions = store.RunLive, nil
			onCal, _, err := web.RunScenario(t.Context(), ts.st, run)
			if err != nil {
				t.Fatal(err)
			}
			s, _, _, err := web.TrialFromRecords(t.Context(), ts.st, run, onCal, later, false)
			if err != nil {
				t.Fatal(err)
			}
			f := func(t time.Time) string { return t.In(sh).Format("2006-01-02 15:04") }
			if s.DaysDone < 1 {
				t.Fatalf("trial %s → %s, played %v s, %d of %d days; want the first day finished", f(s.Start), f(s.End), s.Played, s.DaysDone, s.Days)
			}
			if f(s.Start) != tc.start || f(s.End) != tc.end || s.Days != 3 || s.Daily[0].Hours != tc.firstDayHours {
				t.Errorf("trial %s → %s, %d of %d days, first day %v h; want %s → %s, 3 days, the first %v h",
					f(s.Start), f(s.End), s.DaysDone, s.Days, s.Daily[0].Hours, tc.start, tc.end, tc.firstDayHours)
			}
		})
	}
}

// A crash during the wind-down (the trial's time over, a conversation
// still under way): trial status says so rather than "paused before its
// end"; serve --resume does the wind-down (no new buyer, the hub empty)
// and records the final verdict, with the cut conversation counted in its
// cut (waiting 0.6 s when cut: left out). About 1 s.
func TestServer_TrialCrashInWindDown(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	file := filepath.Join(dir, "trial-3d.yaml")
	if err := os.WriteFile(file, []byte(trial3d), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "trial.db"), store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// At 86400× the 3 days take 3 s: a run started 10 s ago is past its end.
	started := time.Now().Add(-10 * time.Second).Truncate(time.Millisecond)
	id, err := st.CreateRun(ctx, store.Run{Scenario: sc.Name, Seed: 1, Speed: 86400, Contract: "seed-trial", Started: started})
	if err != nil {
		t.Fatal(err)
	}
	var ss []store.Source
	for _, s := range srcs {
		ss = append(ss, store.Source{Role: s.Role, Name: s.Name, Origin: s.Origin, Data: s.Data})
	}
	if err := st.SaveSources(ctx, id, ss); err != nil {
		t.Fatal(err)
	}
	// A buyer who arrived on day 3 and was assigned after the end, when
	// the hub died.
	arrived := started.Add(2900 * time.Millisecond)
	c := &sim.Conversation{ID: "c000001", Case: sim.CaseRefundUnshipped, Arrived: arrived, Events: []sim.Event{
		{At: arrived, Sender: sim.SenderCustomer, Kind: sim.EventMessage, Text: "还没发货，我要退款"},
		{At: started.Add(3500 * time.Millisecond), Sender: sim.SenderSystem, Kind: sim.EventAssign, Agent: "vendor-1"},
	}}
	if err := st.StartConversation(ctx, id, c); err != nil {
		t.Fatal(err)
	}
	if err := st.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := st.MarkInterrupted(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	rep, err := web.Trial(ctx, st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status.State != trial.StatePaused || !strings.Contains(rep.Status.Verdict.Reason, "during the wind-down") {
		t.Errorf("crashed in the wind-down: %s, %q; want paused, saying the wind-down is left to do", rep.Status.State, rep.Status.Verdict.Reason)
	}
	srv, err := web.New(web.Config{Store: st, RatingWindow: 200 * time.Millisecond, WindDown: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	srv.SetLoopback("ws" + strings.TrimPrefix(hs.URL, "http"))
	if _, err := srv.Start(ctx, web.RunConfig{Scenario: sc, Sources: srcs, Seed: 1, Speed: 86400, Customers: "external", Resume: id}); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-srv.Ended():
		if got != id {
			t.Fatalf("run %d ended; want %d", got, id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the resumed wind-down did not end the trial within 30 s")
	}
	rep, err = web.Trial(ctx, st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := rep.Status
	if !rep.Recorded || s.State != trial.StateFinal || !s.Verdict.Final || s.DaysDone != 3 {
		t.Fatalf("after the resumed wind-down: recorded %v, %s, %d days, verdict %+v; want the final verdict over 3 days", rep.Recorded, s.State, s.DaysDone, s.Verdict)
	}
	if len(s.Cuts) != 1 || s.Cuts[0].Kind != sim.LeaveInterrupted || s.Cuts[0].LeftOut != 1 || s.Cuts[0].Missed != 0 {
		t.Errorf("cuts %+v; want the interruption, 1 left out", s.Cuts)
	}
}

// trialBusy is trial-3d with many buyers from 10:00, and no agent ever
// connects: buyers pile up waiting.
const trialBusy = `name: trial-busy
start: 2026-03-02T10:00
timezone: Asia/Shanghai
duration: 3d
platform: taobao
store: {paid_orders_per_day: 20000, contacts_per_order: 0.15}
staffing: {concurrency: 3, intervals: [{start: "00:00", end: "24:00", agents: 3}]}
contract: seed-trial
`

// Pausing a trial (serve's Ctrl-C: Stop before the trial's end) with
// internal customers waiting and no agent records every open
// conversation's end as the pause's cut, never as a buyer walking away
// ("disconnected") nor as the run's end: trial status lists the one cut
// with its counts, and the report (web.ReviewRun) leaves the same buyers
// out, so it bills no abandonment for them. About 3 s.
func TestServer_TrialPauseCutsWaitingBuyers(t *testing.T) {
	ts, _ := newTrialServer(t)
	ctx := t.Context()
	file := filepath.Join(t.TempDir(), "trial-busy.yaml")
	if err := os.WriteFile(file, []byte(trialBusy), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ts.srv.Start(ctx, web.RunConfig{Scenario: sc, Sources: srcs, Seed: 3, Speed: 60})
	if err != nil {
		t.Fatal(err)
	}
	id := info.Run.ID
	deadline := time.Now().Add(30 * time.Second)
	for ts.srv.Hub().Snapshot().Waiting < 5 {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 5 buyers waiting after 30 s: %+v", ts.srv.Hub().Snapshot())
		}
		ch, _, _ := ts.srv.Changed()
		select {
		case <-ch:
		case <-time.After(50 * time.Millisecond):
		}
	}
	if err := ts.srv.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	convs, err := ts.st.Conversations(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	paused := map[string]bool{}
	for _, c := range convs {
		var leaves []string
		for _, e := range c.Events {
			if e.Kind == sim.EventLeave {
				leaves = append(leaves, e.Text)
			}
		}
		if len(leaves) != 1 {
			t.Errorf("%s: leaves %q; want one (every conversation ended with the run's pause)", c.ID, leaves)
			continue
		}
		switch leaves[0] {
		case sim.LeavePaused:
			paused[c.ID] = true
		case "disconnected", sim.LeaveRunEnded, sim.LeaveInterrupted:
			t.Errorf("%s: leave %q; a pause cuts it off as %q", c.ID, leaves[0], sim.LeavePaused)
		}
	}
	if len(paused) < 5 {
		t.Fatalf("%d of %d conversations cut by the pause; want the 5 or more waiting", len(paused), len(convs))
	}
	rep, err := web.Trial(ctx, ts.st, id, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st := rep.Status
	if rep.Run.State != store.RunInterrupted || st.State != trial.StatePaused {
		t.Fatalf("run %s, trial %s; want interrupted, paused", rep.Run.State, st.State)
	}
	if len(st.Cuts) != 1 || st.Cuts[0].Kind != sim.LeavePaused || st.Cuts[0].Missed+st.Cuts[0].LeftOut != len(paused) {
		t.Fatalf("trial status cuts %+v; want one %q cut of the %d conversations open", st.Cuts, sim.LeavePaused, len(paused))
	}
	// A buyer cut after less than the 3-minute threshold is left out.
	if st.Cuts[0].LeftOut != len(paused) {
		t.Errorf("cut %+v: want all %d left out (none waited 3 min)", st.Cuts[0], len(paused))
	}
	if n := len(st.Notes); n == 0 || !strings.Contains(strings.Join(st.Notes, "\n"), "a pause of the run") {
		t.Errorf("notes %q; want the cut noted as a pause", st.Notes)
	}
	_, rv, err := web.ReviewRun(ctx, ts.st, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rv.Cuts) != 1 || rv.Cuts[0].Kind != st.Cuts[0].Kind || rv.Cuts[0].LeftOut != st.Cuts[0].LeftOut || !rv.Cuts[0].At.Equal(st.Cuts[0].At) {
		t.Errorf("report cuts %+v; trial status %+v", rv.Cuts, st.Cuts)
	}
	for _, s := range rv.Scores {
		if paused[s.ID] {
			t.Errorf("report judges %s (abandoned %v), which the pause cut off and left out", s.ID, s.Abandoned)
		}
	}
	if rv.Conversations != len(convs)-len(paused) {
		t.Errorf("report: %d conversations; want %d (%d less the %d left out)", rv.Conversations, len(convs)-len(paused), len(convs), len(paused))
	}
}

// A real-time trial (speed 1, rebased to today from the time of day it
// started) paused 8 s after it started: trial status names the zone by its
// IANA name, and the note says it was paused, at a time in that zone,
// after the 8 s the run played (not the scenario time since the day's
// midnight).
func TestTrial_PausedRealTimeNotes(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	file := filepath.Join(dir, "trial-3d.yaml")
	if err := os.WriteFile(file, []byte(trial3d), 0o644); err != nil {
		t.Fatal(err)
	}
	sc, srcs, err := scenarios.LoadScenarioSources(file)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "trial.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 12, 6, 9, 47, 20, 0, sh)
	today, offset := sc.RealTime(started)
	id, err := st.CreateRun(ctx, store.Run{Scenario: sc.Name, Seed: 1, Speed: 1, Contract: "seed-trial", Started: started,
		ClockStart: today.StartTime(), ClockOffset: offset})
	if err != nil {
		t.Fatal(err)
	}
	var ss []store.Source
	for _, s := range srcs {
		ss = append(ss, store.Source{Role: s.Role, Name: s.Name, Origin: s.Origin, Data: s.Data})
	}
	if err := st.SaveSources(ctx, id, ss); err != nil {
		t.Fatal(err)
	}
	paused := started.Add(8 * time.Second)
	if err := st.PauseRun(ctx, id, paused, offset+8*time.Second); err != nil {
		t.Fatal(err)
	}
	rep, err := web.Trial(ctx, st, id, paused.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status.Zone != "Asia/Shanghai" {
		t.Errorf("zone %q; want Asia/Shanghai", rep.Status.Zone)
	}
	notes := strings.Join(rep.Status.Notes, "\n")
	if want := "the run was paused at 2026-12-06 09:47:28 Asia/Shanghai (serve stopped before the end, after 8s of the run's scenario time)"; !strings.Contains(notes, want) {
		t.Errorf("notes:\n%s\nwant %q", notes, want)
	}
}

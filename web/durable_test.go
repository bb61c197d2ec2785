package web_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
	"github.com/deskdrill/deskdrill/web/webtest"
)

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
}

// timedGet fetches url and fails the test if the answer takes longer than
// within: while the disk is full nothing may wait for the writer.
func timedGet(t *testing.T, url, token string, within time.Duration) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), within)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v (after %v; want an answer within %v)", url, err, time.Since(start).Round(time.Millisecond), within)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// TestServer_DiskFull fills the database (capped with MaxSize, as a full
// disk caps it) under load from customers who resend what the hub
// refuses. While it is full: the hub answers unavailable instead of
// acknowledging, /healthz is 503 with SQLite's reason, /metrics, the API
// and new connections answer at once. When space returns (pages freed by
// another client of the file) acks resume and no connection was dropped.
func TestServer_DiskFull(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	db := filepath.Join(t.TempDir(), "full.db")
	st, err := store.Open(ctx, db, store.Options{MaxSize: 1536 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Ballast, freed later: more than a full batch of the load's rows.
	raw, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO ballast SELECT zeroblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
	srv, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(t, srv)
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	info, err := srv.Start(ctx, web.RunConfig{Scenario: sc, Seed: 1, Customers: "external"})
	if err != nil {
		t.Fatal(err)
	}
	viewer, _, err := st.CreateToken(ctx, store.RoleViewer, "v")
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()

	load := &webtest.AckLoad{URL: "ws" + strings.TrimPrefix(hs, "http") + "/ws/customer", Token: info.Tokens["swarm"],
		Customers: 20, Every: 5 * time.Millisecond, Pad: 300}
	lctx, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		if err := load.Run(lctx); err != nil {
			t.Error(err)
		}
	})
	defer func() {
		stopLoad()
		wg.Wait()
	}()

	health := func() (int, string) { return timedGet(t, hs+"/healthz", "", time.Second) }
	// On a slow machine the writer may fall behind first (503, then 200
	// again): wait for SQLite's reason.
	var body string
	waitFor(t, "/healthz 503 once the file is full", 60*time.Second, func() bool {
		var code int
		code, body = health()
		return code == 503 && strings.Contains(body, "database or disk is full")
	})
	fullAt := time.Now()
	t.Logf("full after %d acks: /healthz %s", load.Stats().Acked, strings.Join(strings.Fields(body), " "))
	refused := load.Stats().Refused
	waitFor(t, "more refusals than the error limit", 10*time.Second, func() bool { return load.Stats().Refused > refused+50 })
	if n := load.AckedSince(fullAt.Add(100 * time.Millisecond)); n != 0 {
		t.Errorf("%d messages acknowledged while the file is full; want none", n)
	}
	// Nothing waits for the writer: metrics, the API and new connections.
	if code, body := timedGet(t, hs+"/metrics", "", time.Second); code != 200 ||
		!strings.Contains(body, "deskdrill_store_available 0") || !strings.Contains(body, `deskdrill_protocol_errors_total{code="unavailable"}`) {
		t.Errorf("/metrics while full: %d; want 200 with deskdrill_store_available 0 and unavailable errors counted", code)
	}
	for _, p := range []string{"/api/live", "/api/runs", "/api/runs/current"} {
		if code, _ := timedGet(t, hs+p, viewer, 2*time.Second); code != 200 {
			t.Errorf("GET %s while full: %d; want 200", p, code)
		}
	}
	ws, _, err := (&websocket.Dialer{HandshakeTimeout: time.Second}).Dial("ws"+strings.TrimPrefix(hs, "http")+"/ws/customer?token="+info.Tokens["swarm"], nil)
	if err != nil {
		t.Fatalf("a new connection while full: %v", err)
	}
	ws.SetReadDeadline(time.Now().Add(time.Second))
	if _, b, err := ws.ReadMessage(); err != nil || !strings.Contains(string(b), `"welcome"`) {
		t.Errorf("new connection while full: %s, %v; want a welcome", b, err)
	}
	ws.Close()

	// Space returns.
	if _, err := raw.Exec(`DELETE FROM ballast`); err != nil {
		t.Fatal(err)
	}
	freed := time.Now()
	waitFor(t, "/healthz 200 once space returns", 20*time.Second, func() bool { code, _ := health(); return code == 200 })
	t.Logf("/healthz 200 again %v after the pages were freed", time.Since(freed).Round(time.Millisecond))
	resumed := time.Now()
	waitFor(t, "acks again", 10*time.Second, func() bool { return load.AckedSince(resumed) > 100 })
	s := load.Stats()
	t.Logf("load: %+v", s)
	if len(s.Dropped) > 0 {
		t.Errorf("connections dropped: %v; want none", s.Dropped)
	}
	if code, body := timedGet(t, hs+"/metrics", "", time.Second); code != 200 || !strings.Contains(body, "deskdrill_slow_consumers_total 0") ||
		!strings.Contains(body, "deskdrill_store_available 1") {
		t.Errorf("/metrics after space returned: no slow consumers and available 1 expected:\n%s", grep(body, "deskdrill_s"))
	}
	var hz map[string]any
	_, body = health()
	if json.Unmarshal([]byte(body), &hz) != nil || hz["status"] != "ok" {
		t.Errorf("/healthz after: %s", body)
	}
}

// grep returns the lines of s containing sub.
func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// newHTTPServer serves srv on 127.0.0.1 and tells it its own address; it
// returns the base URL.
func newHTTPServer(t *testing.T, srv *web.Server) string {
	t.Helper()
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	srv.SetLoopback("ws" + strings.TrimPrefix(hs.URL, "http"))
	return hs.URL
}

// TestServer_ClientsRideOutAFault: deskdrill's own customers and bots
// resend what the hub refuses while its disk is full (the protocol's
// advice), so every conversation goes on to its end once space returns.
func TestServer_ClientsRideOutAFault(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 120*time.Second)
	defer cancel()
	const count = 12
	srv, hs, _, _, raw := botRunOnAFillableDisk(t, ctx, "ride.db", count, false)
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	fill(t, raw)
	waitFor(t, "/healthz 503", 30*time.Second, func() bool { code, _ := timedGet(t, hs+"/healthz", "", time.Second); return code == 503 })
	// Long enough for refusals and resends.
	refusals := func() bool {
		_, body := timedGet(t, hs+"/metrics", "", time.Second)
		return strings.Contains(body, `deskdrill_protocol_errors_total{code="unavailable"}`)
	}
	waitFor(t, "frames refused as unavailable", 30*time.Second, refusals)
	t0 := time.Now()
	if _, err := raw.Exec(`DELETE FROM ballast`); err != nil {
		t.Fatal(err)
	}
	defer func() { t.Logf("all scored %v after space returned", time.Since(t0).Round(time.Millisecond)) }()
	wctx, wcancel := context.WithTimeout(ctx, 90*time.Second)
	defer wcancel()
	if err := srv.WaitScored(wctx, count); err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	rv, err := srv.LiveReview()
	if err != nil {
		t.Fatal(err)
	}
	abandoned := 0
	for _, c := range rv.Scores {
		if c.Abandoned {
			abandoned++
		}
	}
	_, body := timedGet(t, hs+"/metrics", "", time.Second)
	t.Logf("%d conversations scored, %d abandoned; %s", len(rv.Scores), abandoned, grep(body, `code="unavailable"`))
}

// TestServer_StopOnAFullDiskLeavesTheRunInterrupted: a stop whose events
// cannot be written does not record the run's end, so the file does not
// claim a clean end and the next start marks the run interrupted
// (live.md, "Interrupted runs and --resume").
func TestServer_StopOnAFullDiskLeavesTheRunInterrupted(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	srv, hs, info, st, raw := botRunOnAFillableDisk(t, ctx, "stopfull.db", 12, true)
	fill(t, raw)
	waitFor(t, "/healthz 503", 30*time.Second, func() bool { code, _ := timedGet(t, hs+"/healthz", "", time.Second); return code == 503 })
	sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
	defer scancel()
	if err := srv.Stop(sctx); err == nil {
		t.Fatal("a stop on a full disk succeeded; want the events it could not write reported")
	}
	run, err := st.Run(ctx, info.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Ended.IsZero() {
		t.Errorf("run %d recorded as ended at %v after a stop that lost events; want no end", run.ID, run.Ended)
	}
	// Space returns; the next start marks it interrupted.
	if _, err := raw.Exec(`DELETE FROM ballast`); err != nil {
		t.Fatal(err)
	}
	marked, err := st.MarkInterrupted(ctx, time.Now())
	if err != nil || len(marked) != 1 || marked[0].ID != info.Run.ID {
		t.Errorf("marked interrupted: %+v, %v; want run %d", marked, err, info.Run.ID)
	}
}

// botRunOnAFillableDisk starts a run of count customers and 3 skilled bots
// on a store capped at 1 MiB, and returns the server, its URL, the run, the
// store and a raw connection to the file that can fill it (ballast) and
// free it again.
func botRunOnAFillableDisk(t *testing.T, ctx context.Context, name string, count int, exclusive bool) (*web.Server, string, *web.RunInfo, *store.Store, *sql.DB) {
	t.Helper()
	db := filepath.Join(t.TempDir(), name)
	st, err := store.Open(ctx, db, store.Options{MaxSize: 1 << 20, Exclusive: exclusive})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := web.New(web.Config{Store: st, RatingWindow: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(t, srv)
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	info, err := srv.Start(ctx, web.RunConfig{Scenario: sc, Seed: 5, Speed: 3600, Count: count, Bots: 3, BotSkill: 1,
		ThinkMin: 50 * time.Millisecond, ThinkMax: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return srv, hs, info, st, raw
}

// fill fills the file past the writer's cap from another connection: the
// writer's next page fails as on a full disk.
func fill(t *testing.T, raw *sql.DB) {
	t.Helper()
	if _, err := raw.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) INSERT INTO ballast SELECT zeroblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
}

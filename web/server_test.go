package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/bench/swarm"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

type live struct {
	t      *testing.T
	st     *store.Store
	srv    *web.Server
	http   *httptest.Server
	tokens map[string]string
	db     string
}

func startLive(t *testing.T, scenario string) *live {
	t.Helper()
	ctx := t.Context()
	l := &live{t: t, tokens: map[string]string{}, db: filepath.Join(t.TempDir(), "run.db")}
	var err error
	if l.st, err = store.Open(ctx, l.db, store.Options{}); err != nil {
		t.Fatal(err)
	}
	sc, err := scenarios.LoadScenario(scenario)
	if err != nil {
		t.Fatal(err)
	}
	if l.srv, err = web.New(ctx, web.Config{Store: l.st, Scenario: sc, Seed: 7, Speed: 600, RatingWindow: time.Second}); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{store.RoleAdmin, store.RoleViewer, store.RoleAgent, store.RoleCustomer} {
		plain, _, err := l.st.CreateToken(ctx, r, r+"-1")
		if err != nil {
			t.Fatal(err)
		}
		l.tokens[r] = plain
	}
	l.http = httptest.NewServer(l.srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		l.srv.Shutdown(ctx)
		l.http.Close()
		l.st.Close()
	})
	return l
}

func (l *live) ws(path string) string { return "ws" + strings.TrimPrefix(l.http.URL, "http") + path }

func (l *live) get(path, role string, v any) int {
	l.t.Helper()
	req, _ := http.NewRequest("GET", l.http.URL+path, nil)
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+l.tokens[role])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		l.t.Fatal(err)
	}
	defer resp.Body.Close()
	if v != nil && resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			l.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

// TestServer_LiveRun runs the pre-hire scenario's customers against two
// bots over real WebSockets and checks that every conversation is recorded,
// scored and reported, live and from the file.
func TestServer_LiveRun(t *testing.T) {
	l := startLive(t, "pre-hire-basic")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	team, err := bot.New(bot.Config{URL: l.ws("/ws/agent"), Token: l.tokens[store.RoleAgent], Count: 2, Skill: 1,
		ThinkMin: 5 * time.Millisecond, ThinkMax: 20 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	botCtx, stopBots := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		team.Run(botCtx)
	}()
	defer func() {
		stopBots()
		wg.Wait()
	}()
	sw, err := swarm.New(swarm.Config{URL: l.ws("/ws/customer"), Token: l.tokens[store.RoleCustomer], Scenario: l.srv.Hub().Scenario(), Seed: 7, Speed: 600, Count: 6})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := sw.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Arrived == 0 || sum.Failed != 0 || sum.Errors != 0 {
		t.Fatalf("swarm %+v; want customers, none failed, no refused frames", sum)
	}
	// Scoring runs after each conversation ends: wait for all.
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	if err := l.srv.WaitScored(wctx, int(sum.Arrived)); err != nil {
		t.Fatal(err)
	}
	rv, err := l.srv.LiveReview()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := rv.KPIs["first_response_avg_s"]; !ok {
		t.Errorf("KPIs %v lack first_response_avg_s", rv.KPIs)
	}
	if len(rv.Agents) == 0 {
		t.Error("no per-agent KPIs")
	}

	// The API, by role.
	var runs []store.Run
	if code := l.get("/api/runs", store.RoleViewer, &runs); code != 200 || len(runs) != 1 {
		t.Errorf("viewer GET /api/runs: %d, %d runs", code, len(runs))
	}
	for _, tc := range []struct {
		path, role string
		want       int
	}{
		{"/api/runs", "", 401},
		{"/api/runs", store.RoleAgent, 403},
		{"/api/runs/current", store.RoleViewer, 200},
		{"/api/runs/99", store.RoleViewer, 404},
		{"/api/tokens", store.RoleViewer, 403},
		{"/api/tokens", store.RoleAdmin, 200},
		{"/healthz", "", 200},
		{"/metrics", "", 200},
	} {
		if code := l.get(tc.path, tc.role, nil); code != tc.want {
			t.Errorf("GET %s as %q: %d; want %d", tc.path, tc.role, code, tc.want)
		}
	}
	var mine []review.ConversationScore
	l.get("/api/runs/current/conversations", store.RoleAgent, &mine)
	for _, c := range mine {
		if !strings.HasPrefix(c.Agent, "agent-1/") {
			t.Errorf("the agent token sees %s, held by %s", c.ID, c.Agent)
		}
	}
	var one struct {
		Conversation struct {
			Case   string           `json:"case"`
			Events []map[string]any `json:"events"`
		} `json:"conversation"`
	}
	if len(mine) > 0 {
		if code := l.get("/api/runs/current/conversations/"+mine[0].ID, store.RoleAgent, &one); code != 200 || one.Conversation.Case != "" || len(one.Conversation.Events) == 0 {
			t.Errorf("agent reading its own conversation: %d, case %q (hidden?), %d events", code, one.Conversation.Case, len(one.Conversation.Events))
		}
	}

	// After shutdown, the file holds the same run.
	stopBots()
	wg.Wait()
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	if err := l.srv.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	_, stored, err := web.ReviewRun(t.Context(), l.st, l.srv.Run().ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Conversations != rv.Conversations || stored.MeanScore != rv.MeanScore {
		t.Errorf("from the file: %d conversations, mean %.2f; live: %d, %.2f", stored.Conversations, stored.MeanScore, rv.Conversations, rv.MeanScore)
	}
}

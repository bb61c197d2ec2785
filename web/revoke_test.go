package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/bot"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// newToken creates a token through the API, as the admin page does.
func (l *live) newToken(role, name string) (plain string, id int64) {
	l.t.Helper()
	resp, b := l.do("POST", "/api/tokens", store.RoleAdmin, fmt.Sprintf(`{"role":%q,"name":%q}`, role, name))
	var out struct {
		Token string `json:"token"`
		ID    int64  `json:"id"`
	}
	if resp.StatusCode != 201 || json.Unmarshal(b, &out) != nil {
		l.t.Fatalf("create token: %d %s", resp.StatusCode, b)
	}
	return out.Token, out.ID
}

// closedWith waits until ws ends and returns its close error, within 5 s.
func closedWith(t *testing.T, ws *websocket.Conn) *websocket.CloseError {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, _, err := ws.ReadMessage(); err != nil {
			var ce *websocket.CloseError
			if !errors.As(err, &ce) {
				t.Fatalf("connection ended without a close frame: %v", err)
			}
			return ce
		}
	}
}

func whoamiStatus(t *testing.T, l *live, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", l.http.URL+"/api/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestServer_RevokeToken: an admin revokes a token through the API: new
// requests and connections with it are refused, and its open WebSocket
// connections (here two seats of a vendor's token) are closed with 4401.
// A token revoked by another process (the command, here a second handle
// on the file) has its connections closed and its event stream ended by
// the running server within its check interval.
func TestServer_RevokeToken(t *testing.T) {
	l := startLiveWith(t, "pre-hire-basic", func(c *web.Config) { c.RevokeCheck = 50 * time.Millisecond })
	vendor, vendorID := l.newToken(store.RoleAgent, "acme")
	var seats []*websocket.Conn
	for _, seat := range []string{"bot-1", "bot-2"} {
		ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?seat="+seat), http.Header{"Authorization": {"Bearer " + vendor}})
		if err != nil {
			t.Fatal(err)
		}
		defer ws.Close()
		seats = append(seats, ws)
	}
	bystander, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+l.tokens[store.RoleAgent]), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bystander.Close()

	resp, b := l.do("POST", fmt.Sprintf("/api/tokens/%d/revoke", vendorID), store.RoleAdmin, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"connections_closed": 2`) {
		t.Fatalf("revoke: %d %s; want 200 and two connections closed", resp.StatusCode, b)
	}
	for i, ws := range seats {
		if ce := closedWith(t, ws); ce.Code != hub.CloseRevoked || ce.Text != "token revoked" {
			t.Errorf("seat %d closed with %d %q; want %d \"token revoked\"", i+1, ce.Code, ce.Text, hub.CloseRevoked)
		}
	}
	if code := whoamiStatus(t, l, vendor); code != http.StatusUnauthorized {
		t.Errorf("whoami with the revoked token: %d; want 401", code)
	}
	if _, resp, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+vendor), nil); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("reconnecting with the revoked token: %v, %v; want 401", resp, err)
	}
	if resp, _ := l.do("POST", fmt.Sprintf("/api/tokens/%d/revoke", vendorID), store.RoleAdmin, ""); resp.StatusCode != 404 {
		t.Errorf("revoking it again: %d; want 404", resp.StatusCode)
	}
	var list []struct{ ID int64 }
	l.get("/api/tokens", store.RoleAdmin, &list)
	for _, tk := range list {
		if tk.ID == vendorID {
			t.Errorf("GET /api/tokens still lists the revoked token %d", vendorID)
		}
	}

	// Another process revokes: the running server notices.
	other, otherID := l.newToken(store.RoleAgent, "night-shift")
	ws, _, err := websocket.DefaultDialer.Dial(l.ws("/ws/agent?token="+other), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	watcher, watcherID := l.newToken(store.RoleViewer, "wall-screen")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", l.http.URL+"/api/stream?token="+watcher, nil)
	sresp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer sresp.Body.Close()
	events := bufio.NewScanner(sresp.Body)
	events.Buffer(make([]byte, 1<<20), 1<<22)
	if !events.Scan() || !strings.HasPrefix(events.Text(), "event: live") {
		t.Fatalf("stream began with %q", events.Text())
	}

	// The stream is read on its own, to time its end (docs/live.md: an
	// event stream ends within a second of the revocation).
	type streamEnd struct {
		last string
		at   time.Time
	}
	ended := make(chan streamEnd, 1)
	go func() {
		last := ""
		for events.Scan() {
			if strings.HasPrefix(events.Text(), "event: ") {
				last = events.Text()
			}
		}
		ended <- streamEnd{last, time.Now()}
	}()
	cli, err := store.Open(t.Context(), l.db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeToken(t.Context(), otherID); err != nil {
		t.Fatal(err)
	}
	if err := cli.RevokeToken(t.Context(), watcherID); err != nil {
		t.Fatal(err)
	}
	revokedAt := time.Now()
	cli.Close()
	if ce := closedWith(t, ws); ce.Code != hub.CloseRevoked {
		t.Errorf("revoked by another process: closed with %d %q; want %d", ce.Code, ce.Text, hub.CloseRevoked)
	}
	end := <-ended
	if ctx.Err() != nil || end.last != "event: revoked" {
		t.Errorf("the stream's last event was %q (%v); want it ended with event: revoked", end.last, ctx.Err())
	}
	if took := end.at.Sub(revokedAt); took > time.Second {
		t.Errorf("the stream ended %v after its token was revoked; want within a second", took)
	}

	// Everyone else is served on.
	bystander.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := bystander.WriteJSON(map[string]any{"v": 1, "type": "ping", "id": "p"}); err != nil {
		t.Fatal(err)
	}
	for {
		var f struct{ Type, Ref string }
		if err := bystander.ReadJSON(&f); err != nil {
			t.Fatalf("the bystander: %v", err)
		}
		if f.Type == "pong" && f.Ref == "p" {
			break
		}
	}
}

// TestServer_RevokedBotsStop: bots whose token is revoked stop instead of
// reconnecting forever (the hub would refuse every handshake): the team
// returns bot.ErrRefused, and deskdrill agent exits with it.
func TestServer_RevokedBotsStop(t *testing.T) {
	l := startLive(t, "steady-day")
	plain, id := l.newToken(store.RoleAgent, "外包小王")
	team, err := bot.New(bot.Config{URL: l.ws("/ws/agent"), Token: plain, Count: 2, Seat: "b-", Skill: 1, ThinkMin: time.Millisecond, ThinkMax: time.Millisecond, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- team.Run(ctx) }()
	waitFor(t, "both bots connected", 5*time.Second, func() bool { return team.Stats().Connected == 2 })
	if resp, b := l.do("POST", fmt.Sprintf("/api/tokens/%d/revoke", id), store.RoleAdmin, ""); resp.StatusCode != 200 {
		t.Fatalf("revoke: %d %s", resp.StatusCode, b)
	}
	select {
	case err := <-done:
		if !errors.Is(err, bot.ErrRefused) {
			t.Errorf("team.Run: %v; want ErrRefused", err)
		}
	case <-ctx.Done():
		t.Fatal("the bots of a revoked token still run after 20 s")
	}
}

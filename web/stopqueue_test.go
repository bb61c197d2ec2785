package web_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// TestServer_StopRecordsEveryConversation: live.md, "Ctrl-C … every
// conversation in flight is recorded". A stop ends every open
// conversation at once, each with its leave and close; with thousands
// open (double11 at 120×) those rows overflowed the writer's queue, and
// the hub, which never waits for the writer during a run, dropped them
// (a black-box tester lost 1,428 events). The queue here holds 16, for
// 150 conversations: during the stop the hub waits for room instead,
// within the stop's deadline.
func TestServer_StopRecordsEveryConversation(t *testing.T) {
	ctx := t.Context()
	l := startOn(t, filepath.Join(t.TempDir(), "run.db"), store.Options{QueueSize: 16})
	st, srv, url, info, plain := l.st, l.srv, l.url, l.info, l.customer
	const n = 150
	var conns []*websocket.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for i := range n {
		ws, _, err := websocket.DefaultDialer.Dial(url+"/ws/customer?token="+plain, nil)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, ws)
		ws.SetReadDeadline(deadline)
		if err := ws.WriteJSON(map[string]any{"v": 1, "type": "start", "id": "s", "customer": map[string]any{"name": fmt.Sprintf("买家%d", i)},
			"text": "还没发货，我不想要了，退款吧", "case": "refund_unshipped"}); err != nil {
			t.Fatal(err)
		}
		// Wait for the hub to take it (started), reading past welcome.
		for {
			var f protocol.Frame
			if err := ws.ReadJSON(&f); err != nil {
				t.Fatalf("customer %d: %v", i, err)
			}
			if f.Type == protocol.TypeStarted {
				break
			}
			if f.Type == protocol.TypeError {
				t.Fatalf("customer %d: %s %s", i, f.Code, f.Text)
			}
		}
		// While the run goes on, a queue three-quarters full makes the
		// hub answer unavailable (live.md): keep it drained (a slow
		// writer under -race), so that only the stop fills it.
		if err := st.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Stop(stopCtx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if s := st.Stats(); s.Dropped != 0 {
		t.Errorf("the stop dropped %d rows (queue full)", s.Dropped)
	}
	convs, err := st.Conversations(ctx, info.Run.ID)
	if err != nil {
		t.Fatal(err)
	}
	ended := 0
	for _, c := range convs {
		for _, e := range c.Events {
			if e.Kind == sim.EventLeave && e.Text == sim.LeaveRunEnded {
				ended++
				break
			}
		}
	}
	if len(convs) != n || ended != n {
		t.Errorf("%d conversations recorded, %d with the run's end; want %d and %d", len(convs), ended, n, n)
	}
}

// onFile is a server with a live steady-day run of external customers, on
// a store opened as the test says (a small queue, Exclusive as serve).
type onFile struct {
	st       *store.Store
	srv      *web.Server
	url      string // ws://127.0.0.1:PORT
	info     *web.RunInfo
	customer string // a customer token
}

func startOn(t *testing.T, path string, o store.Options) *onFile {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, path, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	srv, err := web.New(web.Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(c)
		hs.Close()
	})
	url := "ws" + hs.URL[len("http"):]
	srv.SetLoopback(url)
	sc, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	info, err := srv.Start(ctx, web.RunConfig{Scenario: sc, Seed: 7, Speed: 60, Customers: "external"})
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := st.CreateToken(ctx, store.RoleCustomer, "customers")
	if err != nil {
		t.Fatal(err)
	}
	return &onFile{st: st, srv: srv, url: url, info: info, customer: plain}
}

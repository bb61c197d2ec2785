package echo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskdrill/deskdrill/bench/echo"
	"github.com/deskdrill/deskdrill/bench/load"
)

// deskdrill load drives the bare relay as it drives the hub: every
// customer is assigned, every paced message reaches an agent and comes
// back, and the relay counts two deliveries per customer message, as
// the hub does.
func TestRelay_CarriesTheHubsLoad(t *testing.T) {
	reg := prometheus.NewRegistry()
	r, err := echo.NewRelay(reg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /", r)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	defer r.Close(context.Background())
	run, err := load.New(load.Config{
		URL: "ws" + strings.TrimPrefix(hs.URL, "http"), CustomerToken: "any", AgentToken: "any",
		Customers: 60, Agents: 7, Rate: load.Rate{Freq: 300, Per: time.Second}, Duration: time.Second,
		Setup: 20 * time.Second, Drain: 10 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	res, err := run.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// ConstantPacer: messages due at 0, 1/300 s, ... before 1 s.
	const want = 300
	if res.Customers != 60 || res.Agents != 7 || res.Assigned != 60 {
		t.Errorf("%d customers, %d agents, %d assigned; want 60, 7, 60", res.Customers, res.Agents, res.Assigned)
	}
	if res.Sent != want || res.Delivered != want || res.Echoed != want || res.Received != want {
		t.Errorf("sent %d, delivered %d, echoed %d, received %d; want %d each", res.Sent, res.Delivered, res.Echoed, res.Received, want)
	}
	if got := r.Relayed(); got != 2*want {
		t.Errorf("relay delivered %d; want %d (each message to the agent and back)", got, 2*want)
	}
	// The load reads the relay's count from /metrics, under the hub's name.
	if res.Hub == nil || res.Hub.Relayed != 2*want {
		t.Errorf("the load's reading of the relay's /metrics: %+v; want %d relayed", res.Hub, 2*want)
	}
}

// A relay serves one load after another: the first load's agents and
// customers are forgotten when they leave, so no customer of the second
// is given an agent that is gone.
func TestRelay_ServesLoadAfterLoad(t *testing.T) {
	r, err := echo.NewRelay(nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(r)
	defer hs.Close()
	defer r.Close(context.Background())
	for i := range 2 {
		run, err := load.New(load.Config{
			URL: "ws" + strings.TrimPrefix(hs.URL, "http"), CustomerToken: "any", AgentToken: "any", MetricsURL: "-",
			Customers: 20, Agents: 3, Rate: load.Rate{Freq: 200, Per: time.Second}, Duration: 500 * time.Millisecond,
			Setup: 20 * time.Second, Drain: 10 * time.Second,
		})
		if err != nil {
			t.Fatal(err)
		}
		res, err := run.Run(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if res.Assigned != 20 || res.Sent != 100 || res.Received != 100 || res.Dropped != 0 {
			t.Errorf("load %d: %d assigned, sent %d, received %d, dropped %d; want 20, 100, 100, 0", i+1, res.Assigned, res.Sent, res.Received, res.Dropped)
		}
	}
}

// A customer that starts before any agent is there waits, and is
// assigned when the first agent comes.
func TestRelay_CustomerWaitsForAnAgent(t *testing.T) {
	r, err := echo.NewRelay(nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(r)
	defer hs.Close()
	defer r.Close(context.Background())
	waiting := make(chan struct{}, 1)
	r.OnPending(func() { waiting <- struct{}{} })
	url := "ws" + strings.TrimPrefix(hs.URL, "http")
	cust := dialRelay(t, url+"/ws/customer")
	if err := cust.WriteMessage(1, []byte(`{"v":1,"type":"start","text":"hi"}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("the customer was not left waiting with no agent connected")
	}
	agent := dialRelay(t, url+"/ws/agent")
	if typ := readType(t, cust); typ != "assigned" {
		t.Fatalf("customer got %q; want assigned once an agent came", typ)
	}
	if err := cust.WriteMessage(1, []byte(`{"v":1,"type":"message","text":"where is my parcel"}`)); err != nil {
		t.Fatal(err)
	}
	got := readFrame(t, agent)
	if got["type"] != "message" || got["conversation"] != "0" || got["text"] != "where is my parcel" {
		t.Fatalf("agent got %v; want the message of conversation 0", got)
	}
	if err := agent.WriteMessage(1, []byte(`{"v":1,"type":"message","conversation":"0","text":"on its way"}`)); err != nil {
		t.Fatal(err)
	}
	if back := readFrame(t, cust); back["text"] != "on its way" {
		t.Fatalf("customer got %v; want the agent's answer", back)
	}
}

func dialRelay(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	if typ := readType(t, ws); typ != "welcome" {
		t.Fatalf("first frame %q; want welcome", typ)
	}
	return ws
}

func readFrame(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	ws.SetReadDeadline(time.Now().Add(10 * time.Second))
	var f map[string]any
	if err := ws.ReadJSON(&f); err != nil {
		t.Fatal(err)
	}
	return f
}

func readType(t *testing.T, ws *websocket.Conn) any { return readFrame(t, ws)["type"] }

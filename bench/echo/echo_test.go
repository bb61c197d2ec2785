package echo_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/echo"
	"github.com/deskdrill/deskdrill/bench/load"
)

// Every message the client paces is read and written back once by the
// server, and comes back.
func TestClient_EchoesEveryMessage(t *testing.T) {
	srv, err := echo.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	defer srv.Close(context.Background())
	res, err := echo.RunClient(t.Context(), echo.ClientConfig{
		URL: "ws" + strings.TrimPrefix(hs.URL, "http"), Conns: 50,
		Rate: load.Rate{Freq: 500, Per: time.Second}, Duration: 200 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	// ConstantPacer: messages due at 0, 2 ms, ... before 200 ms.
	const want = 100
	if res.Conns != 50 || res.Sent != want || res.Received != want {
		t.Errorf("%d conns, sent %d, received %d; want 50, %d, %d", res.Conns, res.Sent, res.Received, want, want)
	}
	if got := srv.Messages(); got != want {
		t.Errorf("server echoed %d; want %d", got, want)
	}
}

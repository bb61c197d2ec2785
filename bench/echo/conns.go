package echo

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"github.com/gorilla/websocket"
)

// conns keeps a server's connections so that Close can close them and
// wait for their loops. The zero value is ready.
type conns struct {
	wg     sync.WaitGroup // every connection's handler
	mu     sync.Mutex
	closed bool                         // mu guards
	open   map[*websocket.Conn]struct{} // mu guards
}

// upgrade upgrades the request and keeps its connection; ok is false when
// it could not (the response is written) or the server is closing. When ok,
// the caller must call done(ws) once its loop ends.
func (s *conns) upgrade(u *websocket.Upgrader, w http.ResponseWriter, r *http.Request) (ws *websocket.Conn, ok bool) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		http.Error(w, "shutting down", http.StatusServiceUnavailable)
		return nil, false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	ws, err := u.Upgrade(w, r, nil)
	if err != nil {
		s.wg.Done()
		return nil, false // the upgrader has answered
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		ws.Close()
		s.wg.Done()
		return nil, false
	}
	if s.open == nil {
		s.open = map[*websocket.Conn]struct{}{}
	}
	s.open[ws] = struct{}{}
	return ws, true
}

// done forgets ws and closes it.
func (s *conns) done(ws *websocket.Conn) {
	s.mu.Lock()
	delete(s.open, ws)
	s.mu.Unlock()
	ws.Close()
	s.wg.Done()
}

// close closes every connection and waits for their handlers, or for ctx;
// what names the server in the error.
func (s *conns) close(ctx context.Context, what string) error {
	s.mu.Lock()
	s.closed = true
	for ws := range s.open {
		ws.Close()
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(finished)
	}()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("close %s: %w", what, ctx.Err())
	}
}

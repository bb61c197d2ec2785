package echo

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
)

// MetricMessages is the server's count of messages echoed, on its
// /metrics (the hub's counterpart is deskdrill_messages_relayed_total).
const MetricMessages = "deskdrill_echo_messages_total"

// Server is a bare WebSocket echo server: every text or binary message
// read is written back at once. It is safe for concurrent use; Close
// closes its connections and waits for them.
type Server struct {
	upgrader websocket.Upgrader
	messages prometheus.Counter
	count    atomic.Uint64
	conns    conns
}

// NewServer returns an echo server whose message counter is registered
// with reg (nil registers none).
func NewServer(reg prometheus.Registerer) (*Server, error) {
	s := &Server{
		upgrader: websocket.Upgrader{
			// As the hub's upgrader (web/hub.New): the same buffers, so
			// that the comparison is of the work per message.
			ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
			CheckOrigin: func(*http.Request) bool { return true },
		},
		messages: prometheus.NewCounter(prometheus.CounterOpts{Name: MetricMessages, Help: "Messages read and written back."}),
	}
	if reg != nil {
		if err := reg.Register(s.messages); err != nil {
			return nil, fmt.Errorf("new echo server: %w", err)
		}
	}
	return s, nil
}

// Messages returns how many messages the server has echoed.
func (s *Server) Messages() uint64 { return s.count.Load() }

// ServeHTTP upgrades the request and echoes until the connection ends.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ws, ok := s.conns.upgrade(&s.upgrader, w, r)
	if !ok {
		return
	}
	defer s.conns.done(ws)
	// The loop of gorilla's own echo example: one read, one write.
	for {
		typ, msg, err := ws.ReadMessage()
		if err != nil {
			return
		}
		if err := ws.WriteMessage(typ, msg); err != nil {
			return
		}
		s.count.Add(1)
		s.messages.Inc()
	}
}

// Close closes every connection and waits for their loops, or for ctx.
func (s *Server) Close(ctx context.Context) error { return s.conns.close(ctx, "echo server") }

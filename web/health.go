package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

// recorder hands the hub's records to the store without ever waiting for
// its writer: the hub calls it with its lock held, and a full disk must
// not stall routing, /metrics or the API. The hub asks the store's Health
// before it applies a client's frame, so what a full queue refuses here
// is only what the hub does by itself meanwhile (a customer who
// disconnects, a rating window that ends). Such records are counted
// (store Stats.Dropped, deskdrill_store_dropped_rows_total) and logged at
// most every logEvery.
//
// A stop is the exception: it ends every open conversation at once (a
// double11 run has thousands), which a queue sized for a run's flow cannot
// hold, and nothing is left to stall. While stopping holds a context, the
// recorder waits for room, up to that context's end (the stop's deadline).
type recorder struct {
	st  *store.Store
	log *slog.Logger
	// stopping is the stop's context while a stop records (waitWithin).
	stopping atomic.Pointer[context.Context]

	mu       sync.Mutex // guards the fields below
	loggedAt time.Time
	missed   int
}

// logEvery is the shortest time between two log lines of one condition.
const logEvery = 10 * time.Second

// waitWithin makes the recorder wait for the writer's room until ctx
// ends, instead of dropping; the func it returns ends that.
func (r *recorder) waitWithin(ctx context.Context) (done func()) {
	r.stopping.Store(&ctx)
	return func() { r.stopping.CompareAndSwap(&ctx, nil) }
}

// waiting returns the stop's context while one records, else nil.
func (r *recorder) waiting() context.Context {
	if p := r.stopping.Load(); p != nil {
		return *p
	}
	return nil
}

func (r *recorder) StartConversation(ctx context.Context, run int64, c *sim.Conversation) error {
	if w := r.waiting(); w != nil {
		return r.check(r.st.StartConversation(w, run, c))
	}
	return r.check(r.st.TryStartConversation(ctx, run, c))
}

func (r *recorder) AppendEvent(ctx context.Context, run int64, conv string, seq int, e sim.Event) error {
	if w := r.waiting(); w != nil {
		return r.check(r.st.AppendEvent(w, run, conv, seq, e))
	}
	return r.check(r.st.TryAppendEvent(ctx, run, conv, seq, e))
}

func (r *recorder) saveScore(ctx context.Context, run int64, conv, agent string, score []byte, total float64) {
	if w := r.waiting(); w != nil {
		r.check(r.st.SaveScore(w, run, conv, agent, score, total))
		return
	}
	r.check(r.st.TrySaveScore(ctx, run, conv, agent, score, total))
}

// check counts and logs err (rate-limited). It returns nil: the hub would
// log every one.
func (r *recorder) check(err error) error {
	if err == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.missed++
	if now := time.Now(); now.Sub(r.loggedAt) >= logEvery {
		r.log.Error("records not written", "err", err, "count", r.missed, "since", r.loggedAt)
		r.loggedAt, r.missed = now, 0
	}
	return nil
}

// registerStoreMetrics exports the store's health. Every series reads
// counters and never waits for the writer.
func (s *Server) registerStoreMetrics() {
	st := s.store
	gauge := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, f)
	}
	counter := func(name, help string, f func() float64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, f)
	}
	s.registry.MustRegister(
		gauge("deskdrill_store_available", "1 while records reach the disk in time and the hub acknowledges frames; 0 while it answers them unavailable (GET /healthz says why).",
			func() float64 {
				if st.Health() != nil {
					return 0
				}
				return 1
			}),
		gauge("deskdrill_store_lag_seconds", "Age of the oldest record not yet committed to disk (0 when caught up).",
			func() float64 { return st.Lag().Seconds() }),
		gauge("deskdrill_store_pending_rows", "Records queued or being committed, not yet on disk.",
			func() float64 { x := st.Stats(); return float64(x.Appended - x.Committed - x.Rejected - x.Lost) }),
		counter("deskdrill_store_commit_failures_total", "Failed commit attempts (a full disk, an I/O error); the log and /healthz carry SQLite's error.",
			func() float64 { return float64(st.Stats().Failures) }),
		counter("deskdrill_store_committed_rows_total", "Records committed to disk.",
			func() float64 { return float64(st.Stats().Committed) }),
		counter("deskdrill_store_dropped_rows_total", "Records not written: refused by a full queue while the disk could not take them.",
			func() float64 { return float64(st.Stats().Dropped) }),
	)
}

// storeHealth adds the store's health to a /healthz answer and returns
// its status: 200, or 503 with SQLite's reason while the hub refuses
// frames.
func (s *Server) storeHealth(out map[string]any) int {
	err := s.store.Health()
	if err == nil {
		return http.StatusOK
	}
	out["status"] = "unavailable"
	out["reason"] = err.Error()
	var ue *store.UnavailableError
	if errors.As(err, &ue) {
		out["reason"] = ue.Err.Error()
		out["since"] = ue.Since
	}
	st := s.store.Stats()
	out["unwritten_rows"] = st.Appended - st.Committed - st.Rejected - st.Lost
	return http.StatusServiceUnavailable
}

// waitGroup waits for wg until ctx is done.
func waitGroup(ctx context.Context, wg *sync.WaitGroup) error {
	done := make(chan struct{})
	go func() { // ends with the last of wg's goroutines
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait: %w", ctx.Err())
	}
}

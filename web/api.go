package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web/store"
)

type ctxKey struct{}

// identity is the caller of an API request.
type identity struct {
	Name, Role string
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/ws/agent", s.hub.ServeAgent)
	mux.HandleFunc("/ws/customer", s.hub.ServeCustomer)

	readers := []string{store.RoleViewer, store.RoleSupervisor, store.RoleAdmin}
	mux.Handle("GET /api/whoami", s.auth(s.whoami, append(readers, store.RoleAgent)...))
	mux.Handle("GET /api/live", s.auth(s.live, readers...))
	mux.Handle("GET /api/runs", s.auth(s.runs, readers...))
	mux.Handle("GET /api/runs/{run}", s.auth(s.runReview, readers...))
	mux.Handle("GET /api/runs/{run}/conversations", s.auth(s.conversations, append(readers, store.RoleAgent)...))
	mux.Handle("GET /api/runs/{run}/conversations/{conv}", s.auth(s.conversation, append(readers, store.RoleAgent)...))
	mux.Handle("GET /api/runs/{run}/transcripts", s.auth(s.transcripts, readers...))
	mux.Handle("GET /api/tokens", s.auth(s.tokens, store.RoleAdmin))
	mux.Handle("POST /api/tokens", s.auth(s.createToken, store.RoleAdmin))
	return mux
}

// apiError is the body of every API error.
type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func fail(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, apiError{Error: fmt.Sprintf(format, args...)})
}

// auth lets a request through when its bearer token (header, or the token
// query parameter for browser downloads) has one of roles.
func (s *Server) auth(h http.HandlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := ""
		if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
			tok = strings.TrimPrefix(a, "Bearer ")
		} else {
			tok = r.URL.Query().Get("token")
		}
		t, err := s.store.Authenticate(r.Context(), tok)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="deskdrill"`)
			fail(w, http.StatusUnauthorized, "a valid token is required: Authorization: Bearer TOKEN")
			return
		}
		if !slices.Contains(roles, t.Role) {
			fail(w, http.StatusForbidden, "a %s token may not %s %s (it needs one of: %s)", t.Role, r.Method, r.URL.Path, strings.Join(roles, ", "))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, identity{Name: t.Name, Role: t.Role})))
	})
}

func who(r *http.Request) identity {
	id, _ := r.Context().Value(ctxKey{}).(identity)
	return id
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "run": s.run.ID, "scenario": s.run.Scenario, "uptime_s": time.Since(s.started).Seconds()})
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	id := who(r)
	writeJSON(w, http.StatusOK, map[string]any{"name": id.Name, "role": id.Role, "run": s.run.ID})
}

// live answers at once, or with ?scored=N when at least N conversations
// are scored (a long poll of at most 30 s): scripts and tests wait on the
// event instead of polling.
func (s *Server) live(w http.ResponseWriter, r *http.Request) {
	if v := r.URL.Query().Get("scored"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			fail(w, http.StatusBadRequest, "scored %q: want a count", v)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if err := s.WaitScored(ctx, n); err != nil && r.Context().Err() != nil {
			return // the client went away
		}
	}
	rv, err := s.LiveReview()
	if err != nil {
		fail(w, http.StatusInternalServerError, "review: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": s.run, "hub": s.hub.Snapshot(), "review": summary(rv)})
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	runs, err := s.store.Runs(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, runs)
}

// runID reads the {run} path value; "current" is the live run.
func (s *Server) runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	v := r.PathValue("run")
	if v == "current" {
		return s.run.ID, true
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		fail(w, http.StatusBadRequest, "run %q: want a run number or current", v)
		return 0, false
	}
	return id, true
}

// ReviewRun judges a stored run by the rules of its scenario (the built-in
// one of its name, or the live run's own).
func ReviewRun(ctx context.Context, st *store.Store, id int64, live *sim.Scenario) (store.Run, *review.Review, error) {
	run, err := st.Run(ctx, id)
	if err != nil {
		return run, nil, err
	}
	sc := live
	if sc == nil || sc.Name != run.Scenario {
		if sc, err = scenarios.LoadScenario(run.Scenario); err != nil {
			return run, nil, fmt.Errorf("review run %d: its scenario: %w", id, err)
		}
	}
	convs, err := st.Conversations(ctx, id)
	if err != nil {
		return run, nil, err
	}
	end := run.Ended
	if end.IsZero() {
		end = time.Now()
	}
	rv, err := review.Evaluate(convs, ReviewOptions(sc, run.Started, time.Duration(float64(end.Sub(run.Started))*max(run.Speed, 1))))
	return run, rv, err
}

func (s *Server) review(w http.ResponseWriter, r *http.Request) (store.Run, *review.Review, bool) {
	id, ok := s.runID(w, r)
	if !ok {
		return store.Run{}, nil, false
	}
	if id == s.run.ID {
		rv, err := s.LiveReview()
		if err != nil {
			fail(w, http.StatusInternalServerError, "review: %v", err)
			return store.Run{}, nil, false
		}
		return s.run, rv, true
	}
	run, rv, err := ReviewRun(r.Context(), s.store, id, s.cfg.Scenario)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(w, http.StatusNotFound, "no run %d", id)
		return run, nil, false
	case err != nil:
		fail(w, http.StatusInternalServerError, "review run %d: %v", id, err)
		return run, nil, false
	}
	return run, rv, true
}

// reviewSummary is a review without its per-conversation scores.
type reviewSummary struct {
	*review.Review
	Scores any `json:"scores,omitempty"`
}

func summary(rv *review.Review) reviewSummary { return reviewSummary{Review: rv} }

func (s *Server) runReview(w http.ResponseWriter, r *http.Request) {
	run, rv, ok := s.review(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": run, "review": rv})
}

// conversations lists a run's scored conversations; an agent sees only
// those it held.
func (s *Server) conversations(w http.ResponseWriter, r *http.Request) {
	_, rv, ok := s.review(w, r)
	if !ok {
		return
	}
	id := who(r)
	out := []review.ConversationScore{}
	for _, c := range rv.Scores {
		if id.Role == store.RoleAgent && !ownedBy(c.Agent, id.Name) {
			continue
		}
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// ownedBy reports whether agent (possibly name/seat) is the token name's.
func ownedBy(agent, name string) bool {
	return agent == name || strings.HasPrefix(agent, name+"/")
}

func (s *Server) conversation(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	c, err := s.store.Conversation(r.Context(), id, r.PathValue("conv"))
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(w, http.StatusNotFound, "no conversation %q in run %d", r.PathValue("conv"), id)
		return
	case err != nil:
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	caller := who(r)
	if caller.Role == store.RoleAgent {
		held := false
		for _, e := range c.Events {
			held = held || e.Kind == sim.EventAssign && ownedBy(e.Agent, caller.Name)
		}
		if !held {
			// Not "forbidden": an agent may not learn which conversations exist.
			fail(w, http.StatusNotFound, "no conversation %q in run %d", r.PathValue("conv"), id)
			return
		}
		c.Case = "" // the hidden truth stays hidden from agents
	}
	score := sim.ScoreConversation(c, s.cfg.Scenario.Platform, sim.DefaultScoreWeights())
	writeJSON(w, http.StatusOK, map[string]any{"conversation": transcriptJSON(c), "score": score})
}

// transcriptJSON is a conversation in the API's shape.
func transcriptJSON(c *sim.Conversation) map[string]any {
	type event struct {
		At     time.Time   `json:"at"`
		Sender sim.Sender  `json:"sender"`
		Kind   string      `json:"kind"`
		Agent  string      `json:"agent,omitempty"`
		Text   string      `json:"text,omitempty"`
		Action *sim.Action `json:"action,omitempty"`
		Rating int         `json:"rating,omitempty"`
	}
	evs := make([]event, 0, len(c.Events))
	for _, e := range c.Events {
		evs = append(evs, event{e.At, e.Sender, string(e.Kind), e.Agent, e.Text, e.Action, e.Rating})
	}
	return map[string]any{"id": c.ID, "case": c.Case, "persona": c.Persona, "order": c.Order, "presales": c.Presales, "arrived": c.Arrived, "events": evs}
}

func (s *Server) transcripts(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	convs, err := s.store.Conversations(r.Context(), id)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="run-%d.jsonl"`, id))
	if err := scenarios.WriteTranscripts(w, convs); err != nil {
		s.log.Error("write transcripts", "run", id, "err", err)
	}
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) {
	ts, err := s.store.Tokens(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, ts)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	var req struct{ Role, Name string }
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "body: want {\"role\": \"agent\", \"name\": \"NAME\"}: %v", err)
		return
	}
	if strings.TrimSpace(req.Name) == "" {
		fail(w, http.StatusBadRequest, "field \"name\": a token needs a name")
		return
	}
	plain, t, err := s.store.CreateToken(r.Context(), req.Role, req.Name)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": plain, "id": t.ID, "name": t.Name, "role": t.Role})
}

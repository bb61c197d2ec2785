package web

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

type ctxKey struct{}

// identity is the caller of an API request.
type identity struct {
	Name, Role string
	Token      int64
}

// The roles of the API's endpoints. A customer token is for /ws/customer
// only: it reads nothing here, not even whoami.
var (
	readers = []string{store.RoleViewer, store.RoleSupervisor, store.RoleAdmin}
	anyone  = []string{store.RoleViewer, store.RoleSupervisor, store.RoleAdmin, store.RoleAgent}
	admin   = []string{store.RoleAdmin}
)

// Route is one endpoint of the server: its pattern as http.ServeMux reads
// it, and the token roles it admits (none: no token is needed).
// docs/live.md's API table lists the same, and a test walks every route
// with every role's token.
type Route struct {
	Pattern string
	Roles   []string
}

type route struct {
	Route
	h http.Handler
}

// Routes returns the server's endpoints, in the order they are
// registered.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.routeTable() {
		out = append(out, Route{Pattern: r.Pattern, Roles: slices.Clone(r.Roles)})
	}
	return out
}

// routeTable is every endpoint with its handler. The API's endpoints check
// their roles through auth; the WebSocket endpoints' roles are checked by
// the hub, which also maps an admin to a supervisor or a customer.
func (s *Server) routeTable() []route {
	api := func(pattern string, h http.HandlerFunc, roles ...string) route {
		return route{Route{pattern, roles}, s.auth(h, roles...)}
	}
	open := func(pattern string, h http.Handler, roles ...string) route {
		return route{Route{pattern, roles}, h}
	}
	return []route{
		open("GET /healthz", http.HandlerFunc(s.healthz)),
		open("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{})),
		open("GET /ws/agent", http.HandlerFunc(s.wsAgent), store.RoleAgent, store.RoleSupervisor, store.RoleAdmin),
		open("GET /ws/customer", http.HandlerFunc(s.wsCustomer), store.RoleCustomer, store.RoleAdmin),
		open("GET /", http.FileServerFS(assetFS())),
		// Browsers ask for /favicon.ico whatever the pages link; the SVG
		// answers it as image/svg+xml (they go by the type, not the name).
		open("GET /favicon.ico", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.ServeFileFS(w, r, assetFS(), "favicon.svg")
		})),

		api("GET /api/whoami", s.whoami, anyone...),
		api("GET /api/quick-replies", s.quickReplies, anyone...),
		api("GET /api/live", s.live, readers...),
		api("GET /api/stream", s.stream, readers...),
		api("GET /api/scenarios", s.scenarioList, readers...),
		api("GET /api/runs", s.runs, readers...),
		api("POST /api/runs", s.startRun, admin...),
		api("POST /api/runs/current/stop", s.stopRun, admin...),
		api("GET /api/runs/{run}", s.runReview, readers...),
		api("GET /api/runs/{run}/report.json", s.runReview, readers...),
		api("GET /api/runs/{run}/conversations", s.conversations, anyone...),
		api("GET /api/runs/{run}/conversations.csv", s.conversationsCSV, readers...),
		api("GET /api/runs/{run}/statement.csv", s.statementCSV, readers...),
		api("GET /api/runs/{run}/conversations/{conv}", s.conversation, anyone...),
		api("GET /api/runs/{run}/transcripts", s.transcripts, readers...),
		api("GET /api/runs/{run}/trial", s.trialStatus, readers...),
		api("GET /api/tokens", s.tokens, admin...),
		api("POST /api/tokens", s.createToken, admin...),
		api("POST /api/tokens/{id}/revoke", s.revokeToken, admin...),
		api("GET /api/exams", s.examList, readers...),
		api("POST /api/invitations", s.invite, admin...),
		api("GET /api/exam", s.myExam, store.RoleAgent),
		api("POST /api/sittings", s.startSitting, store.RoleAgent),
		api("GET /api/sittings/{sitting}", s.sittingStatus, anyone...),
		api("GET /api/sittings/{sitting}/card", s.sittingCard, anyone...),
		api("POST /api/sittings/{sitting}/reviews", s.reviewSitting, store.RoleSupervisor, store.RoleAdmin),
		api("GET /api/cohorts/{cohort}", s.cohortReport, readers...),
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, r := range s.routeTable() {
		mux.Handle(r.Pattern, r.h)
	}
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

// auth lets a request through when its bearer token (the Authorization
// header, or else the token query parameter for downloads and EventSource,
// which cannot set headers: hub.BearerToken) has one of roles.
func (s *Server) auth(h http.HandlerFunc, roles ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t, err := s.store.Authenticate(r.Context(), hub.BearerToken(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="deskdrill"`)
			fail(w, http.StatusUnauthorized, "a valid token is required: Authorization: Bearer TOKEN")
			return
		}
		if !slices.Contains(roles, t.Role) {
			fail(w, http.StatusForbidden, "a %s token may not %s %s (it needs one of: %s)", t.Role, r.Method, r.URL.Path, strings.Join(roles, ", "))
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, identity{Name: t.Name, Role: t.Role, Token: t.ID})))
	})
}

func who(r *http.Request) identity {
	id, _ := r.Context().Value(ctxKey{}).(identity)
	return id
}

func (s *Server) wsAgent(w http.ResponseWriter, r *http.Request) {
	if h := s.Hub(); h != nil {
		h.ServeAgent(w, r)
		return
	}
	http.Error(w, "no live run: an admin starts one", http.StatusServiceUnavailable)
}

func (s *Server) wsCustomer(w http.ResponseWriter, r *http.Request) {
	if h := s.Hub(); h != nil {
		h.ServeCustomer(w, r)
		return
	}
	http.Error(w, "no live run: an admin starts one", http.StatusServiceUnavailable)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	out := map[string]any{"status": "ok"}
	if run, ok := s.Run(); ok {
		out["run"], out["scenario"], out["uptime_s"] = run.ID, run.Scenario, time.Since(run.Started).Seconds()
	}
	writeJSON(w, s.storeHealth(out), out)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	id := who(r)
	out := map[string]any{"name": id.Name, "role": id.Role, "run": nil}
	if run, ok := s.Run(); ok {
		out["run"] = run.ID
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) quickReplies(w http.ResponseWriter, r *http.Request) {
	loc := phrases.Locale(r.URL.Query().Get("locale"))
	switch {
	case loc == "":
		loc = phrases.ZhCN
	case !slices.Contains(phrases.Locales(), loc):
		fail(w, http.StatusBadRequest, "locale %q: want one of %v", loc, phrases.Locales())
		return
	}
	type qr struct {
		Title string `json:"title"`
		Text  string `json:"text"`
	}
	out := []qr{}
	for _, q := range phrases.Default().QuickReplies(loc) {
		out = append(out, qr{q.Title, q.Text})
	}
	writeJSON(w, http.StatusOK, out)
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
	lr := s.current()
	if lr == nil {
		fail(w, http.StatusNotFound, "no live run")
		return
	}
	st, err := lr.state(0)
	if err != nil {
		fail(w, http.StatusInternalServerError, "review: %v", err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// scenarioInfo is a built-in scenario in the admin's list.
type scenarioInfo struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	Speed       float64 `json:"speed"`
}

var builtinScenarios = sync.OnceValues(func() ([]scenarioInfo, error) {
	var out []scenarioInfo
	for _, n := range scenarios.ScenarioNames() {
		sc, err := scenarios.LoadScenario(n)
		if err != nil {
			return nil, err
		}
		out = append(out, scenarioInfo{Name: n, Description: strings.TrimSpace(sc.Description), Speed: sc.Speed})
	}
	return out, nil
})

func (s *Server) scenarioList(w http.ResponseWriter, r *http.Request) {
	list, err := builtinScenarios()
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) runs(w http.ResponseWriter, r *http.Request) {
	runs, err := s.store.Runs(r.Context())
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	live, _ := s.Run()
	out := []runJSON{}
	for _, run := range runs {
		out = append(out, toRunJSON(run, run.ID == live.ID))
	}
	writeJSON(w, http.StatusOK, out)
}

// startRun is the admin's "start a run of this scenario".
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Scenario  string   `json:"scenario"`
		Speed     float64  `json:"speed"`
		Bots      *int     `json:"bots"`
		BotSkill  *float64 `json:"bot_skill"`
		Customers string   `json:"customers"`
		Count     int      `json:"count"`
		Seed      *uint64  `json:"seed"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		fail(w, http.StatusBadRequest, "body: want {\"scenario\": \"steady-day\", \"speed\": 60, \"bots\": 8, \"bot_skill\": 0.9, \"customers\": \"internal\"}: %v", err)
		return
	}
	if !slices.Contains(scenarios.ScenarioNames(), req.Scenario) {
		fail(w, http.StatusBadRequest, "field \"scenario\": %q is not a built-in scenario (%s)", req.Scenario, strings.Join(scenarios.ScenarioNames(), ", "))
		return
	}
	rc := RunConfig{Speed: req.Speed, Bots: 8, BotSkill: 0.9, Customers: req.Customers, Count: req.Count, Seed: uint64(time.Now().UnixNano())}
	if req.Bots != nil {
		rc.Bots = *req.Bots
	}
	if req.BotSkill != nil {
		rc.BotSkill = *req.BotSkill
	}
	if req.Seed != nil {
		rc.Seed = *req.Seed
	}
	switch {
	case rc.Speed < 0 || rc.Speed > 100000:
		fail(w, http.StatusBadRequest, "field \"speed\": %v: want 0 (the scenario's) to 100000", rc.Speed)
		return
	case rc.Bots < 0 || rc.Bots > 1000:
		fail(w, http.StatusBadRequest, "field \"bots\": %d: want 0 to 1000", rc.Bots)
		return
	case rc.BotSkill < 0 || rc.BotSkill > 1:
		fail(w, http.StatusBadRequest, "field \"bot_skill\": %v: want 0 to 1", rc.BotSkill)
		return
	case rc.Count < 0:
		fail(w, http.StatusBadRequest, "field \"count\": cannot be negative")
		return
	}
	sc, err := scenarios.LoadScenario(req.Scenario)
	if err != nil {
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	rc.Scenario = sc
	// The run outlives the request.
	info, err := s.Start(context.WithoutCancel(r.Context()), rc)
	if err != nil {
		fail(w, http.StatusBadRequest, "%v", err)
		return
	}
	// The tokens a person uses, by the role they carry; the bots' stay
	// inside the server.
	tokens := map[string]string{"agent": info.Tokens["trainee"], "supervisor": info.Tokens["supervisor"],
		"viewer": info.Tokens["dashboard"], "customer": info.Tokens["swarm"]}
	writeJSON(w, http.StatusCreated, map[string]any{"run": toRunJSON(info.Run, true), "tokens": tokens})
}

func (s *Server) stopRun(w http.ResponseWriter, r *http.Request) {
	run, ok := s.Run()
	if !ok {
		fail(w, http.StatusNotFound, "no live run")
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 30*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil && !errors.Is(err, ErrNoRun) {
		fail(w, http.StatusInternalServerError, "stop run %d: %v", run.ID, err)
		return
	}
	if ended, err := s.store.Run(r.Context(), run.ID); err == nil {
		run = ended
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": toRunJSON(run, false)})
}

// runID reads the {run} path value; "current" is the live run.
func (s *Server) runID(w http.ResponseWriter, r *http.Request) (int64, bool) {
	v := r.PathValue("run")
	if v == "current" {
		run, ok := s.Run()
		if !ok {
			fail(w, http.StatusNotFound, "no live run")
		}
		return run.ID, ok
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		fail(w, http.StatusBadRequest, "run %q: want a run number or current", v)
		return 0, false
	}
	return id, true
}

// ReviewRun judges a stored run by the rules of its scenario (the built-in
// one of its name, or the given one when the names match).
func ReviewRun(ctx context.Context, st *store.Store, id int64, known *sim.Scenario) (store.Run, *review.Review, error) {
	run, err := st.Run(ctx, id)
	if err != nil {
		return run, nil, err
	}
	sc := known
	if sc == nil || sc.Name != run.Scenario {
		if sc, _, err = RunScenario(ctx, st, run); err != nil {
			return run, nil, fmt.Errorf("review run %d: %w", id, err)
		}
	}
	convs, err := st.Conversations(ctx, id)
	if err != nil {
		return run, nil, err
	}
	convs, openNote := settleOpen(run, convs)
	end := run.Ended
	if end.IsZero() {
		end = time.Now()
	}
	clock := run
	if _, sitting := SittingExam(run); sitting {
		// A sitting records its events, start and end in exam time
		// (sitting.go): its speed says how it ran, and is not to be
		// applied again.
		clock.Speed = 1
	}
	rv, err := review.Evaluate(convs, ReviewOptions(sc, clock, end))
	if err == nil {
		rv.Notes = append(rv.Notes, interruptionNotes(run, sc.Platform.Zone())...)
		if openNote != "" {
			rv.Notes = append(rv.Notes, openNote)
		}
	}
	return run, rv, err
}

// settleOpen judges a run's open conversations as the run stands. A live
// run's are still going: they are left out, as the serving hub's own
// review leaves them (a buyer who has waited a second is not a buyer left
// unanswered). An interrupted run whose hub is gone but that no serve has
// marked yet gets what the mark will record (store.MarkInterrupted):
// the buyer's leave and the close at the interruption, so its figures do
// not change when the next serve opens the file. The conversations given
// are not changed.
func settleOpen(run store.Run, convs []*sim.Conversation) ([]*sim.Conversation, string) {
	ended := func(c *sim.Conversation) bool {
		return slices.ContainsFunc(c.Events, func(e sim.Event) bool { return e.Kind == sim.EventClose })
	}
	switch in := run.Interrupted(); {
	case run.State == store.RunLive:
		kept := make([]*sim.Conversation, 0, len(convs))
		for _, c := range convs {
			if ended(c) {
				kept = append(kept, c)
			}
		}
		if open := len(convs) - len(kept); open > 0 {
			return kept, fmt.Sprintf("the run is live: %d conversations still open are not judged yet", open)
		}
		return kept, ""
	case in != nil && in.Found.IsZero():
		out := make([]*sim.Conversation, len(convs))
		for i, c := range convs {
			out[i] = c
			if !ended(c) {
				cp := *c
				cp.Events = append(slices.Clip(c.Events),
					sim.Event{At: in.At, Sender: sim.SenderCustomer, Kind: sim.EventLeave, Text: sim.LeaveInterrupted},
					sim.Event{At: in.At, Sender: sim.SenderSystem, Kind: sim.EventClose, Text: sim.LeaveInterrupted})
				out[i] = &cp
			}
		}
		return out, ""
	}
	return convs, ""
}

// review returns the review of the {run} of r: live from memory for the
// live run, else from the store.
func (s *Server) review(w http.ResponseWriter, r *http.Request) (store.Run, *review.Review, bool) {
	id, ok := s.runID(w, r)
	if !ok {
		return store.Run{}, nil, false
	}
	if lr := s.current(); lr != nil && lr.run.ID == id {
		rv, err := lr.review(0)
		if err != nil {
			fail(w, http.StatusInternalServerError, "review: %v", err)
			return store.Run{}, nil, false
		}
		return lr.run, rv, true
	}
	var known *sim.Scenario
	if lr := s.current(); lr != nil {
		known = lr.scenario
	}
	run, rv, err := ReviewRun(r.Context(), s.store, id, known)
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

func (s *Server) runReview(w http.ResponseWriter, r *http.Request) {
	run, rv, ok := s.review(w, r)
	if !ok {
		return
	}
	live, _ := s.Run()
	if strings.HasSuffix(r.URL.Path, ".json") {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="run-%d-report.json"`, run.ID))
	}
	writeJSON(w, http.StatusOK, map[string]any{"run": toRunJSON(run, run.ID == live.ID), "review": rv})
}

// trialStatus is a trial run day by day: the live run's from memory, a
// stored run's from the store (its recorded verdict once final). A run
// that is not a trial answers with a null trial and the reason.
func (s *Server) trialStatus(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	if lr := s.current(); lr != nil && lr.run.ID == id {
		rep := TrialReport{RunJSON: toRunJSON(lr.run, true), Scenario: lr.run.Scenario, Seed: lr.run.Seed}
		if !IsTrial(lr.scenario) {
			rep.NotTrial = notTrialWhy(lr.scenario)
			writeJSON(w, http.StatusOK, rep)
			return
		}
		rv, err := lr.review(0)
		if err == nil {
			rep.Status, err = lr.liveTrial(rv, s.cfg.Now())
		}
		if err != nil {
			fail(w, http.StatusInternalServerError, "trial of run %d: %v", id, err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
		return
	}
	rep, err := Trial(r.Context(), s.store, id, s.cfg.Now())
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(w, http.StatusNotFound, "no run %d", id)
	case err != nil:
		fail(w, http.StatusInternalServerError, "trial of run %d: %v", id, err)
	default:
		writeJSON(w, http.StatusOK, rep)
	}
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
		if id.Role == store.RoleAgent {
			// Every conversation it held, as the single conversation's
			// endpoint has it: one it escalated or handed on too.
			if !slices.ContainsFunc(c.HeldBy, func(a string) bool { return ownedBy(a, id.Name) }) {
				continue
			}
			c = forAgent(c)
		}
		out = append(out, c)
	}
	writeJSON(w, http.StatusOK, out)
}

// ownedBy reports whether agent (possibly name/seat) is the token name's.
func ownedBy(agent, name string) bool {
	return agent == name || strings.HasPrefix(agent, name+"/")
}

func csvOut(w http.ResponseWriter, name string, rows [][]string) {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename=%q`, name))
	// A byte-order mark, so spreadsheet programs read the Chinese right.
	w.Write([]byte("\ufeff"))
	cw := csv.NewWriter(w)
	cw.WriteAll(rows)
}

func ff(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func (s *Server) conversationsCSV(w http.ResponseWriter, r *http.Request) {
	run, rv, ok := s.review(w, r)
	if !ok {
		return
	}
	rows := [][]string{{"conversation", "agent", "case", "total", "timeliness", "resolution", "compliance", "communication", "efficiency",
		"correct", "hard_fail", "first_reply_s", "abandoned", "rating", "dispute"}}
	for _, c := range rv.Scores {
		sc := c.Score
		rows = append(rows, []string{c.ID, c.Agent, c.Case, ff(sc.Total), ff(sc.Timeliness), ff(sc.Resolution), ff(sc.Compliance),
			ff(sc.Communication), ff(sc.Efficiency), strconv.FormatBool(sc.Correct), strconv.FormatBool(sc.HardFail),
			ff(c.FirstReply), strconv.FormatBool(c.Abandoned), strconv.Itoa(c.Rating), strconv.FormatBool(c.Dispute)})
	}
	csvOut(w, fmt.Sprintf("run-%d-conversations.csv", run.ID), rows)
}

func (s *Server) statementCSV(w http.ResponseWriter, r *http.Request) {
	run, rv, ok := s.review(w, r)
	if !ok {
		return
	}
	rows := [][]string{{"period", "clause", "kind", "kpi", "measured", "target", "band", "ratio", "amount", "reason", "evidence"}}
	opt := func(p *float64) string {
		if p == nil {
			return ""
		}
		return ff(*p)
	}
	if st := rv.Statement; st != nil {
		for _, it := range st.Items {
			rows = append(rows, []string{it.Period, it.Clause, it.Kind, it.KPI, opt(it.Measured), opt(it.Target), it.Band, opt(it.Ratio),
				it.Amount.String(), it.Reason, strings.Join(it.Evidence, " ")})
		}
		rows = append(rows, []string{"", "total", "", "", "", "", "", "", st.Total.String(), "", ""})
	}
	csvOut(w, fmt.Sprintf("run-%d-statement.csv", run.ID), rows)
}

func (s *Server) conversation(w http.ResponseWriter, r *http.Request) {
	id, ok := s.runID(w, r)
	if !ok {
		return
	}
	if lr := s.current(); lr != nil && lr.run.ID == id {
		// The live run's list is the hub's own view; what it recorded is
		// committed at most 250 ms later. Committed now, the conversation
		// the list just showed is on disk to read (a failed flush leaves
		// the file as it is: what is there is read).
		s.store.Flush(r.Context())
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
	}
	profile := (*sim.PlatformProfile)(nil)
	if run, err := s.store.Run(r.Context(), id); err == nil {
		if sc, err := scenarios.LoadScenario(run.Scenario); err == nil {
			profile = sc.Platform
		}
	}
	// Scored with its case, as the run's review scores it, so the agent's
	// total is the one in the report; what names the case is hidden after.
	score := sim.ScoreConversation(c, profile, sim.DefaultScoreWeights())
	if caller.Role == store.RoleAgent {
		score = agentScore(score)
		c.Case, c.Persona = "", "" // the hidden truth stays hidden from agents
	}
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
	type tok struct {
		ID      int64     `json:"id"`
		Name    string    `json:"name"`
		Role    string    `json:"role"`
		Created time.Time `json:"created"`
	}
	out := []tok{}
	for _, t := range ts {
		out = append(out, tok{t.ID, t.Name, t.Role, t.Created})
	}
	writeJSON(w, http.StatusOK, out)
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

// revokeToken is the admin's "revoke this token": refused from now on, and
// its open WebSocket connections closed.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		fail(w, http.StatusBadRequest, "token %q: want a token ID (GET /api/tokens lists them)", r.PathValue("id"))
		return
	}
	closed, err := s.Revoke(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		fail(w, http.StatusNotFound, "no token %d, or it is revoked already", id)
		return
	case err != nil:
		fail(w, http.StatusInternalServerError, "%v", err)
		return
	}
	s.log.Info("token revoked", "token", id, "by", who(r).Name, "connections_closed", closed)
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "revoked": true, "connections_closed": closed})
}

// assetFS is the pages, embedded.
func assetFS() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// Sample is one point of the dashboard's timeline. Pointers are null
// while there is nothing to measure.
type Sample struct {
	T            time.Time `json:"t"`
	Waiting      int       `json:"waiting"`
	Chatting     int       `json:"chatting"`
	AgentsOnline int       `json:"agents_online"`
	Scored       int       `json:"scored"`
	// First responses of the conversations scored in the last five
	// minutes: median and 90th percentile, seconds.
	FirstP50     *float64 `json:"first_response_p50_s"`
	FirstP90     *float64 `json:"first_response_p90_s"`
	ResponseAvg  *float64 `json:"response_avg_s"`
	Satisfaction *float64 `json:"satisfaction"`
	AbandonRate  *float64 `json:"abandon_rate"`
}

// timelineSpan is how far back the dashboard's charts look.
const timelineSpan = time.Hour

// sample records a timeline point every Sample interval until ctx ends.
func (lr *liveRun) sample(ctx context.Context) {
	t := time.NewTicker(lr.s.cfg.Sample)
	defer t.Stop()
	lr.addSample()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			lr.addSample()
		}
	}
}

func kpiPtr(v sim.KPIValues, id string) *float64 {
	if x, ok := v[id]; ok {
		return &x
	}
	return nil
}

func (lr *liveRun) addSample() {
	now := lr.s.cfg.Now()
	snap := lr.hub.Snapshot()
	sm := Sample{T: now, Waiting: snap.Waiting, Chatting: snap.Chatting}
	for _, a := range snap.Agents {
		if a.Connected && !a.Away {
			sm.AgentsOnline++
		}
	}
	rv, err := lr.review(time.Second)
	if err == nil {
		sm.Scored = rv.Conversations
		sm.ResponseAvg, sm.Satisfaction, sm.AbandonRate = kpiPtr(rv.KPIs, "response_avg_s"), kpiPtr(rv.KPIs, "satisfaction"), kpiPtr(rv.KPIs, "abandon_rate")
		recent := lr.recentFirstReplies(now.Add(-5 * time.Minute))
		if len(recent) > 0 {
			slices.Sort(recent)
			p50, p90 := stat.Quantile(0.5, stat.Empirical, recent, nil), stat.Quantile(0.9, stat.Empirical, recent, nil)
			sm.FirstP50, sm.FirstP90 = &p50, &p90
		}
	}
	lr.mu.Lock()
	defer lr.mu.Unlock()
	cut := now.Add(-timelineSpan)
	i := 0
	for i < len(lr.timeline) && lr.timeline[i].T.Before(cut) {
		i++
	}
	lr.timeline = append(lr.timeline[i:], sm)
}

// recentFirstReplies returns the first-response waits, in seconds, of the
// conversations that ended after since.
func (lr *liveRun) recentFirstReplies(since time.Time) []float64 {
	// Only the tail of finished ended after since; copy just that.
	var recent []*sim.Conversation
	lr.mu.Lock()
	for i := len(lr.finished) - 1; i >= 0; i-- {
		c := lr.finished[i]
		if len(c.Events) == 0 || c.Events[len(c.Events)-1].At.Before(since) {
			break
		}
		recent = append(recent, c)
	}
	lr.mu.Unlock()
	var out []float64
	for _, c := range recent {
		s, _ := sim.SessionOf(c, c.Arrived, false)
		if s.FirstReply >= 0 {
			out = append(out, s.FirstReply)
		}
	}
	return out
}

// runJSON is a run as the API shows it.
type runJSON struct {
	ID       int64  `json:"id"`
	Scenario string `json:"scenario"`
	// Seed is a string: uint64 seeds do not survive JavaScript numbers.
	Seed     uint64     `json:"seed,string"`
	Speed    float64    `json:"speed"`
	Contract string     `json:"contract"`
	Started  time.Time  `json:"started"`
	Ended    *time.Time `json:"ended"`
	Live     bool       `json:"live"`
	// State is live, ended or interrupted (store.RunState).
	State         string             `json:"state"`
	Interruptions []interruptionJSON `json:"interruptions,omitempty"`
}

// interruptionJSON is a stop of a run's hub that did not end it.
type interruptionJSON struct {
	// At is the run's last recorded event before its hub stopped.
	At time.Time `json:"at"`
	// ScenarioElapsed is the scenario time played by then, seconds.
	ScenarioElapsed float64 `json:"scenario_elapsed_s"`
	// Found is when the next serve marked it; null while none has.
	Found *time.Time `json:"found"`
	// Resumed is when serve --resume continued the run; null if not.
	Resumed *time.Time `json:"resumed"`
}

func toRunJSON(r store.Run, live bool) runJSON {
	j := runJSON{ID: r.ID, Scenario: r.Scenario, Seed: r.Seed, Speed: r.Speed, Contract: r.Contract, Started: r.Started, Live: live,
		State: string(r.State)}
	if !r.Ended.IsZero() {
		e := r.Ended
		j.Ended = &e
	}
	switch {
	case live:
		j.State = string(store.RunLive)
	case j.State == "" && j.Ended != nil:
		j.State = string(store.RunEnded)
	case j.State == "":
		j.State = string(store.RunLive)
	}
	opt := func(t time.Time) *time.Time {
		if t.IsZero() {
			return nil
		}
		return &t
	}
	for _, in := range r.Interruptions {
		j.Interruptions = append(j.Interruptions, interruptionJSON{At: in.At, ScenarioElapsed: in.Elapsed.Seconds(),
			Found: opt(in.Found), Resumed: opt(in.Resumed)})
	}
	return j
}

// Target is a contract KPI target for the dashboard's tiles: met at
// Target or better, and "amber" between Target and Amber, close enough to
// a refund to watch.
type Target struct {
	Clause string  `json:"clause"`
	KPI    string  `json:"kpi"`
	Target float64 `json:"target"`
	Better string  `json:"better"` // higher or lower
	Amber  float64 `json:"amber"`
}

// targets reads the KPI targets of a contract's clauses. The amber margin
// is 2 points for rates that are better higher and a fifth of the target
// for the others: a proposal of ours, to be tuned by merchants.
func targets(c *sim.Contract) []Target {
	if c == nil {
		return nil
	}
	var out []Target
	for _, cl := range c.Clauses {
		k, ok := sim.LookupKPI(cl.KPI)
		if !ok {
			continue
		}
		var v *float64
		switch {
		case cl.Basis == sim.BasisBadDays:
			// The KPI is the share of bad days; its limit is a count per
			// day, not a target for the share: none is met but zero.
			zero := 0.0
			v = &zero
		case cl.Target != nil:
			v = cl.Target
		case cl.Threshold != nil:
			v = cl.Threshold
		case cl.Limit != nil:
			v = cl.Limit
		}
		if v == nil {
			continue
		}
		t := Target{Clause: cl.ID, KPI: cl.KPI, Target: *v, Better: "lower", Amber: *v * 0.8}
		if k.Direction == sim.HigherIsBetter {
			t.Better, t.Amber = "higher", min(1, *v+0.02)
		}
		out = append(out, t)
	}
	return out
}

// liveState is what the dashboard shows: the hub now, the review so far,
// the contract's targets and the last hour.
type liveState struct {
	Run           runJSON              `json:"run"`
	Hub           hub.Snapshot         `json:"hub"`
	Review        reviewSummary        `json:"review"`
	Targets       []Target             `json:"targets"`
	Timeline      []Sample             `json:"timeline"`
	Distributions map[string][]float64 `json:"distributions"`
	RefundSoFar   sim.Money            `json:"refund_so_far"`
	Concurrency   int                  `json:"concurrency"`
	// Trial is the trial day by day, for a trial run (IsTrial); the
	// conversation ids behind each gate are left out (counts stay):
	// GET /api/runs/{run}/trial has them.
	Trial *trial.Status `json:"trial,omitempty"`
}

// reviewSummary is a review without its per-conversation scores.
type reviewSummary struct {
	*review.Review
	Scores any `json:"scores,omitempty"`
}

// state is the live state with a review at most maxAge old.
func (lr *liveRun) state(maxAge time.Duration) (*liveState, error) {
	rv, err := lr.review(maxAge)
	if err != nil {
		return nil, err
	}
	st := &liveState{Run: toRunJSON(lr.run, true), Hub: lr.hub.Snapshot(), Review: reviewSummary{Review: rv},
		Targets: targets(lr.scenario.Contract.Contract), Concurrency: lr.concurrency()}
	lr.mu.Lock()
	st.Timeline = slices.Clone(lr.timeline)
	lr.mu.Unlock()
	first, resp := []float64{}, []float64{}
	for _, c := range rv.Scores {
		if c.FirstReply >= 0 {
			first = append(first, c.FirstReply)
		}
	}
	for _, a := range rv.Agents {
		if v, ok := a.KPIs["response_avg_s"]; ok {
			resp = append(resp, v)
		}
	}
	st.Distributions = map[string][]float64{"first_response_s": first, "response_avg_s": resp}
	if rv.Statement != nil {
		st.RefundSoFar = rv.Statement.Total
	}
	if st.Trial, err = lr.liveTrial(rv, lr.s.cfg.Now()); err != nil {
		return nil, err
	}
	if st.Trial != nil {
		for i := range st.Trial.Gates {
			st.Trial.Gates[i].Evidence = nil
		}
		if stmt := st.Trial.Statement; stmt != nil {
			for i := range stmt.Items {
				stmt.Items[i].Evidence = nil
			}
		}
	}
	return st, nil
}

// concurrency is the most chats an agent holds in this run, as the hub
// reckons it.
func (lr *liveRun) concurrency() int {
	if c := lr.s.cfg.Concurrency; c > 0 {
		return c
	}
	if st := lr.scenario.Staffing; st != nil && st.Concurrency > 0 {
		return st.Concurrency
	}
	return sim.DefaultConcurrency
}

// stream sends the live state as server-sent events: at once, at every
// scored conversation and every two seconds, following the live run
// across restarts, until the client goes, the server shuts down or the
// token is revoked (looked up again every half second, so that the
// stream ends within a second of a revocation, docs/live.md).
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		fail(w, http.StatusInternalServerError, "streaming unsupported")
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("X-Accel-Buffering", "no")
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	authTick := time.NewTicker(streamAuthCheck)
	defer authTick.Stop()
	tok := hub.BearerToken(r)
	revoked := func() bool {
		if _, err := s.store.Authenticate(r.Context(), tok); err != nil {
			if errors.Is(err, store.ErrBadToken) {
				fmt.Fprint(w, "event: revoked\ndata: {}\n\n")
				fl.Flush()
			}
			return true
		}
		return false
	}
	for {
		var changed <-chan struct{}
		if lr := s.current(); lr != nil {
			ch, _ := lr.changedCh()
			changed = ch
			st, err := lr.state(time.Second)
			if err != nil {
				fmt.Fprintf(w, "event: error\ndata: %q\n\n", err.Error())
			} else {
				b, _ := json.Marshal(st)
				fmt.Fprintf(w, "event: live\ndata: %s\n\n", b)
			}
		} else {
			fmt.Fprint(w, "event: idle\ndata: {}\n\n")
		}
		fl.Flush()
	wait:
		for {
			select {
			case <-r.Context().Done():
				return
			case <-s.closing:
				return
			case <-authTick.C:
				if revoked() {
					return
				}
				continue wait
			case <-changed:
			case <-tick.C:
			}
			break
		}
	}
}

// streamAuthCheck is how often an event stream looks its token up again.
const streamAuthCheck = 500 * time.Millisecond

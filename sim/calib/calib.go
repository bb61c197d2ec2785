package calib

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/deskdrill/deskdrill/sim"
)

// DefaultMinN is the sample a parameter needs to be fitted on its own: a
// case with fewer conversations, or a level of chats held with fewer
// replies, is marked insufficient and left to the pooled value.
const DefaultMinN = 300

// Options say how to read and judge the conversations.
type Options struct {
	// Profile and Policy are the rules the conversations are scored by
	// (nil: DOMAIN.md's defaults and the default policy).
	Profile *sim.PlatformProfile
	Policy  *sim.MerchantPolicy
	// InferCase guesses the case of a conversation that names none (as
	// kpis --transcripts does); nil leaves such conversations unjudged.
	InferCase func(*sim.Conversation) (caseID string, confident bool)
	// MinN is the sample a parameter needs (DefaultMinN when 0).
	MinN int
	// MaxChats is the most chats held the fit distinguishes (at least 1);
	// 0 takes the most seen. More chats than that count as MaxChats.
	MaxChats int
	// Demand reports whether a buyer's message asks for a supervisor
	// (nil: SupervisorDemand).
	Demand func(text string) bool
	// Workers score conversations in parallel (the scorer is most of a
	// fit's time); 0 or less means one. Demand and InferCase are called
	// from one goroutine.
	Workers int
}

// supervisorWords are the words of a buyer who asks for a supervisor.
var supervisorWords = regexp.MustCompile(`(?i)主管|经理|负责人|领导|上级|能做主|\bsupervisor\b|\bmanager\b|someone who can`)

// SupervisorDemand reports whether text asks for a supervisor: the
// engine's escalation (docs/engine.md), which holds the agent the
// escalation work longer.
func SupervisorDemand(text string) bool { return supervisorWords.MatchString(text) }

// Param is one fitted parameter: its value, 95 % interval and the sample
// behind it. Insufficient parameters (a sample below Options.MinN) are
// printed but stand in for nothing.
type Param struct {
	Name         string  `json:"param"`
	Value        float64 `json:"value"`
	Lo           float64 `json:"ci95_low"`
	Hi           float64 `json:"ci95_high"`
	N            int     `json:"n"`
	Unit         string  `json:"unit"`
	Insufficient bool    `json:"insufficient,omitempty"`
	Note         string  `json:"note,omitempty"`
}

// MarshalJSON writes p with null for what is not a number (an interval
// that could not be computed).
func (p Param) MarshalJSON() ([]byte, error) {
	type plain struct {
		Name         string   `json:"param"`
		Value        *float64 `json:"value"`
		Lo           *float64 `json:"ci95_low"`
		Hi           *float64 `json:"ci95_high"`
		N            int      `json:"n"`
		Unit         string   `json:"unit"`
		Insufficient bool     `json:"insufficient,omitempty"`
		Note         string   `json:"note,omitempty"`
	}
	return json.Marshal(plain{p.Name, finite(p.Value), finite(p.Lo), finite(p.Hi), p.N, p.Unit, p.Insufficient, p.Note})
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

// GoodnessOfFit is a Kolmogorov–Smirnov test of a fitted distribution
// against its uncensored observations.
type GoodnessOfFit struct {
	Dist   string  `json:"distribution"`
	Family string  `json:"family"`
	N      int     `json:"n"`
	D      float64 `json:"ks_d"`
	P      float64 `json:"ks_p"`
}

// Fit is the result of a calibration.
type Fit struct {
	// Conversations read, and of them those an agent picked up and those
	// the agent closed with the buyer still there.
	Conversations int `json:"conversations"`
	PickedUp      int `json:"picked_up"`
	Closed        int `json:"closed"`
	// MinN is the sample a parameter needed.
	MinN          int             `json:"min_n"`
	Params        []Param         `json:"params"`
	GoodnessOfFit []GoodnessOfFit `json:"goodness_of_fit"`
	// Model is the agent model to run the engine with: pooled values,
	// per-case values where a case had the sample, the capacity curve up
	// to the most chats with the sample. Escalation work is not observed
	// and keeps its default.
	Model *sim.AgentModel `json:"-"`
	Notes []string        `json:"notes,omitempty"`
	// judgedByCase counts the conversations behind the accuracy, by case;
	// handleByCase those behind the pooled handle time.
	judgedByCase, handleByCase map[string]int
}

// Param returns the parameter named name.
func (f *Fit) Param(name string) (Param, bool) {
	for _, p := range f.Params {
		if p.Name == name {
			return p, true
		}
	}
	return Param{}, false
}

// minLevel is the fewest replies at a level of chats held that get a
// slowdown of their own in the regression; fewer share the level below.
const minLevel = 10

// ErrTooFew: the conversations cannot support a fit.
var ErrTooFew = errors.New("too few conversations")

// hold is a span of time an agent held a conversation.
type hold struct {
	agent      string
	start, end time.Time
	rank       int // the conversation's arrival rank, for ties at start
}

// step is one stretch of an agent's work: from start (the pick-up or a
// valid reply) the agent works toward the next valid reply, or the close.
type step struct {
	start time.Time
	agent string
	rank  int
}

// reading is what one conversation gives the fit.
type reading struct {
	c       *sim.Conversation
	rank    int
	caseID  string
	effort  float64
	known   bool
	holds   []hold
	replies []replyObs
	// handle: the steps of the agent's work and its end; left when the
	// buyer left before the close, closed when the agent closed.
	pieces       []piece
	closed, left bool
	transferred  bool
	roundWaits   []waitObs
	// demand: the buyer asked for a supervisor before the agent's last
	// valid reply, so the close may carry escalation work.
	demand bool
	// openAtClose: the agent closed with the buyer's last round unanswered.
	openAtClose bool
}

type replyObs struct {
	d        float64 // seconds
	at       step    // the step's start: the chats held then set the pace
	censored bool
	first    bool // the first reply, from the pick-up
}

type piece struct {
	d  float64
	at step
}

type waitObs struct {
	d    float64
	left bool
}

// validReply is the engine's and the platforms' valid reply (sim.SessionOf):
// an agent's own message or action other than the close.
func validReply(e sim.Event) bool {
	return e.Sender == sim.SenderAgent && !e.Auto &&
		(e.Kind == sim.EventMessage || e.Kind == sim.EventAction && !(e.Action != nil && e.Action.Kind == sim.ActClose))
}

func isClose(e sim.Event) bool {
	return e.Kind == sim.EventClose || e.Kind == sim.EventAction && e.Action != nil && e.Action.Kind == sim.ActClose
}

func opensRound(e sim.Event) bool {
	return e.Sender == sim.SenderCustomer && (e.Kind == sim.EventMessage || e.Kind == sim.EventEvidence)
}

func secs(a, b time.Time) float64 { return b.Sub(a).Seconds() }

// read derives what c gives the fit. Its events are in time order.
func read(c *sim.Conversation, rank int, o Options) *reading {
	r := &reading{c: c, rank: rank, caseID: c.Case}
	if r.caseID == "" && o.InferCase != nil {
		if id, sure := o.InferCase(c); sure {
			r.caseID = id
		}
	}
	k, known := sim.LookupCase(r.caseID)
	r.known = known
	r.effort = 1
	if known && k.Effort > 0 {
		r.effort = k.Effort
	}
	ev := c.Events
	closeAt, leaveAt := -1, -1
	for i, e := range ev {
		if closeAt < 0 && isClose(e) {
			closeAt = i
		}
		if leaveAt < 0 && e.Kind == sim.EventLeave {
			leaveAt = i
		}
	}
	r.left = leaveAt >= 0 && (closeAt < 0 || leaveAt < closeAt)
	end := len(ev) - 1 // the last event that belongs to the chat
	switch {
	case r.left:
		end = leaveAt
	case closeAt >= 0:
		end = closeAt
	}
	r.closed = !r.left && closeAt >= 0
	demandFn := o.Demand
	if demandFn == nil {
		demandFn = SupervisorDemand
	}
	lastValid := -1
	for i := 0; i <= end; i++ {
		if validReply(ev[i]) {
			lastValid = i
		}
	}
	for i := 0; i < lastValid; i++ {
		if opensRound(ev[i]) && demandFn(ev[i].Text) {
			r.demand = true
			break
		}
	}

	// Holds: each assignment until the next assignment, requeue or the end.
	for i := 0; i <= end; i++ {
		e := ev[i]
		if e.Kind != sim.EventAssign && e.Kind != sim.EventRequeue {
			continue
		}
		if n := len(r.holds); n > 0 && r.holds[n-1].end.IsZero() {
			r.holds[n-1].end = e.At
			r.transferred = true
		}
		if e.Kind == sim.EventAssign && e.Agent != "" {
			r.holds = append(r.holds, hold{agent: e.Agent, start: e.At, rank: rank})
		}
	}
	if n := len(r.holds); n > 0 && r.holds[n-1].end.IsZero() {
		r.holds[n-1].end = ev[end].At
	}

	// Rounds and their waits, and the agent's steps.
	open := -1
	var cur *step // the step in progress, nil before the pick-up
	var lastReply time.Time
	firstDone := false
	for i := 0; i <= end; i++ {
		e := ev[i]
		switch {
		case e.Kind == sim.EventAssign && e.Agent != "":
			if r.transferred {
				cur = nil
				break
			}
			cur = &step{start: e.At, agent: e.Agent, rank: rank}
		case opensRound(e) && i != closeAt:
			if open < 0 {
				open = i
			}
		case validReply(e):
			if cur != nil {
				r.pieces = append(r.pieces, piece{d: secs(cur.start, e.At), at: *cur})
			}
			if open >= 0 {
				r.roundWaits = append(r.roundWaits, waitObs{d: secs(ev[open].At, e.At)})
				if cur != nil {
					switch {
					case !firstDone:
						// The pick-up to the first reply. Work the engine
						// cut at the handle time shows as the close at the
						// reply's instant.
						cens := closeAt >= 0 && ev[closeAt].At.Equal(e.At)
						r.replies = append(r.replies, replyObs{d: secs(cur.start, e.At), at: *cur, censored: cens, first: true})
					case !lastReply.IsZero():
						// A later round: the buyer's message to the reply,
						// at the pace set when the last reply went out.
						// A message at that very instant means the engine
						// cut the work at the round's share.
						cens := ev[open].At.Equal(lastReply)
						r.replies = append(r.replies, replyObs{d: secs(ev[open].At, e.At), at: *cur, censored: cens})
					}
				}
				open = -1
			}
			if cur != nil {
				firstDone = true
				lastReply = e.At
				cur = &step{start: e.At, agent: cur.agent, rank: rank}
			}
		}
	}
	if open >= 0 {
		d := secs(ev[open].At, ev[end].At)
		r.roundWaits = append(r.roundWaits, waitObs{d: d, left: r.left})
		r.openAtClose = r.closed
		if r.left && cur != nil && !r.transferred {
			// The reply was still being worked on when the buyer left.
			from := ev[open].At
			if !firstDone {
				from = cur.start
			}
			r.replies = append(r.replies, replyObs{d: secs(from, ev[end].At), at: *cur, censored: true, first: !firstDone})
		}
	}
	if cur != nil && !r.transferred && (r.closed || r.left) {
		r.pieces = append(r.pieces, piece{d: secs(cur.start, ev[end].At), at: *cur})
	}
	return r
}

// loads counts the chats each agent holds.
type loads struct {
	byAgent map[string][]hold // sorted by start
	longest map[string]float64
}

func newLoads(rs []*reading) *loads {
	l := &loads{byAgent: map[string][]hold{}, longest: map[string]float64{}}
	for _, r := range rs {
		for _, h := range r.holds {
			l.byAgent[h.agent] = append(l.byAgent[h.agent], h)
			l.longest[h.agent] = max(l.longest[h.agent], secs(h.start, h.end))
		}
	}
	for _, hs := range l.byAgent {
		sort.SliceStable(hs, func(a, b int) bool { return hs[a].start.Before(hs[b].start) })
	}
	return l
}

// at returns the chats the agent of s held when s started: its own chat
// and every other held then. Chats picked up at the same instant count
// when they arrived first (the queue is first come, first served); chats
// that ended at that instant do not.
func (l *loads) at(s step) int {
	hs := l.byAgent[s.agent]
	i := sort.Search(len(hs), func(i int) bool { return hs[i].start.After(s.start) })
	from := s.start.Add(-time.Duration(l.longest[s.agent]*float64(time.Second)) - time.Second)
	n := 1
	for j := i - 1; j >= 0 && !hs[j].start.Before(from); j-- {
		h := hs[j]
		if h.rank == s.rank {
			continue
		}
		if h.start.Equal(s.start) && h.rank > s.rank {
			continue
		}
		if h.end.After(s.start) {
			n++
		}
	}
	return n
}

// Calibrate fits the agent model to convs. Conversations cut off by the
// end or an interruption of their run are left out.
func Calibrate(convs []*sim.Conversation, o Options) (*Fit, error) {
	if o.MinN <= 0 {
		o.MinN = DefaultMinN
	}
	var kept []*sim.Conversation
	for _, c := range convs {
		if !c.CutOff() && len(c.Events) > 0 {
			kept = append(kept, c)
		}
	}
	// Arrival order ranks ties; the input order breaks ties of arrival.
	order := make([]int, len(kept))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return kept[order[a]].Arrived.Before(kept[order[b]].Arrived) })
	rs := make([]*reading, len(kept))
	for rank, i := range order {
		rs[rank] = read(kept[i], rank, o)
	}
	f := &Fit{Conversations: len(kept), MinN: o.MinN}
	for _, r := range rs {
		if len(r.holds) > 0 {
			f.PickedUp++
		}
		if r.closed && len(r.holds) > 0 {
			f.Closed++
		}
	}
	if f.Closed < 10 {
		return nil, fmt.Errorf("calibrate: %w: %d conversations closed by an agent; want at least 10", ErrTooFew, f.Closed)
	}
	ld := newLoads(rs)

	// The chats held at each reply's step, capped.
	maxChats := o.MaxChats
	counts := map[int]int{}
	for _, r := range rs {
		for i := range r.replies {
			counts[ld.at(r.replies[i].at)]++
		}
	}
	if maxChats <= 0 {
		for n := range counts {
			maxChats = max(maxChats, n)
		}
	}
	maxChats = max(1, maxChats)
	level := func(s step) int { return min(ld.at(s), maxChats) }
	// Levels with the sample get their own slowdown; beyond the last
	// contiguous one, they share it.
	fitted := 1
	perLevel := map[int]int{}
	for n, k := range counts {
		perLevel[min(n, maxChats)] += k
	}
	for n := 2; n <= maxChats && perLevel[n] >= minLevel; n++ {
		fitted = n
	}
	// Stage one: the slowdown of each level of chats held, from every
	// reply (first and later, each group with its own mean and its own
	// spread), by a censored regression of the log waits. The spreads
	// must be apart: the model gives first and later replies a cv each,
	// and later waits can be far noisier (a bot's reply that lands just
	// after the buyer wrote, a wait of milliseconds, is a log wait far
	// below the rest); with one σ for both they would swamp the first
	// replies' evidence on the slowdown, and a slowdown wrong by chance
	// is divided out of every first reply at that level below.
	nFirst, nLater := 0, 0
	for _, r := range rs {
		for _, ro := range r.replies {
			if ro.d > 0 && !ro.censored {
				if ro.first {
					nFirst++
				} else {
					nLater++
				}
			}
		}
	}
	later := nLater >= minLevel && nFirst >= minLevel // a column for later replies
	off := 1                                          // the first dummy of a level
	if later {
		off = 2
	}
	p := off + fitted - 1
	var data []obs
	var firsts []bool
	var levels []int
	for _, r := range rs {
		for _, ro := range r.replies {
			if !(ro.d > 0) {
				continue // no time at all: the engine cut the work to nothing
			}
			x := make([]float64, p)
			x[0] = 1
			group := 0
			if later && !ro.first {
				x[1], group = 1, 1
			}
			n := min(level(ro.at), fitted)
			if n >= 2 {
				x[off+n-2] = 1
			}
			data = append(data, obs{y: math.Log(ro.d), x: x, censored: ro.censored, group: group})
			firsts, levels = append(firsts, ro.first), append(levels, n)
		}
	}
	reg, err := fitRegression(data, p)
	if err != nil {
		return nil, fmt.Errorf("calibrate: reply work: %w", err)
	}
	if !reg.converged {
		f.Notes = append(f.Notes, "the reply-work fit did not converge to the gradient threshold; its values are the best found")
	}
	beta := func(n int) float64 {
		if n < 2 {
			return 0
		}
		return reg.beta[off+min(n, fitted)-2]
	}
	slow := func(n int) float64 { return math.Exp(beta(n)) }
	if m := perLevel[1]; m < o.MinN {
		f.Notes = append(f.Notes, fmt.Sprintf("only %d replies with one chat held: the reply work rests on the other levels", m))
	}
	capacity := []float64{1}
	for n := 2; n <= maxChats; n++ {
		prm := Param{Name: fmt.Sprintf("capacity[%d]", n), N: perLevel[n], Unit: "factor",
			Note: fmt.Sprintf("throughput of %d chats relative to one: %d ÷ the slowdown", n, n)}
		if n <= fitted {
			b, bLo, bHi := reg.coef(off + n - 2)
			prm.Value, prm.Lo, prm.Hi = float64(n)*math.Exp(-b), float64(n)*math.Exp(-bHi), float64(n)*math.Exp(-bLo)
		} else {
			prm.Value, prm.Lo, prm.Hi = math.NaN(), math.NaN(), math.NaN()
		}
		prm.Insufficient = perLevel[n] < o.MinN
		f.Params = append(f.Params, prm)
	}
	for n := 2; n <= fitted; n++ {
		prm, _ := f.Param(fmt.Sprintf("capacity[%d]", n))
		if prm.Insufficient {
			// The curve cannot skip a level: a level above with the
			// sample is left out, and says why.
			for m := n + 1; m <= fitted; m++ {
				if above, _ := f.Param(fmt.Sprintf("capacity[%d]", m)); !above.Insufficient {
					f.Notes = append(f.Notes, fmt.Sprintf("capacity[%d] has the sample (%d replies) but capacity[%d] has not (%d): the model's curve stops at %d chats, as a curve cannot skip a level", m, above.N, n, prm.N, n-1))
				}
			}
			break
		}
		c := min(float64(n), max(prm.Value, capacity[n-2]))
		if c != prm.Value {
			f.Notes = append(f.Notes, fmt.Sprintf("capacity[%d] %.3f is held to %.3f in the model: a curve never falls and n chats do at most n times the work of one", n, prm.Value, c))
		}
		capacity = append(capacity, round3(c))
	}
	// Stage two: the work of the first reply and of later replies, each a
	// log-normal fitted to its waits with the slowdown taken out.
	fitWork := func(name string, first bool) (*regression, int, error) {
		var d []obs
		var xs []float64
		var cs []bool
		for i, o := range data {
			if firsts[i] != first {
				continue
			}
			y := o.y - beta(levels[i])
			d = append(d, obs{y: y, x: []float64{1}, censored: o.censored})
			xs, cs = append(xs, math.Exp(y)), append(cs, o.censored)
		}
		w, err := fitRegression(d, 1)
		if err != nil {
			return nil, len(d), fmt.Errorf("calibrate: %s: %w", name, err)
		}
		mean, lo, hi := w.logNormalMean([]float64{1})
		cv, cvLo, cvHi := w.cv()
		note := "work from the pick-up to the first valid reply with one chat held"
		if !first {
			note = "work from a later round's buyer message to the reply with one chat held"
		}
		f.Params = append(f.Params,
			Param{Name: name + ".mean", Value: mean, Lo: lo, Hi: hi, N: len(d), Unit: "s",
				Note: fmt.Sprintf("%s; %d of the waits censored", note, w.nCens)},
			Param{Name: name + ".cv", Value: cv, Lo: cvLo, Hi: cvHi, N: len(d), Unit: "ratio"})
		g := GoodnessOfFit{Dist: name, Family: "lognormal"}
		g.D, g.P, g.N = ksCensored(xs, cs, distuv.LogNormal{Mu: w.beta[0], Sigma: w.sigma}.CDF)
		f.GoodnessOfFit = append(f.GoodnessOfFit, g)
		return w, len(d), nil
	}
	firstFit, _, err := fitWork("first_reply", true)
	if err != nil {
		return nil, err
	}
	var laterFit *regression
	if later {
		if laterFit, _, err = fitWork("reply", false); err != nil {
			return nil, err
		}
	}
	lnDist := func(name string, r *regression) sim.Dist {
		mean, _, _ := r.logNormalMean([]float64{1})
		cv, _, _ := r.cv()
		return sim.Lognormal(dur(mean), f.modelCV(name, cv))
	}

	model := &sim.AgentModel{
		FirstReply:     lnDist("first_reply", firstFit),
		EscalationWork: sim.DefaultAgentModel().EscalationWork,
		Capacity:       capacity,
		Cases:          map[string]sim.AgentCase{},
	}
	if laterFit != nil {
		d := lnDist("reply", laterFit)
		model.Reply = &d
	}

	// Handle times: the steps divided by their slowdowns.
	type handle struct {
		y      float64 // log seconds
		cens   bool
		caseID string
		effort float64
	}
	var handles []handle
	var rounds []float64
	type work struct {
		r          *reading
		h, tail    float64
		multiRound bool
	}
	var works []work
	var tailsD, tailsN []float64 // the close's piece after a supervisor demand, and without one
	for _, r := range rs {
		if r.transferred || len(r.pieces) == 0 || !(r.closed || r.left) {
			continue
		}
		w := work{r: r, multiRound: len(r.roundWaits) >= 2}
		for _, pc := range r.pieces {
			w.h += pc.d / slow(ld.at(pc.at))
		}
		if !(w.h > 0) {
			continue
		}
		if last := r.pieces[len(r.pieces)-1]; r.closed {
			w.tail = last.d / slow(ld.at(last.at))
			if w.multiRound {
				if r.demand {
					tailsD = append(tailsD, w.tail)
				} else {
					tailsN = append(tailsN, w.tail)
				}
			}
		}
		works = append(works, w)
		if r.closed {
			n := len(r.roundWaits)
			if r.openAtClose {
				n-- // that round is the close's, below
			}
			rounds = append(rounds, float64(n))
		}
	}
	// Escalation work: how much longer the close takes after a buyer asked
	// for a supervisor than without, in conversations of several rounds
	// (where the engine's close follows the last reply with no work of its
	// own). It is taken off the handle time of those conversations.
	esc := 0.0
	escPrm := Param{Name: "escalation_work", N: len(tailsD), Unit: "s", Insufficient: len(tailsD) < o.MinN,
		Note: "the close's extra work after a buyer asked for a supervisor: the mean time from the last reply to the close with the demand, less without"}
	if len(tailsD) >= 2 && len(tailsN) >= 2 {
		md, sdd := stat.MeanStdDev(tailsD, nil)
		mn, sdn := stat.MeanStdDev(tailsN, nil)
		esc = max(0, md-mn)
		se := math.Sqrt(sdd*sdd/float64(len(tailsD)) + sdn*sdn/float64(len(tailsN)))
		escPrm.Value, escPrm.Lo, escPrm.Hi = esc, max(0, md-mn-z95*se), max(0, md-mn+z95*se)
	} else {
		escPrm.Value, escPrm.Lo, escPrm.Hi, escPrm.Insufficient = math.NaN(), math.NaN(), math.NaN(), true
	}
	for _, w := range works {
		h := w.h
		if w.r.closed && w.r.demand {
			h = max(h-esc, h*1e-3)
		}
		handles = append(handles, handle{y: math.Log(h), cens: w.r.left, caseID: w.r.caseID, effort: w.r.effort})
	}
	// fitHandle fits a log-normal to the handle times sel picks, each
	// divided by its case's effort when scaled, and tests it.
	fitHandle := func(name string, sel func(handle) bool, scaled bool) (*regression, int, GoodnessOfFit, error) {
		var d []obs
		var xs []float64
		var cs []bool
		for _, h := range handles {
			if !sel(h) {
				continue
			}
			y := h.y
			if scaled {
				y -= math.Log(h.effort)
			}
			d = append(d, obs{y: y, x: []float64{1}, censored: h.cens})
			xs, cs = append(xs, math.Exp(y)), append(cs, h.cens)
		}
		reg, err := fitRegression(d, 1)
		if err != nil {
			return nil, len(d), GoodnessOfFit{}, fmt.Errorf("%s: %w", name, err)
		}
		ln := distuv.LogNormal{Mu: reg.beta[0], Sigma: reg.sigma}
		g := GoodnessOfFit{Dist: name, Family: "lognormal"}
		g.D, g.P, g.N = ksCensored(xs, cs, ln.CDF)
		return reg, len(d), g, nil
	}
	// The pooled handle time serves the cases without one of their own:
	// fitted over them alone, so that a case of another scale (a short
	// pre-sales answer) does not pull it.
	perCaseN := map[string]int{}
	for _, h := range handles {
		perCaseN[h.caseID]++
	}
	own := func(id string) bool {
		_, known := sim.LookupCase(id)
		return known && perCaseN[id] >= o.MinN
	}
	rest := func(h handle) bool { return !own(h.caseID) }
	restN := 0
	for _, h := range handles {
		if rest(h) {
			restN++
		}
	}
	if restN < minLevel {
		rest = func(handle) bool { return true }
		f.Notes = append(f.Notes, "every case has a handle time of its own: the pooled one is fitted over all of them")
	}
	f.handleByCase = map[string]int{}
	for _, h := range handles {
		if rest(h) {
			f.handleByCase[h.caseID]++
		}
	}
	hReg, hN, hGof, err := fitHandle("handle_time", rest, true)
	if err != nil {
		return nil, fmt.Errorf("calibrate: %w", err)
	}
	hm, hlo, hhi := hReg.logNormalMean([]float64{1})
	hcv, hcvLo, hcvHi := hReg.cv()
	f.Params = append(f.Params,
		Param{Name: "handle_time.mean", Value: hm, Lo: hlo, Hi: hhi, N: hN, Unit: "s",
			Note: fmt.Sprintf("pick-up to close with one chat held, for a case of effort 1 (each case divided by its effort), over the cases without a handle time of their own; %d censored by a leave", hReg.nCens)},
		Param{Name: "handle_time.cv", Value: hcv, Lo: hcvLo, Hi: hcvHi, N: hN, Unit: "ratio"})
	f.GoodnessOfFit = append(f.GoodnessOfFit, hGof)
	model.HandleTime = sim.Lognormal(dur(hm), f.modelCV("handle_time", hcv))
	f.Params = append(f.Params, escPrm)
	if !escPrm.Insufficient && esc > 0 {
		model.EscalationWork = dur(esc)
	}
	if len(rounds) > 0 {
		rm, rlo, rhi := meanCI(rounds)
		f.Params = append(f.Params, Param{Name: "rounds", Value: rm, Lo: rlo, Hi: rhi, N: len(rounds), Unit: "rounds",
			Note: "buyer turns of the conversations the agent closed"})
		model.Rounds = math.Max(1, round3(rm))
	}
	closes, open := 0, 0
	for _, w := range works {
		if w.r.closed {
			closes++
			if w.r.openAtClose {
				open++
			}
		}
	}
	if closes > 0 {
		u, ulo, uhi := wilson(open, closes)
		f.Params = append(f.Params, Param{Name: "unanswered_close", Value: u, Lo: ulo, Hi: uhi, N: closes, Unit: "share",
			Note: "conversations the agent closed with the buyer's last message unanswered"})
		model.UnansweredClose = round3(u)
	}

	// Accuracy and hard fails of the conversations the agent closed.
	verdicts := score(rs, sim.ScoreRules{Profile: o.Profile, Policy: o.Policy}, o.Workers)
	judged, correct, hard := 0, 0, 0
	perCase := map[string]*[2]int{} // judged, correct
	for i, r := range rs {
		if !r.closed || len(r.holds) == 0 {
			continue
		}
		sc := verdicts[i]
		if sc.HardFail {
			hard++
		}
		if !r.known {
			continue
		}
		judged++
		pc := perCase[r.caseID]
		if pc == nil {
			pc = &[2]int{}
			perCase[r.caseID] = pc
		}
		pc[0]++
		if sc.Correct {
			correct++
			pc[1]++
		}
	}
	closedN := 0
	for _, r := range rs {
		if r.closed && len(r.holds) > 0 {
			closedN++
		}
	}
	if judged > 0 {
		a, alo, ahi := wilson(correct, judged)
		f.Params = append(f.Params, Param{Name: "accuracy", Value: a, Lo: alo, Hi: ahi, N: judged, Unit: "share",
			Note: "correct handlings (the scorer's verdict) of the closed conversations of a known case, pooled over cases"})
	} else {
		f.Notes = append(f.Notes, "no closed conversation names a known case: accuracy is not fitted (the default stands)")
	}
	hf, hflo, hfhi := wilson(hard, closedN)
	f.Params = append(f.Params, Param{Name: "hard_fail_rate", Value: hf, Lo: hflo, Hi: hfhi, N: closedN, Unit: "share",
		Note: "hard fails among the conversations the agent closed (the engine does not model them)"})

	// Per case: handle time and accuracy where the sample allows.
	ids := make([]string, 0, len(perCase))
	seen := map[string]bool{}
	for _, h := range handles {
		if h.caseID != "" && !seen[h.caseID] {
			seen[h.caseID] = true
			ids = append(ids, h.caseID)
		}
	}
	for id := range perCase {
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(a, b int) bool { return caseOrder(ids[a]) < caseOrder(ids[b]) })
	restJ, restC := 0, 0
	var restSel []string
	for _, id := range ids {
		if _, ok := sim.LookupCase(id); !ok {
			continue
		}
		ac := sim.AgentCase{}
		own := false
		reg, n, gof, err := fitHandle("cases."+id+".handle_time", func(h handle) bool { return h.caseID == id }, false)
		prm := Param{Name: "cases." + id + ".handle_time.mean", N: n, Unit: "s", Insufficient: n < o.MinN}
		if err != nil {
			prm.Value, prm.Lo, prm.Hi, prm.Insufficient = math.NaN(), math.NaN(), math.NaN(), true
			f.Params = append(f.Params, prm)
		} else {
			prm.Value, prm.Lo, prm.Hi = reg.logNormalMean([]float64{1})
			cvp := Param{Name: "cases." + id + ".handle_time.cv", N: n, Unit: "ratio", Insufficient: prm.Insufficient}
			cvp.Value, cvp.Lo, cvp.Hi = reg.cv()
			f.Params = append(f.Params, prm, cvp)
			if !prm.Insufficient {
				f.GoodnessOfFit = append(f.GoodnessOfFit, gof)
				ht := sim.Lognormal(dur(prm.Value), f.modelCV("cases."+id+".handle_time", cvp.Value))
				ac.HandleTime, own = &ht, true
			}
		}
		if pc := perCase[id]; pc != nil {
			a, alo, ahi := wilson(pc[1], pc[0])
			ap := Param{Name: "cases." + id + ".accuracy", Value: a, Lo: alo, Hi: ahi, N: pc[0], Unit: "share", Insufficient: pc[0] < o.MinN}
			f.Params = append(f.Params, ap)
			if !ap.Insufficient {
				v := round3(a)
				ac.Accuracy, own = &v, true
			} else {
				restJ += pc[0]
				restC += pc[1]
				restSel = append(restSel, id)
			}
		}
		if own {
			model.Cases[id] = ac
		}
	}
	// The default accuracy serves the cases without their own.
	switch {
	case restJ > 0:
		model.Accuracy = round3(float64(restC) / float64(restJ))
	case judged > 0:
		model.Accuracy = round3(float64(correct) / float64(judged))
	default:
		model.Accuracy = sim.DefaultAgentModel().Accuracy
	}
	if len(model.Cases) == 0 {
		model.Cases = nil
	}
	if err := model.Validate(); err != nil {
		return nil, fmt.Errorf("calibrate: the fitted model is not valid: %w", err)
	}
	f.Model = model
	f.judgedByCase = map[string]int{}
	for id, pc := range perCase {
		f.judgedByCase[id] = pc[0]
	}

	// Patience: time waited before leaving, over every round's wait.
	var waits []waitObs
	for _, r := range rs {
		waits = append(waits, r.roundWaits...)
	}
	f.Params = append(f.Params, patience(waits, o.MinN)...)
	return f, nil
}

// modelCV is the cv the model gets for the log-normal fitted as name: the
// fitted cv, held to sim.MaxCV with a note when it lies beyond what the
// model allows. Such a cv says the log-normal is the wrong shape for the
// waits (its goodness of fit says so too), not that no model can be
// written: the parameter keeps its fitted value, and the fit goes on.
func (f *Fit) modelCV(name string, cv float64) float64 {
	if cv > sim.MaxCV {
		f.Notes = append(f.Notes, fmt.Sprintf("%s.cv %.3f is held to %v in the model, the most a log-normal may have: the waits are far from log-normal (see its goodness of fit), and the model keeps the fitted mean", name, cv, sim.MaxCV))
		return sim.MaxCV
	}
	return round3(cv)
}

// patience fits the time a waiting buyer stays before leaving.
func patience(waits []waitObs, minN int) []Param {
	total, leaves := 0.0, 0
	for _, w := range waits {
		total += max(0, w.d)
		if w.left {
			leaves++
		}
	}
	note := "time a waiting buyer stays before leaving, from every round's wait (a reply censors it): exponential maximum likelihood, time waited ÷ leaves, chi-square interval"
	if leaves == 0 {
		return []Param{{Name: "patience.mean", Value: math.NaN(), Lo: math.NaN(), Hi: math.NaN(), N: 0, Unit: "s", Insufficient: true,
			Note: "no buyer left while waiting: patience cannot be estimated (only that it exceeds the waits seen)"}}
	}
	k := float64(leaves)
	lo := 2 * total / distuv.ChiSquared{K: 2 * k}.Quantile(0.975)
	hi := 2 * total / distuv.ChiSquared{K: 2 * k}.Quantile(0.025)
	out := []Param{{Name: "patience.mean", Value: total / k, Lo: lo, Hi: hi, N: leaves, Unit: "s", Insufficient: leaves < minN, Note: note}}
	med, ok := kaplanMeierMedian(waits)
	if ok {
		out = append(out, Param{Name: "patience.median", Value: med, Lo: math.NaN(), Hi: math.NaN(), N: leaves, Unit: "s", Insufficient: leaves < minN,
			Note: "Kaplan–Meier median of the same waits (no interval)"})
	}
	return out
}

// kaplanMeierMedian is the median of the product-limit estimate, when the
// survival falls to one half.
func kaplanMeierMedian(waits []waitObs) (float64, bool) {
	ws := append([]waitObs(nil), waits...)
	sort.Slice(ws, func(a, b int) bool { return ws[a].d < ws[b].d })
	s, atRisk := 1.0, float64(len(ws))
	for i := 0; i < len(ws); {
		j, d := i, 0
		for j < len(ws) && ws[j].d == ws[i].d {
			if ws[j].left {
				d++
			}
			j++
		}
		if d > 0 {
			s *= 1 - float64(d)/atRisk
			if s <= 0.5 {
				return ws[i].d, true
			}
		}
		atRisk -= float64(j - i)
		i = j
	}
	return 0, false
}

func unit(p, j int) []float64 {
	c := make([]float64, p)
	c[j] = 1
	return c
}

// dur turns seconds into a duration rounded to the millisecond.
func dur(s float64) time.Duration {
	return time.Duration(math.Round(s*1000)) * time.Millisecond
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

func caseOrder(id string) int {
	for i, c := range sim.CaseIDs() {
		if c == id {
			return i
		}
	}
	return len(sim.CaseIDs())
}

// verdict is what the fit takes of a conversation's score.
type verdict struct{ Correct, HardFail bool }

// score judges the conversations the agent closed, in parallel on
// workers goroutines; verdicts are by index, the same whatever the
// number of workers.
func score(rs []*reading, rules sim.ScoreRules, workers int) []verdict {
	out := make([]verdict, len(rs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			for i := range jobs {
				r := rs[i]
				c := r.c
				if r.caseID != c.Case {
					cp := *c
					cp.Case = r.caseID
					c = &cp
				}
				sc := sim.ScoreConversationBy(c, rules)
				out[i] = verdict{Correct: sc.Correct, HardFail: sc.HardFail}
			}
		})
	}
	for i, r := range rs {
		if r.closed && len(r.holds) > 0 {
			jobs <- i
		}
	}
	close(jobs)
	wg.Wait()
	return out
}

package des

import (
	"fmt"
	"math"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Model is a scenario compiled for the engine: the arrival process as
// pieces of constant rate, samplers for every distribution, the case and
// persona mixes as cumulative weights. Build it once with [Compile] (or
// [Stationary]) and run it many times; it is immutable and safe for
// concurrent use by several engines.
type Model struct {
	scenario *sim.Scenario // nil for a stationary model
	start    time.Time
	cal      *sim.Calendar
	horizon  float64 // arrivals stop here, seconds from start
	pieces   []piece
	mixes    []caseMix
	cases    []caseModel
	personas []sim.Persona
	pcum     []float64     // cumulative persona weights, normalised
	patience []sim.Sampler // per persona

	firstReply  sim.Sampler
	reply       sim.Sampler // later replies
	rounds      float64
	unanswered  float64 // share of closes on an unanswered buyer message
	escWork     float64
	capacity    []float64
	concurrency int
	staffing    []sim.StaffInterval
	constAgents int // stationary: agents on duty throughout

	outcome    *sim.Outcome // nil: no outcome model (stationary)
	profile    *sim.PlatformProfile
	contract   *sim.Contract
	aovMu      float64
	aovSig     float64
	paidOrders float64 // of the period
	days       float64 // business days of the period
	period     string  // the contract period the run stands for
}

type piece struct {
	end  float64 // seconds from start
	rate float64 // arrivals per second
	mix  int32
}

type caseMix struct {
	cum   []float64
	cases []int32
}

type caseModel struct {
	id       string
	handle   sim.Sampler
	accuracy float64
	presales bool
}

// Compile checks the scenario and compiles it. The scenario's contract,
// when it names one, must be resolved (package scenarios does that).
func Compile(s *sim.Scenario) (*Model, error) {
	if err := s.Validate(); err != nil {
		return nil, fmt.Errorf("compile scenario %s: %w", s.Name, err)
	}
	if s.Contract.Name != "" && s.Contract.Contract == nil {
		return nil, fmt.Errorf("compile scenario %s: contract %q is not resolved", s.Name, s.Contract.Name)
	}
	start, end := s.StartTime(), s.EndTime()
	m := &Model{
		scenario:    s,
		start:       start,
		horizon:     end.Sub(start).Seconds(),
		firstReply:  sim.NewSampler(s.Agent.FirstReply),
		reply:       sim.NewSampler(s.Agent.ReplyWork()),
		rounds:      s.Agent.Rounds,
		unanswered:  s.Agent.UnansweredClose,
		escWork:     s.Agent.EscalationWork.Seconds(),
		capacity:    s.Agent.Capacity,
		concurrency: s.Staffing.Concurrency,
		staffing:    s.Staffing.Intervals,
		outcome:     s.Outcome,
		profile:     s.Platform,
		contract:    s.Contract.Contract,
	}
	// The calendar covers the run and a week of draining after it.
	m.cal = sim.NewCalendar(start, s.Duration+7*24*time.Hour)
	caseIndex := map[string]int32{}
	for _, c := range sim.Cases() {
		caseIndex[c.ID] = int32(len(m.cases))
		m.cases = append(m.cases, caseModel{
			id: c.ID, handle: sim.NewSampler(s.Agent.HandleTimeFor(c.ID)),
			accuracy: s.Agent.AccuracyFor(c.ID), presales: c.Presales,
		})
	}
	for _, p := range s.ArrivalRate().Pieces(start, end) {
		cm := caseMix{}
		acc := 0.0
		for _, sh := range p.Mix.Shares() {
			acc += sh.Share
			cm.cum = append(cm.cum, acc)
			cm.cases = append(cm.cases, caseIndex[sh.ID])
		}
		if n := len(cm.cum); n > 0 {
			cm.cum[n-1] = 1 // no gap from rounding
		}
		m.mixes = append(m.mixes, cm)
		m.pieces = append(m.pieces, piece{end: p.To.Sub(start).Seconds(), rate: p.PerHour / 3600, mix: int32(len(m.mixes) - 1)})
	}
	m.personas = s.Personas
	shares := s.PersonaShares()
	acc := 0.0
	for i, p := range s.Personas {
		acc += shares[i]
		m.pcum = append(m.pcum, acc)
		m.patience = append(m.patience, sim.NewSampler(p.Patience))
	}
	m.pcum[len(m.pcum)-1] = 1
	// Order values are lognormal with CV 1 around the store's mean.
	m.aovSig = math.Sqrt(math.Log(2))
	m.aovMu = math.Log(float64(s.Store.AverageOrderValue)) - m.aovSig*m.aovSig/2
	days := s.Duration.Hours() / 24
	m.paidOrders = s.Store.PaidOrdersPerDay * days
	d0, _ := m.cal.Local(0)
	d1, _ := m.cal.Local(math.Max(0, m.horizon-1e-3))
	m.days = float64(d1 - d0 + 1)
	m.period = start.Format("2006-01")
	// A scenario no longer than the contract's trial stands for the trial.
	if c := m.contract; c != nil && c.Trial != nil && s.Duration <= time.Duration(c.Trial.Weeks)*7*24*time.Hour {
		m.period = sim.TrialPeriod
	}
	return m, nil
}

// Scenario returns the scenario the model was compiled from (nil for a
// stationary model).
func (m *Model) Scenario() *sim.Scenario { return m.scenario }

// StationaryConfig is one stationary M/M/c(+M) queue: Poisson arrivals,
// exponential handle times, one chat per agent, and exponential patience
// (none when Patience is 0).
type StationaryConfig struct {
	ArrivalsPerHour float64
	AHT             time.Duration
	Agents          int
	Patience        time.Duration
}

// Stationary builds the model of a stationary queue. It runs on the same
// engine as a scenario: one arrival piece without end, one case, one
// persona that leaves when its patience first runs out, a single round
// whose reply comes at pick-up, and a constant staff.
func Stationary(c StationaryConfig) (*Model, error) {
	switch {
	case !(c.ArrivalsPerHour > 0) || math.IsInf(c.ArrivalsPerHour, 0):
		return nil, fmt.Errorf("arrivals %v/h: want a rate above zero", c.ArrivalsPerHour)
	case c.AHT <= 0:
		return nil, fmt.Errorf("handle time %v: want a duration above zero", c.AHT)
	case c.Agents < 1:
		return nil, fmt.Errorf("agents %d: want at least 1", c.Agents)
	case c.Patience < 0:
		return nil, fmt.Errorf("patience %v: must not be negative", c.Patience)
	}
	p := sim.DefaultPersona()
	p.Name, p.Nudges, p.Ladder = "stationary", 0, nil
	p.Patience = sim.Dist{} // no patience: never fires
	if c.Patience > 0 {
		p.Patience = sim.Exponential(c.Patience)
	}
	m := &Model{
		start:       time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC),
		horizon:     math.Inf(1),
		pieces:      []piece{{end: math.Inf(1), rate: c.ArrivalsPerHour / 3600}},
		mixes:       []caseMix{{cum: []float64{1}, cases: []int32{0}}},
		cases:       []caseModel{{id: "stationary", handle: sim.NewSampler(sim.Exponential(c.AHT)), accuracy: 1}},
		personas:    []sim.Persona{p},
		pcum:        []float64{1},
		patience:    []sim.Sampler{sim.NewSampler(p.Patience)},
		firstReply:  sim.NewSampler(sim.Constant(0)),
		reply:       sim.NewSampler(sim.Constant(0)),
		rounds:      1,
		capacity:    []float64{1},
		concurrency: 1,
		constAgents: c.Agents,
		aovMu:       0,
	}
	m.cal = sim.NewCalendar(m.start, 0)
	return m, nil
}

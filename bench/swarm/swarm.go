// Package swarm runs synthetic customers against a deskdrill hub over
// WebSocket: they arrive by the scenario's arrival process (surges
// included, time compressed by a speed), and each behaves by the sim
// customer model (persona, patience per turn, nudges, disclosure only when
// asked, tension, acceptance or dispute, a rating at the end), speaking
// zh-CN or English from the phrase banks. The swarm is open-loop: a
// customer arrives when the arrival process says, whether or not the hub
// keeps up, so overload shows as waiting, not as a slower load.
package swarm

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// Config configures a swarm.
type Config struct {
	// URL is the hub's customer endpoint, ws://HOST/ws/customer.
	URL   string
	Token string
	// Scenario drives arrivals, the contact mix, personas and the outcome
	// model.
	Scenario *sim.Scenario
	Seed     uint64
	// Speed compresses the scenario's clock for arrivals: 60 runs an hour
	// of arrivals in a minute. 0 takes the scenario's own speed.
	Speed float64
	// Count stops after this many customers (0: the scenario's whole
	// duration).
	Count int
	// Resume is the scenario time already played by an interrupted run
	// that goes on: the customers who arrive before it are drawn but not
	// sent, so the swarm sends the very customers the run would have sent
	// after it, with the same numbers and seeds, starting now. Count
	// includes the ones not sent.
	Resume time.Duration
	// ZhShare is the share of customers writing zh-CN, the rest English
	// (default 0.85).
	ZhShare float64
	// PatienceScale multiplies every patience draw (default 1). Demos with
	// people may lengthen patience; capacity tests leave it.
	PatienceScale float64
	// TimeScale is how many scenario seconds pass in a second of the
	// customers' clock (default 1): a run whose hub clock runs that much
	// faster than the wall clock (web.Config.Now, a compressed calibration
	// run) has buyers whose patience runs out that much sooner and whose
	// waits, as the outcome model judges them, are that much longer, so
	// they behave as in a run of real time. Arrivals keep Speed.
	TimeScale float64
	// Bank holds the phrase banks (default phrases.Default()).
	Bank   *phrases.Bank
	Logger *slog.Logger
	// OnArrive and OnDone, when set, are called as customers start and end
	// (progress bars).
	OnArrive, OnDone func()
	// Arrivals, when set, replaces the scenario's arrival process (a load
	// drill's stages): customer i arrives Arrivals(i) after the start, and
	// there is none when ok is false. Its scenario time is the scenario's
	// start plus that duration times Speed, and its draws are customer
	// i's, as always.
	Arrivals func(i uint64) (due time.Duration, ok bool)
	// ShardIndex and ShardOf send only the customers i with i mod ShardOf
	// = ShardIndex (ShardOf 0 or 1: all), with the numbers, arrival times
	// and seeds they have in the whole swarm: the shards of a swarm
	// together send exactly the customers it would send alone.
	ShardIndex, ShardOf int
	// OnFirstReply, when set, is called once per customer with its wait
	// from its first message to the agent's first reply (wall clock).
	OnFirstReply func(time.Duration)
}

// Summary is a swarm's result.
type Summary struct {
	Seed      uint64 `json:"seed"`
	Arrived   int64  `json:"arrived"`
	Finished  int64  `json:"finished"`
	Abandoned int64  `json:"abandoned"`
	// Failed counts the customers who could not finish: connection failed
	// or lost, the hub closed, or the run ended while they were under way.
	// Arrived = Finished (abandoned included) + Failed once Run returns.
	Failed int64 `json:"failed"`
	// NotConnected counts the failed whose connection could not be
	// opened at all; FirstConnectError is the first such error.
	NotConnected      int64         `json:"not_connected"`
	FirstConnectError string        `json:"first_connect_error,omitempty"`
	Sent              int64         `json:"frames_sent"`
	Received          int64         `json:"frames_received"`
	Errors            int64         `json:"errors"`
	Disputes          int64         `json:"disputes"`
	Elapsed           time.Duration `json:"elapsed_ns"`
}

// Swarm is a running swarm; create it with New.
type Swarm struct {
	cfg      Config
	scenario *sim.Scenario
	rate     *sim.ArrivalRate
	personas []sim.Persona
	patience map[string]*sim.Sampler
	bank     *phrases.Bank
	dialer   *websocket.Dialer
	header   http.Header
	log      *slog.Logger
	stats    struct {
		arrived, finished, abandoned, failed atomic.Int64
		sent, received, errors, disputes     atomic.Int64
		notConnected                         atomic.Int64
		firstConnectErr                      atomic.Pointer[string]
	}
}

// New checks cfg and prepares a swarm.
func New(cfg Config) (*Swarm, error) {
	if cfg.URL == "" || cfg.Scenario == nil {
		return nil, errors.New("new swarm: a hub URL and a scenario are required")
	}
	if cfg.Speed == 0 {
		cfg.Speed = cfg.Scenario.Speed
	}
	if !(cfg.Speed > 0) {
		return nil, fmt.Errorf("new swarm: speed %v: want above zero", cfg.Speed)
	}
	if cfg.ShardOf < 0 || cfg.ShardIndex < 0 || (cfg.ShardOf > 0 && cfg.ShardIndex >= cfg.ShardOf) {
		return nil, fmt.Errorf("new swarm: shard %d/%d: want 0 ≤ index < of", cfg.ShardIndex, cfg.ShardOf)
	}
	if cfg.ZhShare == 0 {
		cfg.ZhShare = 0.85
	}
	if cfg.PatienceScale == 0 {
		cfg.PatienceScale = 1
	}
	if cfg.TimeScale == 0 {
		cfg.TimeScale = 1
	}
	if !(cfg.TimeScale > 0) || math.IsInf(cfg.TimeScale, 0) {
		return nil, fmt.Errorf("new swarm: time scale %v: want above zero", cfg.TimeScale)
	}
	if cfg.Bank == nil {
		cfg.Bank = phrases.Default()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Swarm{
		cfg: cfg, scenario: cfg.Scenario, rate: cfg.Scenario.ArrivalRate(), personas: cfg.Scenario.Personas,
		patience: map[string]*sim.Sampler{}, bank: cfg.Bank, log: cfg.Logger,
		dialer: &websocket.Dialer{
			HandshakeTimeout: 10 * time.Second,
			// Small buffers and a pooled write buffer: a waiting customer
			// holds little more than its goroutines and socket.
			ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{},
		},
		header: http.Header{"Authorization": {"Bearer " + cfg.Token}},
	}
	if len(s.personas) == 0 {
		s.personas = sim.DefaultPersonas()
	}
	for _, p := range s.personas {
		sp := sim.NewSampler(p.Patience)
		s.patience[p.Name] = &sp
	}
	return s, nil
}

// Stats returns the counters so far.
func (s *Swarm) Stats() Summary {
	sum := Summary{
		Seed: s.cfg.Seed, Arrived: s.stats.arrived.Load(), Finished: s.stats.finished.Load(), Abandoned: s.stats.abandoned.Load(),
		Failed: s.stats.failed.Load(), Sent: s.stats.sent.Load(), Received: s.stats.received.Load(),
		Errors: s.stats.errors.Load(), Disputes: s.stats.disputes.Load(), NotConnected: s.stats.notConnected.Load(),
	}
	if e := s.stats.firstConnectErr.Load(); e != nil {
		sum.FirstConnectError = *e
	}
	return sum
}

// arrival is one customer of the schedule: its number (which seeds it),
// its arrival on the scenario's clock, and when to send it, counted from
// the swarm's start.
type arrival struct {
	index int
	at    time.Time
	due   time.Duration
}

// schedule yields the customers to send, in order: the scenario's
// arrival process drawn from the seed (or Arrivals), up to Count customers
// or the scenario's end, less those before Resume and those of other
// shards. It is a pure function of the configuration.
func (s *Swarm) schedule() iter.Seq[arrival] {
	return func(yield func(arrival) bool) {
		from, to := s.scenario.StartTime(), s.scenario.EndTime()
		draws := rand.New(rand.NewPCG(s.cfg.Seed, 0))
		// A resumed run's clock starts where it stopped.
		origin := from.Add(s.cfg.Resume)
		t := from
		for i := 0; s.cfg.Count == 0 || i < s.cfg.Count; i++ {
			var next time.Time
			if s.cfg.Arrivals != nil {
				due, ok := s.cfg.Arrivals(uint64(i))
				if !ok {
					return
				}
				next = from.Add(time.Duration(float64(due) * s.cfg.Speed))
			} else {
				var ok bool
				// Every shard draws every arrival: the stream is one.
				if next, ok = s.rate.NextArrival(t, to, draws); !ok {
					return
				}
				t = next
			}
			if next.Before(origin) {
				continue // arrived before the interruption: sent then
			}
			if s.cfg.ShardOf > 1 && i%s.cfg.ShardOf != s.cfg.ShardIndex {
				continue // another shard's
			}
			if !yield(arrival{index: i, at: next, due: time.Duration(float64(next.Sub(origin)) / s.cfg.Speed)}) {
				return
			}
		}
	}
}

// Run sends customers until the scenario's end (or Count customers), then
// waits for the conversations under way to end. Cancelling ctx makes every
// customer leave at once.
func (s *Swarm) Run(ctx context.Context) (Summary, error) { return s.RunUntil(ctx, ctx) }

// RunUntil is Run with two contexts: sending ends with sending (no more
// customers arrive), and the customers under way leave when ctx ends (a
// load drill's drain). sending should end no later than ctx.
func (s *Swarm) RunUntil(sending, ctx context.Context) (Summary, error) {
	start := time.Now()
	var wg sync.WaitGroup
	defer wg.Wait()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for a := range s.schedule() {
		if sending.Err() != nil {
			break
		}
		// Open loop: the arrival's real time is fixed by the scenario
		// clock, not by when the previous customer got going.
		if d := time.Until(start.Add(a.due)); d > 0 {
			timer.Reset(d)
			select {
			case <-sending.Done():
				wg.Wait()
				sum := s.Stats()
				sum.Elapsed = time.Since(start)
				return sum, nil
			case <-timer.C:
			}
		}
		c := s.newCustomer(a.index, a.at)
		s.stats.arrived.Add(1)
		if s.cfg.OnArrive != nil {
			s.cfg.OnArrive()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			outcome, err := c.run(ctx)
			// Every customer that arrived either finished (abandoned
			// included) or could not: its connection failed or was lost,
			// the hub closed, or the run ended (ctx) while it was under
			// way. Arrived = Finished + Failed.
			switch {
			case err == nil && (outcome == "finished" || outcome == "abandoned"):
				s.stats.finished.Add(1)
				if outcome == "abandoned" {
					s.stats.abandoned.Add(1)
				}
			default:
				s.stats.failed.Add(1)
				if errors.Is(err, errNotConnected) {
					s.stats.notConnected.Add(1)
					msg := err.Error()
					s.stats.firstConnectErr.CompareAndSwap(nil, &msg)
				}
				if ctx.Err() == nil {
					s.log.Warn("customer could not finish", "customer", c.index, "outcome", outcome, "err", err)
				}
			}
			if s.cfg.OnDone != nil {
				s.cfg.OnDone()
			}
		}()
	}
	wg.Wait()
	sum := s.Stats()
	sum.Elapsed = time.Since(start)
	return sum, nil
}

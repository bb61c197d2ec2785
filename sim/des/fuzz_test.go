package des_test

import (
	"math"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim/des"
)

// checkInvariants runs m and checks what must hold whatever the seed: no
// pick-up before arrival, time never runs backwards, the queue never goes
// negative, every customer is served, abandoned or still queued, and
// every picked-up customer is closed or left.
func checkInvariants(t *testing.T, m *des.Model, run des.Run) {
	t.Helper()
	arrived := map[int64]float64{}
	var last float64
	queue, pickups, leftQueued := 0, 0, 0
	inQueue := map[int64]bool{}
	run.Trace = func(ev des.Event) {
		if ev.T < last {
			t.Fatalf("event %v at %v after one at %v", ev.Kind, ev.T, last)
		}
		last = ev.T
		switch ev.Kind {
		case des.EvArrive:
			arrived[ev.Customer] = ev.T
			inQueue[ev.Customer] = true
			queue++
		case des.EvPickup:
			at, ok := arrived[ev.Customer]
			if !ok || ev.T < at {
				t.Fatalf("customer %d picked up at %v, arrived at %v (known %v)", ev.Customer, ev.T, at, ok)
			}
			if !inQueue[ev.Customer] {
				t.Fatalf("customer %d picked up twice", ev.Customer)
			}
			inQueue[ev.Customer] = false
			queue--
			pickups++
		case des.EvLeave:
			if inQueue[ev.Customer] {
				inQueue[ev.Customer] = false
				queue--
				leftQueued++
			}
		}
		if queue < 0 {
			t.Fatalf("queue length %d at %v", queue, ev.T)
		}
	}
	r, err := des.NewEngine(m).Run(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	s := r.Stats
	if s.Customers != len(arrived) || s.Served != pickups || s.Abandoned != leftQueued {
		t.Fatalf("stats %+v; trace saw %d arrivals, %d pick-ups, %d left the queue", s, len(arrived), pickups, leftQueued)
	}
	if s.Customers != s.Served+s.Abandoned+s.Queued {
		t.Fatalf("arrived %d ≠ served %d + abandoned %d + queued %d", s.Customers, s.Served, s.Abandoned, s.Queued)
	}
	if s.Queued != queue {
		t.Fatalf("engine says %d still queued, trace %d", s.Queued, queue)
	}
	if s.LeftLater > s.Served {
		t.Fatalf("%d left after pick-up of %d served", s.LeftLater, s.Served)
	}
	if math.IsNaN(s.Occupancy()) || s.Occupancy() < 0 {
		t.Fatalf("occupancy %v", s.Occupancy())
	}
}

func FuzzEngine_Invariants(f *testing.F) {
	f.Add(uint64(1), uint8(3), uint8(1), uint16(2000))
	f.Add(uint64(77), uint8(1), uint8(3), uint16(500))
	f.Add(uint64(0), uint8(40), uint8(2), uint16(100))
	m := scenarioModel(f, "steady-day")
	s := m.Scenario()
	f.Fuzz(func(t *testing.T, seed uint64, level, conc uint8, stationaryN uint16) {
		lv := int(level%60) + 1
		c := int(conc%3) + 1
		checkInvariants(t, m, des.Run{Seed: seed, Staffing: s.Staffing.Scaled(lv), Concurrency: c})
		// A stationary queue on the edge of overload, stopped by count.
		st, err := des.Stationary(des.StationaryConfig{ArrivalsPerHour: 100 + float64(seed%400), AHT: 3 * time.Minute, Agents: lv%12 + 1, Patience: 2 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, st, des.Run{Seed: seed, Customers: int(stationaryN%5000) + 1})
	})
}

package des_test

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
)

// BenchmarkEngine_Stationary is the speed case: M/M/c+M with
// c = 50, load 0.9, mean patience 2 × AHT, on the engine scenarios use.
func BenchmarkEngine_Stationary(b *testing.B) {
	const customers = 1_000_000
	m, err := des.Stationary(des.StationaryConfig{ArrivalsPerHour: 900, AHT: 180 * time.Second, Agents: 50, Patience: 360 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	e := des.NewEngine(m)
	seed := uint64(0)
	for b.Loop() {
		seed++
		if _, err := e.Run(b.Context(), des.Run{Seed: seed, Customers: customers}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(customers*b.N)/b.Elapsed().Seconds(), "customers/s")
}

// BenchmarkEngine_Scenario runs one replication of a built-in scenario
// with its own staffing.
func BenchmarkEngine_Scenario(b *testing.B) {
	for _, name := range []string{"steady-day", "double11"} {
		b.Run("scenario="+name, func(b *testing.B) {
			m := scenarioModel(b, name)
			e := des.NewEngine(m)
			var customers, events int
			seed := uint64(0)
			for b.Loop() {
				seed++
				r, err := e.Run(b.Context(), des.Run{Seed: seed, Hourly: true})
				if err != nil {
					b.Fatal(err)
				}
				customers += r.Stats.Customers
				events += int(r.Events)
			}
			b.ReportMetric(float64(customers)/b.Elapsed().Seconds(), "customers/s")
			b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkHourNeeds is the per-hour search on double11: 24 hours, 10
// replications, on all cores.
func BenchmarkHourNeeds(b *testing.B) {
	m := scenarioModel(b, "double11")
	for b.Loop() {
		if _, err := des.HourNeeds(b.Context(), m, des.Needs{Reps: 10, Seed: 1, Workers: runtime.GOMAXPROCS(0)}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngine_Record: the cost of recording every conversation
// (simulate --transcripts) against the same run without, on steady-day.
func BenchmarkEngine_Record(b *testing.B) {
	m := scenarioModel(b, "steady-day")
	for _, record := range []bool{false, true} {
		b.Run(fmt.Sprintf("record=%v", record), func(b *testing.B) {
			e := des.NewEngine(m)
			run := des.Run{}
			convs := 0
			if record {
				run.Record = func(n int64, c *sim.Conversation) { convs++ }
			}
			customers := 0
			seed := uint64(0)
			for b.Loop() {
				seed++
				run.Seed = seed
				r, err := e.Run(b.Context(), run)
				if err != nil {
					b.Fatal(err)
				}
				customers += r.Stats.Customers
			}
			b.ReportMetric(float64(customers)/b.Elapsed().Seconds(), "customers/s")
		})
	}
}

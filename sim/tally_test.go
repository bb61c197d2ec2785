package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func taobaoLike() *sim.PlatformProfile {
	ex := sim.ClockRange{From: sim.Clock(23, 0), To: sim.Clock(9, 0)}
	p := &sim.PlatformProfile{
		Name:            "test",
		BusinessHours:   sim.ClockRange{From: sim.Clock(8, 0), To: sim.Clock(23, 0)},
		AnswerThreshold: 30 * time.Second, ReplyThreshold: 3 * time.Minute,
		RoundCap: 10 * time.Minute, UnansweredRound: 10 * time.Minute,
		AnswerRateExcludes: &ex,
	}
	p.Normalize()
	return p
}

// A run starting at local midnight: 09:00 is 32400 s in.
const nine = 9 * 3600.0

func TestTally_Rounds(t *testing.T) {
	for _, tc := range []struct {
		name        string
		start, wait float64
		onTime      bool
		rounds      int
		sum         float64
		timeouts    int
	}{
		{"quick reply", nine, 20, true, 1, 20, 0},
		{"on the threshold is on time", nine, 180, true, 1, 180, 0},
		{"late but under the cap", nine, 181, false, 1, 181, 1},
		{"capped at 600 s", nine, 2000, false, 1, 600, 1},
		{"never answered counts the unanswered value", nine, -1, false, 1, 600, 1},
		{"outside business hours is not counted", 3 * 3600, 2000, false, 0, 0, 0},
		{"23:00 is already outside", 23 * 3600, 5, true, 0, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 3, 11, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
			tl := sim.NewTally(sim.NewCalendar(start, 48*time.Hour), taobaoLike(), 0)
			if got := tl.Round(tc.start, tc.wait); got != tc.onTime {
				t.Errorf("on time %v; want %v", got, tc.onTime)
			}
			c := tl.Total()
			if c.Rounds != tc.rounds || c.RoundSum != tc.sum || c.Timeouts != tc.timeouts {
				t.Errorf("rounds %d, sum %v, timeouts %d; want %d, %v, %d", c.Rounds, c.RoundSum, c.Timeouts, tc.rounds, tc.sum, tc.timeouts)
			}
		})
	}
}

func TestTally_KPIValues(t *testing.T) {
	start := time.Date(2026, 3, 11, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	tl := sim.NewTally(sim.NewCalendar(start, 48*time.Hour), taobaoLike(), 0)
	add := func(s sim.Session) { tl.Add(&s) }
	// Day 0, business hours: answered at 10 s and rated 5; answered at
	// 40 s, rated 3; left unanswered. Pre-sales: one converted.
	add(sim.Session{Start: nine, FirstReply: 10, Served: true, Rating: 5, Resolved: true, ResolvedAfter: 600})
	add(sim.Session{Start: nine + 60, FirstReply: 40, Served: true, Rating: 3, Dispute: true})
	add(sim.Session{Start: nine + 120, FirstReply: -1, Abandoned: true, LeftUnanswered: true})
	add(sim.Session{Start: nine + 180, FirstReply: 5, Served: true, Presales: true, Converted: true})
	// Day 0 at 23:30: outside business hours and inside the answer-rate
	// exclusion window.
	add(sim.Session{Start: 23*3600 + 1800, FirstReply: 100, Served: true, Presales: true})
	// Day 1 at 10:00: two timeouts.
	tl.Round(86400+10*3600, -1)
	tl.Round(86400+10*3600, 400)
	add(sim.Session{Start: 86400 + 10*3600, FirstReply: 20, Served: true, Rating: 4, Resolved: true, ResolvedAfter: 90000})

	v := tl.KPIValues(1000, 2, 1)
	for id, want := range map[string]float64{
		"first_response_avg_s":  (10 + 40 + 600 + 5 + 20) / 5.0,
		"answer_rate_30s":       3.0 / 5, // 23:30 excluded; 10, 5, 20 s within 30 s
		"satisfaction":          2.0 / 3,
		"dispute_refund_rate":   1.0 / 1000,
		"abandon_rate":          1.0 / 6,
		"resolution_24h_rate":   1.0 / 4, // 90,000 s is past 24 h
		"inquiry_conversion":    1.0 / 2,
		"not_served_rate":       1.0 / 5,
		"timeouts_per_day":      2.0 / 2,
		"timeout_bad_day_share": 1.0 / 2, // day 1 has 2 > 1
		"reply_rate_3min":       0,
	} {
		if got, ok := v[id]; !ok || math.Abs(got-want) > 1e-12 {
			t.Errorf("%s = %v (present %v); want %v", id, got, ok, want)
		}
	}
	if days := tl.Days(); len(days) != 2 || days[0].Sessions != 5 || days[1].Timeouts != 2 {
		t.Errorf("days %+v; want 2 days, 5 sessions on the first, 2 timeouts on the second", days)
	}
}

func TestBuyer_PatienceAndLadder(t *testing.T) {
	p := sim.DefaultPersona()
	p.Nudges = 1
	p.Tension = sim.Tension{Start: 5, Sensitivity: 1}
	p.Ladder = []sim.Rung{{Step: sim.StepSupervisor, Tension: 6}, {Step: sim.StepPlatform, Waits: 3}}
	b := sim.NewBuyer(&p)
	leave, fired := b.OutOfPatience()
	if leave || !fired.Has(sim.StepSupervisor) || fired.Has(sim.StepPlatform) || b.Tension != 6 {
		t.Fatalf("first expiry: leave %v, fired %b, tension %v; want a nudge that fires supervisor at tension 6", leave, fired, b.Tension)
	}
	leave, _ = b.OutOfPatience()
	if !leave {
		t.Fatal("second expiry with one nudge: want the buyer to leave")
	}
	b.Replied()
	if b.Waits != 0 || b.Nudged != 0 {
		t.Errorf("after a reply: waits %d, nudged %d; want 0, 0", b.Waits, b.Nudged)
	}
	if fired := b.Resolved(1); fired != 0 || b.Tension != 5 {
		t.Errorf("a correct resolution: tension %v, fired %b; want 5, none", b.Tension, fired)
	}
	for range 3 {
		b.Resolved(0)
	}
	if b.Tension != sim.MaxTension {
		t.Errorf("tension %v after three wrong resolutions; want capped at %v", b.Tension, sim.MaxTension)
	}
}

// Local's day 0 is the start's own day, also where the clocks jump forward
// at midnight so that the day has no 00:00 (America/Santiago on
// 1990-09-16: 00:00 became 01:00).
func TestCalendar_DayZeroWithoutMidnight(t *testing.T) {
	loc, err := time.LoadLocation("America/Santiago")
	if err != nil {
		t.Skipf("no zone data: %v", err)
	}
	start := time.Date(1990, 9, 16, 9, 0, 0, 0, loc)
	c := sim.NewCalendar(start, 48*time.Hour)
	for _, tc := range []struct {
		off  float64
		want int
	}{{0, 0}, {14*3600 + 59*60, 0}, {15 * 3600, 1}, {39 * 3600, 2}} {
		if day, _ := c.Local(tc.off); day != tc.want {
			t.Errorf("Local(%v h) day = %d; want %d (%v)", tc.off/3600, day, tc.want, c.Time(tc.off))
		}
	}
}

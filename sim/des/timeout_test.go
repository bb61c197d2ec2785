package des_test

import (
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/des"
	"github.com/deskdrill/deskdrill/sim/review"
)

// The engine counts response timeouts by the contract's threshold when the
// contract sets one (DOMAIN.md §1), as the review of its recorded
// conversations does; without one, by the profile's.
func TestEngine_ContractTimeoutThreshold(t *testing.T) {
	run := func(threshold time.Duration) (engine, reviewed float64) {
		s, err := scenarios.LoadScenario("steady-day")
		if err != nil {
			t.Fatal(err)
		}
		c := *s.Contract.Contract
		c.TimeoutThreshold = threshold
		s.Contract.Contract = &c
		// Two hours of the morning (one Beijing day), a short team so
		// that rounds run late.
		s.Start, s.Duration = sim.Date(2026, 3, 11, 10, 0), 2*time.Hour
		m, err := des.Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		var convs []*sim.Conversation
		r, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: 7, Staffing: s.Staffing.Scaled(3),
			Record: func(_ int64, c *sim.Conversation) { convs = append(convs, c) }})
		if err != nil {
			t.Fatal(err)
		}
		rv, err := review.Evaluate(convs, review.Options{Profile: s.Platform, Contract: s.Contract.Contract})
		if err != nil {
			t.Fatal(err)
		}
		return r.KPIs["timeouts_per_day"], rv.KPIs["timeouts_per_day"]
	}
	profile, profileReviewed := run(0)
	contract, contractReviewed := run(20 * time.Second)
	if profile != profileReviewed || contract != contractReviewed {
		t.Errorf("timeouts per day: engine %v and %v, review %v and %v; want the same by each threshold", profile, contract, profileReviewed, contractReviewed)
	}
	// Every round answered after 3 min is also answered after 20 s, and
	// with a short team some rounds take 20 s to 3 min.
	if !(contract > profile) {
		t.Errorf("timeouts per day by a 20 s threshold %v, by the profile's 3 min %v; want more by 20 s", contract, profile)
	}
}

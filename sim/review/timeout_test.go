package review_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
)

// A response timeout is a round answered later than the contract's
// timeout threshold (DOMAIN.md §1; docs/contracts.md, count_per_day); a
// contract without one takes the profile's (3 min by default). The
// service score keeps the profile's thresholds either way
// (docs/scoring.md).
func TestEvaluate_ContractTimeoutThreshold(t *testing.T) {
	bj := time.FixedZone("", 8*3600)
	convs := func() []*sim.Conversation {
		// One Beijing day, business hours: replies after 150 s and 100 s.
		return []*sim.Conversation{
			closeAction(answered("slow", time.Date(2026, 11, 11, 10, 0, 0, 0, bj), 150)),
			closeAction(answered("quick", time.Date(2026, 11, 11, 11, 0, 0, 0, bj), 100)),
		}
	}
	limit := 0.5
	contract := func(threshold time.Duration) *sim.Contract {
		c := &sim.Contract{Name: "t", MonthlyFee: 10000_00, TimeoutThreshold: threshold,
			Clauses: []sim.Clause{{ID: "timeouts", Kind: sim.KindCountPerDay, KPI: "timeouts_per_day", Limit: &limit, Ratio: &sim.Ratio{Min: 0.3, Max: 0.3}}}}
		if err := c.Validate(); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, tc := range []struct {
		name     string
		contract *sim.Contract
		timeouts float64 // per day
		refund   sim.Money
	}{
		// 150 s and 100 s are both within 3 min: no timeout.
		{"no contract: the profile's 3 min", nil, 0, 0},
		{"a contract without a threshold: the profile's 3 min", contract(0), 0, 0},
		// 150 s is over 2 min: one timeout on one day, above the limit of
		// 0.5 a day: 30 % of 10,000.00.
		{"the contract's 2 min", contract(2 * time.Minute), 1, 3000_00},
		// Both are over 90 s.
		{"the contract's 90 s", contract(90 * time.Second), 2, 3000_00},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := review.Evaluate(convs(), review.Options{Profile: taobaoLike(), Contract: tc.contract})
			if err != nil {
				t.Fatal(err)
			}
			if v := r.KPIs["timeouts_per_day"]; v != tc.timeouts {
				t.Errorf("timeouts_per_day = %v; want %v", v, tc.timeouts)
			}
			if tc.contract != nil && r.Statement.Total != tc.refund {
				t.Errorf("refund %v; want %v", r.Statement.Total, tc.refund)
			}
			// The scores are the profile's: a 150 s reply is within the
			// 3-minute reply threshold whatever the contract says.
			base, err := review.Evaluate(convs(), review.Options{Profile: taobaoLike()})
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range r.Scores {
				if s.Total != base.Scores[i].Total {
					t.Errorf("%s scored %v; want %v, as without the contract", s.ID, s.Total, base.Scores[i].Total)
				}
			}
		})
	}
}

// The service score keeps the profile's thresholds whatever the contract
// says (docs/scoring.md): a reply after 250 s is past the profile's 3 min
// and loses the second half of its round's part, though a contract that
// agreed 10 min counts no timeout for it.
func TestEvaluate_ScoresKeepTheProfilesTimeout(t *testing.T) {
	bj := time.FixedZone("", 8*3600)
	c := closeAction(answered("late", time.Date(2026, 11, 11, 10, 0, 0, 0, bj), 250))
	contract := &sim.Contract{Name: "t", MonthlyFee: 10000_00, TimeoutThreshold: 10 * time.Minute}
	if err := contract.Validate(); err != nil {
		t.Fatal(err)
	}
	r, err := review.Evaluate([]*sim.Conversation{c}, review.Options{Profile: taobaoLike(), Contract: contract})
	if err != nil {
		t.Fatal(err)
	}
	if v := r.KPIs["timeouts_per_day"]; v != 0 {
		t.Errorf("timeouts_per_day = %v; want 0 (250 s is within the contract's 10 min)", v)
	}
	timedOut := false
	for _, d := range r.Scores[0].Score.Deductions {
		timedOut = timedOut || strings.Contains(d.Reason, "a response timeout (over 3m")
	}
	if !timedOut {
		t.Errorf("deductions %+v; want the round's response timeout past the profile's 3 min", r.Scores[0].Score.Deductions)
	}
}

package trial_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/sim/trial"
)

// FuzzEvaluate checks the trial's invariants for any daily counts and any
// point of the clock: days done never exceed the days nor fall as the clock
// goes on; the pooled counts are the days' sums and the pooled rates their
// quotients; the refund is nothing or the clause's share of the fee, the
// statement's total, and owed exactly when a checked gate is missed.
func FuzzEvaluate(f *testing.F) {
	f.Add(uint64(1), uint8(14), int64(36*3600))
	f.Add(uint64(7), uint8(3), int64(0))
	f.Add(uint64(42), uint8(28), int64(40*24*3600))
	f.Fuzz(func(t *testing.T, seed uint64, n uint8, playedS int64) {
		days := int(n%28) + 1
		rng := rand.New(rand.NewPCG(seed, 1))
		r := &review.Review{}
		for range days + 1 { // one more: sessions past the end
			ratings := rng.IntN(50)
			rounds := rng.IntN(200)
			r.DayCounts = append(r.DayCounts, sim.Counts{Sessions: rng.IntN(100), Ratings: ratings, Top2: rng.IntN(ratings + 1),
				Rounds: rounds, RoundsOnTime: rng.IntN(rounds + 1), Disputes: rng.IntN(3), Timeouts: rng.IntN(10)})
		}
		c := contract(satisfaction, sim.Gate{KPI: "reply_rate_3min", Target: 0.98}, disputes)
		start := day(0, 0)
		o := trial.Options{Contract: c, Profile: profile(), Start: start, End: start.Add(time.Duration(days) * 24 * time.Hour),
			Played: time.Duration(playedS) * time.Second, PaidOrdersPerDay: 100, State: trial.StateRunning}
		st, err := trial.Evaluate(r, o)
		if err != nil {
			t.Fatal(err)
		}
		if st.Days != days || st.DaysDone > st.Days {
			t.Fatalf("%d of %d days done; want at most %d", st.DaysDone, st.Days, days)
		}
		o.Played += 24 * time.Hour
		if later, _ := trial.Evaluate(r, o); later.DaysDone < st.DaysDone {
			t.Fatalf("a day later %d days done; before %d", later.DaysDone, st.DaysDone)
		}
		var top2, ratings int
		for _, d := range st.Daily {
			top2 += d.Counts.Top2
			ratings += d.Counts.Ratings
		}
		if st.Counts.Top2 != top2 || st.Counts.Ratings != ratings {
			t.Fatalf("pooled %d of %d; the days sum to %d of %d", st.Counts.Top2, st.Counts.Ratings, top2, ratings)
		}
		if v, ok := st.Pooled["satisfaction"]; ok != (ratings > 0) || ok && v != float64(top2)/float64(ratings) {
			t.Fatalf("pooled satisfaction %v (%v); want %d ÷ %d", v, ok, top2, ratings)
		}
		missed := false
		for _, g := range st.Gates {
			missed = missed || g.Met != nil && !*g.Met
		}
		switch {
		case st.DaysDone == 0:
			if st.Statement != nil || st.Verdict.Outcome != trial.OutcomeUndecided {
				t.Fatalf("no day done: statement %v, verdict %+v", st.Statement, st.Verdict)
			}
		case st.Statement.Total != st.Verdict.Refund:
			t.Fatalf("statement total %s, verdict refund %s", st.Statement.Total, st.Verdict.Refund)
		case missed != (st.Verdict.Refund == c.Trial.Fee) || !missed && st.Verdict.Refund != 0:
			t.Fatalf("a gate missed: %v; refund %s of a fee %s", missed, st.Verdict.Refund, c.Trial.Fee)
		}
	})
}

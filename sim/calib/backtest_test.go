package calib_test

import (
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/calib"
	"github.com/deskdrill/deskdrill/sim/des"
)

// record runs the scenario once with its own staffing and returns the
// engine's conversations.
func record(t *testing.T, s *sim.Scenario, seed uint64) []*sim.Conversation {
	t.Helper()
	m, err := des.Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	var convs []*sim.Conversation
	if _, err := des.NewEngine(m).Run(t.Context(), des.Run{Seed: seed,
		Record: func(n int64, c *sim.Conversation) { convs = append(convs, c) }}); err != nil {
		t.Fatal(err)
	}
	return convs
}

// TestBacktest_SteadyDay is the back-test: calibrating from the
// engine's own conversations of steady-day (its own seed) recovers the
// scenario file's agent model. The checks hold the pooled accuracy, reply
// work, handle time and rounds, the capacity of 2 and 3 chats, and
// per-case values only for cases with at least 300 conversations; shares
// within 0.03, the rest within 5 %; at least 90 % of the checks and every
// pooled one within bounds. The truths were written from the file before
// the fit ran: accuracy 0.93, first reply and later replies 20 s, handle time 6 min for
// effort 1 (3 min for a pre-sales question, effort 0.5), 4 rounds, no
// closes on an unanswered buyer, capacity 1.7 and 2.5.
func TestBacktest_SteadyDay(t *testing.T) {
	s, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	convs := record(t, s, s.Seed)
	f, err := calib.Calibrate(convs, calib.Options{Profile: s.Platform, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		t.Fatal(err)
	}
	cmp := calib.Compare(f, s)
	truths := map[string]float64{
		"accuracy": 0.93, "first_reply.mean": 20, "reply.mean": 20, "handle_time.mean": 360, "rounds": 4, "unanswered_close": 0,
		"capacity[2]": 1.7, "capacity[3]": 2.5,
		"cases.presales_question.handle_time.mean": 180, "cases.presales_question.accuracy": 0.93,
	}
	var got []string
	for _, c := range cmp.Checks {
		got = append(got, c.Param)
		want, ok := truths[c.Param]
		if !ok {
			t.Errorf("check %s: not expected (cases below 300 conversations are not checked)", c.Param)
			continue
		}
		if math.Abs(c.Truth-want) > 1e-9 {
			t.Errorf("check %s: truth %v; the scenario file says %v", c.Param, c.Truth, want)
		}
		t.Logf("%-42s truth %8.4f fitted %8.4f [%8.4f, %8.4f] n %5d rel %+.4f within %v", c.Param, c.Truth, c.Fitted, c.Lo, c.Hi, c.N, c.RelError, c.Within)
	}
	for p := range truths {
		if !slices.Contains(got, p) {
			t.Errorf("no check of %s; checks: %v", p, got)
		}
	}
	if !cmp.Passed() {
		t.Errorf("%s", cmp.Summary())
	}
	// The small cases are printed with their n and marked insufficient.
	found := false
	for _, p := range cmp.Insufficient {
		if strings.HasPrefix(p.Name, "cases.quality_defect.") && p.N > 0 && p.N < 300 {
			found = true
		}
	}
	if !found {
		t.Errorf("quality_defect (about 6 %% of 1,800) is not listed as insufficient: %+v", cmp.Insufficient)
	}
	// The model the engine would run with.
	m := f.Model
	if m.Cases["presales_question"].HandleTime == nil || m.Cases["quality_defect"].HandleTime != nil || len(m.Capacity) != 3 {
		t.Errorf("model %+v: want a pre-sales handle time of its own, none for quality_defect, and a 3-chat capacity curve", m)
	}
	if err := m.Validate(); err != nil {
		t.Error(err)
	}
}

// An agent who closes on the buyer's last message now and then, and
// holds more chats worse than steady-day's: the fit finds both, from the
// day's busy twelve hours (about 1,100 buyers: 8 s under -race).
func TestBacktest_ClosesOnBuyers(t *testing.T) {
	s, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	s.Start, s.Duration = sim.Date(2026, 3, 11, 8, 0), 12*time.Hour
	s.Agent.UnansweredClose = 0.1
	s.Agent.Capacity = []float64{1, 1.4, 1.8, 2, 2.2}
	f, err := calib.Calibrate(record(t, s, s.Seed), calib.Options{Profile: s.Platform, Workers: runtime.GOMAXPROCS(0)})
	if err != nil {
		t.Fatal(err)
	}
	cmp := calib.Compare(f, s)
	want := []string{"unanswered_close", "capacity[2]", "capacity[3]", "first_reply.mean", "reply.mean"}
	for _, c := range cmp.Checks {
		t.Logf("%-42s truth %8.4f fitted %8.4f [%8.4f, %8.4f] n %5d within %v", c.Param, c.Truth, c.Fitted, c.Lo, c.Hi, c.N, c.Within)
		if i := slices.Index(want, c.Param); i >= 0 {
			want = slices.Delete(want, i, i+1)
			if !c.Within {
				t.Errorf("%s: fitted %.4f, truth %.4f: outside the bound", c.Param, c.Fitted, c.Truth)
			}
		}
	}
	if len(want) > 0 {
		t.Errorf("no check of %v", want)
	}
	if u := f.Model.UnansweredClose; u < 0.07 || u > 0.13 {
		t.Errorf("the model's unanswered_close %v; want 0.1 within 0.03", u)
	}
}

// BenchmarkCalibrate fits the agent model to the engine's conversations
// of one steady-day (about 1,700).
func BenchmarkCalibrate(b *testing.B) {
	s, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		b.Fatal(err)
	}
	m, err := des.Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	var convs []*sim.Conversation
	if _, err := des.NewEngine(m).Run(b.Context(), des.Run{Seed: s.Seed,
		Record: func(n int64, c *sim.Conversation) { convs = append(convs, c) }}); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := calib.Calibrate(convs, calib.Options{Profile: s.Platform, Workers: runtime.GOMAXPROCS(0)}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(convs)*b.N)/b.Elapsed().Seconds(), "conversations/s")
}

// A level of chats without the sample ends the model's capacity curve
// there, even when a level above has the sample (a curve cannot skip a
// level); calibration.md says a note names the level left out. Agents
// holding up to 3 chats on a busy half-day reply about 1,400 times at 2
// chats and 2,200 at 3, so a minimum of 1,800 leaves capacity[2] short
// and capacity[3] with its sample.
func TestCalibrate_CapacityGapIsNoted(t *testing.T) {
	s, err := scenarios.LoadScenario("steady-day")
	if err != nil {
		t.Fatal(err)
	}
	s.Start, s.Duration = sim.Date(2026, 3, 11, 8, 0), 12*time.Hour
	s.Agent.Capacity = []float64{1, 1.4, 1.8}
	f, err := calib.Calibrate(record(t, s, s.Seed), calib.Options{Profile: s.Platform, Workers: runtime.GOMAXPROCS(0), MinN: 1800})
	if err != nil {
		t.Fatal(err)
	}
	two, _ := f.Param("capacity[2]")
	three, _ := f.Param("capacity[3]")
	if !two.Insufficient || three.Insufficient {
		t.Fatalf("the set-up needs capacity[2] short of 1,800 and capacity[3] not: n %d and %d", two.N, three.N)
	}
	if !slices.Equal(f.Model.Capacity, []float64{1}) {
		t.Errorf("model capacity %v; want [1]: the curve stops below the first level without the sample", f.Model.Capacity)
	}
	noted := false
	for _, n := range f.Notes {
		noted = noted || strings.Contains(n, "capacity[3] has the sample") && strings.Contains(n, "capacity[2] has not")
	}
	if !noted {
		t.Errorf("no note says capacity[3] was left out for capacity[2]'s sample; notes %q", f.Notes)
	}
}

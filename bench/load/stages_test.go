package load_test

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
)

// Expected times are worked from the rule in Stages' doc: event n is due
// when the integral of the rate reaches n.
func TestStages_Due(t *testing.T) {
	s := func(d time.Duration, from, to load.PerSecond) load.Stage {
		return load.Stage{Duration: d, From: from, Rate: to}
	}
	sec := func(x float64) time.Duration { return time.Duration(math.Round(x * float64(time.Second))) }
	for _, tc := range []struct {
		name   string
		stages load.Stages
		n      uint64
		want   time.Duration
		ok     bool
	}{
		// Hold at 100/s: n / 100.
		{"hold first", load.Stages{s(10*time.Second, 100, 100)}, 0, 0, true},
		{"hold", load.Stages{s(10*time.Second, 100, 100)}, 250, 2500 * time.Millisecond, true},
		{"hold last", load.Stages{s(10*time.Second, 100, 100)}, 999, 9990 * time.Millisecond, true},
		{"hold past the end", load.Stages{s(10*time.Second, 100, 100)}, 1000, 0, false},
		// Ramp 0 → 100/s over 10 s: Λ(t) = 5t², due at √(n/5).
		{"ramp up first", load.Stages{s(10*time.Second, 0, 100)}, 0, 0, true},
		{"ramp up 5", load.Stages{s(10*time.Second, 0, 100)}, 5, time.Second, true},
		{"ramp up 125", load.Stages{s(10*time.Second, 0, 100)}, 125, 5 * time.Second, true},
		{"ramp up 499", load.Stages{s(10*time.Second, 0, 100)}, 499, sec(math.Sqrt(499.0 / 5)), true},
		{"ramp up past the end", load.Stages{s(10*time.Second, 0, 100)}, 500, 0, false},
		// Ramp 100 → 0/s over 10 s: Λ(t) = 100t − 5t², so 375 at 5 s.
		{"ramp down 375", load.Stages{s(10*time.Second, 100, 0)}, 375, 5 * time.Second, true},
		// Hold 50/s for 10 s (500), then a spike at 200/s: the spike's
		// first event at 10 s, its second 5 ms later.
		{"spike first", load.Stages{s(10*time.Second, 50, 50), s(2*time.Second, 200, 200)}, 500, 10 * time.Second, true},
		{"spike second", load.Stages{s(10*time.Second, 50, 50), s(2*time.Second, 200, 200)}, 501, 10*time.Second + 5*time.Millisecond, true},
		// A stage at rate 0 sends nothing: the next stage's first event is
		// due at its start.
		{"pause", load.Stages{s(time.Second, 10, 10), s(5*time.Second, 0, 0), s(time.Second, 10, 10)}, 10, 6 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.stages.Due(tc.n)
			if ok != tc.ok || (ok && (got-tc.want > time.Microsecond || tc.want-got > time.Microsecond)) {
				t.Errorf("Due(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// A stage list that sends less than one event in all still sends event 0;
// only rates that are all 0 send nothing, and are refused.
func TestStages_Check(t *testing.T) {
	if err := (load.Stages{{Duration: time.Second, From: 0.25, Rate: 0.25}}).Check(); err != nil {
		t.Errorf("0.25 in all: %v; want accepted (event 0 is due at once)", err)
	}
	if err := (load.Stages{{Duration: time.Second}, {Duration: time.Second}}).Check(); err == nil || !strings.Contains(err.Error(), "send nothing") {
		t.Errorf("rates all 0: %v; want refused as sending nothing", err)
	}
}

func TestStages_Total(t *testing.T) {
	for _, tc := range []struct {
		stages load.Stages
		want   uint64
	}{
		{load.Stages{{Duration: 10 * time.Second, From: 100, Rate: 100}}, 1000},
		{load.Stages{{Duration: 10 * time.Second, From: 0, Rate: 100}}, 500},
		{load.Stages{{Duration: 10 * time.Second, From: 0, Rate: 100}, {Duration: 10 * time.Second, From: 100, Rate: 100}, {Duration: 10 * time.Second, From: 100, Rate: 0}}, 2000},
		// 3 a second for 1 s: due at 0, 1/3, 2/3 s.
		{load.Stages{{Duration: time.Second, From: 3, Rate: 3}}, 3},
		// Less than one in all: event 0 is due at 0 s (drills.md, the
		// open model), so one; 51.25 in all: events 0 to 51.
		{load.Stages{{Duration: time.Second, From: 0.5, Rate: 0}}, 1},
		{load.Stages{{Duration: 10 * time.Second, From: 5.125, Rate: 5.125}}, 52},
	} {
		if got := tc.stages.Total(); got != tc.want {
			t.Errorf("%v: Total() = %d; want %d", tc.stages, got, tc.want)
		}
	}
}

// One constant stage paces as ConstantPacer does.
func TestStages_AsConstantPacer(t *testing.T) {
	c := load.ConstantPacer{Rate: load.Rate{Freq: 2500, Per: time.Second}, Duration: 3 * time.Second}
	s := load.Stages{{Duration: 3 * time.Second, From: 2500, Rate: 2500}}
	if s.Total() != c.Total() {
		t.Fatalf("Total %d; ConstantPacer's %d", s.Total(), c.Total())
	}
	for n := range c.Total() {
		if got, _ := s.Due(n); got != c.Due(n) {
			t.Fatalf("Due(%d) = %v; ConstantPacer's %v", n, got, c.Due(n))
		}
	}
}

// The n shards of a schedule, together, are the schedule: every event
// once, at its time.
func TestShard_PartsMakeTheWhole(t *testing.T) {
	whole := load.Stages{{Duration: 2 * time.Second, From: 0, Rate: 300}, {Duration: time.Second, From: 300, Rate: 300}, {Duration: time.Second, From: 1000, Rate: 0}}
	var want []time.Duration
	for n := range whole.Total() {
		d, _ := whole.Due(n)
		want = append(want, d)
	}
	for _, of := range []int{1, 2, 3, 7} {
		var got []time.Duration
		count := 0
		for i := range of {
			sh := load.Shard{Index: i, Of: of}
			part := sh.Part(whole)
			for k := uint64(0); ; k++ {
				d, ok := part.Due(k)
				if !ok {
					break
				}
				got = append(got, d)
			}
			count += sh.Count(len(want))
		}
		slices.Sort(got)
		if !slices.Equal(got, want) || count != len(want) {
			t.Errorf("%d shards: %d events (Count says %d); want the whole's %d, the same times", of, len(got), count, len(want))
		}
	}
}

func TestParseShard(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{{"0/1", true}, {"3/4", true}, {" 1 / 2 ", true}, {"4/4", false}, {"-1/4", false}, {"1/0", false}, {"a/b", false}, {"1", false}, {"0/10001", false}} {
		if _, err := load.ParseShard(tc.in); (err == nil) != tc.ok {
			t.Errorf("ParseShard(%q): %v; want ok %v", tc.in, err, tc.ok)
		}
	}
}

func TestParsePerSecond(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want load.PerSecond
		ok   bool
	}{
		{"2500/s", 2500, true}, {"2500", 2500, true}, {"300/m", 5, true}, {"90000/h", 25, true},
		{"100/500ms", 200, true}, {"0.5/s", 0.5, true}, {"0/s", 0, true},
		{"-1/s", 0, false}, {"fast", 0, false}, {"1/0s", 0, false}, {"NaN", 0, false}, {"2000000/s", 0, false},
	} {
		got, err := load.ParsePerSecond(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParsePerSecond(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

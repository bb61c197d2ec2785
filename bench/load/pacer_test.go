package load_test

import (
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
)

func TestConstantPacer_Pace(t *testing.T) {
	p := load.ConstantPacer{Rate: load.Rate{Freq: 4, Per: time.Second}, Duration: time.Second} // every 250 ms, 4 in all
	for _, tc := range []struct {
		name    string
		elapsed time.Duration
		sent    uint64
		wait    time.Duration
		stop    bool
	}{
		{"first due at once", 0, 0, 0, false},
		{"second in 250 ms", 0, 1, 250 * time.Millisecond, false},
		{"second partly waited", 100 * time.Millisecond, 1, 150 * time.Millisecond, false},
		{"on time", 500 * time.Millisecond, 2, 0, false},
		{"behind: due in the past", 900 * time.Millisecond, 2, -400 * time.Millisecond, false},
		{"last", 0, 3, 750 * time.Millisecond, false},
		{"after the last", 0, 4, 0, true},
		{"after the last, late", 5 * time.Second, 4, 0, true},
	} {
		wait, stop := p.Pace(tc.elapsed, tc.sent)
		if wait != tc.wait || stop != tc.stop {
			t.Errorf("%s: Pace(%v, %d) = %v, %v; want %v, %v", tc.name, tc.elapsed, tc.sent, wait, stop, tc.wait, tc.stop)
		}
	}
}

func TestConstantPacer_Total(t *testing.T) {
	for _, tc := range []struct {
		rate     load.Rate
		duration time.Duration
		want     uint64
	}{
		{load.Rate{Freq: 5000, Per: time.Second}, 30 * time.Second, 150000},
		{load.Rate{Freq: 3, Per: time.Second}, time.Second, 3},
		{load.Rate{Freq: 3, Per: time.Second}, 1001 * time.Millisecond, 4}, // the 4th is due at 1 s
		{load.Rate{Freq: 1, Per: time.Minute}, 30 * time.Second, 1},
		{load.Rate{Freq: 100, Per: time.Second}, 0, 0}, // never stops
	} {
		p := load.ConstantPacer{Rate: tc.rate, Duration: tc.duration}
		if got := p.Total(); got != tc.want {
			t.Errorf("%v for %v: Total() = %d; want %d", tc.rate, tc.duration, got, tc.want)
		}
		if tc.want == 0 {
			continue
		}
		// Total agrees with Pace: the last message is sent, the next stops.
		if _, stop := p.Pace(0, tc.want-1); stop {
			t.Errorf("%v for %v: message %d stops; want it sent", tc.rate, tc.duration, tc.want-1)
		}
		if _, stop := p.Pace(0, tc.want); !stop {
			t.Errorf("%v for %v: message %d is sent; want the pacer stopped", tc.rate, tc.duration, tc.want)
		}
	}
}

// TestConstantPacer_NoDrift checks a rate whose interval is not a whole
// number of nanoseconds: message i is due at exactly i/3 s, rounded.
func TestConstantPacer_NoDrift(t *testing.T) {
	p := load.ConstantPacer{Rate: load.Rate{Freq: 3, Per: time.Second}}
	if got, want := p.Due(3_000_000), 1_000_000*time.Second; got != want {
		t.Errorf("Due(3e6) = %v; want %v", got, want)
	}
	if got, want := p.Due(1), 333333333*time.Nanosecond; got != want {
		t.Errorf("Due(1) = %v; want %v", got, want)
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want load.Rate
		ok   bool
	}{
		{"5000/s", load.Rate{Freq: 5000, Per: time.Second}, true},
		{"5000", load.Rate{Freq: 5000, Per: time.Second}, true},
		{" 300 / m ", load.Rate{Freq: 300, Per: time.Minute}, true},
		{"10/h", load.Rate{Freq: 10, Per: time.Hour}, true},
		{"100/500ms", load.Rate{Freq: 100, Per: 500 * time.Millisecond}, true},
		{"0/s", load.Rate{}, false},
		{"-5/s", load.Rate{}, false},
		// Fractional, as a stage's rate may be: exact, the unit stretched.
		{"1.5/s", load.Rate{Freq: 15, Per: 10 * time.Second}, true},
		{"0.5/s", load.Rate{Freq: 5, Per: 10 * time.Second}, true},
		{"2.25/m", load.Rate{Freq: 225, Per: 100 * time.Minute}, true},
		{"0.000001/s", load.Rate{Freq: 1, Per: 1000000 * time.Second}, true},
		{"0.0000001/s", load.Rate{}, false},
		{"0.0/s", load.Rate{}, false},
		{".5/s", load.Rate{}, false},
		{"+5/s", load.Rate{}, false},
		{"1e3/s", load.Rate{}, false},
		{"5/fortnight", load.Rate{}, false},
		{"5/-1s", load.Rate{}, false},
		{"", load.Rate{}, false},
	} {
		got, err := load.ParseRate(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v (ok %v)", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if got := (load.Rate{Freq: 2500, Per: time.Second}).PerSecond(); got != 2500 {
		t.Errorf("PerSecond() = %v; want 2500", got)
	}
}

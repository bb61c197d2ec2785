package report

import (
	"math"
	"testing"

	"github.com/deskdrill/deskdrill/bench/load"
)

// The spectrum runs from the minimum to the maximum: n values say nothing
// of the percentiles beyond 1 − 1/n, and the curve ends there at the
// maximum, so a tail the summary's max shows is on the chart too.
func TestQuantiles_EndAtTheMaximum(t *testing.T) {
	for _, n := range []int{1, 500, 1000, 12_000} {
		h := load.NewHistogram()
		for i := 1; i <= n; i++ {
			h.RecordValue(int64(i) * 1000) // 1 µs … n µs
		}
		xs, ys := quantiles(h)
		last := len(xs) - 1
		if want := math.Log10(float64(n)); math.Abs(xs[last]-want) > 1e-9 {
			t.Errorf("n=%d: the curve ends at x %.4f; want log10(n) = %.4f", n, xs[last], want)
		}
		if want := float64(h.Max()) / 1e6; ys[last] != want {
			t.Errorf("n=%d: the curve ends at %v ms; want the maximum, %v ms", n, ys[last], want)
		}
		// One value is its own minimum and maximum: a single point.
		if n > 1 && (ys[0] != float64(h.ValueAtPercentile(0))/1e6 || xs[0] != 0) {
			t.Errorf("n=%d: the curve starts at (%v, %v); want the minimum at 0", n, xs[0], ys[0])
		}
		for i := 1; i < len(xs); i++ {
			if xs[i] <= xs[i-1] || ys[i] < ys[i-1] {
				t.Errorf("n=%d: point %d (%v, %v) after (%v, %v); want both rising", n, i, xs[i], ys[i], xs[i-1], ys[i-1])
			}
		}
	}
}

// The spectrum's axis is labelled as far as the longest curve goes.
func TestPercentileTicks(t *testing.T) {
	var got []string
	for _, tk := range (percentileTicks{}).Ticks(0, 6.2) {
		got = append(got, tk.Label)
	}
	want := []string{"0%", "90%", "99%", "99.9%", "99.99%", "99.999%", "99.9999%"}
	if len(got) != len(want) {
		t.Fatalf("labels %q; want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("labels %q; want %q", got, want)
			break
		}
	}
}

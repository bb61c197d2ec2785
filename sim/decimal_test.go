package sim_test

import (
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

// TestDecimal: a pooled value is written, and judged, as a decimal of at
// most 12 significant digits: binary noise goes (0.1 + 0.2 is 0.3), and a
// value that is exactly a target in decimals is the target again.
func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{0.1 + 0.2, "0.3"},
		{(40*0.92 + 10*0.80) / 50, "0.896"}, // 0.8960000000000001
		{(0.84 + 0.96) / 2, "0.9"},          // 0.8999999999999999
		{20.0 / 3, "6.66666666667"},         // 12 digits, not 16
		{0.899999995, "0.899999995"},        // 5e-9 under 0.9: kept
		{1234567.5, "1234567.5"},            // large values keep their decimals
		{0, "0"}, {6, "6"}, {42.5, "42.5"},
	} {
		if got := sim.Decimal(tc.v); got != tc.want {
			t.Errorf("Decimal(%v) = %s; want %s", tc.v, got, tc.want)
		}
		if got := sim.RoundDecimal(tc.v); sim.Decimal(got) != tc.want || got != sim.RoundDecimal(got) {
			t.Errorf("RoundDecimal(%v) = %v; want the float of %s", tc.v, got, tc.want)
		}
	}
	if sim.RoundDecimal((0.84+0.96)/2) != 0.9 {
		t.Errorf("RoundDecimal((0.84 + 0.96) ÷ 2) = %v; want 0.9", sim.RoundDecimal((0.84+0.96)/2))
	}
}

package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func TestDist_Validate(t *testing.T) {
	m := time.Minute
	tests := []struct {
		d     sim.Dist
		field string // "" = valid
		msg   string
	}{
		{sim.Constant(m), "", ""},
		{sim.Exponential(m), "", ""},
		{sim.Dist{Kind: sim.DistExponential, Mean: m, CV: 1}, "", ""},
		{sim.Lognormal(m, 0.6), "", ""},
		{sim.Dist{Kind: sim.DistGamma, Mean: m, CV: 2}, "", ""},
		{sim.Dist{Kind: sim.DistWeibull, Mean: m, CV: 0.5, Max: 10 * m}, "", ""},
		{sim.Dist{Kind: sim.DistUniform, Min: m, Max: 2 * m}, "", ""},
		{sim.Dist{Kind: "normal", Mean: m}, "kind", "want one of"},
		{sim.Dist{Kind: sim.DistConstant}, "mean", "above zero"},
		{sim.Dist{Kind: sim.DistConstant, Mean: -m}, "mean", "negative"},
		{sim.Dist{Kind: sim.DistConstant, Mean: m, CV: 0.2}, "cv", "does not apply"},
		{sim.Dist{Kind: sim.DistExponential, Mean: m, CV: 0.5}, "cv", "has cv 1"},
		{sim.Dist{Kind: sim.DistLognormal, Mean: m}, "cv", "above 0"},
		{sim.Dist{Kind: sim.DistWeibull, Mean: m, CV: 9}, "cv", "weibull cv"},
		{sim.Dist{Kind: sim.DistUniform, Min: 2 * m, Max: m}, "max", "above min"},
		{sim.Dist{Kind: sim.DistUniform, Mean: m, Min: 0, Max: 2 * m}, "mean", "leave mean out"},
		{sim.Dist{Kind: sim.DistLognormal, Mean: m, CV: 1, Min: 2 * m}, "mean", "outside [min, max]"},
		{sim.Dist{Kind: sim.DistLognormal, Mean: m, CV: 1, Min: 2 * m, Max: m}, "max", "below min"},
		{sim.Dist{Kind: sim.DistConstant, Mean: 400 * 24 * time.Hour}, "mean", "longer than a year"},
	}
	for _, tt := range tests {
		err := tt.d.Validate()
		if tt.field == "" {
			if err != nil {
				t.Errorf("%v: Validate = %v; want nil", tt.d, err)
			}
			continue
		}
		found := false
		if err != nil {
			for _, fe := range fieldErrs(t, err) {
				found = found || fe.Field == tt.field && strings.Contains(fe.Msg, tt.msg)
			}
		}
		if !found {
			t.Errorf("%v: Validate = %v; want %s: ...%s...", tt.d, err, tt.field, tt.msg)
		}
	}
}

func TestDist_MeanAndScale(t *testing.T) {
	u := sim.Dist{Kind: sim.DistUniform, Min: time.Minute, Max: 3 * time.Minute}
	if got := u.MeanDuration(); got != 2*time.Minute {
		t.Errorf("uniform mean = %v; want 2m", got)
	}
	l := sim.Dist{Kind: sim.DistLognormal, Mean: 6 * time.Minute, CV: 0.7, Max: 30 * time.Minute}.Scale(0.5)
	if l.Mean != 3*time.Minute || l.Max != 15*time.Minute || l.CV != 0.7 {
		t.Errorf("Scale(0.5) = %v; want mean 3m, max 15m, cv 0.7", l)
	}
}

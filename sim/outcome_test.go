package sim_test

import (
	"math"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func TestOutcome_Formulas(t *testing.T) {
	o := sim.DefaultOutcome()
	near := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.12g; want %.12g", name, got, want)
		}
	}
	s := o.Satisfaction
	// Defaults: base 5, wrong weight 2, wait weight 2 over 10 min, tension weight 1.
	near("latent, fast and right", s.Latent(0, 1, 0), 5)
	near("latent, wrong", s.Latent(0, 0, 0), 3)
	near("latent, 10 min wait", s.Latent(10*time.Minute, 1, 0), 5-2*(1-math.Exp(-1)))
	near("latent, tension 10", s.Latent(0, 1, 10), 4)
	ratings := []struct {
		u, z float64
		want int
	}{{4.8, 0, 5}, {4.4, 0, 4}, {2.8, -5, 1}, {4.8, 3, 5}, {3.0, 1.0, 4}, {3.0, 0.9, 3}}
	for _, r := range ratings {
		if got := s.Rating(r.u, r.z); got != r.want {
			t.Errorf("Rating(%v, %v) = %d; want %d", r.u, r.z, got, r.want)
		}
	}
	d := o.Dispute
	near("dispute, fast and right", d.Probability(0, 1, 0), 1/(1+math.Exp(6)))
	near("dispute, wrong and tense", d.Probability(0, 0, 10), 1/(1+math.Exp(0.5)))
	c := o.Conversion
	near("conversion, instant", c.Probability(0, 1), 0.45)
	near("conversion, 5 min", c.Probability(5*time.Minute, 1), 0.45*math.Exp(-1))
	near("conversion, wrong", c.Probability(0, 0), 0.45*0.3)
}

func TestAgentModel(t *testing.T) {
	m := sim.DefaultAgentModel()
	acc := 0.5
	fixed := sim.Constant(time.Minute)
	m.Cases = map[string]sim.AgentCase{sim.CaseWrongItem: {HandleTime: &fixed, Accuracy: &acc}}
	if got := m.HandleTimeFor(sim.CaseWrongItem); got != fixed {
		t.Errorf("HandleTimeFor(wrong_item) = %v; want the override", got)
	}
	if got := m.HandleTimeFor(sim.CasePresalesQuestion).Mean; got != 3*time.Minute {
		t.Errorf("HandleTimeFor(presales) mean = %v; want 6m × effort 0.5", got)
	}
	if m.AccuracyFor(sim.CaseWrongItem) != 0.5 || m.AccuracyFor(sim.CaseQualityDefect) != 0.93 {
		t.Errorf("AccuracyFor wrong")
	}
	if got := m.Slowdown(3); math.Abs(got-1.2) > 1e-12 {
		t.Errorf("Slowdown(3) = %v; want 3 ÷ 2.5 = 1.2", got)
	}
}

func TestContactMix_Shares(t *testing.T) {
	m := sim.ContactMix{sim.CasePresalesQuestion: 3, sim.CaseRefundUnshipped: 1, sim.CaseWrongItem: 0}
	got := m.Shares()
	want := []sim.CaseShare{{ID: sim.CaseRefundUnshipped, Share: 0.25}, {ID: sim.CasePresalesQuestion, Share: 0.75}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Shares = %v; want %v (table order, zero weights left out)", got, want)
	}
	if m.Share(sim.CasePresalesQuestion) != 0.75 {
		t.Errorf("Share(presales) = %v; want 0.75", m.Share(sim.CasePresalesQuestion))
	}
}

func TestMerchantPolicy_SLA(t *testing.T) {
	p := sim.DefaultMerchantPolicy()
	p.SLAs = map[string]time.Duration{sim.CaseQualityDefect: 6 * time.Hour}
	if p.SLA(sim.CaseQualityDefect) != 6*time.Hour || p.SLA(sim.CaseRefundUnshipped) != time.Hour || p.SLA("x") != 0 {
		t.Errorf("SLA: want the override, else the table, else 0")
	}
}

package phrases_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

func TestIntents(t *testing.T) {
	ci, ai := phrases.CustomerIntents(), phrases.AgentIntents()
	for _, want := range []phrases.Intent{phrases.Open, "dispute.complaint_12315", "rate.good", "nudge.emoji", phrases.AskCoupon} {
		if !slices.Contains(ci, want) {
			t.Errorf("CustomerIntents() lacks %q", want)
		}
	}
	if slices.Contains(ci, "nudge.none") {
		t.Errorf("CustomerIntents() has nudge.none; a silent nudge has no words")
	}
	for _, k := range sim.ActionKinds() {
		if !slices.Contains(ai, phrases.ConfirmOf(k)) {
			t.Errorf("AgentIntents() lacks %q", phrases.ConfirmOf(k))
		}
	}
	if slices.Contains(ai, phrases.Confirm) {
		t.Errorf("AgentIntents() has bare %q; confirm is always qualified", phrases.Confirm)
	}
}

func TestDisputeAt(t *testing.T) {
	ladder := sim.DefaultLadder() // person 3, supervisor 6, bad_review 8, platform 9, 12315 10
	tests := []struct {
		tension float64
		want    phrases.Intent
	}{
		{0, phrases.Dispute},
		{2.9, phrases.Dispute},
		{3, "dispute.person"},
		{7, "dispute.supervisor"},
		{8.5, "dispute.bad_review"},
		{9, "dispute.platform"},
		{10, "dispute.complaint_12315"},
	}
	for _, tt := range tests {
		if got := phrases.DisputeAt(ladder, tt.tension); got != tt.want {
			t.Errorf("DisputeAt(default ladder, %v) = %q; want %q", tt.tension, got, tt.want)
		}
	}
	// A rung fired only by waits has no tension trigger.
	if got := phrases.DisputeAt([]sim.Rung{{Step: sim.StepPlatform, Waits: 2}}, 10); got != phrases.Dispute {
		t.Errorf("DisputeAt(waits-only rung, 10) = %q; want %q", got, phrases.Dispute)
	}
}

func TestRateOfNudgeOf(t *testing.T) {
	for stars, want := range map[int]phrases.Intent{1: "rate.bad", 2: "rate.bad", 3: "rate", 4: "rate.good", 5: "rate.good"} {
		if got := phrases.RateOf(stars); got != want {
			t.Errorf("RateOf(%d) = %q; want %q", stars, got, want)
		}
	}
	for style, want := range map[sim.NudgeStyle]phrases.Intent{sim.NudgeZaiMa: "nudge.zai_ma", sim.NudgeRepeat: "nudge.repeat",
		sim.NudgeEmoji: "nudge.emoji", sim.NudgeNone: "nudge"} {
		if got := phrases.NudgeOf(style); got != want {
			t.Errorf("NudgeOf(%q) = %q; want %q", style, got, want)
		}
	}
}

// conversation draws a fixed mix of lines from one seeded stream.
func conversation(seed uint64) []string {
	b := phrases.Default()
	rng := rand.New(rand.NewPCG(seed, 7))
	s := phrases.Slots{Order: "2087654321098765432", Product: "蓝牙耳机", Price: 29900, Days: 4,
		Amount: 29900, Payer: sim.PayerSeller, Time: 4 * time.Hour}
	var out []string
	for i := range 40 {
		loc := phrases.Locales()[i%2]
		id := sim.CaseIDs()[i%len(sim.CaseIDs())]
		out = append(out,
			b.Customer(rng, loc, id, phrases.Open, s),
			b.Customer(rng, loc, id, phrases.GiveOrder, s),
			b.Agent(rng, loc, phrases.ConfirmOf(sim.ActionKinds()[i%len(sim.ActionKinds())]), s),
			b.Customer(rng, loc, id, phrases.DisputeOf(sim.EscalationSteps()[i%5]), s),
		)
	}
	return out
}

func TestBank_SameSeedSameLines(t *testing.T) {
	a, b := conversation(42), conversation(42)
	if !slices.Equal(a, b) {
		t.Fatalf("seed 42 twice gave different lines:\n%q\n%q", a[:4], b[:4])
	}
	if c := conversation(43); slices.Equal(a, c) {
		t.Errorf("seeds 42 and 43 gave the same %d lines; want the seed to matter", len(a))
	}
}

// TestBank_OneDrawPerLine pins that a line costs exactly one draw, so
// rewording a bank never shifts the rest of a seeded stream.
func TestBank_OneDrawPerLine(t *testing.T) {
	b := phrases.Default()
	r1 := rand.New(rand.NewPCG(1, 1))
	r2 := rand.New(rand.NewPCG(1, 1))
	b.Customer(r1, phrases.ZhCN, sim.CaseWrongItem, phrases.Open, phrases.Slots{})
	b.Agent(r1, phrases.En, phrases.Greet, phrases.Slots{})
	r2.Uint64()
	r2.Uint64()
	if x, y := r1.Uint64(), r2.Uint64(); x != y {
		t.Errorf("after two lines the stream is at %d; want %d (one draw per line)", x, y)
	}
}

func TestBank_Customer(t *testing.T) {
	b := phrases.Default()
	rng := rand.New(rand.NewPCG(3, 3))
	s := phrases.Slots{Order: "1234567890123456789"}
	draws := func(loc phrases.Locale, id string, intent phrases.Intent) map[string]bool {
		seen := map[string]bool{}
		for range 300 {
			seen[b.Customer(rng, loc, id, intent, s)] = true
		}
		return seen
	}
	t.Run("give_order discloses the order", func(t *testing.T) {
		for _, loc := range phrases.Locales() {
			for line := range draws(loc, sim.CaseQualityDefect, phrases.GiveOrder) {
				if !strings.Contains(line, s.Order) {
					t.Errorf("%s: %q; want the order number in it", loc, line)
				}
			}
		}
	})
	t.Run("unknown case uses generic lines", func(t *testing.T) {
		got, want := draws(phrases.ZhCN, "no_such_case", phrases.Open), draws(phrases.ZhCN, phrases.Generic, phrases.Open)
		if len(got) == 0 || !mapsEqual(got, want) {
			t.Errorf("unknown case drew %v; want the generic lines %v", got, want)
		}
	})
	t.Run("case lines win", func(t *testing.T) {
		generic := draws(phrases.En, phrases.Generic, phrases.Open)
		for line := range draws(phrases.En, sim.CaseWrongItem, phrases.Open) {
			if generic[line] {
				t.Errorf("wrong_item opened with the generic %q", line)
			}
		}
	})
	t.Run("unknown qualifier uses the base", func(t *testing.T) {
		got, want := draws(phrases.En, sim.CaseWrongItem, "dispute.no_such_step"), draws(phrases.En, sim.CaseWrongItem, phrases.Dispute)
		if !mapsEqual(got, want) {
			t.Errorf("dispute.no_such_step drew %v; want the dispute lines %v", got, want)
		}
	})
	t.Run("unknown locale uses the first", func(t *testing.T) {
		got, want := draws("fr", sim.CaseWrongItem, phrases.Open), draws(phrases.ZhCN, sim.CaseWrongItem, phrases.Open)
		if !mapsEqual(got, want) {
			t.Errorf("locale fr drew %v; want the zh-CN lines", got)
		}
	})
	t.Run("threats name their rung", func(t *testing.T) {
		for line := range draws(phrases.ZhCN, sim.CaseAngryThreat, phrases.DisputeOf(sim.Step12315)) {
			if !strings.Contains(line, "12315") {
				t.Errorf("dispute.complaint_12315: %q; want 12315 named", line)
			}
		}
	})
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func TestBank_PanicsOnUnknownIntent(t *testing.T) {
	b := phrases.Default()
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name string
		call func()
	}{
		{"agent intent to Customer", func() { b.Customer(rng, phrases.ZhCN, sim.CaseWrongItem, phrases.Greet, phrases.Slots{}) }},
		{"customer intent to Agent", func() { b.Agent(rng, phrases.ZhCN, phrases.Open, phrases.Slots{}) }},
		{"bare confirm", func() { b.Agent(rng, phrases.En, phrases.Confirm, phrases.Slots{}) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic; want one for a programmer error")
				}
			}()
			tt.call()
		})
	}
}

func TestBank_QuickReplies(t *testing.T) {
	b := phrases.Default()
	for _, loc := range phrases.Locales() {
		qs := b.QuickReplies(loc)
		if len(qs) < 15 {
			t.Errorf("%s: %d quick replies; want at least 15", loc, len(qs))
		}
		titles := map[string]bool{}
		for _, q := range qs {
			if q.Title == "" || q.Text == "" || titles[q.Title] {
				t.Errorf("%s: quick reply %+v: want a unique title and a text", loc, q)
			}
			titles[q.Title] = true
		}
		qs[0].Text = "changed"
		if b.QuickReplies(loc)[0].Text == "changed" {
			t.Errorf("%s: QuickReplies shares its slice; want a copy", loc)
		}
	}
}

func BenchmarkBank_Customer(b *testing.B) {
	bank := phrases.Default()
	rng := rand.New(rand.NewPCG(1, 2))
	s := phrases.Slots{Order: "2087654321098765432", Product: "蓝牙耳机", Price: 29900, Days: 4}
	for b.Loop() {
		_ = bank.Customer(rng, phrases.ZhCN, sim.CaseQualityDefect, phrases.Open, s)
	}
}

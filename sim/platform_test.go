package sim_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

func TestPlatformProfile_Validate(t *testing.T) {
	tests := []struct {
		name   string
		change func(p *sim.PlatformProfile)
		field  string // "" = valid
		msg    string
	}{
		{"valid", func(p *sim.PlatformProfile) {}, "", ""},
		{"jd exclusion wraps midnight", func(p *sim.PlatformProfile) {
			p.AnswerRateExcludes = &sim.ClockRange{From: sim.Clock(23, 0), To: sim.Clock(9, 0)}
		}, "", ""},
		{"sources of known fields", func(p *sim.PlatformProfile) {
			p.Sources = map[string]string{"round_cap": "Taobao rule"}
		}, "", ""},
		{"name", func(p *sim.PlatformProfile) { p.Name = "" }, "name", "is required"},
		{"hours missing", func(p *sim.PlatformProfile) { p.BusinessHours = sim.ClockRange{} }, "business_hours", "is required"},
		{"hours over midnight", func(p *sim.PlatformProfile) {
			p.BusinessHours = sim.ClockRange{From: sim.Clock(22, 0), To: sim.Clock(2, 0)}
		}, "business_hours", "must not run over midnight"},
		{"answer threshold", func(p *sim.PlatformProfile) { p.AnswerThreshold = 0 }, "answer_threshold", "above zero"},
		{"reply threshold", func(p *sim.PlatformProfile) { p.ReplyThreshold = -time.Second }, "reply_threshold", "above zero"},
		{"round cap", func(p *sim.PlatformProfile) { p.RoundCap = -time.Second }, "round_cap", "negative"},
		{"unanswered below cap", func(p *sim.PlatformProfile) { p.UnansweredRound = time.Minute }, "unanswered_round", "below round_cap"},
		{"unanswered without cap", func(p *sim.PlatformProfile) { p.RoundCap = 0 }, "unanswered_round", "is required"},
		{"scope", func(p *sim.PlatformProfile) { p.ReplyScope = "session" }, "reply_scope", "round or dialogue"},
		{"bot rule", func(p *sim.PlatformProfile) { p.ValidReply.FullAutoBot = "maybe" }, "valid_reply.full_auto_bot", "want one of"},
		{"empty exclusion", func(p *sim.PlatformProfile) {
			p.AnswerRateExcludes = &sim.ClockRange{From: sim.Clock(9, 0), To: sim.Clock(9, 0)}
		}, "answer_rate_excludes", "is empty"},
		{"source of no field", func(p *sim.PlatformProfile) { p.Sources = map[string]string{"speed": "x"} }, "sources.speed", "no profile field"},
		{"empty source", func(p *sim.PlatformProfile) { p.Sources = map[string]string{"round_cap": " "} }, "sources.round_cap", "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := profile()
			tt.change(p)
			err := p.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v; want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate = nil; want %s: ...%s...", tt.field, tt.msg)
			}
			for _, fe := range fieldErrs(t, err) {
				if fe.Field == tt.field && strings.Contains(fe.Msg, tt.msg) {
					return
				}
			}
			t.Errorf("Validate = %v; want %s: ...%s...", err, tt.field, tt.msg)
		})
	}
}

func TestPlatformProfile_Normalize(t *testing.T) {
	p := profile()
	p.Normalize()
	if p.TimeoutThreshold != 3*time.Minute || p.ReplyScope != sim.ScopeRound || p.UnansweredRound != 10*time.Minute ||
		p.ValidReply.FullAutoBot != sim.BotExclude || p.ValidReply.AssistBot != sim.BotCount {
		t.Errorf("Normalize = %+v; want timeout 3m, scope round, unanswered = cap, full-auto excluded, assist counted", p)
	}
	in := sim.Date(2026, 1, 1, 7, 59).In(time.UTC)
	if p.InBusinessHours(in) || !p.InBusinessHours(in.Add(time.Minute)) {
		t.Errorf("InBusinessHours around 08:00 is wrong")
	}
	q := p.Clone()
	q.Sources = map[string]string{"round_cap": "x"}
	q.Name = "other"
	if p.Name != "test" || p.Sources != nil {
		t.Errorf("Clone shares state with the original")
	}
}

package phrases

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// full sets every slot, so a filled line must show none of the blanks'
// braces and every value it names.
var full = Slots{Order: "2087654321098765432", Product: "纯棉短袖T恤", Price: 8990, Days: 3,
	Name: "小王", Amount: 4500, Payer: sim.PayerSeller, Time: 2 * time.Hour}

func checkLine(t *testing.T, what, got string) {
	t.Helper()
	if strings.TrimSpace(got) == "" {
		t.Errorf("%s: got an empty line", what)
	}
	if strings.ContainsAny(got, "{}") {
		t.Errorf("%s: got %q; want every slot filled", what, got)
	}
}

// TestDefault_CustomerCoverage walks every line a buyer can draw: every
// locale × case (and an unknown one) × intent, filled with every slot and
// with none.
func TestDefault_CustomerCoverage(t *testing.T) {
	b := Default()
	if len(b.locales) != len(Locales()) {
		t.Fatalf("Default holds %d locales; want %d", len(b.locales), len(Locales()))
	}
	for _, l := range b.locales {
		for _, id := range append(sim.CaseIDs(), "no_such_case") {
			for _, intent := range CustomerIntents() {
				what := string(l.id) + "/" + id + "/" + string(intent)
				lines := l.customerLines(id, intent)
				if len(lines) < 3 {
					t.Errorf("%s: %d lines; want at least 3", what, len(lines))
				}
				for _, tp := range lines {
					checkLine(t, what, tp.fill(l, &full))
					checkLine(t, what+" (no slots)", tp.fill(l, &Slots{}))
				}
			}
			if id == "no_such_case" {
				continue
			}
			// Every case opens in its own words, in several styles.
			if n := len(l.customer[id][Open]); n < 5 {
				t.Errorf("%s/%s: %d open lines of its own; want at least 5", l.id, id, n)
			}
		}
	}
}

func TestDefault_AgentCoverage(t *testing.T) {
	b := Default()
	for _, l := range b.locales {
		for _, intent := range AgentIntents() {
			lines := l.agent[intent]
			if len(lines) < 3 {
				t.Errorf("%s/%s: %d lines; want at least 3", l.id, intent, len(lines))
			}
			for _, tp := range lines {
				checkLine(t, string(l.id)+"/"+string(intent), tp.fill(l, &full))
				checkLine(t, string(l.id)+"/"+string(intent)+" (no slots)", tp.fill(l, &Slots{}))
			}
		}
		if n := len(l.quick); n < 15 {
			t.Errorf("%s: %d quick replies; want at least 15", l.id, n)
		}
	}
}

// TestDefault_AgentLinesAreDetected checks the bots' lines against the
// detector buyers use: a bot that asks for the order number must be heard
// asking for it.
func TestDefault_AgentLinesAreDetected(t *testing.T) {
	b := Default()
	checks := []struct {
		intent Intent
		got    func(Asks) bool
	}{
		{AskOrder, func(a Asks) bool { return a.Order }},
		{AskEvidence, func(a Asks) bool { return a.Evidence }},
		{Apologize, func(a Asks) bool { return a.Apology }},
		{NextStep, func(a Asks) bool { return a.NextStep }},
	}
	for _, l := range b.locales {
		for _, c := range checks {
			for _, tp := range l.agent[c.intent] {
				for _, s := range []Slots{{}, full, {Time: 3 * 24 * time.Hour}, {Time: 30 * time.Minute}} {
					line := tp.fill(l, &s)
					if a := b.Asks(line); !c.got(a) {
						t.Errorf("%s/%s: Asks(%q) = %+v; want it detected", l.id, c.intent, line, a)
					}
				}
			}
		}
	}
}

// forbidden lists what an agent must never write (DOMAIN.md §2 #12, #16):
// absolute claims (极限词), false guarantees, contact off the platform,
// private cash-back and pressure on reviews. It is a test-side guard of
// the built-in lines, not the scorer's lexicon.
var forbidden = []string{
	"最好", "最佳", "最优", "最低", "最高", "最便宜", "最强", "第一", "顶级", "极致", "绝对", "100%", "百分百",
	"国家级", "唯一", "首个", "全网", "万能", "永久", "保证", "一定",
	"微信", "加我", "QQ", "私聊", "私下", "电话", "手机号", "返现", "好评返", "转账", "删除评价", "改评价", "删评",
	"best", "guarantee", "number one", "cheapest", "lowest", "wechat", "whatsapp", "telegram",
	"call me", "text me", "email me", "phone", "cash back", "cashback", "your review", "the review",
}

func TestDefault_AgentLinesAreCompliant(t *testing.T) {
	b := Default()
	check := func(where, text string) {
		low := strings.ToLower(text)
		for _, w := range forbidden {
			if strings.Contains(low, strings.ToLower(w)) {
				t.Errorf("%s: %q contains %q", where, text, w)
			}
		}
	}
	for _, l := range b.locales {
		for intent, lines := range l.agent {
			for _, tp := range lines {
				check(string(l.id)+"/"+string(intent), tp.fill(l, &full))
			}
		}
		for _, q := range l.quick {
			check(string(l.id)+"/quick "+q.Title, q.Text)
		}
	}
}

func TestTemplate_Fill(t *testing.T) {
	b := Default()
	zh, en := b.locale(ZhCN), b.locale(En)
	tests := []struct {
		name string
		l    *locale
		line string
		s    Slots
		want string
	}{
		{"whole yuan", zh, "退款{amount}", Slots{Amount: 19900}, "退款¥199"},
		{"fen", zh, "退款{amount}", Slots{Amount: 8990}, "退款¥89.90"},
		{"one fen", en, "{price}", Slots{Price: 1}, "¥0.01"},
		{"blank amount", zh, "退款{amount}", Slots{}, "退款相应金额"},
		{"negative amount is blank", en, "{amount}", Slots{Amount: -5}, "the agreed amount"},
		{"payer seller zh", zh, "运费由{payer}承担", Slots{Payer: sim.PayerSeller}, "运费由我们承担"},
		{"payer buyer zh", zh, "运费由{payer}承担", Slots{Payer: sim.PayerBuyer}, "运费由您承担"},
		{"payer seller en", en, "paid by {payer}", Slots{Payer: sim.PayerSeller}, "paid by us"},
		{"payer buyer en", en, "paid by {payer}", Slots{Payer: sim.PayerBuyer}, "paid by you"},
		{"minutes zh", zh, "{time}", Slots{Time: 90 * time.Minute}, "90分钟内"},
		{"hours zh", zh, "{time}", Slots{Time: 48 * time.Hour}, "48小时内"},
		{"days zh", zh, "{time}", Slots{Time: 72 * time.Hour}, "3天内"},
		{"seconds round up", zh, "{time}", Slots{Time: 30 * time.Second}, "1分钟内"},
		{"one hour en", en, "{time}", Slots{Time: time.Hour}, "within 1 hour"},
		{"minutes en", en, "{time}", Slots{Time: 15 * time.Minute}, "within 15 minutes"},
		{"days en", en, "{time}", Slots{Time: 7 * 24 * time.Hour}, "within 7 days"},
		{"blank time en", en, "{time}", Slots{}, "within 24 hours"},
		{"days", zh, "{days}天前", Slots{Days: 12}, "12天前"},
		{"blank days", zh, "{days}天前", Slots{}, "几天前"},
		{"several slots", en, "{name}: {order} {product}!", Slots{Name: "Ann", Order: "123", Product: "mug"}, "Ann: 123 mug!"},
		{"no slots", en, "hello?", Slots{}, "hello?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp, err := parseTemplate(tt.line)
			if err != nil {
				t.Fatal(err)
			}
			if got := tp.fill(tt.l, &tt.s); got != tt.want {
				t.Errorf("fill(%q) = %q; want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestParseTemplate_Errors(t *testing.T) {
	tests := []struct{ line, want string }{
		{"{ordr}", "unknown slot {ordr}"},
		{"{order", `a lone "{"`},
		{"order}", `a lone "}"`},
		{"{{order}}", "unknown slot {{order}"},
		{"{}", "unknown slot {}"},
	}
	for _, tt := range tests {
		_, err := parseTemplate(tt.line)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseTemplate(%q) = %v; want an error containing %q", tt.line, err, tt.want)
		}
	}
}

func TestTemplate_FillNoSlotsDoesNotAllocate(t *testing.T) {
	l := Default().locale(ZhCN)
	tp, _ := parseTemplate("在吗?")
	s := Slots{}
	if n := testing.AllocsPerRun(100, func() { _ = tp.fill(l, &s) }); n != 0 {
		t.Errorf("fill of a line without slots: %v allocs; want 0", n)
	}
}

package phrases_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// minimalBank is the smallest complete en bank: one line per required
// intent. Its first lines are fixed so error cases can point at them.
func minimalBank() string {
	var b strings.Builder
	b.WriteString("locale: en\n") // line 1
	b.WriteString("blanks:\n")    // line 2
	for _, s := range []string{"order", "product", "price", "days", "name", "amount", "payer", "time"} {
		fmt.Fprintf(&b, "  %s: some %s\n", s, s) // lines 3-10
	}
	b.WriteString("customer:\n  generic:\n") // lines 11-12
	for _, i := range phrases.CustomerIntents() {
		if !strings.Contains(string(i), ".") {
			fmt.Fprintf(&b, "    %s: [\"%s {product}\"]\n", i, i) // open is line 13
		}
	}
	b.WriteString("agent:\n")
	for _, i := range phrases.AgentIntents() {
		fmt.Fprintf(&b, "  %s: [\"%s {time}\"]\n", i, i)
	}
	b.WriteString("quick_replies:\n  - {title: Hi, text: Hello there}\n")
	b.WriteString("asks:\n  order: [order]\n  evidence: [photo]\n  apology: [sorry]\n  next_step: ['within \\d+']\n")
	return b.String()
}

func load(t *testing.T, src string) (*phrases.Bank, error) {
	t.Helper()
	return phrases.Load(strings.NewReader(src), "bank.yaml")
}

func TestLoad_Minimal(t *testing.T) {
	b, err := load(t, minimalBank())
	if err != nil {
		t.Fatalf("Load(minimal) = %v", err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	// A one-locale bank answers every locale with its own.
	if got := b.Customer(rng, phrases.ZhCN, sim.CaseWrongItem, phrases.Open, phrases.Slots{Product: "mug"}); got != "open mug" {
		t.Errorf("Customer(zh-CN, wrong_item, open) = %q; want %q", got, "open mug")
	}
	if got := b.Customer(rng, phrases.En, sim.CaseWrongItem, "rate.good", phrases.Slots{}); got != "rate some product" {
		t.Errorf("Customer(rate.good) = %q; want the rate line with the blank", got)
	}
	if got := b.Agent(rng, phrases.En, phrases.ConfirmOf(sim.ActReship), phrases.Slots{}); got != "confirm.reship some time" {
		t.Errorf("Agent(confirm.reship) = %q", got)
	}
	if got := b.Asks("Sorry, your order within 3 days"); got != (phrases.Asks{Order: true, Apology: true, NextStep: true}) {
		t.Errorf("Asks = %+v", got)
	}
}

func TestLoad_BuiltinFiles(t *testing.T) {
	for _, name := range []string{"zh-CN.yaml", "en.yaml"} {
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		_, err = phrases.Load(f, name)
		f.Close()
		if err != nil {
			t.Errorf("Load(%s) = %v", name, err)
		}
	}
}

func TestLoad_Errors(t *testing.T) {
	base := minimalBank()
	replace := func(from, to string) string {
		if !strings.Contains(base, from) {
			t.Fatalf("minimal bank lacks %q", from)
		}
		return strings.Replace(base, from, to, 1)
	}
	tests := []struct {
		name string
		src  string
		want []string // each must appear in the error
	}{
		{"empty", "", []string{"bank.yaml: the file is empty"}},
		{"syntax", "locale: [en\n", []string{"bank.yaml: YAML syntax"}},
		{"two documents", base + "---\nlocale: en\n", []string{"a second YAML document"}},
		{"not a mapping", "- a\n", []string{"bank.yaml:1:1: want a mapping with fields locale, blanks"}},
		{"unknown top field", base + "extra: 1\n", []string{`: extra: unknown field "extra" (known fields here: locale, blanks, customer, agent, quick_replies, asks)`}},
		{"unknown locale", replace("locale: en", "locale: fr"), []string{`bank.yaml:1:9: locale: "fr": want one of [zh-CN en]`}},
		{"missing section", replace("locale: en\n", ""), []string{"bank.yaml:1:1: locale: is required"}},
		{"field twice", base + "locale: en\n", []string{"locale: given twice"}},
		{"missing blank", replace("  name: some name\n", ""), []string{"bank.yaml:3:3: blanks.name: is required"}},
		{"blank with a slot", replace("name: some name", "name: '{name}'"), []string{"bank.yaml:7:9: blanks.name: a blank is the word itself"}},
		{"unknown case", replace("agent:\n", "  wrong_itme:\n    open: [x]\nagent:\n"),
			[]string{`customer.wrong_itme: unknown case "wrong_itme" (known: generic, refund_unshipped`}},
		{"unknown intent", replace("    open:", "    opne: [x]\n    open:"), []string{`bank.yaml:13:5: customer.generic.opne: unknown field "opne"`}},
		{"unknown qualifier", replace("    open:", "    dispute.court: [x]\n    open:"), []string{`customer.generic.dispute.court: unknown field`}},
		{"missing generic intent", replace(`    open: ["open {product}"]`+"\n", ""), []string{"bank.yaml:13:5: customer.generic.open: is required"}},
		{"missing generic", replace("  generic:\n", "  wrong_item:\n"), []string{"customer.generic: is required"}},
		{"unknown slot", replace(`open {product}`, `open {prodcut}`), []string{"bank.yaml:13:12: customer.generic.open[0]: unknown slot {prodcut}"}},
		{"lone brace", replace(`open {product}`, `open {product`), []string{`customer.generic.open[0]: a lone "{"`}},
		{"blank line", replace(`["open {product}"]`, `["  "]`), []string{"customer.generic.open[0]: must not be blank"}},
		{"empty list", replace(`["open {product}"]`, `[]`), []string{"customer.generic.open: must not be empty"}},
		{"not a list", replace(`["open {product}"]`, `open`), []string{"customer.generic.open: want a list; got the value"}},
		{"null line", replace(`["open {product}"]`, `[~]`), []string{"customer.generic.open[0]: want text; got nothing (null)"}},
		{"missing agent intent", replace(`  confirm.reship: ["confirm.reship {time}"]`+"\n", ""), []string{"agent.confirm.reship: is required"}},
		{"bare confirm", replace("agent:\n", "agent:\n  confirm: [x]\n"), []string{`agent.confirm: unknown field "confirm"`}},
		{"quick reply slot", replace("text: Hello there", "text: 'Hello {name}'"), []string{"quick_replies[0].text: a quick reply is sent as written"}},
		{"quick reply title missing", replace("{title: Hi, text: Hello there}", "{text: Hello there}"), []string{"quick_replies[0].title: is required"}},
		{"no quick replies", replace("  - {title: Hi, text: Hello there}\n", ""), []string{"quick_replies: want a list; got nothing (null)"}},
		{"bad pattern", replace("order: [order]", "order: ['order(']"), []string{`asks.order[0]: pattern "order("`}},
		{"missing pattern kind", replace("  apology: [sorry]\n", ""), []string{"asks.apology: is required"}},
		{"aliases expand too far", laughs(), []string{"aliases expand too far"}},
		{"too many problems", base + strings.Repeat("bad: 1\n", 150), []string{"and 50 more problems"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := load(t, tt.src)
			if err == nil {
				t.Fatalf("Load = %v, nil; want an error", b)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Load error:\n%v\nwant it to contain %q", err, w)
				}
			}
			if !errors.Is(err, phrases.ErrBadInput) {
				t.Errorf("Load error %v does not match ErrBadInput", err)
			}
			var fe *phrases.FieldError
			if !errors.As(err, &fe) {
				t.Errorf("Load error %T is no *FieldError", err)
			}
		})
	}
}

// laughs is a bank whose aliases make 2.7 million lines out of 5,000: a
// long anchored list reused under every case and intent. Load must stop
// walking it early.
func laughs() string {
	var b strings.Builder
	b.WriteString("    more: &l [x")
	b.WriteString(strings.Repeat(", x", 4999))
	b.WriteString("]\n")
	for _, id := range sim.CaseIDs() {
		fmt.Fprintf(&b, "  %s:\n", id)
		for _, i := range phrases.CustomerIntents() {
			fmt.Fprintf(&b, "    %s: *l\n", i)
		}
	}
	base := minimalBank()
	src := strings.Replace(base, "customer:\n  generic:\n", "customer:\n  generic:\n"+b.String(), 1)
	// The generic section is now split by the cases; move its other
	// intents under the last case, where they are harmless duplicates.
	return strings.Replace(src, `    more: ["more {product}"]`+"\n", "", 1)
}

func TestLoad_ErrorsInFileOrder(t *testing.T) {
	src := strings.Replace(minimalBank(), "locale: en", "locale: fr", 1) + "extra: 1\n"
	src = strings.Replace(src, "name: some name", "nme: some name", 1)
	_, err := load(t, src)
	msg := err.Error()
	i, j, k := strings.Index(msg, "locale:"), strings.Index(msg, "blanks.nme"), strings.Index(msg, "extra:")
	if i < 0 || j < 0 || k < 0 || !(i < j && j < k) {
		t.Errorf("errors out of file order:\n%v", msg)
	}
}

func TestLoad_TooLarge(t *testing.T) {
	_, err := phrases.Load(strings.NewReader(strings.Repeat("#", 4<<20+1)), "huge.yaml")
	if err == nil || !errors.Is(err, phrases.ErrBadInput) || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Load(4 MiB + 1) = %v; want a bad-input size error", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestLoad_ReadError(t *testing.T) {
	_, err := phrases.Load(failingReader{}, "x.yaml")
	if err == nil || errors.Is(err, phrases.ErrBadInput) || !strings.Contains(err.Error(), "read phrase bank x.yaml: disk on fire") {
		t.Errorf("Load(failing reader) = %v; want a wrapped read error that is not bad input", err)
	}
}

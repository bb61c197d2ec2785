package phrases_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// FuzzLoad checks that no input makes Load panic, that every error is a
// positioned bad-input error, and that a bank it accepts draws a non-empty
// line with every slot filled for every case and intent.
//
// The seeds are small on purpose: the fuzzer minimises every new input it
// finds, and minimising a 20 KB built-in bank takes longer than a short
// fuzz run. The built-in banks are loaded by TestLoad_BuiltinFiles.
func FuzzLoad(f *testing.F) {
	base := minimalBank()
	f.Add([]byte(base))
	f.Add([]byte(strings.Replace(base, "locale: en", "locale: zh-CN", 1)))
	f.Add([]byte(strings.Replace(base, "open {product}", "在吗 {product", 1)))
	f.Add([]byte(strings.Replace(base, "customer:\n  generic:\n", "customer:\n  generic:\n    more: &m [a, b]\n    thanks: *m\n  wrong_item:\n    dispute.platform: [平台介入 {order}]\n", 1)))
	f.Add([]byte("locale: en\nblanks: {order: x}\ncustomer: {generic: {open: [\"{ordr}\"]}}\nasks: {order: ['(']}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := phrases.Load(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			var fe *phrases.FieldError
			if !errors.As(err, &fe) || !errors.Is(err, phrases.ErrBadInput) {
				t.Fatalf("error is no positioned bad-input error: %T %v", err, err)
			}
			return
		}
		rng := rand.New(rand.NewPCG(1, 1))
		check := func(what, line string) {
			if strings.TrimSpace(line) == "" || strings.ContainsAny(line, "{}") {
				t.Fatalf("%s: %q; want a non-empty line with every slot filled", what, line)
			}
		}
		for _, id := range []string{sim.CaseWrongItem, sim.CasePresalesQuestion, "no_such_case"} {
			for _, i := range phrases.CustomerIntents() {
				check(id+"/"+string(i), b.Customer(rng, phrases.En, id, i, phrases.Slots{}))
			}
		}
		for _, i := range phrases.AgentIntents() {
			check(string(i), b.Agent(rng, phrases.ZhCN, i, phrases.Slots{}))
		}
		if len(b.QuickReplies(phrases.En)) == 0 {
			t.Fatal("an accepted bank has no quick replies")
		}
		_ = b.Asks(string(data))
	})
}

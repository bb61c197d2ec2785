package trainer_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/trainer"
)

// FuzzParseExam checks that no exam file makes the decoder panic, that
// every refusal is a bad-input error naming the file, and that an accepted
// exam can be sat: each item's scripted customer opens its conversation.
// Seeds: the built-in exams and a few broken ones.
func FuzzParseExam(f *testing.F) {
	for _, n := range trainer.ExamNames() {
		b, err := trainer.ExamSource(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("name: x\nitems: []\n"))
	f.Add([]byte("name: x\nplatform: nowhere\nitems: [{id: a, case: nope}]\n"))
	f.Add([]byte("name: [\n"))
	bank := phrases.Default()
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := trainer.ParseExam("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, scenarios.ErrBadInput) {
				t.Fatalf("refusal is not a bad-input error: %T %v", err, err)
			}
			if !strings.Contains(err.Error(), "fuzz.yaml") {
				t.Fatalf("refusal does not name the file: %v", err)
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("an accepted exam fails Validate again: %v", err)
		}
		at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		for i := range e.Items {
			s := trainer.NewScript(e, i, bank)
			if o := s.Start(at); o.Text == "" {
				t.Fatalf("item %d opens with no message", i)
			}
		}
	})
}

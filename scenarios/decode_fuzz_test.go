package scenarios_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

// addCorpus seeds f with the files of testdata/<dir>.
func addCorpus(f *testing.F, dir string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata/%s", dir)
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// decodeFailure checks that a decoder's error is a positioned bad-input
// error, never a bare or internal one.
func decodeFailure(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var fe *scenarios.FieldError
	var nf *scenarios.NotFoundError
	if !errors.As(err, &fe) && !errors.As(err, &nf) {
		t.Fatalf("error is neither a FieldError nor a NotFoundError: %T %v", err, err)
	}
	if !errors.Is(err, scenarios.ErrBadInput) {
		t.Fatalf("error does not match ErrBadInput: %v", err)
	}
}

func FuzzParseContract(f *testing.F) {
	addCorpus(f, "contracts")
	for _, n := range scenarios.ContractNames() {
		b, _ := scenarios.ContractSource(n)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := scenarios.ParseContract("fuzz.yaml", data)
		decodeFailure(t, err)
		if err == nil {
			// A contract that validates must be usable.
			if _, err := c.Refund(zeroInput()); err != nil {
				t.Fatalf("valid contract cannot refund an empty month: %v", err)
			}
		}
	})
}

func FuzzParseKPIsCSV(f *testing.F) {
	addCorpus(f, "kpis-csv")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := scenarios.ParseKPIs("fuzz.csv", data)
		decodeFailure(t, err)
	})
}

func FuzzParseKPIsJSON(f *testing.F) {
	addCorpus(f, "kpis-json")
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := scenarios.ParseKPIs("fuzz.json", data)
		decodeFailure(t, err)
	})
}

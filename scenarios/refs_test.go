package scenarios_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/scenarios"
)

// A file named as input that cannot be read is bad input, with the
// system's reason, whichever loader reads it.
func TestReadInput_Unreadable(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.yaml")
	for _, tc := range []struct {
		name, path, want string
		notExist         bool
	}{
		{"missing", missing, missing + ": no such file or directory", true},
		{"a directory", dir, dir + ": is a directory", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, load := range []struct {
				name string
				err  func() error
			}{
				{"ReadInput", func() error { _, err := scenarios.ReadInput(tc.path); return err }},
				{"OpenInput", func() error { _, err := scenarios.OpenInput(tc.path); return err }},
				{"LoadScenarioFile", func() error { _, err := scenarios.LoadScenarioFile(tc.path); return err }},
				{"LoadContract", func() error { _, err := scenarios.LoadContract(tc.path); return err }},
				{"LoadProfile", func() error { _, err := scenarios.LoadProfile(tc.path); return err }},
			} {
				err := load.err()
				// A missing name is a NotFoundError for the loaders that
				// also take built-in names.
				notExist := errors.Is(err, fs.ErrNotExist) || errors.Is(err, scenarios.ErrNotFound)
				if !errors.Is(err, scenarios.ErrBadInput) || notExist != tc.notExist {
					t.Errorf("%s: got %v; want bad input (missing: %v)", load.name, err, tc.notExist)
				}
				var fe *scenarios.FileError
				if errors.As(err, &fe) && !strings.HasSuffix(err.Error(), tc.want) {
					t.Errorf("%s: got %q; want it to end %q", load.name, err, tc.want)
				}
			}
		})
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 5<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := scenarios.ReadInput(big); !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), "at most") {
		t.Errorf("a 5 MiB file: got %v; want bad input naming the limit", err)
	}
}

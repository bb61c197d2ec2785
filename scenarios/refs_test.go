package scenarios_test

import (
	"errors"
	"fmt"
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

// A profile file is a whole profile or base (a built-in name or another
// file, found beside it) plus the fields that differ (scenarios.md), as a
// scenario's inline platform is; a file's problems come back themselves,
// each with its line, column and field.
func TestLoadProfile_FileWithBase(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	taobao, err := scenarios.LoadProfile("taobao")
	if err != nil {
		t.Fatal(err)
	}
	p2 := write("p2.yaml", "name: p2\nbase: taobao\nreply_threshold: 2m\n")
	got, err := scenarios.LoadProfile(p2)
	if err != nil {
		t.Fatalf("a file based on taobao: %v", err)
	}
	if got.Name != "p2" || got.ReplyThreshold.Minutes() != 2 || got.BusinessHours != taobao.BusinessHours || got.AnswerThreshold != taobao.AnswerThreshold {
		t.Errorf("p2: %+v; want taobao with a 2-minute reply threshold", got)
	}
	p3 := write("p3.yaml", "name: p3\nbase: p2.yaml\nanswer_threshold: 20s\n")
	if got, err := scenarios.LoadProfile(p3); err != nil || got.AnswerThreshold.Seconds() != 20 || got.ReplyThreshold.Minutes() != 2 {
		t.Errorf("a file based on p2.yaml beside it: %+v, %v; want p2 with a 20 s answer threshold", got, err)
	}
	bad := write("bad.yaml", "name: bad\nbase: taobao\nreply_threshold: 2\n")
	if _, err := scenarios.LoadProfile(bad); err == nil || !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), "bad.yaml:3:") ||
		!strings.Contains(err.Error(), "reply_threshold") {
		t.Errorf("a bad file: %v; want bad input naming bad.yaml line 3 and reply_threshold", err)
	}
	for _, text := range []string{"~\n", "taobao\n", "- a\n"} {
		if _, err := scenarios.LoadProfile(write("odd.yaml", text)); err == nil || !errors.Is(err, scenarios.ErrBadInput) || !strings.Contains(err.Error(), "odd.yaml:1:1:") {
			t.Errorf("a profile file holding %q: %v; want bad input at odd.yaml:1:1 (a profile is a mapping)", text, err)
		}
	}
	self := write("self.yaml", "name: self\nbase: self.yaml\n")
	if _, err := scenarios.LoadProfile(self); err == nil {
		t.Error("a file based on itself loaded; want an error")
	}
}

// scenarios.md: intervals are derived when staffing has none, as when
// there is no staffing section at all; the rest of the section stands.
func TestParseScenario_StaffingWithoutIntervals(t *testing.T) {
	const base = "name: s\nstart: 2026-03-11T00:00\nduration: 24h\nstore: {paid_orders_per_day: 12000, contacts_per_order: 0.15}\n"
	none, err := scenarios.ParseScenario("none.yaml", []byte(base))
	if err != nil {
		t.Fatal(err)
	}
	only, err := scenarios.ParseScenario("only.yaml", []byte(base+"staffing: {concurrency: 2}\n"))
	if err != nil {
		t.Fatalf("staffing with only a concurrency: %v", err)
	}
	if len(only.Staffing.Intervals) != 1 || only.Staffing.Intervals[0] != none.Staffing.Intervals[0] || only.Staffing.Concurrency != 2 {
		t.Errorf("staffing %+v; want the derived interval %+v and concurrency 2", only.Staffing, none.Staffing.Intervals)
	}
}

// A valid interval's agents are never refused for the sweep derived from
// them (scenarios.md: agents 0 to 100,000; one mistake, one message).
func TestParseScenario_DerivedSweepWithinBounds(t *testing.T) {
	const base = "name: s\nstart: 2026-03-11T00:00\nduration: 24h\nstore: {paid_orders_per_day: 12000, contacts_per_order: 0.15}\n" +
		"staffing:\n  intervals:\n    - {start: \"00:00\", end: \"24:00\", agents: %d}\n"
	s, err := scenarios.ParseScenario("big.yaml", []byte(fmt.Sprintf(base, 60000)))
	if err != nil || s.Staffing.Sweep.Max > 100000 {
		t.Errorf("60,000 agents: %v, sweep %+v; want accepted, the sweep within 100,000", err, s)
	}
	_, err = scenarios.ParseScenario("big.yaml", []byte(fmt.Sprintf(base, 100001)))
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "agents: 100001") {
		t.Errorf("100,001 agents: %v; want one message, for the agents", err)
	}
}

package web

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web/store"
)

// docs/trial.md: a final verdict judged while the store failed to write
// some of the run's rows says so, and every reader shows it as a warning.
func TestUnwrittenRowsWarn(t *testing.T) {
	for _, tc := range []struct {
		name  string
		stats store.Stats
		want  string // in the note; "" for none
	}{
		{"all written", store.Stats{Appended: 100, Committed: 100}, ""},
		{"queue full", store.Stats{Appended: 100, Committed: 90, Dropped: 10}, "10 rows of this run's server were not written (10 dropped"},
		{"refused and lost", store.Stats{Rejected: 2, Lost: 3}, "5 rows of this run's server were not written (0 dropped with the write queue full, 2 refused by the database, 3 lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			note := unwrittenNote(tc.stats)
			if tc.want == "" {
				if note != "" {
					t.Fatalf("note %q; want none", note)
				}
				return
			}
			if !strings.Contains(note, tc.want) {
				t.Fatalf("note %q; want it to say %q", note, tc.want)
			}
			// Recorded with the verdict, it is a warning on every read,
			// even when the records agree with the verdict.
			rec := &trial.Status{Notes: []string{"another note", note}}
			warns := checkRecorded(rec, &trial.Status{})
			if len(warns) != 1 || warns[0] != note {
				t.Errorf("warnings %q; want exactly the note", warns)
			}
		})
	}
}

// A trial's store takes orders from the time the run started playing to
// the trial's end (docs/trial.md): a real-time run begun 10 hours into its
// first day, read long after the end, counts the paid orders of the
// trial's length less those 10 hours.
func TestReviewOptions_TrialPaidOrdersFromTheRunsStart(t *testing.T) {
	sc, err := scenarios.LoadScenario("trial-2w")
	if err != nil {
		t.Fatal(err)
	}
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name   string
		offset time.Duration
	}{{"from the scenario's start", 0}, {"from 10 hours in", 10 * time.Hour}} {
		t.Run(tc.name, func(t *testing.T) {
			run := store.Run{Scenario: "trial-2w", Speed: 1, Started: started, ClockOffset: tc.offset}
			now := started.Add(sc.Duration + 72*time.Hour) // well past the end and its wind-down
			want := sc.Store.PaidOrdersPerDay * (sc.Duration - tc.offset).Hours() / 24
			if got := ReviewOptions(sc, run, now).PaidOrders; math.Abs(got-want) > 1e-9*want {
				t.Errorf("PaidOrders = %v; want %v (%v of store time)", got, want, sc.Duration-tc.offset)
			}
		})
	}
}

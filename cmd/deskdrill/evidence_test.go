package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// trial status and evidence refuse what they cannot judge with exit 2 and
// say why; a trial with no finished day has no statement yet (exit 1).
func TestTrialAndEvidence_BadInput(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "runs.db")
	empty := filepath.Join(dir, "empty.db")
	ctx := context.Background()
	for _, p := range []string{db, empty} {
		st, err := store.Open(ctx, p, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if p == db {
			// Run 1 is a month's run, run 2 a trial begun just now.
			for _, sc := range []string{"steady-day", "trial-2w"} {
				if _, err := st.CreateRun(ctx, store.Run{Scenario: sc, Speed: 1, Started: time.Now()}); err != nil {
					t.Fatal(err)
				}
			}
		}
		st.Close()
	}
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no such file", []string{"trial", "status", "--db", filepath.Join(dir, "nope.db")}, 2, "no such file"},
		{"no trial in the file", []string{"trial", "status", "--db", empty}, 2, "no trial run in the file"},
		{"not a trial", []string{"trial", "status", "--db", db, "--run", "1"}, 2, "run 1 (steady-day) is not a trial: its contract seed-tiered has no trial clause"},
		{"bad --run", []string{"trial", "status", "--db", db, "--run", "x"}, 2, "--run x: want a run number"},
		{"the latest trial", []string{"trial", "status", "--db", db}, 0, "run 2: trial-2w, contract seed-trial"},
		{"evidence of no run", []string{"evidence", "9", "--db", db, "--out", filepath.Join(dir, "x.zip")}, 2, "run 9: not in"},
		{"evidence of a month", []string{"evidence", "1", "--db", db, "--out", filepath.Join(dir, "x.zip")}, 2, "not a trial"},
		{"evidence before a day ends", []string{"evidence", "2", "--db", db, "--out", filepath.Join(dir, "x.zip")}, 1, "no day of the trial has finished"},
		{"evidence, bad run", []string{"evidence", "two", "--db", db}, 2, `run "two": want a run number`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := deskdrill(t, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stdout+r.stderr, tc.want) {
				t.Errorf("deskdrill %s: exit %d\n%s%s; want %d and %q", strings.Join(tc.args, " "), r.code, r.stdout, r.stderr, tc.code, tc.want)
			}
		})
	}
}

// trial.md: a verdict that is not final says so on every line that
// carries it, the statement's lines and total among them.
func TestWriteTrial_ProvisionalLines(t *testing.T) {
	stmt := &sim.Statement{Contract: "seed-trial", Items: []sim.Item{
		{Clause: "trial", Kind: "trial", KPI: "satisfaction", Amount: 500000, Reason: "satisfaction 0.85 misses 0.9"},
		{Clause: "trial", Kind: "trial", KPI: "reply_rate_3min", Amount: 0, Reason: "reply_rate_3min 0.99 meets 0.98"},
	}, Total: 500000}
	for _, final := range []bool{false, true} {
		rep := &web.TrialReport{Scenario: "trial-2w", Status: &trial.Status{Contract: "seed-trial", Zone: "Asia/Shanghai", Days: 14, DaysDone: 3,
			Verdict: trial.Verdict{Final: final, Outcome: trial.OutcomeRefund, Refund: 500000}, Statement: stmt}}
		var b strings.Builder
		if err := writeTrial(&b, rep, "trial.db"); err != nil {
			t.Fatal(err)
		}
		_, lines, _ := strings.Cut(b.String(), "\nstatement (")
		marked := strings.Count(lines, "(provisional)")
		if want := map[bool]int{false: 4, true: 0}[final]; marked != want { // the heading, two lines, the total
			t.Errorf("final %v: %d statement lines marked provisional; want %d:\n%s", final, marked, want, lines)
		}
	}
}

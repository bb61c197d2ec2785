package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/web/evidence"
	"github.com/deskdrill/deskdrill/web/store"
)

func newEvidenceCmd() *cobra.Command {
	var db, out string
	c := &cobra.Command{
		Use:   "evidence RUN [--db FILE] [--out pack.zip]",
		Short: "Write a trial run's evidence pack: statement, daily and per-agent KPIs, transcripts, contract, manifest",
		Long: `evidence writes what a merchant attaches to a refund claim for trial run RUN, as one zip:
statement.json and statement.html (the trial's refund statement; the HTML is printable), kpis-daily.csv
(a row per finished scenario day and a row "trial" pooled over the whole trial; UTF-8 with a BOM, so
Excel opens it), kpis-agents.csv, trial.json (the trial day by day), evidence.csv and transcripts.jsonl
(every conversation behind a gate of the trial clause, in deskdrill export's format), the contract,
scenario and platform profile the run was played under (byte for byte), and MANIFEST.sha256 over the
rest (sha256sum -c MANIFEST.sha256 checks it). The statement reproduces from the pack alone:

  deskdrill refund --contract contract.yaml --kpis kpis-daily.csv --period trial --json

A trial that reached its end gives its final verdict, and the same pack byte for byte however often
it is built; a trial still running, paused or stopped early gives a provisional one, marked so.
--out is overwritten. See docs/trial.md.`,
		Example: `  deskdrill evidence 3 --db trial.db --out trial-3.zip
  unzip trial-3.zip -d trial-3 && cd trial-3 && sha256sum -c MANIFEST.sha256
  deskdrill refund --contract contract.yaml --kpis kpis-daily.csv --period trial --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseRun(c, args[0])
			if err != nil {
				return err
			}
			if out == "" {
				out = fmt.Sprintf("trial-%d.zip", id)
			}
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			pack, err := evidence.Build(c.Context(), st, id, time.Now())
			switch {
			case errors.Is(err, store.ErrNotFound):
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("run %d: not in %s (deskdrill report --list --db %s)", id, db, db)}
			case errors.Is(err, evidence.ErrNotTrial):
				return &usageError{cmd: c.CommandPath(), err: err}
			case err != nil:
				return err
			}
			// Written beside the target and renamed, so a failed write
			// leaves no half pack under its name.
			tmp, err := os.CreateTemp(filepath.Dir(out), ".evidence-*.zip")
			if err != nil {
				return fmt.Errorf("write evidence pack: %w", err)
			}
			defer os.Remove(tmp.Name())
			if err := pack.WriteZip(tmp); err != nil {
				tmp.Close()
				return err
			}
			if err := tmp.Close(); err != nil {
				return fmt.Errorf("write evidence pack: %w", err)
			}
			if err := os.Rename(tmp.Name(), out); err != nil {
				return fmt.Errorf("write evidence pack: %w", err)
			}
			s := pack.Report.Status
			kind := "final"
			if !s.Verdict.Final {
				kind = "PROVISIONAL (the trial has not reached its end)"
			}
			fmt.Fprintf(c.OutOrStdout(), "run %d: evidence pack %s: %s verdict %s, statement total %s %s; %d of %d days; %d conversations behind the gates\n",
				id, out, kind, s.Verdict.Outcome, s.Statement.Total.Grouped(), s.Currency, s.DaysDone, s.Days, len(pack.Conversations))
			for _, n := range pack.Notes {
				fmt.Fprintf(c.ErrOrStderr(), "note: %s\n", n)
			}
			return nil
		},
	}
	c.Flags().StringVar(&db, "db", "deskdrill.db", "SQLite file of the hub")
	c.Flags().StringVar(&out, "out", "", "the zip to write (default trial-RUN.zip)")
	return c
}

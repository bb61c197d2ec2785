package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/sim/trial"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

func newTrialCmd() *cobra.Command {
	return groupCmd("trial", "A vendor's trial run day by day: the trial clause's gates, the verdict, the trend",
		"  deskdrill trial status --db trial.db", newTrialStatusCmd())
}

func newTrialStatusCmd() *cobra.Command {
	var (
		db      string
		run     int64
		jsonOut bool
	)
	c := &cobra.Command{
		Use:   "status [--db FILE] [--run N] [--json]",
		Short: "Each finished day of a trial against the trial clause's gates, the days so far, the verdict and the trend",
		Long: `status judges a trial run (serve --scenario trial-2w, or any scenario no longer than its contract's
trial clause) day by day on the scenario's calendar: for each finished day the KPIs of the trial
clause's gates against their targets; the days so far; the verdict if the trial ended now, pooled
over the finished days (pass, or the refund with the statement's lines); and each gate's trend.
A trial that reached its end shows its final verdict, as recorded then; one that is running,
paused or stopped before its end shows a provisional verdict. It reads the file beside a running
serve. Without --run it shows the latest trial run in the file. See docs/trial.md.`,
		Example: `  deskdrill trial status --db trial.db
  deskdrill trial status --db trial.db --run 3 --json > trial-3.json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			if run == 0 {
				if run, err = latestTrial(c.Context(), st); err != nil {
					return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("%s: %w", db, err)}
				}
			}
			rep, err := web.Trial(c.Context(), st, run, time.Now())
			if err != nil {
				return fmt.Errorf("trial status of run %d: %w", run, err)
			}
			if rep.NotTrial != "" {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("run %d (%s) is not a trial: %s", run, rep.Scenario, rep.NotTrial)}
			}
			if jsonOut {
				return writeJSON(c.OutOrStdout(), rep)
			}
			return writeTrial(c.OutOrStdout(), rep, db)
		},
	}
	f := c.Flags()
	f.StringVar(&db, "db", "deskdrill.db", "SQLite file of the hub")
	varFlag(f, &run, "run", "N", "the trial run (default: the latest trial run in the file)", parseRunFlag,
		func(v int64) string { return strconv.FormatInt(v, 10) })
	f.BoolVar(&jsonOut, "json", false, "print as JSON (every figure, the days, the statement and the conversations behind each gate)")
	return c
}

// latestTrial returns the newest run in st that is a trial.
func latestTrial(ctx context.Context, st *store.Store) (int64, error) {
	runs, err := st.Runs(ctx)
	if err != nil {
		return 0, err
	}
	for _, r := range runs {
		sc, _, err := web.RunScenario(ctx, st, r)
		if err == nil && web.IsTrial(sc) {
			return r.ID, nil
		}
	}
	return 0, fmt.Errorf("no trial run in the file (deskdrill report --list shows its runs; a trial is served with --scenario trial-2w)")
}

// stateText says where a trial stands, for people.
func stateText(rep *web.TrialReport) string {
	s := rep.Status
	switch s.State {
	case trial.StateFinal:
		return "ended: the verdict is final"
	case trial.StateClosing:
		return "its time is over; the verdict is decided when the last conversations end"
	case trial.StatePaused:
		if s.Played >= s.End.Sub(s.Start).Seconds() {
			return fmt.Sprintf("its time is over but its hub stopped during the wind-down (deskdrill serve --resume %d finishes it and records the final verdict)", rep.Run.ID)
		}
		return fmt.Sprintf("paused before its end (deskdrill serve --resume %d continues it)", rep.Run.ID)
	case trial.StateStopped:
		return "stopped before its end: the verdict stays provisional"
	}
	return "running"
}

// writeTrial prints rep for people; db is the file it came from, for the
// commands it suggests.
func writeTrial(w io.Writer, rep *web.TrialReport, db string) error {
	s := rep.Status
	fmt.Fprintf(w, "run %d: %s, contract %s, seed %d, speed %g×\n", rep.Run.ID, rep.Scenario, s.Contract, rep.Seed, rep.Run.Speed)
	zone := s.Start.Location() // the offset JSON kept
	if z, err := time.LoadLocation(s.Zone); err == nil && s.Zone != "" {
		zone = z
	}
	fmt.Fprintf(w, "trial %s → %s (%s): %d of %d days finished; %s\n", s.Start.In(zone).Format("2006-01-02 15:04"), s.End.In(zone).Format("2006-01-02 15:04"),
		s.Zone, s.DaysDone, s.Days, stateText(rep))
	fee := fmt.Sprintf("trial fee %s %s, refund %s of it if a gate is missed", s.Fee.Grouped(), s.Currency, pctText(s.RefundRatio))
	if s.ExitWithoutReason {
		fee += "; the merchant may leave without a reason"
	}
	fmt.Fprintln(w, fee)
	v := s.Verdict
	label := "verdict if the trial ended now (provisional)"
	if v.Final {
		label = "FINAL verdict"
		if rep.Recorded && !rep.Run.Ended.IsZero() {
			label += ", recorded " + rep.Run.Ended.Local().Format(time.DateTime)
		}
	}
	outcome := strings.ToUpper(string(v.Outcome))
	if v.Outcome == trial.OutcomeRefund {
		outcome += " " + v.Refund.Grouped() + " " + s.Currency
	}
	fmt.Fprintf(w, "\n%s: %s\n  %s\n", label, outcome, v.Reason)
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "WARNING: %s\n", warn)
	}

	fmt.Fprintln(w, "\ngates (pooled over the finished days):")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  GATE\tTARGET\tSO FAR\tMET\tBEHIND IT\tTREND")
	for _, g := range s.Gates {
		op := "≥"
		if g.Better == "lower" {
			op = "≤"
		}
		fmt.Fprintf(tw, "  %s\t%s %s\t%s\t%s\t%d\t%s\n", g.KPI, op, num(g.Target), optKPI(g.KPI, g.Value), metText(g.Met), g.Breaches, trendText(g.KPI, g.Trend))
	}
	tw.Flush()

	if len(s.Daily) > 0 {
		fmt.Fprintln(w, "\ndays:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		head := "  DAY\tDATE\tSESSIONS"
		for _, g := range s.Gates {
			head += "\t" + g.KPI
		}
		fmt.Fprintln(tw, head+"\tMET\tOPEN\tFIGURES")
		for _, d := range s.Daily {
			row := fmt.Sprintf("  %d\t%s\t%d", d.Index+1, d.Date, d.Counts.Sessions)
			for _, g := range s.Gates {
				v, ok := d.KPIs[g.KPI]
				cell := "-"
				if ok {
					cell = formatKPI(g.KPI, v)
					if !d.Gates[g.KPI] {
						cell += " ✗"
					}
				}
				row += "\t" + cell
			}
			figures := "final"
			if !d.Final {
				figures = "provisional"
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", row, metText(d.Met), d.Open, figures)
		}
		tw.Flush()
	}
	if st := s.Statement; st != nil {
		// Every line that carries the verdict says when it is not final
		// (trial.md).
		mark := ""
		if !s.Verdict.Final {
			mark = "  (provisional)"
		}
		fmt.Fprintf(w, "\nstatement (contract %s, period trial)%s:\n", st.Contract, mark)
		// One trial line per gate: named by its KPI.
		for _, it := range st.Items {
			name := it.Clause
			if it.Kind == "trial" && it.KPI != "" {
				name = it.KPI
			}
			fmt.Fprintf(w, "  %-20s %12s  %s%s\n", name, it.Amount.Grouped(), it.Reason, mark)
			if it.Formula != "" {
				fmt.Fprintf(w, "  %-20s %12s  %s\n", "", "", it.Formula)
			}
		}
		for _, sk := range st.Skipped {
			fmt.Fprintf(w, "  not evaluated: %s: %s\n", sk.KPI, sk.Reason)
		}
		fmt.Fprintf(w, "  %-20s %12s%s\n", "total", st.Total.Grouped(), mark)
	}
	if len(s.Cuts) > 0 {
		fmt.Fprintln(w, "\ncuts (buyers waiting or chatting when the run's end or an interruption cut them off):")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  AT\tBY\tCOUNTED MISSED\tLEFT OUT")
		for _, c := range s.Cuts {
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\n", c.At.In(zone).Format(time.DateTime), c.Kind, c.Missed, c.LeftOut)
		}
		tw.Flush()
	}
	for _, n := range s.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	if v.Final {
		fmt.Fprintf(w, "\nevidence pack: deskdrill evidence %d --db %s --out trial-%d.zip\n", rep.Run.ID, shellQuote(db), rep.Run.ID)
	}
	return nil
}

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func pctText(r float64) string { return strconv.FormatFloat(r*100, 'g', -1, 64) + " %" }

func optKPI(id string, v *float64) string {
	if v == nil {
		return "-"
	}
	return formatKPI(id, *v)
}

func metText(m *bool) string {
	switch {
	case m == nil:
		return "-"
	case *m:
		return "yes"
	}
	return "NO"
}

func trendText(id string, t trial.Trend) string {
	if t.Recent == nil || t.Earlier == nil {
		return t.Direction
	}
	return fmt.Sprintf("%s (last %d days %s, before %s)", t.Direction, t.RecentDays, formatKPI(id, *t.Recent), formatKPI(id, *t.Earlier))
}

// shellQuote returns s as one word of a POSIX shell: as it is when it
// holds only characters that need no quoting, else in single quotes.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/-+:@,=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

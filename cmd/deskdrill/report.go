package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/sim/review"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// openExisting opens a store that must already exist: a report of a file
// that is not there is a typo, not an empty database. A file that cannot
// be read is bad input, as every file named on the command line is.
func openExisting(c *cobra.Command, db string) (*store.Store, error) {
	if err := dbNotDir(c, db); err != nil {
		return nil, err
	}
	f, err := scenarios.OpenInput(db)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	f.Close()
	return store.Open(c.Context(), db, store.Options{})
}

// flagged names the flag whose value named no built-in and no file
// (README: a bad flag value names the flag); other errors name their
// file already.
func flagged(flag string, err error) error {
	var nf *scenarios.NotFoundError
	if errors.As(err, &nf) {
		return fmt.Errorf("%s: %w", flag, err)
	}
	return err
}

// contractPeriod checks a --period that names a contract period: a month
// or trial, never a day (nor anything else); "" is none given. why is
// said after the refusal of a day.
func contractPeriod(p, why string) error {
	switch {
	case p == "":
		return nil
	case scenarios.CheckPeriod(p) != nil:
		return fmt.Errorf("--period %q is not a period: want a month such as 2026-11, or trial", p)
	case sim.IsDayPeriod(p):
		return fmt.Errorf("--period %s: a day is not a contract period: want a month such as 2026-11, or trial%s", p, why)
	}
	return nil
}

// dbNotDir is the usage error of a --db that names a directory (README:
// a file named that is a directory is bad usage, exit 2), or nil; every
// command that opens --db asks it first, as serve does.
func dbNotDir(c *cobra.Command, db string) error {
	if fi, err := os.Stat(db); err == nil && fi.IsDir() {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--db %s: is a directory, not a database file; want a file such as %s", db, filepath.Join(db, "deskdrill.db"))}
	}
	return nil
}

func parseRun(c *cobra.Command, arg string) (int64, error) {
	id, err := strconv.ParseInt(arg, 10, 64)
	if err != nil || id < 1 {
		return 0, &usageError{cmd: c.CommandPath(), err: fmt.Errorf("run %q: want a run number (deskdrill report --list)", arg)}
	}
	return id, nil
}

func newReportCmd() *cobra.Command {
	var (
		db      string
		jsonOut bool
		list    bool
	)
	c := &cobra.Command{
		Use:   "report RUN [--db FILE] [--json]",
		Short: "A run's KPIs, per-agent table, worst conversations and contract refund statement",
		Long: `report judges a recorded run by its scenario's rules: every conversation scored against the
after-sales standard, the KPIs of the run and of each agent by the platform profile, and the
contract's refund statement, each line with the conversations behind it (the evidence a merchant
attaches to a claim). --list shows the runs in the file.`,
		Example: `  deskdrill report 1
  deskdrill report 1 --json > run1.json
  deskdrill report --list`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			if list || len(args) == 0 {
				runs, err := st.Runs(c.Context())
				if err != nil {
					return err
				}
				if jsonOut {
					return writeJSON(c.OutOrStdout(), runs)
				}
				tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
				fmt.Fprintln(tw, "RUN\tSCENARIO\tSEED\tSPEED\tSTARTED\tSTATE")
				for _, r := range runs {
					fmt.Fprintf(tw, "%d\t%s\t%d\t%g\t%s\t%s\n", r.ID, r.Scenario, r.Seed, r.Speed, r.Started.Local().Format(time.DateTime), runState(r))
				}
				return tw.Flush()
			}
			id, err := parseRun(c, args[0])
			if err != nil {
				return err
			}
			run, rv, err := web.ReviewRun(c.Context(), st, id, nil)
			if err != nil {
				return err
			}
			if jsonOut {
				return writeJSON(c.OutOrStdout(), map[string]any{"run": run, "review": rv})
			}
			fmt.Fprintf(c.OutOrStdout(), "run %d: %s, seed %d, speed %g×, started %s, %s\n", run.ID, run.Scenario, run.Seed, run.Speed,
				run.Started.Local().Format(time.DateTime), runState(run))
			if rv.Period == sim.TrialPeriod {
				fmt.Fprintf(c.OutOrStdout(), "a trial: deskdrill trial status --db %s --run %d shows it day by day, with its verdict\n", db, run.ID)
			}
			return writeReview(c.OutOrStdout(), rv)
		},
	}
	c.Flags().StringVar(&db, "db", "deskdrill.db", "SQLite file of the hub")
	c.Flags().BoolVar(&jsonOut, "json", false, "print as JSON")
	c.Flags().BoolVar(&list, "list", false, "list the runs")
	return c
}

func newExportCmd() *cobra.Command {
	var db, out string
	c := &cobra.Command{
		Use:   "export RUN [--db FILE] [--out FILE]",
		Short: "Write a run's conversations as JSON-lines transcripts (docs/transcripts.md)",
		Example: `  deskdrill export 1 > run1.jsonl
  deskdrill kpis --transcripts run1.jsonl --contract seed-tiered`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseRun(c, args[0])
			if err != nil {
				return err
			}
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			run, err := st.Run(c.Context(), id)
			if err != nil {
				return fmt.Errorf("run %d: %w", id, err)
			}
			convs, err := st.Conversations(c.Context(), id)
			if err != nil {
				return err
			}
			w := c.OutOrStdout()
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			if err := scenarios.WriteTranscripts(w, convs); err != nil {
				return err
			}
			fmt.Fprintf(c.ErrOrStderr(), "run %d: %d conversations; %s\n", id, len(convs), runState(run))
			if len(run.Interruptions) > 0 {
				fmt.Fprintf(c.ErrOrStderr(), "  conversations open at an interruption end with a leave %q: those whose buyer had waited past the reply threshold count as missed, the others are left out of the KPIs\n", sim.LeaveInterrupted)
			}
			return nil
		},
	}
	c.Flags().StringVar(&db, "db", "deskdrill.db", "SQLite file of the hub")
	c.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")
	return c
}

// runState says where a run stands: ended (when), live, or interrupted
// (where, and whether it was resumed).
func runState(r store.Run) string {
	var parts []string
	switch r.State {
	case store.RunEnded:
		parts = append(parts, "ended "+r.Ended.Local().Format(time.DateTime))
	case store.RunLive:
		parts = append(parts, "live")
	}
	for _, in := range r.Interruptions {
		p := "interrupted at " + in.At.Local().Format(time.DateTime)
		switch {
		case !in.Resumed.IsZero():
			p += ", resumed " + in.Resumed.Local().Format(time.DateTime)
		case in.Found.IsZero():
			p += " (its hub is gone; the next serve marks it)"
		default:
			p += fmt.Sprintf(" (serve --resume %d continues it)", r.ID)
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// kpisFromTranscripts is `deskdrill kpis --transcripts FILE`.
func kpisFromTranscripts(c *cobra.Command, file, profile, contract, period string, paid float64, jsonOut bool) error {
	f, err := scenarios.OpenInput(file)
	if err != nil {
		return fmt.Errorf("read transcripts: %w", err)
	}
	defer f.Close()
	convs, err := scenarios.ReadTranscripts(f, file)
	if err != nil {
		return err
	}
	p, err := scenarios.LoadProfile(profile)
	if err != nil {
		return flagged("--profile", err)
	}
	bank := phrases.Default()
	o := review.Options{Profile: p, PaidOrders: paid, Period: period,
		InferCase: func(c *sim.Conversation) (string, bool) {
			in := bank.InferConversation(c)
			return in.Case, in.Confident
		}}
	if contract != "" {
		if o.Contract, err = scenarios.LoadContract(contract); err != nil {
			return flagged("--contract", err)
		}
	}
	rv, err := review.Evaluate(convs, o)
	if err != nil {
		return err
	}
	if jsonOut {
		return writeJSON(c.OutOrStdout(), rv)
	}
	fmt.Fprintf(c.OutOrStdout(), "%s: %d conversations, judged by the %s profile\n", file, len(convs), p.Name)
	return writeReview(c.OutOrStdout(), rv)
}

// writeReview prints a review for people: KPIs, agents, the worst
// conversations with where they lost points, and the refund statement.
func writeReview(w io.Writer, rv *review.Review) error {
	fmt.Fprintf(w, "period %s, %d conversations, mean score %.1f\n", rv.Period, rv.Conversations, rv.MeanScore)
	for _, n := range rv.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	fmt.Fprintln(w, "\nKPIs:")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, id := range sim.KPIIDs() {
		v, ok := rv.KPIs[id]
		if !ok {
			continue
		}
		n := len(rv.Evidence[id])
		behind := ""
		if n > 0 {
			behind = fmt.Sprintf("%d conversations behind it", n)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", id, formatKPI(id, v), behind)
	}
	tw.Flush()
	if len(rv.Agents) > 0 {
		fmt.Fprintln(w, "\nagents:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "AGENT\tCHATS\tMEAN SCORE\tCORRECT\tHARD FAILS\tANSWER ≤30s\tSATISFACTION\t")
		for _, a := range rv.Agents {
			fmt.Fprintf(tw, "%s\t%d\t%.1f\t%d\t%d\t%s\t%s\t\n", a.Agent, a.Conversations, a.MeanScore, a.Correct, a.HardFails,
				kpiOr(a.KPIs, "answer_rate_30s"), kpiOr(a.KPIs, "satisfaction"))
		}
		tw.Flush()
	}
	// The worst: those that lost points, fewest kept first; a clean
	// conversation is no "worst" even in a run of few.
	worst := slices.DeleteFunc(slices.Clone(rv.Scores), func(s review.ConversationScore) bool {
		return len(s.Score.Deductions) == 0 && s.Score.Total >= 100
	})
	slices.SortStableFunc(worst, func(a, b review.ConversationScore) int {
		switch {
		case a.Score.Total < b.Score.Total:
			return -1
		case a.Score.Total > b.Score.Total:
			return 1
		}
		return 0
	})
	if len(worst) > 5 {
		worst = worst[:5]
	}
	if len(worst) > 0 {
		fmt.Fprintln(w, "\nworst conversations:")
		for _, s := range worst {
			fmt.Fprintf(w, "  %s (%s, agent %s): %.1f points\n", s.ID, orDash(s.Case), orDash(s.Agent), s.Score.Total)
			for i, d := range s.Score.Deductions {
				if i == 4 {
					fmt.Fprintf(w, "    … %d more\n", len(s.Score.Deductions)-4)
					break
				}
				fmt.Fprintf(w, "    −%.1f %s: %s\n", d.Points, d.Dimension, d.Reason)
			}
		}
	}
	if st := rv.Statement; st != nil {
		fmt.Fprintf(w, "\nrefund statement (%s):\n", st.Contract)
		for _, it := range st.Items {
			amount := it.Amount.Grouped()
			fmt.Fprintf(w, "  %-22s %12s  %s", it.Clause, amount, it.Reason)
			if len(it.Evidence) > 0 {
				ev := it.Evidence
				more := ""
				if len(ev) > 10 {
					ev, more = ev[:10], fmt.Sprintf(" and %d more", len(it.Evidence)-10)
				}
				fmt.Fprintf(w, "\n  %-22s %12s  conversations: %s%s", "", "", strings.Join(ev, ", "), more)
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "  %-22s %12s\n", "total", st.Total.Grouped())
	}
	if rv.DisputeRefunds > 0 {
		fmt.Fprintf(w, "buyers refunded through platform disputes: %s\n", rv.DisputeRefunds.Grouped())
	}
	return nil
}

func kpiOr(v sim.KPIValues, id string) string {
	if x, ok := v[id]; ok {
		return formatKPI(id, x)
	}
	return "-"
}

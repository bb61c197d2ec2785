package main

import (
	"encoding/csv"
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
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/trainer"
	"github.com/deskdrill/deskdrill/web"
	"github.com/deskdrill/deskdrill/web/store"
)

// loadExam reads a built-in exam by name, else an exam file, and returns
// it with its source (hosted with invitations).
func loadExam(nameOrFile string) (*trainer.Exam, []byte, error) {
	if src, err := trainer.ExamSource(nameOrFile); err == nil {
		e, err := trainer.ParseExam("exam "+nameOrFile, src)
		return e, src, err
	}
	if !strings.ContainsAny(nameOrFile, `/\.`) {
		return nil, nil, fmt.Errorf("%w %q: not built in (%s) and no such file", trainer.ErrUnknownExam, nameOrFile, strings.Join(trainer.ExamNames(), ", "))
	}
	src, err := scenarios.ReadInput(nameOrFile)
	if err != nil {
		return nil, nil, fmt.Errorf("read exam: %w", err)
	}
	e, err := trainer.ParseExam(nameOrFile, src)
	return e, src, err
}

func newExamCmd() *cobra.Command {
	var listJSON bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the built-in exams",
		Example: "  deskdrill exam list",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var exams []*trainer.Exam
			for _, n := range trainer.ExamNames() {
				e, err := trainer.Builtin(n)
				if err != nil {
					return fmt.Errorf("built-in exam %s: %w", n, err)
				}
				exams = append(exams, e)
			}
			if listJSON {
				type row struct {
					Name        string  `json:"name"`
					Title       string  `json:"title"`
					Locale      string  `json:"locale"`
					Items       int     `json:"items"`
					Concurrency int     `json:"concurrency"`
					TimeLimit   float64 `json:"time_limit_s"`
				}
				var out []row
				for _, e := range exams {
					out = append(out, row{e.Name, e.Title, e.Locale, len(e.Items), e.Concurrency, e.TimeLimit.Seconds()})
				}
				return writeJSON(c.OutOrStdout(), out)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tLOCALE\tITEMS\tCONCURRENCY\tTIME\tTITLE")
			for _, e := range exams {
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", e.Name, e.Locale, len(e.Items), e.Concurrency, sim.FormatDuration(e.TimeLimit), e.Title)
			}
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print as JSON")
	show := &cobra.Command{
		Use:     "show NAME",
		Short:   "Print a built-in exam (YAML, a starting point for your own)",
		Example: "  deskdrill exam show pre-hire-basic > my-exam.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := trainer.ExamSource(args[0])
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}
	validate := &cobra.Command{
		Use:     "validate FILE...",
		Short:   "Check exam files and report every problem with its line, column and field",
		Example: "  deskdrill exam validate my-exam.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var errs []error
			for _, file := range args {
				b, err := scenarios.ReadInput(file)
				if err != nil {
					errs = append(errs, fmt.Errorf("read exam: %w", err))
					continue
				}
				e, err := trainer.ParseExam(file, b)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(c.OutOrStdout(), "%s: ok (exam %s, %d items, version %.12s)\n", file, e.Name, len(e.Items), e.Version)
			}
			return errors.Join(errs...)
		},
	}
	return groupCmd("exam", "Pre-hire exams: list, validate, try with a bot, invite a cohort, report on it",
		"  deskdrill exam list\n  deskdrill exam try --exam pre-hire-basic --bot-skill 1 --speed 60\n  deskdrill exam invite --db exams.db --exam pre-hire-basic --cohort 2026-12 --candidates 王芳,李雷\n  deskdrill exam report --db exams.db --cohort 2026-12",
		list, show, validate, newExamTryCmd(), newExamInviteCmd(), newExamReportCmd())
}

func newExamTryCmd() *cobra.Command {
	var (
		exam, db, cohort, name string
		skill, speed           float64
		seed                   uint64
		repeat                 int
		th                     think
		jsonOut                bool
	)
	c := &cobra.Command{
		Use:   "try --exam NAME|FILE --bot-skill F [--seed N] [--speed X] [--db FILE --cohort C --name N] [--repeat K] [--json]",
		Short: "Let a deskdrill bot sit an exam on an in-process hub and print its report card",
		Long: `try starts a hub of its own on 127.0.0.1, lets one deskdrill bot (bench/bot) sit the exam
with the candidate's token over the protocol, and prints the report card (docs/exams.md). --speed
compresses the sitting's whole clock: arrivals, the customers' typing and nudges and the bot's
think time scale together, and events are recorded in exam time, so the sitting scores as the
same sitting in real time would. With --db the sitting is recorded in the cohort (--cohort,
--name); otherwise in a temporary file. --repeat K sits it K times with the bot seeds SEED,
SEED+1, … and prints pass^K: the share of items passed (correct, no hard fail, 80 points or
more) in every sitting.`,
		Example: `  deskdrill exam try --exam pre-hire-basic --bot-skill 1 --speed 60
  deskdrill exam try --exam pre-hire-en --bot-skill 0.8 --seed 7 --json
  deskdrill exam try --exam promotion-surge --bot-skill 0.9 --repeat 4
  deskdrill exam try --exam pre-hire-basic --bot-skill 0.6 --db exams.db --cohort bots --name bot-0.6`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if exam == "" {
				return &usageError{cmd: c.CommandPath(), err: errors.New("--exam is required: a built-in exam (deskdrill exam list) or an exam file")}
			}
			if db != "" && cohort == "" {
				return &usageError{cmd: c.CommandPath(), err: errors.New("--db records the sitting in a cohort: give --cohort")}
			}
			e, src, err := loadExam(exam)
			if err != nil {
				return err
			}
			if !c.Flags().Changed("seed") {
				seed = randomSeed()
			}
			path := db
			if path == "" {
				dir, err := os.MkdirTemp("", "deskdrill-exam-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path = filepath.Join(dir, "exam.db")
			} else if err := dbNotDir(c, path); err != nil {
				return err
			}
			st, err := store.Open(c.Context(), path, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			var cards []trainer.Card
			for i := range repeat {
				card, err := web.TryExam(c.Context(), web.TryConfig{Exam: e, Source: src, Store: st, Cohort: cohort, Candidate: name,
					BotSkill: skill, Seed: seed + uint64(i), ThinkMin: th.Min, ThinkMax: th.Max, Speed: speed})
				if err != nil {
					return err
				}
				cards = append(cards, card)
			}
			out := c.OutOrStdout()
			if jsonOut {
				if repeat == 1 {
					return writeJSON(out, cards[0])
				}
				return writeJSON(out, map[string]any{"k": repeat, "pass_k": trainer.PassK(e, cards), "cards": cards})
			}
			for _, card := range cards {
				writeCard(out, card)
			}
			if repeat > 1 {
				fmt.Fprintf(out, "\npass^%d: %.2f of %d items passed in all %d sittings (bot seeds %d–%d)\n",
					repeat, trainer.PassK(e, cards), len(e.Items), repeat, seed, seed+uint64(repeat-1))
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&exam, "exam", "", "the exam: a built-in name (deskdrill exam list) or a file")
	floatFlag(f, &skill, "bot-skill", 1, "the bot's skill: the chance it resolves a case by the table, and its speed", from(0, 1), "a number from 0 to 1 such as 0.9")
	seedFlag(f, &seed, "the bot's seed (default: a random one, printed on the card)")
	floatFlag(f, &speed, "speed", 60, "how many times faster the sitting's clock runs (1: real time)", above(0, maxExamSpeed), "a number above 0 such as 60, at most 600")
	thinkFlag(f, &th, think{time.Second, 4 * time.Second}, "the bot's pause before each step on the sitting's clock, MIN..MAX")
	f.StringVar(&db, "db", "", "record the sitting in this SQLite file (default: a temporary one)")
	f.StringVar(&cohort, "cohort", "", "the cohort the sitting is recorded in (with --db)")
	f.StringVar(&name, "name", "bot", "the candidate's name on the card")
	intFlag(f, &repeat, "repeat", 1, "sit the exam this many times with different bot seeds and report pass^k", 1, 100, "a whole number from 1 to 100 such as 4")
	f.BoolVar(&jsonOut, "json", false, "print the report card as JSON")
	return c
}

// writeCard prints a report card for people.
func writeCard(w io.Writer, card trainer.Card) {
	verdict := "NOT PASSED"
	if card.Passed {
		verdict = "PASSED"
	}
	fmt.Fprintf(w, "%s: %s %.2f (%s), exam %s (version %.12s), seed %d\n", card.Candidate, verdict, card.Score, card.Band, card.Exam, card.ExamVersion, card.Seed)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  GATE\tVALUE\tLIMIT\t")
	for _, g := range card.Gates {
		met := "met"
		if !g.Met {
			met = "MISSED " + g.Detail
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", g.Name, strconv.FormatFloat(g.Value, 'f', -1, 64), strconv.FormatFloat(g.Limit, 'f', -1, 64), met)
	}
	tw.Flush()
	d := card.Dimensions
	fmt.Fprintf(w, "  dimensions: timeliness %.2f/%g, resolution %.2f/%g, compliance %.2f/%g, communication %.2f/%g, efficiency %.2f/%g\n",
		d.Timeliness, card.Weights.Timeliness, d.Resolution, card.Weights.Resolution, d.Compliance, card.Weights.Compliance,
		d.Communication, card.Weights.Communication, d.Efficiency, card.Weights.Efficiency)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  ITEM\tCASE\tSCORE\tCORRECT\tHARD FAIL\t")
	for _, it := range card.Items {
		score := fmt.Sprintf("%.2f", it.Score)
		if !it.Reached {
			score = "0 (never reached)"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%v\t%v\t\n", it.Item, it.Case, score, it.Correct, it.HardFail)
	}
	tw.Flush()
}

func newExamInviteCmd() *cobra.Command {
	var (
		db, exam, cohort, candidates, addr string
		jsonOut                            bool
	)
	c := &cobra.Command{
		Use:   "invite --db FILE --exam NAME|FILE --cohort C --candidates a,b,c [--addr HOST:PORT]",
		Short: "Make a token per candidate for an exam and print each one's sign-in link",
		Long: `invite keeps the exam in the database and makes each candidate an agent token invited to it
in the cohort. Each candidate opens the link (deskdrill serve on that database must be running,
at --addr), lands on the exam's page and presses Start; the sitting is theirs alone. A bot
integration signs in with the token like a person's console (docs/protocol.md).`,
		Example: `  deskdrill exam invite --db exams.db --exam pre-hire-basic --cohort 2026-12 --candidates 王芳,李雷,Anna
  deskdrill exam invite --db exams.db --exam my-exam.yaml --cohort bots --candidates vendor-bot --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			var names []string
			for _, n := range strings.Split(candidates, ",") {
				if n = strings.TrimSpace(n); n != "" {
					if slices.Contains(names, n) {
						// The cohort counts a candidate by name: two
						// tokens for one name in one invitation is a slip.
						return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--candidates: %q is given twice", n)}
					}
					names = append(names, n)
				}
			}
			switch {
			case exam == "" || cohort == "" || len(names) == 0:
				return &usageError{cmd: c.CommandPath(), err: errors.New("--exam, --cohort and --candidates are required")}
			case db == "":
				return &usageError{cmd: c.CommandPath(), err: errors.New("--db is required: the file deskdrill serve runs on")}
			}
			if dir := filepath.Dir(db); dir != "" {
				if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
					return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--db %s: no directory %s to make it in", db, dir)}
				}
			}
			e, src, err := loadExam(exam)
			if err != nil {
				return err
			}
			if err := dbNotDir(c, db); err != nil {
				return err
			}
			st, err := store.Open(c.Context(), db, store.Options{})
			if err != nil {
				return err
			}
			defer st.Close()
			srv, err := web.New(web.Config{Store: st})
			if err != nil {
				return err
			}
			invs, err := srv.Invite(c.Context(), e, src, cohort, names)
			if err != nil {
				return err
			}
			if jsonOut {
				type row struct {
					web.Invitation
					Link string `json:"link"`
				}
				var out []row
				for _, inv := range invs {
					out = append(out, row{inv, "http://" + addr + "/?token=" + inv.Token})
				}
				return writeJSON(c.OutOrStdout(), out)
			}
			fmt.Fprintf(c.OutOrStdout(), "invited %d candidates to %s in cohort %s (tokens shown once):\n", len(invs), e.Name, cohort)
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			for _, inv := range invs {
				fmt.Fprintf(tw, "  %s\thttp://%s/?token=%s\n", inv.Candidate, addr, inv.Token)
			}
			return tw.Flush()
		},
	}
	f := c.Flags()
	f.StringVar(&db, "db", "", "the SQLite file deskdrill serve runs on")
	f.StringVar(&exam, "exam", "", "the exam: a built-in name or a file")
	f.StringVar(&cohort, "cohort", "", "the cohort the candidates belong to")
	f.StringVar(&candidates, "candidates", "", "the candidates' names, separated by commas")
	f.StringVar(&addr, "addr", "127.0.0.1:8080", "where deskdrill serve listens, for the links")
	f.BoolVar(&jsonOut, "json", false, "print as JSON")
	return c
}

func newExamReportCmd() *cobra.Command {
	var (
		db, cohort, exam, contract string
		jsonOut, csvOut            bool
		months                     int
	)
	c := &cobra.Command{
		Use:   "report --db FILE --cohort C [--exam NAME] [--json|--csv] [--contract NAME|FILE]",
		Short: "The cohort report: leaderboard, pass rate, item analysis, Cronbach's α, reviews",
		Long: `report reads a cohort's sittings (each candidate's latest counts; reviewed scores replace
automatic ones) and prints the leaderboard, the score distribution, the pass rate (the
training_pass_rate KPI of a vendor contract's training clause), each item's difficulty and
discrimination, Cronbach's α and the agreement of trainers' reviews (docs/exams.md has the
formulas). --contract prints the refund the contract's training clause grants at that pass rate.`,
		Example: `  deskdrill exam report --db exams.db --cohort 2026-12
  deskdrill exam report --db exams.db --cohort 2026-12 --json
  deskdrill exam report --db exams.db --cohort 2026-12 --contract seed-guarantee`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if db == "" || cohort == "" {
				return &usageError{cmd: c.CommandPath(), err: errors.New("--db and --cohort are required")}
			}
			if jsonOut && csvOut {
				return &usageError{cmd: c.CommandPath(), err: errors.New("--json or --csv, not both")}
			}
			st, err := openExisting(c, db)
			if err != nil {
				return err
			}
			defer st.Close()
			srv, err := web.New(web.Config{Store: st})
			if err != nil {
				return err
			}
			rep, _, err := srv.Cohort(c.Context(), cohort, exam)
			if err != nil {
				return err
			}
			// A cohort nobody was invited to and nobody sat is a misspelt
			// name, not an empty cohort.
			if recs, err := st.Sittings(c.Context(), cohort, exam); err != nil {
				return err
			} else if len(recs) == 0 {
				if invited, err := st.CohortExam(c.Context(), cohort, exam); err != nil {
					return err
				} else if invited == "" {
					what := fmt.Sprintf("cohort %q", cohort)
					if exam != "" {
						what += fmt.Sprintf(" with exam %q", exam)
					}
					return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--cohort: no %s in %s: nobody was invited to it or sat it", what, db)}
				}
			}
			var statement *sim.Statement
			var ct *sim.Contract
			if contract != "" {
				if ct, err = scenarios.LoadContract(contract); err != nil {
					return flagged("--contract", err)
				}
				// No graded sitting, no rate: the clause is not evaluated.
				values := sim.KPIValues{}
				if rep.TrainingPassRate != nil {
					values["training_pass_rate"] = *rep.TrainingPassRate
				}
				in := sim.RefundInput{Periods: []sim.PeriodKPIs{{Period: currentMonth(), Values: values}}}
				if months >= 0 {
					in.MonthsServed = &months
				}
				if statement, err = ct.Refund(in); err != nil {
					return fmt.Errorf("contract %s: %w", ct.Name, err)
				}
			}
			out := c.OutOrStdout()
			switch {
			case jsonOut:
				if statement != nil {
					return writeJSON(out, map[string]any{"cohort": rep, "statement": statement})
				}
				return writeJSON(out, rep)
			case csvOut:
				return writeCohortCSV(out, rep)
			}
			writeCohort(out, rep)
			if statement != nil {
				fmt.Fprintln(out)
				return writeStatement(out, ct, statement)
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVar(&db, "db", "", "the SQLite file the sittings are recorded in")
	f.StringVar(&cohort, "cohort", "", "the cohort")
	f.StringVar(&exam, "exam", "", "the exam, when the cohort sat several (default: the latest)")
	f.StringVar(&contract, "contract", "", "also print the refund of this contract's training clause at the pass rate")
	intFlag(f, &months, "terminate-after-months", -1, "months of the contract served (a training tier of remaining refunds the unserved part)", -1, 1200, "a whole number of months such as 6")
	f.BoolVar(&jsonOut, "json", false, "print as JSON")
	f.BoolVar(&csvOut, "csv", false, "print the candidates and their item scores as CSV")
	return c
}

// fmtRate prints a rate with four decimals, or – when there is none.
func fmtRate(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', 4, 64)
}

func fmtOptional(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func writeCohort(w io.Writer, r trainer.CohortReport) {
	mean := "–"
	if r.MeanScore != nil {
		mean = strconv.FormatFloat(*r.MeanScore, 'f', 2, 64)
	}
	fmt.Fprintf(w, "cohort %s, exam %s: %d candidates, pass rate %s (training_pass_rate), mean score %s, Cronbach's α %s (n=%d)\n",
		r.Cohort, r.Exam, r.N, fmtRate(r.PassRate), mean, fmtOptional(r.Alpha), r.N)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "note: %s\n", n)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\n#\tCANDIDATE\tSCORE\tBAND\tPASSED\tSITTINGS\tSITTING")
	for i, c := range r.Candidates {
		fmt.Fprintf(tw, "%d\t%s\t%.2f\t%s\t%v\t%d\t%d\n", i+1, c.Name, c.Score, c.Band, c.Passed, c.Sittings, c.Run)
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nITEM\tCASE\tDIFFICULTY\tDISCRIMINATION\tN")
	for _, it := range r.Items {
		fmt.Fprintf(tw, "%s\t%s\t%.4f\t%s\t%d\n", it.Item, it.Case, it.Difficulty, fmtOptional(it.Discrimination), it.N)
	}
	tw.Flush()
	if r.Reviews.Reviewed > 0 {
		fmt.Fprintf(w, "\nreviews: %d conversations reviewed, agreement %s, Cohen's κ %s\n", r.Reviews.Reviewed, fmtOptional(r.Reviews.Agreement), fmtOptional(r.Reviews.Kappa))
	}
}

func writeCohortCSV(w io.Writer, r trainer.CohortReport) error {
	w.Write([]byte("\ufeff")) // so spreadsheet programs read the names right
	cw := csv.NewWriter(w)
	head := []string{"candidate", "score", "passed", "band", "sittings"}
	for _, it := range r.Items {
		head = append(head, it.Item)
	}
	cw.Write(head)
	for _, c := range r.Candidates {
		row := []string{c.Name, strconv.FormatFloat(c.Score, 'f', 2, 64), strconv.FormatBool(c.Passed), c.Band, strconv.Itoa(c.Sittings)}
		for _, s := range c.Items {
			row = append(row, strconv.FormatFloat(s, 'f', 2, 64))
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// maxExamSpeed bounds exam try's --speed: a compressed sitting scores as
// the same sitting in real time would only while the machine's own
// delays, multiplied by the speed, stay far below the thresholds judged
// (30 s to answer): at 600× a millisecond is 0.6 s of exam time, and cards
// at 60× and 600× agree; at 20,000× a sitting of a perfect bot failed
// its reply-rate gate.
const maxExamSpeed = 600

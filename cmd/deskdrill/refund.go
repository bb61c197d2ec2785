package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

type refundOptions struct {
	contract  string
	kpisFile  string
	kpis      kpiValues
	period    string
	terminate int
	json      bool
}

func newRefundCmd() *cobra.Command {
	var o refundOptions
	c := &cobra.Command{
		Use:   "refund --contract NAME|FILE (--kpis FILE | --kpi id=value ...) [flags]",
		Short: "Compute the refund a contract grants for missed KPIs, clause by clause",
		Long: `refund evaluates a contract against KPI values and prints an itemised refund statement:
for each clause the measured value, the target, the band, the ratio, the amount, the formula
and the reason. Clauses whose KPI is not supplied are listed as not evaluated.

KPIs come from --kpi flags (one period, labelled by --period, default the current month in
Asia/Shanghai) or from a CSV or JSON file with one row per period (--kpis); with a file,
cure periods run across the rows and --period limits the statement to one of them.
Rates are fractions: 0.87, not 87. A file may start with a UTF-8 byte-order mark (as Excel
writes it), and may hold day rows (2026-03-02) beside the trial row, as an evidence pack's
kpis-daily.csv does: days are listed as not evaluated, the trial row is judged.`,
		Example: `  deskdrill refund --contract seed-tiered --kpi satisfaction=0.87
  deskdrill refund --contract seed-tiered --kpi satisfaction=0.87 --kpi dispute_refund_rate=0.026 --json
  deskdrill refund --contract seed-tiered --terminate-after-months 6
  deskdrill refund --contract my-contract.yaml --kpis kpis-2026.csv --period 2026-11
  deskdrill refund --contract pack/contract.yaml --kpis pack/kpis-daily.csv --period trial --json`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if !c.Flags().Changed("terminate-after-months") {
				o.terminate = -1
			}
			return runRefund(c, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.contract, "contract", "", "built-in contract template name or contract YAML file (required)")
	f.StringVar(&o.kpisFile, "kpis", "", "CSV or JSON file of KPI values per period")
	f.Var(&o.kpis, "kpi", "a KPI value as id=value (repeatable), e.g. satisfaction=0.87")
	f.StringVar(&o.period, "period", "", "the period: a month such as 2026-11, or trial")
	intFlag(f, &o.terminate, "terminate-after-months", 0, "end the contract after N months served: settle termination and deposit",
		0, 1200, "a whole number of months served from 0 such as 6")
	f.BoolVar(&o.json, "json", false, "print the statement as JSON")
	return c
}

func runRefund(c *cobra.Command, o refundOptions) error {
	usage := func(format string, args ...any) error {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
	}
	if o.contract == "" {
		return usage("--contract is required: a built-in template (deskdrill contracts list) or a contract file")
	}
	if o.kpisFile != "" && len(o.kpis.ids) > 0 {
		return usage("give KPI values either in a file (--kpis) or as flags (--kpi), not both")
	}
	if o.kpisFile == "" && len(o.kpis.ids) == 0 && o.terminate < 0 {
		return usage("give KPI values (--kpis FILE or --kpi id=value) or --terminate-after-months")
	}
	if err := contractPeriod(o.period, " (a trial's days are its daily record; the trial row is what the contract judges)"); err != nil {
		return usage("%w", err)
	}
	contract, err := scenarios.LoadContract(o.contract)
	if err != nil {
		return flagged("--contract", err)
	}
	var in sim.RefundInput
	if o.terminate >= 0 {
		in.MonthsServed = &o.terminate
	}
	switch {
	case o.kpisFile != "":
		data, err := scenarios.ReadInput(o.kpisFile)
		if err != nil {
			return fmt.Errorf("read KPI file: %w", err)
		}
		if in.Periods, err = scenarios.ParseKPIsFor(o.kpisFile, data, contract); err != nil {
			return err
		}
	case len(o.kpis.ids) > 0:
		// The values were checked as the flags were read.
		p := sim.PeriodKPIs{Period: o.period, Values: o.kpis.vals}
		if p.Period == "" {
			p.Period = currentMonth()
		}
		in.Periods = []sim.PeriodKPIs{p}
	}
	st, err := contract.Refund(in)
	if err != nil {
		return fmt.Errorf("contract %s: %w", contract.Name, err)
	}
	if o.kpisFile != "" && o.period != "" {
		if st, err = onlyPeriod(st, o.period); err != nil {
			return err
		}
	}
	if o.kpisFile != "" && len(st.Periods) == 0 {
		// Nothing to judge: say so rather than print an empty statement.
		return &scenarios.FieldError{File: o.kpisFile, Msg: "no contract period to judge (a month such as 2026-11, or trial): " + rowsText(st)}
	}
	if o.json {
		return writeStatementJSON(c.OutOrStdout(), st)
	}
	return writeStatement(c.OutOrStdout(), contract, st)
}

// currentMonth is the month now in Asia/Shanghai, the default period.
func currentMonth() string {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		loc = time.UTC
	}
	return time.Now().In(loc).Format("2006-01")
}

// dayRows returns the day rows of a KPI file, as the statement lists them
// (not evaluated, no clause).
func dayRows(st *sim.Statement) []string {
	var out []string
	for _, s := range st.Skipped {
		if s.Clause == "" && sim.IsDayPeriod(s.Period) {
			out = append(out, s.Period)
		}
	}
	return out
}

// rowsText says which rows a KPI file has, for an error.
func rowsText(st *sim.Statement) string {
	days := dayRows(st)
	switch {
	case len(st.Periods) == 0 && len(days) == 0:
		return "it has no rows"
	case len(st.Periods) == 0:
		return fmt.Sprintf("it has only day rows (%s), which no clause judges: a trial is judged on its row trial, pooled over the days (an evidence pack's kpis-daily.csv has it)", strings.Join(days, ", "))
	case len(days) == 0:
		return "it has " + strings.Join(st.Periods, ", ")
	}
	return fmt.Sprintf("it has %s, and day rows %s", strings.Join(st.Periods, ", "), strings.Join(days, ", "))
}

// onlyPeriod keeps the lines of one period (and the termination lines),
// after cure periods were counted over every row. The rows it leaves out
// are listed as not evaluated, with why.
func onlyPeriod(st *sim.Statement, period string) (*sim.Statement, error) {
	found := false
	for _, p := range st.Periods {
		found = found || p == period
	}
	if !found {
		return nil, &sim.InputError{Period: period, Err: fmt.Errorf("not in the KPI file (%s)", rowsText(st))}
	}
	out := *st
	out.Periods, out.Items, out.Skipped, out.Total = []string{period}, nil, nil, 0
	for _, it := range st.Items {
		if it.Period == period || it.Period == "termination" {
			out.Items = append(out.Items, it)
			out.Total += it.Amount
		}
	}
	for _, s := range st.Skipped {
		if s.Period == period {
			out.Skipped = append(out.Skipped, s)
		}
	}
	for _, d := range dayRows(st) {
		out.Skipped = append(out.Skipped, sim.Skipped{Period: d, Reason: "left out by --period " + period + ": " + sim.DayNotJudged})
	}
	for _, p := range st.Periods {
		if p != period {
			out.Skipped = append(out.Skipped, sim.Skipped{Period: p, Reason: "left out by --period " + period})
		}
	}
	return &out, nil
}

// statementView is a statement as every command writes it in JSON
// (contracts.md): "periods" only when there are several, empty lists
// rather than null.
type statementView struct {
	sim.Statement
	Periods []string `json:"periods,omitempty"`
}

func viewStatement(st *sim.Statement) *statementView {
	if st == nil {
		return nil
	}
	v := *st
	if len(v.Periods) < 2 {
		v.Periods = nil // "periods" is listed only when there are several
	}
	if v.Items == nil {
		v.Items = []sim.Item{}
	}
	if v.Skipped == nil {
		v.Skipped = []sim.Skipped{}
	}
	return &statementView{Statement: v, Periods: v.Periods}
}

func writeStatementJSON(w io.Writer, st *sim.Statement) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(viewStatement(st)); err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	return nil
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "-"
	}
	return sim.Decimal(*v)
}

func fmtRatio(v *float64) string {
	if v == nil {
		return "-"
	}
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.4f", *v*100), "0"), ".") + "%"
}

func writeStatement(w io.Writer, c *sim.Contract, st *sim.Statement) error {
	fmt.Fprintf(w, "Refund statement: contract %s, monthly fee %s %s", st.Contract, c.MonthlyFee.Grouped(), st.Currency)
	switch len(st.Periods) {
	case 0:
	case 1:
		fmt.Fprintf(w, ", period %s", st.Periods[0])
	default:
		fmt.Fprintf(w, ", periods %s", strings.Join(st.Periods, ", "))
	}
	if st.MonthsServed != nil {
		fmt.Fprintf(w, ", ended after %d of %d months", *st.MonthsServed, c.TermMonths)
	}
	fmt.Fprint(w, "\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PERIOD\tCLAUSE\tKPI\tMEASURED\tTARGET\tBAND\tRATIO\tAMOUNT")
	for _, it := range st.Items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.Period, it.Clause, orDash(it.KPI), fmtOpt(it.Measured),
			fmtOpt(it.Target), orDash(it.Band), fmtRatio(it.Ratio), it.Amount.Grouped())
	}
	fmt.Fprintf(tw, "\t\t\t\t\t\tTOTAL\t%s\n", st.Total.Grouped())
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write statement: %w", err)
	}
	if len(st.Items) > 0 {
		fmt.Fprintln(w, "\nWhy:")
		for _, it := range st.Items {
			fmt.Fprintf(w, "  %s %s: %s\n", it.Period, it.Clause, it.Reason)
			if it.Formula != "" {
				fmt.Fprintf(w, "      %s\n", it.Formula)
			}
			if len(it.Evidence) > 0 {
				fmt.Fprintf(w, "      evidence: %s\n", strings.Join(it.Evidence, ", "))
			}
		}
	}
	if len(st.Skipped) > 0 {
		fmt.Fprintln(w, "\nNot evaluated:")
		for _, s := range st.Skipped {
			if s.Clause == "" {
				fmt.Fprintf(w, "  %s: %s\n", s.Period, s.Reason)
				continue
			}
			fmt.Fprintf(w, "  %s %s: %s\n", s.Period, s.Clause, s.Reason)
		}
	}
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

func newKPIsCmd() *cobra.Command {
	var asJSON bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the KPI catalogue: ids, units, directions and definitions",
		Example: "  deskdrill kpis list\n  deskdrill kpis list --json",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			ks := sim.KPIs()
			if asJSON {
				type kpi struct {
					ID         string `json:"id"`
					Name       string `json:"name"`
					Unit       string `json:"unit"`
					Direction  string `json:"direction"`
					Formula    string `json:"formula"`
					Window     string `json:"window"`
					Exclusions string `json:"exclusions"`
				}
				out := make([]kpi, len(ks))
				for i, k := range ks {
					out[i] = kpi{k.ID, k.Name, string(k.Unit), k.Direction.String(), k.Formula, k.Window, k.Exclusions}
				}
				enc := json.NewEncoder(c.OutOrStdout())
				enc.SetIndent("", "  ")
				enc.SetEscapeHTML(false)
				return enc.Encode(out)
			}
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tUNIT\tBETTER\tNAME")
			for _, k := range ks {
				better := "higher"
				if k.Direction == sim.LowerIsBetter {
					better = "lower"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Unit, better, k.Name)
			}
			fmt.Fprintf(tw, "%sNAME\tcount\tlower\tincidents of a kind, for event clauses\n", sim.IncidentPrefix)
			return tw.Flush()
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print full definitions as JSON")
	var (
		transcripts, profile, contract, period string
		importFile, columns                    string
		paid                                   float64
		jsonOut                                bool
	)
	c := &cobra.Command{
		Use:   "kpis [--transcripts FILE.jsonl | --import FILE.csv --columns MAP] [--contract NAME|FILE] [--json] | kpis list | kpis maps [NAME]",
		Short: "The KPI catalogue, and the KPIs (and refund) of recorded or imported chat logs or a platform's KPI export",
		Long: `kpis --transcripts reads chat logs in deskdrill's JSON-lines format (docs/transcripts.md: one
event per line), scores every conversation, and computes the KPIs by the platform profile's
rules, so a merchant can check a vendor's real chats by the platform's own rules; with
--contract it also prints the refund statement, each line with the conversations behind it.

kpis --import reads a platform's own KPI export (a CSV per day or per sub-account, from
Qianniu, Doudian or JD; UTF-8, UTF-8 with a BOM, UTF-16 or GBK, detected) through a column map
(--columns: a built-in map, kpis maps, or a YAML file; docs/import.md) that names the KPI and
unit of each column. It pools the rows of each period (the month of each row's day, or --period)
and prints them as a KPI file for refund --kpis; with --contract it prints the refund statement
refund --kpis would. A column the map does not know is an error that lists the ones it does.

kpis list shows the catalogue of KPI ids; kpis maps the built-in column maps.`,
		Example: `  deskdrill kpis --transcripts chats.jsonl --profile taobao --contract seed-tiered
  deskdrill kpis --transcripts chats.jsonl --paid-orders 12000 --json
  deskdrill kpis --import 子账号绩效.csv --columns qianniu-subaccount > kpis.csv
  deskdrill kpis --import 子账号绩效.csv --columns qianniu-subaccount --contract seed-tiered
  deskdrill kpis --import export.csv --columns my-map.yaml --period trial --contract seed-trial --json
  deskdrill kpis list
  deskdrill kpis maps qianniu-subaccount`,
		Args: noSubcommand,
		RunE: func(c *cobra.Command, _ []string) error {
			usage := func(format string, args ...any) error {
				return &usageError{cmd: c.CommandPath(), err: fmt.Errorf(format, args...)}
			}
			// Both sources: a month or the trial (import.md: the rows of a
			// month, or of the trial, pooled; a day would label every
			// row's KPIs with one day).
			if err := contractPeriod(period, ""); err != nil {
				return usage("%w", err)
			}
			switch {
			case importFile != "" && transcripts != "":
				return usage("give --transcripts or --import, not both")
			case importFile != "" && columns == "":
				return usage("--import needs --columns: the column map of the export (deskdrill kpis maps, or a YAML file; docs/import.md)")
			case columns != "" && importFile == "":
				return usage("--columns goes with --import FILE.csv")
			case importFile != "":
				if c.Flags().Changed("paid-orders") || c.Flags().Changed("profile") {
					return usage("--paid-orders and --profile go with --transcripts: an export holds the platform's own KPI values")
				}
				return kpisFromImport(c, importFile, columns, contract, period, jsonOut)
			case transcripts == "":
				return c.Help()
			}
			return kpisFromTranscripts(c, transcripts, profile, contract, period, paid, jsonOut)
		},
	}
	f := c.Flags()
	f.StringVar(&transcripts, "transcripts", "", "JSON-lines transcripts to judge")
	f.StringVar(&profile, "profile", "taobao", "platform profile: built-in name or file")
	f.StringVar(&contract, "contract", "", "contract for the refund statement: built-in name or file")
	f.StringVar(&period, "period", "", "the contract period the chats stand for (default: the month of the first)")
	floatFlag(f, &paid, "paid-orders", 0, "paid orders over the chats' span (the dispute-refund rate's denominator)",
		above(0, 1e12), "a number of orders above 0 such as 12000 (leave the flag out when unknown: the rate is then not evaluated)")
	f.BoolVar(&jsonOut, "json", false, "print as JSON")
	f.StringVar(&importFile, "import", "", "a platform's exported KPI table (CSV) to read through --columns")
	f.StringVar(&columns, "columns", "", "the column map of --import: built-in name (kpis maps) or YAML file")
	c.AddCommand(list, newKPIMapsCmd())
	return c
}

func newKPIMapsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "maps [NAME]",
		Short: "List the built-in column maps of platform exports, or print one as a starting point for your own",
		Example: `  deskdrill kpis maps
  deskdrill kpis maps qianniu-subaccount > my-map.yaml`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			w := c.OutOrStdout()
			if len(args) == 1 {
				b, err := scenarios.ColumnMapSource(args[0])
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tPLATFORM\tROWS\tNOTE")
			for _, n := range scenarios.ColumnMapNames() {
				m, err := scenarios.LoadColumnMap(n)
				if err != nil {
					return err
				}
				rows := "per sub-account and day"
				if m.Day == "" {
					rows = "per sub-account"
				} else if m.Agent == "" {
					rows = "per day"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", n, m.Platform, rows, m.Unverified)
			}
			return tw.Flush()
		},
	}
}

// kpisFromImport is deskdrill kpis --import FILE --columns MAP.
func kpisFromImport(c *cobra.Command, file, columns, contract, period string, jsonOut bool) error {
	m, err := scenarios.LoadColumnMap(columns)
	if err != nil {
		return err
	}
	if m.Unverified != "" {
		fmt.Fprintf(c.ErrOrStderr(), "note: column map %s: %s\n", columns, m.Unverified)
	}
	var ct *sim.Contract
	if contract != "" {
		if ct, err = scenarios.LoadContract(contract); err != nil {
			return flagged("--contract", err)
		}
	}
	data, err := scenarios.ReadInput(file)
	if err != nil {
		return fmt.Errorf("read export: %w", err)
	}
	o := scenarios.ExportOptions{Period: period, DailyLimit: -1}
	if ct != nil {
		if l, ok := ct.TimeoutDailyLimit(); ok {
			o.DailyLimit = l
		}
	}
	x, err := scenarios.ReadExport(file, data, m, o)
	if err != nil {
		return err
	}
	delim := map[rune]string{',': "comma", '\t': "tab", ';': "semicolon"}[x.Delimiter]
	fmt.Fprintf(c.ErrOrStderr(), "read %s as %s, %s-separated: %d rows (%d skipped), periods %s\n",
		file, x.Encoding, delim, x.Rows, x.Skipped, periodList(x.Periods))
	for _, n := range x.Notes {
		fmt.Fprintf(c.ErrOrStderr(), "note: %s\n", n)
	}
	var st *sim.Statement
	if ct != nil {
		if st, err = ct.Refund(sim.RefundInput{Periods: x.Periods}); err != nil {
			return fmt.Errorf("contract %s: %w", ct.Name, err)
		}
	}
	if jsonOut {
		type periodJSON struct {
			Period string        `json:"period"`
			Rows   int           `json:"rows"`
			Values sim.KPIValues `json:"values"`
			// Counts are the denominators behind Values (n_<kpi>).
			Counts map[string]float64 `json:"counts"`
		}
		out := struct {
			File      string         `json:"file"`
			Columns   string         `json:"columns"`
			Encoding  string         `json:"encoding"`
			Delimiter string         `json:"delimiter"`
			Rows      int            `json:"rows"`
			Skipped   int            `json:"skipped"`
			Periods   []periodJSON   `json:"periods"`
			Notes     []string       `json:"notes,omitempty"`
			Statement *statementView `json:"statement,omitempty"`
		}{File: file, Columns: columns, Encoding: x.Encoding, Delimiter: delim, Rows: x.Rows, Skipped: x.Skipped, Notes: x.Notes, Statement: viewStatement(st)}
		for _, p := range x.Periods {
			out.Periods = append(out.Periods, periodJSON{p.Period, x.RowsPerPeriod[p.Period], p.Values, x.Counts[p.Period]})
		}
		return writeJSON(c.OutOrStdout(), out)
	}
	if st != nil {
		return writeStatement(c.OutOrStdout(), ct, st)
	}
	return writeKPICSV(c.OutOrStdout(), x.Periods)
}

func periodList(ps []sim.PeriodKPIs) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Period)
	}
	return strings.Join(s, ", ")
}

// writeKPICSV writes periods as a KPI file (docs/contracts.md), which
// refund --kpis reads.
func writeKPICSV(w io.Writer, ps []sim.PeriodKPIs) error {
	var ids []string
	for _, p := range ps {
		for id := range p.Values {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	cw := csv.NewWriter(w)
	if err := cw.Write(append([]string{"period"}, ids...)); err != nil {
		return err
	}
	for _, p := range ps {
		rec := []string{p.Period}
		for _, id := range ids {
			v, ok := p.Values[id]
			cell := ""
			if ok {
				cell = sim.Decimal(v) // as the evidence pack writes it: no binary noise
			}
			rec = append(rec, cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

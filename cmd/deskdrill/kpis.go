package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

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
		paid                                   float64
		jsonOut                                bool
	)
	c := &cobra.Command{
		Use:   "kpis [--transcripts FILE.jsonl [--profile taobao] [--contract NAME|FILE] [--json]] | kpis list",
		Short: "The KPI catalogue, and the KPIs (and refund) of recorded or imported chat logs",
		Long: `kpis --transcripts reads chat logs in deskdrill's JSON-lines format (docs/transcripts.md: one
event per line), scores every conversation, and computes the KPIs by the platform profile's
rules, so a merchant can check a vendor's real chats by the platform's own rules; with
--contract it also prints the refund statement, each line with the conversations behind it.
kpis list shows the catalogue of KPI ids.`,
		Example: `  deskdrill kpis --transcripts chats.jsonl --profile taobao --contract seed-tiered
  deskdrill kpis --transcripts chats.jsonl --paid-orders 12000 --json
  deskdrill kpis list`,
		Args: noSubcommand,
		RunE: func(c *cobra.Command, _ []string) error {
			if transcripts == "" {
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
	c.AddCommand(list)
	return c
}

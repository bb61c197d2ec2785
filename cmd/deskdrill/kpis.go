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
	return groupCmd("kpis", "The KPI catalogue that contracts and KPI files refer to", "  deskdrill kpis list", list)
}

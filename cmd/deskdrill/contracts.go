package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
)

func newContractsCmd() *cobra.Command {
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the built-in contract templates",
		Example: "  deskdrill contracts list",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFEE/MONTH\tTERM\tCLAUSES\tDESCRIPTION")
			for _, name := range scenarios.ContractNames() {
				ct, err := scenarios.LoadContract(name)
				if err != nil {
					return fmt.Errorf("built-in contract %s: %w", name, err)
				}
				ids := make([]string, len(ct.Clauses))
				for i, cl := range ct.Clauses {
					ids[i] = cl.ID
				}
				if ct.Trial != nil {
					ids = append(ids, "trial")
				}
				if ct.Termination != nil {
					ids = append(ids, "termination")
				}
				fmt.Fprintf(tw, "%s\t%s %s\t%dm\t%s\t%s\n", name, ct.MonthlyFee.Grouped(), ct.Currency, ct.TermMonths,
					strings.Join(ids, ","), firstSentence(ct.Description))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:     "show NAME",
		Short:   "Print a built-in contract template (YAML, a starting point for your own)",
		Example: "  deskdrill contracts show seed-tiered > my-contract.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := scenarios.ContractSource(args[0])
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}
	validate := &cobra.Command{
		Use:     "validate FILE...",
		Short:   "Check contract files and report every problem with its line and field",
		Example: "  deskdrill contracts validate my-contract.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var errs []error
			for _, file := range args {
				b, err := scenarios.ReadInput(file)
				if err != nil {
					errs = append(errs, fmt.Errorf("read contract: %w", err))
					continue
				}
				ct, err := scenarios.ParseContract(file, b)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				fmt.Fprintf(c.OutOrStdout(), "%s: ok (contract %s, %d clauses)\n", file, ct.Name, len(ct.Clauses))
			}
			return errors.Join(errs...)
		},
	}
	return groupCmd("contracts", "List, show and validate contracts", "  deskdrill contracts list\n  deskdrill contracts validate my-contract.yaml", list, show, validate)
}

func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

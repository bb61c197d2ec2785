package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:   "deskdrill",
		Short: "A sandbox for e-commerce customer service: live drills, KPIs, refunds and staffing plans",
		Long: `deskdrill drills e-commerce customer-service teams: it sends synthetic customers to agents over
WebSockets, scores conversations against the after-sales standard and the contract's KPIs,
computes the refund a vendor owes when KPIs are missed, clause by clause, with the evidence behind
each line, and models that refund exposure under different staffing levels.`,
		Example: `  deskdrill serve
  deskdrill plan --scenario double11
  deskdrill refund --contract seed-tiered --kpi satisfaction=0.87 --kpi dispute_refund_rate=0.026
  deskdrill scenarios show double11`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c.CommandPath(), err: err}
	})
	root.AddCommand(
		newRefundCmd(),
		newContractsCmd(),
		newScenariosCmd(),
		newKPIsCmd(),
		newErlangCmd(),
		newSimulateCmd(),
		newPlanCmd(),
		newServeCmd(),
		newCustomersCmd(),
		newAgentCmd(),
		newLoadCmd(),
		newTokensCmd(),
		newReportCmd(),
		newExportCmd(),
		newVersionCmd(),
	)
	// Unknown subcommands and wrong argument counts are usage errors too.
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	root.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("unknown command %q", args[0])}
		}
		return nil
	}
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return root
}

// wrapArgs makes argument-validation failures usage errors, recursively.
func wrapArgs(c *cobra.Command) {
	if v := c.Args; v != nil {
		c.Args = func(cmd *cobra.Command, args []string) error {
			if err := v(cmd, args); err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			return nil
		}
	}
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
}

// groupCmd is a command that only holds subcommands: run bare, it shows
// help; with an unknown subcommand it is a usage error.
func groupCmd(use, short, example string, subs ...*cobra.Command) *cobra.Command {
	c := &cobra.Command{
		Use:     use,
		Short:   short,
		Example: example,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return nil
		},
		RunE: func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(subs...)
	return c
}

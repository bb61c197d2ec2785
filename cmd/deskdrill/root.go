package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

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
		// --version (and -v) print what the version command prints.
		Version: versionLine(),
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print the version, as deskdrill version does")
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{cmd: c.CommandPath(), err: explainFlagError(err)}
	})
	root.AddCommand(
		newRefundCmd(),
		newContractsCmd(),
		newScenariosCmd(),
		newKPIsCmd(),
		newErlangCmd(),
		newSimulateCmd(),
		newPlanCmd(),
		newCalibrateCmd(),
		newServeCmd(),
		newCustomersCmd(),
		newAgentCmd(),
		newLoadCmd(),
		newDrillCmd(),
		newMergeCmd(),
		newEchoCmd(),
		newTokensCmd(),
		newReportCmd(),
		newExportCmd(),
		newTrialCmd(),
		newEvidenceCmd(),
		newExamCmd(),
		newVersionCmd(),
	)
	// Unknown subcommands and wrong argument counts are usage errors too.
	for _, c := range root.Commands() {
		wrapArgs(c)
	}
	// The root has no Args on purpose: cobra then checks the first word
	// itself (legacyArgs), before it parses any flag, and suggests the
	// nearest commands ("Did you mean this?"); an Args func turns that
	// off. run makes the error a usage error.
	root.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	return root
}

// noSubcommand is the Args check of a command below the root that takes
// no arguments but has subcommands, so an argument is a mistyped
// subcommand: a usage error with cobra's suggestions. Cobra suggests by
// itself only at the root; without this check a group would show its help
// and exit 0.
func noSubcommand(c *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], c.CommandPath())
	if c.SuggestionsMinimumDistance <= 0 {
		c.SuggestionsMinimumDistance = 2 // cobra's default
	}
	if s := c.SuggestionsFor(args[0]); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t") + "\n"
	}
	return &usageError{cmd: c.CommandPath(), err: errors.New(msg)}
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
		Args:    noSubcommand,
		RunE:    func(c *cobra.Command, _ []string) error { return c.Help() },
	}
	c.AddCommand(subs...)
	return c
}

package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

func newScenariosCmd() *cobra.Command {
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the built-in scenarios with their expected load",
		Example: "  deskdrill scenarios list",
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			tw := tabwriter.NewWriter(c.OutOrStdout(), 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tSTART\tDURATION\tPLATFORM\tCONVERSATIONS\tPEAK HOUR\tCONTRACT\tDESCRIPTION")
			for _, name := range scenarios.ScenarioNames() {
				s, err := scenarios.LoadScenario(name)
				if err != nil {
					return fmt.Errorf("built-in scenario %s: %w", name, err)
				}
				l := describeLoad(s)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%s %.0f\t%s\t%s\n", name, s.Start, scenarios.FormatDuration(s.Duration),
					s.Platform.Name, l.expected, l.peakStart.Format("01-02 15:04"), l.peakCount, contractName(s), firstSentence(s.Description))
			}
			return tw.Flush()
		},
	}
	show := &cobra.Command{
		Use:     "show NAME",
		Short:   "Print a built-in scenario (YAML, a starting point for your own)",
		Example: "  deskdrill scenarios show double11 > my-promotion.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			b, err := scenarios.ScenarioSource(args[0])
			if err != nil {
				return err
			}
			_, err = c.OutOrStdout().Write(b)
			return err
		},
	}
	validate := &cobra.Command{
		Use:     "validate FILE...",
		Short:   "Check scenario files and report every problem with its line and field",
		Example: "  deskdrill scenarios validate my-promotion.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var errs []error
			for _, file := range args {
				s, err := scenarios.LoadScenarioFile(file)
				if err != nil {
					errs = append(errs, err)
					continue
				}
				l := describeLoad(s)
				fmt.Fprintf(c.OutOrStdout(), "%s: ok (scenario %s, %s from %s, about %.0f conversations, peak hour %s with %.0f)\n",
					file, s.Name, scenarios.FormatDuration(s.Duration), s.Start, l.expected, l.peakStart.Format("01-02 15:04"), l.peakCount)
			}
			return errors.Join(errs...)
		},
	}
	return groupCmd("scenarios", "List, show and validate scenarios",
		"  deskdrill scenarios list\n  deskdrill scenarios validate my-promotion.yaml", list, show, validate)
}

type load struct {
	expected  float64
	peakStart time.Time
	peakCount float64
}

func describeLoad(s *sim.Scenario) load {
	a := s.ArrivalRate()
	from, to := s.StartTime(), s.EndTime()
	start, count := a.PeakHour(from, to)
	return load{expected: a.Expected(from, to), peakStart: start, peakCount: count}
}

func contractName(s *sim.Scenario) string {
	switch {
	case s.Contract.Name != "":
		return s.Contract.Name
	case s.Contract.Contract != nil && s.Contract.Contract.Name != "":
		return s.Contract.Contract.Name + " (inline)"
	case s.Contract.Contract != nil:
		return "(inline)"
	}
	return "-"
}

package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	loadgen "github.com/deskdrill/deskdrill/bench/load"
	"github.com/deskdrill/deskdrill/scenarios"
)

func newMergeCmd() *cobra.Command {
	var out engineOutput
	c := &cobra.Command{
		Use:   "merge SUMMARY.json... | PLAN-DIR...",
		Short: "Merge the shards of a drill (their summaries) or of a plan (their --out directories) into the whole",
		Long: `merge joins the parts of a job run as shards on several machines (docs/distributed.md).

Given the summaries of a drill or load run with --shard i/n (--summary FILE.json), it merges them
into the summary of the whole drill: counts add up, every latency histogram merges bucket by
bucket (exactly: the merged histogram is the histogram of all the shards' samples), intervals
merge by their number, and the thresholds are judged on the merged result, with the exit status
of drill: 0 every threshold held, 99 one failed. Every shard must be there once. --json prints
the merged summary; --summary and --html write it and its report.

Given the --out directories of plan --shard i/n, it merges the replications into exactly the plan
one machine would have made (the keys plan --json prints, with --json).

An argument with a pattern (shard-*.json) that names no file is expanded as a shell would, for
the args of a Kubernetes Job, which no shell reads.`,
		Example: `  deskdrill merge shard-0.json shard-1.json shard-2.json shard-3.json --html drill.html
  deskdrill merge /results/drill-*.json --json > drill.json
  deskdrill merge plan-0 plan-1 plan-2 --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			args, err := expandGlobs(args)
			if err != nil {
				return err
			}
			dirs := 0
			for _, a := range args {
				st, err := os.Stat(a)
				if err != nil {
					return &scenarios.FileError{Path: a, Err: err}
				}
				if st.IsDir() {
					dirs++
				}
			}
			switch {
			case dirs == len(args):
				if out.summary != "" || out.html != "" {
					return &usageError{cmd: c.CommandPath(), err: errors.New("--summary and --html are for drill summaries, not plan directories")}
				}
				return mergePlanShards(args, out.json, c.OutOrStdout())
			case dirs > 0:
				return &usageError{cmd: c.CommandPath(), err: errors.New("give either drill summaries (files) or plan --out directories, not both")}
			}
			return mergeSummaries(c, args, out)
		},
	}
	out.flags(c.Flags())
	return c
}

// expandGlobs expands the arguments that hold a pattern (*, ?, [...])
// and name no file, as a shell would: a Kubernetes Job's args reach
// deskdrill without one. A pattern that matches nothing is bad input.
func expandGlobs(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if !strings.ContainsAny(a, "*?[") {
			out = append(out, a)
			continue
		}
		if _, err := os.Stat(a); err == nil {
			out = append(out, a)
			continue
		}
		m, err := filepath.Glob(a)
		if err != nil || len(m) == 0 {
			return nil, &scenarios.FileError{Path: a, Err: fmt.Errorf("no file matches the pattern")}
		}
		out = append(out, m...)
	}
	return out, nil
}

// mergeSummaries merges drill summaries, writes the outputs and returns a
// *loadgen.ThresholdError when a threshold fails on the whole.
func mergeSummaries(c *cobra.Command, files []string, out engineOutput) error {
	var parts []*loadgen.Summary
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return &scenarios.FileError{Path: name, Err: err}
		}
		s, err := loadgen.DecodeSummary(name, f)
		f.Close()
		if err != nil {
			return err
		}
		parts = append(parts, s)
	}
	m, err := loadgen.Merge(parts)
	if err != nil {
		return err
	}
	outs, err := openOutputs(out)
	if err != nil {
		return &usageError{cmd: c.CommandPath(), err: err}
	}
	defer outs.close()
	if err := outs.write(m); err != nil {
		return err
	}
	if out.json {
		if err := writeJSON(c.OutOrStdout(), m); err != nil {
			return err
		}
	} else {
		printSummary(c.OutOrStdout(), m)
	}
	if failed := m.FailedThresholds(); len(failed) > 0 {
		return &loadgen.ThresholdError{Failed: failed}
	}
	return nil
}

package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim/plan"
)

// A plan shard's directory (plan --shard I/N --out DIR) holds two files.
const (
	shardManifest = "plan-shard.json"
	shardRows     = "reps.jsonl"
)

// writeShard writes shard s to dir: its manifest and one row per
// replication.
func writeShard(dir string, s *plan.Shard) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create shard directory: %w", err)
	}
	write := func(name string, fill func(w io.Writer) error) error {
		path := filepath.Join(dir, name)
		f, err := os.Create(path)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		bw := bufio.NewWriter(f)
		err = fill(bw)
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		return nil
	}
	if err := write(shardManifest, func(w io.Writer) error { return writeJSON(w, s) }); err != nil {
		return err
	}
	return write(shardRows, func(w io.Writer) error { return plan.WriteRows(w, s.Rows) })
}

// shardInputError is a shard directory that cannot be read or merged: bad
// input (exit 2).
type shardInputError struct{ err error }

func (e *shardInputError) Error() string        { return e.err.Error() }
func (e *shardInputError) Unwrap() error        { return e.err }
func (e *shardInputError) Is(target error) bool { return target == scenarios.ErrBadInput }

// readShard reads a plan shard's directory.
func readShard(dir string) (*plan.Shard, error) {
	open := func(name string) (*os.File, string, error) {
		path := filepath.Join(dir, name)
		f, err := os.Open(path)
		if err != nil {
			return nil, path, &shardInputError{fmt.Errorf("read plan shard %s: %w (want the --out directory of plan --shard)", dir, err)}
		}
		return f, path, nil
	}
	f, path, err := open(shardManifest)
	if err != nil {
		return nil, err
	}
	s, err := plan.ReadShardManifest(f, path)
	f.Close()
	if err != nil {
		return nil, &shardInputError{err}
	}
	f, path, err = open(shardRows)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if s.Rows, err = plan.ReadShardRows(f, path); err != nil {
		return nil, &shardInputError{err}
	}
	return s, nil
}

// mergePlanShards reads the directories of a plan's shards (plan --shard
// I/N --out DIR), merges them and prints the plan: with asJSON exactly
// what the unsharded plan --json prints, otherwise its table. deskdrill
// merge calls it when given directories.
func mergePlanShards(dirs []string, asJSON bool, stdout io.Writer) error {
	if len(dirs) == 0 {
		return &shardInputError{errors.New("merge plan shards: no directories given")}
	}
	var shards []*plan.Shard
	for _, d := range dirs {
		s, err := readShard(d)
		if err != nil {
			return err
		}
		shards = append(shards, s)
	}
	rep, err := plan.MergeShards(shards)
	if err != nil {
		return &shardInputError{err}
	}
	if asJSON {
		return writeJSON(stdout, rep)
	}
	return writePlanTable(stdout, rep, 0)
}

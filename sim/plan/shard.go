package plan

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/deskdrill/deskdrill/sim"
)

// ShardFormat names the format of a plan shard's manifest.
const ShardFormat = "deskdrill-plan-shard/1"

// Shard is one part of a plan split by replication index (plan --shard
// i/n): its manifest and its rows. Shard i of n holds the replications
// whose index is i modulo n, of every level; all shards of a plan carry
// the same options, levels and hourly needs (the per-hour search does not
// split: every shard runs it whole, with the same seeds, and gets the
// same answer).
type Shard struct {
	Format string `json:"format"`
	Shard  int    `json:"shard"`
	Shards int    `json:"shards"`
	// Definition is a digest of everything the replications depend on
	// that Options do not hold (the scenario's whole content, the agent
	// model, the concurrency, the per-hour replications): shards whose
	// definitions differ ran different plans. "" in a shard written
	// before it was recorded.
	Definition string `json:"definition,omitempty"`
	// Options are the plan's; Reps is fixed, as sharding needs.
	Options Options    `json:"options"`
	Levels  []Level    `json:"levels"` // agents and agent-days, in order
	Needs   []HourNeed `json:"needs"`
	// Rows holds the shard's replications; in a shard's directory they
	// are reps.jsonl, one ShardRow per line.
	Rows []ShardRow `json:"-"`
}

// ShardRow is one replication of one level.
type ShardRow struct {
	Agents int `json:"agents"`
	Rep    Rep `json:"rep"`
}

// ReadShardManifest decodes a shard's manifest strictly: an unknown field
// is an error. name is the file's name, for errors.
func ReadShardManifest(r io.Reader, name string) (*Shard, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s Shard
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("read %s line %d: %w", name, errorLine(data, err, dec.InputOffset()), jsonError(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("read %s line %d: more than one JSON value", name, lineAt(data, dec.InputOffset()))
	}
	switch {
	case s.Format != ShardFormat:
		return nil, fmt.Errorf("read %s: field format: %q is not a plan shard (want %q)", name, s.Format, ShardFormat)
	case s.Shards < 1 || s.Shard < 0 || s.Shard >= s.Shards:
		return nil, fmt.Errorf("read %s: fields shard, shards: shard %d of %d: want 0 to shards−1", name, s.Shard, s.Shards)
	case s.Options.Reps < 1:
		return nil, fmt.Errorf("read %s: field options.reps: %d: a shard needs a fixed number of replications", name, s.Options.Reps)
	case len(s.Levels) == 0:
		return nil, fmt.Errorf("read %s: field levels: none", name)
	}
	return &s, nil
}

// ReadShardRows decodes a shard's rows, one JSON object per line, strictly.
// An error names the file (name), the line and, where the JSON decoder
// says, the field.
func ReadShardRows(r io.Reader, name string) ([]ShardRow, error) {
	var rows []ShardRow
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		var row ShardRow
		if err := dec.Decode(&row); err != nil {
			return nil, fmt.Errorf("read %s line %d: %w", name, line, rowError(b, err))
		}
		if dec.More() {
			return nil, fmt.Errorf("read %s line %d: more than one JSON value", name, line)
		}
		if row.Rep.Index < 0 {
			return nil, fmt.Errorf("read %s line %d: field rep.index: %d is negative", name, line, row.Rep.Index)
		}
		rows = append(rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s line %d: %w", name, line+1, err)
	}
	return rows, nil
}

// errorLine is the line of data that a JSON decoder's err is about: where
// the syntax error or the mistyped value is, or the unknown field's key;
// else where the decoder stopped (at).
func errorLine(data []byte, err error, at int64) int {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		at = se.Offset
	case errors.As(err, &te):
		at = te.Offset
	default:
		if key, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if i := bytes.Index(data, []byte(key)); i >= 0 {
				at = int64(i)
			}
		}
	}
	return lineAt(data, at)
}

// lineAt is the line (from 1) holding byte offset off of data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return 1 + bytes.Count(data[:off], []byte("\n"))
}

// jsonError words a JSON decoder's error with the field it names.
func jsonError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return fmt.Errorf("field %s: want %s, got JSON %s", te.Field, te.Type, te.Value)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Errorf("unknown field %s", msg)
	}
	return err
}

// rowError is jsonError for a row, naming the field where encoding/json
// does not: an amount's own parser (sim.Money) reports no field, and a
// KPI's value is reported as the map's (rep.kpis), not its key's.
func rowError(b []byte, err error) error {
	var loose struct {
		Rep struct {
			Refund         json.RawMessage            `json:"refund"`
			DisputeRefunds json.RawMessage            `json:"dispute_refunds"`
			KPIs           map[string]json.RawMessage `json:"kpis"`
		} `json:"rep"`
	}
	if json.Unmarshal(b, &loose) != nil {
		return jsonError(err)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field == "rep.kpis" {
		for _, k := range slices.Sorted(maps.Keys(loose.Rep.KPIs)) {
			var f float64
			if json.Unmarshal(loose.Rep.KPIs[k], &f) != nil {
				return fmt.Errorf("field rep.kpis.%s: want a number, got JSON %s", k, loose.Rep.KPIs[k])
			}
		}
	}
	for _, m := range []struct {
		field string
		raw   json.RawMessage
	}{{"rep.refund", loose.Rep.Refund}, {"rep.dispute_refunds", loose.Rep.DisputeRefunds}} {
		var v sim.Money
		if m.raw != nil {
			if merr := json.Unmarshal(m.raw, &v); merr != nil {
				return fmt.Errorf("field %s: %w", m.field, merr)
			}
		}
	}
	return jsonError(err)
}

// WriteRows writes rows as reps.jsonl: one JSON object per line.
func WriteRows(w io.Writer, rows []ShardRow) error {
	enc := json.NewEncoder(w)
	for i := range rows {
		if err := enc.Encode(&rows[i]); err != nil {
			return fmt.Errorf("write shard row: %w", err)
		}
	}
	return nil
}

// NewShard makes shard i of n from a sharded sweep's levels (each holding
// the shard's replications).
func NewShard(i, n int, o Options, levels []Level, needs []HourNeed) *Shard {
	s := &Shard{Format: ShardFormat, Shard: i, Shards: n, Options: o, Needs: needs}
	for _, l := range levels {
		s.Levels = append(s.Levels, Level{Agents: l.Agents, AgentDays: l.AgentDays})
		for _, r := range l.Reps {
			s.Rows = append(s.Rows, ShardRow{Agents: l.Agents, Rep: r})
		}
	}
	return s
}

// MergeShards puts the shards of one plan back together and writes its
// report: the report the unsharded plan writes, to the last bit, because
// every replication is gathered back to its index and summed in the same
// order. Every shard 0 to n−1 must be there once, with the same options,
// levels and needs, and together they must hold each replication of each
// level exactly once.
func MergeShards(shards []*Shard) (*Report, error) {
	if len(shards) == 0 {
		return nil, errors.New("merge plan shards: none given")
	}
	first := shards[0]
	n := first.Shards
	seen := make([]bool, n)
	for _, s := range shards {
		switch {
		case s.Shards != n:
			return nil, fmt.Errorf("merge plan shards: shard %d says %d shards, shard %d says %d", s.Shard, s.Shards, first.Shard, n)
		case seen[s.Shard]:
			return nil, fmt.Errorf("merge plan shards: shard %d of %d given twice", s.Shard, n)
		case !reflect.DeepEqual(s.Options, first.Options):
			return nil, fmt.Errorf("merge plan shards: shard %d was run with other options than shard %d (scenario, seed, reps, risk or targets differ)", s.Shard, first.Shard)
		case s.Definition != first.Definition:
			return nil, fmt.Errorf("merge plan shards: shard %d ran another plan than shard %d: their definitions differ (the scenario's content, the agent model, --concurrency or --hour-reps)", s.Shard, first.Shard)
		case !reflect.DeepEqual(s.Levels, first.Levels):
			return nil, fmt.Errorf("merge plan shards: shard %d has other staffing levels than shard %d", s.Shard, first.Shard)
		case !reflect.DeepEqual(s.Needs, first.Needs):
			return nil, fmt.Errorf("merge plan shards: shard %d found other hourly needs than shard %d: they ran another scenario or build", s.Shard, first.Shard)
		}
		seen[s.Shard] = true
	}
	if i := slices.Index(seen, false); i >= 0 {
		return nil, fmt.Errorf("merge plan shards: shard %d of %d is missing", i, n)
	}
	reps := first.Options.Reps
	levels := make([]Level, len(first.Levels))
	at := map[int]int{}
	for i, l := range first.Levels {
		levels[i] = Level{Agents: l.Agents, AgentDays: l.AgentDays, Reps: make([]Rep, reps)}
		at[l.Agents] = i
	}
	filled := make([][]bool, len(levels))
	for i := range filled {
		filled[i] = make([]bool, reps)
	}
	for _, s := range shards {
		for _, row := range s.Rows {
			l, ok := at[row.Agents]
			idx := row.Rep.Index
			switch {
			case !ok:
				return nil, fmt.Errorf("merge plan shards: shard %d has a row of %d agents, not a level of the plan", s.Shard, row.Agents)
			case idx >= reps:
				return nil, fmt.Errorf("merge plan shards: shard %d has replication %d of %d agents; the plan has %d", s.Shard, idx, row.Agents, reps)
			case idx%n != s.Shard:
				return nil, fmt.Errorf("merge plan shards: shard %d has replication %d, which belongs to shard %d", s.Shard, idx, idx%n)
			case filled[l][idx]:
				return nil, fmt.Errorf("merge plan shards: replication %d of %d agents given twice", idx, row.Agents)
			}
			levels[l].Reps[idx] = row.Rep
			filled[l][idx] = true
		}
	}
	for l := range levels {
		if i := slices.Index(filled[l], false); i >= 0 {
			return nil, fmt.Errorf("merge plan shards: replication %d of %d agents is missing (from shard %d)", i, levels[l].Agents, i%n)
		}
	}
	return Summarize(levels, first.Needs, first.Options), nil
}

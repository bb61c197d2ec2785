package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Run is one run of the sandbox: a scenario played at a speed under a
// contract from one root seed.
type Run struct {
	// ID is assigned by CreateRun.
	ID       int64
	Scenario string
	Seed     uint64
	// Speed is the simulated-time multiplier (1 is real time).
	Speed    float64
	Contract string
	// Started and Ended are wall-clock times; Ended is zero while the run
	// is going. Read back in UTC.
	Started, Ended time.Time
	// Config is the run's full configuration as JSON; empty for none.
	Config []byte
	// State is where the run stands, and Interruptions the stops of its
	// hub that did not end it, oldest first (see MarkInterrupted). Both
	// are read, not written, by CreateRun.
	State         RunState
	Interruptions []Interruption
	// ClockStart, when set, is the scenario's start as this run plays it
	// (a real-time run rebases its scenario to the day it started), and
	// ClockOffset the scenario time already played at Started (the time
	// of day it started, for such a run). Elapsed counts from it.
	ClockStart  time.Time
	ClockOffset time.Duration
}

// CreateRun stores r (its ID is ignored) and returns the new run's ID. It
// commits before it returns.
func (s *Store) CreateRun(ctx context.Context, r Run) (int64, error) {
	if err := s.rlock(); err != nil {
		return 0, fmt.Errorf("create run: %w", err)
	}
	defer s.mu.RUnlock()
	if err := errors.Join(checkTime(r.Started), checkTime(r.Ended)); err != nil {
		return 0, fmt.Errorf("create run: %w", err)
	}
	var cfg any
	if len(r.Config) > 0 {
		if !json.Valid(r.Config) {
			return 0, fmt.Errorf("create run: config is not valid JSON")
		}
		cfg = string(r.Config)
	}
	// The seed's 64 bits go into SQLite's signed INTEGER unchanged.
	if err := checkTime(r.ClockStart); err != nil {
		return 0, fmt.Errorf("create run: clock start: %w", err)
	}
	if r.ClockOffset < 0 {
		return 0, fmt.Errorf("create run: clock offset %v is negative", r.ClockOffset)
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO runs (scenario, seed, speed, contract, started, ended, config, clock_start, clock_offset)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Scenario, int64(r.Seed), r.Speed, r.Contract, nanos(r.Started), nanos(r.Ended), cfg, nanos(r.ClockStart), int64(r.ClockOffset))
	if err != nil {
		return 0, fmt.Errorf("create run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("create run: %w", err)
	}
	return id, nil
}

// EndRun sets the end time of run id. It commits before it returns.
func (s *Store) EndRun(ctx context.Context, id int64, at time.Time) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("end run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	if err := checkTime(at); err != nil {
		return fmt.Errorf("end run %d: %w", id, err)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE runs SET ended = ? WHERE id = ?`, nanos(at), id)
	if err != nil {
		return fmt.Errorf("end run %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("end run %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("end run %d: %w", id, ErrNotFound)
	}
	return nil
}

const runColumns = `id, scenario, seed, speed, contract, started, ended, config, clock_start, clock_offset`

type scanner interface{ Scan(dest ...any) error }

func scanRun(sc scanner) (Run, error) {
	var (
		r              Run
		seed           int64
		started, ended sql.NullInt64
		cfg            sql.NullString
		clock          sql.NullInt64
		offset         int64
	)
	if err := sc.Scan(&r.ID, &r.Scenario, &seed, &r.Speed, &r.Contract, &started, &ended, &cfg, &clock, &offset); err != nil {
		return Run{}, err
	}
	r.Seed = uint64(seed)
	r.Started, r.Ended = fromNanos(started), fromNanos(ended)
	r.ClockStart, r.ClockOffset = fromNanos(clock), time.Duration(offset)
	if cfg.Valid {
		r.Config = []byte(cfg.String)
	}
	return r, nil
}

// Runs returns every run, newest first.
func (s *Store) Runs(ctx context.Context) ([]Run, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer s.mu.RUnlock()
	out, err := queryRuns(ctx, s.db, `SELECT `+runColumns+` FROM runs ORDER BY id DESC`)
	if err == nil {
		err = complete(ctx, s.db, out, s.serving())
	}
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// queryRuns runs a query of runColumns.
func queryRuns(ctx context.Context, q querier, query string, args ...any) ([]Run, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// serving reports whether a run without an end may be live: this Store
// serves the file, or another process did when Open looked.
func (s *Store) serving() bool { return s.lock != nil || s.served }

// Run returns run id, or an error wrapping ErrNotFound.
func (s *Store) Run(ctx context.Context, id int64) (Run, error) {
	if err := s.rlock(); err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	r, err := s.run(ctx, id)
	if err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	return r, nil
}

// run reads run id with its interruptions. mu must be held for reading.
func (s *Store) run(ctx context.Context, id int64) (Run, error) {
	r, err := scanRun(s.db.QueryRowContext(ctx, `SELECT `+runColumns+` FROM runs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return Run{}, err
	}
	runs := []Run{r}
	if err := complete(ctx, s.db, runs, s.serving()); err != nil {
		return Run{}, err
	}
	return runs[0], nil
}

// runExists returns nil if run id exists, else an error wrapping
// ErrNotFound. mu must be held for reading.
func (s *Store) runExists(ctx context.Context, id int64) error {
	var one int
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM runs WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	return err
}

// Agent is an agent who took part in a run.
type Agent struct {
	Name string
	// Role is the agent's role in the run, as the hub names it.
	Role string
}

// UpsertAgent records that agent name took part in run runID with role,
// replacing an earlier role. It is batched: it returns once queued (see
// AppendEvent).
func (s *Store) UpsertAgent(ctx context.Context, runID int64, name, role string) error {
	if err := s.enqueue(ctx, op{kind: opAgent, run: runID, name: name, role: role}, true); err != nil {
		return fmt.Errorf("upsert agent %q: %w", name, err)
	}
	return nil
}

// Agents returns the committed agents of run runID by name, or an error
// wrapping ErrNotFound if there is no such run.
func (s *Store) Agents(ctx context.Context, runID int64) ([]Agent, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer s.mu.RUnlock()
	if err := s.runExists(ctx, runID); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT name, role FROM agents WHERE run_id = ? ORDER BY name`, runID)
	if err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	defer rows.Close()
	var out []Agent
	for rows.Next() {
		var a Agent
		if err := rows.Scan(&a.Name, &a.Role); err != nil {
			return nil, fmt.Errorf("list agents: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list agents: %w", err)
	}
	return out, nil
}

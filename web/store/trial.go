package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Source is a file a run was played under, byte for byte (see
// scenarios.Source): its scenario, contract or platform profile.
type Source struct {
	Role, Name, Origin string
	Data               []byte
	// SHA256 is the hex digest of Data, as stored (read back only).
	SHA256 string
}

// SaveSources records the files run id was played under, one per role,
// replacing none: a run's sources are written once, when it starts. It
// commits before it returns.
func (s *Store) SaveSources(ctx context.Context, id int64, srcs []Source) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("save sources of run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("save sources of run %d: %w", id, err)
	}
	defer tx.Rollback()
	for _, src := range srcs {
		sum := sha256.Sum256(src.Data)
		if _, err := tx.ExecContext(ctx, `INSERT INTO run_sources (run_id, role, name, origin, sha256, body) VALUES (?, ?, ?, ?, ?, ?)`,
			id, src.Role, src.Name, src.Origin, hex.EncodeToString(sum[:]), src.Data); err != nil {
			return fmt.Errorf("save sources of run %d: %s %s: %w", id, src.Role, src.Name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("save sources of run %d: %w", id, err)
	}
	return nil
}

// Sources returns the files run id was played under: scenario, contract,
// profile, those it has. A run recorded before schema version 5 has none.
// A body whose digest no longer matches is an error wrapping ErrDamaged.
func (s *Store) Sources(ctx context.Context, id int64) ([]Source, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("read sources of run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	rows, err := s.db.QueryContext(ctx, `SELECT role, name, origin, sha256, body FROM run_sources WHERE run_id = ?
		ORDER BY CASE role WHEN 'scenario' THEN 0 WHEN 'contract' THEN 1 ELSE 2 END`, id)
	if err != nil {
		return nil, fmt.Errorf("read sources of run %d: %w", id, err)
	}
	defer rows.Close()
	var out []Source
	for rows.Next() {
		var src Source
		if err := rows.Scan(&src.Role, &src.Name, &src.Origin, &src.SHA256, &src.Data); err != nil {
			return nil, fmt.Errorf("read sources of run %d: %w", id, err)
		}
		if sum := sha256.Sum256(src.Data); hex.EncodeToString(sum[:]) != src.SHA256 {
			return nil, fmt.Errorf("read sources of run %d: %s %s: %w: its SHA-256 is not the one recorded", id, src.Role, src.Name, ErrDamaged)
		}
		out = append(out, src)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sources of run %d: %w", id, err)
	}
	return out, nil
}

// Verdict is the recorded final verdict of a trial run.
type Verdict struct {
	RunID   int64
	Decided time.Time
	// Outcome is pass, refund or undecided (no gate could be checked).
	Outcome string
	Refund  sim.Money
	// Status is the final trial status as JSON (sim/trial.Status).
	Status json.RawMessage
}

// EndTrial records, in one transaction, the end of trial run id at at and
// its final verdict v: a run is never ended without its verdict, nor
// decided twice. It fails with an error wrapping ErrDecided when a verdict
// is recorded already (nothing changes), and ErrNotFound for no such run
// or one that has ended.
func (s *Store) EndTrial(ctx context.Context, id int64, at time.Time, v Verdict) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	if err := checkTime(at); err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	if !json.Valid(v.Status) {
		return fmt.Errorf("end trial %d: the status is not valid JSON", id)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	defer tx.Rollback()
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM trial_verdicts WHERE run_id = ?`, id).Scan(&one); {
	case err == nil:
		return fmt.Errorf("end trial %d: %w", id, ErrDecided)
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE runs SET ended = ? WHERE id = ? AND ended IS NULL`, at.UnixNano(), id)
	if err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	} else if n == 0 {
		return fmt.Errorf("end trial %d: %w (or it has ended)", id, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO trial_verdicts (run_id, decided, outcome, refund_fen, status) VALUES (?, ?, ?, ?, ?)`,
		id, at.UnixNano(), v.Outcome, int64(v.Refund), string(v.Status)); err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("end trial %d: %w", id, err)
	}
	return nil
}

// Verdict returns the final verdict of trial run id, or an error wrapping
// ErrNotFound when none is recorded.
func (s *Store) Verdict(ctx context.Context, id int64) (Verdict, error) {
	if err := s.rlock(); err != nil {
		return Verdict{}, fmt.Errorf("read verdict of run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	v := Verdict{RunID: id}
	var decided, refund int64
	var status string
	err := s.db.QueryRowContext(ctx, `SELECT decided, outcome, refund_fen, status FROM trial_verdicts WHERE run_id = ?`, id).
		Scan(&decided, &v.Outcome, &refund, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return Verdict{}, fmt.Errorf("read verdict of run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Verdict{}, fmt.Errorf("read verdict of run %d: %w", id, err)
	}
	v.Decided, v.Refund, v.Status = time.Unix(0, decided).UTC(), sim.Money(refund), json.RawMessage(status)
	return v, nil
}

// PauseRun records that run id stopped at at, before its end, after
// elapsed of scenario time, without ending it: it reads as interrupted,
// marked, and serve --resume continues it. A trial that has not reached
// its end stops so (Ctrl-C, a restart), so that it can go on. Open
// conversations, which a clean stop of the hub has closed already, are
// closed as interrupted. Flush the store first.
func (s *Store) PauseRun(ctx context.Context, id int64, at time.Time, elapsed time.Duration) (err error) {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("pause run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("pause run %d: %w", id, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("pause run %d: %w", id, err)
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			err = fmt.Errorf("pause run %d: %w", id, err)
		}
	}()
	var ended sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT ended FROM runs WHERE id = ?`, id).Scan(&ended); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	if ended.Valid {
		return fmt.Errorf("%w: it has ended", ErrNotInterrupted)
	}
	var n int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM interruptions WHERE run_id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO interruptions (run_id, n, at, elapsed, found) VALUES (?, ?, ?, ?, ?)`,
		id, n+1, at.UnixNano(), int64(elapsed), at.UnixNano()); err != nil {
		return err
	}
	if err := closeOpen(ctx, conn, id, at); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

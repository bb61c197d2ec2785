package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Exam is an exam file the server hosts, by version (its SHA-256).
type Exam struct {
	Version, Name string
	Source        []byte
}

// SaveExam keeps an exam file; saving the same version again changes
// nothing.
func (s *Store) SaveExam(ctx context.Context, e Exam) error {
	if e.Version == "" || e.Name == "" || len(e.Source) == 0 {
		return errors.New("save exam: a version, a name and the file are required")
	}
	if err := s.rlock(); err != nil {
		return fmt.Errorf("save exam: %w", err)
	}
	defer s.mu.RUnlock()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO exams (version, name, source) VALUES (?, ?, ?) ON CONFLICT (version) DO NOTHING`,
		e.Version, e.Name, string(e.Source)); err != nil {
		return fmt.Errorf("save exam %s: %w", e.Name, err)
	}
	return nil
}

// ExamOf returns the exam file of version, or an error wrapping
// ErrNotFound.
func (s *Store) ExamOf(ctx context.Context, version string) (Exam, error) {
	if err := s.rlock(); err != nil {
		return Exam{}, fmt.Errorf("read exam: %w", err)
	}
	defer s.mu.RUnlock()
	var e Exam
	var src string
	err := s.db.QueryRowContext(ctx, `SELECT version, name, source FROM exams WHERE version = ?`, version).Scan(&e.Version, &e.Name, &src)
	if errors.Is(err, sql.ErrNoRows) {
		return Exam{}, fmt.Errorf("read exam %s: %w", version, ErrNotFound)
	}
	if err != nil {
		return Exam{}, fmt.Errorf("read exam %s: %w", version, err)
	}
	e.Source = []byte(src)
	return e, nil
}

// Invitation is a candidate's token for an exam in a cohort
// (docs/exams.md): the token's connections join the candidate's sitting.
type Invitation struct {
	TokenID     int64
	ExamVersion string
	Cohort      string
	Candidate   string
	Created     time.Time
}

// Invite makes a token of role agent named candidate and records it as
// candidate's invitation to the exam of examVersion (saved with SaveExam)
// in cohort. It returns the plain token, shown once.
func (s *Store) Invite(ctx context.Context, examVersion, cohort, candidate string) (string, Invitation, error) {
	if examVersion == "" || cohort == "" || candidate == "" {
		return "", Invitation{}, errors.New("invite: an exam, a cohort and a candidate are required")
	}
	if _, err := s.ExamOf(ctx, examVersion); err != nil {
		return "", Invitation{}, fmt.Errorf("invite %s: %w", candidate, err)
	}
	plain, t, err := s.CreateToken(ctx, RoleAgent, candidate)
	if err != nil {
		return "", Invitation{}, fmt.Errorf("invite %s: %w", candidate, err)
	}
	inv := Invitation{TokenID: t.ID, ExamVersion: examVersion, Cohort: cohort, Candidate: candidate, Created: t.Created}
	if err := s.addInvitation(ctx, inv); err != nil {
		return "", Invitation{}, err
	}
	return plain, inv, nil
}

// InviteToken invites the holder of an existing agent token (a vendor's
// bot integration's, say) as candidate.
func (s *Store) InviteToken(ctx context.Context, tokenID int64, examVersion, cohort, candidate string) (Invitation, error) {
	if _, err := s.ExamOf(ctx, examVersion); err != nil {
		return Invitation{}, fmt.Errorf("invite %s: %w", candidate, err)
	}
	inv := Invitation{TokenID: tokenID, ExamVersion: examVersion, Cohort: cohort, Candidate: candidate, Created: time.Now().UTC().Round(0)}
	return inv, s.addInvitation(ctx, inv)
}

func (s *Store) addInvitation(ctx context.Context, inv Invitation) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("invite %s: %w", inv.Candidate, err)
	}
	defer s.mu.RUnlock()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO invitations (token_id, exam_version, cohort, candidate, created) VALUES (?, ?, ?, ?, ?)`,
		inv.TokenID, inv.ExamVersion, inv.Cohort, inv.Candidate, nanos(inv.Created)); err != nil {
		return fmt.Errorf("invite %s: %w", inv.Candidate, err)
	}
	return nil
}

// InvitationOf returns the invitation of token id, or an error wrapping
// ErrNotFound.
func (s *Store) InvitationOf(ctx context.Context, tokenID int64) (Invitation, error) {
	if err := s.rlock(); err != nil {
		return Invitation{}, fmt.Errorf("read invitation: %w", err)
	}
	defer s.mu.RUnlock()
	var inv Invitation
	var created sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT token_id, exam_version, cohort, candidate, created FROM invitations WHERE token_id = ?`, tokenID).
		Scan(&inv.TokenID, &inv.ExamVersion, &inv.Cohort, &inv.Candidate, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return Invitation{}, fmt.Errorf("read invitation of token %d: %w", tokenID, ErrNotFound)
	}
	if err != nil {
		return Invitation{}, fmt.Errorf("read invitation: %w", err)
	}
	inv.Created = fromNanos(created)
	return inv, nil
}

// Sitting is one candidate's sitting of an exam: a run of its own, its
// report card once it ended.
type Sitting struct {
	Run         int64
	TokenID     int64
	Exam        string
	ExamVersion string
	Cohort      string
	Candidate   string
	Started     time.Time
	// Ended is zero while the sitting is going (or its server died
	// during it); Card (JSON) is set when it ended graded, and stays empty
	// for a sitting interrupted by its server's stop (InterruptSitting).
	Ended  time.Time
	Passed bool
	Score  float64
	Card   []byte
}

// Interrupted reports whether the sitting ended without a card.
func (st Sitting) Interrupted() bool { return !st.Ended.IsZero() && len(st.Card) == 0 }

// StartSitting records a sitting that began (its run exists).
func (s *Store) StartSitting(ctx context.Context, st Sitting) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("record sitting: %w", err)
	}
	defer s.mu.RUnlock()
	_, err := s.db.ExecContext(ctx, `INSERT INTO sittings (run_id, token_id, exam, exam_version, cohort, candidate, started)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, st.Run, st.TokenID, st.Exam, st.ExamVersion, st.Cohort, st.Candidate, nanos(st.Started))
	if err != nil {
		return fmt.Errorf("record sitting of run %d: %w", st.Run, err)
	}
	return nil
}

// EndSitting records a sitting's end and report card, and ends its run.
func (s *Store) EndSitting(ctx context.Context, run int64, ended time.Time, passed bool, score float64, card []byte) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("end sitting %d: %w", run, err)
	}
	defer s.mu.RUnlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("end sitting %d: %w", run, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sittings SET ended = ?, passed = ?, score = ?, card = ? WHERE run_id = ?`,
		nanos(ended), passed, score, string(card), run)
	if err != nil {
		return fmt.Errorf("end sitting %d: %w", run, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("end sitting %d: %w", run, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET ended = ? WHERE id = ?`, nanos(ended), run); err != nil {
		return fmt.Errorf("end sitting %d: %w", run, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("end sitting %d: %w", run, err)
	}
	return nil
}

// InterruptSitting records that a sitting ended without a card because
// its server stopped, and ends its run.
func (s *Store) InterruptSitting(ctx context.Context, run int64, ended time.Time) error {
	if err := s.rlock(); err != nil {
		return fmt.Errorf("interrupt sitting %d: %w", run, err)
	}
	defer s.mu.RUnlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("interrupt sitting %d: %w", run, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE sittings SET ended = ? WHERE run_id = ? AND card IS NULL`, nanos(ended), run)
	if err != nil {
		return fmt.Errorf("interrupt sitting %d: %w", run, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("interrupt sitting %d: %w", run, ErrNotFound)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE runs SET ended = ? WHERE id = ?`, nanos(ended), run); err != nil {
		return fmt.Errorf("interrupt sitting %d: %w", run, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("interrupt sitting %d: %w", run, err)
	}
	return nil
}

const sittingColumns = `run_id, token_id, exam, exam_version, cohort, candidate, started, ended, passed, score, card`

func scanSitting(sc interface{ Scan(...any) error }) (Sitting, error) {
	var st Sitting
	var started, ended sql.NullInt64
	var passed sql.NullBool
	var score sql.NullFloat64
	var card sql.NullString
	if err := sc.Scan(&st.Run, &st.TokenID, &st.Exam, &st.ExamVersion, &st.Cohort, &st.Candidate, &started, &ended, &passed, &score, &card); err != nil {
		return Sitting{}, err
	}
	st.Started, st.Ended = fromNanos(started), fromNanos(ended)
	st.Passed, st.Score = passed.Bool, score.Float64
	if card.Valid {
		st.Card = []byte(card.String)
	}
	return st, nil
}

// SittingOf returns the sitting of run, or an error wrapping ErrNotFound.
func (s *Store) SittingOf(ctx context.Context, run int64) (Sitting, error) {
	if err := s.rlock(); err != nil {
		return Sitting{}, fmt.Errorf("read sitting: %w", err)
	}
	defer s.mu.RUnlock()
	st, err := scanSitting(s.db.QueryRowContext(ctx, `SELECT `+sittingColumns+` FROM sittings WHERE run_id = ?`, run))
	if errors.Is(err, sql.ErrNoRows) {
		return Sitting{}, fmt.Errorf("read sitting %d: %w", run, ErrNotFound)
	}
	if err != nil {
		return Sitting{}, fmt.Errorf("read sitting %d: %w", run, err)
	}
	return st, nil
}

// Sittings returns the sittings of cohort (of every exam when exam is
// empty), in the order they started.
func (s *Store) Sittings(ctx context.Context, cohort, exam string) ([]Sitting, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list sittings: %w", err)
	}
	defer s.mu.RUnlock()
	rows, err := s.db.QueryContext(ctx, `SELECT `+sittingColumns+` FROM sittings WHERE cohort = ? AND (? = '' OR exam = ?) ORDER BY started, run_id`,
		cohort, exam, exam)
	if err != nil {
		return nil, fmt.Errorf("list sittings: %w", err)
	}
	defer rows.Close()
	var out []Sitting
	for rows.Next() {
		st, err := scanSitting(rows)
		if err != nil {
			return nil, fmt.Errorf("list sittings: %w", err)
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// Review is a trainer's verdict on a conversation of a sitting.
type Review struct {
	ID       int64
	Run      int64
	Item     string
	Conv     string
	Correct  *bool
	HardFail *bool
	Score    *float64
	Reason   string
	Reviewer string
	At       time.Time
}

// SaveReview records r (its ID is ignored) and returns its ID.
func (s *Store) SaveReview(ctx context.Context, r Review) (int64, error) {
	if r.Reason == "" || r.Reviewer == "" {
		return 0, errors.New("save review: a reason and a reviewer are required")
	}
	if err := s.rlock(); err != nil {
		return 0, fmt.Errorf("save review: %w", err)
	}
	defer s.mu.RUnlock()
	res, err := s.db.ExecContext(ctx, `INSERT INTO reviews (run_id, item, conv_id, correct, hard_fail, score, reason, reviewer, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.Run, r.Item, r.Conv, r.Correct, r.HardFail, r.Score, r.Reason, r.Reviewer, nanos(r.At))
	if err != nil {
		return 0, fmt.Errorf("save review: %w", err)
	}
	return res.LastInsertId()
}

// Reviews returns the reviews of run's conversations, oldest first.
func (s *Store) Reviews(ctx context.Context, run int64) ([]Review, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer s.mu.RUnlock()
	rows, err := s.db.QueryContext(ctx, `SELECT id, run_id, item, conv_id, correct, hard_fail, score, reason, reviewer, at
		FROM reviews WHERE run_id = ? ORDER BY at, id`, run)
	if err != nil {
		return nil, fmt.Errorf("list reviews: %w", err)
	}
	defer rows.Close()
	var out []Review
	for rows.Next() {
		var r Review
		var correct, hard sql.NullBool
		var score sql.NullFloat64
		var at sql.NullInt64
		if err := rows.Scan(&r.ID, &r.Run, &r.Item, &r.Conv, &correct, &hard, &score, &r.Reason, &r.Reviewer, &at); err != nil {
			return nil, fmt.Errorf("list reviews: %w", err)
		}
		if correct.Valid {
			r.Correct = &correct.Bool
		}
		if hard.Valid {
			r.HardFail = &hard.Bool
		}
		if score.Valid {
			r.Score = &score.Float64
		}
		r.At = fromNanos(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// CohortExam returns the exam of the latest invitation to cohort (to exam,
// when exam is not empty), "" when nobody was invited: a cohort nobody
// was invited to is a misspelt name, not an empty cohort.
func (s *Store) CohortExam(ctx context.Context, cohort, exam string) (string, error) {
	if err := s.rlock(); err != nil {
		return "", fmt.Errorf("read invitations: %w", err)
	}
	defer s.mu.RUnlock()
	q := `SELECT e.name FROM invitations i JOIN exams e ON e.version = i.exam_version WHERE i.cohort = ?`
	args := []any{cohort}
	if exam != "" {
		q += ` AND e.name = ?`
		args = append(args, exam)
	}
	var name string
	switch err := s.db.QueryRowContext(ctx, q+` ORDER BY i.created DESC, i.token_id DESC LIMIT 1`, args...).Scan(&name); {
	case errors.Is(err, sql.ErrNoRows):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("read invitations: %w", err)
	}
	return name, nil
}

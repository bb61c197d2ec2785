package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// RunState is where a run stands.
type RunState string

// The states of a run.
const (
	// RunLive: a serve is running it (or, in the serving process, it is
	// the serve's own run).
	RunLive RunState = "live"
	// RunEnded: its end is recorded.
	RunEnded RunState = "ended"
	// RunInterrupted: its hub stopped without ending it (kill -9, a
	// crash, a power cut, a stop that could not record the end), and it
	// has not been resumed.
	RunInterrupted RunState = "interrupted"
)

// Interruption is a stop of a run's hub that did not end the run.
type Interruption struct {
	// At is the time of the run's last recorded event before its hub
	// stopped (the start of the run, or of its resumption, when none).
	At time.Time
	// Elapsed is the scenario time the run had played at At: its speed
	// times the wall time it ran, interruptions left out. A resumed run's
	// arrivals continue from there.
	Elapsed time.Duration
	// Found is when a later serve marked the run interrupted. It is zero
	// in a reader's view of a run whose hub is gone but that no serve has
	// marked yet.
	Found time.Time
	// Resumed is when serve --resume continued the run; zero if not.
	Resumed time.Time
}

// Paused reports whether the interruption was a pause: serve stopped the
// run itself (a trial stopped before its end, PauseRun), rather than a
// later serve finding it interrupted after its hub died.
func (in Interruption) Paused() bool { return !in.Found.IsZero() && in.Found.Equal(in.At) }

// Elapsed returns the scenario time run r had played at wall time at:
// its speed (1 when unset) times the wall time it ran up to at, without
// the time it stood interrupted. It stops growing at the run's end and at
// an interruption that was not resumed.
func (r Run) Elapsed(at time.Time) time.Duration {
	speed := r.Speed
	if speed <= 0 {
		speed = 1
	}
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(max(d, 0)) * speed) }
	from, base := r.Started, r.ClockOffset
	for _, in := range r.Interruptions {
		if at.Before(in.At) {
			return base + scale(at.Sub(from))
		}
		if in.Resumed.IsZero() {
			return in.Elapsed
		}
		from, base = in.Resumed, in.Elapsed
		if at.Before(from) {
			return base
		}
	}
	if !r.Ended.IsZero() && at.After(r.Ended) {
		at = r.Ended
	}
	return base + scale(at.Sub(from))
}

// Interrupted returns the run's interruption that was not resumed, or
// nil.
func (r Run) Interrupted() *Interruption {
	if n := len(r.Interruptions); n > 0 && r.Ended.IsZero() && r.Interruptions[n-1].Resumed.IsZero() {
		return &r.Interruptions[n-1]
	}
	return nil
}

// segmentStart returns when the run's current stretch began: its start,
// or its last resumption.
func (r Run) segmentStart() time.Time {
	if n := len(r.Interruptions); n > 0 {
		return r.Interruptions[n-1].Resumed
	}
	return r.Started
}

// complete reads the interruptions of runs and sets their state. A run
// with no end and no open interruption is live if serving (this Store is
// Exclusive, or another process holds the file); otherwise its hub is
// gone and it is shown interrupted at its last event, unmarked.
func complete(ctx context.Context, q querier, runs []Run, serving bool) error {
	byRun := map[int64]int{}
	for i := range runs {
		byRun[runs[i].ID] = i
		runs[i].Interruptions = nil
	}
	rows, err := q.QueryContext(ctx, `SELECT run_id, at, elapsed, found, resumed FROM interruptions ORDER BY run_id, n`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			run                int64
			at, elapsed, found int64
			resumed            sql.NullInt64
		)
		if err := rows.Scan(&run, &at, &elapsed, &found, &resumed); err != nil {
			return err
		}
		if i, ok := byRun[run]; ok {
			runs[i].Interruptions = append(runs[i].Interruptions, Interruption{At: time.Unix(0, at).UTC(), Elapsed: time.Duration(elapsed),
				Found: time.Unix(0, found).UTC(), Resumed: fromNanos(resumed)})
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	rows.Close()
	for i := range runs {
		r := &runs[i]
		switch {
		case !r.Ended.IsZero():
			r.State = RunEnded
		case r.Interrupted() != nil:
			r.State = RunInterrupted
		case serving:
			r.State = RunLive
		default:
			in, err := lastStop(ctx, q, *r)
			if err != nil {
				return err
			}
			r.State, r.Interruptions = RunInterrupted, append(r.Interruptions, in)
		}
	}
	return nil
}

// querier is a *sql.DB, *sql.Conn or *sql.Tx.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// lastStop returns the interruption of run r, whose hub is gone: at its
// last recorded event.
func lastStop(ctx context.Context, q querier, r Run) (Interruption, error) {
	var last sql.NullInt64
	if err := q.QueryRowContext(ctx, `SELECT max(last_at) FROM event_batches WHERE run_id = ?`, r.ID).Scan(&last); err != nil {
		return Interruption{}, err
	}
	at := r.segmentStart()
	if t := fromNanos(last); t.After(at) {
		at = t
	}
	// r has no end and every interruption was resumed: Elapsed counts the
	// current stretch up to at.
	return Interruption{At: at, Elapsed: r.Elapsed(at)}, nil
}

// MarkInterrupted finds the runs whose hub stopped without ending them
// (no end, no interruption since they last started) and marks each
// interrupted at its last recorded event, found at now. Conversations of
// such a run that were open are closed at that moment: the customer's
// leave (sim.LeaveInterrupted) and the hub's close, so reviews leave them
// out as cut off. It returns the runs it marked. Only a Store opened
// Exclusive may call it: any other process could be serving those runs.
func (s *Store) MarkInterrupted(ctx context.Context, now time.Time) ([]Run, error) {
	if s.lock == nil {
		return nil, errors.New("mark interrupted runs: the store is not Exclusive")
	}
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("mark interrupted runs: %w", err)
	}
	defer s.mu.RUnlock()
	marked, err := s.markInterrupted(ctx, now)
	if err != nil {
		return nil, fmt.Errorf("mark interrupted runs: %w", err)
	}
	return marked, nil
}

func (s *Store) markInterrupted(ctx context.Context, now time.Time) (marked []Run, err error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	runs, err := queryRuns(ctx, conn, `SELECT `+runColumns+` FROM runs WHERE ended IS NULL ORDER BY id`)
	if err != nil {
		return nil, err
	}
	// Their state from the file alone: this store serves none of them
	// yet, and no other process does (it holds the lock).
	if err := complete(ctx, conn, runs, false); err != nil {
		return nil, err
	}
	for _, r := range runs {
		in := r.Interrupted()
		if in == nil || !in.Found.IsZero() {
			continue // resumed or marked already
		}
		n := len(r.Interruptions)
		if _, err := conn.ExecContext(ctx, `INSERT INTO interruptions (run_id, n, at, elapsed, found) VALUES (?, ?, ?, ?, ?)`,
			r.ID, n, in.At.UnixNano(), int64(in.Elapsed), now.UnixNano()); err != nil {
			return nil, err
		}
		if err := closeOpen(ctx, conn, r.ID, in.At); err != nil {
			return nil, err
		}
		marked = append(marked, r)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, err
	}
	for i := range marked {
		marked[i].Interruptions[len(marked[i].Interruptions)-1].Found = now.UTC()
	}
	return marked, nil
}

// closeOpen records the end of every conversation of run that has none:
// the customer left (sim.LeaveInterrupted) and the hub closed it, at at.
func closeOpen(ctx context.Context, conn *sql.Conn, run int64, at time.Time) error {
	ids, err := conversationIDs(ctx, conn, run)
	if err != nil {
		return err
	}
	type state struct {
		last   int
		closed bool
	}
	convs := map[string]*state{}
	for _, id := range ids {
		convs[id] = &state{last: -1}
	}
	err = eachBatch(ctx, conn, run, func(data []byte) error {
		return decodeEvents(data, nil, func(conv []byte, seq int, e sim.Event) {
			if st := convs[string(conv)]; st != nil {
				st.last = max(st.last, seq)
				st.closed = st.closed || e.Kind == sim.EventClose
			}
		})
	})
	if err != nil {
		return err
	}
	var b eventBatch
	b.reset()
	for _, id := range ids {
		st := convs[id]
		if st.closed {
			continue
		}
		b.add(id, st.last+1, &sim.Event{At: at, Sender: sim.SenderCustomer, Kind: sim.EventLeave, Text: sim.LeaveInterrupted})
		b.add(id, st.last+2, &sim.Event{At: at, Sender: sim.SenderSystem, Kind: sim.EventClose, Text: sim.LeaveInterrupted})
	}
	if b.n == 0 {
		return nil
	}
	_, err = conn.ExecContext(ctx, insertBatch, b.insertArgs(run)...)
	return err
}

// ResumeRun records that run id, interrupted, goes on from now, and
// returns it. It fails with an error wrapping ErrNotFound for no such
// run, and ErrNotInterrupted for a run that ended, or is live, or whose
// interruption no serve has marked yet (MarkInterrupted).
func (s *Store) ResumeRun(ctx context.Context, id int64, now time.Time) (Run, error) {
	if err := s.rlock(); err != nil {
		return Run{}, fmt.Errorf("resume run %d: %w", id, err)
	}
	defer s.mu.RUnlock()
	r, err := s.run(ctx, id)
	if err != nil {
		return Run{}, fmt.Errorf("resume run %d: %w", id, err)
	}
	in := r.Interrupted()
	switch {
	case r.State == RunEnded:
		return Run{}, fmt.Errorf("resume run %d: %w: it ended at %s", id, ErrNotInterrupted, r.Ended.Local().Format(time.DateTime))
	case in == nil || in.Found.IsZero():
		return Run{}, fmt.Errorf("resume run %d: %w: it is %s", id, ErrNotInterrupted, r.State)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE interruptions SET resumed = ? WHERE run_id = ? AND n = ? AND resumed IS NULL`,
		now.UnixNano(), id, len(r.Interruptions))
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n != 1 {
			err = fmt.Errorf("%w: resumed meanwhile", ErrNotInterrupted)
		}
	}
	if err != nil {
		return Run{}, fmt.Errorf("resume run %d: %w", id, err)
	}
	r.Interruptions[len(r.Interruptions)-1].Resumed = now.UTC()
	r.State = RunLive
	return r, nil
}

// LastConversation returns the highest number of the hub's conversation
// ids ("c000123") in run id, 0 when it has none: a resumed run goes on
// from the next.
func (s *Store) LastConversation(ctx context.Context, id int64) (int, error) {
	if err := s.rlock(); err != nil {
		return 0, fmt.Errorf("read conversation ids: %w", err)
	}
	defer s.mu.RUnlock()
	// The ids are "c" and at least six digits: the longest, then the
	// greatest, is the highest number.
	var last sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT id FROM conversations WHERE run_id = ? AND id GLOB 'c[0-9]*'
		ORDER BY length(id) DESC, id DESC LIMIT 1`, id).Scan(&last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read conversation ids: %w", err)
	}
	var n int
	if _, err := fmt.Sscanf(last.String, "c%d", &n); err != nil {
		return 0, fmt.Errorf("read conversation ids: %q: %w", last.String, err)
	}
	return n, nil
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/deskdrill/deskdrill/sim"
)

// opKind is what a queued operation writes.
type opKind uint8

const (
	opFlush opKind = iota
	opConversation
	opEvent
	opScore
	opAgent
)

// op is one queued write, or a flush marker. The fields used depend on kind;
// everything is a private copy, so callers may reuse their values.
type op struct {
	kind opKind
	// enq is when the operation was queued (with the monotonic clock);
	// the writer commits it by enq + FlushInterval.
	enq  time.Time
	run  int64
	conv string // event, score: the conversation ID
	seq  int    // event
	ev   sim.Event
	c    *sim.Conversation // conversation
	name string            // score: the agent; agent: the name
	role string            // agent
	// total and score are a score's.
	total float64
	score []byte
	// done receives the flush's result; it has room for one value so the
	// writer never blocks on it.
	done chan error
}

// rows is the number of rows the operation writes.
func (o *op) rows() uint64 {
	switch o.kind {
	case opFlush:
		return 0
	case opConversation:
		return 1 + uint64(len(o.c.Events))
	}
	return 1
}

// events is the number of events among the operation's rows.
func (o *op) events() uint64 {
	switch o.kind {
	case opConversation:
		return uint64(len(o.c.Events))
	case opEvent:
		return 1
	}
	return 0
}

// enqueue hands o to the writer. With wait, it waits for room in the queue
// as long as ctx allows, and counts the wait in Stats.QueueFull. Without,
// it never waits, not even for mu while Close takes it: a full queue
// drops o (Stats.Dropped) and returns ErrQueueFull.
func (s *Store) enqueue(ctx context.Context, o op, wait bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if wait {
		if err := s.rlock(); err != nil {
			return err
		}
	} else {
		if !s.mu.TryRLock() {
			return ErrClosed // only Close takes mu for writing
		}
		if s.closed {
			s.mu.RUnlock()
			return ErrClosed
		}
	}
	defer s.mu.RUnlock()
	o.enq = time.Now()
	select {
	case s.queue <- o:
	default:
		s.stats.queueFull.Add(1)
		if !wait {
			s.stats.dropped.Add(o.rows())
			s.stats.droppedEvents.Add(o.events())
			return ErrQueueFull
		}
		s.wake()
		select {
		case s.queue <- o:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	s.stats.appended.Add(o.rows())
	if o.kind == opFlush || len(s.queue) >= s.kickAt {
		s.wake()
	}
	return nil
}

// wake kicks the writer without blocking.
func (s *Store) wake() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// Flush commits every batched write queued before the call and returns when
// they are on disk, or when ctx is done. It returns the rows the database
// refused since the previous Flush (RowErrors, joined) and the error of a
// commit that failed; the writer retries a failed batch, so a later Flush
// may succeed.
func (s *Store) Flush(ctx context.Context) error {
	done := make(chan error, 1)
	failed := s.failedAttempt()
	if err := s.enqueue(ctx, op{kind: opFlush, done: done}, true); err != nil {
		return fmt.Errorf("flush store: %w", err)
	}
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("flush store: %w", err)
		}
		return nil
	case <-failed:
		// A commit failed after the call: what was queued before it is
		// not on disk, and a full batch may keep the marker from the
		// writer until a commit succeeds.
		err := ErrClosed
		if f := s.failure.Load(); f != nil {
			err = f.err
		}
		return fmt.Errorf("flush store: %w", err)
	case <-ctx.Done():
		return fmt.Errorf("flush store: %w", ctx.Err())
	}
}

// failedAttempt returns a channel closed at the writer's next failed
// commit.
func (s *Store) failedAttempt() <-chan struct{} {
	s.attemptMu.Lock()
	defer s.attemptMu.Unlock()
	return s.failedC
}

// signalFailure closes the channel of failedAttempt and makes the next.
func (s *Store) signalFailure() {
	s.attemptMu.Lock()
	defer s.attemptMu.Unlock()
	close(s.failedC)
	s.failedC = make(chan struct{})
}

// maxRowErrors bounds the RowErrors kept between two flushes; the rest are
// only counted.
const maxRowErrors = 16

// closingAttempts is how often the writer tries to commit a batch once the
// Store is closing, before it drops the batch and reports it lost.
const closingAttempts = 3

// writer is the batch writer. It owns one connection and the prepared
// statements on it; it is used by its goroutine only, and by Close after
// that goroutine has ended.
type writer struct {
	s     *Store
	conn  *sql.Conn
	stmts [opAgent + 1]*sql.Stmt

	// events holds the batch's events, encoded, by run; each run's go
	// into one row of event_batches at the commit (eventlog.go).
	events map[int64]*eventBatch
	// seen holds the seqs committed of each conversation the writer
	// knows, and pending those of the batch being written (a key without
	// seqs: a conversation it starts), kept apart until its commit
	// succeeds. They stand in for the key a table of events had: an event
	// of a conversation that does not exist, or with a seq its
	// conversation has already, is refused. loaded marks the runs whose
	// conversations were read from the file (once, when an event names a
	// conversation the writer has not seen).
	seen    map[convKey]*seqSet
	pending map[convKey][]int
	loaded  map[int64]bool

	timer *time.Timer
	batch []op         // writes waiting for the next commit, in queue order
	flush []chan error // flush markers seen since the last commit

	// failures counts the consecutive failed commits of batch; retryAt is
	// when the next attempt may start.
	failures int
	retryAt  time.Time
	// failedAt is when the current streak of failed commits began (zero
	// while commits succeed); loggedAt when it was last logged.
	failedAt, loggedAt time.Time
	// lateAt is when a late commit was last logged.
	lateAt time.Time
	// dropErr is why rows were last dropped, for Close's report.
	dropErr error

	// errs are the RowErrors (and drops) to report at the next flush;
	// more counts those beyond maxRowErrors.
	errs []error
	more int
}

func newWriter(ctx context.Context, s *Store) (*writer, error) {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("connect writer: %w", err)
	}
	w := &writer{s: s, conn: conn, timer: time.NewTimer(time.Hour), events: map[int64]*eventBatch{},
		seen: map[convKey]*seqSet{}, pending: map[convKey][]int{}, loaded: map[int64]bool{}}
	w.timer.Stop()
	// The writer's page cache holds the conversations' and scores' pages
	// that thousands of conversations written at once keep touching (with
	// SQLite's default 2 MiB an events index's had gone to the OS for most
	// inserts); the event batches only append.
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA cache_size = -%d", writerCacheKiB)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect writer: %w", err)
	}
	if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", walBackstopPages)); err != nil {
		conn.Close()
		return nil, fmt.Errorf("connect writer: %w", err)
	}
	queries := map[opKind]string{
		opConversation: `INSERT INTO conversations (run_id, id, case_name, persona, presales, arrived,
			order_id, product, price_fen, paid, shipped, received, logistics, earlier_refunds, current_price_fen, tracking)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		opEvent: insertBatch,
		opScore: `INSERT INTO scores (run_id, conv_id, agent, total, score) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (run_id, conv_id, agent) DO UPDATE SET total = excluded.total, score = excluded.score`,
		opAgent: `INSERT INTO agents (run_id, name, role) VALUES (?, ?, ?)
			ON CONFLICT (run_id, name) DO UPDATE SET role = excluded.role`,
	}
	for k, q := range queries {
		if w.stmts[k], err = conn.PrepareContext(ctx, q); err != nil {
			w.close()
			return nil, fmt.Errorf("prepare writer: %w", err)
		}
	}
	return w, nil
}

// insertBatch is the INSERT of a batch of events.
const insertBatch = `INSERT INTO event_batches (run_id, events, last_at, data) VALUES (?, ?, ?, ?)`

// convKey names a conversation of a run.
type convKey struct {
	run  int64
	conv string
}

// writerCacheKiB is the writer connection's page cache (PRAGMA
// cache_size), in KiB. Not more than it needs: until the cache is full
// every page written is a new allocation (a tenth of the writer's CPU in
// the first minute of a load drill at 32 MiB), after that one is reused.
const writerCacheKiB = 8 << 10

// walBackstopPages is the writer connection's wal_autocheckpoint: the
// checkpoints run beside it (Store.checkpointer), and this one only when
// they fall behind.
const walBackstopPages = 16000

// close releases the statements and the connection, and returns what is
// left to report.
func (w *writer) close() error {
	for _, st := range w.stmts {
		if st != nil {
			st.Close()
		}
	}
	err := w.takeErrs()
	if cerr := w.conn.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return err
}

// run is the writer's loop. It ends when the queue is closed and drained
// and the last batch is committed (or dropped). ctx is cancelled when the
// Store starts closing.
func (w *writer) run(ctx context.Context) {
	open := true
	for {
		if len(w.batch) == 0 && len(w.flush) == 0 {
			if !open {
				return
			}
			o, ok := <-w.s.queue
			if !ok {
				open = false
				continue
			}
			w.add(o)
		}
		if open {
			open = w.gather(ctx)
		}
		w.commit(ctx)
	}
}

// add puts o into the batch, or a flush marker into flush.
func (w *writer) add(o op) {
	if o.kind == opFlush {
		w.flush = append(w.flush, o.done)
		return
	}
	if len(w.batch) == 0 {
		w.s.oldest.Store(w.s.mono(o.enq))
	}
	w.batch = append(w.batch, o)
}

// clearBatch forgets the batch once it is committed or dropped.
func (w *writer) clearBatch() {
	clear(w.batch) // drop references for the GC
	w.batch = w.batch[:0]
	w.s.oldest.Store(0)
	w.failures, w.retryAt = 0, time.Time{}
}

// gather takes more operations from the queue until the batch is full, a
// flush is asked for, the batch is due (its oldest operation is
// FlushInterval old, or a retry's wait is over) or the queue is closed. It
// reports whether the queue is still open.
//
// It always takes what is already queued before it looks at the clock: when
// the writer lags behind, the batches fill up to MaxBatch instead of being
// committed a few rows at a time, which would make it lag further. When the
// queue is empty it sleeps until the batch is due, or until enqueue kicks
// it (the queue holds kickAt operations, a flush, or is closed): not once
// per operation.
func (w *writer) gather(ctx context.Context) bool {
	if len(w.flush) > 0 || len(w.batch) >= w.s.opts.MaxBatch {
		return true
	}
	due := w.batch[0].enq.Add(w.s.opts.FlushInterval)
	if w.retryAt.After(due) {
		due = w.retryAt
	}
	w.timer.Reset(time.Until(due))
	defer w.timer.Stop()
	for len(w.batch) < w.s.opts.MaxBatch && len(w.flush) == 0 {
		select {
		case o, ok := <-w.s.queue:
			if !ok {
				return false
			}
			w.add(o)
			continue
		default:
		}
		if ctx.Err() != nil {
			return true // closing: commit what there is without waiting
		}
		select {
		case <-w.s.kick:
		case <-w.timer.C:
			return true
		case <-w.s.giveUp.Done():
			return true
		case <-ctx.Done():
		}
	}
	return true
}

// logEvery is how often a streak of failed commits (or late ones) is
// logged again: the first failure at once, then a reminder at most this
// often, and the recovery.
const logEvery = 10 * time.Second

// commit writes the batch in one transaction and answers the flush markers.
// A batch that fails to commit stays for a retry one FlushInterval later.
// Once ctx is done (the Store is closing) it is dropped after
// Store.attempts failures (0: never), or as soon as giveUp is done; dropped
// rows are counted in Stats.Lost and reported.
func (w *writer) commit(ctx context.Context) {
	var err error
	if len(w.batch) > 0 {
		if wait := time.Until(w.retryAt); wait > 0 && w.s.giveUp.Err() == nil {
			// A full batch (or a flush) skipped gather's wait.
			w.timer.Reset(wait)
			select {
			case <-w.timer.C:
			case <-w.s.giveUp.Done():
			}
		}
		if w.s.giveUp.Err() != nil {
			cause := errors.New("the stop deadline passed first")
			if f := w.s.failure.Load(); f != nil {
				cause = fmt.Errorf("%w, after commits failed with: %w", cause, f.err)
			}
			err = w.drop(cause)
		} else {
			err = w.attempt(ctx)
		}
	}
	if len(w.flush) == 0 {
		return
	}
	if err == nil {
		err = w.takeErrs()
	}
	for _, done := range w.flush {
		done <- err
	}
	clear(w.flush)
	w.flush = w.flush[:0]
}

// attempt tries to commit the batch once, and keeps the Store's health
// and the log up to date.
func (w *writer) attempt(ctx context.Context) error {
	start := time.Now()
	oldest := w.batch[0].enq
	// giveUp interrupts a commit under way when Shutdown's deadline
	// passes; nothing else does.
	rows, err := w.tx(w.s.giveUp)
	now := time.Now()
	if err == nil {
		w.s.stats.committed.Add(rows)
		w.s.stats.batches.Add(1)
		if !w.failedAt.IsZero() {
			w.s.log.Warn("store: commits succeed again; records are written", "failing_for", now.Sub(w.failedAt).Round(time.Millisecond),
				"attempts", w.failures+1)
			w.failedAt = time.Time{}
		} else if limit := w.s.opts.FlushInterval + w.s.opts.CommitBudget; now.Sub(oldest) > limit && now.Sub(w.lateAt) >= logEvery {
			w.lateAt = now
			w.s.log.Warn("store: a batch was committed late", "oldest_row_age", now.Sub(oldest).Round(time.Millisecond),
				"limit", limit, "commit", now.Sub(start).Round(time.Millisecond), "rows", rows)
		}
		w.s.failure.Store(nil)
		w.clearBatch()
		return nil
	}
	w.s.stats.failures.Add(1)
	w.failures++
	n := 0
	for i := range w.batch {
		n += int(w.batch[i].rows())
	}
	if w.failedAt.IsZero() {
		w.failedAt, w.loggedAt = now, now
		w.s.failure.Store(&failure{err: err, since: now})
		w.s.log.Error("store: commit failed; records cannot be written until a commit succeeds", "err", err, "rows", n,
			"queued", len(w.s.queue))
	} else {
		w.s.failure.Store(&failure{err: err, since: w.failedAt})
		if now.Sub(w.loggedAt) >= logEvery {
			w.loggedAt = now
			w.s.log.Error("store: commits still failing", "err", err, "failing_for", now.Sub(w.failedAt).Round(time.Second),
				"attempts", w.failures, "rows", n, "queued", len(w.s.queue))
		}
	}
	w.s.signalFailure()
	err = fmt.Errorf("commit batch of %d rows (attempt %d): %w", n, w.failures, err)
	if ctx.Err() != nil && w.s.attempts > 0 && w.failures >= w.s.attempts {
		return w.drop(err)
	}
	w.retryAt = now.Add(w.s.opts.FlushInterval)
	return err
}

// drop gives up on the batch: its rows are counted as lost, logged, and
// reported by Close's *NotWrittenError; drop's error answers the flushes
// of this round.
func (w *writer) drop(cause error) error {
	var rows, events uint64
	for i := range w.batch {
		rows += w.batch[i].rows()
		events += w.batch[i].events()
	}
	w.s.stats.lost.Add(rows)
	w.s.stats.lostEvents.Add(events)
	err := fmt.Errorf("drop %d rows: %w", rows, cause)
	w.dropErr = cause
	w.s.log.Error("store: rows dropped unwritten", "rows", rows, "events", events, "err", cause)
	w.clearBatch()
	return err
}

// tx runs the batch in one transaction and returns the rows it stored. A row
// the database refuses with a constraint error, or an event the writer
// refuses (event), is reported and skipped (a failed statement undoes only
// itself); any other error rolls the whole transaction back.
func (w *writer) tx(ctx context.Context) (rows uint64, err error) {
	// IMMEDIATE takes the write lock now, waiting under busy_timeout,
	// rather than failing to upgrade a read lock halfway through.
	if _, err := w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			// After some errors SQLite has rolled back already; then
			// this fails harmlessly. It runs even when ctx interrupted
			// the transaction.
			_, _ = w.conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	// The rows' statements run without ctx's cancellation: for a context
	// that can be done, the driver starts a goroutine and a progress
	// handler per statement to interrupt it, 2 µs of every event's cost
	// (docs/performance.md). A row works in memory, on the page cache;
	// what can hang on a bad disk is the COMMIT's fsync (which no
	// interrupt stops either: Shutdown's stuckGrace bounds that) and
	// BEGIN's wait for the lock, which keep ctx.
	rowCtx := context.WithoutCancel(ctx)
	defer w.forgetEvents()
	var refused []refusal
	for i := range w.batch {
		o := &w.batch[i]
		var err error
		if o.kind == opEvent {
			err = w.event(rowCtx, o.run, o.conv, o.seq, &o.ev)
		} else {
			err = w.exec(rowCtx, o)
		}
		if err != nil {
			var r refusedError
			if !isConstraint(err) && !errors.As(err, &r) {
				return 0, err
			}
			refused = append(refused, refusal{i, err})
			continue
		}
		rows += o.rows()
	}
	for run, b := range w.events {
		if b.n == 0 {
			continue
		}
		if _, err := w.stmts[opEvent].ExecContext(rowCtx, b.insertArgs(run)...); err != nil {
			return 0, err
		}
	}
	if _, err := w.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, err
	}
	for k, seqs := range w.pending {
		set := w.seenSet(k)
		for _, seq := range seqs {
			set.add(seq)
		}
	}
	// Report the refused rows only now: had the commit failed, the retry
	// would meet them again.
	for _, r := range refused {
		w.reject(&w.batch[r.i], r.err)
	}
	return rows, nil
}

// refusal is an operation of the batch the database refused.
type refusal struct {
	i   int
	err error
}

// exec writes one operation. A conversation with events runs under a
// savepoint, so it is stored whole or not at all.
func (w *writer) exec(ctx context.Context, o *op) error {
	switch o.kind {
	case opScore:
		_, err := w.stmts[opScore].ExecContext(ctx, o.run, o.conv, o.name, o.total, string(o.score))
		return err
	case opAgent:
		_, err := w.stmts[opAgent].ExecContext(ctx, o.run, o.name, o.role)
		return err
	case opConversation:
		return w.conversation(ctx, o.run, o.c)
	}
	panic(fmt.Sprintf("store: op kind %d in a batch", o.kind))
}

// conversation writes a conversation's row, and puts its events into the
// batch: the row refused, none of them is stored.
func (w *writer) conversation(ctx context.Context, run int64, c *sim.Conversation) error {
	o := &c.Order
	_, err := w.stmts[opConversation].ExecContext(ctx, run, c.ID, c.Case, c.Persona, c.Presales, nanos(c.Arrived),
		o.ID, o.Product, int64(o.Price), nanos(o.Paid), nanos(o.Shipped), nanos(o.Received), o.Logistics, o.EarlierRefunds,
		int64(o.CurrentPrice), o.Tracking)
	if err != nil {
		return err
	}
	b := w.batchOf(run)
	for i := range c.Events {
		b.add(c.ID, i, &c.Events[i])
	}
	seqs := make([]int, len(c.Events))
	for i := range seqs {
		seqs[i] = i
	}
	w.pending[convKey{run, c.ID}] = seqs
	return nil
}

// event puts one event into the batch, or refuses it (a refusedError):
// its conversation must exist and its seq be new to it.
func (w *writer) event(ctx context.Context, run int64, conv string, seq int, e *sim.Event) error {
	k := convKey{run, conv}
	if seq < 0 {
		return refusedError{fmt.Sprintf("seq %d is negative", seq)}
	}
	pend, ok := w.pending[k]
	set := w.seen[k]
	if !ok && set == nil && !w.loaded[run] {
		if err := w.load(ctx, run); err != nil {
			return err
		}
		set = w.seen[k]
	}
	switch {
	case !ok && set == nil:
		return refusedError{"no such conversation"}
	case set.has(seq) || slices.Contains(pend, seq):
		return refusedError{fmt.Sprintf("the conversation has an event of seq %d already", seq)}
	}
	w.batchOf(run).add(conv, seq, e)
	w.pending[k] = append(pend, seq)
	return nil
}

// load learns the conversations of run already in the file and the seqs
// of their events. It reads what the transaction sees: should the
// transaction fail, a conversation it wrote stays known, and the retry of
// its batch writes it again.
func (w *writer) load(ctx context.Context, run int64) error {
	ids, err := conversationIDs(ctx, w.conn, run)
	if err != nil {
		return err
	}
	for _, id := range ids {
		w.seenSet(convKey{run, id})
	}
	err = eachBatch(ctx, w.conn, run, func(data []byte) error {
		return decodeEvents(data, nil, func(conv []byte, seq int, _ sim.Event) {
			if set := w.seen[convKey{run, string(conv)}]; set != nil {
				set.add(seq)
			}
		})
	})
	if err != nil {
		return err
	}
	w.loaded[run] = true
	return nil
}

// seenSet returns the committed seqs of k, making k known.
func (w *writer) seenSet(k convKey) *seqSet {
	set := w.seen[k]
	if set == nil {
		set = &seqSet{}
		w.seen[k] = set
	}
	return set
}

// seqSet is a set of seqs: a bitmap for the first ones, which is all a
// conversation has but for a caller's mistake.
type seqSet struct {
	bits []uint64
	more map[int]struct{}
}

// seqBits bounds the bitmap: larger seqs go to the map.
const seqBits = 1 << 12

func (s *seqSet) has(seq int) bool {
	switch {
	case s == nil:
		return false
	case seq < seqBits:
		return seq/64 < len(s.bits) && s.bits[seq/64]&(1<<(seq%64)) != 0
	}
	_, ok := s.more[seq]
	return ok
}

func (s *seqSet) add(seq int) {
	if seq < seqBits {
		for seq/64 >= len(s.bits) {
			s.bits = append(s.bits, 0)
		}
		s.bits[seq/64] |= 1 << (seq % 64)
		return
	}
	if s.more == nil {
		s.more = map[int]struct{}{}
	}
	s.more[seq] = struct{}{}
}

// batchOf returns the batch of run's events.
func (w *writer) batchOf(run int64) *eventBatch {
	b := w.events[run]
	if b == nil {
		b = &eventBatch{}
		b.reset()
		w.events[run] = b
	}
	return b
}

// forgetEvents empties the encoded events and the pending seqs after a
// transaction, committed or not; a failed batch is encoded again at its
// retry.
func (w *writer) forgetEvents() {
	for run, b := range w.events {
		if b.n == 0 {
			delete(w.events, run) // a run that is over
			continue
		}
		b.reset()
		if cap(b.data) > keepBatchBytes {
			b.data = nil
			b.reset()
		}
	}
	clear(w.pending)
}

// keepBatchBytes bounds the encoding buffer kept between batches.
const keepBatchBytes = 4 << 20

// refusedError is why the writer refused an event, as the database
// refuses a row that breaks a constraint.
type refusedError struct{ why string }

func (e refusedError) Error() string { return e.why }

// reject counts, logs and keeps the RowError of a refused operation.
func (w *writer) reject(o *op, err error) {
	w.s.stats.rejected.Add(o.rows())
	re := &RowError{Run: o.run, Err: err}
	switch o.kind {
	case opConversation:
		re.Op, re.Key = "start conversation", o.c.ID
	case opEvent:
		re.Op, re.Key = "append event", fmt.Sprintf("%s#%d", o.conv, o.seq)
	case opScore:
		re.Op, re.Key = "save score", o.conv+"/"+o.name
	case opAgent:
		re.Op, re.Key = "upsert agent", o.name
	}
	w.s.log.Warn("store: row refused", "err", re)
	w.report(re)
}

func (w *writer) report(err error) {
	if len(w.errs) < maxRowErrors {
		w.errs = append(w.errs, err)
	} else {
		w.more++
	}
}

// takeErrs returns the kept errors, joined, and forgets them.
func (w *writer) takeErrs() error {
	errs := w.errs
	if w.more > 0 {
		errs = append(errs, fmt.Errorf("and %d more refused rows", w.more))
	}
	w.errs, w.more = nil, 0
	return errors.Join(errs...)
}

// isConstraint reports whether err is SQLite's SQLITE_CONSTRAINT (any
// extended code: primary key, foreign key, check, not null).
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Defaults of Options.
const (
	// DefaultFlushInterval is the longest a batched write waits in memory
	// before the writer commits it.
	DefaultFlushInterval = 250 * time.Millisecond
	// DefaultQueueSize is the capacity, in operations, of the queue between
	// the batched methods and the writer.
	DefaultQueueSize = 8192
	// DefaultMaxBatch is the most operations the writer commits in one
	// transaction.
	DefaultMaxBatch = 1024
	// DefaultCommitBudget is how long one commit may take before the
	// Store counts as behind (see Health).
	DefaultCommitBudget = 250 * time.Millisecond
)

// busyTimeout is how long a connection waits for another's write lock
// before SQLITE_BUSY. The batch writer and the direct writes (CreateRun,
// tokens) share the one write lock; each holds it for milliseconds.
const busyTimeout = 5 * time.Second

// maxReaders bounds the connections used for reads and direct writes; the
// batch writer holds one more for the Store's lifetime. Every connection is
// a file handle with its own page cache; WAL lets readers run beside the
// writer, so a few are plenty.
const maxReaders = 8

// Options configures a Store. The zero value gives the defaults.
type Options struct {
	// FlushInterval bounds how long a batched write waits in memory: the
	// writer commits a batch at the latest FlushInterval after its oldest
	// operation was appended (see the package doc, Durability). Zero
	// means DefaultFlushInterval.
	FlushInterval time.Duration
	// QueueSize is the capacity, in operations, of the queue between the
	// batched methods and the writer. When it is full the batched methods
	// wait, as long as their ctx allows. Zero means DefaultQueueSize.
	QueueSize int
	// MaxBatch is the most operations committed in one transaction; a full
	// batch commits at once. Zero means DefaultMaxBatch.
	MaxBatch int
	// CommitBudget is how long the commit of a batch may take: Health
	// reports the Store unavailable while a batched write that is older
	// than FlushInterval + CommitBudget is not committed. Zero means
	// DefaultCommitBudget.
	CommitBudget time.Duration
	// Logger receives rows the database refused and failed commits. Nil
	// discards them (they are still counted and returned by Flush).
	Logger *slog.Logger
	// Check is how much of an existing file Open verifies before it
	// writes to it (CheckNone: only that it is deskdrill's).
	Check Check
	// Exclusive makes Open take the file's lock (PATH.lock, flock(2)) for
	// the Store's lifetime: another Exclusive Open of the file fails with
	// ErrLocked until Close. The server opens its file Exclusive; readers
	// (report, export) do not, and read beside it.
	Exclusive bool
	// MaxSize caps the database file, in bytes, rounded down to whole
	// pages (PRAGMA max_page_count on every connection); 0 leaves it to
	// the disk. A commit that would grow the file beyond it fails with
	// SQLite's "database or disk is full", as on a full disk.
	MaxSize int64
}

func (o Options) withDefaults() (Options, error) {
	switch {
	case o.FlushInterval < 0:
		return o, fmt.Errorf("flush interval %v is negative", o.FlushInterval)
	case o.QueueSize < 0:
		return o, fmt.Errorf("queue size %d is negative", o.QueueSize)
	case o.MaxBatch < 0:
		return o, fmt.Errorf("max batch %d is negative", o.MaxBatch)
	case o.CommitBudget < 0:
		return o, fmt.Errorf("commit budget %v is negative", o.CommitBudget)
	case o.MaxSize < 0:
		return o, fmt.Errorf("max size %d is negative", o.MaxSize)
	}
	if o.FlushInterval == 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.QueueSize == 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxBatch == 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.CommitBudget == 0 {
		o.CommitBudget = DefaultCommitBudget
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o, nil
}

// Store is the server's storage: one SQLite file in WAL mode. It is safe
// for concurrent use. The caller of Open must call Close, which flushes.
//
// Batched writes (StartConversation, AppendEvent, SaveScore, UpsertAgent)
// go through a queue to one writer goroutine and return before they are on
// disk; everything else commits before it returns. Reads see committed
// data only: call Flush first to read what was just appended.
type Store struct {
	db   *sql.DB
	opts Options
	log  *slog.Logger

	// mu guards closed and the send side of queue. Every method holds it
	// for reading while it works (the batched ones while they send); Close
	// holds it for writing to set closed and close queue, so no send races
	// the close and no query runs on a closed *sql.DB.
	mu     sync.RWMutex
	closed bool
	queue  chan op
	// kick wakes the writer (it has room for one signal) when the queue
	// holds kickAt operations or a flush, or is closed: between those the
	// writer sleeps until its batch is due, rather than waking for every
	// operation (a wake-up per event was a tenth of the hub's CPU).
	kick   chan struct{}
	kickAt int
	// stopCheckpoints stops the checkpointer.
	stopCheckpoints context.CancelFunc

	// lock is the file's lock when Options.Exclusive, else nil; served
	// is whether, when Open looked, another process held it.
	lock   *fileLock
	served bool

	// w is the batch writer; only its goroutine touches it until wg.Wait
	// in Close returns.
	w *writer
	// cancel tells the writer the Store is closing: it then gives up on a
	// batch after attempts failed commits (0: until giveUp) instead of
	// retrying forever. attempts is set before cancel is called.
	cancel   context.CancelFunc
	attempts int
	// giveUp is cancelled when Shutdown's ctx is done: the writer drops
	// what it has not committed, and a commit under way is interrupted.
	giveUp       context.Context
	giveUpCancel context.CancelFunc
	wg           sync.WaitGroup

	closeOnce sync.Once
	closeErr  error
	// closing is set when Close or Shutdown begins; Health reads it.
	closing atomic.Bool

	// epoch is the origin of oldest, read on the monotonic clock.
	epoch time.Time
	// oldest is when the oldest operation the writer holds and has not
	// committed was queued, as nanoseconds since epoch plus one; zero
	// when it holds none. The writer stores it; Health reads it.
	oldest atomic.Int64
	// failure is the last commit's failure, nil after a success.
	failure atomic.Pointer[failure]
	// attemptMu guards failedC, which the writer closes and replaces at
	// every failed commit: Flush wakes on it.
	attemptMu sync.Mutex
	failedC   chan struct{}

	stats counters
}

// failure is a streak of failed commits: the last error and when the
// first failed.
type failure struct {
	err   error
	since time.Time
}

// counters are the Store's running totals (see Stats).
type counters struct {
	appended, committed, rejected, lost, queueFull, batches atomic.Uint64
	dropped, failures                                       atomic.Uint64
	// lostEvents and droppedEvents are the events among lost and
	// dropped rows.
	lostEvents, droppedEvents atomic.Uint64
}

// Stats are a Store's running totals since Open, counted in rows (a
// StartConversation with n events is 1+n rows).
type Stats struct {
	// Appended is the rows the batched methods queued.
	Appended uint64
	// Committed is the rows committed to the database.
	Committed uint64
	// Rejected is the rows the database refused (see RowError).
	Rejected uint64
	// Lost is the rows dropped because their batch failed to commit
	// repeatedly while the Store was closing; Close returned the error.
	Lost uint64
	// Dropped is the rows the Try methods did not queue because the queue
	// was full; they are not recorded.
	Dropped uint64
	// QueueFull counts batched calls that found the queue full and had to
	// wait for room (or, for the Try methods, were dropped).
	QueueFull uint64
	// Failures counts failed commit attempts.
	Failures uint64
	// Batches is the transactions the writer committed.
	Batches uint64
	// Queued is the operations in the queue now, not yet taken by the
	// writer.
	Queued int
}

// Stats returns the running totals. Appended − Committed − Rejected − Lost
// is the rows not yet committed. It never waits.
func (s *Store) Stats() Stats {
	return Stats{
		Appended:  s.stats.appended.Load(),
		Committed: s.stats.committed.Load(),
		Rejected:  s.stats.rejected.Load(),
		Lost:      s.stats.lost.Load(),
		Dropped:   s.stats.dropped.Load(),
		QueueFull: s.stats.queueFull.Load(),
		Failures:  s.stats.failures.Load(),
		Batches:   s.stats.batches.Load(),
		Queued:    len(s.queue),
	}
}

// Open opens the SQLite file at path, creating it if needed, migrates its
// schema to SchemaVersion and starts the batch writer. Every connection runs
// with journal_mode=WAL, synchronous=FULL, foreign_keys=ON and a busy
// timeout. path must name a file (not ":memory:") and must not contain '?'.
//
// Before it writes anything, Open checks an existing file (see Check): it
// refuses, with a *FileError and the file left as it was, a file that is
// not SQLite, carries another application's id (PRAGMA application_id),
// holds tables deskdrill did not make, has a newer schema, or fails the
// integrity check o.Check asks for. It marks a new or empty file, and a
// deskdrill file from before the mark, with ApplicationID.
func Open(ctx context.Context, path string, o Options) (*Store, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("open store: path %q: want a file name without '?'", path)
	}
	var lock *fileLock
	if o.Exclusive {
		if lock, err = lockFile(path); err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
	}
	s, err := openFile(ctx, path, o)
	if err != nil {
		lock.unlock()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.lock = lock
	s.served = !o.Exclusive && probeLock(path)
	return s, nil
}

func openFile(ctx context.Context, path string, o Options) (*Store, error) {
	info, err := inspect(ctx, path, o.Check)
	if err != nil {
		return nil, err
	}
	// The pragmas run on every new connection. synchronous=FULL makes a
	// COMMIT fsync the WAL before it returns (see doc.go, Durability).
	dsn := path + "?_pragma=busy_timeout(" + fmt.Sprint(busyTimeout.Milliseconds()) + ")" +
		"&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)"
	if o.MaxSize > 0 {
		page := info.pageSize
		if page == 0 {
			page = defaultPageSize
		}
		dsn += fmt.Sprintf("&_pragma=max_page_count(%d)", max(1, o.MaxSize/page))
	}
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	n := min(runtime.GOMAXPROCS(0), maxReaders) + 1
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	s, err := open(ctx, db, o)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// defaultPageSize is SQLite's page size for a new file.
const defaultPageSize = 4096

func open(ctx context.Context, db *sql.DB, o Options) (*Store, error) {
	var mode string
	if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return nil, fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		// Some file systems (network mounts) cannot do WAL; the
		// durability promises assume it.
		return nil, fmt.Errorf("journal mode is %q, want wal", mode)
	}
	if err := migrate(ctx, db); err != nil {
		return nil, err
	}
	s := &Store{db: db, opts: o, log: o.Logger, queue: make(chan op, o.QueueSize), epoch: time.Now(), failedC: make(chan struct{}),
		kick: make(chan struct{}, 1), kickAt: max(1, min(o.MaxBatch, o.QueueSize/4))}
	s.giveUp, s.giveUpCancel = context.WithCancel(context.Background())
	w, err := newWriter(ctx, s)
	if err != nil {
		return nil, err
	}
	s.w = w
	wctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		w.run(wctx)
	}()
	cctx, stopCheckpoints := context.WithCancel(context.Background())
	s.stopCheckpoints = stopCheckpoints
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.checkpointer(cctx)
	}()
	return s, nil
}

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file.
const checkpointEvery = time.Second

// checkpointer copies the WAL into the database file (a PASSIVE
// checkpoint, on a connection of the pool) once a second while the writer
// commits, until ctx ends. SQLite would otherwise checkpoint inside the
// writer's commit every 1,000 pages: under a load drill nearly every
// commit, copying the same hot pages of the events index again and again,
// and holding up the next batch for the copy and its fsync. Beside the
// writer, one copy a second serves many commits, and the writer never
// waits for it. A checkpoint that fails (a full disk) is tried again a
// second later; the writer's own autocheckpoint (walBackstopPages) bounds
// the WAL should they keep failing.
func (s *Store) checkpointer(ctx context.Context) {
	t := time.NewTicker(checkpointEvery)
	defer t.Stop()
	var done uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n := s.stats.batches.Load()
		if n == done {
			continue
		}
		if _, err := s.db.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)"); err != nil {
			if ctx.Err() == nil {
				s.log.Debug("store: checkpoint failed; it is tried again", "err", err)
			}
			continue
		}
		done = n
	}
}

// Close stops taking writes, commits everything queued, stops the writer
// and closes the database. Batched calls already waiting for room in the
// queue are let in first. A batch that fails to commit is tried
// closingAttempts times, then dropped. Close returns the rows refused since
// the last Flush, and a *NotWrittenError when rows could not be written.
// Close is idempotent: later calls (and Shutdown) return the first call's
// result.
func (s *Store) Close() error { return s.shutdown(context.Background(), closingAttempts) }

// Shutdown is Close with a deadline, for a process that must stop in
// bounded time whatever its disk does: a batch that fails to commit is
// retried until ctx is done (the disk may take it meanwhile), and then
// everything still unwritten is dropped. The error wraps a
// *NotWrittenError that counts what was not written. If the writer is
// stuck in a commit that SQLite cannot interrupt (a disk that does not
// answer), Shutdown returns shortly after ctx is done without waiting for
// it and leaves the file open: the process is expected to exit.
func (s *Store) Shutdown(ctx context.Context) error { return s.shutdown(ctx, 0) }

// stuckGrace is how long shutdown waits for the writer after its ctx is
// done: long enough to drop and answer what is queued.
const stuckGrace = time.Second

func (s *Store) shutdown(ctx context.Context, attempts int) error {
	s.closeOnce.Do(func() {
		s.closing.Store(true)
		stop := context.AfterFunc(ctx, s.giveUpCancel)
		defer stop()
		// Cancel first: from now on the writer gives up on a failing
		// batch instead of retrying forever, so senders blocked on a
		// full queue (holding mu for reading) can finish.
		s.attempts = attempts
		s.cancel()
		s.stopCheckpoints()
		s.mu.Lock()
		s.closed = true
		close(s.queue)
		s.mu.Unlock()
		s.wake()
		done := make(chan struct{})
		go func() { // ends with the writer
			s.wg.Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			select {
			case <-done:
			case <-time.After(stuckGrace):
				st := s.Stats()
				pending := st.Appended - st.Committed - st.Rejected - st.Lost
				s.closeErr = fmt.Errorf("close store: %w", &NotWrittenError{
					Rows: pending + st.Dropped, Events: pending + s.stats.droppedEvents.Load(),
					Err: fmt.Errorf("the writer is stuck in a commit: %w", ctx.Err())})
				return
			}
		}
		err := s.w.close()
		if cerr := s.db.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		if uerr := s.lock.unlock(); uerr != nil {
			err = errors.Join(err, uerr)
		}
		if rows := s.stats.lost.Load() + s.stats.dropped.Load(); rows > 0 {
			why := s.w.dropErr
			if why == nil {
				why = fmt.Errorf("the %w when they were recorded", ErrQueueFull)
			}
			err = errors.Join(&NotWrittenError{Rows: rows, Events: s.stats.lostEvents.Load() + s.stats.droppedEvents.Load(), Err: why}, err)
		}
		if err != nil {
			s.closeErr = fmt.Errorf("close store: %w", err)
		}
	})
	return s.closeErr
}

// Health reports whether the Store keeps its promise now: every batched
// write is committed within FlushInterval + CommitBudget of its call
// (see the package doc, Durability). It returns nil, or an
// *UnavailableError saying why not: the last commit failed (with SQLite's
// error), the writer is behind (its oldest uncommitted write is older
// than that, or the queue is more than three-quarters full), or the Store
// is closing. It never waits, so a server can ask before every write it
// acknowledges.
func (s *Store) Health() error {
	if s.closing.Load() {
		return &UnavailableError{Err: ErrClosed, Since: time.Now()}
	}
	if f := s.failure.Load(); f != nil {
		return &UnavailableError{Err: f.err, Since: f.since}
	}
	if o := s.oldest.Load(); o != 0 {
		age := time.Since(s.epoch) - time.Duration(o-1)
		if limit := s.opts.FlushInterval + s.opts.CommitBudget; age > limit {
			return &UnavailableError{
				Err:   fmt.Errorf("%w: its oldest unwritten row is %v old, over the %v limit", ErrBehind, age.Round(time.Millisecond), limit),
				Since: time.Now().Add(limit - age),
			}
		}
	}
	if n, c := len(s.queue), cap(s.queue); n > c-c/4 {
		return &UnavailableError{Err: fmt.Errorf("%w: %d of %d queue places taken", ErrBehind, n, c), Since: time.Now()}
	}
	return nil
}

// Lag is the age of the oldest batched write not yet committed: zero when
// the writer has caught up. It never waits.
func (s *Store) Lag() time.Duration {
	if o := s.oldest.Load(); o != 0 {
		return max(0, time.Since(s.epoch)-time.Duration(o-1))
	}
	return 0
}

// mono returns t as the writer stores it in oldest.
func (s *Store) mono(t time.Time) int64 { return int64(t.Sub(s.epoch)) + 1 }

// rlock takes mu for reading for one method call, or returns ErrClosed.
// The caller must call s.mu.RUnlock when it returns nil.
func (s *Store) rlock() error {
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return ErrClosed
	}
	return nil
}

// Times are stored as Unix nanoseconds UTC, which cover the years 1678 to
// 2262; the zero time is NULL.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// checkTime reports whether t can be stored.
func checkTime(t time.Time) error {
	if !t.IsZero() && (t.Before(minTime) || t.After(maxTime)) {
		return fmt.Errorf("time %v is outside the storable years 1678–2262", t)
	}
	return nil
}

// nanos returns t as a bind value: nil for the zero time, else Unix
// nanoseconds. checkTime must have accepted t.
func nanos(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos: the time in UTC, or the zero time for
// NULL.
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

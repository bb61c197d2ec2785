package store

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors. Match them with errors.Is; the store wraps them with
// context ("run 7: not found").
var (
	// ErrNotFound is returned when a run, conversation or token does not
	// exist.
	ErrNotFound = errors.New("not found")
	// ErrBadToken is returned by Authenticate for a token that is malformed,
	// unknown or revoked. It does not say which, on purpose.
	ErrBadToken = errors.New("bad token")
	// ErrClosed is returned by every method called after Close.
	ErrClosed = errors.New("store closed")
	// ErrForeign: Open refused a file that is not deskdrill's (not SQLite,
	// another application's id, or tables deskdrill did not make).
	ErrForeign = errors.New("not a deskdrill database")
	// ErrDamaged: Open refused a file that fails SQLite's integrity
	// check, or cannot be read as a database.
	ErrDamaged = errors.New("database file is damaged")
	// ErrNewer: Open refused a file written by a newer deskdrill.
	ErrNewer = errors.New("database is newer than this program")
	// ErrLocked: Open with Options.Exclusive found the file held by
	// another process (another deskdrill serve).
	ErrLocked = errors.New("database is in use")
	// ErrBehind: the writer has not committed a write within
	// FlushInterval + CommitBudget (see Health).
	ErrBehind = errors.New("the writer is behind")
	// ErrQueueFull: a Try method found the queue full; the row was not
	// queued.
	ErrQueueFull = errors.New("queue full")
	// ErrNotInterrupted: ResumeRun was asked to resume a run that is not
	// (marked) interrupted.
	ErrNotInterrupted = errors.New("run is not interrupted")
	// ErrDecided: EndTrial found the run's trial verdict recorded already;
	// it is final and is never written again.
	ErrDecided = errors.New("trial verdict already recorded")
)

// UnavailableError is Health's answer while the Store cannot promise that
// a batched write will be on disk in time.
type UnavailableError struct {
	// Err is SQLite's error of the last commit, ErrBehind (wrapped with
	// the figures) or ErrClosed.
	Err error
	// Since is when the condition began.
	Since time.Time
}

func (e *UnavailableError) Error() string { return "records cannot be written: " + e.Err.Error() }

func (e *UnavailableError) Unwrap() error { return e.Err }

// NotWrittenError counts the rows that were not written before the Store
// closed: dropped at the end after failed commits (Stats.Lost) and, before
// that, refused by a full queue (Stats.Dropped).
type NotWrittenError struct {
	// Rows is every row not written; Events the events among them.
	Rows, Events uint64
	// Err is why: the last commit's error, or the deadline.
	Err error
}

func (e *NotWrittenError) Error() string {
	return fmt.Sprintf("%d events (%d rows in all) not written: %v", e.Events, e.Rows, e.Err)
}

func (e *NotWrittenError) Unwrap() error { return e.Err }

// FileError is a database file Open refused, before writing anything to
// it. Err is ErrForeign, ErrDamaged, ErrNewer or ErrLocked; Detail says
// what was found, in SQLite's words where SQLite found it.
type FileError struct {
	Path   string
	Err    error
	Detail string
}

func (e *FileError) Error() string {
	return fmt.Sprintf("%s: %v: %s", e.Path, e.Err, e.Detail)
}

func (e *FileError) Unwrap() error { return e.Err }

// RowError is a batched row the database refused: a constraint failed, such
// as a duplicate event seq, an event or score of a conversation that was
// never started, or a row of an unknown run. The rest of its batch is stored.
// Because batched writes return before they reach the database, a RowError
// surfaces later: it is logged, counted in Stats.Rejected and returned (with
// the others of its flush, joined) by the next Flush, or by Close.
type RowError struct {
	// Op is the write: "start conversation", "append event", "save score"
	// or "upsert agent".
	Op string
	// Run is the run ID of the row.
	Run int64
	// Key names the row within the run: the conversation ID, with
	// "#seq" for an event, "/agent" for a score, or the agent's name.
	Key string
	// Err is the database's error.
	Err error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("%s (run %d, %s): %v", e.Op, e.Run, e.Key, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

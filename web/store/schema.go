package store

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/deskdrill/deskdrill/sim"
)

// migrations holds the schema, one entry per version: migrations[i] takes a
// database from user_version i to i+1. Append new entries; never edit one
// that has shipped.
//
// Conventions: times are INTEGER Unix nanoseconds UTC, NULL for the zero
// time; money is INTEGER fen; JSON is TEXT. Tables are STRICT, so a value of
// the wrong type is an error instead of a silent conversion.
//
// Events were one table with a kind column, not messages + actions: a
// conversation is one ordered stream (the hub numbers it with seq), and
// every read wants it whole and in order. Version 7 made it a rowid table
// in recording order (as a WITHOUT ROWID table every event of thousands of
// concurrent conversations had landed in another leaf page: 32 µs of CPU
// per event, 14 µs after); version 8 keeps events in batches, one row per
// commit of the writer (eventlog.go): under 1 µs.
var migrations = []string{
	// 1: the first schema.
	`
CREATE TABLE runs (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	scenario TEXT    NOT NULL,
	seed     INTEGER NOT NULL, -- the uint64 seed's bits as int64
	speed    REAL    NOT NULL,
	contract TEXT    NOT NULL,
	started  INTEGER,
	ended    INTEGER,          -- NULL while the run is going
	config   TEXT              -- JSON
) STRICT;

CREATE TABLE agents (
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	name   TEXT    NOT NULL,
	role   TEXT    NOT NULL,
	PRIMARY KEY (run_id, name)
) STRICT, WITHOUT ROWID;

CREATE TABLE conversations (
	run_id          INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	id              TEXT    NOT NULL,
	case_name       TEXT    NOT NULL,
	persona         TEXT    NOT NULL,
	presales        INTEGER NOT NULL,
	arrived         INTEGER,
	order_id        TEXT    NOT NULL,
	product         TEXT    NOT NULL,
	price_fen       INTEGER NOT NULL,
	paid            INTEGER,
	shipped         INTEGER,
	received        INTEGER,
	logistics       TEXT    NOT NULL,
	earlier_refunds INTEGER NOT NULL,
	PRIMARY KEY (run_id, id)
) STRICT, WITHOUT ROWID;

CREATE TABLE events (
	run_id     INTEGER NOT NULL,
	conv_id    TEXT    NOT NULL,
	seq        INTEGER NOT NULL,
	at         INTEGER,
	sender     TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	agent      TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	action     TEXT,             -- the action's kind; NULL when there is no action
	amount_fen INTEGER,
	payer      TEXT,
	reason     TEXT,
	rating     INTEGER NOT NULL,
	PRIMARY KEY (run_id, conv_id, seq),
	FOREIGN KEY (run_id, conv_id) REFERENCES conversations (run_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE scores (
	run_id  INTEGER NOT NULL,
	conv_id TEXT    NOT NULL,
	agent   TEXT    NOT NULL,
	total   REAL    NOT NULL,
	score   TEXT    NOT NULL, -- JSON of the score
	PRIMARY KEY (run_id, conv_id, agent),
	FOREIGN KEY (run_id, conv_id) REFERENCES conversations (run_id, id) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

CREATE TABLE tokens (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	name    TEXT    NOT NULL,
	role    TEXT    NOT NULL CHECK (role IN ('admin', 'supervisor', 'viewer', 'agent', 'customer')),
	hash    BLOB    NOT NULL UNIQUE, -- SHA-256 of the plain token
	created INTEGER NOT NULL,
	revoked INTEGER                  -- NULL while the token is valid
) STRICT;
`,
	// 2: the record fields sim gained after the first schema: an agent's
	// automatic messages, and the order's current price and tracking
	// numbers. Columns added with a default keep older rows valid.
	`
ALTER TABLE events ADD COLUMN auto INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN current_price_fen INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN tracking TEXT NOT NULL DEFAULT '';
`,
	// 3: interruptions: a run whose hub stopped without ending it, found
	// by the next serve, and perhaps resumed.
	`
CREATE TABLE interruptions (
	run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	n       INTEGER NOT NULL, -- 1, 2, … in order
	at      INTEGER NOT NULL, -- the run's last recorded event before its hub stopped
	elapsed INTEGER NOT NULL, -- scenario time played by then, nanoseconds
	found   INTEGER NOT NULL, -- when a later serve marked the run interrupted
	resumed INTEGER,          -- when serve --resume continued it; NULL until then
	PRIMARY KEY (run_id, n)
) STRICT, WITHOUT ROWID;
`,
	// 4: exams (docs/exams.md): invitations (a candidate's token for an exam
	// in a cohort), sittings (each one a run of its own) with their report
	// cards, and trainers' reviews of a sitting's conversations.
	`
CREATE TABLE exams (
	version TEXT PRIMARY KEY, -- SHA-256 of the exam file
	name    TEXT NOT NULL,
	source  TEXT NOT NULL     -- the exam file, so the server can host it
) STRICT;

CREATE TABLE invitations (
	token_id     INTEGER PRIMARY KEY REFERENCES tokens (id),
	exam_version TEXT    NOT NULL REFERENCES exams (version),
	cohort       TEXT    NOT NULL,
	candidate    TEXT    NOT NULL,
	created      INTEGER NOT NULL
) STRICT;

CREATE TABLE sittings (
	run_id       INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
	token_id     INTEGER NOT NULL, -- the candidate's token; 0 for a sitting of exam try
	exam         TEXT    NOT NULL,
	exam_version TEXT    NOT NULL,
	cohort       TEXT    NOT NULL,
	candidate    TEXT    NOT NULL,
	started      INTEGER,
	ended        INTEGER,          -- NULL while the sitting is going
	passed       INTEGER,
	score        REAL,
	card         TEXT              -- JSON of the report card, once it ended
) STRICT;
CREATE INDEX sittings_by_cohort ON sittings (cohort, exam);

CREATE TABLE reviews (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	run_id    INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	item      TEXT    NOT NULL,
	conv_id   TEXT    NOT NULL,
	correct   INTEGER,            -- NULL: the automatic verdict stands
	hard_fail INTEGER,
	score     REAL,
	reason    TEXT    NOT NULL,
	reviewer  TEXT    NOT NULL,
	at        INTEGER NOT NULL
) STRICT;
CREATE INDEX reviews_by_run ON reviews (run_id);
`,
	// 5: trials (docs/trial.md): the files a run was played under (its
	// scenario, contract and platform profile, byte for byte, so reports
	// and evidence packs judge it by them whatever happens to the files),
	// and the final verdict of a trial that reached its end, which never
	// changes: the triggers refuse an update or a delete.
	`
CREATE TABLE run_sources (
	run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	role   TEXT    NOT NULL CHECK (role IN ('scenario', 'contract', 'profile')),
	name   TEXT    NOT NULL, -- as the run named it: a built-in name or a file path
	origin TEXT    NOT NULL CHECK (origin IN ('builtin', 'file', 'inline')),
	sha256 TEXT    NOT NULL, -- hex of body
	body   BLOB    NOT NULL,
	PRIMARY KEY (run_id, role)
) STRICT, WITHOUT ROWID;

CREATE TABLE trial_verdicts (
	run_id     INTEGER PRIMARY KEY REFERENCES runs (id),
	decided    INTEGER NOT NULL, -- when the run reached its end and decided
	outcome    TEXT    NOT NULL CHECK (outcome IN ('pass', 'refund', 'undecided')),
	refund_fen INTEGER NOT NULL,
	status     TEXT    NOT NULL  -- JSON of the final trial status (sim/trial.Status)
) STRICT;
CREATE TRIGGER trial_verdicts_no_update BEFORE UPDATE ON trial_verdicts
BEGIN SELECT RAISE(ABORT, 'a trial verdict is final'); END;
CREATE TRIGGER trial_verdicts_no_delete BEFORE DELETE ON trial_verdicts
BEGIN SELECT RAISE(ABORT, 'a trial verdict is final'); END;
`,
	// 6: a run's scenario clock: a real-time run (speed 1) plays its
	// scenario rebased by whole days to the day it started, from the time
	// of day it started (docs/live.md). NULL and 0 keep the scenario's own
	// calendar from its start.
	`
ALTER TABLE runs ADD COLUMN clock_start INTEGER;  -- the scenario's start as the run plays it, nanoseconds since 1970
ALTER TABLE runs ADD COLUMN clock_offset INTEGER NOT NULL DEFAULT 0; -- scenario time already played when the run started, nanoseconds
`,
	// 7: events in the order they were recorded (see the note above). The
	// rows are copied in that order, so an old file gains the new layout.
	`
CREATE TABLE events_by_arrival (
	run_id     INTEGER NOT NULL,
	conv_id    TEXT    NOT NULL,
	seq        INTEGER NOT NULL,
	at         INTEGER,
	sender     TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	agent      TEXT    NOT NULL,
	text       TEXT    NOT NULL,
	action     TEXT,
	amount_fen INTEGER,
	payer      TEXT,
	reason     TEXT,
	rating     INTEGER NOT NULL,
	auto       INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (run_id, conv_id, seq),
	FOREIGN KEY (run_id, conv_id) REFERENCES conversations (run_id, id) ON DELETE CASCADE
) STRICT;
INSERT INTO events_by_arrival (run_id, conv_id, seq, at, sender, kind, agent, text, action, amount_fen, payer, reason, rating, auto)
	SELECT run_id, conv_id, seq, at, sender, kind, agent, text, action, amount_fen, payer, reason, rating, auto
	FROM events ORDER BY run_id, at, conv_id, seq;
DROP TABLE events;
ALTER TABLE events_by_arrival RENAME TO events;
`,
	// 8: events in batches, one row per commit (eventlog.go); batchEvents
	// moves the rows of events into them and drops the table.
	`
CREATE TABLE event_batches (
	id      INTEGER PRIMARY KEY, -- recording order
	run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	events  INTEGER NOT NULL,    -- how many events data holds
	last_at INTEGER,             -- the latest time among them
	data    BLOB    NOT NULL
) STRICT;
CREATE INDEX event_batches_by_run ON event_batches (run_id);
`,
}

// migrationSteps are the steps of a migration that SQL cannot do, run after
// its SQL, in the same transaction: by the version they migrate to.
var migrationSteps = map[int]func(context.Context, *sql.Conn) error{8: batchEvents}

// batchEvents moves the rows of the events table (in the order they were
// recorded) into event batches of at most migrateBatch events of one run,
// and drops the table.
func batchEvents(ctx context.Context, conn *sql.Conn) error {
	const migrateBatch = 1000
	var b eventBatch
	run := int64(-1)
	put := func() error {
		if b.n == 0 {
			return nil
		}
		_, err := conn.ExecContext(ctx, insertBatch, b.insertArgs(run)...)
		b.reset()
		return err
	}
	b.reset()
	for after := int64(0); ; {
		rows, err := conn.QueryContext(ctx, `SELECT rowid, run_id, conv_id, seq, at, sender, kind, agent, text, action, amount_fen, payer, reason, rating, auto
			FROM events WHERE rowid > ? ORDER BY rowid LIMIT 10000`, after)
		if err != nil {
			return err
		}
		type row struct {
			run  int64
			conv string
			seq  int
			ev   sim.Event
		}
		var got []row
		for rows.Next() {
			var (
				r                     row
				at, amount            sql.NullInt64
				action, payer, reason sql.NullString
				sender, kind          string
			)
			if err := rows.Scan(&after, &r.run, &r.conv, &r.seq, &at, &sender, &kind, &r.ev.Agent, &r.ev.Text,
				&action, &amount, &payer, &reason, &r.ev.Rating, &r.ev.Auto); err != nil {
				rows.Close()
				return err
			}
			r.ev.At, r.ev.Sender, r.ev.Kind = fromNanos(at), sim.Sender(sender), sim.EventKind(kind)
			if action.Valid {
				r.ev.Action = &sim.Action{Kind: sim.ActionKind(action.String), Amount: sim.Money(amount.Int64),
					Payer: sim.Payer(payer.String), Reason: reason.String}
			}
			got = append(got, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(got) == 0 {
			break
		}
		for i := range got {
			if got[i].run != run || b.n >= migrateBatch {
				if err := put(); err != nil {
					return err
				}
				run = got[i].run
			}
			b.add(got[i].conv, got[i].seq, &got[i].ev)
		}
	}
	if err := put(); err != nil {
		return err
	}
	_, err := conn.ExecContext(ctx, `DROP TABLE events`)
	return err
}

// SchemaVersion is the schema version this package writes, kept in the
// database file as PRAGMA user_version. Open migrates older files up to it
// and refuses newer ones. It equals len(migrations) (a test checks).
const SchemaVersion = 8

// migrate brings the database at db up to SchemaVersion in one transaction.
// BEGIN IMMEDIATE takes the write lock first, so two processes opening the
// same new file cannot both create the schema.
func migrate(ctx context.Context, db *sql.DB) (err error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var v int
	if err := conn.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > SchemaVersion {
		return fmt.Errorf("schema version %d is newer than this program's %d", v, SchemaVersion)
	}
	for i := v; i < SchemaVersion; i++ {
		if _, err := conn.ExecContext(ctx, migrations[i]); err != nil {
			return fmt.Errorf("migrate to schema version %d: %w", i+1, err)
		}
		if step := migrationSteps[i+1]; step != nil {
			if err := step(ctx, conn); err != nil {
				return fmt.Errorf("migrate to schema version %d: %w", i+1, err)
			}
		}
	}
	if v < SchemaVersion {
		// PRAGMA takes no bind parameters; the value is our own int.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion)); err != nil {
			return fmt.Errorf("set schema version: %w", err)
		}
	}
	var app int64
	if err := conn.QueryRowContext(ctx, "PRAGMA application_id").Scan(&app); err != nil {
		return fmt.Errorf("read application id: %w", err)
	}
	if app != ApplicationID {
		// Open's inspection has made sure the file is new, empty or ours.
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
			return fmt.Errorf("set application id: %w", err)
		}
	}
	_, err = conn.ExecContext(ctx, "COMMIT")
	return err
}

// Package store is the server's storage: runs, the agents of a run, the
// conversations with every event, scores and API tokens, in one SQLite file
// (modernc.org/sqlite, pure Go).
//
// Open a Store with Open and close it with Close; it is safe for concurrent
// use. The schema is created or migrated on Open; its version is the
// file's PRAGMA user_version (SchemaVersion).
//
// # Two kinds of writes
//
// The live hub records every message as it happens, so the writes of a
// conversation stay off its hot path: StartConversation, AppendEvent,
// SaveScore and UpsertAgent put the row into a bounded queue and return.
// One writer goroutine, owned by the Store, takes the queue in order and
// commits it in batches, one transaction each. A batch commits
//
//   - when its oldest operation is Options.FlushInterval old (250 ms by
//     default),
//   - when it holds Options.MaxBatch operations,
//   - on Flush, which returns when everything queued before it is
//     committed, and
//   - on Close, which drains the queue first.
//
// When the queue is full the batched methods wait for room as long as their
// ctx allows and then fail with ctx's error; nothing is dropped without an
// error, and the waits are counted (Stats.QueueFull). A row the database
// refuses (a duplicate event seq, an event of a conversation never started)
// does not fail its batch: it is logged, counted (Stats.Rejected) and
// returned by the next Flush or Close as a *RowError.
//
// The other writes (CreateRun, EndRun, CreateToken, RevokeToken) are rare
// and commit before they return. Reads see committed rows only; Flush
// before reading what was just appended.
//
// # Durability
//
// The file is in WAL mode with synchronous=FULL: a batch's COMMIT returns
// only after its WAL frames are written and fsync'd. Batching makes this
// cheap: at most one fsync per FlushInterval under light load and one per
// MaxBatch operations under heavy load.
//
// A batched write is durable once its batch has committed, which happens no
// later than FlushInterval after the call returned, plus the time one
// commit takes (milliseconds; more on a slow disk). Hence:
//
//   - Process death (kill -9, OOM kill, a crash, a panic) loses at most the
//     batched writes whose calls returned within FlushInterval + one commit
//     before it: those still in the queue, in the batch being gathered or
//     in the commit under way. Every older one is in the database. A batch
//     is atomic (a StartConversation and its events are never split), and
//     because there is one queue and one writer, what survives is a prefix
//     of the calls in queue order, less any refused rows. SQLite replays
//     the WAL on the next Open. TestKill9 checks this, with the bound of
//     Health below, by killing a child process that appends up to 5,000
//     events a second while Health says nil, and logs how much of the
//     tail it lost.
//   - An OS crash or power loss loses the same, no more, because each
//     commit was fsync'd, provided the storage honours fsync (no volatile
//     write cache that lies). With synchronous=NORMAL, which this package
//     does not use, a commit would survive process death just the same
//     (the WAL is written with write(2) before COMMIT returns, and the
//     kernel keeps it), but every commit since the last checkpoint could be
//     lost to a power loss.
//   - SIGTERM loses nothing if the program then calls Close: Close lets in
//     the batched calls that were waiting for room, commits everything and
//     closes the file. cmd should cancel its context on SIGTERM, stop the
//     hub, then call Close.
//
// The FlushInterval bound holds while the writer keeps up, that is while
// the rows arrive more slowly than it can commit them (see
// BenchmarkAppendEvent). Beyond that the queue fills and the callers wait;
// a queued row may then wait longer, up to the time the writer takes to
// commit a full queue (QueueSize rows) ahead of it.
//
// A batch whose commit fails (a full disk, an I/O error) stays in memory
// and is retried every FlushInterval; Flush returns the error meanwhile.
// Close tries it closingAttempts times and then drops it, counted in
// Stats.Lost; Shutdown retries until its ctx is done, then drops what is
// left. Both then return a *NotWrittenError that counts the events.
//
// # Health: what a server may acknowledge
//
// The bound above is a promise only while the writer keeps up. Health says,
// without waiting, whether it does now: it returns an *UnavailableError
// while the last commit failed (SQLite's error), while the oldest
// uncommitted write is older than FlushInterval + CommitBudget (the disk
// is too slow, or a commit hangs), or while the queue is more than
// three-quarters full. A server that asks Health before each write it
// acknowledges, and acknowledges nothing while it fails, can promise: an
// acknowledged write is on disk within FlushInterval + one commit, or the
// server has stopped acknowledging. The live hub does so
// (hub.Config.Admit), and records through TryStartConversation and
// TryAppendEvent, which never wait: with the queue full they drop the row
// (Stats.Dropped) rather than block the hub's lock.
//
// # The file
//
// Open checks an existing file before it writes to it (Options.Check) and
// refuses, untouched, one that is not deskdrill's (ApplicationID), is newer
// or is damaged. Options.Exclusive holds a flock(2) lock on PATH.lock so a
// second server cannot open the file; readers open it beside the server.
// A run whose server died without ending it reads as interrupted;
// MarkInterrupted records it, ResumeRun continues it. PauseRun stops a run
// the same way on purpose (a trial stopped before its end).
//
// # Trials
//
// SaveSources keeps the files a run was played under (scenario, contract,
// platform profile) byte for byte with their SHA-256, so a run is judged
// by them later whatever happened to the files. EndTrial ends a trial run
// and records its final verdict in one transaction; the verdict is never
// written again (ErrDecided), and triggers make the database refuse to
// update or delete it.
//
// # Storage
//
// Times are INTEGER Unix nanoseconds UTC, which cover the years 1678 to
// 2262 (others are refused); the zero time is NULL, and times read back are
// in UTC. Money is INTEGER fen (sim.Money). A run's uint64 seed is stored
// as the same 64 bits in SQLite's signed INTEGER. JSON (a run's config, a
// score) is TEXT. Events are one table with a kind column, keyed and
// clustered by (run, conversation, seq), so a conversation reads back in
// seq order with one range scan. Tokens are stored as their SHA-256 only.
package store

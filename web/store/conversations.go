package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/deskdrill/deskdrill/sim"
)

// StartConversation records conversation c of run runID: its ID, case,
// persona, order, presales flag and arrival, and the events already in
// c.Events with seq 0, 1, …; later AppendEvent calls continue the
// numbering at len(c.Events). The conversation and its events are stored
// together or not at all.
//
// It is batched: it returns once queued, before the row is on disk (see
// AppendEvent). It copies what it needs from c, so the caller may go on
// changing c.
func (s *Store) StartConversation(ctx context.Context, runID int64, c *sim.Conversation) error {
	return s.startConversation(ctx, runID, c, true)
}

// TryStartConversation is StartConversation for a caller that must never
// wait for the writer (the hub, under its lock): when the queue is full it
// returns an error wrapping ErrQueueFull at once and records nothing
// (Stats.Dropped counts it).
func (s *Store) TryStartConversation(ctx context.Context, runID int64, c *sim.Conversation) error {
	return s.startConversation(ctx, runID, c, false)
}

func (s *Store) startConversation(ctx context.Context, runID int64, c *sim.Conversation, wait bool) error {
	cp := *c
	cp.Events = slices.Clone(c.Events)
	err := errors.Join(checkTime(c.Arrived), checkTime(c.Order.Paid), checkTime(c.Order.Shipped), checkTime(c.Order.Received))
	for i := range cp.Events {
		e := &cp.Events[i]
		err = errors.Join(err, checkTime(e.At))
		if e.Action != nil {
			a := *e.Action
			e.Action = &a
		}
	}
	if err == nil {
		err = s.enqueue(ctx, op{kind: opConversation, run: runID, c: &cp}, wait)
	}
	if err != nil {
		return fmt.Errorf("start conversation %q: %w", c.ID, err)
	}
	return nil
}

// AppendEvent records event e of conversation convID of run runID with
// number seq. Within a conversation seq orders the events and must be
// unique; it need not be dense. The conversation must have been started
// (StartConversation) before.
//
// It is batched: it returns once the event is queued. The writer commits it
// within Options.FlushInterval (see the package doc, Durability). If the
// queue is full it waits for room until ctx is done, and then returns
// ctx's error: an event is never dropped without an error. A row the
// database refuses (a duplicate seq, an unknown conversation) is reported
// by the next Flush as a *RowError.
func (s *Store) AppendEvent(ctx context.Context, runID int64, convID string, seq int, e sim.Event) error {
	return s.appendEvent(ctx, runID, convID, seq, e, true)
}

// TryAppendEvent is AppendEvent for a caller that must never wait for the
// writer (the hub, under its lock): when the queue is full it returns an
// error wrapping ErrQueueFull at once and records nothing (Stats.Dropped
// counts it). Callers that acknowledge what they record ask Health first.
func (s *Store) TryAppendEvent(ctx context.Context, runID int64, convID string, seq int, e sim.Event) error {
	return s.appendEvent(ctx, runID, convID, seq, e, false)
}

func (s *Store) appendEvent(ctx context.Context, runID int64, convID string, seq int, e sim.Event, wait bool) error {
	err := checkTime(e.At)
	if err == nil {
		if e.Action != nil {
			a := *e.Action
			e.Action = &a
		}
		err = s.enqueue(ctx, op{kind: opEvent, run: runID, conv: convID, seq: seq, ev: e}, wait)
	}
	if err != nil {
		return fmt.Errorf("append event %s#%d: %w", convID, seq, err)
	}
	return nil
}

// SaveScore records the score agent earned on conversation convID of run
// runID: score is its JSON, total its total. A later score of the same
// conversation and agent replaces it. It is batched (see AppendEvent).
func (s *Store) SaveScore(ctx context.Context, runID int64, convID, agent string, score []byte, total float64) error {
	return s.saveScore(ctx, runID, convID, agent, score, total, true)
}

// TrySaveScore is SaveScore that never waits for the writer (see
// TryAppendEvent).
func (s *Store) TrySaveScore(ctx context.Context, runID int64, convID, agent string, score []byte, total float64) error {
	return s.saveScore(ctx, runID, convID, agent, score, total, false)
}

func (s *Store) saveScore(ctx context.Context, runID int64, convID, agent string, score []byte, total float64, wait bool) error {
	var err error
	if !json.Valid(score) {
		err = errors.New("score is not valid JSON")
	} else {
		err = s.enqueue(ctx, op{kind: opScore, run: runID, conv: convID, name: agent, total: total, score: slices.Clone(score)}, wait)
	}
	if err != nil {
		return fmt.Errorf("save score %s/%s: %w", convID, agent, err)
	}
	return nil
}

// ScoreRow is a stored score.
type ScoreRow struct {
	ConvID, Agent string
	Total         float64
	// JSON is the score as SaveScore got it.
	JSON []byte
}

// Scores returns the committed scores of run runID by conversation and
// agent, or an error wrapping ErrNotFound if there is no such run.
func (s *Store) Scores(ctx context.Context, runID int64) ([]ScoreRow, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list scores: %w", err)
	}
	defer s.mu.RUnlock()
	if err := s.runExists(ctx, runID); err != nil {
		return nil, fmt.Errorf("list scores: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT conv_id, agent, total, score FROM scores
		WHERE run_id = ? ORDER BY conv_id, agent`, runID)
	if err != nil {
		return nil, fmt.Errorf("list scores: %w", err)
	}
	defer rows.Close()
	var out []ScoreRow
	for rows.Next() {
		var (
			r    ScoreRow
			text string
		)
		if err := rows.Scan(&r.ConvID, &r.Agent, &r.Total, &text); err != nil {
			return nil, fmt.Errorf("list scores: %w", err)
		}
		r.JSON = []byte(text)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list scores: %w", err)
	}
	return out, nil
}

// conversationQuery reads a run's conversations, without their events, in
// key order.
const conversationQuery = `
SELECT id, case_name, persona, presales, arrived,
	order_id, product, price_fen, paid, shipped, received, logistics, earlier_refunds,
	current_price_fen, tracking
FROM conversations
WHERE run_id = ?`

// Conversations returns the committed conversations of run runID, ordered
// by arrival and then ID, each with its events in seq order. It returns an
// error wrapping ErrNotFound if there is no such run.
func (s *Store) Conversations(ctx context.Context, runID int64) ([]*sim.Conversation, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer s.mu.RUnlock()
	if err := s.runExists(ctx, runID); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	out, err := s.conversations(ctx, runID, "")
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	slices.SortStableFunc(out, func(a, b *sim.Conversation) int { return a.Arrived.Compare(b.Arrived) })
	return out, nil
}

// Conversation returns committed conversation id of run runID with its
// events in seq order, or an error wrapping ErrNotFound. It reads the
// run's event batches through (skipping the other conversations' events):
// the cost of a whole run's read, less the decoding.
func (s *Store) Conversation(ctx context.Context, runID int64, id string) (*sim.Conversation, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("read conversation %q: %w", id, err)
	}
	defer s.mu.RUnlock()
	out, err := s.conversations(ctx, runID, id)
	if err == nil && len(out) == 0 {
		err = ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read conversation %q: %w", id, err)
	}
	return out[0], nil
}

// conversations reads the conversations of run (only conversation only,
// when not empty), ordered by ID, with their events, in one transaction:
// one snapshot even while the writer commits. mu must be held for reading.
func (s *Store) conversations(ctx context.Context, run int64, only string) ([]*sim.Conversation, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	query, args := conversationQuery, []any{run}
	if only != "" {
		query, args = query+` AND id = ?`, append(args, only)
	}
	rows, err := tx.QueryContext(ctx, query+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	// seqs holds each conversation's events' seqs while they are read;
	// they come in order unless a file's history says otherwise.
	type reading struct {
		c        *sim.Conversation
		seqs     []int
		unsorted bool
	}
	var out []*sim.Conversation
	byID := map[string]*reading{}
	for rows.Next() {
		var (
			c                            sim.Conversation
			price, current               int64
			arrived, paid, shipped, recv sql.NullInt64
		)
		err := rows.Scan(&c.ID, &c.Case, &c.Persona, &c.Presales, &arrived,
			&c.Order.ID, &c.Order.Product, &price, &paid, &shipped, &recv, &c.Order.Logistics, &c.Order.EarlierRefunds,
			&current, &c.Order.Tracking)
		if err != nil {
			return nil, err
		}
		c.Arrived = fromNanos(arrived)
		c.Order.Price, c.Order.CurrentPrice = sim.Money(price), sim.Money(current)
		c.Order.Paid, c.Order.Shipped, c.Order.Received = fromNanos(paid), fromNanos(shipped), fromNanos(recv)
		out = append(out, &c)
		byID[c.ID] = &reading{c: &c}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return nil, nil
	}
	var keep func([]byte) bool
	if only != "" {
		keep = func(conv []byte) bool { return string(conv) == only }
	}
	err = eachBatch(ctx, tx, run, func(data []byte) error {
		return decodeEvents(data, keep, func(conv []byte, seq int, e sim.Event) {
			r := byID[string(conv)]
			if r == nil {
				return // not a conversation of the run (the writer refuses such events)
			}
			if n := len(r.seqs); n > 0 && seq < r.seqs[n-1] {
				r.unsorted = true
			}
			r.seqs = append(r.seqs, seq)
			r.c.Events = append(r.c.Events, e)
		})
	})
	if err != nil {
		return nil, err
	}
	for _, r := range byID {
		if r.unsorted {
			sortBySeq(r.c.Events, r.seqs)
		}
	}
	return out, nil
}

// sortBySeq sorts events by their seqs (a stable sort of both).
func sortBySeq(events []sim.Event, seqs []int) {
	idx := make([]int, len(events))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return seqs[a] - seqs[b] })
	sorted := make([]sim.Event, len(events))
	for i, j := range idx {
		sorted[i] = events[j]
	}
	copy(events, sorted)
}

// eachBatch calls fn with the data of every event batch of run, in the
// order they were committed. The data is valid during the call only. An
// error of fn is returned naming the batch's row.
func eachBatch(ctx context.Context, q querier, run int64, fn func(data []byte) error) error {
	rows, err := q.QueryContext(ctx, `SELECT id, data FROM event_batches WHERE run_id = ? ORDER BY id`, run)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id   int64
			data sql.RawBytes
		)
		if err := rows.Scan(&id, &data); err != nil {
			return err
		}
		if err := fn(data); err != nil {
			return fmt.Errorf("event_batches row %d (run %d): %w", id, run, err)
		}
	}
	return rows.Err()
}

// ConversationIDs returns the IDs of run runID's committed conversations,
// in order (none for a run without any, or no such run).
func (s *Store) ConversationIDs(ctx context.Context, runID int64) ([]string, error) {
	if err := s.rlock(); err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	defer s.mu.RUnlock()
	ids, err := conversationIDs(ctx, s.db, runID)
	if err != nil {
		return nil, fmt.Errorf("list conversations: %w", err)
	}
	return ids, nil
}

// conversationIDs returns the IDs of run's conversations, in order.
func conversationIDs(ctx context.Context, q querier, run int64) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM conversations WHERE run_id = ? ORDER BY id`, run)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

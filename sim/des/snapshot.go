package des

import (
	"errors"
	"math/rand/v2"
)

// snapshot is an engine's state between two events, kept so that a run
// can continue from it more than once: the per-hour search tries several
// staffings for one hour from the same start of that hour instead of
// simulating the day up to it again for each.
//
// Only queue-only runs are saved: the KPI tally is not part of a
// snapshot.
type snapshot struct {
	cfg      Run
	now      float64
	seq      uint64
	events   uint64
	heap     []event
	custs    []customer
	free     []int32
	queue    []int32
	qgen     []uint32
	qhead    int
	qlen     int
	qraw     int
	agents   []agent
	buckets  [][]int32
	onDuty   int
	arrival1 event
	pending  bool
	arrPCG   rand.PCG
	pieceIdx int
	next     int64
	done     bool
	active   int
	stats    Stats
	res      Result
	hours    []Hour
	lastQT   float64
	lastBT   float64
	busyNow  int
	busyOn   int
}

var errSnapshotTally = errors.New("save engine state: only queue-only runs can be saved")

// save copies e's state into s, reusing s's buffers.
func (e *Engine) save(s *snapshot) error {
	if e.tally != nil {
		return errSnapshotTally
	}
	s.cfg = e.cfg
	s.now, s.seq, s.events = e.now, e.seq, e.events
	s.heap = append(s.heap[:0], e.heap...)
	s.custs = append(s.custs[:0], e.custs...)
	s.free = append(s.free[:0], e.free...)
	s.queue = append(s.queue[:0], e.queue...)
	s.qgen = append(s.qgen[:0], e.qgen...)
	s.qhead, s.qlen, s.qraw = e.qhead, e.qlen, e.qraw
	s.agents = append(s.agents[:0], e.agents...)
	s.buckets = copyBuckets(s.buckets, e.buckets)
	s.onDuty = e.onDuty
	s.arrival1, s.pending = e.arrival1, e.pending
	s.arrPCG = e.arrPCG
	s.pieceIdx, s.next, s.done, s.active = e.pieceIdx, e.next, e.done, e.active
	s.stats, s.res = e.stats, *e.res
	s.hours = append(s.hours[:0], e.hours...)
	s.lastQT, s.lastBT, s.busyNow, s.busyOn = e.lastQT, e.lastBT, e.busyNow, e.busyOn
	return nil
}

// restore puts e back into the state saved in s. The engine must run the
// model s was saved from.
func (e *Engine) restore(s *snapshot) {
	e.reset(s.cfg)
	if s.cfg.ByHour == nil {
		e.staffBoundaries()
	}
	e.now, e.seq, e.events = s.now, s.seq, s.events
	e.heap = append(e.heap[:0], s.heap...)
	e.custs = append(e.custs[:0], s.custs...)
	e.free = append(e.free[:0], s.free...)
	e.queue = append(e.queue[:0], s.queue...)
	e.qgen = append(e.qgen[:0], s.qgen...)
	e.qhead, e.qlen, e.qraw = s.qhead, s.qlen, s.qraw
	e.agents = append(e.agents[:0], s.agents...)
	e.buckets = copyBuckets(e.buckets, s.buckets)
	e.onDuty = s.onDuty
	e.arrival1, e.pending = s.arrival1, s.pending
	e.arrPCG = s.arrPCG
	e.pieceIdx, e.next, e.done, e.active = s.pieceIdx, s.next, s.done, s.active
	e.stats = s.stats
	res := s.res
	e.res = &res
	e.hours = append(e.hours[:0], s.hours...)
	e.lastQT, e.lastBT, e.busyNow, e.busyOn = s.lastQT, s.lastBT, s.busyNow, s.busyOn
}

func copyBuckets(dst, src [][]int32) [][]int32 {
	for len(dst) < len(src) {
		dst = append(dst, nil)
	}
	dst = dst[:len(src)]
	for i := range src {
		dst[i] = append(dst[i][:0], src[i]...)
	}
	return dst
}

package load

import (
	"context"
	"runtime"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// intervalLoop ends an interval of the summary every Interval from the
// start of pacing, and checks the thresholds that abort, until stop.
type intervalLoop struct {
	quit chan struct{}
	done chan struct{}
	once sync.Once
}

// intervalState is what the loop remembers between intervals; its
// goroutine owns it.
type intervalState struct {
	sent, received, errors, arrived uint64
	cpu                             time.Duration
	last                            time.Duration
	hub                             *HubMetrics
	// sentAt is the cumulative count sent at each interval's end, for
	// the messages overdue (dropped) while the run goes on.
	sentAt []uint64
}

// startIntervals starts the loop; abort stops the run when a threshold
// with AbortOnFail fails. The loop writes s.Intervals, s.Generator and
// s.Aborted until stop returns.
func (r *Runner) startIntervals(ctx context.Context, s *Summary, abort func()) *intervalLoop {
	l := &intervalLoop{quit: make(chan struct{}), done: make(chan struct{})}
	st := &intervalState{hub: s.HubStart}
	st.cpu, _ = selfCPU()
	cpu0 := st.cpu
	go func() {
		defer close(l.done)
		t := time.NewTicker(r.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.endInterval(ctx, s, st)
				if r.aborts(s, st) {
					abort()
				}
			case <-l.quit:
				if time.Since(r.epoch)-r.paceStart > st.last {
					r.endInterval(context.WithoutCancel(ctx), s, st)
				}
				cpu, ok := selfCPU()
				s.Generator.Wall = time.Since(r.epoch) - r.paceStart
				s.Generator.Cores = runtime.GOMAXPROCS(0)
				if ok {
					s.Generator.CPU = cpu - cpu0
				}
				return
			}
		}
	}()
	return l
}

// stop ends the last interval and the loop; it may be called more than
// once.
func (l *intervalLoop) stop() {
	l.once.Do(func() { close(l.quit) })
	<-l.done
}

func (r *Runner) endInterval(ctx context.Context, s *Summary, st *intervalState) {
	end := time.Since(r.epoch) - r.paceStart
	iv := Interval{End: end}
	if sched := r.cfg.schedule(); sched != nil {
		iv.Intended = sched.RateAt(st.last + (end-st.last)/2)
	}
	sent, received := r.sent.Load(), r.received.Load()
	errs := r.sendErrs.Load() + r.hubErrs.Load()
	arrived := uint64(r.arrived.Load())
	iv.Sent, iv.Received, iv.Errors, iv.Arrived = sent-st.sent, received-st.received, errs-st.errors, arrived-st.arrived
	st.sent, st.received, st.errors, st.arrived = sent, received, errs, arrived
	st.sentAt = append(st.sentAt, sent)
	for _, x := range []struct {
		rec *recorder
		dst **Latency
	}{{r.rtt, &iv.RTT}, {r.late, &iv.Lateness}, {r.first, &iv.FirstResponse}} {
		h, over := x.rec.rotate()
		if h.TotalCount() > 0 {
			if l, err := NewLatency(h, over); err == nil {
				*x.dst = l
			}
		}
	}
	r.outbound.rotate()
	r.back.rotate()
	if cpu, ok := selfCPU(); ok {
		iv.CPU = cpu - st.cpu
		st.cpu = cpu
	}
	if r.cfg.MetricsURL != "-" {
		sctx, cancel := context.WithTimeout(ctx, max(r.cfg.Interval, time.Second))
		if m, ok := r.scrape(sctx); ok {
			iv.Hub = &m
			st.hub = &m
		}
		cancel()
	}
	st.last = end
	s.Intervals = append(s.Intervals, iv)
	if r.cfg.OnInterval != nil {
		r.cfg.OnInterval(iv)
	}
}

// aborts judges the thresholds with AbortOnFail on what was measured so
// far, and records the first that fails.
func (r *Runner) aborts(s *Summary, st *intervalState) bool {
	if r.cfg.Shard.Of > 1 {
		// A shard of several judges nothing, not even to abort: its
		// figures are a part of the drill's (drills.md).
		return false
	}
	for _, t := range r.cfg.Thresholds {
		if !t.AbortOnFail || st.last < t.AbortAfter {
			continue
		}
		snap := r.snapshot(s, st)
		if res := snap.judge(t); !res.OK {
			s.Aborted, s.AbortedBy = res.Text, t.Expr
			r.log.Warn("threshold failed: the run stops", "threshold", res.Text)
			return true
		}
	}
	return false
}

// snapshot is s as far as the run has gone: the counters, the
// histograms recorded so far (not encoded), and the hub from the start of
// pacing to the last scrape. A message counts as dropped only once it has
// had Drain to come back.
func (r *Runner) snapshot(s *Summary, st *intervalState) *Summary {
	v := *s
	v.Sent, v.SendErrors = r.sent.Load(), r.sendErrs.Load()
	v.Delivered, v.Echoed, v.Received = r.delivered.Load(), r.echoed.Load(), r.received.Load()
	v.HubErrors = r.hubErrs.Load()
	v.Relayed = v.Delivered + v.Received
	v.Failed, v.Assigned = int(r.failed.Load()), r.assignedCount()
	v.Arrived = r.arrived.Load()
	if v.Elapsed = st.last; v.Elapsed > 0 {
		v.RelayedPerSecond = float64(v.Relayed) / v.Elapsed.Seconds()
	}
	v.Dropped = 0
	if k := int(r.cfg.Drain / r.cfg.Interval); len(st.sentAt) > k {
		if due := st.sentAt[len(st.sentAt)-1-k]; due > v.Received {
			v.Dropped = due - v.Received
		}
	}
	v.live = map[string]*hdr.Histogram{}
	for fam, rec := range map[string]*recorder{"round_trip": r.rtt, "lateness": r.late, "outbound": r.outbound, "return": r.back, "first_response": r.first} {
		h, _ := rec.total()
		v.live[fam] = h
	}
	v.HubEnd, v.Hub = st.hub, nil
	if v.HubStart != nil && st.hub != nil {
		rep := Report(*v.HubStart, *st.hub)
		v.Hub = &rep
	}
	return &v
}

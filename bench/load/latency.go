package load

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// The latency histogram is log-linear: values below 2^subBits
// nanoseconds have a bucket each, every octave above is split into
// 2^(subBits-1) buckets, so a quantile is off by at most 1/2^(subBits-1)
// of its value (1.6 %). It records without locks.
const (
	subBits  = 7
	subCount = 1 << (subBits - 1) // buckets per octave
	nBuckets = (64-subBits+1)*subCount + subCount
)

// latencies is a concurrent histogram of durations. The zero value is
// ready; it is safe for concurrent use.
type latencies struct {
	counts [nBuckets]atomic.Uint64
	n      atomic.Uint64
	max    atomic.Int64
}

// bucketOf returns the bucket of v nanoseconds.
func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits // ≥ 1
	// v >> e is in [2^(subBits-1), 2^subBits).
	return e*subCount + int(v>>e)
}

// lowest returns the smallest value in bucket i.
func lowest(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	e := i/subCount - 1
	m := uint64(i%subCount + subCount)
	return m << e
}

func (l *latencies) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	l.counts[bucketOf(uint64(d))].Add(1)
	l.n.Add(1)
	for {
		m := l.max.Load()
		if int64(d) <= m || l.max.CompareAndSwap(m, int64(d)) {
			return
		}
	}
}

// quantile returns the q-quantile (0 < q ≤ 1): the middle of the bucket
// holding it, or the largest value recorded for q = 1; 0 when empty.
func (l *latencies) quantile(q float64) time.Duration {
	n := l.n.Load()
	if n == 0 {
		return 0
	}
	if q >= 1 {
		return time.Duration(l.max.Load())
	}
	rank := uint64(q*float64(n)) + 1 // the rank-th smallest, 1-based
	if rank > n {
		rank = n
	}
	var seen uint64
	for i := range l.counts {
		seen += l.counts[i].Load()
		if seen >= rank {
			lo, hi := lowest(i), lowest(i+1)
			v := time.Duration(lo + (hi-lo)/2)
			return min(v, time.Duration(l.max.Load()))
		}
	}
	return time.Duration(l.max.Load())
}

// Percentiles are latency quantiles.
type Percentiles struct {
	N    uint64        `json:"n"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
}

func (l *latencies) percentiles() Percentiles {
	return Percentiles{
		N: l.n.Load(), P50: l.quantile(0.5), P90: l.quantile(0.9), P99: l.quantile(0.99),
		P999: l.quantile(0.999), Max: l.quantile(1),
	}
}

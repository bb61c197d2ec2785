package load

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestLatencies_Quantile compares the histogram's quantiles with the exact
// ones of a fixed-seed lognormal sample: within the bucket width, 1/64.
func TestLatencies_Quantile(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var l latencies
	var exact []time.Duration
	for range 100_000 {
		d := time.Duration(float64(time.Millisecond) * math.Exp(r.NormFloat64()))
		l.record(d)
		exact = append(exact, d)
	}
	slices.Sort(exact)
	for _, q := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := exact[int(q*float64(len(exact)))]
		got := l.quantile(q)
		if rel := float64(got-want) / float64(want); rel > 1.0/64 || rel < -1.0/64 {
			t.Errorf("quantile(%v) = %v; want %v within 1/64 (off by %.2f%%)", q, got, want, 100*rel)
		}
	}
	if got, want := l.quantile(1), exact[len(exact)-1]; got != want {
		t.Errorf("quantile(1) = %v; want the largest, %v", got, want)
	}
	if p := l.percentiles(); p.N != 100_000 || p.P50 > p.P90 || p.P90 > p.P99 || p.P99 > p.P999 || p.P999 > p.Max {
		t.Errorf("percentiles %+v; want 100000 ordered", p)
	}
}

func TestBucketOf(t *testing.T) {
	// Buckets are contiguous and increasing: every value falls in the
	// bucket whose lowest value is at most it and whose successor's is
	// above it.
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 1 << 20, 123456789, 1 << 40, 1<<63 + 12345} {
		i := bucketOf(v)
		if lowest(i) > v || (i+1 < nBuckets && lowest(i+1) <= v) {
			t.Errorf("bucketOf(%d) = %d, holding [%d, %d); want it to hold %d", v, i, lowest(i), lowest(i+1), v)
		}
	}
}

package load

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Every latency histogram of a run has one geometry, so that histograms
// from shards merge exactly, bucket by bucket: values in nanoseconds from
// 1 µs to 1 h, three significant digits (a value is off by at most 0.1 %
// of itself; below 1 µs by less than 1 µs). A value above an hour is
// recorded as an hour and counted in Latency.Over.
const (
	histLowest  = int64(time.Microsecond)
	histHighest = int64(time.Hour)
	histDigits  = 3
)

// NewHistogram returns an empty latency histogram of the run's geometry.
func NewHistogram() *hdr.Histogram { return hdr.New(histLowest, histHighest, histDigits) }

// EncodeHistogram returns h in HdrHistogram's standard form: the V2
// compressed encoding, in base64 (what HdrHistogram's tools in Java, C,
// Python and others read: "HISTFAAA...").
func EncodeHistogram(h *hdr.Histogram) (string, error) {
	b, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
	if err != nil {
		return "", fmt.Errorf("encode histogram: %w", err)
	}
	return string(b), nil
}

// ErrHistogram: an encoded histogram that cannot be read, or not of the
// run's geometry (it would not merge exactly).
var ErrHistogram = errors.New("bad histogram")

// DecodeHistogram reads an encoded histogram. It checks the header before
// anything is allocated: the histogram must have the run's geometry, so
// that a merge is exact and a hostile file cannot make it allocate
// gigabytes.
func DecodeHistogram(s string) (*hdr.Histogram, error) {
	if err := checkGeometry(s); err != nil {
		return nil, fmt.Errorf("decode histogram: %w: %w", ErrHistogram, err)
	}
	h, err := hdr.Decode([]byte(s))
	if err != nil {
		return nil, fmt.Errorf("decode histogram: %w: %w", ErrHistogram, err)
	}
	return h, nil
}

// checkGeometry reads the header of an encoded histogram (base64 of a
// cookie, a length and a zlib stream whose first 40 bytes are the header:
// cookie, payload length, normalizing offset, significant digits, lowest,
// highest, conversion ratio) and checks its geometry.
func checkGeometry(s string) error {
	// The outer header is 8 bytes; 12 base64 characters hold 9.
	if len(s) < 12 {
		return errors.New("too short")
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("not base64: %w", err)
	}
	if len(raw) < 8 {
		return errors.New("too short")
	}
	z, err := zlib.NewReader(bytes.NewReader(raw[8:]))
	if err != nil {
		return fmt.Errorf("not compressed: %w", err)
	}
	defer z.Close()
	var head [40]byte
	if _, err := io.ReadFull(z, head[:]); err != nil {
		return fmt.Errorf("header: %w", err)
	}
	digits := int32(binary.BigEndian.Uint32(head[12:]))
	lowest := int64(binary.BigEndian.Uint64(head[16:]))
	highest := int64(binary.BigEndian.Uint64(head[24:]))
	if digits != histDigits || lowest != histLowest || highest != histHighest {
		return fmt.Errorf("geometry %d..%d at %d digits; want %d..%d ns at %d digits", lowest, highest, digits, histLowest, histHighest, histDigits)
	}
	return nil
}

// Latency is a latency distribution: a few quantiles to read, and the
// whole histogram (Hist, encoded as EncodeHistogram does), from which
// merges and reports recompute everything. Durations are in nanoseconds.
type Latency struct {
	N    int64         `json:"n"`
	Min  time.Duration `json:"min_ns"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P95  time.Duration `json:"p95_ns"`
	P99  time.Duration `json:"p99_ns"`
	P999 time.Duration `json:"p999_ns"`
	Max  time.Duration `json:"max_ns"`
	// Over counts values above an hour, recorded as an hour.
	Over int64  `json:"over,omitempty"`
	Hist string `json:"hist"`
}

// NewLatency summarises h (over values were above the histogram's range).
func NewLatency(h *hdr.Histogram, over int64) (*Latency, error) {
	enc, err := EncodeHistogram(h)
	if err != nil {
		return nil, err
	}
	l := &Latency{N: h.TotalCount(), Over: over, Hist: enc}
	if l.N > 0 {
		q := h.ValueAtPercentiles([]float64{50, 90, 95, 99, 99.9})
		l.Min, l.Max = time.Duration(h.Min()), time.Duration(h.Max())
		l.Mean = time.Duration(math.Round(h.Mean()))
		l.P50, l.P90, l.P95, l.P99, l.P999 = time.Duration(q[50]), time.Duration(q[90]), time.Duration(q[95]), time.Duration(q[99]), time.Duration(q[99.9])
	}
	return l, nil
}

// Histogram decodes l's histogram.
func (l *Latency) Histogram() (*hdr.Histogram, error) { return DecodeHistogram(l.Hist) }

// Quantile returns the p-th percentile (0 < p ≤ 100) of l's histogram.
func (l *Latency) Quantile(p float64) (time.Duration, error) {
	h, err := l.Histogram()
	if err != nil {
		return 0, err
	}
	return time.Duration(h.ValueAtPercentile(p)), nil
}

// recorder is a latency histogram many goroutines record into, read an
// interval at a time: rotate hands over the interval's histogram and
// starts the next. record is safe for concurrent use; rotate and total
// belong to one goroutine.
type recorder struct {
	mu    sync.Mutex
	cur   *hdr.Histogram // mu guards
	over  int64          // mu guards
	spare *hdr.Histogram
	all   *hdr.Histogram
	// allOver counts the over values of rotated intervals.
	allOver int64
}

func newRecorder() *recorder {
	return &recorder{cur: NewHistogram(), spare: NewHistogram(), all: NewHistogram()}
}

func (r *recorder) record(d time.Duration) {
	v := int64(d)
	over := false
	switch {
	case v < 0:
		v = 0
	case v > histHighest:
		v, over = histHighest, true
	}
	r.mu.Lock()
	r.cur.RecordValue(v)
	if over {
		r.over++
	}
	r.mu.Unlock()
}

// rotate ends the interval: it returns the interval's histogram (valid
// until the next rotate) and its over count, and adds them to the total.
func (r *recorder) rotate() (*hdr.Histogram, int64) {
	r.spare.Reset()
	r.mu.Lock()
	h, over := r.cur, r.over
	r.cur, r.over = r.spare, 0
	r.mu.Unlock()
	r.spare = h
	r.all.Merge(h)
	r.allOver += over
	return h, over
}

// total returns every value rotated so far.
func (r *recorder) total() (*hdr.Histogram, int64) { return r.all, r.allOver }

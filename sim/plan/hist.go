package plan

import "math"

// ReplyBins is the number of bins of a first-response histogram: one per
// second below 1 minute, 10 seconds wide up to 5 minutes, 30 seconds wide
// up to 10 minutes, and one for 10 minutes and more. Counts in fixed bins
// add up exactly, so the histograms of replications and shards merge
// without loss; a percentile read from them is exact to the bin.
const ReplyBins = 60 + 24 + 10 + 1

// ReplyBin returns the bin of a first response after sec seconds.
func ReplyBin(sec float64) int {
	switch {
	case !(sec >= 0):
		return 0
	case sec < 60:
		return int(sec)
	case sec < 300:
		return 60 + int((sec-60)/10)
	case sec < 600:
		return 84 + int((sec-300)/30)
	}
	return ReplyBins - 1
}

// replyBinEdges returns the bounds [lo, hi) of bin i in seconds; the last
// bin's hi is +Inf.
func replyBinEdges(i int) (lo, hi float64) {
	switch {
	case i < 60:
		return float64(i), float64(i + 1)
	case i < 84:
		lo = 60 + 10*float64(i-60)
		return lo, lo + 10
	case i < 94:
		lo = 300 + 30*float64(i-84)
		return lo, lo + 30
	}
	return 600, math.Inf(1)
}

// ReplyPercentile returns the p-th quantile (0 < p ≤ 1) of a first-response
// histogram in seconds, interpolated linearly inside its bin; 600 means 10
// minutes or more, NaN an empty histogram.
func ReplyPercentile(h []uint64, p float64) float64 {
	var total uint64
	for _, c := range h {
		total += c
	}
	if total == 0 {
		return math.NaN()
	}
	want := p * float64(total)
	var cum float64
	for i, c := range h {
		if c == 0 {
			continue
		}
		if cum+float64(c) >= want {
			lo, hi := replyBinEdges(i)
			if math.IsInf(hi, 1) {
				return lo
			}
			return lo + (want-cum)/float64(c)*(hi-lo)
		}
		cum += float64(c)
	}
	lo, _ := replyBinEdges(len(h) - 1)
	return lo
}

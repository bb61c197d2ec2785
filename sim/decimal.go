package sim

import (
	"math"
	"strconv"
)

// Decimal writes v as a decimal of at most 12 significant digits: no
// binary noise (0.1 + 0.2 is written 0.3, not 0.30000000000000004), and
// still exact enough that no target is judged otherwise from the written
// value: a rate of counts below a million differs from a target of two
// decimals by at least 1e-8. KPI files, evidence packs and statements
// write measured values this way.
func Decimal(v float64) string { return strconv.FormatFloat(v, 'g', 12, 64) }

// RoundDecimal is the float64 that Decimal(v) writes. A value pooled in
// floating point (a weighted mean of rows) is rounded with it before it
// is judged, so that the value judged is the value written: a mean that
// is 0.9 in decimals but 0.8999999999999999 in binary meets a 0.90
// target, as DOMAIN.md §5 says a value on the boundary does.
func RoundDecimal(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	r, err := strconv.ParseFloat(Decimal(v), 64)
	if err != nil {
		return v
	}
	return r
}

package sim

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// Money is an amount in fen (0.01 CNY, or the cent of the contract's
// currency). Arithmetic on Money is exact.
type Money int64

// ParseMoney reads "10000", "10000.5" or "10,000.50" (at most two decimals).
func ParseMoney(s string) (Money, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	neg := strings.HasPrefix(t, "-")
	t = strings.TrimPrefix(t, "-")
	whole, frac, hasDot := strings.Cut(t, ".")
	if whole == "" || (hasDot && (frac == "" || len(frac) > 2)) || !digits(whole) || !digits(frac) {
		return 0, fmt.Errorf("amount %q: want a number with at most two decimals, such as 10000 or 9999.50", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > 1e13 {
		return 0, fmt.Errorf("amount %q is out of range", s)
	}
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String formats m as "12345.67".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Grouped formats m with thousands separators: "12,345.67".
func (m Money) Grouped() string {
	s := m.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + b.String() + "." + frac
}

// MarshalJSON writes m as a JSON number with two decimals (2200.00), exact.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(m.String()), nil }

// UnmarshalText reads the forms ParseMoney accepts.
func (m *Money) UnmarshalText(b []byte) error {
	v, err := ParseMoney(string(b))
	if err != nil {
		return err
	}
	*m = v
	return nil
}

// UnmarshalJSON accepts a JSON number or string in the forms ParseMoney accepts.
func (m *Money) UnmarshalJSON(b []byte) error {
	return m.UnmarshalText([]byte(strings.Trim(string(b), `"`)))
}

// dec turns a float64 into the exact decimal it was written as: the shortest
// decimal that round-trips the float. 0.026 becomes 26/1000, not the binary
// 0.025999999999999998997..., so boundaries and linear interpolation between
// them come out as a person computes them by hand.
func dec(f float64) *big.Rat {
	r, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64))
	if !ok {
		// Only NaN and ±Inf fail; validation rejects them before arithmetic.
		panic(fmt.Sprintf("sim: non-finite value %v reached exact arithmetic", f))
	}
	return r
}

func ratOf(m Money) *big.Rat { return new(big.Rat).SetInt64(int64(m)) }

// roundHalfUp rounds a non-negative or negative amount of fen to the nearest
// fen, halves away from zero (half-up for the refunds, which are positive).
func roundHalfUp(r *big.Rat) Money {
	num := new(big.Int).Set(r.Num())
	den := r.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	// floor((2·num + den) / (2·den))
	twice := new(big.Int).Lsh(num, 1)
	twice.Add(twice, den)
	q := twice.Quo(twice, new(big.Int).Lsh(den, 1))
	v := q.Int64()
	if neg {
		v = -v
	}
	return Money(v)
}

// RatioPlaces is how many decimal places a statement line's ratio keeps:
// the ratio a line shows is the exact decimal its amount is computed from.
const RatioPlaces = 10

var ratioScale = new(big.Int).Exp(big.NewInt(10), big.NewInt(RatioPlaces), nil)

// lineRatio rounds r half-up to RatioPlaces decimals. A ratio derived by
// division (a linear band by thirds, a KPI measured as a share of three
// days, 0.3333333333333333) has more places than a statement can show or a
// merchant check; kept to ten, it shows as the decimal it is, and the
// amount is the fee × exactly that ratio.
func lineRatio(r *big.Rat) *big.Rat {
	// floor((2·|num|·scale + den) ÷ (2·den)), with num's sign.
	num := new(big.Int).Mul(new(big.Int).Abs(r.Num()), ratioScale)
	num.Lsh(num, 1).Add(num, r.Denom())
	q := num.Quo(num, new(big.Int).Lsh(r.Denom(), 1))
	if r.Sign() < 0 {
		q.Neg(q)
	}
	return new(big.Rat).SetFrac(q, ratioScale)
}

// fmtRatio formats a line's ratio with every place it keeps ("0.4",
// "0.1666666667").
func fmtRatio(r *big.Rat) string {
	s := r.FloatString(RatioPlaces)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// ratFloat returns r as the nearest float64.
func ratFloat(r *big.Rat) float64 {
	f, _ := r.Float64()
	return f
}

// fmtRat formats r as a short decimal for formulas ("0.38", "0.6").
func fmtRat(r *big.Rat) string {
	s := r.FloatString(6)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}

// fmtPct formats a ratio as a percentage ("38%", "12.5%").
func fmtPct(r *big.Rat) string {
	return fmtRat(new(big.Rat).Mul(r, big.NewRat(100, 1))) + "%"
}

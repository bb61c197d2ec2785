package people

import (
	"math"
	"math/rand/v2"

	"github.com/deskdrill/deskdrill/scenarios/phrases"
	"github.com/deskdrill/deskdrill/sim"
)

// Product is an item a buyer ordered, with the price paid.
type Product struct {
	Name  string
	Price sim.Money
}

// DefaultAround is the average order value NewProduct assumes when given
// none: ¥100.
const DefaultAround sim.Money = 10000

// priceSpread is σ of the log-normal spread of prices around a store's
// average order value: most items cost between ½ and 2 times it.
const priceSpread = 0.35

// NewProduct draws an item of locale loc (Chinese names for zh-CN, English
// ones from gofakeit otherwise) priced around a store's average order
// value: log-normal with mean around, kept within ¼ and 4 times it, and
// rounded the way shops price (¥189, ¥38.90). A zero or negative around
// means DefaultAround.
func NewProduct(rng *rand.Rand, loc phrases.Locale, around sim.Money) Product {
	var name string
	if loc == phrases.ZhCN {
		name = zhProductName(rng)
	} else {
		name = fakerFrom(rng).ProductName()
	}
	return Product{Name: name, Price: priceAround(rng, around)}
}

func priceAround(rng *rand.Rand, around sim.Money) sim.Money {
	if around <= 0 {
		around = DefaultAround
	}
	// exp(σZ − σ²/2) has mean 1, so prices average around.
	f := float64(around) * math.Exp(priceSpread*rng.NormFloat64()-priceSpread*priceSpread/2)
	f = math.Min(math.Max(f, float64(around)/4), float64(around)*4)
	return shopPrice(sim.Money(math.Round(f)))
}

// shopPrice rounds a price in fen to what a shop would ask: from ¥100 a
// whole number of yuan ending in 9 (¥189), from ¥10 a price ending in .90
// (¥38.90), below that a multiple of ¥0.10, at least ¥0.10.
func shopPrice(p sim.Money) sim.Money {
	switch {
	case p >= 10000:
		return (p+500)/1000*1000 - 100
	case p >= 1000:
		return (p+50)/100*100 - 10
	}
	return max((p+5)/10*10, 10)
}

func zhProductName(rng *rand.Rand) string {
	c := &zhCategories[rng.IntN(len(zhCategories))]
	var buf [96]byte
	b := append(buf[:0], c.qualities[rng.IntN(len(c.qualities))]...)
	if rng.IntN(3) == 0 { // sometimes a second quality, never the same
		i := rng.IntN(len(c.qualities))
		if q := c.qualities[i]; string(b) != q {
			b = append(b, q...)
		}
	}
	b = append(b, c.items[rng.IntN(len(c.items))]...)
	for _, v := range c.variants {
		b = append(b, ' ')
		b = append(b, v[rng.IntN(len(v))]...)
	}
	return string(b)
}

// OrderID draws a Taobao-like order number: 18 or 19 digits, leading
// with 1 to 4 (never 0, so the number survives a round trip through an
// integer).
func OrderID(rng *rand.Rand) string {
	var b [19]byte
	n := 18 + rng.IntN(2)
	b[0] = byte('1' + rng.IntN(4))
	for i := 1; i < n; i++ {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b[:n])
}

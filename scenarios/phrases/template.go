package phrases

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/deskdrill/deskdrill/sim"
)

// Slots are the values a line may name in braces: {order} {product}
// {price} {days} {name} {amount} {payer} {time}. A zero value is replaced
// by the locale's neutral word for it (the file's blanks), so a line never
// shows a raw slot.
type Slots struct {
	Order   string        // order number
	Product string        // product name
	Price   sim.Money     // price paid; shown as ¥199 or ¥89.90
	Days    int           // days since receipt, or days of waiting
	Name    string        // the buyer's name or nickname
	Amount  sim.Money     // refund or compensation; shown like Price
	Payer   sim.Payer     // who pays return or reship shipping; shown as 我们/您, us/you
	Time    time.Duration // when the promised step is done; shown as 24小时内, within 24 hours
}

type slot uint8

const (
	slotOrder slot = iota
	slotProduct
	slotPrice
	slotDays
	slotName
	slotAmount
	slotPayer
	slotTime
	numSlots
)

var slotNames = [numSlots]string{"order", "product", "price", "days", "name", "amount", "payer", "time"}

func slotNamed(name string) (slot, bool) {
	for i, n := range slotNames {
		if n == name {
			return slot(i), true
		}
	}
	return 0, false
}

// template is a line cut at its slots, parsed once at load so drawing a
// line does no scanning: text[0] slots[0] text[1] … text[len(slots)].
type template struct {
	text  []string
	slots []slot
}

// parseTemplate cuts s at its slots. A brace that does not form a known
// slot is an error, which is what guarantees no "{" reaches a buyer.
func parseTemplate(s string) (template, error) {
	var t template
	rest := s
	for {
		i := strings.IndexAny(rest, "{}")
		if i < 0 {
			t.text = append(t.text, rest)
			return t, nil
		}
		if rest[i] == '}' {
			return template{}, fmt.Errorf("a lone %q: write slots as {order}", "}")
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return template{}, fmt.Errorf("a lone %q: write slots as {order}", "{")
		}
		name := rest[i+1 : i+j]
		sl, ok := slotNamed(name)
		if !ok {
			return template{}, fmt.Errorf("unknown slot {%s} (known: %s)", name, strings.Join(slotNames[:], ", "))
		}
		t.text = append(t.text, rest[:i])
		t.slots = append(t.slots, sl)
		rest = rest[i+j+1:]
	}
}

// fill writes the line with s's values, or the locale's blanks for zero
// ones. A line without slots is returned as is, without allocating.
func (t *template) fill(l *locale, s *Slots) string {
	if len(t.slots) == 0 {
		return t.text[0]
	}
	n := 0
	for _, p := range t.text {
		n += len(p)
	}
	var b strings.Builder
	b.Grow(n + 24*len(t.slots))
	b.WriteString(t.text[0])
	for i, sl := range t.slots {
		l.writeSlot(&b, sl, s)
		b.WriteString(t.text[i+1])
	}
	return b.String()
}

func (l *locale) writeSlot(b *strings.Builder, sl slot, s *Slots) {
	var buf [32]byte
	switch sl {
	case slotOrder:
		if s.Order != "" {
			b.WriteString(s.Order)
			return
		}
	case slotProduct:
		if s.Product != "" {
			b.WriteString(s.Product)
			return
		}
	case slotName:
		if s.Name != "" {
			b.WriteString(s.Name)
			return
		}
	case slotPrice, slotAmount:
		m := s.Price
		if sl == slotAmount {
			m = s.Amount
		}
		if m > 0 {
			b.Write(appendYuan(buf[:0], m))
			return
		}
	case slotDays:
		if s.Days > 0 {
			b.Write(strconv.AppendInt(buf[:0], int64(s.Days), 10))
			return
		}
	case slotPayer:
		if w := l.payer(s.Payer); w != "" {
			b.WriteString(w)
			return
		}
	case slotTime:
		if s.Time > 0 {
			b.Write(l.appendWithin(buf[:0], s.Time))
			return
		}
	}
	b.WriteString(l.blanks[sl])
}

// appendYuan renders an amount of fen as a shop shows it: ¥199 for whole
// yuan, ¥89.90 otherwise. The stores are Chinese, so both locales use ¥.
func appendYuan(dst []byte, m sim.Money) []byte {
	dst = append(dst, "¥"...)
	dst = strconv.AppendInt(dst, int64(m)/100, 10)
	if f := int64(m) % 100; f != 0 {
		dst = append(dst, '.', byte('0'+f/10), byte('0'+f%10))
	}
	return dst
}

func (l *locale) payer(p sim.Payer) string {
	switch {
	case p == sim.PayerSeller && l.id == ZhCN:
		return "我们"
	case p == sim.PayerBuyer && l.id == ZhCN:
		return "您"
	case p == sim.PayerSeller:
		return "us"
	case p == sim.PayerBuyer:
		return "you"
	}
	return ""
}

// appendWithin renders d as the deadline of a promise, in the largest
// whole unit: 30分钟内 / within 30 minutes, 24小时内, 3天内. Days are used
// from three days up, as people say "48小时内" but "3天内". Parts of a minute
// round up, so a promise is never rendered shorter than it is.
func (l *locale) appendWithin(dst []byte, d time.Duration) []byte {
	n, unit := int64((d+time.Minute-1)/time.Minute), 0
	switch {
	case d >= 72*time.Hour && d%(24*time.Hour) == 0:
		n, unit = int64(d/(24*time.Hour)), 2
	case d >= time.Hour && d%time.Hour == 0:
		n, unit = int64(d/time.Hour), 1
	}
	if l.id == ZhCN {
		dst = strconv.AppendInt(dst, n, 10)
		return append(dst, [...]string{"分钟内", "小时内", "天内"}[unit]...)
	}
	dst = append(dst, "within "...)
	dst = strconv.AppendInt(dst, n, 10)
	dst = append(dst, [...]string{" minute", " hour", " day"}[unit]...)
	if n != 1 {
		dst = append(dst, 's')
	}
	return dst
}

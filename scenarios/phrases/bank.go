package phrases

import (
	"bytes"
	"embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

//go:embed zh-CN.yaml en.yaml
var builtin embed.FS

// Bank holds the lines of one or more locales. A Bank is read-only after
// Load or Default, so it is safe for concurrent use; the randomness comes
// from the caller's *rand.Rand, which is not.
type Bank struct {
	locales []*locale // in Locales() order
	asks    asker     // the detectors of every locale, merged

	indexOnce sync.Once // builds index for Classify on first use
	index     map[Locale]*localeIndex
}

// locale is one decoded file.
type locale struct {
	id     Locale
	blanks [numSlots]string
	// customer maps a case id (or Generic) to its lines by intent.
	customer map[string]map[Intent][]template
	agent    map[Intent][]template
	quick    []QuickReply
	asks     [numAsks][]string // regular expressions, checked at load
}

// QuickReply is a canned reply (话术) of the human console: a short title
// to pick it by and the text it sends, as written.
type QuickReply struct {
	Title string
	Text  string
}

// Default returns the built-in banks of every locale, decoded once. It
// panics if they do not decode, which the package's tests rule out.
func Default() *Bank { return defaultBank() }

var defaultBank = sync.OnceValue(func() *Bank {
	var ls []*locale
	for _, loc := range Locales() {
		name := string(loc) + ".yaml"
		data, err := builtin.ReadFile(name)
		if err != nil {
			panic(fmt.Sprintf("phrases: built-in bank %s: %v", name, err))
		}
		l, err := decode(bytes.NewReader(data), name)
		if err != nil {
			panic(fmt.Sprintf("phrases: built-in bank %s: %v", name, err))
		}
		ls = append(ls, l)
	}
	b, err := newBank(ls...)
	if err != nil {
		panic(fmt.Sprintf("phrases: built-in banks: %v", err))
	}
	return b
})

func newBank(ls ...*locale) (*Bank, error) {
	a, err := compileAsker(ls)
	if err != nil {
		return nil, err
	}
	b := &Bank{locales: ls, asks: a}
	slices.SortStableFunc(b.locales, func(x, y *locale) int {
		return slices.Index(Locales(), x.id) - slices.Index(Locales(), y.id)
	})
	return b, nil
}

// locale returns loc's lines, or the first locale the bank holds.
func (b *Bank) locale(loc Locale) *locale {
	for _, l := range b.locales {
		if l.id == loc {
			return l
		}
	}
	return b.locales[0]
}

// Customer draws a buyer's line for case caseID (sim.CaseIDs) and intent,
// with s filled in. It looks for lines in this order and uses the first
// found: the case's lines for intent, the generic lines for intent, and
// for a qualified intent ("dispute.platform") the case's and then the
// generic lines for its base ("dispute"). An unknown case id uses the
// generic lines; a locale the bank lacks uses the bank's first locale.
//
// Each call draws exactly one number from rng, so the same seed gives the
// same lines and a change of wording does not shift other draws. Customer
// panics on an intent that is not a customer intent (a programmer error;
// CustomerIntents lists them).
func (b *Bank) Customer(rng *rand.Rand, loc Locale, caseID string, intent Intent, s Slots) string {
	l := b.locale(loc)
	lines := l.customerLines(caseID, intent)
	if len(lines) == 0 {
		panic(fmt.Sprintf("phrases: %q is not a customer intent (known: %v)", intent, CustomerIntents()))
	}
	return lines[rng.IntN(len(lines))].fill(l, &s)
}

// customerLines applies Customer's fallback order.
func (l *locale) customerLines(caseID string, intent Intent) []template {
	c, g := l.customer[caseID], l.customer[Generic]
	if lines := c[intent]; len(lines) > 0 {
		return lines
	}
	if lines := g[intent]; len(lines) > 0 {
		return lines
	}
	base, q := intent.split()
	if q == "" {
		return nil
	}
	if lines := c[base]; len(lines) > 0 {
		return lines
	}
	return g[base]
}

// Agent draws a bot's line for intent (AgentIntents; ConfirmOf for an
// action) with s filled in. Like Customer it draws exactly one number from
// rng and panics on an intent that is not an agent intent.
func (b *Bank) Agent(rng *rand.Rand, loc Locale, intent Intent, s Slots) string {
	l := b.locale(loc)
	lines := l.agent[intent]
	if len(lines) == 0 {
		panic(fmt.Sprintf("phrases: %q is not an agent intent (known: %v)", intent, AgentIntents()))
	}
	return lines[rng.IntN(len(lines))].fill(l, &s)
}

// QuickReplies returns the canned replies of loc (or of the bank's first
// locale), in file order. The slice is a copy.
func (b *Bank) QuickReplies(loc Locale) []QuickReply {
	return slices.Clone(b.locale(loc).quick)
}

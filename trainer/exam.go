package trainer

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/deskdrill/deskdrill/scenarios"
	"github.com/deskdrill/deskdrill/sim"
)

// Exam is a certification exam (docs/exams.md): scripted customers that
// arrive at fixed offsets from the start of a sitting, a time limit, the
// concurrency the candidate must hold, the pass rule and the proficiency
// bands. Every candidate who sits it meets the same customers.
type Exam struct {
	Name        string `yaml:"name"`
	Title       string `yaml:"title"`
	Description string `yaml:"description"`
	// Locale is the items' language unless an item says otherwise: zh-CN
	// or en.
	Locale string `yaml:"locale"`
	// Platform names the platform profile whose thresholds time the
	// answers (default taobao).
	Platform string `yaml:"platform"`
	// TimeLimit ends a sitting that is still going; customers still
	// waiting then leave, and their conversations are judged as they are.
	TimeLimit time.Duration `yaml:"time_limit"`
	// Concurrency is the most chats the candidate holds at once: the hub
	// gives no more, and the reply gates are measured at it.
	Concurrency int `yaml:"concurrency"`
	// Seed fixes the lines the customers draw from the phrase banks where
	// an item gives none (default: derived from the name).
	Seed  uint64   `yaml:"seed"`
	Pass  PassRule `yaml:"pass"`
	Bands []Band   `yaml:"bands"`
	Items []Item   `yaml:"items"`

	// Profile is Platform resolved; Version is the hash of the exam file,
	// recorded on every report card. The loader sets both.
	Profile *sim.PlatformProfile `yaml:"-"`
	Version string               `yaml:"-"`
}

// PassRule is what a candidate must reach to pass (DOMAIN.md §4's
// certification example by default). A gate left out keeps its default;
// a gate is turned off by its lenient value (mean_score 0, no_hard_fail
// false, reply_rate_3min 0, must_escalate false).
type PassRule struct {
	// MeanScore: the mean of the item scores (an item never reached
	// scores 0) at least this (80).
	MeanScore *float64 `yaml:"mean_score"`
	// NoHardFail: no conversation with a hard fail (true).
	NoHardFail *bool `yaml:"no_hard_fail"`
	// ReplyRate3Min: rounds answered within the profile's reply threshold
	// at least this share (0.98).
	ReplyRate3Min *float64 `yaml:"reply_rate_3min"`
	// FirstResponseAvg: the mean first response at most this (30 s); a
	// first message never answered counts the unanswered-round value.
	FirstResponseAvg *time.Duration `yaml:"first_response_avg"`
	// MustEscalate: every item of kind must_escalate escalated (true).
	MustEscalate *bool `yaml:"must_escalate"`
}

// Band is a proficiency band: a score from Min up earns Name.
type Band struct {
	Name string  `yaml:"name"`
	Min  float64 `yaml:"min"`
}

// DefaultBands are DOMAIN.md §4's: 90+, 75–89, 50–74, below 50.
func DefaultBands() []Band {
	return []Band{{"excellent", 90}, {"proficient", 75}, {"developing", 50}, {"not yet", 0}}
}

// Item kinds.
const (
	KindNormal = "normal"
	// KindMustEscalate: the candidate must escalate (a safety case, a
	// batch defect); the pass rule checks it.
	KindMustEscalate = "must_escalate"
)

// Item is one scripted customer: who it is, its case, its order, what it
// says and when.
type Item struct {
	ID   string `yaml:"id"`
	Case string `yaml:"case"`
	// Kind is normal or must_escalate (default: must_escalate for the
	// cases the table always escalates).
	Kind    string `yaml:"kind"`
	Persona string `yaml:"persona"`
	Locale  string `yaml:"locale"`
	// Arrive is when the customer writes, from the start of the sitting.
	Arrive   time.Duration `yaml:"arrive"`
	Customer ItemCustomer  `yaml:"customer"`
	Order    ItemOrder     `yaml:"order"`
	// Open is the first message.
	Open  string `yaml:"open"`
	Facts Facts  `yaml:"facts"`
	// Reactions are the customer's words for what the agent does; the
	// phrase banks fill what the item leaves out.
	Reactions Reactions `yaml:"reactions"`
	// Nudges are the waits (from the start of a wait for a reply) at
	// which the customer nudges; Patience the wait at which it leaves.
	// Default: the persona's mean patience, times 1, 2, … for its nudges,
	// and once more to leave.
	Nudges   []time.Duration `yaml:"nudges"`
	Patience time.Duration   `yaml:"patience"`
}

// ItemCustomer is what the agent sees of the customer (masked by the
// hub); the people banks fill what is left out.
type ItemCustomer struct {
	Name    string `yaml:"name"`
	Phone   string `yaml:"phone"`
	Address string `yaml:"address"`
}

// ItemOrder is the customer's order. Times are how long before the
// customer's arrival: paid 3d means paid three days earlier.
type ItemOrder struct {
	ID             string        `yaml:"id"`
	Product        string        `yaml:"product"`
	Price          sim.Money     `yaml:"price"`
	CurrentPrice   sim.Money     `yaml:"current_price"`
	Paid           time.Duration `yaml:"paid"`
	Shipped        time.Duration `yaml:"shipped"`
	Received       time.Duration `yaml:"received"`
	Logistics      string        `yaml:"logistics"`
	Tracking       string        `yaml:"tracking"`
	EarlierRefunds int           `yaml:"earlier_refunds"`
}

// Facts are what the customer discloses, each only when asked
// (DOMAIN.md §3 progressive disclosure), and the details it adds unasked.
type Facts struct {
	// Order is the reply to a request for the order number.
	Order string `yaml:"order"`
	// Evidence describes the photo or video sent when evidence is asked
	// for (in words or by request_evidence).
	Evidence string `yaml:"evidence"`
	// More are details the customer adds, one per reply of the agent,
	// while the case is undecided.
	More []string `yaml:"more"`
}

// Reactions are the customer's lines for the agent's actions.
type Reactions struct {
	Accept    string   `yaml:"accept"`    // a right resolution, or an answer to a question
	Dispute   string   `yaml:"dispute"`   // a wrong resolution
	Escalated string   `yaml:"escalated"` // the agent escalated
	Nudge     []string `yaml:"nudge"`     // the nudges, in order
	Thanks    string   `yaml:"thanks"`    // after the close
}

// The exam's defaults.
const (
	DefaultTimeLimit   = 30 * time.Minute
	DefaultPlatform    = "taobao"
	DefaultMeanScore   = 80
	DefaultReplyRate   = 0.98
	DefaultFirstAnswer = 30 * time.Second
)

// personas are the customers' personas: the model's defaults (sim), so an
// exam's angry buyer is the swarm's.
var personas = func() map[string]sim.Persona {
	m := map[string]sim.Persona{}
	for _, p := range sim.DefaultPersonas() {
		m[p.Name] = p
	}
	return m
}()

// PersonaNames lists the personas an item may name.
func PersonaNames() []string {
	var out []string
	for _, p := range sim.DefaultPersonas() {
		out = append(out, p.Name)
	}
	return out
}

// Normalize fills the defaults. Validate calls it.
func (e *Exam) Normalize() {
	if e.Locale == "" {
		e.Locale = "zh-CN"
	}
	if e.Platform == "" {
		e.Platform = DefaultPlatform
	}
	if e.TimeLimit == 0 {
		e.TimeLimit = DefaultTimeLimit
	}
	if e.Concurrency == 0 {
		e.Concurrency = sim.DefaultConcurrency
	}
	if e.Seed == 0 {
		e.Seed = seedOf(e.Name)
	}
	if len(e.Bands) == 0 {
		e.Bands = DefaultBands()
	}
	e.Pass.normalize()
	for i := range e.Items {
		it := &e.Items[i]
		if it.Locale == "" {
			it.Locale = e.Locale
		}
		if it.Persona == "" {
			it.Persona = "calm"
		}
		if k, ok := sim.LookupCase(it.Case); ok && it.Kind == "" {
			it.Kind = KindNormal
			if k.EscalateAlways {
				it.Kind = KindMustEscalate
			}
		}
		if p, ok := personas[it.Persona]; ok {
			mean := p.Patience.Mean
			if len(it.Nudges) == 0 {
				for k := 1; k <= p.Nudges; k++ {
					it.Nudges = append(it.Nudges, time.Duration(k)*mean)
				}
			}
			if it.Patience == 0 {
				it.Patience = time.Duration(len(it.Nudges)+1) * mean
			}
		}
	}
}

func (r *PassRule) normalize() {
	f := func(v float64) *float64 { return &v }
	b := func(v bool) *bool { return &v }
	if r.MeanScore == nil {
		r.MeanScore = f(DefaultMeanScore)
	}
	if r.NoHardFail == nil {
		r.NoHardFail = b(true)
	}
	if r.ReplyRate3Min == nil {
		r.ReplyRate3Min = f(DefaultReplyRate)
	}
	if r.FirstResponseAvg == nil {
		d := DefaultFirstAnswer
		r.FirstResponseAvg = &d
	}
	if r.MustEscalate == nil {
		r.MustEscalate = b(true)
	}
}

// seedOf derives a seed from a name (FNV-1a), so an exam without a seed
// still draws the same lines everywhere.
func seedOf(name string) uint64 {
	h := uint64(14695981039346656037)
	for i := range len(name) {
		h ^= uint64(name[i])
		h *= 1099511628211
	}
	return h
}

// Validate normalises e and checks it. The error joins one
// *sim.FieldError per problem, with paths as in the file.
func (e *Exam) Validate() error {
	e.Normalize()
	var errs []error
	add := func(field, format string, args ...any) {
		errs = append(errs, &sim.FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if e.Name == "" {
		add("name", "is required")
	}
	if e.Locale != "zh-CN" && e.Locale != "en" {
		add("locale", "%q: want zh-CN or en", e.Locale)
	}
	if _, err := scenarios.ProfileSource(e.Platform); err != nil {
		add("platform", "%v", err)
	}
	switch {
	case e.TimeLimit < time.Minute:
		add("time_limit", "%s: want at least 1m", sim.FormatDuration(e.TimeLimit))
	case e.TimeLimit > 8*time.Hour:
		add("time_limit", "%s: an exam lasts at most 8h", sim.FormatDuration(e.TimeLimit))
	}
	if e.Concurrency < 1 || e.Concurrency > 10 {
		add("concurrency", "%d: want 1 to 10 chats at once", e.Concurrency)
	}
	p := e.Pass
	if v := *p.MeanScore; v < 0 || v > 100 {
		add("pass.mean_score", "%v: want a score from 0 to 100", v)
	}
	if v := *p.ReplyRate3Min; v < 0 || v > 1 {
		add("pass.reply_rate_3min", "%v: want a share from 0 to 1 (0.98, not 98)", v)
	}
	if v := *p.FirstResponseAvg; v <= 0 || v > time.Hour {
		add("pass.first_response_avg", "%s: want a duration above zero and at most 1h", sim.FormatDuration(v))
	}
	for i, b := range e.Bands {
		path := fmt.Sprintf("bands[%d]", i)
		if b.Name == "" {
			add(path+".name", "is required")
		}
		if b.Min < 0 || b.Min > 100 {
			add(path+".min", "%v: want a score from 0 to 100", b.Min)
		}
		if i > 0 && b.Min >= e.Bands[i-1].Min {
			add(path+".min", "%v: bands go from the best down, each below the one before (%v)", b.Min, e.Bands[i-1].Min)
		}
	}
	if n := len(e.Bands); n > 0 && e.Bands[n-1].Min != 0 {
		add(fmt.Sprintf("bands[%d].min", n-1), "%v: the last band starts at 0, so every score has one", e.Bands[n-1].Min)
	}
	switch n := len(e.Items); {
	case n == 0:
		add("items", "an exam needs at least one item")
	case n > 50:
		add("items", "%d items: an exam holds at most 50", n)
	}
	ids := map[string]int{}
	for i, it := range e.Items {
		path := fmt.Sprintf("items[%d]", i)
		if it.ID == "" {
			add(path+".id", "is required (a short name such as coupon-question)")
		} else if j, ok := ids[it.ID]; ok {
			add(path+".id", "%q is also items[%d]'s id", it.ID, j)
		} else {
			ids[it.ID] = i
		}
		k, known := sim.LookupCase(it.Case)
		if !known {
			add(path+".case", "%v", &sim.UnknownCaseError{ID: it.Case})
		}
		// An unknown case leaves an unset kind without its default; a kind
		// that was written is judged whatever the case.
		if it.Kind != KindNormal && it.Kind != KindMustEscalate && (known || it.Kind != "") {
			add(path+".kind", "%q: want normal or must_escalate", it.Kind)
		}
		if known && k.EscalateAlways && it.Kind != KindMustEscalate {
			add(path+".kind", "normal, but %s is always escalated (DOMAIN.md §2): must_escalate", it.Case)
		}
		_, knownPersona := personas[it.Persona]
		if !knownPersona {
			add(path+".persona", "unknown persona %q (known: %v)", it.Persona, PersonaNames())
		}
		// An item without its own locale has the exam's, reported once
		// above: one typo must not fill the error list item by item.
		if it.Locale != "zh-CN" && it.Locale != "en" && it.Locale != e.Locale {
			add(path+".locale", "%q: want zh-CN or en", it.Locale)
		}
		if it.Arrive < 0 || it.Arrive >= e.TimeLimit {
			add(path+".arrive", "%s: want a time from 0 to before the time limit (%s)", sim.FormatDuration(it.Arrive), sim.FormatDuration(e.TimeLimit))
		}
		if it.Open == "" {
			add(path+".open", "is required: the customer's first message")
		}
		if it.Order.Price < 0 {
			add(path+".order.price", "must not be negative")
		}
		if c := it.Order.CurrentPrice; c < 0 || c > 0 && c >= it.Order.Price {
			add(path+".order.current_price", "%s: the listing's lower price now, below the price paid (%s)", c, it.Order.Price)
		}
		for _, f := range []struct {
			name string
			d    time.Duration
		}{{"paid", it.Order.Paid}, {"shipped", it.Order.Shipped}, {"received", it.Order.Received}} {
			if f.d < 0 {
				add(path+".order."+f.name, "%s: how long before the arrival, not negative", sim.FormatDuration(f.d))
			}
		}
		if o := it.Order; o.Shipped > 0 && o.Paid > 0 && o.Shipped > o.Paid || o.Received > 0 && o.Shipped > 0 && o.Received > o.Shipped {
			add(path+".order", "paid, shipped and received must come in that order (each at most as long ago as the one before)")
		}
		if known && k.Presales && (it.Order.Paid > 0 || it.Order.Shipped > 0) {
			add(path+".order.paid", "a pre-sales question is about an order not yet paid")
		}
		if known && k.EvidenceRequired && it.Facts.Evidence == "" {
			add(path+".facts.evidence", "%s needs evidence (%s): say what the photo or video shows", it.Case, k.Evidence)
		}
		for j, d := range it.Nudges {
			if d <= 0 || j > 0 && d <= it.Nudges[j-1] {
				add(fmt.Sprintf("%s.nudges[%d]", path, j), "%s: nudges come after 0 and each after the one before", sim.FormatDuration(d))
			}
		}
		// A patience of 0 is the unknown persona's missing default,
		// already reported.
		if n := len(it.Nudges); (it.Patience < 0 || it.Patience == 0 && knownPersona) || n > 0 && it.Patience <= it.Nudges[n-1] {
			add(path+".patience", "%s: the customer leaves after its last nudge", sim.FormatDuration(it.Patience))
		}
	}
	return errors.Join(errs...)
}

// MustEscalate lists the items of kind must_escalate, in exam order.
func (e *Exam) MustEscalate() []string {
	var out []string
	for _, it := range e.Items {
		if it.Kind == KindMustEscalate {
			out = append(out, it.ID)
		}
	}
	return out
}

// Item returns the item with id.
func (e *Exam) Item(id string) (Item, bool) {
	i := slices.IndexFunc(e.Items, func(it Item) bool { return it.ID == id })
	if i < 0 {
		return Item{}, false
	}
	return e.Items[i], true
}

// BandOf names the band of score.
func (e *Exam) BandOf(score float64) string {
	for _, b := range e.Bands {
		if score >= b.Min {
			return b.Name
		}
	}
	return ""
}

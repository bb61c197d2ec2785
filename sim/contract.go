package sim

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Contract is a customer-service outsourcing contract as far as refunds go:
// the fee, the term, the KPI clauses and the rules around them. Field names
// follow the contract file format (docs/contracts.md).
type Contract struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	// Currency is an ISO code; amounts are in its hundredths. Default CNY.
	Currency   string `yaml:"currency"`
	MonthlyFee Money  `yaml:"monthly_fee"`
	TermMonths int    `yaml:"term_months"`
	// Prepaid is what the merchant paid in advance for the whole term.
	Prepaid Money `yaml:"prepaid"`
	// Stacking combines a period's deductions: sum (default) or max.
	Stacking Stacking `yaml:"stacking"`
	// Cap bounds a period's deductions as a share of the monthly fee (1.0 =
	// the whole fee). Nil means no cap. Trial, termination and unserved-part
	// refunds are outside it.
	Cap *float64 `yaml:"cap"`
	// CurePeriods is how many consecutive missed months are forgiven before
	// a clause refunds (0 = refund from the first miss). Clauses may override.
	CurePeriods int `yaml:"cure_periods"`
	// Exclusions are the reasons for which a period (or contacts, in runs)
	// is taken out of the KPIs: platform_outage, rule_change, merchant_fault,
	// blackout, or the contract's own words.
	Exclusions []string `yaml:"exclusions"`
	// AllowRatiosAboveOne permits clause ratios above 1 (a penalty larger
	// than the fee). Without it such a ratio is a validation error.
	AllowRatiosAboveOne bool `yaml:"allow_ratios_above_one"`
	// TimeoutThreshold is the contract's response-timeout threshold
	// (DOMAIN.md §1): a round whose first valid reply came later, or
	// never, is a response timeout (timeouts_per_day and the
	// count_per_day clauses). Zero takes the platform profile's
	// timeout_threshold (3 min by default). Scoring keeps the profile's:
	// the service standard is the platform's, the timeouts the contract
	// pays for are the contract's.
	TimeoutThreshold time.Duration `yaml:"timeout_threshold"`

	Clauses     []Clause     `yaml:"clauses"`
	Trial       *Trial       `yaml:"trial"`
	Termination *Termination `yaml:"termination"`
	Deposit     *Deposit     `yaml:"deposit"`
}

// ResponseTimeout is the threshold of a response timeout the contract
// agreed, for sim.NewTally: 0 (the platform profile's) when it agreed none
// or there is no contract.
func (c *Contract) ResponseTimeout() time.Duration {
	if c == nil {
		return 0
	}
	return c.TimeoutThreshold
}

// Stacking says how a period's deductions combine.
type Stacking string

// The stacking rules.
const (
	StackSum Stacking = "sum"
	StackMax Stacking = "max"
)

// ClauseKind names a kind of KPI clause.
type ClauseKind string

// The clause kinds of DOMAIN.md §5.
const (
	KindBanded      ClauseKind = "banded"
	KindPerUnit     ClauseKind = "per_unit"
	KindCountPerDay ClauseKind = "count_per_day"
	KindEvent       ClauseKind = "event"
	KindTraining    ClauseKind = "training"
)

var clauseKinds = []ClauseKind{KindBanded, KindPerUnit, KindCountPerDay, KindEvent, KindTraining}

// commonClauseFields are the fields every clause takes, whatever its kind.
var commonClauseFields = []string{"id", "kind", "description", "kpi", "cure_periods"}

// kindFields are the fields each kind takes besides commonClauseFields, as
// docs/contracts.md lists them. Any other field is an error: a banded
// clause's max_ratio would otherwise be ignored while the user believes it
// caps the refund.
var kindFields = map[ClauseKind][]string{
	KindBanded:      {"target", "bands"},
	KindPerUnit:     {"threshold", "per", "ratio", "rounding", "max_ratio"},
	KindCountPerDay: {"basis", "limit", "ratio"},
	KindEvent:       {"ratio", "daily_fees"},
	KindTraining:    {"tiers"},
}

// Fields returns the fields a clause of kind k takes besides
// commonClauseFields, by their names in the file; nil for an unknown kind.
func (k ClauseKind) Fields() []string { return slices.Clone(kindFields[k]) }

// Takes reports whether a clause of kind k may give field (a name in the
// file). Fields of no kind (typos) are not its concern: it reports false.
func (k ClauseKind) Takes(field string) bool {
	return slices.Contains(commonClauseFields, field) || slices.Contains(kindFields[k], field)
}

// NotForKind is the message for a field that kind k does not take: it
// names the kind and the fields the kind does take.
func (k ClauseKind) NotForKind() string {
	return fmt.Sprintf("does not apply to %s clauses (%s takes %s; every clause takes %s)",
		k, k, strings.Join(kindFields[k], ", "), strings.Join(commonClauseFields, ", "))
}

// given lists the kind-specific fields cl sets, by their names in the file.
func (cl *Clause) given() []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"target", cl.Target != nil}, {"bands", cl.Bands != nil},
		{"threshold", cl.Threshold != nil}, {"per", cl.Per != nil}, {"rounding", cl.Rounding != ""}, {"max_ratio", cl.MaxRatio != nil},
		{"basis", cl.Basis != ""}, {"limit", cl.Limit != nil},
		{"daily_fees", cl.DailyFees != nil}, {"tiers", cl.Tiers != nil}, {"ratio", cl.Ratio != nil},
	} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// Clause is one refund rule evaluated per period. Which fields apply
// depends on Kind; see docs/contracts.md.
type Clause struct {
	ID          string     `yaml:"id"`
	Kind        ClauseKind `yaml:"kind"`
	Description string     `yaml:"description"`
	KPI         string     `yaml:"kpi"`

	// banded: the KPI meets the contract at Target or better; Bands tile
	// the bad side from Target outwards.
	Target *float64 `yaml:"target"`
	Bands  []Band   `yaml:"bands"`

	// per_unit: Ratio (per unit) for each Per of KPI beyond Threshold,
	// rounded by Rounding, at most MaxRatio.
	Threshold *float64 `yaml:"threshold"`
	Per       *float64 `yaml:"per"`
	Rounding  Rounding `yaml:"rounding"`
	MaxRatio  *float64 `yaml:"max_ratio"`

	// count_per_day: the KPI above Limit. Basis "average" compares the
	// period's average per day (timeouts_per_day) with Limit and refunds a
	// flat Ratio; "bad_days" reads timeout_bad_day_share and interpolates
	// Ratio's range by the share of bad days.
	Limit *float64 `yaml:"limit"`
	Basis Basis    `yaml:"basis"`

	// event: per incident, Ratio of the monthly fee or DailyFees times the
	// daily fee (monthly fee ÷ days of that month).
	DailyFees *float64 `yaml:"daily_fees"`

	// training: tiers by pass rate, best first.
	Tiers []Tier `yaml:"tiers"`

	// Ratio is the refund share for per_unit (per unit), count_per_day and
	// event (per incident).
	Ratio *Ratio `yaml:"ratio"`

	// CurePeriods overrides the contract's cure period for this clause.
	CurePeriods *int `yaml:"cure_periods"`
}

// Band is one band of a banded clause. For a KPI where higher is better a
// band is [From, To); where lower is better (From, To]: a value exactly on
// a boundary belongs to the better band. A nil end is open.
type Band struct {
	From  *float64 `yaml:"from"`
	To    *float64 `yaml:"to"`
	Ratio Ratio    `yaml:"ratio"`
	// Mode chooses the ratio within a range: min, max or linear (the
	// worse end of the band takes Max). Required when Ratio is a range,
	// an error otherwise (it would choose nothing).
	Mode BandMode `yaml:"mode"`
}

// BandMode chooses a ratio within a band's range.
type BandMode string

// The band modes.
const (
	ModeMin    BandMode = "min"
	ModeMax    BandMode = "max"
	ModeLinear BandMode = "linear"
)

// Ratio is a share of the monthly fee: a single value (Min == Max), a
// range [Min, Max], or Remaining: the unserved part of the prepaid term.
type Ratio struct {
	Min, Max  float64
	Remaining bool
}

// IsRange reports whether r is a proper range.
func (r Ratio) IsRange() bool { return !r.Remaining && r.Min != r.Max }

func (r Ratio) String() string {
	switch {
	case r.Remaining:
		return "remaining"
	case r.IsRange():
		return fmt.Sprintf("[%v, %v]", r.Min, r.Max)
	}
	return fmt.Sprint(r.Min)
}

// Tier is one tier of a training clause: the KPI at Min or above (the
// last tier has no Min and takes the rest).
type Tier struct {
	Min   *float64 `yaml:"min"`
	Ratio Ratio    `yaml:"ratio"`
}

// Rounding is how per_unit counts a partial unit.
type Rounding string

// The roundings.
const (
	RoundProrate Rounding = "prorate"
	RoundFloor   Rounding = "floor"
	RoundCeil    Rounding = "ceil"
)

// Basis is what a count_per_day clause measures.
type Basis string

// The bases.
const (
	BasisAverage Basis = "average"
	BasisBadDays Basis = "bad_days"
)

// Trial is the trial period: evaluated on the KPI period labelled "trial".
// If any gate is missed, RefundRatio of Fee is refunded.
type Trial struct {
	Weeks int   `yaml:"weeks"`
	Fee   Money `yaml:"fee"`
	// RefundRatio is the share of Fee refunded on failure; nil means 1
	// (a full refund).
	RefundRatio       *float64 `yaml:"refund_ratio"`
	Gates             []Gate   `yaml:"gates"`
	ExitWithoutReason bool     `yaml:"exit_without_reason"`
}

// Gate is a trial condition: KPI at Target or better.
type Gate struct {
	KPI    string  `yaml:"kpi"`
	Target float64 `yaml:"target"`
}

// Termination is the early-termination clause: Ratio of the unserved part
// of the prepaid term is refunded (prepaid × unserved months ÷ term × ratio).
type Termination struct {
	Ratio float64 `yaml:"ratio"`
}

// Deposit is a security deposit held by the vendor.
type Deposit struct {
	Amount Money `yaml:"amount"`
	// Settle is "return" (paid back at the end of the contract) or
	// "offset_last_month" (set against the last month's fee, so returned
	// only when the contract ends before its last month).
	Settle string `yaml:"settle"`
}

// TrialPeriod is the period label a trial's KPIs carry.
const TrialPeriod = "trial"

// FieldError is a validation error at a field path such as
// "clauses[1].bands[0].to". The file layer adds the position.
type FieldError struct {
	Field string
	Msg   string
}

// Unjoin returns the errors errors.Join put together in err, or err
// alone (none for nil).
func Unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

type fieldErrors []error

func (fe *fieldErrors) add(field, format string, args ...any) {
	*fe = append(*fe, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// ClauseByID returns the clause with id.
func (c *Contract) ClauseByID(id string) (Clause, bool) {
	for _, cl := range c.Clauses {
		if cl.ID == id {
			return cl, true
		}
	}
	return Clause{}, false
}

// Normalize fills defaults: currency CNY, stacking sum, band and clause
// details that have one obvious value. It is called by Validate.
func (c *Contract) Normalize() {
	if c.Currency == "" {
		c.Currency = "CNY"
	}
	if c.Stacking == "" {
		c.Stacking = StackSum
	}
	for i := range c.Clauses {
		cl := &c.Clauses[i]
		if cl.Kind == KindTraining && cl.KPI == "" {
			cl.KPI = "training_pass_rate"
		}
		if cl.Kind == KindCountPerDay {
			if cl.Basis == "" {
				cl.Basis = BasisAverage
			}
			if cl.KPI == "" {
				if cl.Basis == BasisBadDays {
					cl.KPI = "timeout_bad_day_share"
				} else {
					cl.KPI = "timeouts_per_day"
				}
			}
		}
		if cl.Kind == KindPerUnit && cl.Rounding == "" {
			cl.Rounding = RoundProrate
		}
	}
	if c.Deposit != nil && c.Deposit.Settle == "" {
		c.Deposit.Settle = "return"
	}
}

// Validate normalises c and checks it. The error joins one *FieldError per
// problem, so a user sees every mistake at once.
func (c *Contract) Validate() error {
	c.Normalize()
	var fe fieldErrors
	if c.Name == "" {
		fe.add("name", "is required")
	}
	if len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency {
		fe.add("currency", "%q is not a three-letter ISO code such as CNY", c.Currency)
	}
	if c.MonthlyFee <= 0 {
		fe.add("monthly_fee", "is required and must be above zero")
	}
	if c.TermMonths < 0 {
		fe.add("term_months", "must not be negative")
	}
	if c.Prepaid < 0 {
		fe.add("prepaid", "must not be negative")
	}
	if c.Prepaid > 0 && c.TermMonths == 0 {
		fe.add("term_months", "is required when prepaid is set (the unserved part is prepaid × unserved months ÷ term)")
	}
	if c.Stacking != StackSum && c.Stacking != StackMax {
		fe.add("stacking", "%q: want sum or max", c.Stacking)
	}
	if c.Cap != nil {
		c.checkRatio(&fe, "cap", *c.Cap)
	}
	if c.CurePeriods < 0 {
		fe.add("cure_periods", "must not be negative")
	}
	switch d := c.TimeoutThreshold; {
	case d < 0:
		fe.add("timeout_threshold", "%s: must be above zero (leave it out for the platform profile's)", FormatDuration(d))
	case d > 366*24*time.Hour:
		fe.add("timeout_threshold", "%s is longer than a year", FormatDuration(d))
	}
	for i, x := range c.Exclusions {
		if strings.TrimSpace(x) == "" {
			fe.add(fmt.Sprintf("exclusions[%d]", i), "is empty")
		}
	}
	seen := map[string]int{}
	for i := range c.Clauses {
		path := fmt.Sprintf("clauses[%d]", i)
		cl := &c.Clauses[i]
		if cl.ID == "" {
			fe.add(path+".id", "is required")
		} else if j, dup := seen[cl.ID]; dup {
			fe.add(path+".id", "%q is also the id of clauses[%d]", cl.ID, j)
		} else {
			seen[cl.ID] = i
		}
		c.validateClause(&fe, path, cl)
	}
	if t := c.Trial; t != nil {
		if t.Weeks < 1 || t.Weeks > 4 {
			fe.add("trial.weeks", "%d: a trial lasts 1 to 4 weeks", t.Weeks)
		}
		if t.Fee <= 0 {
			fe.add("trial.fee", "must be above zero (what was paid for the trial)")
		}
		if t.RefundRatio != nil {
			c.checkRatio(&fe, "trial.refund_ratio", *t.RefundRatio)
		}
		if len(t.Gates) == 0 {
			fe.add("trial.gates", "at least one gate is required")
		}
		for i, g := range t.Gates {
			p := fmt.Sprintf("trial.gates[%d]", i)
			if k, ok := checkKPIField(&fe, p+".kpi", g.KPI); ok {
				if err := k.CheckValue(g.Target); err != nil {
					fe.add(p+".target", "%v", err)
				}
			}
		}
	}
	if t := c.Termination; t != nil {
		c.checkRatio(&fe, "termination.ratio", t.Ratio)
		if c.Prepaid <= 0 || c.TermMonths <= 0 {
			fe.add("termination", "needs prepaid and term_months (%s)", c.missingTerms())
		}
	}
	if d := c.Deposit; d != nil {
		if d.Amount <= 0 {
			fe.add("deposit.amount", "must be above zero")
		}
		if d.Settle != "return" && d.Settle != "offset_last_month" {
			fe.add("deposit.settle", "%q: want return or offset_last_month", d.Settle)
		}
	}
	return errors.Join(fe...)
}

func (c *Contract) checkRatio(fe *fieldErrors, path string, v float64) {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		fe.add(path, "is not a number")
	case v < 0:
		fe.add(path, "%v: a ratio must not be negative", v)
	case v > 1 && !c.AllowRatiosAboveOne:
		fe.add(path, "%v: a ratio is a share of the fee in [0, 1] (0.3 = 30 %%); set allow_ratios_above_one: true to mean more than the whole fee", v)
	}
}

// missingTerms says which of prepaid and term_months the contract lacks.
func (c *Contract) missingTerms() string {
	switch {
	case c.Prepaid <= 0 && c.TermMonths <= 0:
		return "neither is set"
	case c.Prepaid <= 0:
		return "prepaid is not set"
	}
	return "term_months is not set"
}

func (c *Contract) checkRatioSpec(fe *fieldErrors, path string, r Ratio, remainingOK bool) {
	if r.Remaining {
		if !remainingOK {
			fe.add(path, "remaining (the unserved prepaid part) is allowed only in banded and training clauses")
		} else if c.Prepaid <= 0 || c.TermMonths <= 0 {
			fe.add(path, "remaining needs prepaid and term_months in the contract (%s)", c.missingTerms())
		}
		return
	}
	c.checkRatio(fe, path, r.Min)
	if r.Max != r.Min {
		c.checkRatio(fe, path, r.Max)
		if r.Max < r.Min {
			fe.add(path, "range [%v, %v] runs backwards: write [low, high]", r.Min, r.Max)
		}
	}
}

func checkKPIField(fe *fieldErrors, path, id string) (KPI, bool) {
	if id == "" {
		fe.add(path, "is required")
		return KPI{}, false
	}
	k, ok := LookupKPI(id)
	if !ok {
		fe.add(path, "%v", &UnknownKPIError{ID: id})
	}
	return k, ok
}

func (c *Contract) validateClause(fe *fieldErrors, path string, cl *Clause) {
	if !slices.Contains(clauseKinds, cl.Kind) {
		fe.add(path+".kind", "%q: want one of %v", cl.Kind, clauseKinds)
		return
	}
	if cl.CurePeriods != nil && *cl.CurePeriods < 0 {
		fe.add(path+".cure_periods", "must not be negative")
	}
	for _, f := range cl.given() {
		if !cl.Kind.Takes(f) {
			fe.add(path+"."+f, "%s", cl.Kind.NotForKind())
		}
	}
	// An unknown KPI skips only the checks that need its unit or direction
	// (values in range, band order); the rest still run, so one typo does
	// not hide the clause's other problems.
	k, known := checkKPIField(fe, path+".kpi", cl.KPI)
	kpi := &k
	if !known {
		kpi = nil
	}
	value := func(field string, v *float64) {
		if v != nil && kpi != nil {
			if err := kpi.CheckValue(*v); err != nil {
				fe.add(path+"."+field, "%v", err)
			}
		}
	}
	switch cl.Kind {
	case KindBanded:
		before := len(*fe)
		if cl.Target == nil {
			fe.add(path+".target", "is required for a banded clause")
		}
		value("target", cl.Target)
		c.validateBands(fe, path, cl, kpi, before)
	case KindPerUnit:
		if cl.Threshold == nil {
			fe.add(path+".threshold", "is required for a per_unit clause")
		}
		value("threshold", cl.Threshold)
		if cl.Per == nil || *cl.Per <= 0 || math.IsNaN(*cl.Per) || math.IsInf(*cl.Per, 0) {
			fe.add(path+".per", "is required and must be above zero (the size of one unit: 0.01 for one percentage point, 60 for a minute)")
		}
		if cl.Ratio == nil {
			fe.add(path+".ratio", "is required (the share of the fee per unit)")
		} else if cl.Ratio.IsRange() || cl.Ratio.Remaining {
			fe.add(path+".ratio", "must be a single number for a per_unit clause")
		} else {
			c.checkRatio(fe, path+".ratio", cl.Ratio.Min)
		}
		if cl.MaxRatio != nil {
			c.checkRatio(fe, path+".max_ratio", *cl.MaxRatio)
		}
		switch cl.Rounding {
		case RoundProrate, RoundFloor, RoundCeil:
		default:
			fe.add(path+".rounding", "%q: want prorate, floor or ceil", cl.Rounding)
		}
	case KindCountPerDay:
		if cl.Limit == nil || *cl.Limit < 0 {
			fe.add(path+".limit", "is required and must not be negative (e.g. 5 timeouts per day)")
		}
		if cl.Ratio == nil {
			fe.add(path+".ratio", "is required")
		} else {
			c.checkRatioSpec(fe, path+".ratio", *cl.Ratio, false)
		}
		switch cl.Basis {
		case BasisAverage:
			if kpi != nil && kpi.Unit != UnitCountPerDay {
				fe.add(path+".kpi", "%s is not a per-day count; basis average needs one such as timeouts_per_day", kpi.ID)
			}
			if cl.Ratio != nil && cl.Ratio.IsRange() {
				fe.add(path+".ratio", "basis average takes a single ratio; a range needs basis: bad_days")
			}
		case BasisBadDays:
			if kpi != nil && kpi.ID != "timeout_bad_day_share" {
				fe.add(path+".kpi", "basis bad_days reads timeout_bad_day_share, not %s", kpi.ID)
			}
		default:
			fe.add(path+".basis", "%q: want average or bad_days", cl.Basis)
		}
	case KindEvent:
		if kpi != nil && kpi.Unit != UnitCount {
			fe.add(path+".kpi", "%s is not an incident count: event clauses read incident.NAME or another count", kpi.ID)
		}
		switch {
		case cl.Ratio != nil && cl.DailyFees != nil:
			fe.add(path+".daily_fees", "give either ratio (share of the monthly fee) or daily_fees per incident, not both")
		case cl.Ratio != nil:
			if cl.Ratio.IsRange() || cl.Ratio.Remaining {
				fe.add(path+".ratio", "must be a single number for an event clause")
			} else {
				c.checkRatio(fe, path+".ratio", cl.Ratio.Min)
			}
		case cl.DailyFees != nil:
			if *cl.DailyFees <= 0 || math.IsNaN(*cl.DailyFees) || math.IsInf(*cl.DailyFees, 0) {
				fe.add(path+".daily_fees", "must be above zero")
			}
		default:
			fe.add(path+".ratio", "an event clause needs ratio or daily_fees per incident")
		}
	case KindTraining:
		c.validateTiers(fe, path, cl, kpi)
	}
}

func (c *Contract) validateTiers(fe *fieldErrors, path string, cl *Clause, k *KPI) {
	if k != nil && k.Direction != HigherIsBetter {
		fe.add(path+".kpi", "%s: training tiers need a KPI where higher is better", k.ID)
	}
	if len(cl.Tiers) == 0 {
		fe.add(path+".tiers", "at least one tier is required")
		return
	}
	for i, t := range cl.Tiers {
		p := fmt.Sprintf("%s.tiers[%d]", path, i)
		c.checkRatioSpec(fe, p+".ratio", t.Ratio, true)
		if t.Ratio.IsRange() {
			fe.add(p+".ratio", "a tier takes a single ratio or remaining")
		}
		last := i == len(cl.Tiers)-1
		switch {
		case t.Min == nil && !last:
			fe.add(p+".min", "only the last tier may leave min out")
		case t.Min != nil && last && *t.Min > 0:
			fe.add(p+".min", "the last tier must take every value below the others: leave min out (or 0)")
		case t.Min != nil:
			if k != nil {
				if err := k.CheckValue(*t.Min); err != nil {
					fe.add(p+".min", "%v", err)
				}
			}
			if i > 0 && cl.Tiers[i-1].Min != nil && *t.Min >= *cl.Tiers[i-1].Min {
				fe.add(p+".min", "%v is not below the tier before (%v): list tiers best first", *t.Min, *cl.Tiers[i-1].Min)
			}
		}
	}
}

// validateBands checks that the bands tile the bad side of the KPI from the
// target outwards: no overlap, no gap, the last band open (or reaching the
// unit's bound), a mode with every range and only with a range, linear
// only on closed bands. Each band is checked on its own first. The tiling
// needs the KPI (k is nil when it is unknown), the target and every band's
// ends; it is checked unless one of those is missing or wrong (fe's
// entries after its first before ones are the target's). A mistake in a
// ratio or a mode, or anywhere else in the contract, does not hide an
// overlap or a gap here, and the walk goes on after one.
func (c *Contract) validateBands(fe *fieldErrors, path string, cl *Clause, k *KPI, before int) {
	if len(cl.Bands) == 0 {
		fe.add(path+".bands", "at least one band is required")
		return
	}
	endsOK := len(*fe) == before // the target is present and in range
	type band struct {
		i int
		b Band
	}
	bs := make([]band, len(cl.Bands))
	for i, b := range cl.Bands {
		bs[i] = band{i, b}
		p := fmt.Sprintf("%s.bands[%d]", path, i)
		c.checkRatioSpec(fe, p+".ratio", b.Ratio, true)
		if b.From == nil && b.To == nil {
			fe.add(p, "a band needs from, to or both")
			endsOK = false
		}
		if b.From != nil && b.To != nil && *b.From >= *b.To {
			fe.add(p+".to", "%v is not above from (%v)", *b.To, *b.From)
			endsOK = false
		}
		for _, end := range []struct {
			name string
			v    *float64
		}{{"from", b.From}, {"to", b.To}} {
			if end.v != nil && k != nil {
				if err := k.CheckValue(*end.v); err != nil {
					fe.add(p+"."+end.name, "%v", err)
					endsOK = false
				}
			}
		}
		// A mode chooses within a range: a range needs one, a single
		// number or remaining takes none.
		switch {
		case b.Mode != "" && b.Mode != ModeMin && b.Mode != ModeMax && b.Mode != ModeLinear:
			fe.add(p+".mode", "%q: want min, max or linear", b.Mode)
		case b.Ratio.Remaining && b.Mode != "":
			fe.add(p+".mode", "remaining takes no mode")
		case !b.Ratio.IsRange() && b.Mode != "":
			fe.add(p+".mode", "%q chooses within a range, and the ratio %v is a single number: write ratio: [low, high] or leave mode out", b.Mode, b.Ratio)
		case b.Ratio.IsRange() && b.Mode == "":
			fe.add(p+".mode", "ratio is a range: say how to choose in it (min, max or linear)")
		case b.Ratio.IsRange() && b.Mode == ModeLinear && (b.From == nil || b.To == nil):
			fe.add(p+".mode", "linear needs a closed band (both from and to)")
		}
	}
	if !endsOK || k == nil || cl.Target == nil {
		return
	}
	higher := k.Direction == HigherIsBetter
	// Order from the target outwards: for higher-is-better by falling To,
	// for lower-is-better by rising From.
	key := func(b Band) float64 {
		if higher {
			if b.To == nil {
				return math.Inf(1)
			}
			return -*b.To
		}
		if b.From == nil {
			return math.Inf(-1)
		}
		return *b.From
	}
	sort.SliceStable(bs, func(a, b int) bool { return key(bs[a].b) < key(bs[b].b) })
	target := *cl.Target
	inner := func(b Band) *float64 { // the end nearer the target
		if higher {
			return b.To
		}
		return b.From
	}
	outer := func(b Band) *float64 {
		if higher {
			return b.From
		}
		return b.To
	}
	edge := target
	for n, x := range bs {
		p := fmt.Sprintf("%s.bands[%d]", path, x.i)
		in := inner(x.b)
		side := "to"
		if !higher {
			side = "from"
		}
		// After a misplaced band the walk goes on from where that band
		// ends, so each later band is checked against its neighbour.
		switch {
		case in == nil:
			fe.add(p+"."+side, "is required: the band must start where the band before it ends (%v)", edge)
		case *in != edge && n == 0:
			fe.add(p+"."+side, "%v: the first band must start at the target %v (add a band with ratio 0 for a tolerance zone)", *in, target)
		case *in != edge && (higher && *in > edge || !higher && *in < edge):
			fe.add(p+"."+side, "%v overlaps the band before it, which ends at %v", *in, edge)
		case *in != edge:
			fe.add(p+"."+side, "%v leaves a gap after the band before it, which ends at %v", *in, edge)
		}
		out := outer(x.b)
		if out == nil {
			if n != len(bs)-1 {
				fe.add(p, "an open band must be the last one outwards from the target")
			}
			return
		}
		edge = *out
	}
	// The last band is closed: it must reach the unit's bound.
	bound, ok := 0.0, true
	if !higher {
		ok = k.Unit == UnitFraction
		bound = 1
	}
	if !ok || edge != bound {
		fe.add(fmt.Sprintf("%s.bands[%d]", path, bs[len(bs)-1].i), "values beyond %v fall in no band: leave the last band open (drop its %s)", edge, map[bool]string{true: "from", false: "to"}[higher])
	}
}

package sim

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strings"
	"time"
)

// ErrMonthsServedMissing is returned when a clause must refund the unserved
// part of the prepaid term and the input does not say how many months were
// served.
var ErrMonthsServedMissing = errors.New("months served unknown (--terminate-after-months)")

// PeriodKPIs holds the KPI values of one period: a month "2026-11" or the
// trial ("trial"). A day "2026-03-02" may stand beside them (a trial's daily
// record): its values are checked but no clause judges a day.
type PeriodKPIs struct {
	Period string
	Values KPIValues
	// Excluded takes the whole period out of the KPI clauses for one of the
	// contract's exclusion reasons (platform_outage, blackout, ...).
	Excluded string
	// Evidence lists, per KPI id, the conversations behind its value (the
	// breached rounds), carried into the statement's items.
	Evidence map[string][]string
	// Unevaluated says, per KPI id left out of Values on purpose, why (the
	// dispute-refund rate without a paid-order count): the statement's
	// skipped clauses give the reason instead of "not supplied".
	Unevaluated map[string]string
}

// missing returns why kpi has no value in p.
func (p PeriodKPIs) missing(kpi string) string {
	if why := p.Unevaluated[kpi]; why != "" {
		return kpi + " not evaluated: " + why
	}
	return kpi + " not supplied"
}

// RefundInput is what a statement is computed from.
type RefundInput struct {
	Periods []PeriodKPIs
	// MonthsServed, when set, ends the contract after that many months:
	// the termination clause and the deposit are settled.
	MonthsServed *int
}

// InputError is bad refund input: a period or a value that cannot be used.
type InputError struct {
	Period string
	KPI    string
	Err    error
}

func (e *InputError) Error() string {
	var b strings.Builder
	if e.Period != "" {
		b.WriteString("period " + e.Period + ": ")
	}
	if e.KPI != "" {
		b.WriteString(e.KPI + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *InputError) Unwrap() error { return e.Err }

// Item is one line of a refund statement with the evidence behind it.
type Item struct {
	Period   string   `json:"period"`
	Clause   string   `json:"clause"`
	Kind     string   `json:"kind"`
	KPI      string   `json:"kpi,omitempty"`
	Measured *float64 `json:"measured"`
	Target   *float64 `json:"target"`
	Band     string   `json:"band"`
	Ratio    *float64 `json:"ratio"`
	Amount   Money    `json:"amount"`
	Formula  string   `json:"formula"`
	Reason   string   `json:"reason"`
	Evidence []string `json:"evidence,omitempty"`
}

// Skipped is a clause the statement could not evaluate, and why. A day row
// (IsDayPeriod) is listed once with no clause.
type Skipped struct {
	Period string `json:"period"`
	Clause string `json:"clause"`
	KPI    string `json:"kpi,omitempty"`
	Reason string `json:"reason"`
}

// Statement is an itemised refund: what the vendor owes, clause by clause.
// Total is the sum of the items' amounts.
type Statement struct {
	Contract     string    `json:"contract"`
	Currency     string    `json:"currency"`
	MonthlyFee   Money     `json:"monthly_fee"`
	Periods      []string  `json:"periods"`
	MonthsServed *int      `json:"months_served,omitempty"`
	Items        []Item    `json:"items"`
	Skipped      []Skipped `json:"skipped"`
	Total        Money     `json:"total"`
}

// parsePeriod reads "2026-11" (a month) or "trial".
func parsePeriod(p string) (month time.Time, isTrial bool, err error) {
	if p == TrialPeriod {
		return time.Time{}, true, nil
	}
	t, err := time.Parse("2006-01", p)
	if err != nil || t.Format("2006-01") != p {
		return time.Time{}, false, fmt.Errorf("period %q: want a month such as 2026-11, or %q", p, TrialPeriod)
	}
	return t, false, nil
}

// IsDayPeriod reports whether p is a calendar day such as "2026-03-02": a
// row of a trial's daily record. Contracts judge months and the trial,
// never a day, so Refund lists such a row as not evaluated.
func IsDayPeriod(p string) bool {
	t, err := time.Parse(time.DateOnly, p)
	return err == nil && t.Format(time.DateOnly) == p
}

// DayNotJudged is the reason a day row is not evaluated.
const DayNotJudged = "a day is not a contract period: clauses judge months and the trial (this row is part of the daily record)"

// daysIn returns the days of the month starting at m.
func daysIn(m time.Time) int { return m.AddDate(0, 1, -1).Day() }

func ptr[T any](v T) *T { return &v }

// Refund computes the statement of in under c. c must be valid (Validate).
// Clauses whose KPI is not supplied are listed in Skipped, not guessed.
func (c *Contract) Refund(in RefundInput) (*Statement, error) {
	type period struct {
		PeriodKPIs
		month time.Time
		trial bool
	}
	ps := make([]period, 0, len(in.Periods))
	seen := map[string]bool{}
	var days []Skipped
	for _, p := range in.Periods {
		day := IsDayPeriod(p.Period)
		var (
			m     time.Time
			trial bool
			err   error
		)
		if !day {
			if m, trial, err = parsePeriod(p.Period); err != nil {
				return nil, &InputError{Err: err}
			}
		}
		if seen[p.Period] {
			return nil, &InputError{Period: p.Period, Err: errors.New("given twice")}
		}
		seen[p.Period] = true
		for _, id := range sortedKeys(p.Values) {
			k, ok := LookupKPI(id)
			if !ok {
				return nil, &InputError{Period: p.Period, Err: &UnknownKPIError{ID: id}}
			}
			if err := k.CheckValue(p.Values[id]); err != nil {
				return nil, &InputError{Period: p.Period, KPI: id, Err: err}
			}
		}
		if day {
			days = append(days, Skipped{Period: p.Period, Reason: DayNotJudged})
			continue
		}
		if err := c.CheckExclusion(p.Excluded); err != nil {
			return nil, &InputError{Period: p.Period, Err: err}
		}
		if trial && c.Trial == nil {
			return nil, &InputError{Period: p.Period, Err: fmt.Errorf("contract %s has no trial clause", c.Name)}
		}
		ps = append(ps, period{p, m, trial})
	}
	if n := in.MonthsServed; n != nil && (*n < 0 || c.TermMonths > 0 && *n > c.TermMonths) {
		return nil, &InputError{Err: fmt.Errorf("months served %d: want 0 to the term of %d months", *n, c.TermMonths)}
	}
	// Trial first, then months in calendar order: cure periods count
	// consecutive months.
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].trial != ps[b].trial {
			return ps[a].trial
		}
		return ps[a].month.Before(ps[b].month)
	})

	st := &Statement{Contract: c.Name, Currency: c.Currency, MonthlyFee: c.MonthlyFee, MonthsServed: in.MonthsServed,
		Items: []Item{}, Skipped: append([]Skipped{}, days...)}
	e := evaluator{c: c, monthsServed: in.MonthsServed, streak: map[string]int{}}
	var prev time.Time
	for _, p := range ps {
		st.Periods = append(st.Periods, p.Period)
		if p.trial {
			st.Items = append(st.Items, e.trial(p.PeriodKPIs, &st.Skipped)...)
			continue
		}
		if !prev.IsZero() && !p.month.Equal(prev.AddDate(0, 1, 0)) {
			clear(e.streak) // a gap between months breaks every streak
		}
		prev = p.month
		items, err := e.month(p.PeriodKPIs, p.month, &st.Skipped)
		if err != nil {
			return nil, err
		}
		st.Items = append(st.Items, items...)
	}
	if in.MonthsServed != nil {
		st.Items = append(st.Items, e.termination(*in.MonthsServed)...)
	}
	for _, it := range st.Items {
		st.Total += it.Amount
	}
	return st, nil
}

// CheckExclusion returns why the contract does not grant an exclusion
// reason, or nil ("" excludes nothing).
func (c *Contract) CheckExclusion(reason string) error {
	if reason == "" || slices.Contains(c.Exclusions, reason) {
		return nil
	}
	return fmt.Errorf("exclusion %q is not granted by contract %s (it grants: %s)", reason, c.Name, orNone(c.Exclusions))
}

func orNone(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

type evaluator struct {
	c            *Contract
	monthsServed *int
	streak       map[string]int // clause id → consecutive missed months so far
	unservedPaid string         // the clause that already refunded the unserved part
}

// outcome is a clause's verdict on one period before money.
type outcome struct {
	missed    bool
	ratio     *big.Rat // share of the fee; nil with remaining
	remaining bool
	band      string
	formula   string // how the ratio was found
	reason    string
	fee       *big.Rat // the base the ratio applies to; nil = monthly fee
	feeText   string
}

func (e *evaluator) month(p PeriodKPIs, month time.Time, skipped *[]Skipped) ([]Item, error) {
	c := e.c
	fee := ratOf(c.MonthlyFee)
	var items []Item
	var capped []int // indexes of items that count towards stacking and the cap
	for _, cl := range c.Clauses {
		v, ok := p.Values[cl.KPI]
		if p.Excluded != "" {
			*skipped = append(*skipped, Skipped{p.Period, cl.ID, cl.KPI, "period excluded: " + p.Excluded})
			delete(e.streak, cl.ID) // neither met nor missed: the misses around it are not consecutive
			continue
		}
		if !ok {
			*skipped = append(*skipped, Skipped{p.Period, cl.ID, cl.KPI, p.missing(cl.KPI)})
			delete(e.streak, cl.ID)
			continue
		}
		o := evaluate(cl, v, month)
		it := Item{Period: p.Period, Clause: cl.ID, Kind: string(cl.Kind), KPI: cl.KPI, Measured: ptr(v),
			Target: clauseTarget(cl), Band: o.band, Reason: o.reason, Evidence: p.Evidence[cl.KPI]}
		if !o.missed {
			delete(e.streak, cl.ID)
			it.Ratio = ptr(0.0)
			it.Formula = o.formula
			items = append(items, it)
			continue
		}
		e.streak[cl.ID]++
		cure := c.CurePeriods
		if cl.CurePeriods != nil {
			cure = *cl.CurePeriods
		}
		if n := e.streak[cl.ID]; n <= cure {
			it.Ratio = ptr(0.0)
			it.Formula = o.formula
			it.Reason = fmt.Sprintf("%s; in cure period (miss %d of %d forgiven)", o.reason, n, cure)
			items = append(items, it)
			continue
		}
		if o.remaining {
			amt, formula, reason, err := e.unserved(cl.ID, 1)
			if err != nil {
				return nil, &InputError{Period: p.Period, KPI: cl.KPI, Err: fmt.Errorf("clause %s: %s %v falls in the band that refunds the unserved prepaid part: %w", cl.ID, cl.KPI, v, err)}
			}
			it.Amount = amt
			it.Formula = formula
			it.Reason = o.reason + "; " + reason
			items = append(items, it)
			continue
		}
		base, baseText := fee, c.MonthlyFee.String()
		if o.fee != nil {
			base, baseText = o.fee, o.feeText
		}
		// A ratio is a share of the fee in [0, 1] unless the contract
		// allows more (DOMAIN.md §5): a per_unit or event line multiplies
		// its ratio and may not refund more than the whole fee.
		if one := big.NewRat(1, 1); !c.AllowRatiosAboveOne && o.ratio.Cmp(one) > 0 {
			o.formula += ", at most 100% of the fee"
			it.Reason += "; a line refunds at most the whole fee (allow_ratios_above_one is false)"
			o.ratio = one
		}
		ratio := lineRatio(o.ratio)
		it.Ratio = ptr(ratFloat(ratio))
		it.Amount = roundHalfUp(new(big.Rat).Mul(base, ratio))
		it.Formula = fmt.Sprintf("%s; %s × %s = %s", o.formula, baseText, fmtRatio(ratio), it.Amount)
		capped = append(capped, len(items))
		items = append(items, it)
	}
	items = append(items, e.stackAndCap(p.Period, items, capped)...)
	return items, nil
}

// stackAndCap adds the adjustment lines that apply the stacking rule and the
// cap to the period's deductions, so the total stays the sum of the lines.
func (e *evaluator) stackAndCap(period string, items []Item, idx []int) []Item {
	c := e.c
	var adj []Item
	var sum, max Money
	maxClause := ""
	for _, i := range idx {
		sum += items[i].Amount
		if items[i].Amount > max {
			max, maxClause = items[i].Amount, items[i].Clause
		}
	}
	total := sum
	if c.Stacking == StackMax && len(idx) > 1 && sum > max {
		adj = append(adj, Item{Period: period, Clause: "stacking", Kind: "adjustment", Amount: max - sum,
			Formula: fmt.Sprintf("max(deductions) − sum(deductions) = %s − %s", max, sum),
			Reason:  fmt.Sprintf("the contract stacks by max: only the largest deduction (%s) is owed", maxClause)})
		total = max
	}
	if c.Cap != nil {
		limit := roundHalfUp(new(big.Rat).Mul(ratOf(c.MonthlyFee), dec(*c.Cap)))
		if total > limit {
			adj = append(adj, Item{Period: period, Clause: "cap", Kind: "adjustment", Ratio: ptr(*c.Cap), Amount: limit - total,
				Formula: fmt.Sprintf("cap %s × %s = %s; deductions %s", c.MonthlyFee, fmtRat(dec(*c.Cap)), limit, total),
				Reason:  fmt.Sprintf("the period's deductions are capped at %s of the monthly fee", fmtPct(dec(*c.Cap)))})
		}
	}
	return adj
}

// unserved refunds share of the unserved part of the prepaid term, once.
func (e *evaluator) unserved(clause string, share float64) (Money, string, string, error) {
	c := e.c
	if e.monthsServed == nil {
		return 0, "", "", ErrMonthsServedMissing
	}
	if e.unservedPaid != "" {
		return 0, "unserved part already refunded", "the unserved part is refunded once, by " + e.unservedPaid, nil
	}
	e.unservedPaid = clause
	served := *e.monthsServed
	unservedMonths := c.TermMonths - served
	r := new(big.Rat).Mul(ratOf(c.Prepaid), big.NewRat(int64(unservedMonths), int64(c.TermMonths)))
	r.Mul(r, dec(share))
	amt := roundHalfUp(r)
	formula := fmt.Sprintf("prepaid %s × (%d − %d) ÷ %d × %s = %s", c.Prepaid, c.TermMonths, served, c.TermMonths, fmtRat(dec(share)), amt)
	return amt, formula, fmt.Sprintf("%d of %d prepaid months unserved", unservedMonths, c.TermMonths), nil
}

func (e *evaluator) termination(served int) []Item {
	c := e.c
	var items []Item
	if t := c.Termination; t != nil {
		it := Item{Period: "termination", Clause: "termination", Kind: "termination", Measured: ptr(float64(served)),
			Target: ptr(float64(c.TermMonths)), Ratio: ptr(t.Ratio)}
		if e.unservedPaid != "" {
			it.Ratio = ptr(0.0)
			it.Formula = "0"
			it.Reason = "the unserved part is already refunded in full by clause " + e.unservedPaid
		} else {
			amt, formula, reason, _ := e.unserved("termination", t.Ratio)
			it.Amount, it.Formula = amt, formula
			it.Reason = fmt.Sprintf("contract ended after %d months: %s, %s refunded", served, reason, fmtPct(dec(t.Ratio)))
		}
		items = append(items, it)
	}
	if d := c.Deposit; d != nil {
		it := Item{Period: "termination", Clause: "deposit", Kind: "deposit", Measured: ptr(float64(served)), Target: ptr(float64(c.TermMonths))}
		switch {
		case d.Settle == "offset_last_month" && served >= c.TermMonths:
			it.Formula = "0"
			it.Reason = fmt.Sprintf("deposit of %s was set against the last month's fee", d.Amount)
		default:
			it.Amount = d.Amount
			it.Formula = d.Amount.String()
			it.Reason = "deposit returned at the end of the contract"
			if d.Settle == "offset_last_month" {
				it.Reason = "deposit returned: the contract ended before the last month it was to be set against"
			}
		}
		items = append(items, it)
	}
	return items
}

// trial returns the trial's lines: one per checked gate, each with its
// KPI, measured value, target and the conversations behind it (each once).
// The fee is refunded once: the first missed gate's line carries the
// amount, the ratio and the summary of every missed gate; the other missed
// lines carry 0 and point at it. When every gate is met, the first line
// carries the summary.
func (e *evaluator) trial(p PeriodKPIs, skipped *[]Skipped) []Item {
	t := e.c.Trial
	var failed, checked []string
	var items []Item
	carrier := -1
	for _, g := range t.Gates {
		v, ok := p.Values[g.KPI]
		if !ok {
			*skipped = append(*skipped, Skipped{p.Period, "trial", g.KPI, p.missing(g.KPI)})
			continue
		}
		k, _ := LookupKPI(g.KPI)
		cmp := meets(k, v, g.Target)
		op := map[bool]string{true: "≥", false: "≤"}[k.Direction == HigherIsBetter]
		// 12 significant digits: the value a KPI file carries (an evidence
		// pack writes no binary noise), so the reason reads the same
		// recomputed from the file.
		desc := fmt.Sprintf("%s %s (gate %s %v)", g.KPI, Decimal(v), op, g.Target)
		checked = append(checked, desc)
		it := Item{Period: p.Period, Clause: "trial", Kind: "trial", KPI: g.KPI, Measured: ptr(v), Target: ptr(g.Target),
			Band: fmt.Sprintf("gate %s %v", op, g.Target)}
		if cmp {
			it.Ratio = ptr(0.0)
			it.Formula = "gate met"
			it.Reason = desc + ": met"
		} else {
			failed = append(failed, desc)
			it.Evidence = unique(p.Evidence[g.KPI])
			if carrier < 0 {
				carrier = len(items)
			}
		}
		items = append(items, it)
	}
	if len(items) == 0 {
		return nil
	}
	ratio := 1.0
	if t.RefundRatio != nil {
		ratio = *t.RefundRatio
	}
	gates := fmt.Sprintf("%d of %d gates checked", len(checked), len(t.Gates))
	if len(failed) == 0 {
		items[0].Formula = "all gates met (" + gates + ")"
		items[0].Reason = "trial passed: " + strings.Join(checked, "; ")
		return items
	}
	c := &items[carrier]
	c.Ratio = ptr(ratio)
	c.Amount = roundHalfUp(new(big.Rat).Mul(ratOf(t.Fee), dec(ratio)))
	c.Formula = fmt.Sprintf("trial fee %s × %s = %s (%s)", t.Fee, fmtRat(dec(ratio)), c.Amount, gates)
	c.Reason = "trial failed: " + strings.Join(failed, "; ")
	for i := range items {
		if i != carrier && items[i].Ratio == nil {
			items[i].Formula = "the trial fee is refunded once, on the " + c.KPI + " line"
			items[i].Reason = fmt.Sprintf("%s %s (gate %s): missed too", items[i].KPI, Decimal(*items[i].Measured), strings.TrimPrefix(items[i].Band, "gate "))
		}
	}
	return items
}

// unique returns ids without repeats, in their first order.
func unique(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(ids))
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// meets reports whether v is at target or better (a value on the target
// meets it).
func meets(k KPI, v, target float64) bool {
	if k.Direction == HigherIsBetter {
		return dec(v).Cmp(dec(target)) >= 0
	}
	return dec(v).Cmp(dec(target)) <= 0
}

func clauseTarget(cl Clause) *float64 {
	switch cl.Kind {
	case KindBanded:
		return cl.Target
	case KindPerUnit:
		return cl.Threshold
	case KindCountPerDay:
		return cl.Limit
	case KindEvent:
		return ptr(0.0)
	case KindTraining:
		if len(cl.Tiers) > 0 {
			return cl.Tiers[0].Min
		}
	}
	return nil
}

// num writes a value in a statement's band, formula and reason: at most
// 12 significant digits (Decimal), as KPI files carry it.
func num(f float64) string { return Decimal(f) }

// evaluate applies one clause to one value.
func evaluate(cl Clause, v float64, month time.Time) outcome {
	k, _ := LookupKPI(cl.KPI)
	higher := k.Direction == HigherIsBetter
	x := dec(v)
	switch cl.Kind {
	case KindBanded:
		return evalBanded(cl, k, x, v)
	case KindTraining:
		for i, t := range cl.Tiers {
			if t.Min != nil && x.Cmp(dec(*t.Min)) < 0 {
				continue
			}
			band := "< " + num(*cl.Tiers[max(i-1, 0)].Min)
			if t.Min != nil {
				band = "≥ " + num(*t.Min)
			}
			o := outcome{band: band, remaining: t.Ratio.Remaining}
			if !t.Ratio.Remaining {
				o.ratio = dec(t.Ratio.Min)
			}
			o.missed = t.Ratio.Remaining || o.ratio.Sign() > 0
			o.formula = "tier " + band
			if o.missed {
				o.reason = fmt.Sprintf("%s %s is in tier %s → %s", cl.KPI, num(v), band, ratioText(t.Ratio))
			} else {
				o.reason = fmt.Sprintf("%s %s is in tier %s: no refund", cl.KPI, num(v), band)
			}
			return o
		}
	case KindPerUnit:
		th := dec(*cl.Threshold)
		excess := new(big.Rat).Sub(x, th)
		side, op := "over", "−"
		if higher {
			excess.Neg(excess)
			side = "under"
		}
		if excess.Sign() <= 0 {
			return outcome{band: "within threshold", formula: fmt.Sprintf("%s %s threshold %s", num(v), map[bool]string{true: "≥", false: "≤"}[higher], num(*cl.Threshold)),
				reason: fmt.Sprintf("%s %s is not %s the threshold %s: no refund", cl.KPI, num(v), side, num(*cl.Threshold))}
		}
		units := new(big.Rat).Quo(excess, dec(*cl.Per))
		counted := new(big.Rat).Set(units)
		switch cl.Rounding {
		case RoundFloor:
			counted.SetInt(new(big.Int).Quo(units.Num(), units.Denom()))
		case RoundCeil:
			q, r := new(big.Int).QuoRem(units.Num(), units.Denom(), new(big.Int))
			if r.Sign() > 0 {
				q.Add(q, big.NewInt(1))
			}
			counted.SetInt(q)
		}
		ratio := new(big.Rat).Mul(counted, dec(cl.Ratio.Min))
		capNote := ""
		if cl.MaxRatio != nil && ratio.Cmp(dec(*cl.MaxRatio)) > 0 {
			ratio = dec(*cl.MaxRatio)
			capNote = fmt.Sprintf(", capped at %s", fmtPct(ratio))
		}
		a, b := x, th
		if higher {
			a, b = th, x
		}
		formula := fmt.Sprintf("(%s %s %s) ÷ %s = %s units, %s → %s units × %s = %s%s",
			fmtRat(a), op, fmtRat(b), num(*cl.Per), fmtRat(units), cl.Rounding, fmtRat(counted), fmtPct(dec(cl.Ratio.Min)), fmtPct(ratio), capNote)
		return outcome{missed: ratio.Sign() > 0, ratio: ratio, band: side + " " + num(*cl.Threshold), formula: formula,
			reason: fmt.Sprintf("%s %s is %s units %s the threshold %s; %s of the fee per unit (%s)", cl.KPI, num(v), fmtRat(units), side, num(*cl.Threshold), fmtPct(dec(cl.Ratio.Min)), cl.Rounding)}
	case KindCountPerDay:
		lim := dec(*cl.Limit)
		if cl.Basis == BasisBadDays {
			if x.Sign() == 0 {
				return outcome{band: "no bad days", formula: "share 0", reason: fmt.Sprintf("no day exceeded %s timeouts: no refund", num(*cl.Limit))}
			}
			lo, hi := dec(cl.Ratio.Min), dec(cl.Ratio.Max)
			r := new(big.Rat).Sub(hi, lo)
			r.Mul(r, x).Add(r, lo)
			return outcome{missed: true, ratio: r, band: fmt.Sprintf("days over %s", num(*cl.Limit)),
				formula: fmt.Sprintf("%s + %s × (%s − %s) = %s", fmtPct(lo), fmtRat(x), fmtPct(hi), fmtPct(lo), fmtPct(r)),
				reason:  fmt.Sprintf("%s of the days had more than %s timeouts", fmtPct(x), num(*cl.Limit))}
		}
		if x.Cmp(lim) <= 0 {
			return outcome{band: "≤ " + num(*cl.Limit), formula: fmt.Sprintf("%s ≤ %s", num(v), num(*cl.Limit)),
				reason: fmt.Sprintf("%s %s is not above the limit %s: no refund", cl.KPI, num(v), num(*cl.Limit))}
		}
		r := dec(cl.Ratio.Min)
		return outcome{missed: r.Sign() > 0, ratio: r, band: "> " + num(*cl.Limit), formula: fmt.Sprintf("%s > %s → %s", num(v), num(*cl.Limit), fmtPct(r)),
			reason: fmt.Sprintf("%s %s is above the limit %s → %s", cl.KPI, num(v), num(*cl.Limit), fmtPct(r))}
	case KindEvent:
		if x.Sign() == 0 {
			return outcome{band: "no incidents", formula: "0 incidents", reason: "no incident reported"}
		}
		if cl.DailyFees != nil {
			// The daily fee is the monthly fee ÷ the days of that month, so
			// the ratio of the monthly fee is incidents × daily fees ÷ days.
			days := daysIn(month)
			r := new(big.Rat).Mul(x, dec(*cl.DailyFees))
			r.Quo(r, big.NewRat(int64(days), 1))
			return outcome{missed: true, ratio: r, band: fmt.Sprintf("%s incident(s)", num(v)),
				formula: fmt.Sprintf("%s incidents × %s daily fees ÷ %d days", num(v), num(*cl.DailyFees), days),
				reason:  fmt.Sprintf("%s incident(s) of %s, each %s × the daily fee (monthly fee ÷ %d days)", num(v), strings.TrimPrefix(cl.KPI, IncidentPrefix), num(*cl.DailyFees), days)}
		}
		r := new(big.Rat).Mul(x, dec(cl.Ratio.Min))
		return outcome{missed: true, ratio: r, band: fmt.Sprintf("%s incident(s)", num(v)),
			formula: fmt.Sprintf("%s incidents × %s = %s", num(v), fmtPct(dec(cl.Ratio.Min)), fmtPct(r)),
			reason:  fmt.Sprintf("%s incident(s) of %s, each %s of the monthly fee", num(v), strings.TrimPrefix(cl.KPI, IncidentPrefix), fmtPct(dec(cl.Ratio.Min)))}
	}
	return outcome{}
}

func ratioText(r Ratio) string {
	switch {
	case r.Remaining:
		return "the unserved prepaid part"
	case r.IsRange():
		return fmt.Sprintf("%s–%s", fmtPct(dec(r.Min)), fmtPct(dec(r.Max)))
	}
	return fmtPct(dec(r.Min))
}

func evalBanded(cl Clause, k KPI, x *big.Rat, v float64) outcome {
	higher := k.Direction == HigherIsBetter
	target := dec(*cl.Target)
	if c := x.Cmp(target); higher && c >= 0 || !higher && c <= 0 {
		op := map[bool]string{true: "≥", false: "≤"}[higher]
		return outcome{band: "meets target", formula: fmt.Sprintf("%s %s %s", num(v), op, num(*cl.Target)),
			reason: fmt.Sprintf("%s %s meets the target %s %s: no refund", cl.KPI, num(v), op, num(*cl.Target))}
	}
	for _, b := range cl.Bands {
		if !inBand(b, x, higher) {
			continue
		}
		band := bandText(b, higher)
		o := outcome{band: band, remaining: b.Ratio.Remaining}
		if b.Ratio.Remaining {
			o.missed = true
			o.formula = "band " + band
			o.reason = fmt.Sprintf("%s %s is in band %s → the unserved prepaid part", cl.KPI, num(v), band)
			return o
		}
		lo, hi := dec(b.Ratio.Min), dec(b.Ratio.Max)
		switch b.Mode {
		case ModeMax:
			o.ratio = hi
			o.formula = fmt.Sprintf("band %s, max → %s", band, fmtPct(hi))
		case ModeLinear:
			// The worse end of the band takes the higher ratio.
			better, worse := dec(*b.From), dec(*b.To)
			if higher {
				better, worse = dec(*b.To), dec(*b.From)
			}
			pos := new(big.Rat).Sub(better, x)
			pos.Quo(pos, new(big.Rat).Sub(better, worse))
			r := new(big.Rat).Sub(hi, lo)
			r.Mul(r, pos).Add(r, lo)
			o.ratio = r
			o.formula = fmt.Sprintf("%s + (%s − %s) ÷ (%s − %s) × (%s − %s) = %s",
				fmtPct(lo), fmtRat(better), fmtRat(x), fmtRat(better), fmtRat(worse), fmtPct(hi), fmtPct(lo), fmtPct(r))
			if !higher {
				o.formula = fmt.Sprintf("%s + (%s − %s) ÷ (%s − %s) × (%s − %s) = %s",
					fmtPct(lo), fmtRat(x), fmtRat(better), fmtRat(worse), fmtRat(better), fmtPct(hi), fmtPct(lo), fmtPct(r))
			}
		default:
			o.ratio = lo
			o.formula = fmt.Sprintf("band %s → %s", band, fmtPct(lo))
		}
		o.missed = o.ratio.Sign() > 0
		o.reason = fmt.Sprintf("%s %s misses the target %s and falls in band %s → %s", cl.KPI, num(v), num(*cl.Target), band, ratioText(b.Ratio))
		if b.Ratio.IsRange() {
			o.reason += fmt.Sprintf(" (%s)", b.Mode)
		}
		if !o.missed {
			o.reason = fmt.Sprintf("%s %s falls in the tolerance band %s: no refund", cl.KPI, num(v), band)
		}
		return o
	}
	// Validation guarantees the bands tile the bad side; a value beyond the
	// unit's bound cannot pass CheckValue.
	return outcome{band: "no band", reason: "no band applies"}
}

func inBand(b Band, x *big.Rat, higher bool) bool {
	if higher { // [From, To)
		return (b.From == nil || x.Cmp(dec(*b.From)) >= 0) && (b.To == nil || x.Cmp(dec(*b.To)) < 0)
	}
	// (From, To]
	return (b.From == nil || x.Cmp(dec(*b.From)) > 0) && (b.To == nil || x.Cmp(dec(*b.To)) <= 0)
}

func bandText(b Band, higher bool) string {
	switch {
	case b.From == nil && higher:
		return "< " + num(*b.To)
	case b.From == nil:
		return "≤ " + num(*b.To)
	case b.To == nil && higher:
		return "≥ " + num(*b.From)
	case b.To == nil:
		return "> " + num(*b.From)
	case higher:
		return "[" + num(*b.From) + ", " + num(*b.To) + ")"
	}
	return "(" + num(*b.From) + ", " + num(*b.To) + "]"
}

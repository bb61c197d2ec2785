package sim

import (
	"time"
)

// MerchantPolicy is the merchant's own rules around the decision table:
// what may be decided automatically, the windows and deadlines that make a
// request valid, and SLA overrides. Defaults follow DOMAIN.md §2 (a real
// PDD merchant rule engine and Chinese consumer law); values marked "ours"
// are proposals.
type MerchantPolicy struct {
	// AutoRefundLimit is the largest refund-only request agreed without a
	// person (10 CNY).
	AutoRefundLimit Money `yaml:"auto_refund_limit"`
	// PhotosToPerson sends every request with buyer photos to a person.
	PhotosToPerson bool `yaml:"photos_to_person"`
	// MaxAutoRejections is how many times a request may be rejected
	// automatically before a person must look (3).
	MaxAutoRejections int `yaml:"max_auto_rejections"`
	// ReturnWindow is the no-reason return window after receipt (7 days,
	// by law).
	ReturnWindow time.Duration `yaml:"return_window"`
	// ReturnShipDeadline is the deadline the agent gives the buyer to send a
	// return back (7–15 days; default 7 days).
	ReturnShipDeadline time.Duration `yaml:"return_ship_deadline"`
	// RefundAfterReturn is the time from the warehouse receiving a return
	// to the refund (24 h).
	RefundAfterReturn time.Duration `yaml:"refund_after_return"`
	// PriceProtectionWindow is how long after payment a price drop is
	// refunded (15 days, ours).
	PriceProtectionWindow time.Duration `yaml:"price_protection_window"`
	// LogisticsStalledAfter is how long a parcel may sit without a tracking
	// update before it counts as stalled (72 h).
	LogisticsStalledAfter time.Duration `yaml:"logistics_stalled_after"`
	// BatchThreshold is how many reports of the same defect on the same SKU
	// within 24 h make a batch-quality incident (3, ours).
	BatchThreshold int `yaml:"batch_threshold"`
	// AbuseReviewAbove is the refund-only amount above which a request
	// without evidence goes to review as suspected abuse (500 CNY, ours).
	AbuseReviewAbove Money `yaml:"abuse_review_above"`
	// CompensationLimit is the most an agent may compensate without
	// escalating (50 CNY, ours).
	CompensationLimit Money `yaml:"compensation_limit"`
	// CompensationAbovePrice allows compensation above the order price
	// (a merchant that pays for a buyer's losses beyond the goods). When
	// false, the hub refuses a compensate that takes a conversation's
	// compensation above the price, as it always refuses refunds above it.
	CompensationAbovePrice bool `yaml:"compensation_above_price"`
	// SLAs overrides the decision table's target time to a solution per
	// case id.
	SLAs map[string]time.Duration `yaml:"slas"`
}

// DefaultMerchantPolicy returns the policy of a scenario that gives none;
// a file's policy section starts from it.
func DefaultMerchantPolicy() *MerchantPolicy {
	return &MerchantPolicy{
		AutoRefundLimit:       10_00,
		PhotosToPerson:        true,
		MaxAutoRejections:     3,
		ReturnWindow:          7 * 24 * time.Hour,
		ReturnShipDeadline:    7 * 24 * time.Hour,
		RefundAfterReturn:     24 * time.Hour,
		PriceProtectionWindow: 15 * 24 * time.Hour,
		LogisticsStalledAfter: 72 * time.Hour,
		BatchThreshold:        3,
		AbuseReviewAbove:      500_00,
		CompensationLimit:     50_00,
	}
}

// SLA returns the target time to a solution for a case: the policy's
// override, else the decision table's (0 when neither gives one).
func (p *MerchantPolicy) SLA(caseID string) time.Duration {
	if d, ok := p.SLAs[caseID]; ok {
		return d
	}
	if c, ok := LookupCase(caseID); ok {
		return c.SLA
	}
	return 0
}

func (p *MerchantPolicy) check(fe *fieldErrors, path string) {
	money := func(field string, m Money) {
		if m < 0 {
			fe.add(path+"."+field, "must not be negative")
		}
	}
	money("auto_refund_limit", p.AutoRefundLimit)
	money("abuse_review_above", p.AbuseReviewAbove)
	money("compensation_limit", p.CompensationLimit)
	if p.MaxAutoRejections < 0 {
		fe.add(path+".max_auto_rejections", "must not be negative (0 = never reject automatically)")
	}
	if p.BatchThreshold < 2 {
		fe.add(path+".batch_threshold", "%d: a batch takes at least 2 reports", p.BatchThreshold)
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"return_window", p.ReturnWindow},
		{"return_ship_deadline", p.ReturnShipDeadline},
		{"refund_after_return", p.RefundAfterReturn},
		{"price_protection_window", p.PriceProtectionWindow},
		{"logistics_stalled_after", p.LogisticsStalledAfter},
	} {
		checkSpan(fe, path+"."+d.field, d.v)
	}
	for _, id := range sortedMapKeys(p.SLAs) {
		if _, ok := LookupCase(id); !ok {
			fe.add(path+".slas."+id, "%v", &UnknownCaseError{ID: id})
			continue
		}
		checkSpan(fe, path+".slas."+id, p.SLAs[id])
	}
}

// checkSpan checks a duration that must be above zero and at most a year.
func checkSpan(fe *fieldErrors, path string, d time.Duration) {
	switch {
	case d <= 0:
		fe.add(path, "is required and must be above zero")
	case d > 366*24*time.Hour:
		fe.add(path, "%s is longer than a year", FormatDuration(d))
	}
}

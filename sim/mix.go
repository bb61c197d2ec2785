package sim

import (
	"cmp"
	"math"
	"slices"
)

// ContactMix maps case ids to relative weights: the share of contacts of
// each case is its weight ÷ the sum. Cases left out have weight 0.
type ContactMix map[string]float64

// DefaultContactMix is the contact mix of an ordinary day at a general
// store, in per cent. The numbers are ours.
func DefaultContactMix() ContactMix {
	return ContactMix{
		CasePresalesQuestion:  40,
		CaseLogisticsStalled:  12,
		CaseNoReasonReturn:    12,
		CaseRefundUnshipped:   7,
		CaseQualityDefect:     6,
		CasePriceProtection:   4,
		CaseSizeChartMismatch: 4,
		CaseCancelInTransit:   3,
		CaseNotAsDescribed:    2.5,
		CaseWrongItem:         2,
		CaseMissingParts:      2,
		CaseSignedNotReceived: 2,
		CaseAngryThreat:       1.5,
		CaseSuspectedAbuse:    1,
		CaseBatchQuality:      0.5,
		CaseSafetyInjury:      0.2,
	}
}

// Total returns the sum of the weights.
func (m ContactMix) Total() float64 {
	t := 0.0
	for _, id := range sortedMapKeys(m) { // a fixed order keeps the float sum reproducible
		t += m[id]
	}
	return t
}

// Share returns the share of contacts of case id, in [0, 1].
func (m ContactMix) Share(id string) float64 {
	t := m.Total()
	if t <= 0 {
		return 0
	}
	return m[id] / t
}

// Shares lists the cases with a positive weight and their shares, in the
// decision table's order: the order a sampler draws in.
func (m ContactMix) Shares() []CaseShare {
	t := m.Total()
	var out []CaseShare
	if t <= 0 {
		return out
	}
	for _, id := range CaseIDs() {
		if w := m[id]; w > 0 {
			out = append(out, CaseShare{ID: id, Share: w / t})
		}
	}
	return out
}

// CaseShare is one case's share of a contact mix.
type CaseShare struct {
	ID    string
	Share float64
}

func (m ContactMix) check(fe *fieldErrors, path string) {
	if len(m) == 0 {
		fe.add(path, "at least one case needs a weight (cases: %v)", CaseIDs())
		return
	}
	ok := true
	for _, id := range sortedMapKeys(m) {
		if _, known := LookupCase(id); !known {
			fe.add(path+"."+id, "%v", &UnknownCaseError{ID: id})
			ok = false
			continue
		}
		if w := m[id]; !(w >= 0) || math.IsInf(w, 0) {
			fe.add(path+"."+id, "%v: a weight must be zero or more", w)
			ok = false
		}
	}
	if ok && !(m.Total() > 0) {
		fe.add(path, "the weights add up to 0: at least one case needs a positive weight")
	}
}

func sortedMapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	return keys
}

package sim

import (
	"fmt"
	"strings"
	"time"
)

// ActionKind is a structured agent action. Resolutions are compared as
// actions, never as free text, so correctness is a table look-up.
type ActionKind string

// The action kinds of DOMAIN.md §2. Amounts, shipping payers and reasons are
// arguments of an action, not part of its kind.
const (
	ActRefund          ActionKind = "refund"           // refund(amount): full or partial
	ActApproveReturn   ActionKind = "approve_return"   // approve_return(shipping_payer)
	ActExchange        ActionKind = "exchange"         // exchange for another size, colour or unit
	ActReship          ActionKind = "reship"           // send the item (again)
	ActIntercept       ActionKind = "intercept"        // stop a parcel in transit / refuse delivery
	ActCompensate      ActionKind = "compensate"       // compensate(amount) on the platform
	ActRequestEvidence ActionKind = "request_evidence" // ask for photos, video, measurements
	ActEscalate        ActionKind = "escalate"         // escalate(reason) to a specialist or the merchant
	ActReject          ActionKind = "reject"           // reject(reason)
	ActClose           ActionKind = "close"            // close the conversation (question answered)
)

// ActionKinds returns every action kind in a fixed order.
func ActionKinds() []ActionKind {
	return []ActionKind{ActRefund, ActApproveReturn, ActExchange, ActReship, ActIntercept,
		ActCompensate, ActRequestEvidence, ActEscalate, ActReject, ActClose}
}

// Severity is the SOP's grading of a case: A simple, B medium, C complex.
// Pre-sales questions have none.
type Severity string

// The severities.
const (
	SeverityA    Severity = "A"
	SeverityB    Severity = "B"
	SeverityC    Severity = "C"
	SeverityNone Severity = ""
)

// Payer is who pays the shipping of a return or reship.
type Payer string

// The shipping payers. PayerNone is used where no shipping is involved or
// the table says "per case".
const (
	PayerBuyer  Payer = "buyer"
	PayerSeller Payer = "seller"
	PayerNone   Payer = ""
)

// Resolution is one correct ending of a case: all of its actions, in any
// order. A case may have several alternative resolutions.
type Resolution []ActionKind

// Case is one row of the after-sales decision table (DOMAIN.md §2): a kind
// of contact with its hidden ground truth and the handling the service
// standard expects. The table is the default; a merchant policy may change
// SLAs.
type Case struct {
	// ID is the stable snake_case id used in files (contact mixes, agent
	// models, policies) and reports. Never rename one.
	ID   string
	Name string
	// Severity follows DESIGN.md's SOP grading; where that table is silent
	// the grade is ours.
	Severity Severity
	// Resolutions lists the correct endings; a handling is correct when its
	// final actions contain all actions of one of them.
	Resolutions []Resolution
	// Steps are actions every correct handling takes before the ending,
	// such as request_evidence before a refund for a defect, or escalate
	// for a case the agent must not decide alone.
	Steps []ActionKind
	// ShippingPayer is who pays return or reship shipping.
	ShippingPayer Payer
	// SLA is the target time to a solution; 0 when the table gives none.
	SLA time.Duration
	// FirstReplySLA is the target time to the first reply or update where
	// the table gives one (logistics: first update within 2 h).
	FirstReplySLA time.Duration
	// EvidenceRequired is whether the agent must ask the buyer for evidence
	// (Evidence says what) before deciding. When false, Evidence names what
	// the agent checks on its own side (tracking, price history).
	EvidenceRequired bool
	Evidence         string
	// EscalateAlways is whether every correct handling escalates;
	// EscalateWhen says when it must otherwise ("" = never required).
	EscalateAlways bool
	EscalateWhen   string
	// HardFail describes what fails the conversation outright.
	HardFail string
	// Presales marks the pre-sales question, which has no after-sales
	// resolution and feeds inquiry conversion instead.
	Presales bool
	// Effort is the relative handling effort (1 = an average after-sales
	// case), which scales the agent model's default handle time. A proposal
	// of ours, not from the seeds.
	Effort float64
}

// The case ids, stable in files and reports.
const (
	CaseRefundUnshipped   = "refund_unshipped"
	CaseCancelInTransit   = "cancel_in_transit"
	CaseNoReasonReturn    = "no_reason_return"
	CaseSizeChartMismatch = "size_chart_mismatch"
	CaseQualityDefect     = "quality_defect"
	CaseNotAsDescribed    = "not_as_described"
	CaseWrongItem         = "wrong_item"
	CaseMissingParts      = "missing_parts"
	CaseLogisticsStalled  = "logistics_stalled"
	CaseSignedNotReceived = "signed_not_received"
	CasePriceProtection   = "price_protection"
	CaseAngryThreat       = "angry_threat"
	CaseBatchQuality      = "batch_quality"
	CaseSafetyInjury      = "safety_injury"
	CaseSuspectedAbuse    = "suspected_abuse"
	CasePresalesQuestion  = "presales_question"
)

func res(kinds ...ActionKind) Resolution { return Resolution(kinds) }

// cases is DOMAIN.md §2 in table order.
var cases = []Case{
	{
		ID: CaseRefundUnshipped, Name: "refund only, order not shipped", Severity: SeverityA,
		Resolutions: []Resolution{res(ActRefund)},
		SLA:         time.Hour, Evidence: "order unshipped",
		HardFail: "refusing or stalling", Effort: 0.6,
	},
	{
		ID: CaseCancelInTransit, Name: "shipped, buyer cancels in transit", Severity: SeverityB,
		Resolutions: []Resolution{res(ActIntercept)}, ShippingPayer: PayerSeller,
		SLA: 4 * time.Hour, Evidence: "tracking",
		EscalateWhen: "parcel already signed: switch to the return flow",
		HardFail:     `"cannot cancel"`, Effort: 0.9,
	},
	{
		ID: CaseNoReasonReturn, Name: "size wrong or changed mind, within 7 days, intact", Severity: SeverityA,
		Resolutions: []Resolution{res(ActApproveReturn), res(ActExchange)}, ShippingPayer: PayerBuyer,
		SLA: 24 * time.Hour, Evidence: "days since receipt, condition",
		HardFail: "refusing a valid return, demanding a reason", Effort: 0.8,
	},
	{
		ID: CaseSizeChartMismatch, Name: "size differs from the size chart", Severity: SeverityA,
		Resolutions: []Resolution{res(ActApproveReturn), res(ActExchange)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence},
		SLA:   12 * time.Hour, EvidenceRequired: true, Evidence: "measurement photo",
		HardFail: "charging the buyer shipping", Effort: 1.0,
	},
	{
		ID: CaseQualityDefect, Name: "quality defect or damage", Severity: SeverityB,
		Resolutions: []Resolution{res(ActApproveReturn), res(ActExchange), res(ActRefund)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence},
		SLA:   12 * time.Hour, EvidenceRequired: true, Evidence: "photo or video",
		EscalateWhen: "a safety issue; the same SKU reported N or more times in 24 h",
		HardFail:     "asking the buyer to pay shipping; accusing without evidence", Effort: 1.3,
	},
	{
		ID: CaseNotAsDescribed, Name: "severely not as described or fake", Severity: SeverityB,
		Resolutions: []Resolution{res(ActRefund, ActCompensate)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence},
		SLA:   4 * time.Hour, EvidenceRequired: true, Evidence: "the listing against the item",
		EscalateWhen: "a fake-goods claim",
		HardFail:     "denying unchecked; asking to delete a review", Effort: 1.5,
	},
	{
		ID: CaseWrongItem, Name: "wrong item sent", Severity: SeverityB,
		Resolutions: []Resolution{res(ActReship), res(ActRefund)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence},
		SLA:   4 * time.Hour, EvidenceRequired: true, Evidence: "photo",
		HardFail: "making the buyer wait for the return first", Effort: 1.1,
	},
	{
		ID: CaseMissingParts, Name: "missing parts or empty parcel", Severity: SeverityB,
		Resolutions: []Resolution{res(ActReship), res(ActRefund)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence},
		SLA:   12 * time.Hour, EvidenceRequired: true, Evidence: "photo; parcel weight from the records",
		EscalateWhen: "an empty parcel; a high value",
		HardFail:     "disbelieving unchecked", Effort: 1.2,
	},
	{
		ID: CaseLogisticsStalled, Name: "logistics stalled or lost (over 72 h)", Severity: SeverityB,
		Resolutions: []Resolution{res(ActReship), res(ActRefund)}, ShippingPayer: PayerSeller,
		SLA: 48 * time.Hour, FirstReplySLA: 2 * time.Hour, Evidence: "tracking",
		HardFail: `"wait a few more days"`, Effort: 1.0,
	},
	{
		ID: CaseSignedNotReceived, Name: "signed for but not received", Severity: SeverityB,
		Resolutions: []Resolution{res(ActReship), res(ActRefund)}, ShippingPayer: PayerSeller,
		SLA: 24 * time.Hour, Evidence: "signature, pickup point; courier investigation",
		EscalateWhen: "repeated claims (possible fraud)",
		HardFail:     "blaming the buyer", Effort: 1.4,
	},
	{
		ID: CasePriceProtection, Name: "price dropped within the price-protection window", Severity: SeverityA,
		Resolutions: []Resolution{res(ActRefund)},
		SLA:         24 * time.Hour, Evidence: "price history",
		HardFail: "refusing within the window", Effort: 0.8,
	},
	{
		ID: CaseAngryThreat, Name: "angry buyer threatening a bad review, the platform or 12315", Severity: SeverityC,
		// A concrete remedy, or the supervisor the row escalates to when a
		// threat is made: either resolves it (docs/scoring.md rule 7).
		Resolutions: []Resolution{res(ActRefund), res(ActApproveReturn), res(ActExchange), res(ActReship), res(ActCompensate), res(ActEscalate)},
		SLA:         time.Hour, FirstReplySLA: 30 * time.Second,
		EscalateWhen: "tension high or a threat made: to a supervisor",
		HardFail:     "private cash-back, off-platform contact, asking to change a review", Effort: 1.8,
	},
	{
		ID: CaseBatchQuality, Name: "batch quality: several buyers, same SKU, same defect", Severity: SeverityC,
		Resolutions: []Resolution{res(ActApproveReturn), res(ActExchange), res(ActRefund)}, ShippingPayer: PayerSeller,
		Steps: []ActionKind{ActRequestEvidence, ActEscalate},
		SLA:   time.Hour, EvidenceRequired: true, Evidence: "photo; SKU clustering",
		EscalateAlways: true, EscalateWhen: "always: raise an incident to the merchant",
		HardFail: "treating the cases in isolation", Effort: 1.6,
	},
	{
		ID: CaseSafetyInjury, Name: "safety, injury or allergy", Severity: SeverityC,
		Resolutions:    []Resolution{res(ActEscalate)},
		SLA:            15 * time.Minute,
		EscalateAlways: true, EscalateWhen: "always, at once",
		HardFail: "casual handling", Effort: 1.5,
	},
	{
		ID: CaseSuspectedAbuse, Name: "suspected abuse: high-value refund-only without evidence", Severity: SeverityB,
		Resolutions: []Resolution{res(ActRequestEvidence)},
		SLA:         24 * time.Hour, Evidence: "refund history",
		EscalateWhen: "above the policy's review amount",
		HardFail:     "insults; refusing without an evidence path", Effort: 1.4,
	},
	{
		ID: CasePresalesQuestion, Name: "pre-sales question (size, stock, ship date, coupons)",
		Resolutions:   []Resolution{res(ActClose)},
		FirstReplySLA: 30 * time.Second,
		HardFail:      "guaranteeing fit; absolute claims (极限词)",
		Presales:      true, Effort: 0.5,
	},
}

var caseByID = func() map[string]int {
	m := make(map[string]int, len(cases))
	for i, c := range cases {
		m[c.ID] = i
	}
	return m
}()

// Cases returns the decision table in its fixed order. The slice and its
// rows are copies: changing them changes nothing else.
func Cases() []Case {
	out := make([]Case, len(cases))
	for i, c := range cases {
		out[i] = c.clone()
	}
	return out
}

// LookupCase returns the row with id.
func LookupCase(id string) (Case, bool) {
	i, ok := caseByID[id]
	if !ok {
		return Case{}, false
	}
	return cases[i].clone(), true
}

// CaseIDs lists the case ids in table order.
func CaseIDs() []string {
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	return ids
}

func (c Case) clone() Case {
	rs := make([]Resolution, len(c.Resolutions))
	for i, r := range c.Resolutions {
		rs[i] = append(Resolution(nil), r...)
	}
	c.Resolutions = rs
	c.Steps = append([]ActionKind(nil), c.Steps...)
	return c
}

// UnknownCaseError reports a case id that is not in the decision table.
type UnknownCaseError struct{ ID string }

// Error names the id and lists the known ones.
func (e *UnknownCaseError) Error() string {
	return fmt.Sprintf("unknown case %q (known: %s)", e.ID, strings.Join(CaseIDs(), ", "))
}

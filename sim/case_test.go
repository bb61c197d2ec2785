package sim_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/deskdrill/deskdrill/sim"
)

var snake = regexp.MustCompile(`^[a-z]+(_[a-z0-9]+)*$`)

func TestCases_Table(t *testing.T) {
	cases := sim.Cases()
	if len(cases) != 16 {
		t.Fatalf("%d cases; want the 16 rows of DOMAIN.md §2", len(cases))
	}
	kinds := sim.ActionKinds()
	seen := map[string]bool{}
	presales := 0
	for i, c := range cases {
		if !snake.MatchString(c.ID) || seen[c.ID] {
			t.Errorf("case %d: id %q is not a new snake_case id", i, c.ID)
		}
		seen[c.ID] = true
		if c.ID != sim.CaseIDs()[i] {
			t.Errorf("CaseIDs()[%d] = %q; want %q", i, sim.CaseIDs()[i], c.ID)
		}
		if c.Name == "" || c.HardFail == "" {
			t.Errorf("%s: name and hard fail are required", c.ID)
		}
		if len(c.Resolutions) == 0 {
			t.Errorf("%s: no resolution", c.ID)
		}
		for _, r := range c.Resolutions {
			for _, k := range r {
				if !slices.Contains(kinds, k) {
					t.Errorf("%s: unknown action %q", c.ID, k)
				}
			}
		}
		if c.EvidenceRequired && (!slices.Contains(c.Steps, sim.ActRequestEvidence) || c.Evidence == "") {
			t.Errorf("%s: evidence required but no request_evidence step or no description", c.ID)
		}
		if c.EscalateAlways && !slices.Contains(c.Steps, sim.ActEscalate) && !slices.ContainsFunc(c.Resolutions, func(r sim.Resolution) bool {
			return slices.Contains(r, sim.ActEscalate)
		}) {
			t.Errorf("%s: always escalates but no escalate action", c.ID)
		}
		if c.Presales {
			presales++
			if c.Severity != sim.SeverityNone {
				t.Errorf("%s: a pre-sales question has no severity", c.ID)
			}
		} else if c.Severity == sim.SeverityNone {
			t.Errorf("%s: an after-sales case needs a severity", c.ID)
		}
		if !(c.Effort > 0) {
			t.Errorf("%s: effort %v; want above zero", c.ID, c.Effort)
		}
		if c.SLA < 0 || c.FirstReplySLA < 0 {
			t.Errorf("%s: negative SLA", c.ID)
		}
	}
	if presales != 1 {
		t.Errorf("%d pre-sales cases; want 1", presales)
	}
}

func TestLookupCase(t *testing.T) {
	tests := []struct {
		id       string
		ok       bool
		sla      string
		first    string
		payer    sim.Payer
		severity sim.Severity
	}{
		{sim.CaseRefundUnshipped, true, "1h0m0s", "0s", sim.PayerNone, sim.SeverityA},
		{sim.CaseNoReasonReturn, true, "24h0m0s", "0s", sim.PayerBuyer, sim.SeverityA},
		{sim.CaseQualityDefect, true, "12h0m0s", "0s", sim.PayerSeller, sim.SeverityB},
		{sim.CaseLogisticsStalled, true, "48h0m0s", "2h0m0s", sim.PayerSeller, sim.SeverityB},
		{sim.CaseAngryThreat, true, "1h0m0s", "30s", sim.PayerNone, sim.SeverityC},
		{sim.CaseSafetyInjury, true, "15m0s", "0s", sim.PayerNone, sim.SeverityC},
		{sim.CasePresalesQuestion, true, "0s", "30s", sim.PayerNone, sim.SeverityNone},
		{"refund", false, "", "", "", ""},
	}
	for _, tt := range tests {
		c, ok := sim.LookupCase(tt.id)
		if ok != tt.ok {
			t.Errorf("LookupCase(%q) ok = %v; want %v", tt.id, ok, tt.ok)
			continue
		}
		if !ok {
			continue
		}
		if c.SLA.String() != tt.sla || c.FirstReplySLA.String() != tt.first || c.ShippingPayer != tt.payer || c.Severity != tt.severity {
			t.Errorf("LookupCase(%q) = SLA %v, first %v, payer %q, severity %q; want %s, %s, %q, %q",
				tt.id, c.SLA, c.FirstReplySLA, c.ShippingPayer, c.Severity, tt.sla, tt.first, tt.payer, tt.severity)
		}
	}
}

func TestCases_AreCopies(t *testing.T) {
	c, _ := sim.LookupCase(sim.CaseNotAsDescribed)
	c.Resolutions[0][0] = sim.ActReject
	c.Steps[0] = sim.ActClose
	again, _ := sim.LookupCase(sim.CaseNotAsDescribed)
	if again.Resolutions[0][0] != sim.ActRefund || again.Steps[0] != sim.ActRequestEvidence {
		t.Errorf("changing a looked-up case changed the table: %v %v", again.Resolutions, again.Steps)
	}
}

// TestCase_Resolves_AngryThreat: DOMAIN.md row 12 escalates "when tension
// is high or a threat is made", so for the angry buyer an escalation is a
// resolution, as a concrete remedy is (docs/scoring.md rules 2 and 7); it
// is not required, and asking for evidence or rejecting resolves nothing.
func TestCase_Resolves_AngryThreat(t *testing.T) {
	k, _ := sim.LookupCase(sim.CaseAngryThreat)
	o := sim.Order{Price: 8900}
	for _, tc := range []struct {
		name    string
		actions []sim.Action
		want    bool
	}{
		{"escalation", []sim.Action{{Kind: sim.ActEscalate, Reason: "threatens 12315"}}, true},
		{"refund", []sim.Action{{Kind: sim.ActRefund, Amount: 8900}}, true},
		{"refund and escalation", []sim.Action{{Kind: sim.ActRefund, Amount: 8900}, {Kind: sim.ActEscalate, Reason: "threat"}}, true},
		{"evidence only", []sim.Action{{Kind: sim.ActRequestEvidence}}, false},
		{"reject", []sim.Action{{Kind: sim.ActReject, Reason: "no"}}, false},
		{"nothing", nil, false},
	} {
		if got := k.Resolves(o, tc.actions, true, nil); got != tc.want {
			t.Errorf("%s: Resolves = %v; want %v", tc.name, got, tc.want)
		}
		if got := k.Correct(tc.actions); got != tc.want {
			t.Errorf("%s: Correct = %v; want %v", tc.name, got, tc.want)
		}
	}
}

// TestCase_Pending: row 6's refund alone is the start of its resolution
// (refund + compensation), not yet a wrong one; a refund above the price,
// or a return where a refund is due, is wrong at once; the whole
// resolution is no longer pending but resolved.
func TestCase_Pending(t *testing.T) {
	order := sim.Order{ID: "o1", Price: 45900}
	refund := sim.Action{Kind: sim.ActRefund, Amount: 45900}
	comp := sim.Action{Kind: sim.ActCompensate, Amount: 4590, Reason: "not as described"}
	tests := []struct {
		name     string
		cas      string
		actions  []sim.Action
		pending  bool
		resolves bool
	}{
		{"row 6 refund alone", sim.CaseNotAsDescribed, []sim.Action{refund}, true, false},
		{"row 6 compensation alone", sim.CaseNotAsDescribed, []sim.Action{comp}, true, false},
		{"row 6 refund then compensation", sim.CaseNotAsDescribed, []sim.Action{refund, comp}, false, true},
		{"row 6 refund above the price", sim.CaseNotAsDescribed, []sim.Action{{Kind: sim.ActRefund, Amount: 99900}}, false, false},
		{"row 6 a return instead", sim.CaseNotAsDescribed, []sim.Action{{Kind: sim.ActApproveReturn, Payer: sim.PayerSeller}}, false, false},
		{"row 1 refund", sim.CaseRefundUnshipped, []sim.Action{refund}, false, true},
		{"row 1 rejected", sim.CaseRefundUnshipped, []sim.Action{{Kind: sim.ActReject}}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, ok := sim.LookupCase(tt.cas)
			if !ok {
				t.Fatalf("no case %s", tt.cas)
			}
			if got := k.Pending(order, tt.actions, true, nil); got != tt.pending {
				t.Errorf("Pending = %v; want %v", got, tt.pending)
			}
			if got := k.Resolves(order, tt.actions, true, nil); got != tt.resolves {
				t.Errorf("Resolves = %v; want %v", got, tt.resolves)
			}
		})
	}
}

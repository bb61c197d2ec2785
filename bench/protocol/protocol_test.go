package protocol_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
)

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name  string
		from  protocol.Role
		frame string
		code  string // "" = valid
		field string
	}{
		{"agent message", protocol.FromAgent, `{"v":1,"type":"message","conversation":"c1","text":"您好"}`, "", ""},
		{"agent refund", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c1","action":{"kind":"refund","amount":59.9}}`, "", ""},
		{"refund amount as string", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c1","action":{"kind":"refund","amount":"59.90"}}`, "", ""},
		{"return with payer", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c1","action":{"kind":"approve_return","shipping_payer":"seller"}}`, "", ""},
		{"status", protocol.FromAgent, `{"v":1,"type":"status","status":"away"}`, "", ""},
		{"customer start", protocol.FromCustomer, `{"v":1,"type":"start","case":"wrong_item","customer":{"name":"王芳"},"text":"发错货了"}`, "", ""},
		{"rating", protocol.FromCustomer, `{"v":1,"type":"rating","rating":5}`, "", ""},
		{"not JSON", protocol.FromAgent, `hello`, protocol.CodeBadJSON, ""},
		{"truncated", protocol.FromAgent, `{"v":1,"type":"mess`, protocol.CodeBadJSON, ""},
		{"array", protocol.FromAgent, `[1,2]`, protocol.CodeBadJSON, ""},
		{"wrong type of field", protocol.FromAgent, `{"v":1,"type":"message","conversation":7,"text":"x"}`, protocol.CodeBadField, "conversation"},
		{"no version", protocol.FromAgent, `{"type":"message","conversation":"c1","text":"x"}`, protocol.CodeVersion, "v"},
		{"future version", protocol.FromAgent, `{"v":2,"type":"message","conversation":"c1","text":"x"}`, protocol.CodeVersion, "v"},
		{"no type", protocol.FromAgent, `{"v":1}`, protocol.CodeMissingField, "type"},
		{"unknown type", protocol.FromAgent, `{"v":1,"type":"dance"}`, protocol.CodeUnknownType, "type"},
		{"customer type on agent endpoint", protocol.FromAgent, `{"v":1,"type":"rating","rating":5}`, protocol.CodeUnknownType, "type"},
		{"agent type on customer endpoint", protocol.FromCustomer, `{"v":1,"type":"action","conversation":"c","action":{"kind":"close"}}`, protocol.CodeUnknownType, "type"},
		{"message without conversation", protocol.FromAgent, `{"v":1,"type":"message","text":"x"}`, protocol.CodeMissingField, "conversation"},
		{"blank message", protocol.FromAgent, `{"v":1,"type":"message","conversation":"c","text":"  "}`, protocol.CodeMissingField, "text"},
		{"action without kind", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{}}`, protocol.CodeMissingField, "action.kind"},
		{"refund without amount", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund"}}`, protocol.CodeBadField, "action"},
		{"unknown action", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"teleport"}}`, protocol.CodeBadField, "action"},
		{"reject without reason", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"reject"}}`, protocol.CodeBadField, "action"},
		{"bad payer", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"approve_return","shipping_payer":"courier"}}`, protocol.CodeBadField, "action"},
		{"bad status", protocol.FromAgent, `{"v":1,"type":"status","status":"asleep"}`, protocol.CodeBadField, "status"},
		{"rating 6", protocol.FromCustomer, `{"v":1,"type":"rating","rating":6}`, protocol.CodeBadField, "rating"},
		{"start without name", protocol.FromCustomer, `{"v":1,"type":"start","text":"hi"}`, protocol.CodeMissingField, "customer.name"},
		{"start unknown case", protocol.FromCustomer, `{"v":1,"type":"start","case":"alien","customer":{"name":"x"},"text":"hi"}`, protocol.CodeBadField, "case"},
		{"text too long", protocol.FromCustomer, `{"v":1,"type":"message","text":"` + strings.Repeat("长", protocol.MaxText+1) + `"}`, protocol.CodeBadField, "text"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := protocol.Decode([]byte(tc.frame), tc.from)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if f.V != 1 || f.Type == "" {
					t.Errorf("decoded %+v", f)
				}
				return
			}
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Decode = %+v, %v; want a *protocol.Error with code %s", f, err, tc.code)
			}
			if pe.Code != tc.code || pe.Field != tc.field || pe.Text == "" {
				t.Errorf("error %+v; want code %q field %q and a text", pe, tc.code, tc.field)
			}
		})
	}
}

func TestDecode_RefEchoesID(t *testing.T) {
	_, err := protocol.Decode([]byte(`{"v":1,"type":"message","id":"m-17","text":"x"}`), protocol.FromAgent)
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Ref != "m-17" || pe.Frame().Ref != "m-17" || pe.Frame().Type != protocol.TypeError {
		t.Errorf("error %+v; want ref m-17 in the error and its frame", err)
	}
}

func TestDecode_Amount(t *testing.T) {
	f, err := protocol.Decode([]byte(`{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":59.9}}`), protocol.FromAgent)
	if err != nil || f.Action.Amount != sim.Money(5990) {
		t.Errorf("amount %v, %v; want 59.90 exactly", f.Action, err)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"type":"message","conversation":"c1","text":"您好"}`,
		`{"v":1,"type":"action","conversation":"c1","action":{"kind":"refund","amount":"1e3"}}`,
		`{"v":1,"type":"start","case":"wrong_item","customer":{"name":"x"},"text":"hi","order":{"id":"1","price":9.9}}`,
		`{"v":1,"type":"rating","rating":3}`, `{`, `[]`, `null`, ``,
	} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, customer bool) {
		from := protocol.FromAgent
		if customer {
			from = protocol.FromCustomer
		}
		fr, err := protocol.Decode(data, from)
		if err != nil {
			var pe *protocol.Error
			if !errors.As(err, &pe) || pe.Code == "" || pe.Text == "" {
				t.Fatalf("error %v is not a protocol error with a code and a text", err)
			}
			return
		}
		// What decodes is valid: it re-encodes and decodes to the same check.
		b, err := protocol.Encode(fr)
		if err != nil {
			t.Fatalf("encode %+v: %v", fr, err)
		}
		if _, err := protocol.Decode(b, from); err != nil {
			t.Fatalf("%s decoded, its encoding %s does not: %v", data, b, err)
		}
	})
}

package protocol_test

import (
	"bytes"
	"encoding/json"
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
		{"refund without amount", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund"}}`, protocol.CodeMissingField, "action.amount"},
		{"compensate of zero", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"compensate","amount":0}}`, protocol.CodeMissingField, "action.amount"},
		{"negative refund", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":-5}}`, protocol.CodeBadField, "action.amount"},
		{"refund of 1.234", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":1.234}}`, protocol.CodeBadField, "action.amount"},
		{"refund of \"1.234\"", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":"1.234"}}`, protocol.CodeBadField, "action.amount"},
		{"refund of \"abc\"", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":"abc"}}`, protocol.CodeBadField, "action.amount"},
		{"unknown action", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"teleport"}}`, protocol.CodeBadField, "action.kind"},
		{"reject without reason", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"reject"}}`, protocol.CodeMissingField, "action.reason"},
		{"escalate without reason", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"escalate"}}`, protocol.CodeMissingField, "action.reason"},
		{"escalate with a blank reason", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"escalate","reason":"  "}}`, protocol.CodeMissingField, "action.reason"},
		{"bad payer", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"approve_return","shipping_payer":"courier"}}`, protocol.CodeBadField, "action.shipping_payer"},
		{"action is a string", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":"refund"}`, protocol.CodeBadField, "action"},
		{"text is an object", protocol.FromAgent, `{"v":1,"type":"message","conversation":"c","text":{}}`, protocol.CodeBadField, "text"},
		{"order price not money", protocol.FromCustomer, `{"v":1,"type":"start","customer":{"name":"x"},"text":"hi","order":{"id":"1","price":"9.999"}}`, protocol.CodeBadField, "order.price"},
		{"order price negative", protocol.FromCustomer, `{"v":1,"type":"start","customer":{"name":"x"},"text":"hi","order":{"id":"1","price":"-5"}}`, protocol.CodeBadField, "order.price"},
		{"order current price negative", protocol.FromCustomer, `{"v":1,"type":"start","customer":{"name":"x"},"text":"hi","order":{"id":"1","price":"5","current_price":-1}}`, protocol.CodeBadField, "order.current_price"},
		{"order paid not a time", protocol.FromCustomer, `{"v":1,"type":"start","customer":{"name":"x"},"text":"hi","order":{"id":"1","paid":"yesterday"}}`, protocol.CodeBadField, "order.paid"},
		{"customer name a number", protocol.FromCustomer, `{"v":1,"type":"start","customer":{"name":7},"text":"hi"}`, protocol.CodeBadField, "customer.name"},
		{"version as a string", protocol.FromAgent, `{"v":"1","type":"message","conversation":"c1","text":"x"}`, protocol.CodeVersion, "v"},
		{"version before a bad field", protocol.FromAgent, `{"v":2,"type":"message","conversation":7,"text":"x"}`, protocol.CodeVersion, "v"},
		{"type before a bad field", protocol.FromAgent, `{"v":1,"type":"dance","conversation":7}`, protocol.CodeUnknownType, "type"},
		{"type a number", protocol.FromAgent, `{"v":1,"type":5}`, protocol.CodeBadField, "type"},
		{"first bad field in the frame's order", protocol.FromAgent, `{"v":1,"type":"message","text":[],"conversation":7}`, protocol.CodeBadField, "text"},
		{"reason too long", protocol.FromAgent, `{"v":1,"type":"action","conversation":"c","action":{"kind":"reject","reason":"` + strings.Repeat("长", protocol.MaxText+1) + `"}}`, protocol.CodeBadField, "action.reason"},
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

// TestDecode_RefEchoesID: whenever the frame's id can be read, the error
// carries it as ref, whatever else is wrong with the frame.
func TestDecode_RefEchoesID(t *testing.T) {
	for _, tc := range []struct {
		name, frame, ref string
	}{
		{"missing field", `{"v":1,"type":"message","id":"m-17","text":"x"}`, "m-17"},
		{"conversation a number", `{"v":1,"type":"message","id":"m-17","conversation":123,"text":"x"}`, "m-17"},
		{"text an object", `{"v":1,"type":"message","id":"m-17","conversation":"c","text":{}}`, "m-17"},
		{"id after the bad field", `{"v":1,"type":"action","conversation":"c","action":{"kind":"refund","amount":"abc"},"id":"m-17"}`, "m-17"},
		{"bad version", `{"v":"x","type":"message","id":"m-17"}`, "m-17"},
		{"unknown type", `{"v":1,"type":"dance","id":"m-17"}`, "m-17"},
		{"id a number", `{"v":1,"type":"message","id":17,"conversation":"c","text":"x"}`, ""},
		{"not JSON", `{"v":1,"id":"m-17",`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := protocol.Decode([]byte(tc.frame), protocol.FromAgent)
			var pe *protocol.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Decode: %v; want a *protocol.Error", err)
			}
			if pe.Ref != tc.ref || pe.Frame().Ref != tc.ref || pe.Frame().Type != protocol.TypeError {
				t.Errorf("error %+v; want ref %q in the error and its frame", pe, tc.ref)
			}
		})
	}
}

func TestDecode_UnknownCaseListsTheKnown(t *testing.T) {
	_, err := protocol.Decode([]byte(`{"v":1,"type":"start","case":"alien","customer":{"name":"x"},"text":"hi"}`), protocol.FromCustomer)
	var pe *protocol.Error
	if !errors.As(err, &pe) {
		t.Fatalf("Decode: %v", err)
	}
	for _, id := range sim.CaseIDs() {
		if !strings.Contains(pe.Text, id) {
			t.Errorf("text %q does not list the case %s", pe.Text, id)
		}
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
		`{"v":1,"type":"action","id":"a","conversation":"c","action":{"kind":"refund","amount":"1.234"}}`,
		`{"v":1,"type":"message","id":"m","conversation":123,"text":{}}`,
		`{"v":"1","type":"start","id":"s","customer":{"name":7},"order":{"paid":"x","price":true},"history":[{"at":1}]}`,
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
			// A JSON object whose id is a string gets it back as ref,
			// whatever else is wrong with it.
			var head struct {
				ID json.RawMessage `json:"id"`
			}
			trimmed := bytes.TrimSpace(data)
			if len(trimmed) > 0 && trimmed[0] == '{' && json.Valid(trimmed) && json.Unmarshal(trimmed, &head) == nil {
				var id string
				if json.Unmarshal(head.ID, &id) == nil && pe.Ref != id {
					t.Fatalf("%s: error %+v; want ref %q", data, pe, id)
				}
			}
			if pe.Code == protocol.CodeBadJSON && json.Valid(trimmed) && len(trimmed) > 0 && trimmed[0] == '{' {
				t.Fatalf("%s is a JSON object, refused as bad_json: %+v", data, pe)
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

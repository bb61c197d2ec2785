package hub

import (
	"reflect"
	"strings"
	"testing"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// The fast path takes a frame only when protocol.Decode would take it and
// read it the same; on everything else it leaves the frame to
// protocol.Decode.
func TestDecodeMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		from protocol.Role
		in   string
		fast bool
	}{
		{"customer message", protocol.FromCustomer, `{"v":1,"type":"message","text":"在吗?"}`, true},
		{"with id", protocol.FromCustomer, `{"v":1,"type":"message","id":"m7","text":"hi"}`, true},
		{"agent message", protocol.FromAgent, `{"v":1,"type":"message","conversation":"c000001","text":"您好"}`, true},
		{"any order, spaces", protocol.FromAgent, " { \"text\" : \"ok\" ,\n\"conversation\":\"c1\",\t\"type\":\"message\", \"v\" : 1 } ", true},
		{"agent without conversation", protocol.FromAgent, `{"v":1,"type":"message","text":"hi"}`, false},
		{"escape", protocol.FromCustomer, `{"v":1,"type":"message","text":"a\nb"}`, false},
		{"unicode escape", protocol.FromCustomer, `{"v":1,"type":"message","text":"\u5728"}`, false},
		{"invalid UTF-8", protocol.FromCustomer, "{\"v\":1,\"type\":\"message\",\"text\":\"\xff\"}", false},
		{"control character", protocol.FromCustomer, "{\"v\":1,\"type\":\"message\",\"text\":\"a\x01\"}", false},
		{"blank text", protocol.FromCustomer, `{"v":1,"type":"message","text":"  "}`, false},
		{"no text", protocol.FromCustomer, `{"v":1,"type":"message"}`, false},
		{"too long", protocol.FromCustomer, `{"v":1,"type":"message","text":"` + strings.Repeat("长", protocol.MaxText+1) + `"}`, false},
		{"longest", protocol.FromCustomer, `{"v":1,"type":"message","text":"` + strings.Repeat("长", protocol.MaxText) + `"}`, true},
		{"version 2", protocol.FromCustomer, `{"v":2,"type":"message","text":"hi"}`, false},
		{"version 1.0", protocol.FromCustomer, `{"v":1.0,"type":"message","text":"hi"}`, false},
		{"version 10", protocol.FromCustomer, `{"v":10,"type":"message","text":"hi"}`, false},
		{"key twice", protocol.FromCustomer, `{"v":1,"type":"message","text":"a","text":"b"}`, false},
		{"key in capitals", protocol.FromCustomer, `{"v":1,"Type":"message","text":"hi"}`, false},
		{"other key", protocol.FromCustomer, `{"v":1,"type":"message","text":"hi","rating":5}`, false},
		{"other type", protocol.FromCustomer, `{"v":1,"type":"evidence","text":"hi"}`, false},
		{"trailing comma", protocol.FromCustomer, `{"v":1,"type":"message","text":"hi",}`, false},
		{"trailing data", protocol.FromCustomer, `{"v":1,"type":"message","text":"hi"} x`, false},
		{"empty object", protocol.FromCustomer, `{}`, false},
		{"not an object", protocol.FromCustomer, `[1]`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := decodeMessage([]byte(tc.in), tc.from)
			if ok != tc.fast {
				t.Fatalf("fast path took it: %v; want %v", ok, tc.fast)
			}
			want, err := protocol.Decode([]byte(tc.in), tc.from)
			if ok && (err != nil || !reflect.DeepEqual(got, want)) {
				t.Errorf("fast path read %+v; protocol.Decode %+v, %v", got, want, err)
			}
		})
	}
}

func FuzzDecodeMessage(f *testing.F) {
	f.Add(`{"v":1,"type":"message","text":"在吗?"}`, false)
	f.Add(`{"v":1,"type":"message","conversation":"c1","id":"x","text":"您好"}`, true)
	f.Add(` {"text":"a","type":"message","v":1} `, false)
	f.Add(`{"v":1,"type":"message","text":"a","text":"b"}`, false)
	f.Fuzz(func(t *testing.T, in string, agent bool) {
		from := protocol.FromCustomer
		if agent {
			from = protocol.FromAgent
		}
		got, ok := decodeMessage([]byte(in), from)
		if !ok {
			return
		}
		want, err := protocol.Decode([]byte(in), from)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: fast path read %+v; protocol.Decode %+v, %v", in, got, want, err)
		}
	})
}

// BenchmarkDecode compares the fast path with protocol.Decode on the
// message the hub reads most.
func BenchmarkDecode(b *testing.B) {
	in := []byte(`{"v":1,"type":"message","conversation":"c000042","text":"您好，我的订单还没发货，麻烦帮我查一下物流 #123@456@789"}`)
	b.Run("decoder=protocol.Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			protocol.Decode(in, protocol.FromAgent)
		}
	})
	b.Run("decoder=fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			decode(in, protocol.FromAgent)
		}
	})
}

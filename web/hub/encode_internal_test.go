package hub

import (
	"bytes"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/protocol"
)

// TestAppendRelay holds the hand-written relay frame to protocol.Encode,
// byte for byte.
func TestAppendRelay(t *testing.T) {
	at := time.Date(2026, 11, 11, 0, 0, 21, 123456789, time.FixedZone("CST", 8*3600))
	for _, tc := range []struct {
		name                   string
		typ, conv, text, agent string
		at                     time.Time
	}{
		{"customer message", protocol.TypeMessage, "c000042", "在吗?", "", at},
		{"agent message", protocol.TypeMessage, "c000042", "抱歉给您添麻烦了，请发一张开线处的照片", "vendor/bot-07", at},
		{"evidence", protocol.TypeEvidence, "c1", "照片：左袖接缝开线约3厘米", "", at.UTC()},
		{"escapes", protocol.TypeMessage, "c\"1", "<b>&\"\\\n\r\t\b\f\x00\x1f\x7f\u2028\u2029 ok", "a<b>", at},
		{"invalid UTF-8", protocol.TypeMessage, "c1", "bad \xff\xfe byte \xe4\xb8", "", at},
		{"whole second", protocol.TypeMessage, "c1", "x", "", at.Truncate(time.Second)},
		{"empty fields", protocol.TypeMessage, "", "", "", at},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := protocol.Encode(protocol.Frame{Type: tc.typ, At: &tc.at, Conversation: tc.conv, Text: tc.text, Agent: tc.agent})
			if err != nil {
				t.Fatal(err)
			}
			if got := appendRelay(nil, tc.typ, tc.at, tc.conv, tc.text, tc.agent); !bytes.Equal(got, want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func FuzzAppendRelay(f *testing.F) {
	f.Add("c000042", "在吗?", "vendor/bot-07", int64(1_700_000_000_123_456_789))
	f.Add("c1", "<&>\u2028\xff\x00", "", int64(0))
	f.Fuzz(func(t *testing.T, conv, text, agent string, ns int64) {
		at := time.Unix(0, ns).In(time.FixedZone("", 8*3600))
		want, err := protocol.Encode(protocol.Frame{Type: protocol.TypeMessage, At: &at, Conversation: conv, Text: text, Agent: agent})
		if err != nil {
			return // a year outside 0–9999: the hub's clock never says so
		}
		if got := appendRelay(nil, protocol.TypeMessage, at, conv, text, agent); !bytes.Equal(got, want) {
			t.Errorf("got  %s\nwant %s", got, want)
		}
	})
}

// BenchmarkAppendRelay compares the relay frame's two encoders.
func BenchmarkAppendRelay(b *testing.B) {
	at := time.Date(2026, 11, 11, 0, 0, 21, 123456789, time.Local)
	text := "您好，我的订单还没发货，麻烦帮我查一下物流"
	b.Run("encoder=protocol.Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			protocol.Encode(protocol.Frame{Type: protocol.TypeMessage, At: &at, Conversation: "c000042", Text: text, Agent: "vendor/bot-07"})
		}
	})
	b.Run("encoder=appendRelay", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			appendRelay(make([]byte, 0, 256), protocol.TypeMessage, at, "c000042", text, "vendor/bot-07")
		}
	})
}

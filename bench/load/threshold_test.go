package load_test

import (
	"strings"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/bench/load"
)

func TestParseThreshold(t *testing.T) {
	for _, tc := range []struct {
		in     string
		metric string
		op     string
		value  float64
		err    string // a part of the error; "" for none
	}{
		{"round_trip_p99 < 50ms", "round_trip_p99", "<", 0.05, ""},
		{"relay_p99<5ms", "relay_p99", "<", 0.005, ""},
		{"relay_p99 < 500µs", "relay_p99", "<", 0.0005, ""},
		{"relay_p99 < 500us", "relay_p99", "<", 0.0005, ""},
		{"round_trip_p999 <= 1.5s", "round_trip_p999", "<=", 1.5, ""},
		{"first_response_p90 < 30s", "first_response_p90", "<", 30, ""},
		{"lateness_max < 100ns", "lateness_max", "<", 1e-7, ""},
		{"errors_rate < 0.001", "errors_rate", "<", 0.001, ""},
		{"errors_rate < 0.1%", "errors_rate", "<", 0.001, ""},
		{"dropped == 0", "dropped", "==", 0, ""},
		{"sent != 0", "sent", "!=", 0, ""},
		{"hub_relayed_per_s >= 9500", "hub_relayed_per_s", ">=", 9500, ""},
		{"hub_memory_per_connection < 20KiB", "hub_memory_per_connection", "<", 20480, ""},
		{"hub_memory_per_connection < 1MB", "hub_memory_per_connection", "<", 1e6, ""},
		{"hub_memory_per_connection < 2kB", "hub_memory_per_connection", "<", 2000, ""},
		{"hub_memory_per_connection < 2 lots", "", "", 0, `"2 lots": want a size`},
		{"hub_cpu_per_message < 60us", "hub_cpu_per_message", "<", 60e-6, ""},
		{"kpi.satisfaction >= 0.9", "kpi.satisfaction", ">=", 0.9, ""},
		// A KPI's unit says what it takes (docs/drills.md: a share takes
		// 0.001 or 0.1%): a fraction a percent too, seconds a duration.
		{"kpi.satisfaction >= 90%", "kpi.satisfaction", ">=", 0.9, ""},
		{"kpi.dispute_refund_rate < 0.5%", "kpi.dispute_refund_rate", "<", 0.005, ""},
		{"kpi.first_response_avg_s < 30s", "kpi.first_response_avg_s", "<", 30, ""},
		{"kpi.timeouts_per_day <= 3", "kpi.timeouts_per_day", "<=", 3, ""},
		{"kpi.timeouts_per_day <= 3%", "", "", 0, "want a number"},
		{"refund <= 1000", "refund", "<=", 1000, ""},
		{"round_trip_p99 < 50", "", "", 0, "want a duration"},
		{"round_trip_p99 < -1s", "", "", 0, "want a duration"},
		{"round_trip_p100 < 1s", "", "", 0, "start 99"},
		{"round_trip_p0 < 1s", "", "", 0, "percentile"},
		{"round_trip_median < 1s", "", "", 0, "p50"},
		{"relay_max < 1s", "", "", 0, "use a percentile"},
		{"latency < 1s", "", "", 0, "unknown metric"},
		{"kpi.happiness > 1", "", "", 0, "unknown KPI"},
		{"sent =< 5", "", "", 0, "no operator"},
		{"sent 5", "", "", 0, "no operator"},
		{"< 5", "", "", 0, "METRIC OP VALUE"},
		{"errors_rate < lots", "", "", 0, "want a number"},
	} {
		got, err := load.ParseThreshold(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseThreshold(%q) = %+v, %v; want an error saying %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.Metric != tc.metric || got.Op != tc.op || diff(got.Value, tc.value) > 1e-12 {
			t.Errorf("ParseThreshold(%q) = %+v, %v; want %s %s %v", tc.in, got, err, tc.metric, tc.op, tc.value)
		}
	}
}

func diff(a, b float64) float64 {
	if a > b {
		return a - b
	}
	return b - a
}

// summaryWith returns a relay summary whose round trips are 1, 2, ... 100
// ms, each once, with 1,000 sent and 990 back.
func summaryWith(t *testing.T) *load.Summary {
	t.Helper()
	h := load.NewHistogram()
	for i := 1; i <= 100; i++ {
		h.RecordValue(int64(i) * int64(time.Millisecond))
	}
	rtt, err := load.NewLatency(h, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &load.Summary{Format: load.SummaryFormat, Mode: load.ModeRelay, Sent: 1000, Received: 990, HubErrors: 5, Dropped: 10, RTT: rtt,
		Shards: []load.ShardInfo{{Shard: load.Shard{Of: 1}}}}
}

// The verdicts, worked from the definitions: the p-th percentile is the
// smallest recorded value with p % of the values at or below it, read as
// the top of its histogram bucket (at most 0.1 % above it): p99 of
// 1..100 ms is 99 ms to 99.1 ms, p50 50 ms to 50.05 ms, max 100 ms to
// 100.1 ms, min 1 ms or up to 0.1 % below.
func TestSummary_Judge(t *testing.T) {
	s := summaryWith(t)
	for _, tc := range []struct {
		expr string
		ok   bool
		text string
	}{
		{"round_trip_p99 < 100ms", true, "round_trip_p99 = 99"},
		{"round_trip_p99 < 100ms", true, "ms, want < 100ms: ok"},
		{"round_trip_p99 < 99ms", false, "ms, want < 99ms: failed"},
		{"round_trip_p50 <= 50.1ms", true, "round_trip_p50 = 50"},
		{"round_trip_max < 100ms", false, "round_trip_max = 100"},
		{"round_trip_min < 1.001ms", true, ""},
		{"dropped == 0", false, "dropped = 10, want == 0: failed"},
		// (send errors + hub errors) ÷ (sent + send errors) = 5 ÷ 1000.
		{"errors_rate <= 0.005", true, "errors_rate = 0.005"},
		{"errors_rate < 0.5%", false, ""},
		// Nothing was read from the hub: the reason says so, and does not
		// say the hub failed to answer what was never asked.
		{"relay_p99 < 5ms", false, "relay_p99 not measured (the hub's /metrics was not read: metrics is -, or it did not answer)"},
		{"kpi.satisfaction >= 0.9", false, "kpi.satisfaction not measured (the hub's KPIs were not read"},
	} {
		th, err := load.ParseThreshold(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		s.Judge([]load.Threshold{th})
		r := s.Thresholds[0]
		if r.OK != tc.ok || !r.Judged || !strings.Contains(r.Text, tc.text) {
			t.Errorf("%s: ok %v, %q; want ok %v and %q", tc.expr, r.OK, r.Text, tc.ok, tc.text)
		}
		if failed := s.FailedThresholds(); (len(failed) == 0) != tc.ok {
			t.Errorf("%s: FailedThresholds %v; want them to agree with ok %v", tc.expr, failed, tc.ok)
		}
	}
	// KPIs read, one of them not observed (no conversation gave it a value).
	s.KPIs = &load.KPIs{Conversations: 3, Values: map[string]float64{"satisfaction": 0.95}}
	for _, tc := range []struct {
		expr, text string
	}{
		{"kpi.satisfaction >= 0.9", "kpi.satisfaction = "},
		{"kpi.resolution_24h_rate >= 0.9", "not measured (the hub's review of 3 conversations did not observe it)"},
	} {
		th, err := load.ParseThreshold(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		s.Judge([]load.Threshold{th})
		if r := s.Thresholds[0]; !strings.Contains(r.Text, tc.text) {
			t.Errorf("%s: %q; want %q", tc.expr, r.Text, tc.text)
		}
	}
}

// An idle run's refusal names what it does measure.
func TestThreshold_FitsIdleNamesItsMetrics(t *testing.T) {
	th, err := load.ParseThreshold("round_trip_p99 < 1s")
	if err != nil {
		t.Fatal(err)
	}
	want := `threshold "round_trip_p99 < 1s": an idle run measures only agents, customers, failed_connections, generator_memory_per_connection, hub_memory_per_connection`
	if err := th.Fits(load.ModeIdle); err == nil || err.Error() != want {
		t.Errorf("got %v; want %s", err, want)
	}
	// And the generator's memory, outside an idle run, names the idle run.
	th, err = load.ParseThreshold("generator_memory_per_connection < 40KiB")
	if err != nil {
		t.Fatal(err)
	}
	want = `threshold "generator_memory_per_connection < 40KiB": generator_memory_per_connection is measured only with an idle run (--idle)`
	if err := th.Fits(load.ModeRelay); err == nil || err.Error() != want {
		t.Errorf("got %v; want %s", err, want)
	}
}

// A threshold on a metric the mode does not measure is refused when the
// run is configured.
func TestThreshold_Fits(t *testing.T) {
	for _, tc := range []struct {
		expr, mode string
		ok         bool
	}{
		{"round_trip_p99 < 1s", load.ModeRelay, true},
		{"round_trip_p99 < 1s", load.ModeScenario, false},
		{"first_response_p90 < 30s", load.ModeScenario, true},
		{"first_response_p90 < 30s", load.ModeRelay, false},
		{"relay_p99 < 5ms", load.ModeScenario, true},
		// An idle run holds connections and sends nothing: it measures
		// the connections and the memory they take, no message.
		{"hub_memory_per_connection < 40KiB", load.ModeIdle, true},
		{"generator_memory_per_connection < 40KiB", load.ModeIdle, true},
		{"generator_memory_per_connection < 40KiB", load.ModeRelay, false},
		{"customers == 100", load.ModeIdle, true},
		{"agents == 10", load.ModeIdle, true},
		{"failed_connections == 0", load.ModeIdle, true},
		{"dropped == 0", load.ModeIdle, false},
		{"round_trip_p99 < 1s", load.ModeIdle, false},
		{"kpi.satisfaction >= 0.9", load.ModeIdle, false},
	} {
		th, err := load.ParseThreshold(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if err := th.Fits(tc.mode); (err == nil) != tc.ok {
			t.Errorf("%s in %s mode: %v; want ok %v", tc.expr, tc.mode, err, tc.ok)
		}
	}
}

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"round_trip_p99 < 50ms", "errors_rate < 0.1%", "kpi.satisfaction >= 0.9", "hub_memory_per_connection < 20KiB",
		"round_trip_p99999999 < 1s", "x<", "<=>", "relay_p50 == 1µs", "dropped == 1e308"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		th, err := load.ParseThreshold(in)
		if err != nil {
			return
		}
		// What parses judges without panicking, and parses again as itself.
		again, err := load.ParseThreshold(th.Expr)
		if err != nil || again != th {
			t.Fatalf("%q parsed as %+v, which reads back as %+v, %v", in, th, again, err)
		}
		summaryWithoutT().Judge([]load.Threshold{th})
	})
}

func summaryWithoutT() *load.Summary {
	h := load.NewHistogram()
	h.RecordValue(int64(time.Millisecond))
	rtt, _ := load.NewLatency(h, 0)
	return &load.Summary{Format: load.SummaryFormat, Mode: load.ModeRelay, Sent: 1, Received: 1, RTT: rtt}
}

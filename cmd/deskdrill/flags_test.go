package main

import (
	"bytes"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagRef is one flag of one command.
type flagRef struct {
	cmd  func() *cobra.Command
	name string
}

// The hand-written parsers and the flags each reads, as the fuzzers below
// exercise them. TestFlags_EveryValueExplainsItself checks that every
// parsed flag of every command is here.
var (
	agentsFlags   = []flagRef{{newPlanCmd, "agents"}}
	durationFlags = []flagRef{{newErlangCmd, "aht"}, {newErlangCmd, "patience"}, {newErlangCmd, "target"},
		{newSimulateCmd, "aht"}, {newSimulateCmd, "patience"}, {newSimulateCmd, "target"},
		{newServeCmd, "grace"}, {newServeCmd, "stall-timeout"}, {newServeCmd, "stop-timeout"}, {newCustomersCmd, "resume-at"},
		{newLoadCmd, "duration"}, {newLoadCmd, "setup-timeout"}, {newLoadCmd, "interval"}, {newEchoLoadCmd, "duration"}}
	rateFlags      = []flagRef{{newErlangCmd, "arrivals"}, {newSimulateCmd, "arrivals"}}
	loadRateFlags  = []flagRef{{newLoadCmd, "rate"}, {newEchoLoadCmd, "rate"}}
	agentCostFlags = []flagRef{{newPlanCmd, "agent-cost"}}
	thinkFlags     = []flagRef{{newServeCmd, "think"}, {newAgentCmd, "think"}, {newExamTryCmd, "think"}}
	speedFlags     = []flagRef{{newServeCmd, "speed"}, {newCustomersCmd, "speed"}, {newExamTryCmd, "speed"}}
	sizeFlags      = []flagRef{{newServeCmd, "db-max-size"}}
	riskFlags      = []flagRef{{newPlanCmd, "risk"}}
	kpiFlags       = []flagRef{{newRefundCmd, "kpi"}}
	numberFlags    = []flagRef{{newPlanCmd, "hour-sl"}, {newPlanCmd, "hour-abandon"}, {newPlanCmd, "max-abandon"}, {newPlanCmd, "shrinkage"},
		{newServeCmd, "bot-skill"}, {newAgentCmd, "skill"},
		{newErlangCmd, "solve-sl"}, {newErlangCmd, "max-abandon"}, {newErlangCmd, "max-occupancy"}, {newErlangCmd, "shrinkage"},
		{newCustomersCmd, "patience-scale"}, {newKPIsCmd, "paid-orders"}, {newExamTryCmd, "bot-skill"}}
	wholeFlags = []flagRef{{newPlanCmd, "reps"}, {newPlanCmd, "max-reps"}, {newPlanCmd, "hour-reps"}, {newPlanCmd, "concurrency"}, {newPlanCmd, "seed"}, {newErlangCmd, "agents"},
		{newSimulateCmd, "agents"}, {newSimulateCmd, "customers"}, {newSimulateCmd, "seed"},
		{newServeCmd, "bots"}, {newServeCmd, "count"}, {newServeCmd, "seed"}, {newCustomersCmd, "count"}, {newCustomersCmd, "seed"},
		{newAgentCmd, "count"}, {newAgentCmd, "seed"}, {newRefundCmd, "terminate-after-months"},
		{newLoadCmd, "customers"}, {newLoadCmd, "agents"}, {newLoadCmd, "dialers"}, {newLoadCmd, "workers"},
		{newEchoLoadCmd, "conns"}, {newEchoLoadCmd, "dialers"},
		{newExamTryCmd, "repeat"}, {newExamTryCmd, "seed"}, {newDrillCmd, "seed"}, {newExamReportCmd, "terminate-after-months"}, {newServeCmd, "resume"},
		{newTrialStatusCmd, "run"},
		{newSimulateCmd, "level"}, {newSimulateCmd, "rep"}, {newCalibrateCmd, "run"}, {newCalibrateCmd, "min-n"}}
	urlFlags       = []flagRef{{newCustomersCmd, "url"}, {newAgentCmd, "url"}, {newLoadCmd, "url"}, {newEchoLoadCmd, "url"}}
	shiftsFlags    = []flagRef{{newPlanCmd, "shifts"}}
	startsFlags    = []flagRef{{newPlanCmd, "starts"}}
	breakFlags     = []flagRef{{newPlanCmd, "break"}}
	shardFlags     = []flagRef{{newPlanCmd, "shard"}, {newLoadCmd, "shard"}, {newDrillCmd, "shard"}}
	thresholdFlags = []flagRef{{newLoadCmd, "threshold"}}

	allParsedFlags = slices.Concat(agentsFlags, durationFlags, rateFlags, loadRateFlags, agentCostFlags, thinkFlags,
		speedFlags, riskFlags, kpiFlags, numberFlags, wholeFlags, urlFlags, sizeFlags, shiftsFlags, startsFlags, breakFlags, shardFlags, thresholdFlags)
)

// checkFlagError checks the error of flag name given value: one readable
// line that names the flag, repeats the value and shows a good value, with
// no Go parser's words in it.
func checkFlagError(t *testing.T, name, value string, err error) {
	t.Helper()
	msg := err.Error()
	prefix := "--" + name + " " + shown(value) + ": "
	if !strings.HasPrefix(msg, prefix) {
		t.Fatalf("%q: want it to start %q", msg, prefix)
	}
	if !strings.Contains(msg, "want ") || !strings.Contains(msg, " such as ") {
		t.Fatalf("%q: want it to say what it wants, such as an example", msg)
	}
	if strings.Contains(msg, "\n") || !utf8.ValidString(msg) {
		t.Fatalf("%q: want one line of text", msg)
	}
	// The value given may hold anything, and so may the parts of it that a
	// reason quotes; the rest of the message may not.
	ours := quoted.ReplaceAllString(strings.TrimPrefix(msg, prefix), `""`)
	for _, internal := range []string{"strconv.", "time: ", "invalid syntax", "parsing ", "%!", "<nil>"} {
		if strings.Contains(ours, internal) {
			t.Fatalf("%q: says %q, a Go parser's words", msg, internal)
		}
	}
}

// quoted matches a Go-quoted string, as reasons quote what was given.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// fuzzFlags feeds every value to every flag of refs as the command line
// would, through pflag and the error func of the root command: no value
// panics, a rejected value gets a readable error (checkFlagError), and an
// accepted one reads back as itself (what --help shows is valid).
func fuzzFlags(f *testing.F, refs []flagRef, seeds ...string) {
	f.Helper()
	for _, s := range append(seeds, "", " ", "0", "-1", "1e400", "NaN", "Inf", "\x00", "💥", "1/0", "..", ":", "=", "%!", "%v", "parsing ", "%!"+strings.Repeat("0", 40)) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		for _, ref := range refs {
			fs := ref.cmd().Flags()
			err := fs.Set(ref.name, v)
			if err != nil {
				checkFlagError(t, ref.name, v, explainFlagError(err))
				continue
			}
			fl := fs.Lookup(ref.name)
			switch fl.Value.(type) {
			case *kpiValues, *thresholdValues: // repeatable: a second Set adds
				continue
			}
			if back := fl.Value.String(); fs.Set(ref.name, back) != nil || fl.Value.String() != back {
				t.Fatalf("--%s %q was read as %q, which does not read back as itself", ref.name, v, back)
			}
		}
	})
}

func FuzzFlagAgents(f *testing.F) {
	fuzzFlags(f, agentsFlags, "20:80:5", "10:5:1", "1:100000:1", "0:0:0", "5:5", "3:12:3", "1:1000:1", "-5:5:1", "9223372036854775807:1:1")
}

func FuzzFlagDuration(f *testing.F) {
	fuzzFlags(f, durationFlags, "180s", "3m", "1h30m", "14d", "2w", "1.5h", "0s", "500ms", "-1s", "1e400s", "3q", "9999999999w", "1..2s", "1.000036ms", "1h0.5ms", "6d23h59m59.999999999s", "8d")
}

func FuzzFlagSize(f *testing.F) {
	fuzzFlags(f, sizeFlags, "500MiB", "2GiB", "1MB", "12B", "0", "-1GiB", "lots", "1e30GB", "1.5 MiB", "MiB")
}

func FuzzFlagRate(f *testing.F) {
	fuzzFlags(f, rateFlags, "200/h", "100/30m", "3/s", "900/1d", "1/2w", "5", "-5/h", "5/0s", "1e13/h", "0.5/1.5h", "5/", "1/.00000001h", "100/.5h", "1/8d")
}

func FuzzFlagLoadRate(f *testing.F) {
	fuzzFlags(f, loadRateFlags, "5000/s", "300/m", "100/500ms", "100", "0/s", "1/0s", "1.5/s", "9223372036854775807/1ns")
}

func FuzzFlagAgentCost(f *testing.F) {
	fuzzFlags(f, agentCostFlags, "300/day", "300/d", "300", "15/h", "15/hour", "cheap", "0/day", "1e10/day", "300/week", "100000000/h")
}

func FuzzFlagThink(f *testing.F) {
	fuzzFlags(f, thinkFlags, "2s..20s", "1s..4s", "3s", "5s..1s", "0s..1h", "1s..2h", "..1s", "1s..", "1s...2s", "1d..1w")
}

func FuzzFlagSpeed(f *testing.F) {
	fuzzFlags(f, speedFlags, "60", "1", "0.5", "100000", "100001", "fast", "1e-300", "0x10", "1_000")
}

func FuzzFlagRisk(f *testing.F) {
	fuzzFlags(f, riskFlags, "p_refund<=0.05", "refund_p95<=5000, p_miss.satisfaction<=0.1", "p_refund<=0.05 and refund_mean<1000",
		"happiness<1", "p_refund<=x", "p_refund<=1e999", ",", "satisfaction_mean>=0.9", "%! ")
}

func FuzzFlagKPI(f *testing.F) {
	fuzzFlags(f, kpiFlags, "satisfaction=0.87", "dispute_refund_rate=0.026", "incident.data_leak=1", "satisfaction=87",
		"satisfaction=87%", "happiness=1", "satisfaction", "=0.5", "timeouts_per_day=6.5", "qa_hard_fails=1.5", "%!=")
}

func FuzzFlagThreshold(f *testing.F) {
	fuzzFlags(f, thresholdFlags, "round_trip_p99 < 50ms", "relay_p99<5ms", "errors_rate < 0.001", "errors_rate < 0.1%", "dropped == 0",
		"kpi.satisfaction >= 0.9", "refund <= 1000", "hub_memory_per_connection < 20KiB", "round_trip_p100 < 1s", "round_trip_p999 < 1µs",
		"first_response_p90 < 30s", "latency < 1s", "sent =< 5", "sent", "< 5", "round_trip_p99 < 50", "round_trip_max < -1s", "%!<%v")
}

func FuzzFlagShard(f *testing.F) {
	fuzzFlags(f, shardFlags, "0/1", "0/4", "3/4", "4/4", "-1/4", "1/0", "0/10000", "0/10001", "a/b", "1/2/3", " 1 / 2 ", "1/", "/4", " 3 / 7 ")
}

func FuzzFlagNumber(f *testing.F) {
	fuzzFlags(f, numberFlags, "0.8", "0", "1", "0.99", "1.5", "12000", "-0", "1e-320", ".5", "5.")
}

func FuzzFlagWhole(f *testing.F) {
	fuzzFlags(f, wholeFlags, "100", "1", "0", "5000", "5001", "100000", "1e3", "10.0", "+5", "18446744073709551615", "18446744073709551616")
}

func FuzzFlagURL(f *testing.F) {
	fuzzFlags(f, urlFlags, "ws://127.0.0.1:8080", "wss://hub.example:443", "http://127.0.0.1:8080/", "127.0.0.1:8080",
		"ws://[::1]:8080", "ws://:8080", "ws://h:0", ":::", "ws://u:p@h:1", "ftp://h:1", "ws://h:1/ws/agent", "ws://h:1?x=1", "0/ /")
}

func FuzzFlagShifts(f *testing.F) {
	fuzzFlags(f, shiftsFlags, "4h,8h,9h", "8h", "30m", "17h", "8h,", "1h30m,9h", " 4h , 8h ", "8", "1d")
}

func FuzzFlagStarts(f *testing.F) {
	fuzzFlags(f, startsFlags, "00:00,08:00,16:00", "8:00", "24:00", "23:59", "08:00,,09:00", "9", "12:60")
}

func FuzzFlagBreak(f *testing.F) {
	fuzzFlags(f, breakFlags, "9h:4h:1h", "9h:4h:1h:paid", "none", "8h:7h:2h", "9h:4h:1h,6h:3h:15m", "9h:4h", "9h:4h:1h:free", "0s:0s:0s", "1h:0s:1h")
}

// walk calls fn for every command under c, with its path.
func walk(c *cobra.Command, path []string, fn func(c *cobra.Command, path []string)) {
	fn(c, path)
	for _, sub := range c.Commands() {
		walk(sub, append(slices.Clone(path), sub.Name()), fn)
	}
}

// Every flag that is not plain text or a switch is read by a parser whose
// errors explain themselves, and is fuzzed.
func TestFlags_EveryValueExplainsItself(t *testing.T) {
	fuzzed := map[string]bool{}
	for _, ref := range allParsedFlags {
		fuzzed[ref.cmd().Name()+" --"+ref.name] = true
	}
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	walk(root, nil, func(c *cobra.Command, path []string) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := fl.Value.(interface{ wants() string }); ok {
				if !fuzzed[c.Name()+" --"+fl.Name] {
					t.Errorf("%s --%s is parsed but not fuzzed: add it to a fuzzer's flags", strings.Join(path, " "), fl.Name)
				}
				return
			}
			switch fl.Value.Type() {
			case "string", "bool":
			default:
				t.Errorf("%s --%s is a pflag %s: define it with floatFlag, intFlag, durationFlag or varFlag so that its errors say what a good value is",
					strings.Join(path, " "), fl.Name, fl.Value.Type())
			}
		})
	})
}

// hostile are values that no flag should take, or that took some down.
var hostile = []string{"fast", "-1", "", " ", "1e400", "NaN", "-Inf", "0x", "99999999999999999999999", "\x00", "10:5:1",
	"5s..1s", "..", "/", "=", "💥", "1/0", "0", strings.Repeat("9", 400)}

// Every parsed flag of every command, given a hostile value through the
// real entry point, exits 2 with a message naming the flag, and never
// panics. A value a flag accepts is skipped: it would run the command.
func TestRun_HostileFlagValues(t *testing.T) {
	root := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
	runs := 0
	walk(root, nil, func(c *cobra.Command, path []string) {
		c.LocalFlags().VisitAll(func(fl *pflag.Flag) {
			if _, ok := fl.Value.(interface{ wants() string }); !ok {
				return
			}
			for _, v := range hostile {
				// A fresh command tells whether the flag takes v.
				fresh := newRootCmd(&bytes.Buffer{}, &bytes.Buffer{})
				sub, _, err := fresh.Find(path)
				if err != nil {
					t.Fatal(err)
				}
				if sub.Flags().Set(fl.Name, v) == nil {
					continue
				}
				args := append(slices.Clone(path), "--"+fl.Name+"="+v)
				runs++
				r := deskdrill(t, args...)
				if r.code != 2 || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") ||
					!strings.Contains(r.stderr, "--"+fl.Name+" ") {
					t.Errorf("deskdrill %q: exit %d, stderr %q; want exit 2 and a message naming --%s", args, r.code, r.stderr, fl.Name)
				}
			}
		})
	})
	if want := len(allParsedFlags) * len(hostile) / 2; runs < want {
		t.Errorf("ran %d hostile command lines; want at least %d", runs, want)
	}
	// Hand-checked text flags and arguments.
	db := t.TempDir() + "/x.db"
	for _, args := range [][]string{
		{"plan", "--agents", "10:5:1"}, // used to panic on an empty sweep
		{"plan", "--scenario", "steady-day", "--agents", "10:5:1"},
		{"serve", "--customers", "💥"},
		{"serve", "--log", "fast"},
		{"refund", "--contract", "seed-tiered", "--kpi", "satisfaction=0.9", "--period", "\x00"},
		{"tokens", "create", "--role", "💥", "--name", "x", "--db", db},
		{"export", "-1", "--db", db},
		{"export", "99999999999999999999999", "--db", db},
		{"report", "fast", "--db", db},
		{"simulate", "--scenario", "\x00"},
		{"serve", "--speed"}, // no value at all
		{"refund", "--contract", "seed-tiered", "--kpi"},
		{"refund", "--contract", "seed-tiered", "--kpi", "satisfaction=0.9", "--json=maybe"},
	} {
		r := deskdrill(t, args...)
		if r.code != 2 || strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine") {
			t.Errorf("deskdrill %q: exit %d, stderr %q; want exit 2 and no panic", args, r.code, r.stderr)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		freq float64
		per  time.Duration
	}{
		{"200/h", 200, time.Hour},
		{"100/30m", 100, 30 * time.Minute},
		{"100/.5h", 100, 30 * time.Minute}, // was read as per 1.5h
		{"3/s", 3, time.Second},
		{"900/1d", 900, 24 * time.Hour},
	} {
		r, err := parseRate(tc.in)
		if err != nil || r.Freq != tc.freq || r.Per != tc.per {
			t.Errorf("parseRate(%q) = %v/%v, %v; want %v/%v", tc.in, r.Freq, r.Per, err, tc.freq, tc.per)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{90 * time.Second, "1m30s"},
		{36 * time.Microsecond, "0.036ms"},
		{time.Hour + 5*time.Millisecond + 36*time.Microsecond, "1h5.036ms"},
		{2*time.Second + 1, "2s0.000001ms"},
		{14 * 24 * time.Hour, "14d"},
	} {
		if got := formatDuration(tc.d); got != tc.want {
			t.Errorf("formatDuration(%v) = %q; want %q", tc.d, got, tc.want)
		}
	}
}

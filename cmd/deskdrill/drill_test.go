//go:build unix

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

// drillHub starts a hub for drills: external customers, no bots, a
// file of its own; the drill files read its address and tokens from the
// environment.
func drillHub(t *testing.T) *serveProc {
	t.Helper()
	p := startServe(t, "--customers", "external", "--bots", "0", "--db", filepath.Join(t.TempDir(), "d.db"), "--addr", "127.0.0.1:0", "--log", "warn")
	t.Setenv("DRILL_HUB", p.base)
	t.Setenv("DRILL_CUSTOMER", p.customer)
	t.Setenv("DRILL_AGENT", p.agent)
	t.Setenv("DRILL_VIEWER", p.viewer)
	return p
}

// drillFile writes a small echo drill: 20 customers, 10 agents, 50
// messages a second for a second, and the thresholds given.
func drillFile(t *testing.T, thresholds ...string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("name: small\nhub: ${DRILL_HUB}\ntokens:\n  customer: ${DRILL_CUSTOMER}\n  agent: ${DRILL_AGENT}\n  viewer: ${DRILL_VIEWER}\n")
	b.WriteString("customers: {count: 20}\nagents: {count: 10}\nstages:\n  - {duration: 1s, from: 50/s, rate: 50/s}\ninterval: 250ms\n")
	if len(thresholds) > 0 {
		b.WriteString("thresholds:\n")
		for _, th := range thresholds {
			fmt.Fprintf(&b, "  - expr: %s\n", th)
		}
	}
	return writeFile(t, "drill.yaml", b.String())
}

func readText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func readSummary(t *testing.T, path string) *loadgen.Summary {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := loadgen.DecodeSummary(path, f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A drill whose thresholds hold exits 0, one with a threshold that cannot
// hold exits 99; each names its thresholds with their values.
func TestDrill_ExitStatus(t *testing.T) {
	drillHub(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name       string
		thresholds []string
		code       int
		want       []string // in standard output
		stderr     string
	}{
		{"holds", []string{"round_trip_p99 < 30s", "dropped == 0", "errors_rate == 0", "refund >= 0"}, 0,
			[]string{"✓ round_trip_p99 = ", "want < 30s: ok", "✓ dropped = 0, want == 0: ok"}, ""},
		{"cannot hold", []string{"round_trip_p99 < 1ns", "sent == 50"}, 99,
			[]string{"✗ round_trip_p99 = ", "want < 1ns: failed", "✓ sent = 50, want == 50: ok"}, "1 of the thresholds failed: round_trip_p99 = "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sum, html := filepath.Join(dir, tc.name+".json"), filepath.Join(dir, tc.name+".html")
			r := deskdrill(t, "drill", drillFile(t, tc.thresholds...), "--summary", sum, "--html", html)
			if r.code != tc.code {
				t.Fatalf("exit %d; want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout %q; want it to say %q", r.stdout, w)
				}
			}
			if !strings.Contains(r.stderr, tc.stderr) || !strings.Contains(r.stderr, "t=") {
				t.Errorf("stderr %q; want a line per interval and %q", r.stderr, tc.stderr)
			}
			s := readSummary(t, sum)
			if s.Sent != 50 || s.Received != 50 || s.RTT == nil || len(s.Intervals) < 4 || s.Hub == nil || s.KPIs == nil {
				t.Errorf("summary: sent %d, received %d, rtt %v, %d intervals, hub %v, kpis %v; want 50, 50 and everything measured",
					s.Sent, s.Received, s.RTT, len(s.Intervals), s.Hub, s.KPIs)
			}
			b, err := os.ReadFile(html)
			if err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "round_trip_p99") {
				t.Errorf("report: %d bytes, %v; want charts and the thresholds", len(b), err)
			}
		})
	}
}

// Bad input exits 2 with the file, line and field; bad flags too.
func TestDrill_BadInput(t *testing.T) {
	bad := writeFile(t, "bad.yaml", "hub: ws://127.0.0.1:1\ntokens: {customer: c}\ncustomers: {count: 1}\nagents: {count: 1}\nstages: [{duration: 1s, rate: fast}]\n")
	for _, args := range [][]string{
		{"drill", bad},
		{"drill", filepath.Join(t.TempDir(), "missing.yaml")},
		{"drill", bad, "--shard", "2/2"},
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--threshold", "latency < 1s"},
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--summary", filepath.Join(t.TempDir(), "no", "such", "dir.json")},
		// As in a drill file: an interval of at most 1h, and a KPI
		// threshold only with a viewer token.
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--interval", "2h"},
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--threshold", "refund < 10"},
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--threshold", "kpi.satisfaction >= 0.9"},
		// An idle run measures connections and memory, no message.
		{"load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--agent-token", "a", "--idle", "--threshold", "round_trip_p99 < 1s"},
		{"merge", filepath.Join(t.TempDir(), "missing.json")},
		{"merge", writeFile(t, "k6.json", `{"metrics": {}}`)},
	} {
		r := deskdrill(t, args...)
		if r.code != 2 {
			t.Errorf("deskdrill %q: exit %d (%s); want 2", args, r.code, r.stderr)
		}
	}
	r := deskdrill(t, "drill", bad)
	if !strings.Contains(r.stderr, "bad.yaml:5:") || !strings.Contains(r.stderr, "stages[0].rate") {
		t.Errorf("stderr %q; want the file, line and field", r.stderr)
	}
	// Too short or too long, --interval names the same bounds (drills.md:
	// 10ms to 1h).
	for _, d := range []string{"5ms", "2h"} {
		r := deskdrill(t, "load", "--url", "ws://127.0.0.1:1", "--customer-token", "c", "--interval", d)
		if r.code != 2 || !strings.Contains(r.stderr, "from 10ms to 1h") || strings.Contains(r.stderr, "1w") {
			t.Errorf("--interval %s: exit %d, stderr %q; want 2 and the bounds 10ms to 1h", d, r.code, r.stderr)
		}
	}
}

// Two shards run at once and merged by deskdrill merge judge the whole
// drill: its counts, and a threshold on the whole. A shard aborts on
// nothing either: "customers == 20" fails on each half at once, and
// holds on the whole.
func TestMerge_DrillShards(t *testing.T) {
	drillHub(t)
	file := drillFile(t, "sent == 50", "round_trip_p99 < 30s", "customers == 20\n    abort_on_fail: true")
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i] = deskdrill(t, "drill", file, "--shard", fmt.Sprintf("%d/2", i), "--summary", filepath.Join(dir, fmt.Sprintf("s%d.json", i)))
		})
	}
	wg.Wait()
	for i, r := range results {
		// A shard judges nothing: exit 0 although "sent == 50" fails on
		// its half.
		if r.code != 0 || !strings.Contains(r.stdout, "· sent == 50: judged on the merged shards") {
			t.Fatalf("shard %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	r := deskdrill(t, "merge", filepath.Join(dir, "s0.json"), filepath.Join(dir, "s1.json"), "--json")
	if r.code != 0 {
		t.Fatalf("merge: exit %d\n%s", r.code, r.stderr)
	}
	var m loadgen.Summary
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	if m.Sent != 50 || m.Received != 50 || m.Customers != 20 || m.Agents != 10 || len(m.Shards) != 2 || len(m.Thresholds) != 3 ||
		!m.Thresholds[0].OK || !m.Thresholds[2].OK || m.Aborted != "" {
		t.Errorf("merged: sent %d, received %d, customers %d, agents %d, %d shards, thresholds %+v, aborted %q; want 50, 50, 20, 10, 2, all held and none aborted",
			m.Sent, m.Received, m.Customers, m.Agents, len(m.Shards), m.Thresholds, m.Aborted)
	}
	// A shard of another drill file (more customers, the same name and
	// stages) is refused. It runs alone: the hub never counts the other
	// shard's customers, and it paces once its setup time is over.
	other := strings.Replace(readText(t, file), "customers: {count: 20}", "customers: {count: 30}\nsetup_timeout: 2s", 1)
	if r := deskdrill(t, "drill", writeFile(t, "other.yaml", other), "--shard", "1/2", "--summary", filepath.Join(dir, "other1.json")); r.code != 0 {
		t.Fatalf("shard of the other drill: exit %d\n%s", r.code, r.stderr)
	}
	if r := deskdrill(t, "merge", filepath.Join(dir, "s0.json"), filepath.Join(dir, "other1.json")); r.code != 2 || !strings.Contains(r.stderr, "the shards ran different drills") {
		t.Errorf("merge of two drills' shards: exit %d, %q; want 2 and the shards named as different drills", r.code, r.stderr)
	}
	// One shard alone is not the drill.
	if r := deskdrill(t, "merge", filepath.Join(dir, "s0.json")); r.code != 2 || !strings.Contains(r.stderr, "shard 1/2 missing") {
		t.Errorf("merge of one shard: exit %d, %q; want 2 and the missing shard named", r.code, r.stderr)
	}
}

// Shards of a drill whose agents cannot seat every customer agree on the
// hub's counts when seating is over, so they start pacing together, and
// the merged summary counts only the customers the hub seated.
// steady-day seats 3 chats per agent: 6 agents seat 18 of the 40
// customers.
func TestMerge_DrillShardsShortOfSeats(t *testing.T) {
	drillHub(t)
	file := writeFile(t, "short.yaml", "name: short\nhub: ${DRILL_HUB}\ntokens:\n  customer: ${DRILL_CUSTOMER}\n  agent: ${DRILL_AGENT}\n"+
		"customers: {count: 40}\nagents: {count: 6}\nstages:\n  - {duration: 1s, from: 20/s, rate: 20/s}\ninterval: 250ms\n")
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]result, 2)
	for i := range 2 {
		wg.Go(func() {
			results[i] = deskdrill(t, "drill", file, "--shard", fmt.Sprintf("%d/2", i), "--summary", filepath.Join(dir, fmt.Sprintf("s%d.json", i)))
		})
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Fatalf("shard %d: exit %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	s0, s1 := readSummary(t, filepath.Join(dir, "s0.json")), readSummary(t, filepath.Join(dir, "s1.json"))
	// The documented agreement is a poll (50 ms); the margin is for a
	// loaded machine, far below the 5 s a shard waited for seats that
	// would never come.
	// A shard the hub seated none of paced nothing: its window still
	// runs forward (it was negative, the last reply before its start).
	if s0.Elapsed < 0 || s1.Elapsed < 0 {
		t.Errorf("shards' elapsed %v and %v; want neither negative", s0.Elapsed, s1.Elapsed)
	}
	if d := s0.Started.Sub(s1.Started).Abs(); d > time.Second {
		t.Errorf("shards started pacing %v apart; want within a poll (50 ms, with a margin for a loaded machine)", d)
	}
	r := deskdrill(t, "merge", filepath.Join(dir, "s0.json"), filepath.Join(dir, "s1.json"), "--json")
	if r.code != 0 {
		t.Fatalf("merge: exit %d\n%s", r.code, r.stderr)
	}
	var m loadgen.Summary
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		t.Fatal(err)
	}
	// Which shard's customers the hub seats is a race: a shard it seated
	// none of counts its messages as send errors.
	if m.Customers != 40 || m.Agents != 6 || m.Assigned != 18 || m.Sent+m.SendErrors != 20 || m.Received != m.Sent || m.Sent == 0 {
		t.Errorf("merged: customers %d, agents %d, assigned %d, sent %d + %d send errors, received %d; want 40, 6, 18 (6 agents × 3 chats), 20 in all, all back",
			m.Customers, m.Agents, m.Assigned, m.Sent, m.SendErrors, m.Received)
	}
}

// serve --pprof serves Go's profiles on a listener of its own.
func TestServe_Pprof(t *testing.T) {
	p := startServe(t, "--customers", "external", "--bots", "0", "--db", filepath.Join(t.TempDir(), "p.db"), "--addr", "127.0.0.1:0", "--pprof", "127.0.0.1:0")
	m := regexp.MustCompile(`profiles \(go tool pprof\): (http://\S+/debug/pprof/)`).FindStringSubmatch(p.out())
	if m == nil {
		t.Fatalf("no profiles line in %q", p.out())
	}
	resp, err := http.Get(m[1] + "goroutine?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), "goroutine profile:") {
		t.Errorf("GET goroutine profile: %s %.80q; want the profile", resp.Status, b)
	}
	// The hub's own listener does not serve them.
	if code, _ := p.get("/debug/pprof/", ""); code == 200 {
		t.Error("the hub's listener serves /debug/pprof/; want it only on --pprof's")
	}
}

// A drill of synthetic customers: arrivals paced by the stages, served by
// the drill's bots, first responses measured; run whole and in two shards
// (the same seed), which together send the same customers, and every one
// of them finishes. One bot, in shard 0, serves both customers, shard 1's
// (arriving 1 s after shard 0's) too: shard 0 must stay until shard 1's
// conversation is over, although its own ended. The bot thinks 1 to 2 s,
// so the hub relays nothing for longer than the echo shards' quiet spell
// (500 ms) mid-conversation; the drain (12 s) is shorter than an agent's
// grace period (30 s), so a customer whose bot left would not finish.
func TestDrill_SyntheticCustomers(t *testing.T) {
	file := writeFile(t, "synthetic.yaml", "name: synthetic\nhub: ${DRILL_HUB}\nseed: 42\ntokens:\n  customer: ${DRILL_CUSTOMER}\n  agent: ${DRILL_AGENT}\n"+
		"customers: {kind: scenario, scenario: steady-day}\nagents: {kind: bot, count: 1, think: 1s..2s}\n"+
		"stages: [{duration: 2s, from: 1/s, rate: 1/s}]\ndrain: 12s\ninterval: 500ms\n"+
		"thresholds:\n  - expr: arrived == 2\n  - expr: first_response_p90 < 30s\n")
	dir := t.TempDir()
	drillHub(t)
	r := deskdrill(t, "drill", file, "--summary", filepath.Join(dir, "whole.json"))
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	whole := readSummary(t, filepath.Join(dir, "whole.json"))
	if whole.Arrived != 2 || whole.Finished != 2 || whole.Dropped != 0 || whole.FirstResponse == nil || whole.FirstResponse.N == 0 || whole.Seed != 42 || whole.Agents != 1 {
		t.Errorf("arrived %d, finished %d, dropped %d, first responses %v, seed %d, agents %d; want 2 customers, both finished, with first responses, seed 42, 1 bot",
			whole.Arrived, whole.Finished, whole.Dropped, whole.FirstResponse, whole.Seed, whole.Agents)
	}
	drillHub(t)
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range 2 {
		wg.Go(func() {
			res := deskdrill(t, "drill", file, "--shard", fmt.Sprintf("%d/2", i), "--summary", filepath.Join(dir, fmt.Sprintf("s%d.json", i)))
			codes[i] = res.code
		})
	}
	wg.Wait()
	if codes[0] != 0 || codes[1] != 0 {
		t.Fatalf("shards exited %v", codes)
	}
	if r := deskdrill(t, "merge", filepath.Join(dir, "s0.json"), filepath.Join(dir, "s1.json"), "--summary", filepath.Join(dir, "merged.json")); r.code != 0 {
		t.Fatalf("merge exited %d: %s%s", r.code, r.stdout, r.stderr)
	}
	m := readSummary(t, filepath.Join(dir, "merged.json"))
	s0 := readSummary(t, filepath.Join(dir, "s0.json"))
	if m.Arrived != whole.Arrived || m.Finished != whole.Finished || m.Dropped != 0 || s0.Arrived != 1 {
		t.Errorf("merged shards: %d arrived, %d finished, %d dropped, shard 0 %d arrived; want the whole's %d and %d, none dropped, and half of them",
			m.Arrived, m.Finished, m.Dropped, s0.Arrived, whole.Arrived, whole.Finished)
	}
}

// Every synthetic customer that arrived either finished (abandoned
// included) or is counted in dropped (could not finish), also when drain
// ends while it is under way. Nobody answers (agents: none, a hub with no
// bots): 5 customers arrive, at 0, 0.2 … 0.8 s.
func TestDrill_SyntheticCustomersAccounted(t *testing.T) {
	drillHub(t)
	for _, tc := range []struct {
		name                                  string
		customers, drain                      string
		arrived, finished, abandoned, dropped int64
	}{
		// Patience of minutes: every customer is still waiting when the
		// 200 ms drain ends.
		{"cut off by the drain", "{kind: scenario, scenario: steady-day}", "200ms", 5, 0, 0, 5},
		// Patience of milliseconds: each one leaves waiting, once.
		{"abandoned", "{kind: scenario, scenario: steady-day, patience_scale: 0.0001}", "30s", 5, 5, 5, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := writeFile(t, "accounted.yaml", "name: accounted\nhub: ${DRILL_HUB}\nseed: 7\ntokens:\n  customer: ${DRILL_CUSTOMER}\n"+
				"customers: "+tc.customers+"\nagents: {kind: none}\nstages: [{duration: 1s, from: 5/s, rate: 5/s}]\ndrain: "+tc.drain+"\n")
			sum := filepath.Join(t.TempDir(), "s.json")
			if r := deskdrill(t, "drill", file, "--summary", sum); r.code != 0 {
				t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			s := readSummary(t, sum)
			if s.Arrived != tc.arrived || s.Finished != tc.finished || s.Abandoned != tc.abandoned || s.Dropped != uint64(tc.dropped) {
				t.Errorf("arrived %d, finished %d, abandoned %d, dropped %d; want %d, %d, %d, %d",
					s.Arrived, s.Finished, s.Abandoned, s.Dropped, tc.arrived, tc.finished, tc.abandoned, tc.dropped)
			}
		})
	}
}

// A threshold with abort_on_fail stops the run at the end of the first
// interval it fails in (after abort_after): exit 99, the summary says
// which, and far fewer messages than the stages hold were sent.
func TestDrill_AbortOnFail(t *testing.T) {
	drillHub(t)
	file := writeFile(t, "abort.yaml", "name: abort\nhub: ${DRILL_HUB}\ntokens:\n  customer: ${DRILL_CUSTOMER}\n  agent: ${DRILL_AGENT}\n"+
		"customers: {count: 10}\nagents: {count: 5}\nstages: [{duration: 20s, from: 50/s, rate: 50/s}]\ninterval: 250ms\n"+
		"thresholds:\n  - expr: round_trip_p99 < 1ns\n    abort_on_fail: true\n    abort_after: 500ms\n  - expr: sent > 0\n")
	sum := filepath.Join(t.TempDir(), "abort.json")
	r := deskdrill(t, "drill", file, "--summary", sum)
	if r.code != 99 || !strings.Contains(r.stdout, "ABORTED: round_trip_p99 = ") || !strings.Contains(r.stdout, "✗ aborted the run: round_trip_p99 = ") ||
		!regexp.MustCompile(`at 50/s for [0-9.]+s of the planned 20s \(aborted\)`).MatchString(r.stdout) {
		t.Fatalf("exit %d; want 99 and the aborting threshold named\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s := readSummary(t, sum)
	// 20 s at 50/s is 1,000 messages; aborted after 500 ms to 750 ms of
	// them (the first interval end at or after abort_after), with a
	// second for a slow machine.
	if s.AbortedBy != "round_trip_p99 < 1ns" || s.Sent < 1 || s.Sent > 100 {
		t.Errorf("aborted by %q after %d sent; want the threshold and well under 1000 sent", s.AbortedBy, s.Sent)
	}
	if len(s.Thresholds) != 2 || s.Thresholds[0].OK || !s.Thresholds[1].OK {
		t.Errorf("thresholds %+v; want the aborting one failed and sent > 0 held", s.Thresholds)
	}
}

// A drill of synthetic customers none of whom can connect is a failed run
// (drills.md, exit 1: "no agent or customer could connect"), not a pass:
// it exited 0 with "0 failed".
func TestDrill_ScenarioCustomersCannotConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	file := writeFile(t, "dead.yaml", "name: dead\nhub: ws://"+addr+"\ntokens: {customer: dd_x}\n"+
		"customers: {kind: scenario, scenario: steady-day, count: 10}\nstages:\n  - {duration: 1s, from: 4/s, rate: 4/s}\nsetup_timeout: 1s\ndrain: 1s\nseed: 5\n")
	r := deskdrill(t, "drill", file)
	if r.code != 1 || !strings.Contains(r.stderr, "no connection opened: none of") {
		t.Errorf("exit %d, stderr %q; want 1 and no connection opened", r.code, r.stderr)
	}
}

// The line per interval gives rates over the interval's own length, from
// the end of the one before: intervals end when the ticker fires, a little
// after their nominal end, and the last ends with the run, so 37 messages
// sent in its 0.84 s are 44.0 a second, not 37.0.
func TestIntervalLine_RatesOverTheIntervalsLength(t *testing.T) {
	var b strings.Builder
	line := intervalLine(&b, loadgen.Config{Interval: time.Second})
	for _, tc := range []struct {
		end  time.Duration
		sent uint64
		want string
	}{
		{1000347 * time.Microsecond, 50, "sent     50 (   50.0/s)"}, // 1.000347 s
		{2000912 * time.Microsecond, 50, "sent     50 (   50.0/s)"}, // 1.000565 s after
		{3001 * time.Millisecond, 40, "sent     40 (   40.0/s)"},
		{3841 * time.Millisecond, 37, "sent     37 (   44.0/s)"}, // 0.84 s, the run's end
	} {
		b.Reset()
		line(loadgen.Interval{End: tc.end, Intended: 43.4, Sent: tc.sent, Received: tc.sent})
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("interval ending %v: %q; want %q", tc.end, b.String(), tc.want)
		}
	}
}

// A shard's text summary says the rate is the drill's, of which it sent its
// part; an unsharded run's says the rate as it is.
func TestPrintSummary_ShardRate(t *testing.T) {
	for _, tc := range []struct {
		shard loadgen.Shard
		want  string
	}{
		{loadgen.Shard{Index: 0, Of: 1}, "sent 113 customer messages at 38/s for 6s"},
		{loadgen.Shard{Index: 0, Of: 2}, "sent 113 customer messages (shard 0/2's part of a drill at 38/s) for 6s"},
	} {
		s := &loadgen.Summary{Mode: loadgen.ModeRelay, Rate: 38, Duration: 6 * time.Second, Sent: 113,
			Shards: []loadgen.ShardInfo{{Shard: tc.shard}}}
		var b strings.Builder
		printSummary(&b, s)
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("shard %v: %q; want %q", tc.shard, b.String(), tc.want)
		}
	}
}

// An idle run's text summary lists its thresholds, held and failed, as
// the other runs' do.
func TestPrintSummary_IdleThresholds(t *testing.T) {
	s := &loadgen.Summary{Mode: loadgen.ModeIdle, Customers: 30, Agents: 3, Memory: &loadgen.Memory{Connections: 33},
		Shards: []loadgen.ShardInfo{{Shard: loadgen.Shard{Index: 0, Of: 1}}},
		Thresholds: []loadgen.ThresholdResult{
			{Judged: true, OK: true, Text: "customers = 30, want == 30: held"},
			{Judged: true, OK: false, Text: "failed_connections = 0, want > 0: failed"},
		}}
	var b strings.Builder
	printSummary(&b, s)
	for _, want := range []string{"✓ customers = 30, want == 30: held", "✗ failed_connections = 0, want > 0: failed"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("%q; want a line %q", b.String(), want)
		}
	}
}

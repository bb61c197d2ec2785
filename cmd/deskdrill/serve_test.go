package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServe_RunReportExportKPIs runs `deskdrill serve` with its own bots and
// customers on 127.0.0.1, waits through the API for the conversations to be
// scored, stops it as Ctrl-C would, and reads the run back with report,
// export and kpis --transcripts.
func TestServe_RunReportExportKPIs(t *testing.T) {
	db := filepath.Join(t.TempDir(), "run.db")
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	// The banner names the address and the viewer token.
	sv, m := startServeInProcess(t, ctx, `Bearer (dd_\S+)' (http://\S+)/api/live`, "--scenario", "steady-day", "--speed", "3600", "--count", "5", "--bots", "2",
		"--think", "5ms..20ms", "--db", db, "--addr", "127.0.0.1:0", "--seed", "11", "--log", "warn")
	viewer, url := m[1], m[2]
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/api/live?scored=5", nil)
	req.Header.Set("Authorization", "Bearer "+viewer)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var live struct {
		Review struct {
			Conversations int `json:"conversations"`
		} `json:"review"`
	}
	err = json.NewDecoder(resp.Body).Decode(&live)
	resp.Body.Close()
	if err != nil || live.Review.Conversations != 5 {
		t.Fatalf("live review: %v, %d conversations; want 5", err, live.Review.Conversations)
	}
	if code, _ := sv.stop(ctx); code != 0 {
		t.Fatalf("serve exited %d: %s", code, sv.stderr.String())
	}

	r := deskdrill(t, "report", "1", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "5 conversations") || !strings.Contains(r.stdout, "agents:") {
		t.Fatalf("report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "run1.jsonl")
	if r := deskdrill(t, "export", "1", "--db", db, "--out", out); r.code != 0 {
		t.Fatalf("export: exit %d: %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil || len(data) == 0 {
		t.Fatalf("export wrote %d bytes: %v", len(data), err)
	}
	r = deskdrill(t, "kpis", "--transcripts", out, "--profile", "taobao", "--json")
	var rv struct {
		Conversations int                `json:"conversations"`
		KPIs          map[string]float64 `json:"kpis"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rv) != nil || rv.Conversations != 5 || len(rv.KPIs) == 0 {
		t.Fatalf("kpis --transcripts: exit %d, %d conversations, %v\n%s", r.code, rv.Conversations, rv.KPIs, r.stderr)
	}
	if r := deskdrill(t, "report", "--list", "--db", db); r.code != 0 || !strings.Contains(r.stdout, "steady-day") {
		t.Errorf("report --list: exit %d\n%s", r.code, r.stdout)
	}
}

func TestTokens_CreateAndList(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	r := deskdrill(t, "tokens", "create", "--role", "agent", "--name", "小王", "--db", db)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "dd_") {
		t.Fatalf("create: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	r = deskdrill(t, "tokens", "list", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "小王") || strings.Contains(r.stdout, "dd_") {
		t.Errorf("list: exit %d\n%s; want the name and never a token", r.code, r.stdout)
	}
	if r := deskdrill(t, "tokens", "create", "--role", "wizard", "--name", "x", "--db", db); r.code != 2 {
		t.Errorf("a bad role: exit %d; want 2", r.code)
	}
}

func TestTokens_Revoke(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	create := func(role, name string) string {
		r := deskdrill(t, "tokens", "create", "--role", role, "--name", name, "--db", db)
		if r.code != 0 {
			t.Fatalf("create: exit %d: %s", r.code, r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	create("agent", "小王")
	create("viewer", "twin")
	create("agent", "twin")
	create("viewer", "wall")
	for _, tc := range []struct {
		args   []string
		code   int
		stdout string // a substring
		stderr string
	}{
		{[]string{"小王"}, 0, "revoked token 1 for 小王 (agent)", ""},
		{[]string{"4"}, 0, "revoked token 4 for wall (viewer)", ""},
		{[]string{"小王"}, 2, "", "not found"},
		{[]string{"4"}, 2, "", "not found"},
		{[]string{"twin"}, 2, "", "IDs 2, 3"},
		{[]string{"3"}, 0, "revoked token 3 for twin (agent)", ""},
		{[]string{"twin"}, 0, "revoked token 2 for twin (viewer)", ""},
		{[]string{}, 2, "", "accepts 1 arg"},
	} {
		r := deskdrill(t, append([]string{"tokens", "revoke", "--db", db}, tc.args...)...)
		if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("tokens revoke %v: exit %d, %q, %q; want exit %d, %q, %q", tc.args, r.code, r.stdout, r.stderr, tc.code, tc.stdout, tc.stderr)
		}
	}
	if r := deskdrill(t, "tokens", "list", "--db", db); r.code != 0 || strings.Contains(r.stdout, "小王") || strings.Contains(r.stdout, "twin") {
		t.Errorf("list after revoking: exit %d\n%s; want the revoked tokens gone", r.code, r.stdout)
	}
	if r := deskdrill(t, "tokens", "revoke", "1", "--db", filepath.Join(t.TempDir(), "none.db")); r.code != 2 {
		t.Errorf("revoke in a missing file: exit %d; want 2", r.code)
	}
}

func TestLiveCommands_BadInput(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--customers", "sideways"},
		{"serve", "--bot-skill", "2"},
		{"serve", "--think", "5s..1s"},
		{"serve", "--stall-timeout", "0s"},
		{"serve", "--stop-timeout", "0s"},
		{"serve", "--db-max-size", "lots"},
		{"serve", "--addr", "bad", "--db", filepath.Join(t.TempDir(), "a.db")},
		{"serve", "--addr", "127.0.0.1:99999", "--db", filepath.Join(t.TempDir(), "a.db")},
		{"serve", "--db", t.TempDir()}, // a directory
		// A directory as --db is bad usage for every command, writers too
		// (they said "not a deskdrill database", exit 1).
		{"tokens", "create", "--role", "viewer", "--name", "x", "--db", t.TempDir()},
		{"exam", "invite", "--db", t.TempDir(), "--exam", "pre-hire-basic", "--cohort", "a", "--candidates", "x"},
		{"exam", "try", "--db", t.TempDir(), "--exam", "pre-hire-basic"},
		{"tokens", "list", "--db", t.TempDir()},
		{"customers"},
		{"agent", "--url", "ws://127.0.0.1:1"},
		{"report", "x", "--db", "/nonexistent/db"},
		{"export"},
	} {
		if r := deskdrill(t, args...); r.code != 2 || r.stderr == "" {
			t.Errorf("%v: exit %d, %q; want 2 and a message", args, r.code, r.stderr)
		}
	}
}

// TestServe_BadScenarioMakesNoFile: a scenario that does not load is bad
// usage before anything is opened; a new --db was left behind, made.
func TestServe_BadScenarioMakesNoFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "new.db")
	if r := deskdrill(t, "serve", "--db", db, "--scenario", "no-such-scenario", "--addr", "127.0.0.1:0"); r.code != 2 {
		t.Errorf("serve --scenario no-such-scenario: exit %d, %q; want 2", r.code, r.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("serve with a bad scenario made %s", db)
	}
}

// TestCustomers_NoneConnected: customers none of whom reach the hub did
// nothing; README, "1 a failure at run time" (it exited 0 with "2 failed").
func TestCustomers_NoneConnected(t *testing.T) {
	r := deskdrill(t, "customers", "--url", "ws://127.0.0.1:1", "--token", "dd_none", "--count", "2", "--speed", "3600")
	if r.code != 1 || !strings.Contains(r.stderr, "none of the 2 could connect") {
		t.Errorf("customers to a port nobody listens on: exit %d, %q; want 1 and why", r.code, r.stderr)
	}
}

// TestServe_StopNamesTheLiveRun: when an admin stopped the first run and
// started another over the API, serve's stop names the run that ended,
// not the first (live.md: the stop says which run to report on).
func TestServe_StopNamesTheLiveRun(t *testing.T) {
	db := filepath.Join(t.TempDir(), "run.db")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	sv, m := startServeInProcess(t, ctx, `admin: +(http://[^/]+)/\?token=(\S+)`, "--scenario", "steady-day", "--speed", "3600", "--count", "1", "--bots", "1",
		"--think", "5ms..20ms", "--db", db, "--addr", "127.0.0.1:0", "--seed", "11", "--log", "warn")
	base, admin := m[1], m[2]
	post := func(path, body string) int {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+admin)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := post("/api/runs/current/stop", ""); code != 200 {
		t.Fatalf("stop run 1: %d", code)
	}
	if code := post("/api/runs", `{"scenario":"steady-day","speed":3600,"bots":1,"customers":"internal","count":1}`); code != 201 && code != 200 {
		t.Fatalf("start run 2: %d", code)
	}
	code, out := sv.stop(ctx)
	if code != 0 {
		t.Fatalf("serve exited %d: %s", code, sv.stderr.String())
	}
	if !strings.Contains(out, "run 2 ended; deskdrill report 2") {
		t.Errorf("serve's stop said:\n%s\nwant run 2 named", tail(out, 3))
	}
}

// inProcessServe is deskdrill serve running in the test's process.
type inProcessServe struct {
	cancel context.CancelFunc
	done   chan int
	stderr *strings.Builder
	out    strings.Builder // stdout after the banner line
	copied chan struct{}
}

// startServeInProcess runs deskdrill serve with args until its stdout has a line
// matching banner, and returns the match.
func startServeInProcess(t *testing.T, ctx context.Context, banner string, args ...string) (*inProcessServe, []string) {
	t.Helper()
	return startInProcess(t, ctx, banner, append([]string{"serve"}, args...)...)
}

// startInProcess runs deskdrill with args (a command that serves until
// Ctrl-C) until its stdout has a line matching banner, and returns the
// match.
func startInProcess(t *testing.T, ctx context.Context, banner string, args ...string) (*inProcessServe, []string) {
	t.Helper()
	serveCtx, cancel := context.WithCancel(ctx)
	sv := &inProcessServe{cancel: cancel, done: make(chan int, 1), stderr: &strings.Builder{}, copied: make(chan struct{})}
	pr, pw := io.Pipe()
	go func() {
		code := run(serveCtx, args, pw, sv.stderr)
		pw.Close()
		sv.done <- code
	}()
	lines := bufio.NewScanner(pr)
	re := regexp.MustCompile(banner)
	var m []string
	for m == nil && lines.Scan() {
		m = re.FindStringSubmatch(lines.Text())
	}
	if m == nil {
		cancel()
		t.Fatalf("no banner line matching %s; stderr %s", banner, sv.stderr.String())
	}
	go func() { io.Copy(&sv.out, pr); close(sv.copied) }()
	return sv, m
}

// stop stops serve as Ctrl-C does and returns its exit code and the rest
// of its stdout.
func (sv *inProcessServe) stop(ctx context.Context) (int, string) {
	sv.cancel()
	select {
	case code := <-sv.done:
		<-sv.copied
		return code, sv.out.String()
	case <-ctx.Done():
		return -1, "serve did not stop"
	}
}

//go:build unix

package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
)

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// recorded makes a deskdrill database with one run of n events, closed
// cleanly so that the file alone holds it.
func recorded(t *testing.T, path string, n int) {
	t.Helper()
	ctx := t.Context()
	st, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.CreateRun(ctx, store.Run{Scenario: "steady-day", Speed: 1, Started: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.StartConversation(ctx, run, &sim.Conversation{ID: "c000001"}); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if err := st.AppendEvent(ctx, run, "c000001", i, sim.Event{At: time.Now(), Sender: sim.SenderCustomer, Kind: sim.EventMessage,
			Text: "message " + strconv.Itoa(i) + " with words enough to fill a few pages"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.EndRun(ctx, run, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
}

// serve refuses a damaged database and another application's, exits 1,
// says why, and leaves the file byte for byte as it was.
func TestServe_RefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	damaged := filepath.Join(dir, "damaged.db")
	recorded(t, damaged, 3000)
	b, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	mid := len(b) / 4096 / 2 * 4096
	copy(b[mid:mid+2*4096], bytes.Repeat([]byte{0x5a}, 2*4096))
	if err := os.WriteFile(damaged, b, 0o644); err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(dir, "notes.db")
	sqliteDB(t, foreign, `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`, `INSERT INTO notes (body) VALUES ('keep me')`)
	for _, tc := range []struct {
		name, db, want string
		flags          []string
	}{
		{"damaged, quick check", damaged, "damaged", nil},
		{"damaged, integrity check", damaged, "damaged", []string{"--integrity-check"}},
		{"another application's", foreign, "not a deskdrill database", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := sum(t, tc.db)
			r := deskdrillWithin(t, 20*time.Second, append([]string{"serve", "--db", tc.db, "--addr", "127.0.0.1:0", "--bots", "0", "--customers", "external"}, tc.flags...)...)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "not changed") {
				t.Errorf("serve on the %s file: exit %d\n%s; want 1, %q and that the file was not changed", tc.name, r.code, r.stderr, tc.want)
			}
			if sum(t, tc.db) != before {
				t.Errorf("serve changed the %s file", tc.name)
			}
			t.Logf("%s", strings.TrimSpace(r.stderr))
		})
	}
}

// deskdrillWithin runs a command line in-process, cancelled after d as
// Ctrl-C would: a serve that should have been refused ends with exit 0.
func deskdrillWithin(t *testing.T, d time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var out, errb bytes.Buffer
	code := run(ctx, args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// sqliteDB makes an SQLite file by running stmts.
func sqliteDB(t *testing.T, path string, stmts ...string) {
	t.Helper()
	db := openRaw(t, path)
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()
}

// A second serve on a file another serves is refused; report and export
// read the file beside it, and show its run as live.
func TestServe_SecondServeRefused(t *testing.T) {
	db := filepath.Join(t.TempDir(), "one.db")
	p := startServe(t, "--customers", "external", "--bots", "0", "--db", db, "--addr", "127.0.0.1:0", "--log", "warn")
	r := deskdrillWithin(t, 20*time.Second, "serve", "--db", db, "--addr", "127.0.0.1:0", "--bots", "0", "--customers", "external")
	if r.code != 1 || !strings.Contains(r.stderr, "in use") {
		t.Errorf("a second serve: exit %d\n%s; want 1 and that the file is in use", r.code, r.stderr)
	}
	t.Logf("%s", strings.TrimSpace(r.stderr))
	r = deskdrill(t, "report", "--list", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "live") {
		t.Errorf("report --list beside serve: exit %d\n%s%s; want run 1 live", r.code, r.stdout, r.stderr)
	}
	if r := deskdrill(t, "report", "1", "--db", db); r.code != 0 {
		t.Errorf("report 1 beside serve: exit %d\n%s", r.code, r.stderr)
	}
	if r := deskdrill(t, "export", "1", "--db", db, "--out", filepath.Join(t.TempDir(), "x.jsonl")); r.code != 0 {
		t.Errorf("export 1 beside serve: exit %d\n%s", r.code, r.stderr)
	}
	if took := p.signal(syscall.SIGTERM, 15*time.Second); p.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("serve after SIGTERM: exit %d after %v\n%s", p.cmd.ProcessState.ExitCode(), took, p.errOut())
	}
}

var customersDoneRe = regexp.MustCompile(`msg="customers done" run=1 arrived=(\d+)`)

// A run killed with SIGKILL reads as interrupted; the next serve marks it
// (closing its open conversations as cut off); serve --resume continues
// it with the same run and tokens, conversation numbers going on, and the
// customers the run had not yet sent (the scenario clock goes on from the
// interruption); the report covers the whole run and says where it was
// interrupted.
func TestServe_InterruptedAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve in child processes; several seconds")
	}
	db := filepath.Join(t.TempDir(), "trial.db")
	const count = 40
	args := []string{"--scenario", "steady-day", "--speed", "600", "--count", strconv.Itoa(count), "--bots", "2", "--think", "5ms..20ms",
		"--db", db, "--addr", "127.0.0.1:0", "--seed", "5", "--log", "info"}
	p := startServe(t, args...)
	agentToken := p.agent
	// Kill it once a dozen customers have come.
	waitConversations(t, db, 12)
	p.signal(syscall.SIGKILL, 10*time.Second)
	before := conversationIDs(t, db)

	// Before any serve: report says interrupted.
	r := deskdrill(t, "report", "--list", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "interrupted at") || !strings.Contains(r.stdout, "the next serve marks it") {
		t.Errorf("report --list after kill -9: exit %d\n%s; want run 1 interrupted, not yet marked", r.code, r.stdout)
	}

	// serve --resume 1: the flags of the run come from the file.
	p = startServe(t, "--resume", "1", "--db", db, "--addr", "127.0.0.1:0", "--think", "5ms..20ms", "--log", "info")
	if p.run != "1" || !strings.Contains(p.out(), "run 1 (steady-day) was interrupted at") || !strings.Contains(p.out(), "(interrupted at ") {
		t.Fatalf("serve --resume 1: run %q\n%s; want run 1 marked and resumed", p.run, p.out())
	}
	// The same tokens: the agent token printed at the start still works.
	ws, _, err := websocket.DefaultDialer.Dial(p.ws("/ws/agent")+"?seat=later&token="+agentToken, nil)
	if err != nil {
		t.Fatalf("the first start's agent token after resuming: %v", err)
	}
	ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, b, err := ws.ReadMessage(); err != nil || !strings.Contains(string(b), `"welcome"`) || !strings.Contains(string(b), `"run":1`) {
		t.Errorf("agent with the old token: %s, %v; want a welcome to run 1", b, err)
	}
	ws.Close()
	code, body := p.get("/api/runs", p.viewer)
	var runs []struct {
		ID            int64  `json:"id"`
		State         string `json:"state"`
		Interruptions []struct {
			Resumed *time.Time `json:"resumed"`
		} `json:"interruptions"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &runs) != nil || len(runs) != 1 || runs[0].State != "live" ||
		len(runs[0].Interruptions) != 1 || runs[0].Interruptions[0].Resumed == nil {
		t.Errorf("/api/runs after resuming: %d %s; want run 1 live with one interruption, resumed", code, body)
	}
	// The swarm sends the customers the run had not sent yet, then ends.
	deadline := time.Now().Add(60 * time.Second)
	var arrived int
	for {
		if m := customersDoneRe.FindStringSubmatch(p.errOut()); m != nil {
			arrived, _ = strconv.Atoi(m[1])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the resumed swarm did not finish within 60 s\n%s", tail(p.errOut(), 10))
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
	if took := p.signal(syscall.SIGTERM, 15*time.Second); p.cmd.ProcessState.ExitCode() != 0 {
		t.Fatalf("resumed serve after SIGTERM: exit %d after %v\n%s", p.cmd.ProcessState.ExitCode(), took, p.errOut())
	}
	after := conversationIDs(t, db)
	t.Logf("%d conversations before the kill, %d customers sent after resuming, %d conversations in all (count %d)", len(before), arrived, len(after), count)
	if arrived == 0 || arrived > count-len(before) {
		t.Errorf("the resumed swarm sent %d customers; want some, and at most the %d of %d the run had not sent (the scenario clock goes on, it does not restart)",
			arrived, count-len(before), count)
	}
	last := 0
	for _, id := range before {
		n, _ := strconv.Atoi(strings.TrimPrefix(id, "c"))
		last = max(last, n)
	}
	for _, id := range after[len(before):] {
		if n, _ := strconv.Atoi(strings.TrimPrefix(id, "c")); n <= last {
			t.Errorf("conversation %s after resuming; want numbers after c%06d", id, last)
		}
	}

	r = deskdrill(t, "report", "1", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "ended") || !strings.Contains(r.stdout, "interrupted at") || !strings.Contains(r.stdout, "resumed") ||
		!strings.Contains(r.stdout, "note: the run was interrupted at") {
		t.Errorf("report 1: exit %d\n%s%s; want it ended, interrupted at and resumed, with a note", r.code, r.stdout, r.stderr)
	}
	t.Logf("report header:\n%s", strings.Join(strings.Split(r.stdout, "\n")[:6], "\n"))
	r = deskdrill(t, "report", "1", "--db", db, "--json")
	var rep struct {
		Run struct {
			State         string
			Interruptions []struct{ At, Resumed time.Time }
		}
		Review struct {
			Conversations int
			Notes         []string
		}
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil || rep.Run.State != "ended" || len(rep.Run.Interruptions) != 1 {
		t.Errorf("report 1 --json: exit %d, %+v; want the run ended with its interruption", r.code, rep.Run)
	}
	// An ended run is not one to resume: bad usage (README: a run the
	// database does not have as asked), exit 2.
	r = deskdrill(t, "serve", "--resume", "1", "--db", db, "--addr", "127.0.0.1:0")
	if r.code != 2 || !strings.Contains(r.stderr, "only an interrupted run can be resumed") {
		t.Errorf("serve --resume of an ended run: exit %d, %s; want 2 saying only an interrupted run can be resumed", r.code, r.stderr)
	}
}

// waitConversations waits until the file holds at least n conversations.
func waitConversations(t *testing.T, db string, n int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for len(conversationIDs(t, db)) < n {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than %d conversations in %s after 60 s", n, db)
		}
		time.Sleep(20 * time.Millisecond) // polling with a deadline
	}
}

// conversationIDs returns the conversation ids of run 1, in number order.
func conversationIDs(t *testing.T, db string) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	raw := openRaw(t, db)
	defer raw.Close()
	rows, err := raw.QueryContext(ctx, `SELECT id FROM conversations WHERE run_id = 1 ORDER BY length(id), id`)
	if err != nil {
		return nil // not created yet
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		rows.Scan(&id)
		out = append(out, id)
	}
	return out
}

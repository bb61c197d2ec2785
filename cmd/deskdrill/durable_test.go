//go:build unix

package main

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/store"
	"github.com/deskdrill/deskdrill/web/webtest"
)

// ackBound is the promise the tests hold serve to: an acknowledged event
// is on disk within the batch interval plus one commit (CommitBudget),
// or the hub stops acknowledging. schedMargin allows for the child, the
// load and the test sharing two cores (and -race): the ack is timed
// where the client reads it, not where the hub sent it.
const (
	ackBound    = store.DefaultFlushInterval + store.DefaultCommitBudget
	schedMargin = 150 * time.Millisecond
)

// fault is a way to run out of disk.
type fault struct {
	name string
	// prepare returns the database path and serve's extra flags.
	prepare func(t *testing.T) (db string, flags []string)
	// free gives space back while serve runs.
	free func(t *testing.T, db string)
	// snapshot returns a copy of the database files that can be opened
	// after the child is gone (a full tmpfs cannot take SQLite's -shm).
	snapshot func(t *testing.T, db string) string
}

// faults are the full disks the tests run on. max_page_count caps the
// file inside SQLite and runs everywhere; tmpfs is a real file system
// that fills, where the test runs as root and mount(8) works.
var faults = []fault{
	{
		name: "max_page_count",
		prepare: func(t *testing.T) (string, []string) {
			return filepath.Join(t.TempDir(), "full.db"), []string{"--db-max-size", "1536KiB"}
		},
		free: func(t *testing.T, db string) {
			// The ballast addBallast put in: freed pages are reused
			// without growing the file.
			raw := openRaw(t, db)
			if _, err := raw.Exec(`DELETE FROM ballast`); err != nil {
				t.Fatal(err)
			}
		},
		snapshot: func(t *testing.T, db string) string { return db },
	},
	{
		name: "tmpfs",
		prepare: func(t *testing.T) (string, []string) {
			dir := mountTmpfs(t, "2m")
			return filepath.Join(dir, "full.db"), nil
		},
		free: func(t *testing.T, db string) {
			if out, err := exec.Command("mount", "-o", "remount,size=64m", filepath.Dir(db)).CombinedOutput(); err != nil {
				t.Fatalf("remount: %v: %s", err, out)
			}
		},
		snapshot: func(t *testing.T, db string) string {
			dst := filepath.Join(t.TempDir(), "copy.db")
			for _, suffix := range []string{"", "-wal"} {
				if err := copyFile(db+suffix, dst+suffix); err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
			}
			return dst
		},
	},
}

// mountTmpfs mounts a tmpfs of size in a new directory, or skips the test.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("tmpfs: not root (the max_page_count case runs instead)")
	}
	dir := filepath.Join(t.TempDir(), "tmpfs")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("tmpfs: mount: %v: %s (the max_page_count case runs instead)", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func openRaw(t *testing.T, db string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return raw
}

// addBallast puts 200 pages of ballast in the file, which fault.free
// deletes: more than a full batch of the load's rows needs.
func addBallast(t *testing.T, db string) {
	t.Helper()
	raw := openRaw(t, db)
	if _, err := raw.Exec(`CREATE TABLE ballast (b BLOB);
		WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) INSERT INTO ballast SELECT zeroblob(4000) FROM n`); err != nil {
		t.Fatal(err)
	}
}

// faultRun is serve under load, filling its disk.
type faultRun struct {
	p    *serveProc
	load *webtest.AckLoad
	stop func()
	// healthz: when /healthz first answered 503 for a full disk, when it
	// last answered 200, and how often it answered 503 for a writer that
	// was behind (the machine is loaded) before.
	mu        sync.Mutex
	first503  time.Time
	last200   time.Time
	behind    int
	polls     int
	stopPolls func()
}

// startFaultRun starts serve on a database that fills, and a load of 20
// customers each sending a 300-byte message every 5 ms (4,000 a second)
// and resending what is refused, and polls /healthz every 10 ms.
func startFaultRun(t *testing.T, f fault, extra ...string) (*faultRun, string) {
	t.Helper()
	db, flags := f.prepare(t)
	args := append([]string{"--customers", "external", "--bots", "0", "--db", db, "--addr", "127.0.0.1:0", "--seed", "1", "--log", "warn"}, flags...)
	p := startServe(t, append(args, extra...)...)
	switch f.name {
	case "max_page_count":
		addBallast(t, db)
	case "tmpfs":
		holdSnapshot(t, db)
	}
	r := &faultRun{p: p, load: &webtest.AckLoad{URL: p.ws("/ws/customer"), Token: p.customer, Customers: 20, Every: 5 * time.Millisecond, Pad: 300}}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { r.load.Run(ctx) })
	pctx, pcancel := context.WithCancel(context.Background())
	var pwg sync.WaitGroup
	pwg.Go(func() { r.pollHealth(pctx) })
	r.stopPolls = func() { pcancel(); pwg.Wait() }
	r.stop = func() { r.stopPolls(); cancel(); wg.Wait() }
	t.Cleanup(r.stop)
	return r, db
}

// holdSnapshot keeps a read transaction open on db for the rest of the
// test, as a report reading during the run would: SQLite cannot then reset
// its WAL and write over frames it already has, so once the tmpfs is full
// every commit needs space it does not have until the space returns.
// Without it a full tmpfs took some commits again in the WAL's old space
// after a checkpoint, and the fault came and went by itself.
func holdSnapshot(t *testing.T, db string) {
	t.Helper()
	ctx := context.Background()
	conn, err := openRaw(t, db).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM runs").Scan(&n); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.ExecContext(ctx, "ROLLBACK")
		conn.Close()
	})
}

func (r *faultRun) pollHealth(ctx context.Context) {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		resp, err := client.Get(r.p.base + "/healthz")
		if err != nil {
			continue // the child is gone, or going
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		now := time.Now()
		full := strings.Contains(string(body), "database or disk is full")
		r.mu.Lock()
		r.polls++
		switch {
		case resp.StatusCode == 503 && full && r.first503.IsZero():
			r.first503 = now
		case resp.StatusCode == 503 && !full && r.first503.IsZero():
			r.behind++
		case resp.StatusCode == 200:
			r.last200 = now
		}
		r.mu.Unlock()
	}
}

// waitFull waits until /healthz has answered 503 with SQLite's "database
// or disk is full" for hold without a 200 since, and returns when it first
// did.
func (r *faultRun) waitFull(t *testing.T, hold time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		r.mu.Lock()
		first, last200 := r.first503, r.last200
		r.mu.Unlock()
		if !first.IsZero() && last200.Before(first) && time.Since(first) >= hold {
			return first
		}
		if !first.IsZero() && last200.After(first) {
			t.Fatalf("/healthz answered 200 again after 503 (disk full) without space returning")
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not 503 within 60 s of load (%+v)\n%s", r.load.Stats(), r.p.errOut())
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
}

// storedIDs returns the ids of the customer messages in the file.
func storedIDs(t *testing.T, db string) map[string]bool {
	t.Helper()
	rows, err := openRaw(t, db).Query(`SELECT data FROM event_batches`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var data []byte
		if err := rows.Scan(&data); err != nil {
			t.Fatal(err)
		}
		events, err := store.DecodeEvents(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Event.Sender == sim.SenderCustomer && e.Event.Kind == sim.EventMessage {
				out[webtest.ID(e.Event.Text)] = true
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rounds is how often each fault test repeats: 1, or
// DESKDRILL_FAULT_ROUNDS for the figures in docs/performance.md.
func rounds(t *testing.T) int {
	if v := os.Getenv("DESKDRILL_FAULT_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("DESKDRILL_FAULT_ROUNDS=%q: want a count", v)
		}
		return n
	}
	return 1
}

// tally sums rounds of a fault test for its closing log line.
type tally struct {
	rounds, acked, missing, refused int
	worst, worst503, worstExit      time.Duration
}

// TestServe_DiskFullKill9 runs serve on a disk that fills under load,
// kills it with SIGKILL a second into the fault, and compares what was
// acknowledged with what is in the file: every acknowledged message that
// is missing must have been acknowledged within ackBound of the last ack
// (when the hub stopped acknowledging). /healthz must have turned 503.
func TestServe_DiskFullKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve in a child process under load; a few seconds")
	}
	for _, f := range faults {
		t.Run("fault="+f.name, func(t *testing.T) {
			var sum tally
			for round := range rounds(t) {
				kill9Round(t, f, round, &sum)
			}
			t.Logf("%s, %d rounds: %d acknowledged, %d missing after kill -9, none acknowledged more than %v before acks stopped "+
				"(bound %v); /healthz 503 at most %v after the last ack; %d frames refused",
				f.name, sum.rounds, sum.acked, sum.missing, sum.worst.Round(time.Millisecond), ackBound, sum.worst503.Round(time.Millisecond), sum.refused)
		})
	}
}

func kill9Round(t *testing.T, f fault, round int, sum *tally) {
	r, db := startFaultRun(t, f)
	first503 := r.waitFull(t, time.Second)
	before := r.load.Stats()
	if before.Refused == 0 {
		t.Errorf("no frame refused during the fault; want unavailable errors")
	}
	r.p.signal(syscall.SIGKILL, 10*time.Second)
	r.stop()
	st := r.load.Stats()
	acks := r.load.Acks()
	stored := storedIDs(t, f.snapshot(t, db))
	var missing int
	var worst time.Duration
	for id, at := range acks {
		if stored[id] {
			continue
		}
		missing++
		worst = max(worst, st.LastAck.Sub(at))
	}
	r.mu.Lock()
	behind := r.behind
	r.mu.Unlock()
	t.Logf("round %d: %d acknowledged, %d of them missing after kill -9, the oldest acknowledged %v before acks stopped (bound %v); "+
		"/healthz 503 %v after the last ack, the first refusal %v after it; %d refused; %d polls of /healthz found the writer behind before the disk filled",
		round, len(acks), missing, worst.Round(time.Millisecond), ackBound, first503.Sub(st.LastAck).Round(time.Millisecond),
		st.FirstRefused.Sub(st.LastAck).Round(time.Millisecond), st.Refused, behind)
	sum.rounds++
	sum.acked += len(acks)
	sum.missing += missing
	sum.refused += st.Refused
	sum.worst = max(sum.worst, worst)
	sum.worst503 = max(sum.worst503, first503.Sub(st.LastAck))
	if worst > ackBound+schedMargin {
		t.Errorf("an acknowledged message missing after kill -9 was acknowledged %v before acks stopped; want at most %v (+%v scheduling)",
			worst, ackBound, schedMargin)
	}
	if len(acks) == 0 || len(before.Dropped) > 0 {
		t.Errorf("load: %d acks, dropped %v; want acks and no connection dropped before the kill", len(acks), before.Dropped)
	}
}

// TestServe_DiskFullSIGTERM stops serve with SIGTERM while its disk is
// full: it exits within --stop-timeout (plus the time to say goodbye),
// non-zero, saying how many events were not written.
func TestServe_DiskFullSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve in a child process under load; a few seconds")
	}
	const stopTimeout = 2 * time.Second
	for _, f := range faults {
		t.Run("fault="+f.name, func(t *testing.T) {
			var sum tally
			for range rounds(t) {
				sum.worstExit = max(sum.worstExit, termRound(t, f, stopTimeout))
				sum.rounds++
			}
			t.Logf("%s, %d rounds: SIGTERM during the fault exited non-zero within %v at most (--stop-timeout %v)",
				f.name, sum.rounds, sum.worstExit.Round(time.Millisecond), stopTimeout)
		})
	}
}

func termRound(t *testing.T, f fault, stopTimeout time.Duration) time.Duration {
	r, _ := startFaultRun(t, f, "--stop-timeout", stopTimeout.String())
	r.waitFull(t, 500*time.Millisecond)
	r.stopPolls()
	took := r.p.signal(syscall.SIGTERM, stopTimeout+10*time.Second)
	r.stop()
	code := r.p.cmd.ProcessState.ExitCode()
	stderr := r.p.errOut()
	t.Logf("SIGTERM during the fault: exit %d after %v (--stop-timeout %v)\nstdout tail: %s\nstderr tail: %s", code, took.Round(time.Millisecond), stopTimeout,
		tail(r.p.out(), 2), tail(stderr, 3))
	if code == 0 {
		t.Errorf("exit code 0 after SIGTERM with records unwritten; want non-zero")
	}
	if took > stopTimeout+2*time.Second {
		t.Errorf("exit %v after SIGTERM; want within --stop-timeout %v and a little", took, stopTimeout)
	}
	if !strings.Contains(stderr, "events (") || !strings.Contains(stderr, "not written") {
		t.Errorf("stderr does not say how many events were not written:\n%s", tail(stderr, 5))
	}
	return took
}

// TestServe_DiskSpaceReturns fills serve's disk, then gives space back:
// /healthz turns 200, acks resume and no connection was dropped on the
// way (the hub refused frames rather than queueing them, so nothing
// bursts out when the disk takes writes again).
func TestServe_DiskSpaceReturns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs serve in a child process under load; a few seconds")
	}
	for _, f := range faults {
		t.Run("fault="+f.name, func(t *testing.T) {
			var worst200, worstAcks time.Duration
			n := rounds(t)
			for range n {
				to200, toAcks := spaceRound(t, f)
				worst200, worstAcks = max(worst200, to200), max(worstAcks, toAcks)
			}
			t.Logf("%s, %d rounds: /healthz 200 at most %v after space returned, 200 new acks at most %v after; no connection dropped",
				f.name, n, worst200.Round(time.Millisecond), worstAcks.Round(time.Millisecond))
		})
	}
}

// spaceRound fills the disk, frees space and returns how long /healthz
// took to answer 200, and the load to get 200 acks, after that.
func spaceRound(t *testing.T, f fault) (time.Duration, time.Duration) {
	r, db := startFaultRun(t, f)
	r.waitFull(t, 500*time.Millisecond)
	if code, body := r.p.get("/metrics", ""); code != 200 || !strings.Contains(body, "deskdrill_store_available 0") {
		t.Errorf("/metrics during the fault: %d; want deskdrill_store_available 0", code)
	}
	f.free(t, db)
	freed := time.Now()
	deadline := freed.Add(30 * time.Second)
	for code, _ := r.p.get("/healthz", ""); code != 200; code, _ = r.p.get("/healthz", "") {
		if time.Now().After(deadline) {
			t.Fatalf("/healthz not 200 within 30 s of space returning\n%s", tail(r.p.errOut(), 5))
		}
		time.Sleep(5 * time.Millisecond) // polling with a deadline
	}
	to200 := time.Since(freed)
	t.Logf("/healthz 200 %v after space returned", to200.Round(time.Millisecond))
	for r.load.AckedSince(freed) < 200 {
		if time.Now().After(deadline) {
			t.Fatalf("acks did not resume within 30 s of space returning: %+v\n%s", r.load.Stats(), tail(r.p.errOut(), 5))
		}
		time.Sleep(10 * time.Millisecond) // polling with a deadline
	}
	toAcks := time.Since(freed)
	t.Logf("200 acks since space returned after %v (the load backs off up to 1 s after a refusal)", toAcks.Round(time.Millisecond))
	code, body := r.p.get("/healthz", "")
	_, metrics := r.p.get("/metrics", "")
	st := r.load.Stats()
	if code != 200 {
		t.Errorf("/healthz after space returned: %d %s", code, body)
	}
	if len(st.Dropped) > 0 || !strings.Contains(metrics, "deskdrill_slow_consumers_total 0") {
		t.Errorf("connections dropped %v, slow consumers %q; want none", st.Dropped, grepLines(metrics, "deskdrill_slow_consumers_total"))
	}
	t.Logf("load: %d sent, %d acknowledged, %d refused, %d started", st.Sent, st.Acked, st.Refused, st.Started)
	// With the disk back, a stop writes everything and exits 0.
	r.stop()
	if took := r.p.signal(syscall.SIGTERM, 15*time.Second); r.p.cmd.ProcessState.ExitCode() != 0 {
		t.Errorf("SIGTERM after space returned: exit %d after %v; want 0\n%s", r.p.cmd.ProcessState.ExitCode(), took, tail(r.p.errOut(), 5))
	}
	return to200, toAcks
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return fmt.Sprint(out)
}

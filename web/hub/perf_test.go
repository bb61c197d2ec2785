package hub_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/deskdrill/deskdrill/bench/protocol"
	"github.com/deskdrill/deskdrill/sim"
	"github.com/deskdrill/deskdrill/web/hub"
	"github.com/deskdrill/deskdrill/web/store"
)

// heapAndStacks returns the Go heap and stacks in use after two
// collections (the second empties sync.Pools' victim caches).
func heapAndStacks() (heap, stacks uint64) {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse, ms.StackInuse
}

// The helper process's settings, from its environment.
const (
	envHelperURL     = "DESKDRILL_HUB_HELPER_URL"
	envHelperClients = "DESKDRILL_HUB_HELPER_CLIENTS"
)

// TestHub_IdleConnectionMemory measures the hub's memory per idle
// connection: Go heap and stacks in use, after collection, with the
// connections open less without, divided by their number. Only the
// server's share counts: the clients run in a child process (this test
// binary again, as TestHelperProcess_IdleClients), so their sockets,
// buffers and goroutines are not in this process's figures.
func TestHub_IdleConnectionMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("opens thousands of connections")
	}
	const customers, agents = 2000, 200
	n := customers + agents
	f := newFixture(t, nil)
	heap0, stacks0 := heapAndStacks()
	goroutines0 := runtime.NumGoroutine()

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestHelperProcess_IdleClients$", "-test.count=1")
	cmd.Env = append(os.Environ(), envHelperURL+"="+"ws"+strings.TrimPrefix(f.srv.URL, "http"), fmt.Sprintf("%s=%d,%d", envHelperClients, customers, agents))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close() // the helper closes its connections and exits
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v\n%s", err, stderr.String())
		}
	}()
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- fmt.Errorf("the helper ended before it was ready: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatalf("%v\n%s", err, stderr.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the helper was not ready within a minute")
	}
	// Every connection got its welcome, so the hub has registered it and
	// started both its goroutines.
	if got := runtime.NumGoroutine() - goroutines0; got < 2*n {
		t.Fatalf("%d goroutines more; want at least %d (two per connection)", got, 2*n)
	}
	heap1, stacks1 := heapAndStacks()
	per := float64(heap1+stacks1-heap0-stacks0) / float64(n)
	t.Logf("hub memory per idle connection (%d customers, %d agents): %.1f KiB (heap %.1f KiB, stacks %.1f KiB)",
		customers, agents, per/1024, float64(heap1-heap0)/float64(n)/1024, float64(stacks1-stacks0)/float64(n)/1024)
	if s := f.hub.Snapshot(); len(s.Agents) != agents {
		t.Errorf("%d agents connected; want %d", len(s.Agents), agents)
	}
	if limit := 20.0 * 1024; !raceEnabled && per > limit {
		t.Errorf("%.1f KiB per idle connection; want under %.0f KiB", per/1024, limit/1024)
	}
}

// TestHelperProcess_IdleClients is not a test: TestHub_IdleConnectionMemory
// runs it in a child process to hold the client side of its connections.
// It opens them, prints "ready", and holds them until stdin closes.
func TestHelperProcess_IdleClients(t *testing.T) {
	url := os.Getenv(envHelperURL)
	if url == "" {
		t.Skip("a helper process of TestHub_IdleConnectionMemory")
	}
	var customers, agents int
	if _, err := fmt.Sscanf(os.Getenv(envHelperClients), "%d,%d", &customers, &agents); err != nil {
		t.Fatal(err)
	}
	d := websocket.Dialer{ReadBufferSize: 1024, WriteBufferSize: 1024, WriteBufferPool: &sync.Pool{}, HandshakeTimeout: 10 * time.Second}
	var conns []*websocket.Conn
	defer func() {
		for _, ws := range conns {
			ws.Close()
		}
	}()
	dial := func(path string) {
		ws, _, err := d.Dial(url+path, nil)
		if err != nil {
			t.Fatalf("dial %s: %v", path, err)
		}
		conns = append(conns, ws)
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var f protocol.Frame
		if err := ws.ReadJSON(&f); err != nil || f.Type != protocol.TypeWelcome {
			t.Fatalf("welcome on %s: %v (%s)", path, err, f.Type)
		}
	}
	for i := range agents {
		dial(fmt.Sprintf("/ws/agent?token=agent:a%d", i))
	}
	for i := range customers {
		dial(fmt.Sprintf("/ws/customer?token=customer:c%d", i))
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin)
}

// cpuTime returns the process's user and system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRelay relays customer messages through a real hub on
// 127.0.0.1: pairs customers, each with an agent of its own that echoes
// every message at once, so an op is one round trip, two relayed
// messages. Up to 4 messages per pair are in flight. The clients are
// real gorilla connections in this process, kept as cheap as they can
// be (frames encoded once, no JSON decoding), so cpu-µs/relayed (from
// getrusage) is the hub's cost plus theirs: an upper bound of the hub's.
//
// The hub records every message: recorder=memory keeps them in a map,
// recorder=sqlite writes them to a web/store file as deskdrill serve
// does; the difference is the cost of recording.
func BenchmarkRelay(b *testing.B) {
	for _, rec := range []string{"memory", "sqlite"} {
		for _, pairs := range []int{1, 10, 100} {
			b.Run(fmt.Sprintf("recorder=%s/pairs=%d", rec, pairs), func(b *testing.B) {
				benchRelay(b, rec, pairs)
			})
		}
	}
}

func benchRelay(b *testing.B, recorder string, pairs int) {
	var st *store.Store
	var run int64
	if recorder == "sqlite" {
		var err error
		st, err = store.Open(b.Context(), filepath.Join(b.TempDir(), "relay.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		// Closed after the hub, whose Close the fixture registered later
		// (cleanups run last first).
		b.Cleanup(func() { st.Close() })
		if run, err = st.CreateRun(b.Context(), store.Run{Scenario: "bench", Speed: 1, Started: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	f := newFixture(b, func(c *hub.Config) {
		c.Concurrency = 1
		if st != nil {
			c.Recorder, c.Run = st, run
		}
	})
	text := strings.Repeat("您好，请问什么时候发货", 3) // 33 characters, 99 bytes
	agents := make([]*client, pairs)
	for i := range agents {
		agents[i] = f.dial("/ws/agent", fmt.Sprintf("agent:a%d", i))
	}
	customers := make([]*client, pairs)
	for i := range customers {
		customers[i] = f.dial("/ws/customer", fmt.Sprintf("customer:c%d", i))
		start(customers[i], sim.CaseRefundUnshipped, "退款")
	}
	var (
		window = make(chan struct{}, 4*pairs) // a slot per message in flight
		echoes atomic.Int64
		wg     sync.WaitGroup
	)
	// The readers end when their sockets close, before wg.Wait.
	defer wg.Wait()
	defer func() {
		for _, c := range append(agents, customers...) {
			c.ws.Close()
		}
	}()
	isMessage := []byte(`"type":"message"`)
	for _, a := range agents {
		id := a.expect(protocol.TypeAssign).Conversation
		reply := []byte(fmt.Sprintf(`{"v":1,"type":"message","conversation":%q,"text":%q}`, id, text))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := a.ws.ReadMessage()
				if err != nil {
					return
				}
				if bytes.Contains(data, isMessage) {
					if a.ws.WriteMessage(websocket.TextMessage, reply) != nil {
						return
					}
				}
			}
		}()
	}
	for _, c := range customers {
		c.expect(protocol.TypeAssigned)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, data, err := c.ws.ReadMessage()
				if err != nil {
					return
				}
				if bytes.Contains(data, isMessage) {
					echoes.Add(1)
					<-window
				}
			}
		}()
	}
	// A watchdog: echoes that stop coming fail the benchmark rather than
	// hang it.
	stuck := make(chan struct{})
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		last, quiet := int64(-1), 0
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if n := echoes.Load(); n != last || len(window) == 0 {
					last, quiet = n, 0
				} else if quiet++; quiet == 10 {
					close(stuck)
					return
				}
			}
		}
	}()
	msg := []byte(fmt.Sprintf(`{"v":1,"type":"message","text":%q}`, text))
	cpu0, t0 := cpuTime(b), time.Now()
	n := 0
	for b.Loop() {
		select {
		case window <- struct{}{}:
		case <-stuck:
			b.Fatalf("no echo for 10 s; %d of %d came back", echoes.Load(), n)
		}
		if err := customers[n%pairs].ws.WriteMessage(websocket.TextMessage, msg); err != nil {
			b.Fatal(err)
		}
		n++
	}
	for range cap(window) { // every echo is back when the window is free
		select {
		case window <- struct{}{}:
		case <-stuck:
			b.Fatalf("no echo for 10 s; %d of %d came back", echoes.Load(), n)
		}
	}
	cpu, elapsed := cpuTime(b)-cpu0, time.Since(t0)
	relayed := 2 * float64(n)
	b.ReportMetric(relayed/elapsed.Seconds(), "relayed/s")
	b.ReportMetric(float64(cpu)/float64(time.Microsecond)/relayed, "cpu-µs/relayed")
}

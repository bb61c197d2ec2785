//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// serveChildEnv switches the test binary into a `deskdrill serve` child
// process: its value is the command line as a JSON array.
const serveChildEnv = "DESKDRILL_SERVE_CHILD"

// TestServeChild is not a test of its own: the serve process tests run the
// test binary again with only this test selected and serveChildEnv set,
// and it runs the command line as main would, exit code included.
func TestServeChild(t *testing.T) {
	v := os.Getenv(serveChildEnv)
	if v == "" {
		t.Skip("the child process of the serve process tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(v), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, args, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// serveProc is a `deskdrill serve` child process.
type serveProc struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // http://ADDR
	// tokens from the banner: customer (with --customers external),
	// agent, viewer.
	customer, agent, viewer string
	run                     string

	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	lines  chan string
	reader sync.WaitGroup
	done   chan struct{} // closed when the process has exited
	err    error         // its exit, once done
	exited time.Time
}

// lockedWriter is a bytes.Buffer under the process's mutex.
type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

var (
	bannerRe   = regexp.MustCompile(`^deskdrill (?:serving|resumed) run (\d+) of \S+ on (http://\S+) `)
	customerRe = regexp.MustCompile(`customer token: (dd_\S+)`)
	agentRe    = regexp.MustCompile(`agent console: +http://\S+/\?token=(dd_\S+)`)
	viewerRe   = regexp.MustCompile(`Bearer (dd_\S+)' http://\S+/api/live`)
)

// startServe runs `deskdrill serve ARGS` in a child process and waits for
// its banner (the live-KPIs line ends it). It kills the child when the
// test ends.
func startServe(t *testing.T, args ...string) *serveProc {
	t.Helper()
	p, err := launchServe(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	for l := range p.lines {
		if m := bannerRe.FindStringSubmatch(l); m != nil {
			p.run, p.base = m[1], m[2]
		}
		if m := customerRe.FindStringSubmatch(l); m != nil {
			p.customer = m[1]
		}
		if m := agentRe.FindStringSubmatch(l); m != nil {
			p.agent = m[1]
		}
		if m := viewerRe.FindStringSubmatch(l); m != nil {
			p.viewer = m[1]
			return p
		}
	}
	<-p.done
	t.Fatalf("serve %v ended without a banner: %v\n%s%s", args, p.err, p.out(), p.errOut())
	return nil
}

// launchServe starts the child; its stdout lines arrive on p.lines.
func launchServe(t *testing.T, args ...string) (*serveProc, error) {
	p := &serveProc{t: t, lines: make(chan string, 256), done: make(chan struct{})}
	p.cmd = exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmdline, _ := json.Marshal(append([]string{"serve"}, args...))
	p.cmd.Env = append(os.Environ(), serveChildEnv+"="+string(cmdline))
	p.cmd.Stderr = lockedWriter{&p.mu, &p.stderr}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	p.reader.Go(func() {
		defer close(p.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lockedWriter{&p.mu, &p.stdout}.Write(append(sc.Bytes(), '\n'))
			select {
			case p.lines <- sc.Text():
			default: // nobody reads the lines now; stdout keeps them
			}
		}
	})
	go func() { // ends when the child does
		p.reader.Wait()
		p.err = p.cmd.Wait()
		p.exited = time.Now()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p, nil
}

// runServe runs serve to its end and returns its exit code, stdout and
// stderr.
func runServeChild(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	p, err := launchServe(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	go func() { // drains lines until the child ends
		for range p.lines {
		}
	}()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("serve %v still running after 60 s", args)
	}
	return p.cmd.ProcessState.ExitCode(), p.out(), p.errOut()
}

func (p *serveProc) out() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

func (p *serveProc) errOut() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// signal sends sig and waits, up to within, for the child to exit. It
// returns how long the exit took.
func (p *serveProc) signal(sig os.Signal, within time.Duration) time.Duration {
	p.t.Helper()
	sent := time.Now()
	if err := p.cmd.Process.Signal(sig); err != nil {
		p.t.Fatal(err)
	}
	go func() { // drains lines until the child ends
		for range p.lines {
		}
	}()
	select {
	case <-p.done:
		return p.exited.Sub(sent)
	case <-time.After(within):
		p.t.Fatalf("serve still running %v after %v\n%s", within, sig, p.errOut())
	}
	return 0
}

// get fetches path from the child, failing if it takes over a second.
func (p *serveProc) get(path, token string) (int, string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", p.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func (p *serveProc) ws(path string) string { return "ws" + strings.TrimPrefix(p.base, "http") + path }

package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/deskdrill/deskdrill/bench/echo"
	loadgen "github.com/deskdrill/deskdrill/bench/load"
)

func newEchoCmd() *cobra.Command {
	return groupCmd("echo", "The baselines of the hub's cost per message: a bare WebSocket echo server and its client, and a bare relay",
		`  deskdrill echo serve --addr 127.0.0.1:9090
  deskdrill echo load --url ws://127.0.0.1:9090 --conns 5000 --rate 5000/s --duration 30s
  deskdrill echo relay --addr 127.0.0.1:9091`,
		newEchoServeCmd(), newEchoRelayCmd(), newEchoLoadCmd())
}

func newEchoServeCmd() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "serve [--addr HOST:PORT]",
		Short: "Serve a bare gorilla WebSocket echo server, the baseline of the hub's CPU per message",
		Long: `serve runs a WebSocket echo server on --addr: every message it reads it writes back at once,
one read and one write per message, with the hub's buffer settings. /metrics has its message count
(deskdrill_echo_messages_total) and process_cpu_seconds_total, so that its CPU per message can be set
beside the hub's (deskdrill_messages_relayed_total) measured in the same minute:
bench/load/relay-cost.sh does both and prints the ratio (docs/performance.md). It runs until Ctrl-C.`,
		Example: `  deskdrill echo serve --addr 127.0.0.1:9090
  deskdrill echo serve --addr 127.0.0.1:0      # any free port; the address is printed`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			reg := baselineRegistry()
			srv, err := echo.NewServer(reg)
			if err != nil {
				return err
			}
			return serveBaseline(c, "echo server", addr, reg, srv, srv.Close)
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:9090", "address to listen on (port 0: any free port)")
	return c
}

func newEchoRelayCmd() *cobra.Command {
	var addr string
	c := &cobra.Command{
		Use:   "relay [--addr HOST:PORT]",
		Short: "Serve a bare gorilla WebSocket relay between customers and agents, the floor of the hub's relay cost",
		Long: `relay runs the least a relay can do on --addr, speaking just enough of the hub's protocol for
deskdrill load to drive it as it drives the hub (/ws/agent, /ws/customer; any token): a customer's
start is assigned to the next agent round robin, each message goes to the other side unparsed (the
conversation's id put in front), one read and one write per relayed message, nothing decoded,
recorded or timed. /metrics counts deskdrill_messages_relayed_total as the hub does. Its CPU per
relayed message under the hub's load, beside the echo server's and the hub's in the same minute,
splits the hub's cost into the traffic's and the hub's own (bench/load/relay-cost.sh,
docs/performance.md). It runs until Ctrl-C.`,
		Example: `  deskdrill echo relay --addr 127.0.0.1:9091
  deskdrill load --url ws://127.0.0.1:9091 --customer-token x --agent-token x --customers 5000 --agents 1000 --rate 2500/s`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			reg := baselineRegistry()
			r, err := echo.NewRelay(reg)
			if err != nil {
				return err
			}
			return serveBaseline(c, "relay", addr, reg, r, r.Close)
		},
	}
	c.Flags().StringVar(&addr, "addr", "127.0.0.1:9091", "address to listen on (port 0: any free port)")
	return c
}

// baselineRegistry is a baseline server's metrics: its own counter is
// added to the process's CPU and the Go runtime's, as the hub has them.
func baselineRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// serveBaseline serves h, the baseline called name (and /metrics from
// reg), on addr until the command's context ends, then closes the server
// and h.
func serveBaseline(c *cobra.Command, name, addr string, reg *prometheus.Registry, h http.Handler, closeHandler func(context.Context) error) error {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.Handle("GET /", h)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return &usageError{cmd: c.CommandPath(), err: fmt.Errorf("--addr %s: %w", addr, err)}
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(c.OutOrStdout(), "%s on ws://%s/ (metrics http://%s/metrics); Ctrl-C stops it\n", name, ln.Addr(), ln.Addr())
	select {
	case err := <-served:
		return fmt.Errorf("serve %s: %w", name, err)
	case <-c.Context().Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = hs.Shutdown(ctx)
	if cerr := closeHandler(ctx); err == nil {
		err = cerr
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("stop %s: %w", name, err)
	}
	return nil
}

func newEchoLoadCmd() *cobra.Command {
	var (
		cfg     echo.ClientConfig
		jsonOut bool
	)
	c := &cobra.Command{
		Use:   "load --url ws://HOST:PORT [flags]",
		Short: "Pace messages over many connections to an echo server",
		Long: `load opens --conns connections to an echo server (deskdrill echo serve) and sends messages at
--rate over all of them, round robin, for --duration, then waits up to 5 s for the last echoes. The
messages are the size of deskdrill load's customer messages. The issue's baseline is 5,000
connections at one message a second each: --conns 5000 --rate 5000/s.`,
		Example: `  deskdrill echo load --url ws://127.0.0.1:9090 --conns 5000 --rate 5000/s --duration 30s`,
		Args:    cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if cfg.URL == "" {
				return &usageError{cmd: c.CommandPath(), err: errors.New("--url is required (the echo server, such as ws://127.0.0.1:9090)")}
			}
			res, err := echo.RunClient(c.Context(), cfg)
			if err != nil {
				return err
			}
			if jsonOut {
				return writeJSON(c.OutOrStdout(), res)
			}
			fmt.Fprintf(c.OutOrStdout(), "%d connections (%d failed); sent %d, %d came back in %.2f s\n",
				res.Conns, res.Failed, res.Sent, res.Received, res.Elapsed.Seconds())
			return nil
		},
	}
	f := c.Flags()
	varFlag(f, &cfg.URL, "url", "ws://HOST:PORT", "the echo server, ws://HOST:PORT", parseHub, func(s string) string { return s })
	intFlag(f, &cfg.Conns, "conns", 5000, "connections", 1, maxConnections, "a whole number of connections from 1 such as 5000")
	cfg.Rate = loadgen.Rate{Freq: 5000, Per: time.Second}
	varFlag(f, &cfg.Rate, "rate", "rate", "messages per unit over all connections", parseLoadRate, loadgen.Rate.String)
	durationFlag(f, &cfg.Duration, "duration", 30*time.Second, "how long to send", time.Nanosecond, "a duration above 0 such as 30s")
	intFlag(f, &cfg.Dialers, "dialers", loadgen.DefaultDialers, "connections opened at once", 1, maxConnections, "a whole number from 1 such as 64")
	f.BoolVar(&jsonOut, "json", false, "print the result as JSON")
	return c
}

// Package echo is the baseline the hub's cost per message is measured
// against: a bare gorilla/websocket echo server, which reads a message and
// writes it back (one read and one write per message, nothing else), and a
// client that paces messages over many connections; and a bare relay
// (Relay), the least a relay between customers and agents can do, which
// deskdrill load drives as it drives the hub.
//
// # Why a baseline
//
// Most of what a relayed message costs on a loopback machine is the
// kernel's: a netpoll wake-up, a read, a write (and, on loopback, the
// receiver's TCP work charged to the sender). A figure in microseconds per
// message means little on its own and changes from machine to machine; the
// ratio of the hub's CPU per relayed message to this server's CPU per
// echoed message, measured in the same minute on the same machine, does
// not. bench/load/relay-cost.sh measures both and prints the ratio
// (docs/performance.md).
//
// The servers are configured as the hub's upgrader is (1 KiB read buffer,
// pooled write buffers). The echo server is the baseline; the
// relay splits the hub's cost above it in two: the relay's above the echo
// server's is the traffic's (each customer message crosses two hops, and
// each hop wakes a peer that was asleep), the hub's above the relay's is
// the hub's own work: decoding, routing, recording, metrics.
package echo

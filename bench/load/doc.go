// Package load drives a deskdrill hub with relay traffic and reports what
// it sustained: an open-loop load generator for the live protocol
// (docs/protocol.md), in the manner of vegeta.
//
// # The model
//
// A run opens Agents agent connections (each an echo bot: every customer
// message it is sent goes straight back as a message of its own, with no
// think time) and Customers customer connections, each of which starts one
// conversation and waits to be assigned. Then customer messages are paced
// at Rate for Duration, round robin over the assigned customers. A customer
// message that comes back is two relayed messages: customer → agent, agent
// → customer.
//
// # Open loop
//
// Sends follow a pure pacing function, Pacer, of the time elapsed and the
// messages sent so far: the i-th message is due at a fixed offset from the
// start whatever the hub does. Round-trip latency is measured from that
// intended time, not from when a worker got round to sending, so a hub (or
// a generator) that falls behind shows it as latency instead of quietly
// sending less (coordinated omission; STYLE.md §4).
//
// # What is reported
//
// Counts of the generator's own (sent, delivered to agents, echoed,
// received back), round-trip percentiles, and, when the hub's /metrics
// answers, the hub's own figures over the same window: messages relayed
// (deskdrill_messages_relayed_total), the quantiles of its relay latency
// histogram (frame read to frame written, deskdrill_relay_latency_seconds)
// and its CPU time (process_cpu_seconds_total) per relayed message.
//
// Idle mode opens the connections without starting conversations and holds
// them for Duration, for memory measurements: the hub's resident and heap
// memory before and after, and the generator's own, per connection.
package load

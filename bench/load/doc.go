// Package load drives a deskdrill hub with load and reports what it
// sustained: the open-loop engine of `deskdrill load` and `deskdrill
// drill` (docs/drills.md), in the manner of vegeta and k6.
//
// # The model
//
// A relay run opens Agents echo agents (every customer message an agent
// is sent goes straight back as a message of its own, with no think time)
// and Customers customer connections, each of which starts one
// conversation and waits to be assigned. Then customer messages are paced
// by the stages (or at Rate for Duration), round robin over the assigned
// customers. A customer message that comes back is two relayed messages:
// customer → agent, agent → customer.
//
// A scenario run sends synthetic customers of a scenario (bench/swarm)
// instead, paced by the stages as arrivals, against the drill's bots
// (bench/bot), echo agents, or the team under test.
//
// # Open loop
//
// Sends follow a pure function of the event's number, Schedule: the n-th
// is due when the integral of the stages' rate reaches n, whatever the hub
// does. Round-trip latency is measured from that intended time, not from
// when a worker got round to sending, so a hub (or a generator) that falls
// behind shows it as latency instead of quietly sending less (coordinated
// omission; STYLE.md §4).
//
// # Measurements
//
// Every latency goes into an HDR histogram (hdrhistogram-go, 1 µs to an
// hour at three significant digits), per interval and in all; the round
// trip is split by the echo agent's receive-side timestamp into the way
// out and the way back, beside the generator's send lateness. The hub's
// /metrics are scraped before the connections, at the start of pacing, at
// every interval and at the end: messages relayed, its relay latency
// histogram, its CPU per relayed message and memory per connection. The
// generator's own CPU says whether it, not the hub, was the bottleneck.
//
// # Summaries, thresholds, shards
//
// A run's Summary keeps all of it in a form that merges exactly: counts,
// whole histograms in HdrHistogram's standard encoding, intervals, the
// hub's raw scrapes. Thresholds (METRIC OP VALUE) are judged on it, the
// AbortOnFail ones also while the run goes on. A Shard i/n runs the events,
// customers and agents numbered k ≡ i (mod n); Merge joins the shards'
// summaries into the whole drill's and judges its thresholds again.
//
// Idle mode opens the connections without starting conversations and holds
// them for Duration, for memory measurements: the hub's resident and heap
// memory before and after, and the generator's own, per connection.
package load

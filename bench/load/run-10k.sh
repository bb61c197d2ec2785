#!/usr/bin/env bash
# run-10k.sh measures the live hub against issue 4's targets, end to end, on
# this machine: 10,000 customer connections and 1,000 agents, all on
# 127.0.0.1, the hub in one process (deskdrill serve) and the clients in
# others (deskdrill load, deskdrill customers), since one process may hold
# at most 20,000 open files.
#
#   1. idle:    10,000 customers + 1,000 agents connected and held (load --idle):
#               the hub's memory per idle connection (VmRSS), the clients' too.
#   2. swarm:   10,000 synthetic customers (deskdrill customers, no agents, so
#               they wait in the queue) on the same hub: memory per synthetic
#               customer.
#   3. relay:   on a fresh hub, 10,000 customers + 1,000 echo agents, 5,000
#               customer messages/s for DURATION = 10,000 relayed messages/s:
#               rate, the hub's CPU per relayed message, relay latency (the
#               hub's histogram), round trips.
#   4. latency: the same on a fresh hub at 2,500 customer messages/s = 5,000
#               relayed/s.
#
# Each phase prints its figures; a summary follows. It takes about three
# minutes and cleans up its processes however it ends.
#
#   bench/load/run-10k.sh                 # from the repository
#   DURATION=20s PORT=18080 bench/load/run-10k.sh
set -euo pipefail

DURATION=${DURATION:-30s}
PORT=${PORT:-0} # 0: any free port
CUSTOMERS=10000
AGENTS=1000

for tool in go curl jq awk; do
	command -v "$tool" >/dev/null || { echo "run-10k: $tool is required" >&2; exit 2; }
done
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)" # up to the hard limit (20,000 here)
if [ "$(ulimit -n)" -lt $((CUSTOMERS + AGENTS + 1000)) ]; then
	echo "run-10k: the open-file limit is $(ulimit -n); a process needs about $((CUSTOMERS + AGENTS + 1000))" >&2
	exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	echo "logs and results: $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build"
go build -o "$work/deskdrill" ./cmd/deskdrill
dd="$work/deskdrill"

# The scenario's agents take 5 chats each (the most a scenario allows), so
# 1,000 agents hold 5,000 conversations; the other 5,000 customers wait.
sed 's/^  concurrency: 3$/  concurrency: 5/' scenarios/builtin/steady-day.yaml >"$work/steady-day-c5.yaml"
grep -q '^  concurrency: 5$' "$work/steady-day-c5.yaml"

# serve NAME: starts a hub of its own (records in $work/NAME.db) and sets
# hub, addr, ctoken and atoken. Each relay phase gets a fresh hub, so that
# the conversations earlier phases ended (which the server keeps and
# reviews) do not weigh on its figures.
serve() {
	"$dd" serve --scenario "$work/steady-day-c5.yaml" --customers external --bots 0 --db "$work/$1.db" \
		--addr "127.0.0.1:$PORT" --log warn >"$work/$1-serve.out" 2>"$work/$1-serve.err" &
	hub=$!
	pids+=("$hub")
	for _ in $(seq 100); do
		grep -q 'customer token:' "$work/$1-serve.out" 2>/dev/null && break
		kill -0 "$hub" 2>/dev/null || { cat "$work/$1-serve.err" >&2; exit 1; }
		sleep 0.1
	done
	addr=$(sed -n 's|.* on http://\([^ ]*\) .*|\1|p' "$work/$1-serve.out" | head -1)
	ctoken=$(awk '/customer token:/ {print $3; exit}' "$work/$1-serve.out")
	# The agent token: a sign-in link's token= (or, from older builds,
	# the bare token on the agent token line). One token seats many agents.
	atoken=$(awk '/^  agent (console|token)/ {t = $NF; sub(/.*token=/, "", t); print t; exit}' "$work/$1-serve.out")
	[ -n "$addr" ] && [ -n "$ctoken" ] && [ -n "$atoken" ] || { echo "run-10k: no address or tokens from serve" >&2; exit 1; }
	echo "hub pid $hub on $addr"
}

# unserve: stops the hub (Ctrl-C: it closes its connections and flushes).
unserve() {
	kill -INT "$hub"
	wait "$hub" || true
}

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # utime + stime, in clock ticks
hz=$(getconf CLK_TCK)
# metric NAME reads one series of the hub's /metrics (awk reads to the
# end: curl must not die of SIGPIPE under pipefail).
metric() { curl -sf "http://$addr/metrics" | awk -v m="$1" '$1 == m {v = $2} END {print v}'; }
# await NAME VALUE SECONDS: poll the hub's metric until it reads VALUE.
await() {
	local deadline=$((SECONDS + $3))
	until [ "$(metric "$1" | awk '{printf "%d", $1}')" = "$2" ]; do
		[ $SECONDS -lt $deadline ] || { echo "run-10k: $1 never reached $2 (last $(metric "$1"))" >&2; return 1; }
		sleep 0.5
	done
}
kib() { awk -v b="$1" -v n="$2" 'BEGIN {printf "%.1f", b / n}'; } # KiB per item

echo "== 1. idle: $CUSTOMERS customers + $AGENTS agents held"
serve idle
rss0=$(rss_kib "$hub")
"$dd" load --url "ws://$addr" --customer-token "$ctoken" --agent-token "$atoken" --seat idle- \
	--customers $CUSTOMERS --agents $AGENTS --idle --duration 20s --json >"$work/idle.json" 2>"$work/idle.err" &
loadpid=$!
pids+=("$loadpid")
await deskdrill_customers_connected $CUSTOMERS 120
await deskdrill_agents_connected $AGENTS 30
sleep 5 # let the connection storm's garbage settle as it would
rss1=$(rss_kib "$hub")
loadrss=$(rss_kib "$loadpid")
wait "$loadpid"
hub_idle=$(kib $((rss1 - rss0)) $((CUSTOMERS + AGENTS)))
load_idle=$(kib "$loadrss" $((CUSTOMERS + AGENTS)))
jq -r '.memory | "load --idle says: hub \(.hub_rss_per_conn_bytes / 1024 | . * 10 | round / 10) KiB resident, \(.hub_heap_stack_per_conn_bytes / 1024 | . * 10 | round / 10) KiB Go heap+stacks per connection; its own \(.self_rss_per_conn_bytes / 1024 | . * 10 | round / 10) KiB resident"' "$work/idle.json"
echo "hub VmRSS $((rss0 / 1024)) → $((rss1 / 1024)) MiB: $hub_idle KiB per idle connection; the load process $load_idle KiB per connection (all included)"
await deskdrill_customers_connected 0 60
await deskdrill_agents_connected 0 60

echo "== 2. swarm: $CUSTOMERS synthetic customers waiting (deskdrill customers)"
rss2=$(rss_kib "$hub")
"$dd" customers --url "ws://$addr" --token "$ctoken" --scenario double11 --speed 5000 --count $CUSTOMERS \
	--patience-scale 1000 --seed 1 >"$work/customers.out" 2>"$work/customers.err" &
swarm=$!
pids+=("$swarm")
await deskdrill_customers_connected $CUSTOMERS 120
sleep 5
swarmrss=$(rss_kib "$swarm")
rss3=$(rss_kib "$hub")
kill -INT "$swarm"
wait "$swarm" || true
per_customer=$(kib "$swarmrss" $CUSTOMERS)
hub_waiting=$(kib $((rss3 - rss2)) $CUSTOMERS)
echo "customers process VmRSS $((swarmrss / 1024)) MiB: $per_customer KiB per synthetic customer (the process's whole footprint)"
echo "hub VmRSS $((rss2 / 1024)) → $((rss3 / 1024)) MiB: $hub_waiting KiB per customer waiting with a conversation"
await deskdrill_customers_connected 0 60
unserve

# relay PHASE RATE: one paced relay run; prints the load's report and the
# hub's CPU from /proc over the whole run (connect, relay, disconnect).
relay() {
	local cpu0 cpu1 rel0 rel1
	serve "$1"
	cpu0=$(cpu_ticks "$hub")
	rel0=$(metric deskdrill_messages_relayed_total)
	"$dd" load --url "ws://$addr" --customer-token "$ctoken" --agent-token "$atoken" --seat "$1-" \
		--customers $CUSTOMERS --agents $AGENTS --rate "$2" --duration "$DURATION" --json >"$work/$1.json" 2>"$work/$1.err" &
	loadpid=$!
	pids+=("$loadpid")
	wait "$loadpid"
	await deskdrill_customers_connected 0 60
	await deskdrill_agents_connected 0 60
	cpu1=$(cpu_ticks "$hub")
	rel1=$(metric deskdrill_messages_relayed_total)
	jq -r '"load: \(.customers) customers (\(.assigned) chatting), \(.agents) agents; \(.sent) sent, \(.received) back; relayed \(.relayed) = \(.relayed_per_s | round)/s",
		"round trip from the intended send time: p50 \(.rtt.p50_ns / 1e6 | . * 100 | round / 100) ms, p99 \(.rtt.p99_ns / 1e6 | . * 100 | round / 100) ms, max \(.rtt.max_ns / 1e6 | . * 10 | round / 10) ms; generator lateness p99 \(.lateness.p99_ns / 1e6 | . * 100 | round / 100) ms",
		"hub /metrics over the pacing window: \(.hub.relayed) relayed = \(.hub.relayed_per_s | round)/s; relay latency p50 \(.hub.relay_latency_p50_s * 1e3 | . * 1000 | round / 1000) ms, p90 \(.hub.relay_latency_p90_s * 1e3 | . * 1000 | round / 1000) ms, p99 \(.hub.relay_latency_p99_s * 1e3 | . * 1000 | round / 1000) ms; CPU \(.hub.cpu_per_relayed_ns / 1e3 | . * 10 | round / 10) µs per relayed message"' "$work/$1.json"
	awk -v c=$((cpu1 - cpu0)) -v hz="$hz" -v r0="$rel0" -v r1="$rel1" 'BEGIN {
		printf "hub CPU from /proc over the whole phase (connect, relay, disconnect): %.1f s for %d relayed = %.1f µs each\n", c / hz, r1 - r0, 1e6 * c / hz / (r1 - r0) }'
	unserve
}

echo "== 3. relay: 5000 customer messages/s for $DURATION (10,000 relayed/s)"
relay relay10k 5000/s
echo "== 4. latency: 2500 customer messages/s for $DURATION (5,000 relayed/s)"
relay relay5k 2500/s

echo
echo "== summary ($(nproc) cores)"
echo "idle connection, hub side:        $hub_idle KiB VmRSS per connection   (target < 20 KiB)"
echo "idle connection, load client:     $load_idle KiB VmRSS per connection"
echo "synthetic customer (swarm):       $per_customer KiB VmRSS per customer   (target < 30 KiB)"
jq -r '"relayed at 5000 msg/s:            \(.relayed_per_s | round)/s counted by load, \(.hub.relayed_per_s | round)/s by /metrics (its window holds the scrapes)   (target ≥ 10,000/s)",
	"hub CPU per relayed message:      \(.hub.cpu_per_relayed_ns / 1e3 | . * 10 | round / 10) µs   (aim ≤ 50 µs)",
	"relay latency p99 at 10,000/s:    \(.hub.relay_latency_p99_s * 1e3 | . * 1000 | round / 1000) ms"' "$work/relay10k.json"
jq -r '"relay latency p99 at 5,000/s:     \(.hub.relay_latency_p99_s * 1e3 | . * 1000 | round / 1000) ms   (target < 5 ms; relayed \(.hub.relayed_per_s | round)/s)"' "$work/relay5k.json"

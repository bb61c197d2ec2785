#!/usr/bin/env bash
# relay-cost.sh measures the hub's CPU per relayed message against a bare
# gorilla echo server's CPU per echoed message, on this machine, in the same
# run (issue 15):
#
#   hub:  deskdrill serve (a fresh hub, recording to SQLite as always) with
#         5,000 customers and 1,000 echo agents of deskdrill load at 2,500
#         customer messages/s = 5,000 relayed/s;
#   relay: deskdrill echo relay, the bare relay (moves each message, one
#         read and one write, decodes and records nothing), under the same
#         load as the hub: the floor of any relay with this traffic;
#   echo: deskdrill echo serve with 5,000 connections of deskdrill echo load
#         at one message a second each = 5,000 messages/s, one read and one
#         write per message.
#
# Each side's cost is its process's CPU time (utime + stime, /proc/PID/stat)
# over 10 s, starting 3 s after the messages began (the connections are set
# up by then), divided by the increase of its message counter over the same
# 10 s (deskdrill_messages_relayed_total, deskdrill_echo_messages_total).
# The load driving each server is timed over the same window too: it is the
# other end of every message, and a cost that grows at both ends with the
# traffic's pattern rather than with the server's code shows in both.
# ROUNDS rounds (3) of the three, in turn (each round starting one further
# along); the medians and the ratios
# (hub ÷ echo, the issue's; relay ÷ echo, the traffic's share; hub ÷
# relay, the hub's own) are printed. Then one run at 10,000 relayed/s (5,000 customer messages/s) for
# the hub's relay latency p99, from its histogram over the pacing window.
#
#   bench/load/relay-cost.sh                  # about 6 minutes
#   ROUNDS=5 bench/load/relay-cost.sh
#
# The clients run in processes of their own and share the machine's cores
# with the server measured: run it when the machine is otherwise quiet.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
CUSTOMERS=5000
AGENTS=1000
WINDOW=10  # seconds measured
SETTLE=3   # seconds after the first message before the window
DURATION=$((SETTLE + WINDOW + 7))s

for tool in go curl jq awk; do
	command -v "$tool" >/dev/null || { echo "relay-cost: $tool is required" >&2; exit 2; }
done
cd "$(dirname "$0")/../.."
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" -lt $((CUSTOMERS + AGENTS + 1000)) ]; then
	echo "relay-cost: the open-file limit is $(ulimit -n); a process needs about $((CUSTOMERS + AGENTS + 1000))" >&2
	exit 2
fi

work=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	echo "logs and results: $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== build"
go build -o "$work/deskdrill" ./cmd/deskdrill
dd="$work/deskdrill"
sed 's/^  concurrency: 3$/  concurrency: 5/' scenarios/builtin/steady-day.yaml >"$work/steady-day-c5.yaml"
grep -q '^  concurrency: 5$' "$work/steady-day-c5.yaml"
hz=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# metric ADDR NAME: one series of a server's /metrics.
metric() { curl -sf "http://$1/metrics" | awk -v m="$2" '$1 == m {v = $2} END {printf "%.0f", v}'; }
# started ADDR NAME: wait until the counter moves (the messages began).
started() {
	local deadline=$((SECONDS + 180))
	until [ "$(metric "$1" "$2")" -gt 0 ]; do
		[ $SECONDS -lt $deadline ] || { echo "relay-cost: $2 never moved" >&2; return 1; }
		sleep 0.1
	done
}
# window PID ADDR NAME LOADPID: prints "cpu_seconds messages load_cpu_seconds"
# over WINDOW s after SETTLE s: the server's CPU, its message count, and the
# CPU of the load that drives it (the other end of every message).
window() {
	local c0 c1 m0 m1 l0 l1
	started "$2" "$3"
	sleep "$SETTLE"
	c0=$(cpu_ticks "$1"); l0=$(cpu_ticks "$4"); m0=$(metric "$2" "$3")
	sleep "$WINDOW"
	c1=$(cpu_ticks "$1"); l1=$(cpu_ticks "$4"); m1=$(metric "$2" "$3")
	awk -v c=$((c1 - c0)) -v l=$((l1 - l0)) -v hz="$hz" -v m=$((m1 - m0)) 'BEGIN {printf "%.2f %d %.2f\n", c / hz, m, l / hz}'
}
serve() { # serve NAME: a fresh hub; sets hub, addr, ctoken, atoken
	"$dd" serve --scenario "$work/steady-day-c5.yaml" --customers external --bots 0 --db "$work/$1.db" \
		--addr 127.0.0.1:0 --log warn >"$work/$1-serve.out" 2>"$work/$1-serve.err" &
	hub=$!
	pids+=("$hub")
	for _ in $(seq 100); do
		grep -q 'customer token:' "$work/$1-serve.out" 2>/dev/null && break
		kill -0 "$hub" 2>/dev/null || { cat "$work/$1-serve.err" >&2; exit 1; }
		sleep 0.1
	done
	addr=$(sed -n 's|.* on http://\([^ ]*\) .*|\1|p' "$work/$1-serve.out" | head -1)
	ctoken=$(awk '/customer token:/ {print $3; exit}' "$work/$1-serve.out")
	atoken=$(awk '/^  agent (console|token)/ {t = $NF; sub(/.*token=/, "", t); print t; exit}' "$work/$1-serve.out")
	[ -n "$addr" ] && [ -n "$ctoken" ] && [ -n "$atoken" ] || { echo "relay-cost: no address or tokens from serve" >&2; exit 1; }
}
unserve() { kill -INT "$hub"; wait "$hub" || true; }

# drive NAME SERVERPID ADDR COUNTER LOADOUT LOAD...: runs the load command
# against a server, times the server and the load over the window (to
# $work/NAME.win: "cpu messages load_cpu") and waits for the load to end.
drive() {
	local name=$1 sp=$2 saddr=$3 counter=$4 out=$5
	shift 5
	"$@" >"$work/$out.json" 2>"$work/$out.err" &
	local lp=$!
	pids+=("$lp")
	window "$sp" "$saddr" "$counter" "$lp" >"$work/$name.win"
	wait "$lp"
}
hub_round() { # hub_round NAME RATE
	serve "$1"
	drive "$1" "$hub" "$addr" deskdrill_messages_relayed_total "$1" "$dd" load --url "ws://$addr" \
		--customer-token "$ctoken" --agent-token "$atoken" --seat "$1-" \
		--customers $CUSTOMERS --agents $AGENTS --rate "$2" --duration "$DURATION" --json
	unserve
}
# start_baseline NAME BANNER CMD...: runs a baseline server in the
# background and waits for its line "BANNER on ws://ADDR/ ..."; sets bpid
# and baddr.
start_baseline() {
	local name=$1 banner=$2
	shift 2
	"$@" >"$work/$name.out" 2>"$work/$name.err" &
	bpid=$!
	pids+=("$bpid")
	baddr=""
	for _ in $(seq 100); do
		baddr=$(sed -n "s|^$banner on ws://\([^/]*\)/.*|\1|p" "$work/$name.out" 2>/dev/null)
		[ -n "$baddr" ] && break
		kill -0 "$bpid" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$baddr" ] || { echo "relay-cost: the $banner did not start" >&2; cat "$work/$name.err" >&2; exit 1; }
}
stop_baseline() { kill -INT "$bpid"; wait "$bpid" || true; }
relay_round() { # relay_round NAME: the bare relay (deskdrill echo relay) under the hub's load
	start_baseline "$1-relay" relay "$dd" echo relay --addr 127.0.0.1:0
	drive "$1" "$bpid" "$baddr" deskdrill_messages_relayed_total "$1" "$dd" load --url "ws://$baddr" \
		--customer-token bare --agent-token bare --seat "$1-" \
		--customers $CUSTOMERS --agents $AGENTS --rate 2500/s --duration "$DURATION" --json
	stop_baseline
}
echo_round() { # echo_round NAME: the echo server, 5,000 connections × 1 message/s
	start_baseline "$1-echo" "echo server" "$dd" echo serve --addr 127.0.0.1:0
	drive "$1" "$bpid" "$baddr" deskdrill_echo_messages_total "$1-load" "$dd" echo load --url "ws://$baddr" \
		--conns $CUSTOMERS --rate 5000/s --duration "$DURATION" --json
	stop_baseline
}

per() { awk -v c="$1" -v m="$2" 'BEGIN {printf "%.1f", 1e6 * c / m}'; } # µs per message
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

hubs=() echoes=() ratios=() hubloads=() echoloads=() relays=() relayloads=() floors=() owns=()
# Each round runs the three in turn, starting one further along each time
# (hub, relay, echo; relay, echo, hub; ...), so that no server always runs
# first or last on a machine whose other guests come and go.
measure_hub() {
	echo "== round $r: hub, 5,000 relayed/s ($CUSTOMERS customers, $AGENTS agents, 2500/s)"
	hub_round "hub$r" 2500/s
	read -r hc hm hl <"$work/hub$r.win"
	echo "hub:  $hc s CPU for $hm relayed = $(per "$hc" "$hm") µs per message ($(awk -v m="$hm" -v w=$WINDOW 'BEGIN {printf "%.0f", m / w}')/s); its load: $(per "$hl" "$hm") µs per message"
}
measure_relay() {
	echo "== round $r: bare relay, the hub's load"
	relay_round "relay$r"
	read -r rc rm rl <"$work/relay$r.win"
	echo "relay: $rc s CPU for $rm relayed = $(per "$rc" "$rm") µs per message; its load: $(per "$rl" "$rm") µs per message"
}
measure_echo() {
	echo "== round $r: echo, $CUSTOMERS connections × 1 message/s"
	echo_round "echo$r"
	read -r ec em el <"$work/echo$r.win"
	echo "echo: $ec s CPU for $em echoed = $(per "$ec" "$em") µs per message ($(awk -v m="$em" -v w=$WINDOW 'BEGIN {printf "%.0f", m / w}')/s); its load: $(per "$el" "$em") µs per message"
}
order=(measure_hub measure_relay measure_echo)
for r in $(seq "$ROUNDS"); do
	for i in 0 1 2; do
		"${order[$(((r - 1 + i) % 3))]}"
	done
	h=$(per "$hc" "$hm") rr=$(per "$rc" "$rm") e=$(per "$ec" "$em")
	ratio=$(awk -v h="$h" -v e="$e" 'BEGIN {printf "%.2f", h / e}')
	floor=$(awk -v r="$rr" -v e="$e" 'BEGIN {printf "%.2f", r / e}')
	own=$(awk -v h="$h" -v r="$rr" 'BEGIN {printf "%.2f", h / r}')
	echo "ratio: $ratio (relay ÷ echo $floor, hub ÷ relay $own)"
	hubs+=("$h") relays+=("$rr") echoes+=("$e") ratios+=("$ratio") floors+=("$floor") owns+=("$own")
	hubloads+=("$(per "$hl" "$hm")") relayloads+=("$(per "$rl" "$rm")") echoloads+=("$(per "$el" "$em")")
done

echo "== 10,000 relayed/s: relay latency ($CUSTOMERS customers, $AGENTS agents, 5000/s)"
hub_round hub10k 5000/s
read -r tc tm _ <"$work/hub10k.win"
jq -r '"hub /metrics over the pacing window: \(.hub.relayed) relayed = \(.hub.relayed_per_s | round)/s; relay latency p50 \(.hub.relay_latency_p50_s * 1e3 | . * 1000 | round / 1000) ms, p99 \(.hub.relay_latency_p99_s * 1e3 | . * 1000 | round / 1000) ms; round trip p99 \(.rtt.p99_ns / 1e6 | . * 100 | round / 100) ms"' "$work/hub10k.json"
echo "hub CPU at 10,000/s: $(per "$tc" "$tm") µs per message"

echo
echo "== summary ($(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1))"
echo "hub µs per relayed message:  ${hubs[*]}  median $(printf '%s\n' "${hubs[@]}" | median)"
echo "echo µs per echoed message:  ${echoes[*]}  median $(printf '%s\n' "${echoes[@]}" | median)"
echo "bare relay µs per relayed:   ${relays[*]}  median $(printf '%s\n' "${relays[@]}" | median); its load's ${relayloads[*]}  median $(printf '%s\n' "${relayloads[@]}" | median)"
echo "ratio hub ÷ echo:            ${ratios[*]}  median $(printf '%s\n' "${ratios[@]}" | median)   (target ≤ 1.25)"
echo "ratio relay ÷ echo:          ${floors[*]}  median $(printf '%s\n' "${floors[@]}" | median)   (the traffic's: the floor of any relay)"
echo "ratio hub ÷ relay:           ${owns[*]}  median $(printf '%s\n' "${owns[@]}" | median)   (the hub's own work)"
echo "their loads, µs per message:  hub's ${hubloads[*]}  median $(printf '%s\n' "${hubloads[@]}" | median); echo's ${echoloads[*]}  median $(printf '%s\n' "${echoloads[@]}" | median)"
jq -r '"relay p99 at 10,000/s:       \(.hub.relay_latency_p99_s * 1e3 | . * 1000 | round / 1000) ms   (target < 5 ms)"' "$work/hub10k.json"
